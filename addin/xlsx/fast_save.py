"""Saving a workbook whose big sheets' cells are written by this module, about ten times faster than openpyxl
(the summary's annexes, the findings workbook).

openpyxl without lxml spends ~30 µs a cell (70,000 cells: 2 s). Each big sheet's cells and row settings are taken
out while openpyxl writes everything else (styles, merges, print settings, charts), then its `<sheetData>`, as
openpyxl would have written it, is put into the saved part. A sheet with anything the fast writer does not handle
is left to openpyxl. This mirrors openpyxl 3.1.5's sheet writer (pinned in pyproject.toml); the few reads of its
internals are each in one small function below.
"""

import io
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.dimensions import DimensionHolder, RowDimension
from openpyxl.worksheet.worksheet import Worksheet

FAST_WRITE_MIN_CELLS = 2_000
_PLAIN_KINDS = ("n", "s", "d", "b")  # openpyxl's data types of a plain value (not a formula, an error, rich text)
_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.DOTALL)
_DIMENSION = re.compile(r"<dimension ref=\"[^\"]*\"\s*/>")


def save_workbook_fast(workbook: Workbook, min_cells: int = FAST_WRITE_MIN_CELLS) -> bytes:
    """The workbook as .xlsx bytes; sheets of at least `min_cells` cells get their `<sheetData>` from here."""
    taken: dict[Worksheet, tuple[str, str]] = {}
    for sheet in workbook.worksheets:
        if len(_stored_cells(sheet)) >= min_cells:
            xml = _sheet_data_xml(workbook, sheet)  # registers the cell styles before styles.xml is written
            if xml is not None:
                taken[sheet] = (xml, sheet.calculate_dimension())
    buffer = io.BytesIO()
    with _cells_set_aside(list(taken)):
        workbook.save(buffer)
    if not taken:
        return buffer.getvalue()
    return _with_sheet_data(buffer, {sheet.path.lstrip("/"): parts for sheet, parts in taken.items()})


def _stored_cells(sheet: Worksheet) -> dict[tuple[int, int], Cell]:
    """The cells the sheet holds, by (row, column). Private `_cells`: the public `iter_rows` would create a cell
    at every empty place of the used range."""
    return sheet._cells


@contextmanager
def _cells_set_aside(sheets: list[Worksheet]) -> Iterator[None]:
    """Let openpyxl write these sheets without their cells and row settings, then give them back.

    Cells with a hyperlink stay: openpyxl gathers the links (and their relationships) from the cells it
    writes; the `<sheetData>` it writes with them is replaced by ours, which holds every cell.
    Private `_cells`: openpyxl has no public way to keep a sheet's cells from its writer.
    """
    kept = [(sheet, sheet._cells, sheet.row_dimensions) for sheet in sheets]
    try:
        for sheet in sheets:
            sheet._cells = {place: cell for place, cell in sheet._cells.items() if cell.hyperlink is not None}
            sheet.row_dimensions = DimensionHolder(worksheet=sheet, default_factory=partial(RowDimension, sheet))
        yield
    finally:
        for sheet, cells, rows in kept:
            sheet._cells, sheet.row_dimensions = cells, rows


class _StyleIds:
    """Each cell style's number in styles.xml, registered there as openpyxl's writer registers it.

    Private `_cell_styles` and `_style`: the public `cell.style_id` does the same but looks the style up again
    for every cell, ten times slower.
    """

    def __init__(self, workbook: Workbook):
        self.styles = workbook._cell_styles
        self.ids: dict[bytes, int] = {}

    def of(self, cell: Cell) -> int:
        key = cell._style.tobytes()
        if key not in self.ids:
            self.ids[key] = self.styles.add(cell._style)
        return self.ids[key]


def _with_sheet_data(saved: io.BytesIO, parts: dict[str, tuple[str, str]]) -> bytes:
    """The saved package with each named part's `<sheetData>` (empty, or the hyperlinked cells alone) and
    `<dimension>` replaced."""
    result = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in parts:
                xml, dimension = parts[info.filename]
                text = data.decode("utf-8")
                match = _SHEET_DATA.search(text)
                if match is None:
                    raise RuntimeError(f"openpyxl wrote {info.filename} without <sheetData>")
                text = text[: match.start()] + xml + text[match.end() :]
                text = _DIMENSION.sub(f'<dimension ref="{dimension}"/>', text, count=1)
                data = text.encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return result.getvalue()


def _sheet_data_xml(workbook: Workbook, sheet: Worksheet) -> str | None:
    """`<sheetData>` as openpyxl writes it (inline strings, dates as serial numbers), or None when the sheet has
    formulas, comments, rich text or error values. A hyperlink is not in the cell: openpyxl writes it apart."""
    if workbook.iso_dates:
        return None
    rows: dict[int, list] = defaultdict(list)
    for (row, _), cell in sorted(_stored_cells(sheet).items()):
        rows[row].append(cell)
    for row in sheet.row_dimensions.keys() - rows.keys():
        rows[row] = []
    style_ids, epoch = _StyleIds(workbook), workbook.epoch
    parts = ["<sheetData>"]
    for row in sorted(rows):
        attributes = {"r": str(row)}
        dimension = sheet.row_dimensions.get(row)
        if dimension is not None:
            attributes.update(dimension)
        parts.append("<row" + "".join(f' {key}="{escape(value)}"' for key, value in attributes.items()) + ">")
        for cell in rows[row]:
            if cell.comment is not None:
                return None
            value, kind = cell.value, cell.data_type
            styled = cell.has_style
            if value is None and not styled:
                continue
            start = f'<c r="{get_column_letter(cell.column)}{row}"'
            if styled:
                start += f' s="{style_ids.of(cell)}"'
            xml = _cell_xml(start, value, epoch) if kind in _PLAIN_KINDS else None
            if xml is None:
                return None
            parts.append(xml)
        parts.append("</row>")
    parts.append("</sheetData>")
    return "".join(parts)


# ---------------------------------------------------------------- plain tables, straight from their values

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x(?=[0-9A-Fa-f]{4}_)")


def save_tables_fast(tables: dict[str, tuple[list[str], list[list]]]) -> bytes:
    """Plain tables as .xlsx bytes: per sheet name, (header, columns of plain values: str, int, float, bool,
    date or datetime, None for a blank). A bold header row frozen above an autofilter; dates as dd/mm/yyyy.

    openpyxl writes the package around empty sheets and each sheet's rows are written here straight from the
    values, with no cell object: about a microsecond a cell, where XlsxWriter takes six (a second for the
    tidy data of a thousand returns). Text stays text, exactly: characters XML cannot hold are written as
    Excel writes them (_xHHHH_), and a literal "_xHHHH_" is escaped so that Excel does not decode it.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    parts = {}
    for name, (header, columns) in tables.items():
        sheet = workbook.create_sheet(name[:31])
        rows = max((len(column) for column in columns), default=0)
        last = get_column_letter(max(len(header), 1))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{last}{rows + 1}"
        styles = _style_id(workbook, sheet, bold=True), _style_id(workbook, sheet, date_format="dd/mm/yyyy")
        parts[sheet] = (_table_rows(workbook.epoch, styles, header, columns), f"A1:{last}{rows + 1}", [])
    buffer = io.BytesIO()
    workbook.save(buffer)  # names each sheet's part
    # each table's rows are made as they go into the package, never all held
    return _with_sheet_rows(buffer, {sheet.path.lstrip("/"): rows for sheet, rows in parts.items()})


def _table_rows(epoch, styles: tuple[int, int], header: list[str], columns: list[list]) -> Iterator[bytes]:
    """A table's `<row>` elements in UTF-8: the header in bold (`styles`: bold, dated), then the values."""
    bold, dated = styles
    letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
    cells = (
        f'<c r="{letter}1" s="{bold}" t="inlineStr"><is><t>{_text(text)}</t></is></c>'
        for letter, text in zip(letters, header, strict=True)
    )
    yield ('<row r="1">' + "".join(cells) + "</row>").encode("utf-8")
    texts: dict[str, str] = {}  # a text's XML after `<c r="…"`, once per distinct text (codes, choices repeat)
    for number, values in enumerate(zip(*columns, strict=True), start=2):
        parts = [f'<row r="{number}">']
        for letter, value in zip(letters, values, strict=True):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                tail = texts.get(value)
                if tail is None:
                    tail = texts[value] = _cell_xml("", value, epoch)
                parts.append(f'<c r="{letter}{number}"{tail}')
                continue
            start = f'<c r="{letter}{number}"' + (f' s="{dated}"' if isinstance(value, date) else "")
            parts.append(_cell_xml(start, value, epoch) or _cell_xml(start, str(value), epoch))
        parts.append("</row>")
        yield "".join(parts).encode("utf-8")


def _cell_xml(start: str, value, epoch) -> str | None:
    """A cell from its opening `<c r="…" s="…"`: the value typed as Excel reads it (a blank: the tag closed), or
    None for a value the fast writers leave to openpyxl (a timezone-aware time, an object of another kind)."""
    if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
        return start + "/>"
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'{start} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'{start} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"{start}><v>{format(value, '.16g')}</v></c>"
    if isinstance(value, date) and getattr(value, "tzinfo", None) is None:
        return f"{start}><v>{format(to_excel(value, epoch), '.16g')}</v></c>"
    return None


def _text(value: str) -> str:
    return escape(_CONTROL.sub(lambda found: "_x005F_x" if found[0] == "_x" else f"_x{ord(found[0]):04X}_", value))


def _style_id(workbook: Workbook, sheet: Worksheet, bold: bool = False, date_format: str | None = None) -> int:
    """The number in styles.xml of a bold or a dated cell style, registered through a cell outside the sheet."""
    scratch = Cell(sheet)
    if bold:
        scratch.font = Font(bold=True)
    if date_format:
        scratch.number_format = date_format
    return _StyleIds(workbook).of(scratch)


# ---------------------------------------------------------------- rows written straight as XML, beside a sheet's cells

_ROW_START = re.compile(r'<row r="(\d+)"')
_MERGE_CELLS = re.compile(r'<mergeCells count="(\d+)">')


@dataclass
class SheetRows:
    """A sheet's rows written straight as XML, for `save_workbook_with_rows`."""

    rows: dict[int, bytes]  # row number → its `<row>` element, in UTF-8
    last_column: int  # the last column the rows use
    merges: list[str] = field(default_factory=list)  # ranges merged within those rows, e.g. "B8:I8"


def save_workbook_with_rows(
    workbook: Workbook, streamed: dict[Worksheet, SheetRows], min_cells: int = FAST_WRITE_MIN_CELLS
) -> bytes:
    """As `save_workbook_fast`, and each sheet of `streamed` also gets those rows, written in place of the sheet's
    own cells in those rows, and their merged ranges.

    A long table written this way has no cell objects (one costs openpyxl about 1 KB and 10 µs), and its rows go
    into the package one by one, never joined into one text. The sheet's own cells (above and below the table)
    must be ones the fast writer writes: check with `writes_fast` first.
    """
    taken: dict[Worksheet, tuple[Iterator[bytes], str, list[str]]] = {}
    for sheet in workbook.worksheets:
        given = streamed.get(sheet)
        if given is None and len(_stored_cells(sheet)) < min_cells:
            continue
        xml = _sheet_data_xml(workbook, sheet)  # registers the cell styles before styles.xml is written
        if xml is None:
            if given is not None:
                raise ValueError(f"{sheet.title!r}: cells the fast writer cannot write beside the rows given")
            continue
        if given is not None and given.merges and not sheet.merged_cells.ranges:
            for merged in given.merges:  # no <mergeCells> of the sheet's own to add them to: openpyxl writes them
                sheet.merged_cells.ranges.add(CellRange(merged))
            given = replace(given, merges=[])
        dimension = _joined_dimension(sheet, given) if given and given.rows else sheet.calculate_dimension()
        rows = _rows_in_order(xml, given.rows if given else {})
        taken[sheet] = (rows, dimension, given.merges if given else [])
    buffer = io.BytesIO()
    with _cells_set_aside(list(taken)):
        workbook.save(buffer)
    if not taken:
        return buffer.getvalue()
    return _with_sheet_rows(buffer, {sheet.path.lstrip("/"): parts for sheet, parts in taken.items()})


def writes_fast(workbook: Workbook, sheet: Worksheet) -> bool:
    """Whether the fast writer writes every cell the sheet holds (no formula, comment, rich text, error value)."""
    return _sheet_data_xml(workbook, sheet) is not None


def _with_sheet_rows(saved: io.BytesIO, parts: dict[str, tuple[Iterator[bytes], str, list[str]]]) -> bytes:
    """The saved package with each named part's `<sheetData>` made of the rows given (`<row>` elements in UTF-8,
    in order), written into the package as they come, its `<dimension>` replaced and the merged ranges given added
    to its `<mergeCells>`."""
    result = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename not in parts:
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            rows, dimension, merges = parts[info.filename]
            text = data.decode("utf-8")
            match = _SHEET_DATA.search(text)
            if match is None:
                raise RuntimeError(f"openpyxl wrote {info.filename} without <sheetData>")
            head = _DIMENSION.sub(f'<dimension ref="{dimension}"/>', text[: match.start()], count=1)
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            with target.open(entry, "w") as out:
                out.write(head.encode("utf-8") + b"<sheetData>")
                batch: list[bytes] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 1_000:  # a write per row would cost the compressor a call per row
                        out.write(b"".join(batch))
                        batch = []
                out.write(b"".join(batch))
                out.write(b"</sheetData>" + _with_merges(text[match.end() :], merges).encode("utf-8"))
    return result.getvalue()


def _with_merges(tail: str, merges: list[str]) -> str:
    """The part of a sheet's XML after `<sheetData>`, with `merges` added to its `<mergeCells>`."""
    if not merges:
        return tail
    found = _MERGE_CELLS.search(tail)
    if found is None:
        raise RuntimeError("openpyxl wrote a sheet with merged cells without <mergeCells>")
    added = "".join(f'<mergeCell ref="{merged}"/>' for merged in merges)
    opening = f'<mergeCells count="{int(found[1]) + len(merges)}">'
    return tail[: found.start()] + opening + added + tail[found.end() :]


def _rows_in_order(own: str, streamed: dict[int, bytes]) -> Iterator[bytes]:
    """The `<row>` elements of `own` (a `<sheetData>` as `_sheet_data_xml` wrote it) and the streamed ones (which
    replace own rows of the same number), by row number, in UTF-8."""
    body = own[len("<sheetData>") : -len("</sheetData>")] if own != "<sheetData/>" else ""
    starts = [(int(found[1]), found.start()) for found in _ROW_START.finditer(body)]
    rows: dict[int, str | bytes] = {
        row: body[start : starts[index + 1][1] if index + 1 < len(starts) else len(body)]
        for index, (row, start) in enumerate(starts)
        if row not in streamed
    }
    for row in sorted(rows.keys() | streamed.keys()):
        yield streamed[row] if row in streamed else rows[row].encode("utf-8")


def _joined_dimension(sheet: Worksheet, given: SheetRows) -> str:
    """The used range of the sheet's own cells and the streamed rows (columns A..their last) together."""
    bounds = [(1, min(given.rows), max(given.last_column, 1), max(given.rows))]
    if _stored_cells(sheet):
        rows = [row for row, _ in _stored_cells(sheet)]
        columns = [column for _, column in _stored_cells(sheet)]
        bounds.append((min(columns), min(rows), max(columns), max(rows)))
    left, top = min(bound[0] for bound in bounds), min(bound[1] for bound in bounds)
    right, bottom = max(bound[2] for bound in bounds), max(bound[3] for bound in bounds)
    return f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"
