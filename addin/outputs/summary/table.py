"""Filling one annex table of the layout: rows styled like its prototype row, the rows below it kept aside
and put back under the data, then the data named and the sheet's print area set."""

import math
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from addin.outputs.summary.cells import (
    apply_style,
    bold_style,
    delete_cells,
    fresh_cell,
    merge_styled,
    style_of,
    write_value,
)
from addin.outputs.summary.names import data_name, define, head_name, name_target
from addin.outputs.summary.pages import paginate
from addin.xlsx.styles import fit_row_height

TOTAL_LABEL = "Tổng cộng"
DEFAULT_WIDTH = 9  # Excel's width of a column staff never resized


@dataclass
class Block:
    """Cells cut from a sheet (rows relative to where they were), to be pasted elsewhere."""

    cells: list[tuple[int, int, object, str, StyleArray]]
    merges: list[tuple[int, int, int, int]]
    heights: dict[int, float]


def cut_rows(sheet: Worksheet, first_row: int) -> Block:
    """Take every row from `first_row` down out of the sheet: values, styles, merges and heights."""
    merges = []
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row >= first_row:
            merges.append((merged.min_row - first_row, merged.min_col, merged.max_row - first_row, merged.max_col))
            sheet.unmerge_cells(merged.coord)
    cells = []
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is not None or cell.has_style:
                cells.append((cell.row - first_row, cell.column, cell.value, cell.data_type, style_of(cell)))
    delete_cells(sheet, first_row)
    heights = {}
    for row in [row for row in sheet.row_dimensions if row >= first_row]:
        dimension = sheet.row_dimensions.pop(row)
        if dimension.height:
            heights[row - first_row] = dimension.height
    return Block(cells, merges, heights)


def paste_rows(sheet: Worksheet, block: Block, row: int, stretch: tuple[int, int] | None = None) -> int:
    """Put a cut block back with its first row at `row`; returns the last row used.

    `stretch` (old, new): a merge that ended at column `old` now ends at `new`.
    """
    for offset, column, value, data_type, style in block.cells:
        cell = sheet.cell(row=row + offset, column=column)
        apply_style(cell, style)  # first, so that a date keeps its own number format
        cell.value = value
        cell.data_type = data_type  # a text "=…" stays text
    for top, left, bottom, right in block.merges:
        if stretch and right == stretch[0]:
            right = stretch[1]
        sheet.merge_cells(start_row=row + top, start_column=left, end_row=row + bottom, end_column=right)
    for offset, height in block.heights.items():
        sheet.row_dimensions[row + offset].height = height
    used = [offset for offset, *_ in block.cells] + [bottom for _, _, bottom, _ in block.merges]
    return row + max(used, default=-1)


def wrapped_lines(text: str, width: float) -> int:
    """Wrapped lines of a text in a column, estimated as `fit_row_height` does."""
    return sum(max(1, math.ceil(len(part) / max(width * 1.1, 1))) for part in text.split("\n"))


def word_lines(text: str, width: float, per_unit: float = 0.9) -> int:
    """Lines a text takes wrapped at word boundaries in a column `width` wide (bold capitals: ~0.9 a unit)."""
    room, lines = max(width * per_unit, 1), 0
    for part in text.split("\n"):
        lines, used = lines + 1, 0.0
        for word in part.split():
            needed = len(word) if not used else used + 1 + len(word)
            if used and needed > room:
                lines, used = lines + 1, len(word)
            else:
                used = needed
    return lines


class Table:
    """One annex table being filled: styles from the layout's prototype row, the rows below kept aside."""

    def __init__(self, workbook: Workbook, number: int):
        self.workbook = workbook
        self.sheet, (_, self.first, self.width, _) = name_target(workbook, data_name(number))
        self.number = number
        sheet = self.sheet
        self.plain = [style_of(sheet.cell(row=self.first, column=index)) for index in range(1, self.width + 1)]
        self.bold = [bold_style(sheet, style) for style in self.plain]
        self.widths = [self._width(index) for index in range(1, self.width + 1)]
        prototype = sheet.row_dimensions.get(self.first)
        self.height = prototype.height if prototype is not None else None  # None: the sheet's default height
        self.min_height = self.height or 16
        self.trailer = cut_rows(sheet, self.first + 1)
        self.headings: set[int] = set()  # rows that must not end a printed page (a group's or a unit's heading)

    def _width(self, column: int) -> float:
        dimension = self.sheet.column_dimensions.get(get_column_letter(column))
        return dimension.width if dimension is not None and dimension.width else DEFAULT_WIDTH

    def column_width(self, column: int) -> float:
        return self.widths[column - 1] if column <= self.width else self._width(column)

    def put(self, row: int, column: int, value, style: StyleArray, width: float | None = None, fit: bool = True):
        """Write one cell; a long text makes its row tall enough (`width`: the columns it spans)."""
        cell = fresh_cell(self.sheet, row, column)
        apply_style(cell, style)
        write_value(cell, value)
        if fit and isinstance(value, str) and len(value) > 8:
            fit_row_height(self.sheet, row, value, width or self.column_width(column), self.min_height)
        return cell

    def row(self, row: int, values: list, bold: bool = False, styles: list[StyleArray] | None = None) -> None:
        """Write a data row, as tall as its longest wrapped text needs."""
        styles = styles or (self.bold if bold else self.plain)
        tallest = (1, "", 1.0)
        for index, value in enumerate(values):
            self.put(row, index + 1, value, styles[index], fit=False)
            if isinstance(value, str) and len(value) > 8:
                width = self.column_width(index + 1)
                lines = wrapped_lines(value, width)
                if lines > tallest[0]:
                    tallest = (lines, value, width)
        if tallest[0] > 1:
            fit_row_height(self.sheet, row, tallest[1], tallest[2], self.min_height)
        elif self.height:
            self.sheet.row_dimensions[row].height = max(self.height, self.sheet.row_dimensions[row].height or 0)

    def band(self, row: int, first: int, text: str, style: StyleArray, last: int | None = None) -> None:
        """A text across columns first..last (merged), e.g. a unit's name above its rows."""
        last = last or self.width
        for column in range(first, last + 1):
            apply_style(self.sheet.cell(row=row, column=column), style)
        self.put(row, first, text, style, width=sum(self.widths[first - 1 : last]))
        if last > first:
            merge_styled(self.sheet, row, first, row, last)
        if self.height and not self.sheet.row_dimensions[row].height:
            self.sheet.row_dimensions[row].height = self.height

    def finish(
        self,
        last_row: int,
        data_last_row: int | None = None,
        stretch: tuple[int, int] | None = None,
        last_column: int | None = None,
        pages: bool = True,
    ) -> int:
        """Put the layout's rows below the table back under the data, then name and print the result: its page
        breaks (`pages`), and its header rows repeated only when the table itself spans pages.

        Returns the last printed row.
        """
        data_last_row = data_last_row or last_row
        end = paste_rows(self.sheet, self.trailer, last_row + 1, stretch)
        last_column = last_column or self.width
        define(self.workbook, data_name(self.number), self.sheet, self.first, data_last_row, last_column)
        printed_last = max(end, last_row)
        self.sheet.print_area = f"A1:{get_column_letter(last_column)}{printed_last}"
        if pages:
            _, (_, top, _, bottom) = name_target(self.workbook, head_name(self.number))
            signature = (last_row + 1, end) if end > last_row else None
            breaks = paginate(self.sheet, last_column, printed_last, (top, bottom), self.headings, signature)
            if not any(self.first <= end < data_last_row for end in breaks):
                self.sheet.print_title_rows = None  # the table fits its first page: nothing to repeat
        return printed_last
