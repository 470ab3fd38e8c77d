"""What a unit's printed return looks like: only the rows in use, the signature never alone on a page.

A table that grows (activities, documents) has room for many rows, but a unit uses a few. Only the first
`INITIAL_GRID_ROWS` rows are drawn (bordered, yellow, numbered); the rows after them hold nothing that prints
(no border, no fill, no formula) and show their grid through conditional formatting once a row just above
is typed in. Pages holding nothing are left out of the print by LibreOffice («suppress output of empty
pages») and, at the end of a sheet, by Excel (Intelliprint, Microsoft KB 288968: a page with only empty,
unformatted cells is blank), so a return prints the rows in use and no empty grid.

The signature is kept with the rows before it by a manual page break, placed when the sheet, as Excel or
LibreOffice lays it out, would otherwise end a page inside the last rows or just before the signature.
"""

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.styles.borders import Border
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.xlsx.styles import THIN

INITIAL_GRID_ROWS = 10  # rows of a growable table drawn from the start (also what a blank template prints)
GROW_AHEAD = 3  # rows drawn past the last row in use, so the next one is always ready to type in
MISSING_FILL = PatternFill("solid", fgColor="FFC7CE")  # a required cell still blank
GRID_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
A4_POINTS = (595.0, 842.0)
SIDE_MARGIN, TOP_BOTTOM_MARGIN = 0.5, 0.5  # inches, as `page_setup` sets them
DEFAULT_ROW = 18.0  # a row without a set height, at 12 pt
# points per character of column width: Excel (7 px), and LibreOffice where Calibri is not installed (wider)
COLUMN_POINTS = (5.25, 7.0)


def draw_grid_as_filled(sheet: Worksheet, first: int, last: int, last_column: int, fill: PatternFill) -> None:
    """Rows first..last show borders and the input fill only when a row up to `GROW_AHEAD` above is in use."""
    letter = get_column_letter(last_column)
    above = max(1, first - GROW_AHEAD)
    condition = f"COUNTA($B{above}:${letter}{first})>0" if last_column > 1 else f"COUNTA($A{above}:$A{first})>0"
    sheet.conditional_formatting.add(
        f"A{first}:{letter}{last}", FormulaRule(formula=[condition], border=GRID_BORDER, fill=fill)
    )


def shade_blank_required(sheet: Worksheet, cells: str, blank_condition: str) -> None:
    """Shade `cells` while `blank_condition` (a required value still blank) holds."""
    sheet.conditional_formatting.add(cells, FormulaRule(formula=[blank_condition], fill=MISSING_FILL))


def _pages(heights: list[float], capacity: float, titles: float, breaks: set[int]) -> list[int]:
    """The page (0, 1, …) each row lands on, rows filling pages of `capacity` points in order."""
    pages, page, used = [], 0, 0.0
    for index, height in enumerate(heights):
        if used and (used + height > capacity or index in breaks):
            page, used = page + 1, titles
        used += height
        pages.append(page)
    return pages


def keep_signature_with_last_rows(
    sheet: Worksheet, widths: list[float], first: int, last: int, tail: list[int]
) -> None:
    """Print the signature on a page with the rows before it, in as few pages as the sheet allows.

    Every way is weighed, as Excel and as LibreOffice lay the sheet out: no page break, or one before each row
    of `tail` (where the rows printed with the signature may start, the preferred first: the last table rows,
    the fields after the table, the two rows before the signature, which must always print with it). Of the
    ways that keep the signature with those two rows, the one with the fewest pages is taken, then the one
    keeping the longest block together, then the one without a break.
    """
    heights = [sheet.row_dimensions[row].height or DEFAULT_ROW for row in range(first, last + 1)]
    titles = _title_rows_height(sheet)
    landscape = sheet.page_setup.orientation == "landscape"
    paper_width, paper_height = A4_POINTS[::-1] if landscape else A4_POINTS
    capacities = []
    for points in COLUMN_POINTS:
        scale = min(1.0, (paper_width - 2 * SIDE_MARGIN * 72) / (sum(widths) * points))
        capacities.append((paper_height - 2 * TOP_BOTTOM_MARGIN * 72) / scale)
    starts = [row - first for row in tail if first < row <= last]
    if not starts:
        return
    best: tuple[tuple[int, int, bool], int | None] | None = None
    for cut in [None, *starts]:
        layouts = [_pages(heights, capacity, titles, set() if cut is None else {cut}) for capacity in capacities]
        if not all(_one_page(pages[starts[-1] :]) for pages in layouts):
            continue
        kept = next((i for i, start in enumerate(starts) if all(_one_page(p[start:]) for p in layouts)), len(starts))
        key = (sum(pages[-1] + 1 for pages in layouts), kept, cut is not None)
        if best is None or key < best[0]:
            best = (key, cut)
    if best is not None and best[1] is not None:
        sheet.row_breaks.append(Break(id=first + best[1] - 1))


def _title_rows_height(sheet: Worksheet) -> float:
    if not sheet.print_title_rows:
        return 0.0
    top, bottom = (int(part.replace("$", "")) for part in sheet.print_title_rows.split(":"))
    return sum(sheet.row_dimensions[row].height or DEFAULT_ROW for row in range(top, bottom + 1))


def _one_page(pages: list[int]) -> bool:
    return len(set(pages)) == 1
