"""A workbook's `_meta` sheet: the very hidden key/value rows that say what the workbook is.

The keys of a unit template are `addin.contract.Meta`; layouts add their own (a fingerprint of the
config parts they draw). Values are written as text so Excel never turns a code into a number.
"""

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from addin.contract import META_SHEET


def write_meta_sheet(workbook: Workbook, rows: Mapping[str, object]) -> Worksheet:
    """A new very hidden `_meta` sheet at the end of `workbook` with `rows` in columns A (key) and B (value)."""
    sheet = workbook.create_sheet(META_SHEET)
    for row, (key, value) in enumerate(rows.items(), start=1):
        sheet.cell(row=row, column=1, value=key)
        sheet.cell(row=row, column=2, value=value).data_type = "s"
    sheet.sheet_state = "veryHidden"
    return sheet


def meta_from_rows(rows: Iterable[Sequence[object]]) -> dict[str, str]:
    """Key → value from the rows of a `_meta` sheet as read (first two columns; rows without a key skipped)."""
    return {str(row[0]).strip(): str(row[1]).strip() for row in rows if len(row) >= 2 and row[0] not in ("", None)}


def read_layout_meta(path: Path) -> dict[str, str]:
    """The `_meta` rows of a workbook on disk (unit master, unit copy or summary layout); empty when unreadable."""
    try:
        return meta_from_rows(CalamineWorkbook.from_path(str(path)).get_sheet_by_name(META_SHEET).to_python())
    except Exception:  # an unreadable layout is rebuilt, never fatal
        return {}
