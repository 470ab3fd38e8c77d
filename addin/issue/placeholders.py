"""The `{{placeholder}}` texts the master carries where each unit's copy names its unit, and their values."""

import re

from addin.config import UnitEntry

PLACEHOLDERS = ("unit_code", "unit_name", "unit_short", "unit_parent", "unit_name_upper", "group_name")
PLACEHOLDER_PATTERN = re.compile(rb"\{\{(" + b"|".join(key.encode() for key in PLACEHOLDERS) + rb")\}\}")


def placeholder(key: str) -> str:
    return "{{" + key + "}}"


def unit_values(unit: UnitEntry) -> dict[str, str]:
    return {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_short": unit.short,
        "unit_parent": unit.parent.upper(),
        "unit_name_upper": unit.name.upper(),
        "group_name": unit.group_name,
    }
