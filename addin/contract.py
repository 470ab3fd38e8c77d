"""The template ↔ reader contract: how a return's data is found and what its `_meta` sheet says.

The template writer (`issue/`) and the reader (`intake/`, `rules/`) both import this module and
nothing of each other, so a change to the contract is made once and seen by both sides.
"""

import hashlib
import json
from enum import StrEnum
from typing import Protocol

NAME_PREFIX = "bc_"  # every defined name of a unit template: bc_<field>, bc_<table>, bc_<table>__<column>
LIST_PREFIX = "lst_"  # the choices of a list, on the `_meta` sheet
META_SHEET = "_meta"
META_NAME = f"{NAME_PREFIX}meta"
CHECK_STATUS_NAME = f"{NAME_PREFIX}check_status"
CHECK_ERRORS_NAME = f"{NAME_PREFIX}check_errors"
CHECK_WARNINGS_NAME = f"{NAME_PREFIX}check_warnings"
FORM_PARTS = frozenset({"form", "tasks", "rules"})  # the config parts a return must match


class Meta(StrEnum):
    """The keys of the `_meta` sheet, in the order they are written."""

    CAMPAIGN_ID = "campaign_id"
    FORM_ID = "form_id"
    FORM_VERSION = "form_version"
    FORM_FINGERPRINT = "form_fingerprint"
    MASTER_FINGERPRINT = "master_fingerprint"
    UNIT_CODE = "unit_code"
    UNIT_NAME = "unit_name"
    GENERATOR = "generator"


class SectionShape(Protocol):
    name: str
    kind: str


def field_name(section: SectionShape, name: str) -> str:
    """The workbook-level defined name of a single field or of a table column."""
    if section.kind == "fields":
        return f"{NAME_PREFIX}{name}"
    return f"{NAME_PREFIX}{section.name}__{name}"


def table_name(section: SectionShape) -> str:
    return f"{NAME_PREFIX}{section.name}"


def list_name(choices: str) -> str:
    return f"{LIST_PREFIX}{choices}"


def fingerprint(data: dict) -> str:
    """A short, stable digest of plain data (config parts, layouts)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
