"""Validating a design draft with the config's own model and cross-key checks, every problem at its cell.

pydantic stops a whole config at its first bad record, and the cross-key checks need a whole config; so a
record pydantic refuses is set aside (a bad setting gets a stand-in value), and validation runs again, up
to a few rounds, so one pass still reports every problem. Paths in the trimmed config are translated back
to the rows staff typed.
"""

import re
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from addin.config.messages import pydantic_message
from addin.config.model import CampaignConfig
from addin.config.problems import semantic_problems
from addin.design.catalogue import FIELDS, SHEET_ORDER, SPECS, UNITS, settings
from addin.design.importing import Draft, KeyPath, draft_from
from addin.design.reading import DesignError, DesignProblem, read_design

ROUNDS = 6
UNIT_PATH = re.compile(r"unit_groups\[(\d+)\]\.units\[(\d+)\]")


class _Trimmed:
    """The draft's data without the records set aside, and the way back to the draft's own paths."""

    def __init__(self, data: dict, drop: set[KeyPath], stand_ins: dict[KeyPath, object]):
        self.original = data
        self.kept: dict[KeyPath, list[int]] = {}
        self.data = self._copy(data, (), drop)
        for path, value in stand_ins.items():
            node = self.data
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value

    def _copy(self, node, where: KeyPath, drop: set[KeyPath]):
        if isinstance(node, dict):
            return {key: self._copy(value, (*where, key), drop) for key, value in node.items()}
        if isinstance(node, list):
            keep = [index for index in range(len(node)) if (*where, index) not in drop]
            self.kept[where] = keep
            return [self._copy(node[index], (*where, index), drop) for index in keep]
        return node

    def original_path(self, where: KeyPath) -> KeyPath:
        node, found = self.original, ()
        for part in where:
            if isinstance(node, list) and isinstance(part, int):
                keep = self.kept.get(found, [])
                part = keep[part] if part < len(keep) else part
                node = node[part] if part < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
            found = (*found, part)
        return found


def import_design(path: Path) -> CampaignConfig:
    """The validated config a design workbook describes; raises DesignError listing every problem."""
    draft = draft_from(read_design(Path(path)))
    config = validate(draft)
    if draft.problems or config is None:
        raise DesignError(Path(path), sorted_problems(draft.problems))
    return config


def sorted_problems(problems: list[DesignProblem]) -> list[DesignProblem]:
    """In the order staff read the workbook: sheet by sheet, row by row, column by column."""
    sheets = {name: index for index, name in enumerate(SHEET_ORDER)}

    def key(problem: DesignProblem):
        place = problem.place
        if place is None:
            return (-1, 0, 0)
        headers = [column.header for column in SPECS[place.sheet].columns] if place.sheet in SPECS else []
        column = headers.index(place.column) if place.column in headers else -1
        return (sheets.get(place.sheet, len(sheets)), place.row or 0, column)

    return sorted(problems, key=key)


def validate(draft: Draft) -> CampaignConfig | None:
    """The config, with every problem added to `draft` (at its place); None when it cannot be built."""
    drop: set[KeyPath] = set()
    stand_ins: dict[KeyPath, object] = {}
    trimmed = _Trimmed(draft.data, drop, stand_ins)
    for _ in range(ROUNDS):
        try:
            config = CampaignConfig.model_validate(trimmed.data)
        except ValidationError as error:
            progress = False
            for item in error.errors():
                where = trimmed.original_path(tuple(item["loc"]))
                if not _whole_part(where):  # a part with every setting empty: each required one is reported
                    draft.problem(draft.place_of(where), _message(item, where))
                progress |= _set_aside(draft.data, where, drop, stand_ins)
            if not progress:
                return None
            trimmed = _Trimmed(draft.data, drop, stand_ins)
            continue
        for where, message in semantic_problems(config):
            original = trimmed.original_path(where)
            draft.problem(draft.place_of(original), _with_rows(draft, trimmed, message))
        return config
    return None


EMPTY_PARTS = {
    ("unit_groups",): f"chưa có nhóm đơn vị nào; hãy thêm ít nhất một nhóm ở đây và đơn vị của nhóm ở trang «{UNITS}».",
    ("unit_groups", "units"): f"nhóm này chưa có đơn vị nào ở trang «{UNITS}» (cột «Nhóm»).",
    (
        "form",
        "sections",
    ): f"biểu mẫu chưa có phần nào; thêm ít nhất một phần ở đây, các trường ở trang «{FIELDS}».",
    ("form", "sections", "fields"): f"phần này chưa có trường nào ở trang «{FIELDS}» (cột «Phần»).",
}


def _message(item: dict, where: KeyPath) -> str:
    """pydantic's error in Vietnamese; an empty list says which sheet to fill."""
    if item["type"] == "too_short":
        shape = tuple(part for part in where if isinstance(part, str))
        if shape in EMPTY_PARTS:
            return EMPTY_PARTS[shape]
    return pydantic_message(item)


def _set_aside(data: dict, where: KeyPath, drop: set[KeyPath], stand_ins: dict) -> bool:
    """Drop the innermost list item holding `where`, or give a setting a stand-in; False if neither helps."""
    for end in range(len(where), 0, -1):
        if isinstance(where[end - 1], int):
            if where[:end] in drop:
                return False
            drop.add(where[:end])
            return True
    helped = False
    for setting in settings():
        inside = where[: len(setting.path)] == setting.path or (
            setting.path[: len(where)] == where and setting.required
        )
        if inside and setting.path not in stand_ins:
            stand_ins[setting.path] = _stand_in(setting, data)
            helped = True
    return helped


def _whole_part(where: KeyPath) -> bool:
    return any(len(setting.path) > len(where) and setting.path[: len(where)] == where for setting in settings())


def _stand_in(setting, data: dict) -> object:
    """A valid value of the setting's kind, chosen so that it sets off no check of its own."""
    kind = setting.kind.kind
    if setting.default is not None:
        return setting.default
    if setting.kind.options:
        return setting.kind.options[0]
    if kind == "date":
        campaign = data.get("campaign", {})
        known = [campaign.get("deadline"), (campaign.get("period") or {}).get("end")]
        known += [(campaign.get("period") or {}).get("start")]
        dates = [value for value in known if isinstance(value, date)]
        return max(dates) if setting.path[-1] in ("deadline", "end") and dates else min(dates, default=date(2000, 1, 1))
    if kind in ("int", "float"):
        return 1
    if kind == "bool":
        return False
    if kind == "lines":
        return []
    return "x@x.vn" if "email" in setting.path[-1] else "x"


def _with_rows(draft: Draft, trimmed: _Trimmed, message: str) -> str:
    """«unit_groups[0].units[3]» in a message becomes the row staff see: «Đơn vị» dòng 6."""

    def row_of(match: re.Match) -> str:
        where = trimmed.original_path(("unit_groups", int(match[1]), "units", int(match[2])))
        place = draft.places.get(where)
        return f"ở dòng {place.row}" if place is not None and place.row else match[0]

    return UNIT_PATH.sub(row_of, message)
