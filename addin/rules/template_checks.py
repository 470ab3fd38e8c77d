"""The form's rules as Excel formulas: the live "Kiểm tra" panel, highlighting and validation.

Each check is written once as a *condition* over a reference. The same condition serves a
single cell (plain formula), a whole table column (array formula counting bad rows; defined
names grow when units insert rows) and conditional formatting (relative first-row reference).
Array formulas use IF instead of AND/OR, which would collapse an array to one value.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from openpyxl.worksheet.datavalidation import DataValidation

from addin.config import NUMERIC_TYPES, CampaignConfig, FormField, Rule, Section
from addin.contract import list_name
from addin.expressions import parse_expression
from addin.xlsx.limits import VALIDATION_ERROR_MAX, VALIDATION_PROMPT_MAX, VALIDATION_TITLE_MAX, fit

Reference = Callable[[str], str]
ERROR, WARNING = "Lỗi", "Cảnh báo"
_EPSILON = "0.000001"


def excel_date(value: date) -> str:
    return f"DATE({value.year},{value.month},{value.day})"


def excel_serial(value: date) -> int:
    return (value - date(1899, 12, 30)).days


@dataclass(frozen=True)
class Check:
    """One line of the "Kiểm tra" panel: what is checked, where, and its counting formula."""

    description: str
    sheet: str
    formula: str
    severity: str
    is_array: bool


class FormChecks:
    """Builds the check formulas of one form; `name_of(section, field)` gives the defined name."""

    def __init__(self, config: CampaignConfig, name_of: Callable[[Section, str], str]):
        self.config = config
        self.name_of = name_of
        period = config.campaign.period
        self.constants = {
            "period_start": excel_date(period.start),
            "period_end": excel_date(period.end),
            "deadline": excel_date(config.campaign.deadline),
        }

    # ------------------------------------------------------------ conditions

    def value_problem(self, field: FormField, ref: str) -> tuple[str, str] | None:
        """(condition that is true when a filled value is wrong, Vietnamese description)."""
        label = field.label
        if field.type in NUMERIC_TYPES:
            wrong = [f"({ref}<>INT({ref}))"] if field.type == "integer" else []
            wrong += [f"({ref}<{field.min:g})"] if field.min is not None else []
            wrong += [f"({ref}>{field.max:g})"] if field.max is not None else []
            inner = f"(({'+'.join(wrong)})>0)" if wrong else "FALSE"
            return f"IF(ISNUMBER({ref}),{inner},TRUE)", f"«{label}» phải là {number_rule_text(field)}"
        if field.type == "date":
            if field.within_period:
                start, end = self.constants["period_start"], self.constants["period_end"]
                inner = f"((({ref}<{start})+({ref}>{end}))>0)"
            else:
                inner = "FALSE"
            return f"IF(ISNUMBER({ref}),{inner},TRUE)", f"«{label}» phải là {self.date_rule_text(field)}"
        if field.type == "select_one":
            return f"ISNA(MATCH({ref},{list_name(field.choices)},0))", f"«{label}» phải chọn trong danh sách"
        if field.type == "email":
            return f'ISERROR(FIND("@",{ref}))', f"«{label}» phải là địa chỉ thư điện tử"
        if field.max_length:
            return f"(LEN({ref})>{field.max_length})", f"«{label}» dài quá {field.max_length} ký tự"
        return None

    def rule_violation(self, rule: Rule, reference: Reference) -> str:
        """Condition (0/1) that the rule is broken, honouring its missing-value strategy."""

        def ref(name: str) -> str:
            return self.constants.get(name) or reference(name)

        left = parse_expression(rule.left)
        right = parse_expression(rule.right)
        lhs, rhs = left.to_excel(ref), right.to_excel(ref)
        broken = {
            "equal_to": f"(ABS({lhs}-{rhs})>{_EPSILON})",
            "not_equal_to": f"(ABS({lhs}-{rhs})<={_EPSILON})",
            "greater_than": f"({lhs}<={rhs})",
            "greater_than_or_equal_to": f"({lhs}<{rhs})",
            "less_than": f"({lhs}>={rhs})",
            "less_than_or_equal_to": f"({lhs}>{rhs})",
        }[rule.operator]
        names = [name for name in dict.fromkeys(left.names + right.names) if name not in self.constants]
        present = [f"(LEN({reference(name)})>0)" for name in names]
        if rule.missing_value_strategy == "skip_if_any_value_missing" and present:
            gate = "*".join(present)
        elif rule.missing_value_strategy == "skip_if_all_values_missing" and present:
            gate = f"(({'+'.join(present)})>0)"
        else:
            gate = "1"
        return f"IFERROR({gate}*{broken},0)"

    def date_rule_text(self, field: FormField) -> str:
        if field.within_period:
            period = self.config.campaign.period
            return f"ngày trong khoảng {period.start:%d/%m/%Y} - {period.end:%d/%m/%Y}"
        return "ngày (ngày/tháng/năm)"

    # ------------------------------------------------------------ panel lines

    def panel(self) -> list[Check]:
        checks: list[Check] = []
        for section in self.config.form.sections:
            if section.kind == "fields":
                checks += self._field_checks(section)
            else:
                checks += self._table_checks(section)
        checks += self._rule_checks()
        return checks

    def _field_checks(self, section: Section) -> list[Check]:
        checks = []
        for field in section.input_fields:
            name = self.name_of(section, field.name)
            if field.required:
                checks.append(
                    Check(f"Chưa nhập «{field.label}»", section.sheet, f"=IF(LEN(TRIM({name}))=0,1,0)", ERROR, False)
                )
            problem = self.value_problem(field, name)
            if problem:
                condition, text = problem
                formula = f"=IF(LEN({name})=0,0,IF({condition},1,0))"
                checks.append(Check(text, section.sheet, formula, ERROR, False))
        return checks

    def row_filled(self, section: Section, reference: Reference) -> str:
        """Condition that a table row has any typed value (fixed task rows always count)."""
        if section.rows_from:
            return "TRUE"
        lengths = "+".join(f"LEN({reference(field.name)})" for field in section.input_fields)
        return f"(({lengths})>0)"

    def _table_checks(self, section: Section) -> list[Check]:
        def ref(name: str) -> str:
            return self.name_of(section, name)

        filled = self.row_filled(section, ref)
        checks = []
        if section.min_rows:
            formula = f"=IF(SUM(IF({filled},1,0))<{section.min_rows},1,0)"
            checks.append(Check(f"Bảng cần ít nhất {section.min_rows} dòng", section.sheet, formula, ERROR, True))
        for field in section.input_fields:
            name = ref(field.name)
            if field.required:
                formula = f"=SUM(IF({filled},IF(LEN(TRIM({name}))=0,1,0),0))"
                checks.append(Check(f"Có dòng chưa nhập «{field.label}»", section.sheet, formula, ERROR, True))
            problem = self.value_problem(field, name)
            if problem:
                condition, text = problem
                formula = f"=SUM(IF(LEN({name})=0,0,IF({condition},1,0)))"
                checks.append(Check(f"Có dòng: {text}", section.sheet, formula, ERROR, True))
        return checks

    def _rule_checks(self) -> list[Check]:
        checks = []
        for rule in self.config.rules:
            section = self.config.form.section(rule.scope)
            severity = ERROR if rule.severity == "error" else WARNING

            def ref(name: str, section: Section = section) -> str:
                return self.name_of(section, name)

            violation = self.rule_violation(rule, ref)
            if section.kind == "table":
                formula = f"=SUM(IF({self.row_filled(section, ref)},{violation},0))"
                checks.append(Check(f"Có dòng sai: {rule.message}", section.sheet, formula, severity, True))
            else:
                checks.append(Check(rule.message, section.sheet, f"=1*{violation}", severity, False))
        return checks

    # ------------------------------------------------------------ data validation

    def data_validation(self, field: FormField, first_cell: str) -> DataValidation | None:
        """Excel's own input check for a field, with a Vietnamese prompt and error alert.

        `first_cell` is the top-left cell of the range it will cover (custom formulas are relative to it).
        """
        options = self._validation_options(field, first_cell)
        if options is None:
            return None
        kind, params, rule_text = options
        prompt = field.hint or (f"Nhập {rule_text}." if rule_text else "")
        validation = DataValidation(
            type=kind,
            allow_blank=True,
            showInputMessage=bool(prompt),
            showErrorMessage=kind is not None,
            errorStyle="stop",
            promptTitle=fit(field.label, VALIDATION_TITLE_MAX),
            prompt=fit(prompt, VALIDATION_PROMPT_MAX),
            errorTitle=fit("Giá trị không hợp lệ", VALIDATION_TITLE_MAX),
            error=fit(field.constraint_message or f"«{field.label}» phải là {rule_text}.", VALIDATION_ERROR_MAX),
            **params,
        )
        return validation

    def _validation_options(self, field: FormField, first_cell: str) -> tuple[str | None, dict, str] | None:
        if field.type in NUMERIC_TYPES:
            kind = "whole" if field.type == "integer" else "decimal"
            low = field.min if field.min is not None else -999_999_999
            high = field.max if field.max is not None else 999_999_999
            return (
                kind,
                {"operator": "between", "formula1": f"{low:g}", "formula2": f"{high:g}"},
                number_rule_text(field),
            )
        if field.type == "date":
            if field.within_period:
                period = self.config.campaign.period
                low, high = excel_serial(period.start), excel_serial(period.end)
            else:
                low, high = excel_serial(date(1990, 1, 1)), excel_serial(date(2099, 12, 31))
            params = {"operator": "between", "formula1": str(low), "formula2": str(high)}
            return "date", params, self.date_rule_text(field) + ", ví dụ 20/11/2019"
        if field.type == "select_one":
            return "list", {"formula1": list_name(field.choices)}, "một mục trong danh sách (bấm mũi tên để chọn)"
        if field.type == "email":
            formula = f'ISNUMBER(FIND("@",{first_cell}))'
            return "custom", {"formula1": formula}, "địa chỉ thư điện tử, ví dụ ten@donvi.gov.vn"
        if field.max_length:
            params = {"operator": "lessThanOrEqual", "formula1": str(field.max_length)}
            return "textLength", params, f"chữ, tối đa {field.max_length} ký tự"
        if field.type == "phone":
            return None, {}, "số điện thoại, ví dụ 0214 3840 123"
        if field.hint or field.required:
            return None, {}, ""
        return None


def number_rule_text(field: FormField) -> str:
    noun = "số nguyên" if field.type == "integer" else "số"
    if field.min is not None and field.max is not None:
        return f"{noun} từ {field.min:g} đến {field.max:g}"
    if field.min is not None:
        return f"{noun} ≥ {field.min:g}"
    if field.max is not None:
        return f"{noun} ≤ {field.max:g}"
    return noun
