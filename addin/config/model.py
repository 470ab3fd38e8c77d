"""The shape of a campaign's `config.yaml` as pydantic models, and the campaign's derived views.

Structure and types are checked here (pydantic); the rules that span several keys live in
`addin.config.problems`, the reading of the file in `addin.config.loading`.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal

import re2
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_serializer

from addin.contract import FORM_PARTS, fingerprint


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
# The magnitude a number field accepts on a side its config leaves without min/max: beyond it a value is a
# typing slip (9,99E+307) and would overflow the summary's totals.
NUMBER_LIMIT = 10**12
REPORT_WINDOW = timedelta(days=30)  # after the deadline, a campaign is still current (see report_date)


def compile_pattern(pattern: str) -> re2._Regexp:
    """A field's `pattern` compiled with RE2: linear-time matching, so no pattern or value can hang a check.

    Raises re2.error for a pattern RE2 does not accept (back-references, look-arounds…).
    """
    options = re2.Options()
    options.log_errors = False  # the config check reports it to staff, in Vietnamese
    return re2.compile(pattern, options)


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
    emails: list[Text] = []  # the unit's other addresses (a head's own mailbox, a second account)
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
    # Which issued versions returns may still be on (None: every version this campaign issued); the current
    # version is always accepted. A check setting, not what a template contains: left out of every dump (so of
    # the form, master and layout fingerprints) and added to `check_fingerprint` alone.
    accept_versions: list[Text] | None = Field(default=None, exclude=True)

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
    """One figure per unit in the by-unit annex: rows counted in a table, a column (or a number field) summed, or
    the value of one single field (`value`: a number, date or text the unit typed once)."""

    label: Text
    group: OptionalText = ""
    count_rows: Identifier | None = None
    sum: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")] | None = None
    value: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")] | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler):  # `value` unset is left out: layouts drawn before it existed keep their fingerprint
        data = handler(self)
        if self.value is None:
            data.pop("value", None)
        return data


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
    report_date: ConfigDate | None = None  # the date printed on the báo cáo and its annexes (see `report_date`)
    standalone_annexes: bool = False  # each annex with its own header, số, date, signature and «Nơi nhận»


ReportKind = Literal["heading", "directives", "tasks", "activities", "submission", "texts"]
Dotted = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]


class ReportSection(_Model):
    """One part of the báo cáo's body: its heading and the data that feeds it (see README, `report:`)."""

    kind: ReportKind
    heading: Text
    level: Literal[1, 2] = 1  # 1: «I. …» part; 2: «1. …» inside the part above
    table: Identifier | None = None  # directives, activities: the rows counted; tasks: the task table
    key: Identifier | None = None  # tasks: the task code column
    value: Identifier | None = None  # tasks: the state column
    count_choice: Identifier | None = None  # tasks: the choice that counts as done
    detail: Identifier | None = None  # tasks: the column whose text gives the examples
    examples: Annotated[int, Field(ge=0, le=10)] = 3  # tasks: examples per task
    sums: list[Dotted] = []  # activities: the columns totalled ("hoat_dong.tong")
    sections: list[Identifier] = []  # texts: the form sections gathered by group


DEFAULT_REPORT_SECTIONS = (
    ReportSection(kind="directives", heading="I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI", table="van_ban"),
    ReportSection(
        kind="tasks",
        heading="II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ",
        table="nhiem_vu",
        key="ma",
        value="tinh_trang",
        count_choice="da_thuc_hien",
        detail="ket_qua",
    ),
    ReportSection(kind="heading", heading="III. SỐ LIỆU TỔNG HỢP"),
    ReportSection(
        kind="activities",
        heading="1. Hoạt động và người tham gia",
        level=2,
        table="hoat_dong",
        sums=["hoat_dong.tong", "hoat_dong.nam", "hoat_dong.nu"],
    ),
    ReportSection(kind="submission", heading="2. Tình hình gửi báo cáo của các đơn vị", level=2),
    ReportSection(kind="texts", heading="IV. ĐÁNH GIÁ CHUNG VÀ ĐỀ XUẤT, KIẾN NGHỊ", sections=["chi_so", "de_xuat"]),
)


def report_section_problems(config: "CampaignConfig", section: ReportSection):
    """(key, Vietnamese message) for each form name a report section needs and the form lacks."""
    tables = {each.name: each for each in config.form.sections}
    needs = {
        "directives": ("table",),
        "activities": ("table",),
        "tasks": ("table", "key", "value", "count_choice", "detail"),
    }.get(section.kind, ())
    for key in needs:
        if getattr(section, key) is None:
            yield key, f"phần «{section.heading}» ({section.kind}) cần ghi {key}."
    table = tables.get(section.table) if section.table else None
    if section.table and (table is None or table.kind != "table"):
        yield "table", f"biểu mẫu không có bảng «{section.table}» (form.sections, kind: table)."
    if table is not None and section.kind == "tasks":
        names = {field.name: field for field in table.fields}
        for key in ("key", "value", "detail"):
            name = getattr(section, key)
            if name is not None and name not in names:
                yield key, f"bảng «{section.table}» không có cột «{name}»."
        value = names.get(section.value) if section.value else None
        choices = config.form.choices.get(value.choices, []) if value is not None and value.choices else []
        if section.count_choice and value is not None and section.count_choice not in [c.name for c in choices]:
            yield "count_choice", f"cột «{section.value}» không có lựa chọn «{section.count_choice}»."
    for index, dotted in enumerate(section.sums):
        name, column = dotted.split(".")
        found = tables.get(name)
        if found is None or column not in {field.name for field in found.fields}:
            yield ("sums", index), f"biểu mẫu không có cột «{dotted}»."
        elif found.field(column).type not in NUMERIC_TYPES:
            yield ("sums", index), f"cột «{dotted}» không phải cột số."
    for index, name in enumerate(section.sections):
        if name not in tables:
            yield ("sections", index), f"biểu mẫu không có phần «{name}» (form.sections)."


class ReportOptions(_Model):
    """The báo cáo (Word): its body's sections in order; unset, the default sections this form can feed."""

    sections: list[ReportSection] | None = None


MAIL_PLACEHOLDERS = {
    "unit_name": "tên đầy đủ của đơn vị",
    "unit_short": "tên ngắn của đơn vị",
    "unit_code": "mã đơn vị",
    "campaign_name": "tên đợt báo cáo",
    "dispatch_number": "số công văn",
    "deadline": "hạn nộp (ngày/tháng/năm)",
    "submit_by": "hạn gửi: «trước ngày …» (hạn nộp, sau hạn là mail.resubmit_by) hoặc «sớm nhất có thể»",
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


class MailLimits(_Model):
    """Bounds every incoming mail is checked against before it is parsed (a mail past one is recorded, not read)."""

    # a whole mail as stored: one past it is never downloaded (CPython's parser peaks at about 9 times its size)
    message_bytes: Annotated[int, Field(ge=65_536, le=1_073_741_824)] = 20_971_520
    header_bytes: Annotated[int, Field(ge=1024, le=1_048_576)] = 32_768  # each header block, in bytes
    depth: Annotated[int, Field(ge=2, le=100)] = 20  # nesting of multiparts and of ( ) in a header field
    parts: Annotated[int, Field(ge=1, le=100_000)] = 200  # MIME parts in one mail
    part_bytes: Annotated[int, Field(ge=1024, le=1_073_741_824)] = 67_108_864  # one part as sent (encoded)


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
        "Đến nay {issuer_name} chưa nhận được báo cáo của đơn vị theo công văn số {dispatch_number}. "
        "Biểu mẫu của đơn vị được gửi kèm lại thư này (tệp {file_name}).\n\n"
        "Đề nghị đơn vị điền và gửi lại {submit_by} bằng cách trả lời thư này (giữ nguyên tiêu đề) hoặc gửi tới "
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
        "Đề nghị đơn vị sửa và gửi lại {submit_by} bằng cách trả lời thư này (giữ nguyên tiêu đề) "
        "hoặc gửi tới {issuer_email}.\n\n"
        "Trân trọng."
    ),
)


class MailOptions(_Model):
    sender: OptionalText = ""
    sender_name: OptionalText = ""
    trusted_domains: list[Text] = []  # a return from any address of these domains needs no staff confirmation
    pause_seconds: Annotated[float, Field(ge=0, le=600)] = 1.0
    resubmit_by: ConfigDate | None = None  # the date reminders and feedback give once the deadline has passed
    smtp: SmtpServer = SmtpServer()
    imap: ImapServer = ImapServer()
    limits: MailLimits = MailLimits()
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
    emails: tuple[str, ...] = ()  # every address of the unit: `email` first, then `emails`


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
    report: ReportOptions = ReportOptions()

    def report_date(self, today: date | None = None) -> date:
        """The date every printed output carries: `summary.report_date` when set; else today while the campaign
        is current (from its start until REPORT_WINDOW after the deadline); else the day after the deadline, so
        a past campaign's report is never stamped with the wall clock."""
        if self.summary.report_date:
            return self.summary.report_date
        today = today or date.today()
        if self.campaign.period.start <= today <= self.campaign.deadline + REPORT_WINDOW:
            return today
        return self.campaign.deadline + timedelta(days=1)

    @cached_property
    def report_sections(self) -> list[ReportSection]:
        """The báo cáo's sections: as `report.sections` declares them, else the defaults whose data this form has."""
        if self.report.sections is not None:
            return list(self.report.sections)
        chosen = []
        for section in DEFAULT_REPORT_SECTIONS:
            if section.kind == "texts":
                names = {each.name for each in self.form.sections}
                section = section.model_copy(update={"sections": [n for n in section.sections if n in names]})
                if not section.sections:
                    continue
            if not list(report_section_problems(self, section)):
                chosen.append(section)
        return [  # a heading whose sub-sections all fell away goes too
            section
            for index, section in enumerate(chosen)
            if section.kind != "heading" or (index + 1 < len(chosen) and chosen[index + 1].level > section.level)
        ]

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
                        emails=(unit.email, *unit.emails),
                    )
                )
        return entries

    @cached_property
    def units_by_code(self) -> dict[str, UnitEntry]:
        """Each unit by its code: looking one up must not scan 10,000 units for every return."""
        return {unit.code: unit for unit in self.units}

    def contract_parts(self) -> dict:
        """What a return must contain (the reader's contract) as plain data: form, tasks and rules."""
        return self.model_dump(mode="json", include=set(FORM_PARTS))

    @cached_property
    def form_fingerprint(self) -> str:
        """Changes whenever what a return must contain changes (the reader's contract)."""
        return fingerprint(self.contract_parts())

    @cached_property
    def check_fingerprint(self) -> str:
        """Changes whenever anything that decides a check's outcome changes: returns are then checked again."""
        data = self.model_dump(mode="json", exclude={"summary", "mail", "report"})
        if self.form.accept_versions is not None:
            data["accept_versions"] = self.form.accept_versions
        return fingerprint(data)

    @cached_property
    def master_fingerprint(self) -> str:
        """Changes whenever anything drawn on the master template changes (all but the units)."""
        return fingerprint(self.model_dump(mode="json", exclude={"unit_groups", "summary", "mail", "report"}))
