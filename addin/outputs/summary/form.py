"""The official form of the annexes (NĐ 30/2020/NĐ-CP): «Phụ lục I» headings, the «Kèm theo Báo cáo số …» line,
dates written out from the campaign's report date, the words the tables use for a unit's report, and, for an
annex that stands alone, the two-column document header with its two lines and the signature block.

The layout holds the caption and the place-and-date line with placeholders ({so_hieu}, {ngay}, {co_quan}) that
`fill_placeholders` replaces on every build: staff may reword them in the layout, and the date printed is always
`config.report_date()`, never one frozen into the layout.
"""

import re
from datetime import date

from openpyxl.styles import Alignment, Border, Side
from openpyxl.worksheet.worksheet import Worksheet

from addin.config import CampaignConfig
from addin.outputs.summary.facts import UnitFacts
from addin.standing import State
from addin.xlsx.fast_save import stored_cells
from addin.xlsx.page import header_split, merged_text
from addin.xlsx.styles import fit_row_height, font

HEADER_SIZE = 13  # NĐ 30: the header's lines in 12–14 pt; 13 for all of them keeps the two columns level
DEFAULT_CAPTION = "(Kèm theo Báo cáo số {so_hieu} ngày {ngay} của {co_quan})"
DEFAULT_PLACE_DATE = "{noi}, ngày {ngay}"
PLACEHOLDER = re.compile(r"\{(so_hieu|ngay|co_quan|noi)\}")
LINE = Side(style="thin", color="000000")
LINE_ROW_HEIGHT = 5
HEADER_ROWS = 4  # the header's rows: bodies and titles, the bodies' names and the motto, the lines, number and date
_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL")]
_ROMAN += [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]

# What the official tables say of a unit's report. The one standing (addin/standing.py) decides the state; this is
# the only place that turns it into words for the Committee: reports, never our checking states.
REPORTED = "Đã báo cáo"
REPORTED_LATE = "Báo cáo muộn"
NOT_REPORTED = "Chưa báo cáo"
NOT_SUMMED = "số liệu chưa được tổng hợp"


def roman(number: int) -> str:
    text = ""
    for value, letters in _ROMAN:
        while number >= value:
            text, number = text + letters, number - value
    return text


def annex_heading(number: int) -> str:
    return f"Phụ lục {roman(number)}"


def written_date(when: date) -> str:
    """«ngày 05 tháng 02 năm 2020»: NĐ 30 writes a day below 10 and the months 1 and 2 with a leading zero."""
    month = f"{when.month:02d}" if when.month < 3 else str(when.month)
    return f"ngày {when.day:02d} tháng {month} năm {when.year}"


def report_note(each: UnitFacts) -> str:
    """The Ghi chú of a unit in an official table: whether and when it reported, and whether its figures are in."""
    if each.state == State.MISSING:
        return NOT_REPORTED
    if each.included:
        return REPORTED_LATE if each.late else ""
    return f"{REPORTED_LATE if each.late else REPORTED}, {NOT_SUMMED}"


def caption_template(config: CampaignConfig) -> str:
    return config.summary.annex_caption or DEFAULT_CAPTION


def place_date_template(config: CampaignConfig) -> str:
    """The configured place-and-date line when it leaves the date to {ngay}; else the place and the report date."""
    configured = config.summary.place_date
    return configured if "{ngay}" in configured else DEFAULT_PLACE_DATE


def place_date_text(config: CampaignConfig, today: date | None = None) -> str:
    """The place-and-date line of the báo cáo and of a standalone annex, filled («Lào Cai, ngày 19 tháng 12 …»)."""
    text = place_date_template(config)
    for key, value in placeholder_values(config, today).items():
        text = text.replace("{" + key + "}", value)
    return text


def placeholder_values(config: CampaignConfig, today: date | None = None) -> dict[str, str]:
    number = re.sub(r"^\s*Số\s*:?\s*", "", config.summary.document_number) or "…"
    return {
        "so_hieu": number,
        "ngay": written_date(config.report_date(today)).removeprefix("ngày "),
        "co_quan": config.issuer.short_name,
        "noi": config.issuer.place,
    }


def fill_placeholders(sheet: Worksheet, first_row: int, last_row: int, values: dict[str, str]) -> None:
    """Replace {so_hieu}, {ngay}, {co_quan}, {noi} in the texts of rows first_row..last_row.

    Only the cells the sheet holds are looked at (`stored_cells`): `iter_rows` would make one at every empty place
    (some 34,000 above the matrix of 8,000 units)."""
    last_row = max(first_row, last_row)
    for row in range(first_row, last_row + 1):
        sheet.cell(row=row, column=1)  # as `iter_rows` did: an empty row of the range is still written, as before
    for (row, _), cell in stored_cells(sheet).items():
        if first_row <= row <= last_row and isinstance(cell.value, str) and "{" in cell.value:
            cell.value = PLACEHOLDER.sub(lambda match: values[match.group(1)], cell.value)
            cell.data_type = "s"


def draw_titles(sheet: Worksheet, config: CampaignConfig, number: int, title: str, widths: list[float], row: int):
    """«Phụ lục I», the annex title and the «Kèm theo» line (only the first when the annex stands alone, which
    carries its own số and date); returns the row under them."""
    lines = [(annex_heading(number), font(size=14, bold=True)), (title, font(size=13, bold=True))]
    if not config.summary.standalone_annexes:
        lines.append((caption_template(config), font(size=13, italic=True)))
    for text, text_font in lines:
        merged_text(sheet, row, 1, len(widths), text, text_font)
        fit_row_height(sheet, row, text, sum(widths) * 0.85, minimum=20)
        row += 1
    return row + 1


def draw_header(sheet: Worksheet, config: CampaignConfig, widths: list[float], first: int = 1) -> int:
    """The NĐ 30 header of an annex that stands alone, from row 1 over the columns first.. (`widths` wide); returns
    the row under it.

    Left: parent body over the issuing body (bold) with a short line under it, then «Số: …». Right: the national
    title over the motto (bold) with a line as long as the motto, then the italic place and date. The lines are the
    top borders of the cells (under the text's centre) of a thin row; columns are the table's, so a line's length
    is the nearest the columns allow.
    """
    split, last = header_split(widths), len(widths)
    left = [
        (config.issuer.parent, font(size=HEADER_SIZE)),
        (config.issuer.name, font(size=HEADER_SIZE, bold=True)),
        None,
        (config.summary.document_number, font(size=HEADER_SIZE)),
    ]
    right = [
        (config.document_header.national_title, font(size=HEADER_SIZE, bold=True)),
        (config.document_header.motto, font(size=HEADER_SIZE, bold=True)),
        None,
        (place_date_template(config), font(size=HEADER_SIZE, italic=True)),
    ]
    for row, (left_line, right_line) in enumerate(zip(left, right, strict=True), start=1):
        if left_line is None:
            sheet.row_dimensions[row].height = LINE_ROW_HEIGHT
            issuing = len(config.issuer.name) * 1.15
            _line(sheet, row, widths, (1, split), issuing * 0.45, first)
            _line(sheet, row, widths, (split + 1, last), len(config.document_header.motto) * 1.05, first)
            continue
        merged_text(sheet, row, first, first + split - 1, left_line[0], left_line[1])
        merged_text(sheet, row, first + split, first + last - 1, right_line[0], right_line[1])
        sheet.row_dimensions[row].height = 20
    return HEADER_ROWS + 1


def line_columns(widths: list[float], first: int, last: int, length: float) -> tuple[int, int]:
    """The run of columns first..last whose span is centred nearest the middle of first..last and is nearest
    `length` long (in column-width units)."""
    starts = [sum(widths[: index - 1]) for index in range(1, len(widths) + 2)]
    centre = (starts[first - 1] + starts[last]) / 2
    best = (first, last)
    best_score = float("inf")
    for left in range(first, last + 1):
        for right in range(left, last + 1):
            span = starts[right] - starts[left - 1]
            middle = (starts[left - 1] + starts[right]) / 2
            score = 2 * abs(middle - centre) + abs(span - length)  # off centre shows more than a length
            if score < best_score:
                best, best_score = (left, right), score
    return best


def _line(sheet: Worksheet, row: int, widths: list[float], columns: tuple[int, int], length: float, first: int):
    left, right = line_columns(widths, *columns, length)
    for column in range(left + first - 1, right + first):
        sheet.cell(row=row, column=column).border = Border(top=LINE)


def draw_signature(sheet: Worksheet, config: CampaignConfig, row: int, widths: list[float], first: int = 1) -> int:
    """«Nơi nhận:» and the recipients under the left part of the columns first.. (`widths` wide); the signer under
    their right part. Returns the block's last row."""
    summary = config.summary
    split, last = header_split(widths) + first - 1, len(widths) + first - 1
    left = Alignment(horizontal="left", vertical="center")
    end = row + 5
    if summary.recipients:
        merged_text(sheet, row, first, split, "Nơi nhận:", font(bold=True, italic=True), left)
        for index, recipient in enumerate(summary.recipients, start=1):
            mark = "." if index == len(summary.recipients) else ";"
            text = f"- {recipient}" + ("" if recipient[-1:] in ".;" else mark)
            merged_text(sheet, row + index, first, split, text, font(size=11), left)
        end = max(end, row + len(summary.recipients))
    merged_text(sheet, row, split + 1, last, summary.signer_title, font(size=HEADER_SIZE, bold=True))
    merged_text(sheet, row + 5, split + 1, last, summary.signer_name, font(size=HEADER_SIZE, bold=True))
    return end
