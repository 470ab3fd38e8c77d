"""What a summary layout looks like, annex by annex, in a form that can be stored in its `_meta` sheet and compared:
the table's header labels, the texts above and below it, each cell's look (font, fill, border, alignment, number
format), the rows' heights, the columns' widths and the page's margins.

Recorded when a layout is drawn, it tells later what staff changed in it (`layout_carry`). Rows are counted from
the table: `a<n>` above it (n < 0 from its first header row), `t<n>` the header and prototype rows (n ≤ 0 from the
prototype row), `b<n>` below it (n > 0 from the prototype row), so rows staff insert elsewhere do not shift them.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet

from addin.outputs.summary.names import data_name, head_name, name_target

LOOK_ATTRIBUTES = ("font", "fill", "border", "alignment", "number_format")
PLAIN = ""  # the look of a cell with no style of its own


@dataclass
class AnnexShape:
    """An annex's table, texts and looks in a layout: as drawn (recorded), or as it is now."""

    sheet: str
    table_top: int  # the first header row (charts: the data row)
    head_rows: int  # header rows, the "(1) (2) …" row included; 0 for charts
    data_row: int
    width: int
    labels: list[list[str]]  # per column, its header label texts top to bottom (merged cells spread)
    above: dict[str, str]  # "offset,column" -> text, offset < 0 counted from table_top
    below: dict[str, str]  # "offset,column" -> text, offset > 0 counted from data_row
    looks: dict[str, str] = field(default_factory=dict)  # "<row key>,column" -> look (cells with a style)
    heights: dict[str, float] = field(default_factory=dict)  # row key -> height set
    widths: dict[str, float] = field(default_factory=dict)  # column number -> width set
    page: str = ""  # margins, tab colour, zoom, gridlines

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "AnnexShape":
        return cls(**json.loads(text))

    def row_key(self, row: int) -> str:
        if row < self.table_top:
            return f"a{row - self.table_top}"
        return f"t{row - self.data_row}" if row <= self.data_row else f"b{row - self.data_row}"

    def look_at(self, row: int, column: int) -> str:
        return self.looks.get(f"{self.row_key(row)},{column}", PLAIN)


def annex_shape(workbook: Workbook, number: int) -> AnnexShape | None:
    data = name_target(workbook, data_name(number))
    if data is None:
        return None
    sheet, (_, data_row, width, _) = data
    head = name_target(workbook, head_name(number))
    top, rows = data_row, 0
    if head is not None and head[0] is sheet:
        top, rows = head[1][1], head[1][3] - head[1][1] + 1
    spread = _spread_values(sheet)
    labels = [[spread.get((row, column), "") for row in range(top, top + rows - 1)] for column in range(1, width + 1)]
    above, below = {}, {}
    for (row, column), text in spread.items():
        if row < top:
            above[f"{row - top},{column}"] = text
        elif row > data_row:
            below[f"{row - data_row},{column}"] = text
    shape = AnnexShape(sheet.title, top, rows, data_row, width, labels, above, below, page=page_look(sheet))
    for row in sheet.iter_rows():
        for cell in row:
            if cell.has_style:
                shape.looks[f"{shape.row_key(cell.row)},{cell.column}"] = look(cell)
    for row, dimension in sheet.row_dimensions.items():
        if dimension.height:
            shape.heights[shape.row_key(row)] = dimension.height
    for column in range(1, max(width, sheet.max_column) + 1):
        set_width = column_width(sheet, column)
        if set_width:
            shape.widths[str(column)] = set_width
    return shape


def column_width(sheet: Worksheet, column: int) -> float | None:
    """A column's width as set (None when not), also when Excel saved it within a run of equal columns."""
    for letter, dimension in sheet.column_dimensions.items():
        first = dimension.min or column_index_from_string(letter)
        if first <= column <= (dimension.max or first):
            return dimension.width or None
    return None


def look(cell) -> str:
    """A short fingerprint per look attribute, "." between: which of them staff changed shows by position."""
    if not cell.has_style:
        return PLAIN
    return ".".join(_short(_plain(getattr(cell, attribute))) for attribute in LOOK_ATTRIBUTES)


def changed_attributes(now: str, drawn: str | None) -> tuple[str, ...]:
    """The look attributes that differ between a cell now and as drawn (all when how it was drawn is unknown)."""
    if drawn is None:
        return LOOK_ATTRIBUTES
    if now == drawn:
        return ()
    now_parts, drawn_parts = (text.split(".") if text else [""] * len(LOOK_ATTRIBUTES) for text in (now, drawn))
    return tuple(name for name, a, b in zip(LOOK_ATTRIBUTES, now_parts, drawn_parts, strict=True) if a != b)


def page_look(sheet: Worksheet) -> str:
    margins = sheet.page_margins
    tab = sheet.sheet_properties.tabColor
    return json.dumps(
        [
            [margins.left, margins.right, margins.top, margins.bottom, margins.header, margins.footer],
            tab.rgb if tab is not None else None,
            sheet.sheet_view.zoomScale,
            sheet.sheet_view.showGridLines,
        ]
    )


def _plain(value: object) -> str:
    """What of a style object shows on screen, without the bookkeeping a save in Excel may add or drop."""
    if isinstance(value, str):
        return value
    fields = getattr(value, "__elements__", ()) + getattr(value, "__attrs__", ())
    parts = []
    for name in fields:
        part = getattr(value, name, None)
        if name in ("family", "charset", "scheme", "extLst") or part is None:
            continue
        parts.append(f"{name}={_plain(part) if hasattr(part, '__attrs__') else part!r}")
    return ";".join(parts)


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]


def _spread_values(sheet: Worksheet) -> dict[tuple[int, int], str]:
    """Every text of the sheet by (row, column), a merged range's text at each of its cells."""
    values = {
        (cell.row, cell.column): str(cell.value)
        for row in sheet.iter_rows()
        for cell in row
        if cell.value not in (None, "") and not isinstance(cell, MergedCell)
    }
    for merged in sheet.merged_cells.ranges:
        text = values.get((merged.min_row, merged.min_col))
        if text is not None:
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    values[(row, column)] = text
    return values
