"""One cell of a return → its typed value and what was found reading it.

Values are read the Vietnamese way ("1.234" is a thousand two hundred thirty-four, dates are
day-first); what had to be interpreted is reported as a warning, never silently. Every finding
says where (sheet, cell, table row), quotes the value, and says what to do.
"""

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from addin.config import NUMBER_LIMIT, CampaignConfig, FormField, compile_pattern
from addin.findings import ERROR, WARNING, Finding
from addin.intake.reading import Cell
from addin.rules.template_checks import number_rule_text
from addin.vietnamese import fold_name, nfc, parse_vn_date, parse_vn_number

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


@dataclass(frozen=True)
class Place:
    """Where a value sits, worded for staff and units."""

    cell: Cell
    row: int | None

    def finding(self, severity: str, code: str, message: str, form_field: FormField) -> Finding:
        row = f", dòng {self.row} của bảng" if self.row else ""
        text = f"Trang «{self.cell.sheet}», ô {self.cell.address}{row}: {message}"
        return Finding(severity, code, text, self.cell.sheet, self.cell.address, form_field.label, self.row)


class ValueReader:
    """Reads cells against one config (its period and choice lists); build once, use for every return."""

    def __init__(self, config: CampaignConfig):
        self.period = config.campaign.period
        self.choices = config.form.choices

    def read(self, form_field: FormField, cell: Cell, place: Place) -> tuple[object, list[Finding]]:
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
            "integer": _number,
            "decimal": _number,
            "date": self._date,
            "select_one": self._choice,
        }.get(form_field.type, _text)
        return reader(form_field, cell.value, place)

    def _date(self, form_field: FormField, raw: object, place: Place) -> tuple[object, list[Finding]]:
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
        period = self.period
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

    def _choice(self, form_field: FormField, raw: object, place: Place) -> tuple[object, list[Finding]]:
        choices = self.choices[form_field.choices]
        wanted = fold_name(display(raw))
        for choice in choices:
            if wanted in (fold_name(choice.label), fold_name(choice.name)):
                return choice.name, []
        options = ", ".join(choice.label for choice in choices)
        # kept as typed (the summary and the CSV show it, never a blank), and flagged
        return display(raw).strip(), [
            place.finding(
                ERROR,
                "NOT_IN_LIST",
                f"«{form_field.label}» là «{display(raw)}», không có trong danh sách. Hãy chọn một trong: {options}.",
                form_field,
            )
        ]


def _text(form_field: FormField, raw: object, place: Place) -> tuple[object, list[Finding]]:
    findings = []
    text = nfc(raw) if isinstance(raw, str) else display(raw)  # legacy fonts: converted before (legacy_text)
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
    if form_field.pattern and not _matches(form_field.pattern, text):
        message = form_field.constraint_message or f"«{text}» không đúng định dạng yêu cầu."
        findings.append(place.finding(ERROR, "PATTERN_MISMATCH", message, form_field))
    return text, findings


def _number(form_field: FormField, raw: object, place: Place) -> tuple[object, list[Finding]]:
    findings = []
    if isinstance(raw, bool | datetime | date):
        return None, [_not_a_number(form_field, raw, place)]
    if isinstance(raw, int | float):
        number = float(raw)
        if not math.isfinite(number):  # a crafted cell holding inf or nan
            return None, [_not_a_number(form_field, raw, place)]
    else:
        parsed = parse_vn_number(str(raw))
        if parsed is None or not math.isfinite(parsed.value):  # 400 digits make an infinite float
            return None, [_not_a_number(form_field, raw, place)]
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
    if too_large := _beyond_default_limit(form_field, number):
        findings.append(
            place.finding(
                ERROR,
                "NUMBER_TOO_LARGE",
                f"«{form_field.label}» là {_huge_number(number)}, vượt giới hạn {too_large}. "
                "Hãy kiểm tra lại số đã nhập (có thể gõ thừa chữ số).",
                form_field,
            )
        )
        return None, findings
    return (int(number) if form_field.type == "integer" else number), findings


def _beyond_default_limit(form_field: FormField, number: float) -> str | None:
    """The default bound a number breaks (as text for the message), on each side config leaves open; else None.

    A number past it is a typing slip (9,99E+307) or crafted, and would overflow the summary's totals.
    """
    if form_field.max is None and number > NUMBER_LIMIT:
        return f"cho phép (tối đa {NUMBER_LIMIT:,})".replace(",", ".")
    if form_field.min is None and number < -NUMBER_LIMIT:
        return f"cho phép (tối thiểu -{NUMBER_LIMIT:,})".replace(",", ".")
    return None


def _huge_number(value: float) -> str:
    """A huge number the way Excel shows it (9,99E+307), not its 308 digits."""
    return format_number(value) if abs(value) < 1e15 else f"{value:.6G}".replace(".", ",")


def _matches(pattern: str, text: str) -> bool:
    """Whether the whole text matches a config pattern, with RE2: linear time, so no pattern can hang a check."""
    return compile_pattern(pattern).fullmatch(text) is not None


def _not_a_number(form_field: FormField, raw: object, place: Place) -> Finding:
    return place.finding(
        ERROR,
        "NOT_A_NUMBER",
        f"«{form_field.label}» là «{display(raw)}», không phải một số. Hãy nhập số.",
        form_field,
    )
