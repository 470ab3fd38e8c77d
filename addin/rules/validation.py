"""The rules of a config applied to one return's contents → typed values and findings.

The return must be the campaign's form; its unit is identified (`identify`), each value read
(`values`), and the config's cross-field rules applied to every section and table row.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from simpleeval import SimpleEval

from addin.config import CampaignConfig, FormField, Rule, Section
from addin.contract import Meta
from addin.expressions import CONSTANTS, parse_expression
from addin.findings import ERROR, WARNING, Finding
from addin.intake.reading import TableRow, WorkbookContents, wanted_names
from addin.intake.received import claim_disagrees
from addin.rules.identify import UnitIdentifier
from addin.rules.legacy_text import LegacyText
from addin.rules.values import Place, ValueReader, format_number

_TOLERANCE = 1e-6
WRONG_CAMPAIGN = "WRONG_CAMPAIGN"
RULE_NOT_EVALUATED = "RULE_NOT_EVALUATED"  # a rule side divides by zero on this row
NOT_THIS_CAMPAIGN = "Không thuộc đợt này"  # how a return of another campaign is identified (and listed)
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
    needs_confirmation: bool = False  # its signals disagree on the unit, or its sender is unknown


@dataclass(frozen=True)
class EarlierForm:
    """A return on a form the campaign issued before the current one: read with that form, told what it lacks."""

    version: str
    current_version: str
    added: tuple[str, ...]  # labels of the current form's fields that form did not have
    accepted: bool = True  # False when `form.accept_versions` no longer lists its version


class ReturnChecker:
    """Checks returns against one config (one form contract); build once, use for every return on it.

    `earlier` is set when the config is an earlier issued form's contract rather than the current form.
    """

    def __init__(self, config: CampaignConfig, earlier: EarlierForm | None = None):
        self.config = config
        self.earlier = earlier
        self.wanted = wanted_names(config)
        self.identifier = UnitIdentifier(config)
        self.values = ValueReader(config)
        self.legacy_text = LegacyText(config)
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
        folder: str | None = None,
        claimed_at: datetime | None = None,
    ) -> CheckedReturn:
        findings = [_date_disagrees(claimed_at, received_at)] if claim_disagrees(claimed_at, received_at) else []
        right_form = self._right_form(contents, findings)
        if any(finding.code == WRONG_CAMPAIGN for finding in findings):
            # Not this campaign's: it belongs to no unit here, whoever sent it (DESIGN §9, campaign isolation).
            other = f"{NOT_THIS_CAMPAIGN}: biểu mẫu của đợt «{contents.meta[Meta.CAMPAIGN_ID]}» (theo _meta)."
            return CheckedReturn(None, other, findings, readable=False)
        legacy_findings: list[Finding] = []
        if right_form:  # decoded first, so a unit name typed in TCVN3/VNI identifies its unit too
            contents, legacy_findings = self.legacy_text.convert(contents)
        identity = self.identifier.identify(self.identifier.evidence(contents, file_name, sender, subject, folder))
        if not right_form:
            return CheckedReturn(identity.unit_code, identity.how, findings, readable=False)
        result = CheckedReturn(identity.unit_code, identity.how, findings + identity.findings + legacy_findings)
        result.needs_confirmation = identity.needs_confirmation
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
                    WRONG_CAMPAIGN,
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
        if self.earlier and not self.earlier.accepted:
            findings.append(_not_accepted(self.earlier))
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
        own_contract = self.earlier is not None or meta.get(Meta.FORM_FINGERPRINT) == self.config.form_fingerprint
        if meta.get(Meta.FORM_FINGERPRINT) and not own_contract:
            findings.append(
                Finding(
                    WARNING,
                    "TEMPLATE_OUTDATED",
                    "Tệp được tạo từ cấu hình cũ hơn của biểu mẫu; số liệu vẫn được đọc theo tên vùng. "
                    "Lần sau hãy dùng biểu mẫu mới nhất.",
                )
            )
        if self.earlier and self.earlier.added:
            findings.append(_fields_not_in_form(self.earlier.added, self.earlier.version, self.earlier.current_version))
        missing = contents.missing_names
        if not own_contract:
            # A template of a form this campaign has no record of: an optional field it lacks may simply be
            # newer than the template, so only a required one is an error.
            optional = [name for name in missing if not self._field_of(name).required]
            if optional:
                labels = tuple(self._field_of(name).label for name in optional)
                findings.append(_fields_not_in_form(labels, meta.get(Meta.FORM_VERSION), self.config.form.version))
            missing = [name for name in missing if name not in optional]
        if missing:
            findings.append(
                Finding(
                    ERROR,
                    "NAMES_MISSING",
                    f"Thiếu {len(missing)} vùng nhập liệu của biểu mẫu "
                    f"({', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}): "
                    "có thể các cột/ô đã bị xoá. Hãy điền vào biểu mẫu gốc đã được gửi.",
                )
            )
        return True

    def _field_of(self, defined_name: str) -> FormField:
        section, name = self.wanted[defined_name]
        return section.field(name)

    # ------------------------------------------------------------ single fields

    def _check_fields(self, section: Section, contents: WorkbookContents, result: CheckedReturn) -> None:
        values = {}
        for form_field in section.input_fields:
            cell = contents.fields.get(form_field.name)
            if cell is None:
                continue
            place = Place(cell, None)
            value, findings = self.values.read(form_field, cell, place)
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
                value, findings = self.values.read(form_field, cell, place)
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

    # ------------------------------------------------------------ cross-field rules

    def _apply_rules(self, section, values, cells, row_number, result) -> None:
        for rule, compiled in self.rules:
            if rule.scope != section.name:
                continue
            labels = {f.name: f.label for f in section.fields}
            try:
                outcome = compiled.evaluate(values, self.constants)
            except ZeroDivisionError:
                severity, code = WARNING, RULE_NOT_EVALUATED
                message = (
                    f"Không kiểm tra được quy tắc «{rule.name}» ở dòng này: khi tính "
                    f"«{compiled.describe(rule.left, labels)}» và «{compiled.describe(rule.right, labels)}» "
                    "có phép chia cho 0. Hãy xem lại các số liệu trong quy tắc (hoặc báo người soạn cấu hình)."
                )
            else:
                if outcome is None or outcome[0]:
                    continue
                _, left, right = outcome
                shown = f"{compiled.describe(rule.left, labels)} = {format_number(left)}; "
                shown += f"{compiled.describe(rule.right, labels)} = {format_number(right)}"
                severity = ERROR if rule.severity == "error" else WARNING
                code, message = rule.name.upper(), f"{rule.message.rstrip('.')} (hiện: {shown})."
            first_name = next((n for n in compiled.names if n in cells), None)
            cell = cells[first_name] if first_name else None
            if cell is None:
                result.findings.append(Finding(severity, code, message, sheet=section.sheet, row=row_number))
            else:
                field_obj = section.field(first_name)
                result.findings.append(Place(cell, row_number).finding(severity, code, message, field_obj))


def _date_disagrees(claimed_at: datetime, received_at: datetime) -> Finding:
    return Finding(
        WARNING,
        "MAIL_DATE_DISAGREES",
        f"Ngày ghi trong thư ({claimed_at:%H:%M %d/%m/%Y}) khác thời điểm Sở nhận ({received_at:%H:%M %d/%m/%Y}) "
        "hơn một ngày. Hạn nộp và bản mới nhất tính theo thời điểm Sở nhận; hãy kiểm tra đồng hồ của máy gửi thư.",
    )


def _not_accepted(earlier: EarlierForm) -> Finding:
    return Finding(
        ERROR,
        "FORM_VERSION_NOT_ACCEPTED",
        f"Tệp dùng biểu mẫu phiên bản «{earlier.version}», phiên bản này không còn được nhận (phiên bản đang dùng: "
        f"«{earlier.current_version}»). Hãy chép số liệu sang biểu mẫu mới (phiên bản «{earlier.current_version}») "
        "đã được gửi rồi gửi lại.",
        sheet="_meta",
    )


def _fields_not_in_form(labels: tuple[str, ...], version: str | None, current_version: str) -> Finding:
    shown = ", ".join(f"«{label}»" for label in labels)
    return Finding(
        WARNING,
        "FIELDS_NOT_IN_OLD_FORM",
        f"{len(labels)} trường của biểu mẫu hiện hành (phiên bản «{current_version}») chưa có trong mẫu cũ "
        f"(phiên bản «{version or '?'}») đơn vị đã điền: {shown}. Các trường này được để trống; số liệu khác vẫn "
        f"được dùng. Nếu cần số liệu đó, hãy đề nghị đơn vị điền biểu mẫu phiên bản «{current_version}».",
    )


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
        """(holds, left, right), or None when skipped for missing values; ZeroDivisionError when a side divides by 0."""
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
        except (TypeError, ValueError):
            return None
        return _COMPARISONS[self.rule.operator](left, right), left, right

    @staticmethod
    def describe(expression: str, labels: dict[str, str]) -> str:
        return re.sub(r"[a-z_][a-z0-9_]*", lambda m: labels.get(m.group(0), m.group(0)), expression)
