"""The printed page of an official workbook: A4 set-up, and the two-column document header on top of it.

The header is the one of Vietnamese administrative documents: on the left the parent body over the issuing body
(bold) and the document number; on the right the national title over the motto (both bold) and the italic
place-and-date line. Every text comes from config; this module only draws it.
"""

from dataclasses import dataclass

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from addin.xlsx.limits import cell_text
from addin.xlsx.styles import CENTER, FONT, font

LANDSCAPE_WIDTH = 100  # total column width (characters) above which a table prints landscape
PAGE_FOOTER = "Trang &P/&N"  # "Page 3/7"
HEADER_LEFT_SHARE = 0.4  # the left column of the header takes about this much of the width


def is_wide(total_width: float) -> bool:
    """Whether columns this wide (in characters) need a landscape page."""
    return total_width > LANDSCAPE_WIDTH


def set_up_a4(
    sheet: Worksheet,
    landscape: bool,
    title_rows: tuple[int, int] | None = None,
    side_margin: float = 0.5,
    top_bottom_margin: float | None = 0.6,
) -> None:
    """Print on A4, fitted to the page width (as many pages down as needed), centred, numbered in the footer.

    `title_rows` (first, last) are repeated at the top of every printed page. Margins are in inches; a
    `top_bottom_margin` of None leaves openpyxl's default.
    """
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = side_margin
    if top_bottom_margin is not None:
        sheet.page_margins.top = sheet.page_margins.bottom = top_bottom_margin
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = PAGE_FOOTER
    sheet.oddFooter.center.font = FONT
    if title_rows is not None:
        sheet.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"


@dataclass(frozen=True)
class OfficialHeader:
    """The texts of the two-column header; an empty text leaves its line blank."""

    parent_body: str  # "UBND TỈNH LÀO CAI"
    issuing_body: str  # "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    document_number: str  # "Số: …/BC-SGDĐT"
    national_title: str  # "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto: str  # "Độc lập - Tự do - Hạnh phúc"
    place_date: str  # "Lào Cai, ngày … tháng … năm 2019"


def header_split(widths: list[float]) -> int:
    """The last column of the header's left half: where the running width first reaches its share."""
    total, running = sum(widths), 0.0
    for index, width in enumerate(widths[:-1], start=1):
        running += width
        if running >= HEADER_LEFT_SHARE * total:
            return index
    return max(1, len(widths) - 1)


def draw_official_header(
    sheet: Worksheet, header: OfficialHeader, split: int, last: int, first_row: int = 1, row_height: float = 18
) -> int:
    """Draw the header on three rows from `first_row`: columns 1..split on the left, split+1..last on the right.

    Returns the row under the header.
    """
    left = [(header.parent_body, font()), (header.issuing_body, font(bold=True)), (header.document_number, font())]
    right = [
        (header.national_title, font(bold=True)),
        (header.motto, font(bold=True)),
        (header.place_date, font(italic=True)),
    ]
    row = first_row
    for (left_text, left_font), (right_text, right_font) in zip(left, right, strict=True):
        merged_text(sheet, row, 1, split, left_text, left_font)
        merged_text(sheet, row, split + 1, last, right_text, right_font)
        sheet.row_dimensions[row].height = row_height
        row += 1
    return row


def merged_text(
    sheet: Worksheet, row: int, first: int, last: int, text: str | None, cell_font: Font, alignment: Alignment = CENTER
):
    """A text across columns first..last of a row, merged; always stored as text, never as a formula."""
    cell = sheet.cell(row=row, column=first)
    if text:
        cell.value = cell_text(ILLEGAL_CHARACTERS_RE.sub("", text))
        cell.data_type = "s"
    cell.font, cell.alignment = cell_font, alignment
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    return cell
