"""The `{{placeholder}}` texts the master carries where each unit's copy names its unit, and their values.

A placeholder may carry a line width, `{{unit_name_upper:208}}`: the unit's name is then broken into even
lines no wider than that many points (bold, 12 pt), so a long name takes the lines the row was made for
and a shorter one leaves no word alone on its last line.
"""

import re

from addin.config import UnitEntry
from addin.issue.text_fit import balanced_lines

PLACEHOLDERS = ("unit_code", "unit_name", "unit_short", "unit_parent", "unit_name_upper", "group_name")
PLACEHOLDER_PATTERN = re.compile(rb"\{\{(" + b"|".join(key.encode() for key in PLACEHOLDERS) + rb")(?::(\d+))?\}\}")
BALANCED_SIZE = 12  # the font size (bold) a placeholder's line width is measured in


def placeholder(key: str, line_width: float | None = None) -> str:
    return "{{" + key + (f":{int(line_width)}" if line_width else "") + "}}"


def unit_values(unit: UnitEntry) -> dict[str, str]:
    return {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_short": unit.short,
        "unit_parent": unit.parent.upper(),
        "unit_name_upper": unit.name.upper(),
        "group_name": unit.group_name,
    }


def placed_value(values: dict[str, str], key: str, line_width: str | None) -> str:
    """The value of a placeholder, in even lines when it carries a line width."""
    if not line_width:
        return values[key]
    return "\n".join(balanced_lines(values[key], float(line_width), BALANCED_SIZE, bold=True))
