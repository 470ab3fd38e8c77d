"""Filling one annex table of the layout: rows styled like its prototype row, the rows below it kept aside
and put back under the data, then the data named and the sheet's print area set."""

import functools
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.compat.strings import safe_string
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from addin.outputs.summary.cells import (
    apply_style,
    bold_style,
    clean_text,
    delete_cells,
    fresh_cell,
    merge_styled,
    style_of,
    write_value,
)
from addin.outputs.summary.names import data_name, define, head_name, name_target
from addin.outputs.summary.pages import paginate
from addin.xlsx.fast_save import RowStream, cell_xml, style_number, writes_fast
from addin.xlsx.styles import wrapped_height

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


_cached_lines = functools.lru_cache(maxsize=16_384)(wrapped_lines)  # a listing repeats its texts


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
        self._write(row, column, value, style)
        if fit and isinstance(value, str) and len(value) > 8:
            self._fit(row, value, width or self.column_width(column))

    def row(self, row: int, values: list, bold: bool = False, styles: list[StyleArray] | None = None) -> None:
        """Write a data row, as tall as its longest wrapped text needs."""
        styles = styles or (self.bold if bold else self.plain)
        tallest = (1, "", 1.0)
        for index, value in enumerate(values):
            self._write(row, index + 1, value, styles[index])
            if isinstance(value, str) and len(value) > 8:
                width = self.column_width(index + 1)
                lines = _cached_lines(value, width)
                if lines > tallest[0]:
                    tallest = (lines, value, width)
        if tallest[0] > 1:
            self._fit(row, tallest[1], tallest[2])
        elif self.height:
            self._set_height(row, max(self.height, self._height(row) or 0))

    def band(self, row: int, first: int, text: str, style: StyleArray, last: int | None = None) -> None:
        """A text across columns first..last (merged), e.g. a unit's name above its rows."""
        last = last or self.width
        for column in range(first + 1, last + 1):
            self._write(row, column, None, style)
        self.put(row, first, text, style, width=sum(self.widths[first - 1 : last]))
        if last > first:
            self._merge(row, first, last)
        if self.height and not self._height(row):
            self._set_height(row, self.height)

    def raise_height(self, row: int, height: float) -> None:
        """Make the row at least `height` tall."""
        self._set_height(row, max(self._height(row) or 0, height))

    def rows(self) -> dict[Worksheet, RowStream]:
        """The rows written without cell objects, by sheet, for `save_workbook_fast(streamed=…)`: none here."""
        return {}

    def streamed_heights(self) -> dict[int, float | None] | None:
        """The heights of the rows written without cell objects (for `paginate`): none here."""
        return None

    # the primitives row, put and band are written with (StreamedTable writes the same rows without cell objects)

    def _write(self, row: int, column: int, value, style: StyleArray) -> None:
        cell = fresh_cell(self.sheet, row, column)
        apply_style(cell, style)
        write_value(cell, value)

    def _fit(self, row: int, text: str, width: float) -> None:
        """Make the row tall enough for `text` wrapped in `width` (never lower it), as `fit_row_height` does."""
        self._set_height(row, max(wrapped_height(text, width, self.min_height), self._height(row) or 0))

    def _height(self, row: int) -> float | None:
        dimension = self.sheet.row_dimensions.get(row)
        return dimension.height if dimension is not None else None

    def _set_height(self, row: int, height: float) -> None:
        self.sheet.row_dimensions[row].height = height

    def _merge(self, row: int, first: int, last: int) -> None:
        merge_styled(self.sheet, row, first, row, last)

    def _paginate(self, last_column: int, printed_last: int, signature: tuple[int, int] | None) -> list[int]:
        _, (_, top, _, bottom) = name_target(self.workbook, head_name(self.number))
        heights = self.streamed_heights()
        return paginate(self.sheet, last_column, printed_last, (top, bottom), self.headings, signature, heights=heights)

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
            signature = (last_row + 1, end) if end > last_row else None
            breaks = self._paginate(last_column, printed_last, signature)
            if not any(self.first <= end < data_last_row for end in breaks):
                self.sheet.print_title_rows = None  # the table fits its first page: nothing to repeat
        return printed_last


class StreamedTable(Table):
    """A table whose rows go straight to the sheet's `<sheetData>` XML, with no cell objects: what `Table` would
    write, cell for cell (values, styles, heights, merges), for a long listing (a cell object costs openpyxl about
    1 KB and 10 µs; the listing of 10,000 units has hundreds of thousands of cells).

    Rows are written top to bottom; save the workbook with `save_workbook_fast(workbook, streamed=table.rows())`.
    Only for a sheet whose own cells the fast writer writes (`streamed_or_plain` checks).
    """

    def __init__(self, workbook: Workbook, number: int):
        super().__init__(workbook, number)
        sheet = self.sheet
        delete_cells(sheet, self.first, self.first)  # the prototype row: its styles are taken, its place is ours
        prototype = sheet.row_dimensions.pop(self.first, None)
        self._dimensions = {self.first: prototype} if prototype is not None else {}
        self._heights: dict[int, float] = {self.first: self.height} if self.height else {}
        self._stream = RowStream(workbook, sheet)  # the rows written, and their merged ranges
        self._open: tuple[int, dict[int, tuple[object, StyleArray]]] = (self.first - 1, {})
        self._scratch = Cell(sheet)
        self._texts: dict[str, str] = {}  # a short text's XML after its cell's opening, once per distinct text
        self._others: dict[tuple[type, object], str] = {}  # the same for a date, a time, a truth value
        self._converted: dict[tuple[type, bytes], StyleArray] = {}
        self._attributes: dict[bytes, str] = {}
        self._epoch = workbook.epoch

    def rows(self) -> dict[Worksheet, RowStream]:
        """The rows written, for `save_workbook_fast(streamed=…)`."""
        self._flush()
        return {self.sheet: self._stream}

    def finish(self, last_row: int, *args, **kwargs) -> int:
        self._flush()
        return super().finish(last_row, *args, **kwargs)

    def _write(self, row: int, column: int, value, style: StyleArray) -> None:
        if row < self.first:  # the header above the table (a matrix's unit columns) stays in cells
            super()._write(row, column, value, style)
            return
        if row != self._open[0]:
            if row < self._open[0] or row <= self._stream.last_row:
                raise ValueError(f"row {row} written after row {self._open[0]}")
            self._flush()
            self._open = (row, {})
        self._open[1][column] = (value, style)

    def _height(self, row: int) -> float | None:
        return super()._height(row) if row < self.first else self._heights.get(row)

    def _set_height(self, row: int, height: float) -> None:
        if row < self.first:
            super()._set_height(row, height)
        else:
            self._heights[row] = height

    def streamed_heights(self) -> dict[int, float | None]:
        return {row: self._heights.get(row) for row in self._stream.numbers}

    def _merge(self, row: int, first: int, last: int) -> None:
        if row < self.first:
            super()._merge(row, first, last)
        else:  # written with the rows: openpyxl's merged ranges cost it some 60 µs each
            self._stream.merge(row, first, last)

    def _flush(self) -> None:
        """The open row as XML, as `_sheet_data_xml` writes an openpyxl row of the same cells."""
        row, cells = self._open
        if not cells:
            return
        attributes = {"r": str(row)}
        height = self._heights.get(row)
        dimension = self._dimensions.get(row)
        if dimension is not None:
            dimension.height = height
            attributes.update(dimension)
        elif height:
            attributes.update(ht=safe_string(height), customHeight="1")
        parts = ["<row" + "".join(f' {key}="{escape(value)}"' for key, value in attributes.items()) + ">"]
        texts, others, epoch = self._texts, self._others, self._epoch
        for column in sorted(cells):
            value, style = cells[column]
            if isinstance(value, str):
                tail = texts.get(value)
                if tail is None:
                    tail = cell_xml("", clean_text(value), epoch)
                    if len(value) <= 64:  # names, codes and choices repeat; a long text rarely does
                        texts[value] = tail
            elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                if value is None and not any(style):
                    continue
                tail = cell_xml("", value, epoch)
            else:  # a date, a time, a truth value: openpyxl may give its cell a number format (`write_value`)
                style = self._converted_style(value, style)
                key = (type(value), value)
                tail = others.get(key)
                if tail is None:
                    tail = others[key] = cell_xml("", value, epoch) or cell_xml("", str(value), epoch)
            parts.append(f'<c r="{get_column_letter(column)}{row}"{self._style_attribute(style)}{tail}')
        parts.append("</row>")
        self._stream.put(row, "".join(parts), max(cells))
        self._open = (row, {})

    def _style_attribute(self, style: StyleArray) -> str:
        """` s="…"`, the style's number in styles.xml (registered now), or nothing for the default style."""
        key = style.tobytes()
        attribute = self._attributes.get(key)
        if attribute is None:
            self._scratch._style = style
            attribute = self._attributes[key] = (
                f' s="{style_number(self.workbook, self._scratch)}"' if any(style) else ""
            )
        return attribute

    def _converted_style(self, value, style: StyleArray) -> StyleArray:
        key = (type(value), style.tobytes())
        if key not in self._converted:
            cell = Cell(self.sheet)
            apply_style(cell, style)
            write_value(cell, value)
            self._converted[key] = StyleArray(cell._style)
        return self._converted[key]


def streamed_or_plain(workbook: Workbook, number: int) -> Table:
    """A `StreamedTable` for annex `number` when the fast writer writes all its sheet's own cells, else a `Table`."""
    sheet, _ = name_target(workbook, data_name(number))
    return StreamedTable(workbook, number) if writes_fast(workbook, sheet) else Table(workbook, number)
