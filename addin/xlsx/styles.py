"""The look shared by every workbook baocao writes (official documents use Times New Roman)."""

import math

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

FONT = "Times New Roman"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
# a form field's column width and number format, by its type
DEFAULT_WIDTHS = {"date": 13, "integer": 10, "decimal": 12, "select_one": 22, "email": 26, "phone": 16, "text": 30}
NUMBER_FORMATS = {"date": "dd/mm/yyyy", "integer": "#,##0", "decimal": "#,##0.##"}


def font(size: float = 12, bold: bool = False, italic: bool = False, color: str | None = None) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic, color=color)


def fit_row_height(sheet: Worksheet, row: int, text: str, width: float, minimum: float = 16) -> None:
    """Give a wrapped text's row room for all its lines (LibreOffice does not re-measure rows)."""
    height = max(wrapped_height(text, width, minimum), sheet.row_dimensions[row].height or 0)
    sheet.row_dimensions[row].height = height


def wrapped_height(text: str, width: float, minimum: float = 16) -> float:
    """The height (points) a row needs to show `text` wrapped in a column `width` characters wide."""
    lines = sum(max(1, math.ceil(len(part) / max(width * 1.1, 1))) for part in str(text).split("\n"))
    return max(minimum, 15.75 * lines + 3)
