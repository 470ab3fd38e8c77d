"""Loading and validating a campaign's `config.yaml`: the only reader of it.

Structure and types are checked by pydantic; the rules that span several keys (unknown
choice list, duplicate unit code, a rule naming an unknown field, ...) by `_semantic_problems`.
Every problem is reported in Vietnamese with the key path and the line in the file.
"""

import re
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from addin.contract import FORM_PARTS, NAME_PREFIX, fingerprint
from addin.errors import BaocaoError
from addin.rules.expressions import CONSTANTS, ExpressionError, parse_expression
from addin.shipped import SHIPPED_CONFIG
from addin.xlsx.limits import DEFINED_NAME_MAX, sheet_name_problem

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: ~10× faster


def _nfc(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _day_first_date(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*", value)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    if isinstance(value, datetime):
        return value.date()
    return value


Text = Annotated[str, BeforeValidator(_nfc), StringConstraints(min_length=1)]
OptionalText = Annotated[str, BeforeValidator(_nfc)]
Identifier = Annotated[str, BeforeValidator(_nfc), StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
UnitCode = Annotated[str, BeforeValidator(_nfc), StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,19}$")]
ConfigDate = Annotated[date, BeforeValidator(_day_first_date)]
FieldType = Literal["text", "integer", "decimal", "date", "select_one", "email", "phone"]
Operator = Literal[
    "equal_to",
    "not_equal_to",
    "greater_than",
    "greater_than_or_equal_to",
    "less_than",
    "less_than_or_equal_to",
]
MissingValueStrategy = Literal["skip_if_any_value_missing", "skip_if_all_values_missing", "never_skip"]
NUMERIC_TYPES = ("integer", "decimal")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Model):
    start: ConfigDate
    end: ConfigDate


class Dispatch(_Model):
    number: Text
    date_text: OptionalText = ""
    subject: Text


class Campaign(_Model):
    id: Annotated[str, BeforeValidator(_nfc), StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    name: Text
    theme: OptionalText = ""
    period: Period
    deadline: ConfigDate
    report_title: Text = "BÁO CÁO"
    report_subtitle: OptionalText = ""
    dispatch: Dispatch


class Issuer(_Model):
    parent: OptionalText = ""
    name: Text
    short_name: Text
    office: OptionalText = ""
    place: Text
    email: Text
    signer_title: OptionalText = ""
    signer_name: OptionalText = ""


class DocumentHeader(_Model):
    national_title: Text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto: Text = "Độc lập - Tự do - Hạnh phúc"


class Task(_Model):
    code: Text
    text: Text


class Unit(_Model):
    code: UnitCode
    name: Text
    short: Text
    email: Text
    parent: OptionalText = ""


class UnitGroup(_Model):
    code: Text
    name: Text
    parent: OptionalText = ""
    units: list[Unit] = Field(min_length=1)


class Choice(_Model):
    name: Identifier
    label: Text


class FormField(_Model):
    name: Identifier
    label: Text
    type: FieldType = "text"
    required: bool = False
    choices: Identifier | None = None
    min: float | None = None
    max: float | None = None
    within_period: bool = False
    max_length: Annotated[int, Field(gt=0, le=32_767)] | None = None
    pattern: str | None = None
    constraint_message: OptionalText = ""
    hint: OptionalText = ""
    prefill: Literal["unit_name", "unit_code", "task_code", "task_text"] | None = None
    task: Text | None = None
    width: Annotated[float, Field(gt=0, le=255)] | None = None
    multiline: bool = False

    @property
    def is_input(self) -> bool:
        """Whether the unit types this value (prefilled values are locked)."""
        return self.prefill is None


class HeaderGroup(_Model):
    label: Text
    fields: list[Identifier] = Field(min_length=1)


class Section(_Model):
    name: Identifier
    label: Text
    sheet: Text
    kind: Literal["fields", "table"]
    fields: list[FormField] = Field(min_length=1)
    rows: Annotated[int, Field(ge=0, le=10_000)] = 0
    min_rows: Annotated[int, Field(ge=0)] = 0
    rows_from: Literal["tasks"] | None = None
    numbered: bool = True
    header_groups: list[HeaderGroup] = []
    totals: list[Identifier] = []

    def field(self, name: str) -> FormField:
        return next(field for field in self.fields if field.name == name)

    @property
    def input_fields(self) -> list[FormField]:
        return [field for field in self.fields if field.is_input]

    @property
    def is_growable_table(self) -> bool:
        return self.kind == "table" and self.rows_from is None


class Form(_Model):
    form_id: Identifier
    version: Text
    title: Text
    choices: dict[Identifier, list[Choice]] = {}
    sections: list[Section] = Field(min_length=1)
    instructions: list[Text] = []

    def section(self, name: str) -> Section:
        return next(section for section in self.sections if section.name == name)

    def choice_labels(self, list_name: str) -> list[str]:
        return [choice.label for choice in self.choices[list_name]]


class Rule(_Model):
    name: Identifier
    scope: Identifier
    left: Text
    operator: Operator
    right: Text
    importance: Literal["high", "medium", "low"] = "medium"
    severity: Literal["error", "warning"] = "error"
    missing_value_strategy: MissingValueStrategy = "skip_if_any_value_missing"
    message: Text


class TemplateOptions(_Model):
    protection_password: OptionalText = ""


class SummaryColumn(_Model):
    """One figure per unit in the by-unit annex: rows counted in a table, or a column summed."""

    label: Text
    group: OptionalText = ""
    count_rows: Identifier | None = None
    sum: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")] | None = None


class Annex(_Model):
    """One printed annex (a sheet) of the summary workbook."""

    kind: Literal["by_unit", "listing", "matrix", "submission", "charts"]
    sheet: Text
    title: Text
    columns: list[SummaryColumn] = []
    table: Identifier | None = None
    key: Identifier | None = None
    value: Identifier | None = None
    count_choice: Identifier | None = None
    series: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]] = []


class SummaryOptions(_Model):
    title: Text = "BÁO CÁO TỔNG HỢP"
    document_number: OptionalText = ""
    annex_caption: OptionalText = ""
    place_date: OptionalText = ""
    signer_title: OptionalText = ""
    signer_name: OptionalText = ""
    recipients: list[Text] = []
    annexes: list[Annex] = []


MAIL_PLACEHOLDERS = {
    "unit_name": "tên đầy đủ của đơn vị",
    "unit_short": "tên ngắn của đơn vị",
    "unit_code": "mã đơn vị",
    "campaign_name": "tên đợt báo cáo",
    "dispatch_number": "số công văn",
    "deadline": "hạn nộp (ngày/tháng/năm)",
    "issuer_name": "tên cơ quan gửi",
    "issuer_email": "địa chỉ thư nhận báo cáo",
    "tag": "mã thư (để ghép thư trả lời với đơn vị)",
    "file_name": "tên tệp đính kèm",
    "problems": "danh sách lỗi cần sửa (chỉ thư phản hồi)",
}


class MailServer(_Model):
    host: OptionalText = ""
    port: Annotated[int, Field(gt=0, lt=65_536)] | None = None
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    user: OptionalText = ""
    password_env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


class SmtpServer(MailServer):
    security: Literal["ssl", "starttls", "plain"] = "starttls"
    password_env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")] = "BAOCAO_SMTP_PASSWORD"


class ImapServer(MailServer):
    password_env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")] = "BAOCAO_IMAP_PASSWORD"
    folder: Text = "INBOX"


class MailText(_Model):
    subject: Text
    body: Text


DEFAULT_SEND = MailText(
    subject="[{tag}] {dispatch_number}: biểu mẫu báo cáo của {unit_short}",
    body=(
        "Kính gửi: {unit_name}\n\n"
        "Thực hiện công văn số {dispatch_number} về {campaign_name}, {issuer_name} gửi kèm biểu mẫu báo cáo "
        "dành riêng cho đơn vị (tệp {file_name}).\n\n"
        "Đề nghị đơn vị điền đầy đủ biểu mẫu, kiểm tra trang «Kiểm tra» không còn lỗi, và gửi lại tệp Excel "
        "trước ngày {deadline} bằng cách trả lời thư này (giữ nguyên tiêu đề, đính kèm tệp đã điền) "
        "hoặc gửi tới {issuer_email}.\n\n"
        "Trân trọng."
    ),
)
DEFAULT_REMIND = MailText(
    subject="[{tag}] Nhắc nộp báo cáo: {unit_short}",
    body=(
        "Kính gửi: {unit_name}\n\n"
        "Đến nay {issuer_name} chưa nhận được báo cáo của đơn vị theo công văn số {dispatch_number} "
        "(hạn nộp: {deadline}). Biểu mẫu của đơn vị được gửi kèm lại thư này (tệp {file_name}).\n\n"
        "Đề nghị đơn vị điền và gửi lại bằng cách trả lời thư này (giữ nguyên tiêu đề) hoặc gửi tới "
        "{issuer_email}.\n\n"
        "Trân trọng."
    ),
)
DEFAULT_FEEDBACK = MailText(
    subject="[{tag}] Báo cáo cần sửa: {unit_short}",
    body=(
        "Kính gửi: {unit_name}\n\n"
        "{issuer_name} đã nhận báo cáo của đơn vị nhưng báo cáo còn lỗi:\n\n"
        "{problems}\n\n"
        "Tệp đính kèm {file_name} là báo cáo của đơn vị với các ô cần sửa được tô màu và có ghi chú "
        "(nếu tệp đơn vị gửi không mở được thì đó là biểu mẫu mới để điền lại). "
        "Đề nghị đơn vị sửa và gửi lại trước ngày {deadline} bằng cách trả lời thư này (giữ nguyên tiêu đề) "
        "hoặc gửi tới {issuer_email}.\n\n"
        "Trân trọng."
    ),
)


class MailOptions(_Model):
    sender: OptionalText = ""
    sender_name: OptionalText = ""
    pause_seconds: Annotated[float, Field(ge=0, le=600)] = 1.0
    smtp: SmtpServer = SmtpServer()
    imap: ImapServer = ImapServer()
    send: MailText = DEFAULT_SEND
    remind: MailText = DEFAULT_REMIND
    feedback: MailText = DEFAULT_FEEDBACK


@dataclass(frozen=True)
class UnitEntry:
    """A unit with its group resolved, in official order."""

    code: str
    name: str
    short: str
    email: str
    parent: str
    group_code: str
    group_name: str
    order: int


class CampaignConfig(_Model):
    campaign: Campaign
    issuer: Issuer
    document_header: DocumentHeader = DocumentHeader()
    tasks: list[Task] = []
    unit_groups: list[UnitGroup] = Field(min_length=1)
    form: Form
    rules: list[Rule] = []
    template: TemplateOptions = TemplateOptions()
    summary: SummaryOptions = SummaryOptions()
    mail: MailOptions = MailOptions()

    @cached_property
    def units(self) -> list[UnitEntry]:
        entries = []
        for group in self.unit_groups:
            for unit in group.units:
                entries.append(
                    UnitEntry(
                        code=unit.code,
                        name=unit.name,
                        short=unit.short,
                        email=unit.email,
                        parent=unit.parent or group.parent,
                        group_code=group.code,
                        group_name=group.name,
                        order=len(entries) + 1,
                    )
                )
        return entries

    @cached_property
    def form_fingerprint(self) -> str:
        """Changes whenever what a return must contain changes (the reader's contract)."""
        return fingerprint(self.model_dump(mode="json", include=set(FORM_PARTS)))

    @cached_property
    def check_fingerprint(self) -> str:
        """Changes whenever anything that decides a check's outcome changes: returns are then checked again."""
        return fingerprint(self.model_dump(mode="json", exclude={"summary", "mail"}))

    @cached_property
    def master_fingerprint(self) -> str:
        """Changes whenever anything drawn on the master template changes (all but the units)."""
        return fingerprint(self.model_dump(mode="json", exclude={"unit_groups", "summary", "mail"}))


# ---------------------------------------------------------------- loading and errors


class ConfigError(BaocaoError):
    """A config that cannot be used; `problems` are the Vietnamese lines shown to staff."""

    def __init__(self, file: Path, problems: list[str]):
        self.file = file
        self.problems = problems
        shown = problems[:15]
        more = f"\n  … và {len(problems) - 15} lỗi khác." if len(problems) > 15 else ""
        lines = "\n".join(f"  - {problem}" for problem in shown)
        super().__init__(f"Tệp cấu hình {file} có {len(problems)} lỗi, hãy sửa rồi chạy lại:\n{lines}{more}")


Path_ = tuple[str | int, ...]


def load_config(path: Path | str | None = None) -> CampaignConfig:
    """Read and validate a campaign config; raise ConfigError with every problem found."""
    file = Path(path) if path else SHIPPED_CONFIG
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise BaocaoError(f"Không tìm thấy tệp cấu hình {file}. Hãy kiểm tra đường dẫn.") from error
    except UnicodeDecodeError as error:
        raise BaocaoError(f"Tệp cấu hình {file} không phải văn bản UTF-8. Hãy lưu lại với mã UTF-8.") from error
    lines, data = _parse_yaml(file, text)
    try:
        config = CampaignConfig.model_validate(data)
    except ValidationError as error:
        problems = [_describe(tuple(item["loc"]), _pydantic_message(item), lines) for item in error.errors()]
        raise ConfigError(file, problems) from None
    problems = [_describe(where, message, lines) for where, message in _semantic_problems(config)]
    if problems:
        raise ConfigError(file, problems)
    return config


def _parse_yaml(file: Path, text: str) -> tuple[dict[Path_, int], Any]:
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ dòng"
        problem = getattr(error, "problem", None) or "sai cú pháp YAML"
        raise ConfigError(file, [f"{where}: viết sai cú pháp ({problem}). Kiểm tra thụt lề và dấu hai chấm."]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ConfigError(file, ["tệp không chứa các mục cấu hình (campaign, issuer, unit_groups, form, ...)."])
    lines: dict[Path_, int] = {}
    duplicates = list(_index_lines(node, (), lines))
    if duplicates:
        raise ConfigError(
            file, [_describe(where, "mục này bị viết hai lần; chỉ giữ một.", lines) for where in duplicates]
        )
    return lines, data


def _index_lines(node: yaml.Node, where: Path_, lines: dict[Path_, int]) -> Iterator[Path_]:
    """Record the line of every key path; yield the paths of keys written twice."""
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                lines[(*where, key)] = key_node.start_mark.line + 1
                yield (*where, key)
                continue
            seen.add(key)
            yield from _index_lines(value_node, (*where, key), lines)
            lines[(*where, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _index_lines(item, (*where, index), lines)


def _describe(where: Path_, message: str, lines: dict[Path_, int]) -> str:
    line = next((lines[where[:end]] for end in range(len(where), -1, -1) if where[:end] in lines), None)
    place = f"dòng {line}" if line else "không rõ dòng"
    return f"{place} ({format_path(where)}): {message}"


def format_path(where: Path_) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(gốc)"


_PYDANTIC_MESSAGES = {
    "missing": "thiếu mục bắt buộc này.",
    "extra_forbidden": "mục này không được hỗ trợ (có thể viết sai tên?). Hãy xoá hoặc sửa tên.",
    "string_type": "phải là chữ.",
    "int_type": "phải là số nguyên.",
    "int_parsing": "phải là số nguyên.",
    "int_from_float": "phải là số nguyên.",
    "float_type": "phải là số.",
    "float_parsing": "phải là số.",
    "bool_type": "phải là true hoặc false.",
    "bool_parsing": "phải là true hoặc false.",
    "date_type": "phải là ngày, viết dạng 2019-12-18 hoặc 18/12/2019.",
    "date_parsing": "phải là ngày, viết dạng 2019-12-18 hoặc 18/12/2019.",
    "date_from_datetime_parsing": "phải là ngày, viết dạng 2019-12-18 hoặc 18/12/2019.",
    "list_type": "phải là một danh sách (mỗi mục bắt đầu bằng dấu -).",
    "dict_type": "phải là một nhóm mục con (dạng tên: giá trị).",
    "model_type": "phải là một nhóm mục con (dạng tên: giá trị).",
}


def _pydantic_message(item: dict) -> str:
    kind = item["type"]
    context = item.get("ctx", {})
    if kind in _PYDANTIC_MESSAGES:
        return _PYDANTIC_MESSAGES[kind]
    if kind == "literal_error":
        return f"giá trị «{item.get('input')}» không hợp lệ; chỉ được là một trong: {context.get('expected')}."
    if kind == "string_pattern_mismatch":
        return (
            f"«{item.get('input')}» không đúng dạng: tên chỉ gồm chữ thường không dấu, số, dấu gạch dưới "
            "(mã đơn vị: chữ in hoa không dấu, số, - hoặc _), bắt đầu bằng chữ hoặc số."
        )
    if kind in ("too_short", "string_too_short"):
        return "không được để trống."
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        bound = next(iter(context.values()), "")
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        return f"phải {sign} {bound}."
    return f"giá trị «{item.get('input')}» không hợp lệ."


# ---------------------------------------------------------------- rules across keys


def _semantic_problems(config: CampaignConfig) -> Iterator[tuple[Path_, str]]:
    yield from _date_problems(config)
    yield from _unit_problems(config)
    yield from _form_problems(config)
    yield from _rule_problems(config)
    yield from _summary_problems(config)
    yield from _mail_problems(config)


def _date_problems(config: CampaignConfig) -> Iterator[tuple[Path_, str]]:
    period, deadline = config.campaign.period, config.campaign.deadline
    if period.end < period.start:
        yield (
            ("campaign", "period", "end"),
            (f"ngày kết thúc {period.end:%d/%m/%Y} trước ngày bắt đầu {period.start:%d/%m/%Y}."),
        )
    if deadline < period.end:
        yield (
            ("campaign", "deadline"),
            (
                f"hạn nộp {deadline:%d/%m/%Y} trước ngày kết thúc đợt {period.end:%d/%m/%Y}; "
                "hạn nộp phải từ ngày kết thúc đợt trở đi."
            ),
        )


def _unit_problems(config: CampaignConfig) -> Iterator[tuple[Path_, str]]:
    first_seen: dict[str, dict[str, Path_]] = {"code": {}, "short": {}}
    labels = {"code": "mã đơn vị", "short": "tên ngắn"}
    for g, group in enumerate(config.unit_groups):
        for u, unit in enumerate(group.units):
            for key in ("code", "short"):
                value = getattr(unit, key)
                where = ("unit_groups", g, "units", u, key)
                folded = value.casefold()
                if folded in first_seen[key]:
                    other = format_path(first_seen[key][folded][:-1])
                    yield (
                        where,
                        f"{labels[key]} «{value}» bị trùng với đơn vị {other}; mỗi đơn vị cần {labels[key]} riêng.",
                    )
                else:
                    first_seen[key][folded] = where
            if not _looks_like_email(unit.email):
                yield ("unit_groups", g, "units", u, "email"), f"địa chỉ thư «{unit.email}» không hợp lệ."
            if not (unit.parent or group.parent):
                yield (
                    ("unit_groups", g, "units", u),
                    ("chưa có cơ quan chủ quản (parent) cho quốc hiệu bên trái: ghi parent ở đơn vị hoặc ở nhóm."),
                )


def _looks_like_email(address: str) -> bool:
    return re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address) is not None


def _form_problems(config: CampaignConfig) -> Iterator[tuple[Path_, str]]:
    form = config.form
    section_names: set[str] = set()
    single_fields: set[str] = set()
    growable_sheets: dict[str, int] = {}
    for s, section in enumerate(form.sections):
        where = ("form", "sections", s)
        if section.name in section_names:
            yield (*where, "name"), f"tên phần «{section.name}» bị trùng."
        section_names.add(section.name)
        problem = sheet_name_problem(section.sheet)
        if problem:
            yield (*where, "sheet"), problem + "."
        if section.sheet.casefold() in ("hướng dẫn", "kiểm tra", "_meta"):
            yield (*where, "sheet"), f"tên trang «{section.sheet}» đã dành cho trang của hệ thống; hãy đặt tên khác."
        yield from _section_shape_problems(config, section, where)
        names_here: set[str] = set()
        for f, field in enumerate(section.fields):
            field_where = (*where, "fields", f)
            if field.name in names_here:
                yield (*field_where, "name"), f"tên trường «{field.name}» bị trùng trong phần «{section.name}»."
            names_here.add(field.name)
            if section.kind == "fields":
                if field.name in single_fields:
                    yield (
                        (*field_where, "name"),
                        f"tên trường «{field.name}» đã dùng ở phần khác; tên trường đơn phải khác nhau.",
                    )
                single_fields.add(field.name)
            yield from _field_problems(config, section, field, field_where)
        if section.is_growable_table:
            growable_sheets.setdefault(section.sheet, s)
    for s, section in enumerate(form.sections):
        first = growable_sheets.get(section.sheet)
        if first is not None and s > first:
            yield (
                ("form", "sections", s, "sheet"),
                (
                    f"trang «{section.sheet}» đã có bảng «{form.sections[first].name}» nhiều dòng; "
                    "bảng đó phải là phần cuối cùng của trang (để đơn vị chèn thêm dòng). "
                    "Hãy đặt phần này ở trang khác."
                ),
            )
    table_names = {section.name for section in form.sections if section.kind == "table"}
    for name in sorted(table_names & single_fields):
        yield ("form", "sections"), f"«{name}» vừa là tên bảng vừa là tên trường; hãy đổi một trong hai."


def _section_shape_problems(config: CampaignConfig, section: Section, where: Path_) -> Iterator[tuple[Path_, str]]:
    if section.kind == "fields":
        for key in ("rows", "min_rows", "rows_from", "header_groups", "totals"):
            if key in section.model_fields_set:
                yield (*where, key), f"mục «{key}» chỉ dùng cho phần dạng bảng (kind: table)."
        return
    if section.rows_from == "tasks" and not config.tasks:
        yield (*where, "rows_from"), "bảng lấy dòng từ danh sách nhiệm vụ (tasks) nhưng cấu hình chưa có nhiệm vụ nào."
    if section.rows_from is None and section.rows < 1:
        yield (*where, "rows"), "bảng cần số dòng để đơn vị nhập (rows), ví dụ rows: 200."
    if section.min_rows > max(section.rows, len(config.tasks) if section.rows_from else 0):
        yield (*where, "min_rows"), "số dòng tối thiểu lớn hơn số dòng của bảng."
    names = [field.name for field in section.fields]
    for g, group in enumerate(section.header_groups):
        unknown = [name for name in group.fields if name not in names]
        if unknown:
            yield (
                (*where, "header_groups", g, "fields"),
                f"không có cột «{', '.join(unknown)}» trong bảng «{section.name}».",
            )
            continue
        positions = sorted(names.index(name) for name in group.fields)
        if positions != list(range(positions[0], positions[0] + len(positions))):
            yield (*where, "header_groups", g, "fields"), "các cột của một nhóm tiêu đề phải đứng liền nhau."
    for t, name in enumerate(section.totals):
        if name not in names:
            yield (*where, "totals", t), f"không có cột «{name}» trong bảng «{section.name}»."
        elif section.field(name).type not in NUMERIC_TYPES:
            yield (*where, "totals", t), f"cột «{name}» không phải cột số nên không cộng được."
    longest = max(len(f"{NAME_PREFIX}{section.name}__{name}") for name in names)
    if longest > DEFINED_NAME_MAX:
        yield (*where, "name"), "tên phần và tên cột quá dài cho tên vùng của Excel."


def _field_problems(
    config: CampaignConfig, section: Section, field: FormField, where: Path_
) -> Iterator[tuple[Path_, str]]:
    choices = config.form.choices
    if field.type == "select_one" and not field.choices:
        yield (*where, "choices"), "trường chọn từ danh sách (select_one) cần ghi tên danh sách lựa chọn (choices)."
    if field.choices and field.choices not in choices:
        known = ", ".join(choices) or "(chưa có danh sách nào)"
        yield (
            (*where, "choices"),
            f"không có danh sách lựa chọn «{field.choices}» trong form.choices; các danh sách có: {known}.",
        )
    if field.choices and field.type != "select_one":
        yield (*where, "choices"), "chỉ trường kiểu select_one mới dùng danh sách lựa chọn."
    if (field.min is not None or field.max is not None) and field.type not in NUMERIC_TYPES:
        yield (*where, "type"), "giới hạn min/max chỉ dùng cho trường số (integer, decimal)."
    if field.min is not None and field.max is not None and field.min > field.max:
        yield (*where, "min"), f"min ({field.min:g}) lớn hơn max ({field.max:g})."
    if field.within_period and field.type != "date":
        yield (*where, "within_period"), "within_period chỉ dùng cho trường ngày (type: date)."
    if field.pattern is not None:
        try:
            re.compile(field.pattern)
        except re.error:
            yield (*where, "pattern"), f"mẫu kiểm tra «{field.pattern}» viết sai (biểu thức chính quy)."
    if field.prefill in ("task_code", "task_text") and section.rows_from != "tasks":
        yield (*where, "prefill"), "chỉ bảng lấy dòng từ nhiệm vụ (rows_from: tasks) mới điền sẵn mã/nội dung nhiệm vụ."
    if field.prefill in ("unit_name", "unit_code") and section.kind != "fields":
        yield (*where, "prefill"), "tên/mã đơn vị chỉ điền sẵn vào trường đơn (phần kind: fields)."
    if field.task is not None and field.task not in {task.code for task in config.tasks}:
        yield (*where, "task"), f"không có nhiệm vụ mã «{field.task}» trong danh sách tasks."
    for label_list, options in choices.items():
        labels = [option.label.casefold() for option in options]
        if len(labels) != len(set(labels)) and field.choices == label_list:
            yield ("form", "choices", label_list), "hai lựa chọn trong danh sách trùng nhãn (label)."


def _rule_problems(config: CampaignConfig) -> Iterator[tuple[Path_, str]]:
    sections = {section.name: section for section in config.form.sections}
    seen: set[str] = set()
    for r, rule in enumerate(config.rules):
        where = ("rules", r)
        if rule.name in seen:
            yield (*where, "name"), f"tên quy tắc «{rule.name}» bị trùng."
        seen.add(rule.name)
        section = sections.get(rule.scope)
        if section is None:
            yield (*where, "scope"), f"không có phần «{rule.scope}» trong form; các phần có: {', '.join(sections)}."
            continue
        known = {field.name: field for field in section.fields}
        for side in ("left", "right"):
            try:
                expression = parse_expression(getattr(rule, side))
            except ExpressionError as error:
                yield (*where, side), f"{error}."
                continue
            for name in expression.names:
                if name in CONSTANTS:
                    continue
                if name not in known:
                    yield (
                        (*where, side),
                        (
                            f"quy tắc dùng trường «{name}» không có trong phần «{rule.scope}»; "
                            f"các trường có: {', '.join(known)}."
                        ),
                    )
                elif known[name].type not in (*NUMERIC_TYPES, "date"):
                    yield (*where, side), f"trường «{name}» không phải số hay ngày nên không tính toán được."


def _summary_problems(config: CampaignConfig) -> Iterator[tuple[Path_, str]]:
    tables = {section.name: section for section in config.form.sections if section.kind == "table"}
    sheets: set[str] = set()
    for a, annex in enumerate(config.summary.annexes):
        where = ("summary", "annexes", a)
        problem = sheet_name_problem(annex.sheet)
        if problem:
            yield (*where, "sheet"), problem + "."
        if annex.sheet.casefold() in sheets:
            yield (*where, "sheet"), f"tên trang «{annex.sheet}» bị trùng."
        sheets.add(annex.sheet.casefold())
        references = [(("table",), annex.table)] if annex.table else []
        references += [
            (("columns", c, "count_rows"), column.count_rows)
            for c, column in enumerate(annex.columns)
            if column.count_rows
        ]
        for path, name in references:
            if name not in tables:
                yield (*where, *path), f"không có bảng «{name}» trong form; các bảng có: {', '.join(tables)}."
        sums = [(("columns", c, "sum"), col.sum) for c, col in enumerate(annex.columns) if col.sum]
        sums += [(("series", s), item) for s, item in enumerate(annex.series)]
        for path, dotted in sums:
            table, column = dotted.split(".")
            if table not in tables or column not in {f.name for f in tables[table].fields}:
                yield (*where, *path), f"không có cột «{dotted}» (dạng bảng.cột) trong form."
            elif tables[table].field(column).type not in NUMERIC_TYPES:
                yield (*where, *path), f"cột «{dotted}» không phải cột số nên không cộng được."
        if annex.kind in ("listing", "matrix") and annex.table is None:
            yield where, f"phụ lục dạng {annex.kind} cần ghi bảng nguồn (table)."
        if annex.kind == "matrix" and annex.table in tables:
            names = {f.name for f in tables[annex.table].fields}
            for key in ("key", "value"):
                if getattr(annex, key) not in names:
                    yield (*where, key), f"phụ lục dạng matrix cần cột «{key}» có trong bảng «{annex.table}»."


def _mail_problems(config: CampaignConfig) -> Iterator[tuple[Path_, str]]:
    known = ", ".join("{" + name + "}" for name in MAIL_PLACEHOLDERS)
    for kind in ("send", "remind", "feedback"):
        for part in ("subject", "body"):
            text = getattr(getattr(config.mail, kind), part)
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            except ValueError:
                yield ("mail", kind, part), "dấu ngoặc nhọn { } không khớp; muốn viết chính dấu { thì gõ {{."
                continue
            for name in sorted(names - MAIL_PLACEHOLDERS.keys()):
                yield ("mail", kind, part), f"không có chỗ điền «{{{name}}}». Các chỗ điền dùng được: {known}."
    for kind in ("smtp", "imap"):
        server = getattr(config.mail, kind)
        if server.host and not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]", server.host):
            yield ("mail", kind, "host"), f"tên máy chủ thư «{server.host}» không hợp lệ."
    if config.mail.sender and not _looks_like_email(config.mail.sender):
        yield ("mail", "sender"), f"địa chỉ thư «{config.mail.sender}» không hợp lệ."
