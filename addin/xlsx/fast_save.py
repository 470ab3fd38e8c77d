"""Saving a workbook whose big sheets' cells are written by this module, about ten times faster than openpyxl
(the summary's annexes, the findings workbook).

openpyxl without lxml spends ~30 µs a cell (70,000 cells: 2 s). Each big sheet's cells and row settings are taken
out while openpyxl writes everything else (styles, merges, print settings, charts), then its `<sheetData>`, as
openpyxl would have written it, is put into the saved part. A sheet with anything the fast writer does not handle
is left to openpyxl. This mirrors openpyxl 3.1.5's sheet writer (pinned in pyproject.toml); the few reads of its
internals are each in one small function below.
"""

import heapq
import io
import itertools
import math
import re
import tempfile
import weakref
import zipfile
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import partial
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.dimensions import DimensionHolder, RowDimension
from openpyxl.worksheet.worksheet import Worksheet

FAST_WRITE_MIN_CELLS = 2_000
_PLAIN_KINDS = ("n", "s", "d", "b")  # openpyxl's data types of a plain value (not a formula, an error, rich text)
_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.DOTALL)
_DIMENSION = re.compile(r"<dimension ref=\"[^\"]*\"\s*/>")
# A stream's rows are kept in memory up to this many bytes of XML, beyond it in a temporary file: the annexes of
# 10,000 returns are some 50 MB of XML, which the summary would otherwise hold until the workbook is saved. At
# 8 MB, the two annexes under it (3.5 and 5 MB at 10,000) still cost the summary's peak 12 MB; the file costs
# no measurable time at 1,000 returns.
SPOOL_BYTES = 1 << 20


def save_workbook_fast(
    workbook: Workbook, min_cells: int = FAST_WRITE_MIN_CELLS, streamed: "dict[Worksheet, RowStream] | None" = None
) -> bytes:
    """The workbook as .xlsx bytes; sheets of at least `min_cells` cells get their `<sheetData>` from here, and
    so does each sheet of `streamed`: its own cells (a header) followed by the stream's rows."""
    streamed = streamed or {}
    taken: dict[Worksheet, tuple[Iterable[str | bytes], str, list[str]]] = {}
    for sheet in workbook.worksheets:
        stream = streamed.get(sheet)
        if stream is not None or len(stored_cells(sheet)) >= min_cells:
            # registers the cell styles before styles.xml is written
            xml = _sheet_data_xml(workbook, sheet, stream)
            if xml is not None:
                dimension = stream.dimension() if stream else sheet.calculate_dimension()
                taken[sheet] = (xml, dimension, stream.merges if stream else [])
            elif stream is not None:
                raise ValueError(f"{sheet.title!r}: cells the fast writer cannot write above the streamed rows")
    buffer = io.BytesIO()
    with _cells_set_aside(list(taken)):
        workbook.save(buffer)
    if not taken:
        return buffer.getvalue()
    return _with_sheet_data(buffer, {sheet.path.lstrip("/"): parts for sheet, parts in taken.items()})


class RowStream:
    """A sheet's long table written straight to `<sheetData>` rows, with no cell objects (a cell object costs
    openpyxl about 1 KB and 10 µs: the findings workbook of 10,000 returns has some 260,000 cells).

    Rows are added in order, below the sheet's own cells (its header), and spooled (see SPOOL_BYTES) until the
    workbook is saved. A value is written as `cell_xml` writes it; each cell's style is a number from
    `style_number`. A cell that carries a hyperlink is also made in the sheet (`link`), empty, because openpyxl
    writes the links and their relationships from cells.
    """

    def __init__(self, workbook: Workbook, sheet: Worksheet):
        self.sheet, self.epoch = sheet, workbook.epoch
        self.numbers = array("q")  # the rows added, in order
        self._ends = array("q")  # where each row's XML ends in the spool
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed with the stream)
        weakref.finalize(self, self._spool.close)
        self.last_column = 1
        self.merges: list[str] = []  # ranges merged within the rows, e.g. "B8:I8"

    def add(self, row: int, cells: Sequence[tuple[object, int]], height: float | None = None) -> None:
        """Row `row`: (value, style number) from column A on; a None value with style 0 is left out."""
        parts = [f'<row r="{row}"' + (f' ht="{format(height, "g")}" customHeight="1">' if height else ">")]
        for column, (value, style) in enumerate(cells, start=1):
            if value is None and not style:
                continue
            start = f'<c r="{get_column_letter(column)}{row}"' + (f' s="{style}"' if style else "")
            parts.append(cell_xml(start, value, self.epoch) or cell_xml(start, str(value), self.epoch))
        parts.append("</row>")
        self.put(row, "".join(parts), len(cells))

    def put(self, row: int, xml: str, columns: int) -> None:
        """Row `row` as its finished `<row>` XML, with cells up to column number `columns`."""
        if row <= self.last_row:
            raise ValueError(f"row {row} written after row {self.last_row}")
        self._spool.write(xml.encode("utf-8"))  # UTF-8: half the size of str for Vietnamese text in ASCII markup
        self.numbers.append(row)
        self._ends.append(self._spool.tell())
        self.last_column = max(self.last_column, columns)

    @property
    def last_row(self) -> int:
        """The last row added (0 before any)."""
        return self.numbers[-1] if self.numbers else 0

    def rows_xml(self) -> Iterator[tuple[int, bytes]]:
        """Each row added and its XML, in order."""
        self._spool.seek(0)
        start = 0
        try:
            for row, end in zip(self.numbers, self._ends, strict=True):
                yield row, self._spool.read(end - start)
                start = end
        finally:
            self._spool.seek(0, io.SEEK_END)  # where rows added later go

    def link(self, row: int, column: int, target: str) -> None:
        self.sheet.cell(row=row, column=column).hyperlink = target

    def merge(self, row: int, first: int, last: int) -> None:
        """Merge columns first..last of a streamed row; written with the rows (openpyxl's merged ranges cost it
        some 60 µs each, a listing has one per unit)."""
        self.merges.append(f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}")

    def dimension(self) -> str:
        sheet = self.sheet
        own_rows, own_columns = sheet.max_row if stored_cells(sheet) else 1, sheet.max_column
        last_row = max(own_rows, self.last_row)
        return f"A1:{get_column_letter(max(own_columns, self.last_column))}{last_row}"


def stored_cells(sheet: Worksheet) -> dict[tuple[int, int], Cell]:
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


def _with_sheet_data(saved: io.BytesIO, parts: dict[str, tuple[Iterable[str | bytes], str, list[str]]]) -> bytes:
    """The saved package with each named part's `<sheetData>` (empty, or the hyperlinked cells alone) and
    `<dimension>` replaced, and the merged ranges given added; the new `<sheetData>` is written piece by piece,
    never joined whole in memory."""
    result = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            info.compress_type = zipfile.ZIP_DEFLATED
            if info.filename not in parts:
                target.writestr(info, data)
                continue
            pieces, dimension, merges = parts[info.filename]
            text = data.decode("utf-8")
            match = _SHEET_DATA.search(text)
            if match is None:
                raise RuntimeError(f"openpyxl wrote {info.filename} without <sheetData>")
            head = _DIMENSION.sub(f'<dimension ref="{dimension}"/>', text[: match.start()], count=1)
            with target.open(info, "w") as member:
                _write_pieces(member, itertools.chain([head], pieces, [_with_merges(text[match.end() :], merges)]))
    return result.getvalue()


_MERGE_CELLS = re.compile(r'<mergeCells count="(\d+)">')
# What follows <mergeCells> in a worksheet (ECMA-376 CT_Worksheet); openpyxl always writes <pageMargins>.
_AFTER_MERGES = re.compile(
    r"<(?:phoneticPr|conditionalFormatting|dataValidations|hyperlinks|printOptions|pageMargins)\b"
)


def _with_merges(tail: str, merges: list[str]) -> str:
    """The sheet's XML after `<sheetData>`, with `merges` added to its `<mergeCells>` (made if it has none)."""
    if not merges:
        return tail
    added = "".join(f'<mergeCell ref="{merged}"/>' for merged in merges)
    found = _MERGE_CELLS.search(tail)
    if found is not None:
        opening = f'<mergeCells count="{int(found[1]) + len(merges)}">'
        return tail[: found.start()] + opening + added + tail[found.end() :]
    place = _AFTER_MERGES.search(tail)
    if place is None:
        raise RuntimeError("openpyxl wrote a sheet without <pageMargins>")
    return tail[: place.start()] + f'<mergeCells count="{len(merges)}">{added}</mergeCells>' + tail[place.start() :]


def _write_pieces(member, pieces: Iterable[str | bytes]) -> None:
    """Write text and bytes pieces as UTF-8, in writes of about a megabyte (one per piece would be slow)."""
    batch = bytearray()
    for piece in pieces:
        batch += piece.encode("utf-8") if isinstance(piece, str) else piece
        if len(batch) >= 1 << 20:
            member.write(batch)
            batch.clear()
    member.write(batch)


def _sheet_data_xml(
    workbook: Workbook, sheet: Worksheet, stream: RowStream | None = None
) -> Iterator[str | bytes] | None:
    """`<sheetData>` as openpyxl writes it (inline strings, dates as serial numbers), in pieces, or None when the
    sheet has formulas, comments, rich text or error values. A hyperlink is not in the cell: openpyxl writes it
    apart. The `stream`'s rows are written as given, in place of the sheet's cells in those rows.

    The sheet's own rows are written now (registering their styles before styles.xml is); the stream's are read
    as the pieces are."""
    if workbook.iso_dates:
        return None
    streamed = set(stream.numbers) if stream else set()
    rows: dict[int, list] = defaultdict(list)
    for (row, _), cell in sorted(stored_cells(sheet).items()):
        if row not in streamed:
            rows[row].append(cell)
    for row in sheet.row_dimensions.keys() - rows.keys() - streamed:
        rows[row] = []
    style_ids = _StyleIds(workbook)
    own = []
    for row in sorted(rows):
        xml = _row_xml(workbook, sheet, row, rows[row], style_ids)
        if xml is None:
            return None
        own.append((row, xml))
    return _in_row_order(own, stream.rows_xml() if stream else iter(()))


def _row_xml(workbook: Workbook, sheet: Worksheet, row: int, cells: list[Cell], style_ids: _StyleIds) -> str | None:
    """One row of the sheet's own cells as openpyxl writes it, or None for a cell the fast writer leaves to it."""
    attributes = {"r": str(row)}
    dimension = sheet.row_dimensions.get(row)
    if dimension is not None:
        attributes.update(dimension)
    parts = ["<row" + "".join(f' {key}="{escape(value)}"' for key, value in attributes.items()) + ">"]
    for cell in cells:
        if cell.comment is not None:
            return None
        value, kind = cell.value, cell.data_type
        styled = cell.has_style
        if value is None and not styled:
            continue
        start = f'<c r="{get_column_letter(cell.column)}{row}"'
        if styled:
            start += f' s="{style_ids.of(cell)}"'
        xml = cell_xml(start, value, workbook.epoch) if kind in _PLAIN_KINDS else None
        if xml is None:
            return None
        parts.append(xml)
    parts.append("</row>")
    return "".join(parts)


def _in_row_order(own: list[tuple[int, str]], streamed: Iterator[tuple[int, bytes]]) -> Iterator[str | bytes]:
    yield "<sheetData>"
    for _, xml in heapq.merge(own, streamed, key=lambda numbered: numbered[0]):
        yield xml
    yield "</sheetData>"


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
        parts[sheet] = (_table_xml(workbook, sheet, header, columns), f"A1:{last}{rows + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_sheet_data(buffer, {sheet.path.lstrip("/"): (*parts, []) for sheet, parts in parts.items()})


def _table_xml(workbook: Workbook, sheet: Worksheet, header: list[str], columns: list[list]) -> Iterator[str]:
    """The table's `<sheetData>`, a row at a time as the package is written (a tidy table of 10,000 units is some
    40 MB of XML: joined whole, it was the summary's largest use of memory). Its two styles are registered now,
    before the workbook's styles are written."""
    bold, dated = _style_id(workbook, sheet, bold=True), _style_id(workbook, sheet, date_format="dd/mm/yyyy")
    letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
    epoch = workbook.epoch

    def rows() -> Iterator[str]:
        yield '<sheetData><row r="1">' + "".join(
            f'<c r="{letter}1" s="{bold}" t="inlineStr"><is><t>{_text(text)}</t></is></c>'
            for letter, text in zip(letters, header, strict=True)
        )
        yield "</row>"
        texts: dict[str, str] = {}  # a short text's XML after `<c r="…"`, made once (codes and choices repeat)
        for number, values in enumerate(zip(*columns, strict=True), start=2):
            parts = [f'<row r="{number}">']
            for letter, value in zip(letters, values, strict=True):
                if value is None or value == "":
                    continue
                if isinstance(value, str) and len(value) <= 64:
                    tail = texts.get(value)
                    if tail is None:
                        tail = texts[value] = cell_xml("", value, epoch)
                    parts.append(f'<c r="{letter}{number}"{tail}')
                    continue
                start = f'<c r="{letter}{number}"' + (f' s="{dated}"' if isinstance(value, date) else "")
                parts.append(cell_xml(start, value, epoch) or cell_xml(start, str(value), epoch))
            parts.append("</row>")
            yield "".join(parts)
        yield "</sheetData>"

    return rows()


def cell_xml(start: str, value, epoch) -> str | None:
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


def style_number(workbook: Workbook, cell: Cell) -> int:
    """The number in styles.xml of `cell`'s style (a scratch cell styled as wanted), registered there now."""
    return _StyleIds(workbook).of(cell)


def _style_id(workbook: Workbook, sheet: Worksheet, bold: bool = False, date_format: str | None = None) -> int:
    """The number in styles.xml of a bold or a dated cell style, registered through a cell outside the sheet."""
    scratch = Cell(sheet)
    if bold:
        scratch.font = Font(bold=True)
    if date_format:
        scratch.number_format = date_format
    return style_number(workbook, scratch)


def writes_fast(workbook: Workbook, sheet: Worksheet) -> bool:
    """Whether the fast writer writes every cell the sheet holds (no formula, comment, rich text, error value)."""
    return _sheet_data_xml(workbook, sheet) is not None
