"""One cell of the design workbook → one config value, or the Vietnamese reason it cannot be one."""

import re
from datetime import date

from addin.design.catalogue import NO, YES, ValueKind

TRUE_WORDS = {YES, "x", "true", "yes", "1", "đúng"}
FALSE_WORDS = {NO, "false", "no", "0", "sai"}


class CellProblem(ValueError):
    """The cell's value does not fit its column; the message is Vietnamese."""


def parse_cell(kind: ValueKind, value: object) -> object:
    """The config value of a cleaned cell (None for empty); raises CellProblem."""
    if value is None:
        return None
    parse = {
        "int": _integer,
        "float": _number,
        "date": _date,
        "bool": _boolean,
        "list": _comma_list,
        "lines": _lines,
        "groups": _header_groups,
    }.get(kind.kind, _text)
    parsed = parse(value)
    if kind.options and kind.kind != "bool" and parsed not in kind.options:
        choices = ", ".join(str(option) for option in kind.options)
        raise CellProblem(f"«{value}» không dùng được ở đây; chỉ được là một trong: {choices}.")
    return parsed


def _text(value: object) -> str:
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _integer(value: object) -> int:
    if isinstance(value, bool):
        raise CellProblem(f"«{value}» không phải số nguyên.")
    if isinstance(value, int):
        return value
    text = str(value).strip().replace(".", "") if re.fullmatch(r"\d{1,3}(\.\d{3})+", str(value)) else str(value)
    try:
        return int(text)
    except ValueError:
        raise CellProblem(f"«{value}» không phải số nguyên.") from None


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise CellProblem(f"«{value}» không phải số.") from None


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    day_first = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return date(year, month, day)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise CellProblem(f"«{value}» không phải ngày; hãy viết dạng 18/12/2019.")


def _boolean(value: object) -> bool:
    word = str(value).strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellProblem(f"«{value}» không hợp lệ; hãy ghi «{YES}» hoặc «{NO}».")


def _comma_list(value: object) -> list[str]:
    return [item.strip() for item in re.split(r"[,;\n]", _text(value)) if item.strip()]


def _lines(value: object) -> list[str]:
    return [line.strip() for line in _text(value).split("\n") if line.strip()]


def _header_groups(value: object) -> list[dict]:
    groups = []
    for line in _lines(value):
        label, colon, names = line.rpartition(":")
        fields = _comma_list(names)
        if not colon or not label.strip() or not fields:
            raise CellProblem(f"«{line}» không đúng dạng «Nhãn: cột1, cột2» (mỗi nhóm một dòng).")
        groups.append({"label": label.strip(), "fields": fields})
    return groups
