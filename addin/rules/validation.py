"""The rules of a config applied to one return's contents → typed values and findings.

Every finding says where (sheet, cell, table row), quotes the value, and says what to do.
Values are read the Vietnamese way ("1.234" is a thousand two hundred thirty-four, dates are
day-first); what had to be interpreted is reported as a warning, never silently.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from simpleeval import SimpleEval

from addin.config import CampaignConfig, FormField, Rule, Section
from addin.contract import Meta
from addin.findings import ERROR, WARNING, Finding
from addin.intake.reading import Cell, TableRow, WorkbookContents
from addin.rules.expressions import CONSTANTS, parse_expression
from addin.rules.template_checks import number_rule_text
from addin.subject_tag import find_subject_tag
from addin.vietnamese import fix_legacy, fold_name, match_unit, nfc, parse_vn_date, parse_vn_number

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOLERANCE = 1e-6
_COMPARISONS = {
    "equal_to": lambda a, b: abs(a - b) <= _TOLERANCE,
    "not_equal_to": lambda a, b: abs(a - b) > _TOLERANCE,
    "greater_than": lambda a, b: a > b + _TOLERANCE,
    "greater_than_or_equal_to": lambda a, b: a >= b - _TOLERANCE,
    "less_than": lambda a, b: a < b - _TOLERANCE,
    "less_than_or_equal_to": lambda a, b: a <= b + _TOLERANCE,
}


@dataclass
class CheckedReturn:
    unit_code: str | None
    identification: str
    findings: list[Finding] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    late: bool = False
    readable: bool = True


def display(value: object) -> str:
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def format_number(value: float) -> str:
    """A number as staff read it in a message: no grouping (so 1045 is never mistaken), decimal comma."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").replace(".", ",")


class ReturnChecker:
    """Checks returns against one config; build once, use for every return."""

    def __init__(self, config: CampaignConfig):
        self.config = config
        self.units = {unit.code: unit for unit in config.units}
        self.unit_names = [(unit.code, [unit.name, unit.short]) for unit in config.units]
        self.unit_emails = {unit.email.strip().casefold(): unit.code for unit in config.units}
        period = config.campaign.period
        self.constants = {
            "period_start": period.start.toordinal(),
            "period_end": period.end.toordinal(),
            "deadline": config.campaign.deadline.toordinal(),
        }
        self.rules = [(rule, _CompiledRule(rule)) for rule in config.rules]

    # ------------------------------------------------------------ whole return

    def check(
        self,
        contents: WorkbookContents,
        received_at: datetime,
        file_name: str,
        sender: str | None = None,
        subject: str | None = None,
    ) -> CheckedReturn:
        findings: list[Finding] = []
        clues = self.mail_clues(sender, subject)
        if not self._right_form(contents, findings):
            unit_code, how, _ = self.identify(contents, file_name, clues)
            return CheckedReturn(unit_code, how, findings, readable=False)
        unit_code, how, identity_findings = self.identify(contents, file_name, clues)
        result = CheckedReturn(unit_code, how, findings + identity_findings)
        for section in self.config.form.sections:
            if section.kind == "fields":
                self._check_fields(section, contents, result)
            elif section.name in contents.tables:
                self._check_table(section, contents.tables[section.name], result)
        result.late = received_at.date() > self.config.campaign.deadline
        if result.late:
            result.findings.append(
                Finding(
                    WARNING,
                    "LATE",
                    f"Báo cáo nhận ngày {received_at:%d/%m/%Y}, sau hạn {self.config.campaign.deadline:%d/%m/%Y} "
                    "(nộp muộn; không phải lỗi của số liệu).",
                )
            )
        return result

    def _right_form(self, contents: WorkbookContents, findings: list[Finding]) -> bool:
        meta, form, campaign = contents.meta, self.config.form, self.config.campaign
        if meta.get(Meta.CAMPAIGN_ID) and meta[Meta.CAMPAIGN_ID] != campaign.id:
            findings.append(
                Finding(
                    ERROR,
                    "WRONG_CAMPAIGN",
                    f"Tệp là biểu mẫu của đợt báo cáo khác (mã «{meta[Meta.CAMPAIGN_ID]}»), không phải đợt "
                    f"«{campaign.name}». Hãy dùng đúng biểu mẫu của đợt này rồi gửi lại.",
                    sheet="_meta",
                )
            )
            return False
        if meta.get(Meta.FORM_ID) and (meta[Meta.FORM_ID], meta.get(Meta.FORM_VERSION)) != (form.form_id, form.version):
            findings.append(
                Finding(
                    ERROR,
                    "FORM_VERSION_UNKNOWN",
                    f"Tệp dùng biểu mẫu «{meta[Meta.FORM_ID]}» phiên bản «{meta.get(Meta.FORM_VERSION, '?')}», "
                    f"không phải phiên bản «{form.version}» đang dùng. Hãy chép số liệu sang biểu mẫu mới "
                    "đã được gửi rồi gửi lại.",
                    sheet="_meta",
                )
            )
            return False
        known = set(contents.fields) | set(contents.tables)
        if not known:
            findings.append(
                Finding(
                    ERROR,
                    "NOT_OUR_TEMPLATE",
                    "Không tìm thấy vùng nhập liệu nào của biểu mẫu (tệp không phải biểu mẫu đã gửi, hoặc số liệu "
                    "được chép sang tệp khác). Hãy điền vào đúng biểu mẫu đã được gửi rồi gửi lại.",
                )
            )
            return False
        if meta.get(Meta.FORM_FINGERPRINT) and meta[Meta.FORM_FINGERPRINT] != self.config.form_fingerprint:
            findings.append(
                Finding(
                    WARNING,
                    "TEMPLATE_OUTDATED",
                    "Tệp được tạo từ cấu hình cũ hơn của biểu mẫu; số liệu vẫn được đọc theo tên vùng. "
                    "Lần sau hãy dùng biểu mẫu mới nhất.",
                )
            )
        if contents.missing_names:
            findings.append(
                Finding(
                    ERROR,
                    "NAMES_MISSING",
                    f"Thiếu {len(contents.missing_names)} vùng nhập liệu của biểu mẫu "
                    f"({', '.join(contents.missing_names[:5])}{'…' if len(contents.missing_names) > 5 else ''}): "
                    "có thể các cột/ô đã bị xoá. Hãy điền vào biểu mẫu gốc đã được gửi.",
                )
            )
        return True

    # ------------------------------------------------------------ unit identity

    def mail_clues(self, sender: str | None, subject: str | None) -> list["Clue"]:
        """What the mail says about the unit, strongest first."""
        clues = []
        sender_code = self.unit_emails.get((sender or "").strip().casefold())
        if sender_code:
            clues.append(
                Clue(
                    sender_code, f"theo địa chỉ người gửi «{sender}»", f"thư được gửi từ «{sender}»", "SENDER_MISMATCH"
                )
            )
        tag_code = find_subject_tag(subject or "", self.config.campaign.id)
        if tag_code in self.units:
            tag = f"«[{self.config.campaign.id}/{tag_code}]»"
            clues.append(
                Clue(tag_code, f"theo mã {tag} trong tiêu đề thư", f"tiêu đề thư mang mã {tag}", "SUBJECT_TAG_MISMATCH")
            )
        return clues

    def identify(
        self, contents: WorkbookContents, file_name: str, clues: list["Clue"] | None = None
    ) -> tuple[str | None, str, list[Finding]]:
        """The unit of a return: `_meta`, then the sender's address, then the subject tag, then the file itself."""
        clues = clues or []
        meta_code = contents.meta.get(Meta.UNIT_CODE)
        if meta_code not in self.units and clues:
            best, unit = clues[0], self.units[clues[0].code]
            missing = Finding(
                WARNING,
                "META_MISSING",
                f"Tệp không còn thông tin ẩn của biểu mẫu; đã nhận là báo cáo của {unit.short} ({unit.code}) "
                f"{best.basis}. Lần sau hãy dùng đúng biểu mẫu đã được gửi.",
            )
            visible = self._visible_unit_name(contents)
            name_code = match_unit(visible, self.unit_names) if visible else None
            others = clues[1:]
            if name_code:
                others.append(Clue(name_code, "", f"tên đơn vị ghi trong tệp là «{visible}»", "UNIT_MISMATCH"))
            how = f"{best.basis[0].upper()}{best.basis[1:]}."
            return best.code, how, [missing, *self._disagreements(best.code, best.basis, others)]
        code, how, findings = self._identify_by_file(contents, file_name)
        if code and meta_code in self.units:
            basis = "theo thông tin ẩn của biểu mẫu" if code == meta_code else "theo tên đơn vị ghi trong tệp"
            findings += self._disagreements(code, basis, clues)
        return code, how, findings

    def _disagreements(self, code: str, basis: str, clues: list["Clue"]) -> list[Finding]:
        unit, found = self.units[code], []
        for clue in clues:
            if clue.code == code:
                continue
            other = self.units[clue.code]
            found.append(
                Finding(
                    WARNING,
                    clue.finding_code,
                    f"Tệp được nhận là báo cáo của {unit.short} ({unit.code}) {basis}, nhưng {clue.says} của "
                    f"{other.short} ({other.code}). Nếu {other.short} gửi hộ thì không cần làm gì; nếu "
                    f"{other.short} điền nhầm biểu mẫu của {unit.short}, hãy không nhận báo cáo này "
                    f"(baocao reject) và đề nghị {other.short} điền đúng biểu mẫu của mình rồi gửi lại.",
                )
            )
        return found

    def _identify_by_file(self, contents: WorkbookContents, file_name: str) -> tuple[str | None, str, list[Finding]]:
        meta_code = contents.meta.get(Meta.UNIT_CODE)
        visible = self._visible_unit_name(contents)
        name_code = match_unit(visible, self.unit_names) if visible else None
        if meta_code in self.units:
            unit = self.units[meta_code]
            if name_code and name_code != meta_code:
                other = self.units[name_code]
                return (
                    name_code,
                    f"Theo tên đơn vị ghi trong tệp («{visible}»), khác với biểu mẫu gốc của {unit.short}.",
                    [
                        Finding(
                            WARNING,
                            "UNIT_MISMATCH",
                            f"Tệp là biểu mẫu của {unit.short} ({unit.code}) nhưng ô tên đơn vị ghi «{visible}». "
                            f"Đã nhận là báo cáo của {other.short} ({other.code}); nếu không đúng, hãy báo lại.",
                        )
                    ],
                )
            return meta_code, "Theo thông tin ẩn của biểu mẫu (_meta).", []
        if name_code:
            unit = self.units[name_code]
            return (
                name_code,
                f"Theo tên đơn vị «{visible}».",
                [
                    Finding(
                        WARNING,
                        "META_MISSING",
                        f"Tệp không còn thông tin ẩn của biểu mẫu; đã nhận là báo cáo của {unit.short} ({unit.code}) "
                        f"theo tên đơn vị «{visible}». Lần sau hãy dùng đúng biểu mẫu đã được gửi.",
                    )
                ],
            )
        code = self.code_from_file_name(file_name)
        if code:
            unit = self.units[code]
            return (
                code,
                f"Theo tên tệp «{file_name}».",
                [
                    Finding(
                        WARNING,
                        "IDENTIFIED_BY_FILE_NAME",
                        f"Trong tệp không có thông tin xác định đơn vị; đã nhận là của {unit.short} ({unit.code}) "
                        f"theo tên tệp «{file_name}».",
                    )
                ],
            )
        return (
            None,
            "Không xác định được.",
            [
                Finding(
                    ERROR,
                    "UNIT_UNKNOWN",
                    "Không xác định được đơn vị gửi tệp (không có thông tin ẩn của biểu mẫu, tên đơn vị "
                    f"«{visible or ''}» không khớp đơn vị nào). Hãy dùng đúng biểu mẫu đã được gửi cho đơn vị.",
                )
            ],
        )

    def code_from_file_name(self, file_name: str) -> str | None:
        head = re.split(r"[_\s.]", file_name, maxsplit=1)[0].upper()
        return head if head in self.units else None

    def _visible_unit_name(self, contents: WorkbookContents) -> str | None:
        for section in self.config.form.sections:
            for form_field in section.fields:
                if form_field.prefill == "unit_name" and form_field.name in contents.fields:
                    value = contents.fields[form_field.name].value
                    return nfc(str(value)) if value not in (None, "") else None
        return None

    # ------------------------------------------------------------ single fields

    def _check_fields(self, section: Section, contents: WorkbookContents, result: CheckedReturn) -> None:
        values = {}
        for form_field in section.input_fields:
            cell = contents.fields.get(form_field.name)
            if cell is None:
                continue
            place = Place(cell, None)
            value, findings = self.read_value(form_field, cell, place)
            result.findings += findings
            if value is None and form_field.required and not findings:
                result.findings.append(place.finding(ERROR, "REQUIRED_MISSING", _missing(form_field), form_field))
            values[form_field.name] = value
            result.fields[form_field.name] = value
        cells = {name: cell for name, cell in contents.fields.items()}
        self._apply_rules(section, values, cells, None, result)

    # ------------------------------------------------------------ tables

    def _check_table(self, section: Section, rows: list[TableRow], result: CheckedReturn) -> None:
        inputs = section.input_fields
        typed_rows = []
        seen: dict[tuple, int] = {}
        for row in rows:
            if not section.rows_from and all(row.cells[f.name].is_blank for f in inputs if f.name in row.cells):
                continue
            values: dict[str, object] = {"_row": row.number}
            for form_field in section.fields:
                cell = row.cells.get(form_field.name)
                if cell is None:
                    continue
                if not form_field.is_input:
                    values[form_field.name] = cell.value
                    continue
                place = Place(cell, row.number)
                value, findings = self.read_value(form_field, cell, place)
                result.findings += findings
                if value is None and form_field.required and not findings:
                    result.findings.append(place.finding(ERROR, "REQUIRED_MISSING", _missing(form_field), form_field))
                values[form_field.name] = value
            self._apply_rules(section, values, row.cells, row.number, result)
            self._note_duplicate(section, row, values, seen, result)
            typed_rows.append(values)
        if len(typed_rows) < section.min_rows:
            result.findings.append(
                Finding(
                    ERROR,
                    "TOO_FEW_ROWS",
                    f"Trang «{section.sheet}»: bảng «{section.label}» cần ít nhất {section.min_rows} dòng, "
                    f"hiện có {len(typed_rows)}. Hãy nhập đủ rồi gửi lại.",
                    sheet=section.sheet,
                )
            )
        result.tables[section.name] = typed_rows

    def _note_duplicate(self, section, row, values, seen, result) -> None:
        if section.rows_from:
            return
        key = tuple(values.get(f.name) for f in section.input_fields)
        if key in seen:
            first_cell = next(iter(row.cells.values()))
            result.findings.append(
                Finding(
                    WARNING,
                    "DUPLICATE_ROW",
                    f"Trang «{first_cell.sheet}», dòng {row.number} của bảng trùng hoàn toàn với dòng {seen[key]}: "
                    "có thể đã nhập hai lần. Nếu đúng là trùng, hãy xoá một dòng.",
                    sheet=first_cell.sheet,
                    cell=first_cell.address,
                    row=row.number,
                )
            )
        else:
            seen[key] = row.number

    # ------------------------------------------------------------ one value

    def read_value(self, form_field: FormField, cell: Cell, place: "Place") -> tuple[object, list[Finding]]:
        """The typed value of a cell (None when blank or unusable) and what was found reading it."""
        if cell.formula_without_value:
            return None, [
                place.finding(
                    ERROR,
                    "FORMULA_NO_VALUE",
                    f"«{form_field.label}» là công thức chưa có kết quả (tệp được lưu bởi chương trình không tính "
                    "công thức). Hãy mở tệp bằng Excel, bấm Lưu rồi gửi lại.",
                    form_field,
                )
            ]
        if cell.is_blank:
            return None, []
        reader = {
            "integer": self._number,
            "decimal": self._number,
            "date": self._date,
            "select_one": self._choice,
        }.get(form_field.type, self._text)
        return reader(form_field, cell.value, place)

    def _text(self, form_field: FormField, raw: object, place: "Place") -> tuple[object, list[Finding]]:
        findings = []
        if isinstance(raw, str):
            text, legacy = fix_legacy(nfc(raw))
            if legacy:
                findings.append(
                    place.finding(
                        WARNING,
                        "LEGACY_ENCODING",
                        f"«{form_field.label}» được gõ bằng bảng mã cũ {legacy} («{raw.strip()}»); "
                        f"đã chuyển thành «{text}». Hãy kiểm tra lại và lần sau gõ bằng Unicode.",
                        form_field,
                    )
                )
        else:
            text = display(raw)
        if form_field.max_length and len(text) > form_field.max_length:
            findings.append(
                place.finding(
                    ERROR,
                    "TOO_LONG",
                    f"«{form_field.label}» dài {len(text)} ký tự, tối đa {form_field.max_length}. Hãy rút gọn.",
                    form_field,
                )
            )
        if form_field.type == "email" and not _EMAIL.match(text):
            findings.append(
                place.finding(
                    ERROR, "NOT_AN_EMAIL", f"«{text}» không phải địa chỉ thư điện tử hợp lệ. Hãy sửa lại.", form_field
                )
            )
        if form_field.type == "phone" and len(re.sub(r"\D", "", text)) < 8:
            findings.append(
                place.finding(
                    WARNING, "PHONE_SUSPICIOUS", f"số điện thoại «{text}» có vẻ thiếu số. Hãy kiểm tra lại.", form_field
                )
            )
        if form_field.pattern and not re.fullmatch(form_field.pattern, text):
            message = form_field.constraint_message or f"«{text}» không đúng định dạng yêu cầu."
            findings.append(place.finding(ERROR, "PATTERN_MISMATCH", message, form_field))
        return text, findings

    def _number(self, form_field: FormField, raw: object, place: "Place") -> tuple[object, list[Finding]]:
        findings = []
        if isinstance(raw, bool | datetime | date):
            return None, [self._not_a_number(form_field, raw, place)]
        if isinstance(raw, int | float):
            number = float(raw)
        else:
            parsed = parse_vn_number(str(raw))
            if parsed is None:
                return None, [self._not_a_number(form_field, raw, place)]
            number = parsed.value
            note = f" ({parsed.note})" if parsed.note else ""
            findings.append(
                place.finding(
                    WARNING,
                    "NUMBER_AS_TEXT",
                    f"«{form_field.label}» được nhập dạng chữ «{str(raw).strip()}»; đã hiểu là "
                    f"{format_number(number)}{note}. Lần sau hãy nhập số.",
                    form_field,
                )
            )
        if form_field.type == "integer" and not number.is_integer():
            findings.append(
                place.finding(
                    ERROR,
                    "NOT_INTEGER",
                    f"«{form_field.label}» phải là số nguyên, không phải {format_number(number)}.",
                    form_field,
                )
            )
            return None, findings
        if (form_field.min is not None and number < form_field.min) or (
            form_field.max is not None and number > form_field.max
        ):
            findings.append(
                place.finding(
                    ERROR,
                    "OUT_OF_RANGE",
                    f"«{form_field.label}» là {format_number(number)}, phải là {number_rule_text(form_field)}.",
                    form_field,
                )
            )
            return None, findings
        return (int(number) if form_field.type == "integer" else number), findings

    def _not_a_number(self, form_field: FormField, raw: object, place: "Place") -> Finding:
        return place.finding(
            ERROR,
            "NOT_A_NUMBER",
            f"«{form_field.label}» là «{display(raw)}», không phải một số. Hãy nhập số.",
            form_field,
        )

    def _date(self, form_field: FormField, raw: object, place: "Place") -> tuple[object, list[Finding]]:
        findings = []
        value = parse_vn_date(raw)
        if value is None:
            return None, [
                place.finding(
                    ERROR,
                    "NOT_A_DATE",
                    f"«{form_field.label}» là «{display(raw)}», không đọc được là ngày. "
                    "Hãy nhập ngày dạng ngày/tháng/năm, ví dụ 20/11/2019.",
                    form_field,
                )
            ]
        if isinstance(raw, str):
            findings.append(
                place.finding(
                    WARNING,
                    "DATE_AS_TEXT",
                    f"«{form_field.label}» được nhập dạng chữ «{raw.strip()}»; đã hiểu là ngày {value:%d/%m/%Y}.",
                    form_field,
                )
            )
        period = self.config.campaign.period
        if form_field.within_period and not (period.start <= value <= period.end):
            findings.append(
                place.finding(
                    ERROR,
                    "DATE_OUT_OF_PERIOD",
                    f"«{form_field.label}» là {value:%d/%m/%Y}, ngoài thời gian của đợt "
                    f"({period.start:%d/%m/%Y} - {period.end:%d/%m/%Y}). Hãy kiểm tra lại ngày.",
                    form_field,
                )
            )
        return value, findings

    def _choice(self, form_field: FormField, raw: object, place: "Place") -> tuple[object, list[Finding]]:
        choices = self.config.form.choices[form_field.choices]
        wanted = fold_name(display(raw))
        for choice in choices:
            if wanted in (fold_name(choice.label), fold_name(choice.name)):
                return choice.name, []
        options = ", ".join(choice.label for choice in choices)
        return None, [
            place.finding(
                ERROR,
                "NOT_IN_LIST",
                f"«{form_field.label}» là «{display(raw)}», không có trong danh sách. Hãy chọn một trong: {options}.",
                form_field,
            )
        ]

    # ------------------------------------------------------------ cross-field rules

    def _apply_rules(self, section, values, cells, row_number, result) -> None:
        for rule, compiled in self.rules:
            if rule.scope != section.name:
                continue
            outcome = compiled.evaluate(values, self.constants)
            if outcome is None or outcome[0]:
                continue
            _, left, right = outcome
            labels = {f.name: f.label for f in section.fields}
            first_name = next((n for n in compiled.names if n in cells), None)
            cell = cells[first_name] if first_name else None
            shown = f"{compiled.describe(rule.left, labels)} = {format_number(left)}; "
            shown += f"{compiled.describe(rule.right, labels)} = {format_number(right)}"
            severity = ERROR if rule.severity == "error" else WARNING
            message = f"{rule.message.rstrip('.')} (hiện: {shown})."
            if cell is None:
                result.findings.append(
                    Finding(severity, rule.name.upper(), message, sheet=section.sheet, row=row_number)
                )
            else:
                field_obj = section.field(first_name)
                result.findings.append(Place(cell, row_number).finding(severity, rule.name.upper(), message, field_obj))


def _missing(form_field: FormField) -> str:
    return f"chưa nhập «{form_field.label}» (bắt buộc). Hãy điền vào ô này rồi gửi lại."


class _CompiledRule:
    """A rule's two sides parsed once and evaluated safely (simpleeval) for every row."""

    def __init__(self, rule: Rule):
        self.rule = rule
        self.evaluator = SimpleEval()
        self.left = self.evaluator.parse(rule.left)
        self.right = self.evaluator.parse(rule.right)
        names = parse_expression(rule.left).names + parse_expression(rule.right).names
        self.names = [name for name in dict.fromkeys(names) if name not in CONSTANTS]

    def evaluate(self, values: dict, constants: dict) -> tuple[bool, float, float] | None:
        present = [values.get(name) is not None for name in self.names]
        strategy = self.rule.missing_value_strategy
        if strategy == "skip_if_any_value_missing" and not all(present):
            return None
        if strategy == "skip_if_all_values_missing" and not any(present):
            return None
        names = dict(constants)
        for name in self.names:
            value = values.get(name)
            names[name] = value.toordinal() if isinstance(value, date) else (value or 0)
        self.evaluator.names = names
        try:
            left = float(self.evaluator.eval(self.rule.left, previously_parsed=self.left))
            right = float(self.evaluator.eval(self.rule.right, previously_parsed=self.right))
        except (ZeroDivisionError, TypeError, ValueError):
            return None
        return _COMPARISONS[self.rule.operator](left, right), left, right

    @staticmethod
    def describe(expression: str, labels: dict[str, str]) -> str:
        return re.sub(r"[a-z_][a-z0-9_]*", lambda m: labels.get(m.group(0), m.group(0)), expression)


class Clue(NamedTuple):
    """One source's answer to "which unit sent this?", with how to word it."""

    code: str
    basis: str  # "theo địa chỉ người gửi «…»"
    says: str  # "thư được gửi từ «…»"
    finding_code: str  # raised when this clue disagrees with the unit chosen


@dataclass(frozen=True)
class Place:
    """Where a value sits, worded for staff and units."""

    cell: Cell
    row: int | None

    def finding(self, severity: str, code: str, message: str, form_field: FormField) -> Finding:
        row = f", dòng {self.row} của bảng" if self.row else ""
        text = f"Trang «{self.cell.sheet}», ô {self.cell.address}{row}: {message}"
        return Finding(severity, code, text, self.cell.sheet, self.cell.address, form_field.label, self.row)
