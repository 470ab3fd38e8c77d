"""Counted returns → tidy tables: one row per unit, per document, per activity, per task…

Which return counts for a unit is the standing's decision (`addin/standing.py`). Typed values come
from the ledger, stored when the return was checked, so merging a thousand returns reads no workbook
at all. Units without data are kept, never dropped.
"""

import math
from datetime import date
from pathlib import Path

import pandas

from addin.campaign import CampaignFolder
from addin.config import NUMBER_LIMIT, NUMERIC_TYPES, CampaignConfig, FormField, Section
from addin.ledger import Ledger
from addin.outputs.summary.facts import MergedCampaign
from addin.safe_text import inert_csv_text
from addin.standing import CampaignStanding, UnitStanding, campaign_standing
from addin.xlsx.atomic import replace_file, temporary_beside, write_bytes_atomically
from addin.xlsx.fast_save import save_tables_fast

TIDY_WORKBOOK = "du_lieu_tong_hop.xlsx"
CSV_DIR = "du_lieu_csv"
UNITS_TABLE = "00_don_vi"  # starts with a digit, so no form section (a lowercase identifier) can take it


def merge_campaign(
    folder: CampaignFolder, config: CampaignConfig | None = None, standing: CampaignStanding | None = None
) -> MergedCampaign:
    config = config or folder.load_config()
    standing = standing or campaign_standing(folder, config, with_findings=False)
    units = pandas.DataFrame([_unit_row(unit_standing) for unit_standing in standing.units])
    included = units[units["included"]]
    counted = {each.unit.code: each.counted.record.sha256 for each in standing.units if each.counted}
    sections = [_SectionColumns(config, section) for section in config.form.sections]
    # one return's data at a time: holding every return's (10,000 at most) would double the memory merging takes
    with Ledger(folder.ledger_path) as ledger:
        for unit in included.itertuples():
            stored = ledger.check_data(counted[unit.unit_code]) if unit.unit_code in counted else None
            for section in sections:
                section.add(unit, stored or {})
    left_out = [line for section in sections for line in section.left_out]
    return MergedCampaign(units, {section.section.name: section.frame() for section in sections}, left_out)


def _unit_row(standing: UnitStanding) -> dict:
    unit, used, decision = standing.unit, standing.counted, standing.decision
    return {
        "order": unit.order,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_short": unit.short,
        "group_code": unit.group_code,
        "group_name": unit.group_name,
        "state": standing.state.value,
        "included": used is not None,
        "received_at": standing.received_at,
        "late": standing.late,
        "file": used.record.original_name if used else None,
        "sha256": used.record.sha256 if used else None,
        "errors": used.check.errors if used else None,
        "warnings": used.check.warnings if used else None,
        "decision_note": decision.note if decision else None,
    }


class _SectionColumns:
    """One form section's rows of every included unit, gathered column by column (a dict per row would cost
    several times the memory of the finished frame)."""

    def __init__(self, config: CampaignConfig, section: Section):
        self.section = section
        self.labels = {
            form_field.name: {choice.name: choice.label for choice in config.form.choices[form_field.choices]}
            for form_field in section.fields
            if form_field.type == "select_one"
        }
        self.kinds = {form_field.name: form_field.type for form_field in section.fields}
        rows = [] if section.kind == "fields" else ["row"]
        self.columns: dict[str, list] = {name: [] for name in ["unit_code", "group_code", "order", *rows, *self.kinds]}
        self.left_out: list[str] = []
        self.texts: dict[str, str] = {}  # each distinct text once (see `_one_copy`)

    def add(self, unit, stored: dict) -> None:
        """The unit's rows of this section, from its stored check data."""
        section, columns = self.section, self.columns
        if section.kind == "fields":
            stored_rows = [stored.get("fields", {})]
        else:
            stored_rows = stored.get("tables", {}).get(section.name, [])
        for row in stored_rows:
            columns["unit_code"].append(unit.unit_code)
            columns["group_code"].append(unit.group_code)
            columns["order"].append(unit.order)
            if section.kind != "fields":
                columns["row"].append(row.get("_row"))
            for form_field in section.fields:
                value = _writable(form_field, row.get(form_field.name))
                if value is _UNWRITABLE:
                    self.left_out.append(_left_out_line(unit, section, form_field, row))
                    value = None
                typed = _typed(value, form_field.type, self.labels.get(form_field.name))
                columns[form_field.name].append(self._one_copy(typed) if isinstance(typed, str) else typed)

    def _one_copy(self, text: str) -> str:
        """The text as first met: each return's stored data is read apart, so its texts are new copies, yet
        prefilled task texts and common answers repeat in every return (at 10,000 returns, some 60 MB of copies)."""
        return self.texts.setdefault(text, text)

    def frame(self) -> pandas.DataFrame:
        if not self.columns["unit_code"]:
            frame = pandas.DataFrame([], columns=list(self.columns))
        else:
            frame = pandas.DataFrame(self.columns)
        self.columns, self.texts = {}, {}
        for name in (name for name, kind in self.kinds.items() if kind == "integer"):
            frame[name] = _whole_numbers(frame[name])
        return frame


def _whole_numbers(column: pandas.Series) -> pandas.Series:
    """An integer field's column kept whole where some units have no value (blank, or a field their form lacked).

    pandas would make such a column float (3 → "3.0" in the CSV); the nullable Int64 keeps 3 and a blank.
    A column holding anything but whole numbers (text in a return staff accepted) is left as it is.
    """
    if pandas.api.types.is_integer_dtype(column):
        return column
    values = [None if value is None or value != value else value for value in column]
    if not all(value is None or (isinstance(value, int | float) and float(value).is_integer()) for value in values):
        return column
    return pandas.Series([None if v is None else int(v) for v in values], index=column.index, dtype="Int64")


_UNWRITABLE = object()


def _writable(form_field: FormField, value):
    """A stored value, or _UNWRITABLE when it cannot go into a summary: a number that is not finite or is
    beyond what check accepts (stored by an older check, or a crafted ledger), a date that is no date.

    One unit's bad value must not stop the summary of the whole campaign: it is left out and named.
    """
    if value is None:
        return None
    if form_field.type in NUMERIC_TYPES and isinstance(value, int | float) and not isinstance(value, bool):
        limit = max(NUMBER_LIMIT, *(abs(bound) for bound in (form_field.min, form_field.max) if bound is not None))
        try:
            fits = math.isfinite(float(value)) and abs(value) <= limit
        except OverflowError:  # an int too big for a float
            fits = False
        return value if fits else _UNWRITABLE
    if form_field.type == "date":
        try:
            date.fromisoformat(str(value)[:10])
        except ValueError:
            return _UNWRITABLE
    return value


def _left_out_line(unit, section: Section, form_field: FormField, row: dict) -> str:
    where = f"dòng {row['_row']} " if row.get("_row") else ""
    value = str(row.get(form_field.name))[:40]
    return (
        f"{unit.unit_short} ({unit.unit_code}): «{form_field.label}» ({where}phần «{section.label}») có giá trị "
        f"«{value}» không ghi được vào tổng hợp (không phải số hợp lệ hoặc quá lớn) nên đã bỏ ra. "
        "Hãy kiểm tra lại báo cáo của đơn vị này."
    )


def _typed(value, kind: str, labels: dict | None):
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(str(value)[:10])
    if labels is not None:
        return labels.get(value, value)
    return value


# ---------------------------------------------------------------- tidy outputs


def write_tidy(folder: CampaignFolder, config: CampaignConfig, merged: MergedCampaign) -> tuple[Path, Path]:
    """One workbook of plain tables and one CSV per table, for anyone who analyses further.

    Pre-filled text (the unit's name, a task's full text) is left out: it repeats what the unit code
    and the task code already say, and the unit table and the config hold it once.
    """
    frames = {UNITS_TABLE: merged.units}
    for section in config.form.sections:
        repeated = [f.name for f in section.fields if f.prefill in ("unit_name", "task_text")]
        frames[section.name] = merged.sections[section.name].drop(columns=repeated)
    buffer = _excel_bytes(frames)
    workbook = folder.results / TIDY_WORKBOOK
    write_bytes_atomically(workbook, buffer)
    csv_dir = folder.results / CSV_DIR
    for name, frame in frames.items():
        _write_csv(csv_dir / f"{name}.csv", frame)
    return workbook, csv_dir


def _write_csv(path: Path, frame: pandas.DataFrame) -> None:
    """Comma-separated UTF-8 with BOM (Excel opens it); text that a spreadsheet would run starts with '.

    The tidy workbook keeps the exact text; here a unit's "=1+1" is written '=1+1 (see safe_text).
    Values holding a comma, quote or line break are quoted by pandas (csv.QUOTE_MINIMAL). Written straight to
    the file, a chunk of rows at a time: made whole in memory, a table of 10,000 returns took 25 MB.
    """
    inert = frame
    for column in frame.columns:
        if pandas.api.types.is_object_dtype(frame[column]) or pandas.api.types.is_string_dtype(frame[column]):
            changed = _inert_column(frame[column])
            if changed is not None:
                inert = inert.copy(deep=False) if inert is frame else inert
                inert[column] = changed
    with temporary_beside(path.parent, path.suffix) as temporary:
        inert.to_csv(temporary, index=False, encoding="utf-8-sig")
        replace_file(temporary, path)


def _inert_column(column: pandas.Series) -> pandas.Series | None:
    """The column with `inert_csv_text` applied, or None when it changes nothing (nearly always).

    Each distinct value is looked at once: a column repeats its choices, places and dates."""
    _, distinct = pandas.factorize(column)
    changes = {}
    for value in distinct:
        if isinstance(value, str):
            inert = inert_csv_text(value)
            if inert != value:
                changes[value] = inert
    if not changes:
        return None
    chosen = column.isin(list(changes))
    return column.mask(chosen, column[chosen].map(changes))


def _excel_bytes(frames: dict[str, pandas.DataFrame]) -> bytes:
    """Plain tables, a bold frozen header over an autofilter each; text from returns stays text, exactly."""
    return save_tables_fast(
        {
            name: (list(map(str, frame.columns)), [_plain_values(frame[column]) for column in frame.columns])
            for name, frame in frames.items()
        }
    )


def _plain_values(column: pandas.Series) -> list:
    """A column as plain Python values XlsxWriter understands, blanks as None."""
    if pandas.api.types.is_datetime64_any_dtype(column):
        return [None if value is pandas.NaT else value.to_pydatetime() for value in column]
    values = column.tolist()
    if isinstance(column.dtype, pandas.Int64Dtype):  # whole numbers with blanks (pandas.NA)
        return [None if value is pandas.NA else value for value in values]
    if pandas.api.types.is_integer_dtype(column) or pandas.api.types.is_bool_dtype(column):
        return values
    return [None if value is None or value != value else value for value in values]
