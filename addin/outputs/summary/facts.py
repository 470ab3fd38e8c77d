"""The merged campaign, and the same data indexed the way the annexes read it."""

import functools
import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas

from addin.config import CampaignConfig, FormField, UnitEntry
from addin.standing import State


@dataclass
class MergedCampaign:
    units: pandas.DataFrame
    # one row per unit of config.units, in config order. Columns: order (int, 1-based), unit_code, unit_name,
    # unit_short, group_code ("I", "II", ...), group_name, state (a `standing.State` value), included (bool:
    # its data is in the sections below),
    # received_at (datetime or NaT), late (bool, or None when not received), file (str or None)
    sections: dict[str, pandas.DataFrame]
    # per form section name (config.form.sections[].name). Only rows of included units. Every frame has
    # columns unit_code, group_code, order (the unit's order), then for table sections a column "row"
    # (1-based row number in the unit's table), then one column per form field name of that section with
    # typed values: int/float for numbers (NaN/None when blank), datetime.date for dates, str for text,
    # and for select_one fields the choice LABEL (e.g. "Đã thực hiện"). Fields sections have one row per unit.
    left_out: list[str] = field(default_factory=list)
    # one line per stored value that could not be written (not finite, too large) and was left out, naming its unit


@dataclass(frozen=True)
class UnitFacts:
    unit: UnitEntry
    state: State
    included: bool
    late: bool | None


def _kept_per_facts(method):
    """A Facts method's answers kept for the next call, on the Facts itself (Facts lives for one summary; the
    annexes and the báo cáo ask for the same sums). `functools.cache` on a method would keep every Facts alive."""

    @functools.wraps(method)
    def kept(self, argument: str):
        key = (method.__name__, argument)
        if key not in self._kept:
            self._kept[key] = method(self, argument)
        return self._kept[key]

    return kept


class Facts:
    """The merged campaign indexed for the annexes: units in config order, included units' rows."""

    def __init__(self, config: CampaignConfig, merged: MergedCampaign):
        self.config = config
        self._kept: dict[tuple[str, str], object] = {}
        units = merged.units  # the three columns read, not a dict per unit of every column (10,000 units: 8 MB)
        records = {
            str(code): (state, late, included)
            for code, state, late, included in zip(
                units["unit_code"], units["state"], units["late"], units["included"], strict=True
            )
        }
        self.units: list[UnitFacts] = []
        for unit in config.units:
            state, late, included = records.get(unit.code, (None, None, None))
            state = State(state or State.MISSING)
            late, included = plain_value(late), bool(plain_value(included) or False)
            self.units.append(UnitFacts(unit, state, included, None if late is None else bool(late)))
        self.included = {each.unit.code for each in self.units if each.included}
        order = {unit.code: unit.order for unit in config.units}
        self.sections: dict[str, pandas.DataFrame] = {}
        for name, frame in merged.sections.items():
            frame = frame[frame["unit_code"].isin(self.included)]
            keys = ["_order", "row"] if "row" in frame.columns else ["_order"]
            frame = frame.assign(_order=frame["unit_code"].map(order)).sort_values(keys, kind="stable")
            self.sections[name] = frame

    def groups(self) -> list[tuple[str, str, list[UnitFacts]]]:
        """(group code, group name, its units) in config order."""
        result: list[tuple[str, str, list[UnitFacts]]] = []
        for each in self.units:
            if not result or result[-1][0] != each.unit.group_code:
                result.append((each.unit.group_code, each.unit.group_name, []))
            result[-1][2].append(each)
        return result

    def frame(self, section: str) -> pandas.DataFrame | None:
        return self.sections.get(section)

    @_kept_per_facts
    def values_by_unit(self, dotted: str) -> dict[str, list]:
        """Per unit code, the values of a "section.field" column in its rows, in order (none for a unit without
        rows): one pass, not one filter per unit, and no DataFrame per unit (some 4 KB each: 33 MB at 10,000)."""
        section, name = dotted.split(".")
        frame = self.frame(section)
        if frame is None or frame.empty or name not in frame.columns:
            return {}
        by_unit: dict[str, list] = {}
        for code, value in zip(frame["unit_code"], frame[name], strict=True):
            by_unit.setdefault(str(code), []).append(value)
        return by_unit

    @_kept_per_facts
    def column_sums(self, dotted: str) -> dict[str, float | None]:
        """Per unit code, the sum of a "section.field" column; None for a unit with rows but no value in it
        (a field its form version did not have, or left blank): a blank, not a zero that looks like a figure."""
        table, name = dotted.split(".")
        frame = self.frame(table)
        if frame is None or frame.empty or name not in frame.columns:
            return {}
        values = pandas.to_numeric(frame[name], errors="coerce")
        sums = values.groupby(frame["unit_code"]).sum(min_count=1)
        return {str(code): None if pandas.isna(total) else float(total) for code, total in sums.items()}

    @_kept_per_facts
    def row_counts(self, table: str) -> dict[str, int]:
        """Per unit code, its number of rows in a table section."""
        frame = self.frame(table)
        if frame is None or frame.empty:
            return {}
        return {str(code): int(count) for code, count in frame.groupby("unit_code").size().items()}

    def single_values(self, dotted: str) -> dict:
        """Per unit code, the value of a single field ("section.field" of a fields section) as written: a number,
        a date, a text; a unit that left it blank (or whose form version had no such field) has none."""
        section, name = dotted.split(".")
        frame = self.frame(section)
        if frame is None or frame.empty or name not in frame.columns:
            return {}
        pairs = zip(frame["unit_code"], frame[name], strict=True)
        found = {str(code): plain_value(value) for code, value in pairs}
        return {code: value for code, value in found.items() if value is not None and value != ""}

    def field(self, dotted: str) -> FormField:
        section, name = dotted.split(".")
        return self.config.form.section(section).field(name)

    def is_whole(self, dotted: str) -> bool:
        return self.field(dotted).type == "integer"


def submission_counts(units: list[UnitFacts]) -> list:
    """Expected, received, on time, late, missing, accepted, and the received and on-time shares of expected."""
    expected = len(units)
    received = sum(each.state != State.MISSING for each in units)
    late = sum(bool(each.late) for each in units if each.state != State.MISSING)
    accepted = sum(each.included for each in units)  # units whose figures are in the summary
    on_time = received - late

    def share(count: int):
        # rounded: LibreOffice keeps 15 significant digits, so the value survives its re-save unchanged
        return round(count / expected, 6) if expected else None

    return [expected, received, on_time, late, expected - received, accepted, share(received), share(on_time)]


def plain_value(value):
    """A DataFrame value as what openpyxl should write: None for blanks, Python numbers and dates."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, pandas.Timestamp):
        return None if pandas.isna(value) else value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, datetime | date | bool):
        return value
    try:
        if pandas.isna(value):
            return None
    except (TypeError, ValueError):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def as_number(value: float, whole: bool):
    """A total as written: an int when whole, else 15 significant digits."""
    value = float(value)
    if not math.isfinite(value):  # merge leaves out such values; never let one stop the whole summary
        return None
    if whole or value.is_integer():
        return round(value)
    return float(format(value, ".15g"))  # 15 significant digits, as LibreOffice keeps them: no drift on re-save
