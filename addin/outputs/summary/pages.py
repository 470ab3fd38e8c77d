"""Where an annex's printed pages end: a fixed scale that fits the table to the page width, and manual row breaks
placed so that no page ends on a heading (a unit group, a unit's band) and a signature block never stands alone.

Excel and LibreOffice both honour manual breaks only without "fit to page", so the scale is computed here, from the
column widths as LibreOffice prints them (wider than Excel's pixels: Excel then leaves a little margin). The
page height is estimated on the safe side: LibreOffice adding a break of its own before one of ours would leave a
near-empty page, a page a little short of full costs nothing.
"""

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

PRINTABLE_PIXELS = {"landscape": 1026, "portrait": 697}  # A4 width less 0.5" margins, pixels at 96 dpi
PIXELS_PER_WIDTH = 9.5  # a unit of Excel column width as LibreOffice prints it (measured: 9.35–9.43), safe side
PAGE_POINTS = {"landscape": 595, "portrait": 842}  # A4 height
SAFETY = 0.97  # share of the estimated page height filled
DEFAULT_WIDTH = 9
KEEP_WITH_SIGNATURE = 2  # data rows that go to the signature's page rather than leave it alone


def column_pixels(sheet: Worksheet, first: int, last: int) -> int:
    total = 0
    for column in range(first, last + 1):
        dimension = sheet.column_dimensions.get(get_column_letter(column))
        width = dimension.width if dimension is not None and dimension.width else DEFAULT_WIDTH
        total += width * PIXELS_PER_WIDTH
    return int(total + 0.5)


def fixed_scale(sheet: Worksheet, last_column: int) -> int:
    """Print at the largest whole-percent scale at which columns A..last fit the page width; returns it."""
    orientation = sheet.page_setup.orientation or "portrait"
    scale = max(10, min(100, int(100 * PRINTABLE_PIXELS[orientation] / column_pixels(sheet, 1, last_column))))
    sheet.sheet_properties.pageSetUpPr.fitToPage = False
    sheet.page_setup.scale = scale
    return scale


def row_height(sheet: Worksheet, row: int, heights: dict[int, float | None] | None = None) -> float:
    """A row's height; `heights`: those of rows written without openpyxl (None: the sheet's default)."""
    if heights is not None and row in heights:
        height = heights[row]
    else:
        dimension = sheet.row_dimensions.get(row)
        height = dimension.height if dimension is not None else None
    return height or sheet.sheet_format.defaultRowHeight or 15


def page_rows(sheet: Worksheet, scale: int) -> float:
    """The points of rows (at 100 %) that one printed page holds, on the safe side."""
    orientation = sheet.page_setup.orientation or "portrait"
    margins = sheet.page_margins
    usable = PAGE_POINTS[orientation] - 72 * ((margins.top or 0.75) + (margins.bottom or 0.75)) - 14
    return usable * SAFETY * 100 / scale


def paginate(
    sheet: Worksheet,
    last_column: int,
    last_row: int,
    title_rows: tuple[int, int] | None,
    headings: set[int],
    signature: tuple[int, int] | None = None,
    scale: int | None = None,
    heights: dict[int, float | None] | None = None,
) -> list[int]:
    """Fix the scale and put row breaks: never after a heading row, never before a signature block alone.

    `title_rows` are repeated on every page after the first (they count against its height); `signature` is the
    block (first, last row) kept with the rows above it; `heights`: as `row_height` takes them. Returns the rows that
    end a page.
    """
    scale = scale or fixed_scale(sheet, last_column)  # a matrix comes with its own, set for its widest page
    capacity = page_rows(sheet, scale)
    repeated = (
        0.0
        if title_rows is None
        else sum(row_height(sheet, r, heights) for r in range(title_rows[0], title_rows[1] + 1))
    )
    breaks: list[int] = []
    used, row = 0.0, 1
    page_first = 1
    while row <= last_row:
        height = row_height(sheet, row, heights)
        if signature and row == signature[0]:
            height = sum(row_height(sheet, r, heights) for r in range(signature[0], signature[1] + 1))
        if used + height > capacity and row > page_first:
            end = row - 1
            while end in headings and end > page_first:
                end -= 1  # a heading goes to the next page with its rows
            if signature and row == signature[0]:
                end = max(page_first, row - 1 - KEEP_WITH_SIGNATURE)
                while end in headings and end > page_first:
                    end -= 1
            breaks.append(end)
            page_first, row, used = end + 1, end + 1, repeated
            continue
        used += height
        if signature and row == signature[0]:
            row = signature[1] + 1
            continue
        row += 1
    sheet.row_breaks = RowBreak(brk=[Break(id=end) for end in breaks])  # append checks the whole list every time
    return breaks
