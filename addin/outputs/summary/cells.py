"""Writing the summary's cells: text always as text, a cell's whole style copied at once, merges of styled cells.

A summary of a thousand units writes some 60,000 cells, so this is where the time goes. openpyxl's public API
does all of it, but too slowly here or not quite as needed; the few places that reach past it are each one small
function below, written against openpyxl 3.1.5 (pinned in pyproject.toml).
"""

import unicodedata
from copy import copy

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from addin.xlsx.limits import cell_text


def clean_text(text: str) -> str:
    """A text as a cell may hold it: NFC, without the control characters Excel refuses, not too long."""
    return cell_text(unicodedata.normalize("NFC", ILLEGAL_CHARACTERS_RE.sub("", text)))


def write_value(cell: Cell, value) -> None:
    """Any text is written as text: "=…", "+…", "-…", "@…" never become formulas. None leaves the cell as it is.

    Private `_value`: the public setter scans every text again for the characters `clean_text` took out and makes
    "=…" a formula we would have to undo; it costs about a hundred times more, most of a second per summary.
    """
    if isinstance(value, str):
        cell._value = clean_text(value)
        cell.data_type = "s"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        cell._value = value
        cell.data_type = "n"
    elif value is not None:
        cell.value = value


def style_of(cell: Cell) -> StyleArray:
    """A copy of all of a cell's style (font, fill, border, alignment, number format, protection) in one piece.

    Private `_style`: openpyxl has no public way to copy a whole style; copying its six parts one by one costs
    six look-ups in the workbook's style lists per cell.
    """
    return StyleArray(cell._style)


def apply_style(cell: Cell, style: StyleArray) -> None:
    """Give a cell a whole style taken with `style_of` (see there why it is private)."""
    cell._style = StyleArray(style)


def bold_style(sheet: Worksheet, style: StyleArray) -> StyleArray:
    """`style` with its font in bold."""
    scratch = _scratch_cell(sheet, style)
    bolder = copy(scratch.font)
    bolder.b = True
    scratch.font = bolder
    return style_of(scratch)


def new_style(sheet: Worksheet, cell_font, alignment, number_format="General", fill=None, border=None) -> StyleArray:
    """A style built once and copied onto many cells."""
    scratch = _scratch_cell(sheet, StyleArray())
    scratch.font, scratch.alignment, scratch.number_format = cell_font, alignment, number_format
    if border is not None:
        scratch.border = border
    if fill is not None:
        scratch.fill = fill
    return style_of(scratch)


def _scratch_cell(sheet: Worksheet, style: StyleArray) -> Cell:
    """A cell outside the sheet's grid, to build a style through openpyxl's public style setters."""
    cell = Cell(sheet)
    apply_style(cell, style)
    return cell


def fresh_cell(sheet: Worksheet, row: int, column: int) -> Cell:
    """A new empty cell at (row, column), replacing whatever was there (a prototype cell, a merged placeholder).

    Private `_cells`: `sheet.cell()` keeps the cell already there, and its checks and bookkeeping make it cost
    twice as much, which the 60,000 cells of a thousand-unit summary feel (a tenth of the build).
    """
    cell = Cell(sheet, row=row, column=column)
    sheet._cells[(row, column)] = cell
    return cell


def merge_styled(sheet: Worksheet, top: int, left: int, bottom: int, right: int) -> None:
    """Merge cells already styled, each keeping its own style (borders included).

    openpyxl's `merge_cells` re-derives every edge border of the range, 8 ms a merge, and a listing merges one
    band per unit. Private `_cells`: putting the merged placeholders in the grid has no public API.
    """
    sheet.merged_cells.ranges.add(CellRange(min_col=left, min_row=top, max_col=right, max_row=bottom))
    for row in range(top, bottom + 1):
        for column in range(left, right + 1):
            if (row, column) != (top, left):
                merged = MergedCell(sheet, row=row, column=column)
                existing = sheet._cells.get((row, column))
                if existing is not None:
                    apply_style(merged, existing._style)
                sheet._cells[(row, column)] = merged


def drop_charts(sheet: Worksheet) -> None:
    """Remove the charts openpyxl read with the sheet. Private `_charts`: there is `add_chart` but no removal."""
    sheet._charts = []


def delete_cells(sheet: Worksheet, first_row: int, last_row: int | None = None, first_column: int = 1) -> None:
    """Take the cells from `first_row` (to `last_row`, else the last) and `first_column` rightwards out of the
    grid: they are gone, merged placeholders included, not just blanked."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, min_col=first_column):
        for cell in row:
            del sheet[cell.coordinate]
