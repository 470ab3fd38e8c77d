"""Drawing the summary layout from config: per annex its «Phụ lục» titles, table header and prototype data row (and,
when annexes stand alone, the official header and signature block), with the names the filler finds them by."""

import hashlib
import io
import json

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from addin import __version__
from addin.config import Annex, CampaignConfig
from addin.contract import META_SHEET
from addin.errors import BaocaoError
from addin.outputs.summary.columns import CHART_WIDTHS, Column, annex_columns
from addin.outputs.summary.form import draw_header, draw_signature, draw_titles
from addin.outputs.summary.names import data_name, define, head_name
from addin.xlsx.page import is_wide, set_up_a4
from addin.xlsx.styles import BOX, CENTER, HEADER_FILL, fit_row_height, font

LAYOUT_VERSION = "2"  # bump when the code draws the layout differently: campaigns' layouts are then rebuilt


def layout_fingerprint(config: CampaignConfig) -> str:
    """Changes whenever anything drawn on the summary layout changes (not the units: data rows are drawn later)."""
    data = config.model_dump(mode="json", include={"summary", "form", "document_header", "issuer"})
    data["summary"].pop("report_date", None)  # dates are written on every build, never drawn into the layout
    data["layout_version"] = LAYOUT_VERSION
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build_layout(config: CampaignConfig) -> bytes:
    """The summary layout of a config as .xlsx bytes: header blocks, titles, table headers, signature blocks."""
    annexes = config.summary.annexes
    if not annexes:
        raise BaocaoError("Cấu hình chưa có phụ lục nào cho báo cáo tổng hợp (mục summary.annexes); hãy bổ sung.")
    if any(annex.sheet.casefold() == META_SHEET for annex in annexes):
        raise BaocaoError(f"Tên trang «{META_SHEET}» đã dành cho hệ thống; hãy đặt tên phụ lục khác.")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, annex in enumerate(annexes, start=1):
        _draw_annex(workbook, workbook.create_sheet(annex.sheet), config, number, annex)
    meta = workbook.create_sheet(META_SHEET)
    rows = {
        "layout": "bang_tong_hop",
        "summary_fingerprint": layout_fingerprint(config),
        "campaign_id": config.campaign.id,
        "generator": f"baocao {__version__}",
    }
    for row, (key, value) in enumerate(rows.items(), start=1):
        meta.cell(row=row, column=1, value=key)
        meta.cell(row=row, column=2, value=value).data_type = "s"
    meta.sheet_state = "veryHidden"
    workbook.active = 0
    workbook.properties.title = config.summary.title
    workbook.properties.creator = f"baocao {__version__}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _draw_annex(workbook: Workbook, sheet: Worksheet, config: CampaignConfig, number: int, annex: Annex) -> None:
    columns = annex_columns(config, annex)
    widths = [column.width for column in columns] or CHART_WIDTHS
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    standalone = config.summary.standalone_annexes
    row = draw_header(sheet, config, widths) + 1 if standalone else 1
    row = draw_titles(sheet, config, number, annex.title, widths, row)
    last = len(widths)
    if annex.kind == "charts":
        define(workbook, data_name(number), sheet, row, row, last)
        set_up_a4(sheet, landscape=True)
        return
    head_top = row
    first = _draw_table_header(sheet, columns, row)
    define(workbook, head_name(number), sheet, head_top, first - 1, last)
    define(workbook, data_name(number), sheet, first, first, last)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=first, column=index)
        cell.font, cell.border, cell.alignment = font(), BOX, column.align
        cell.number_format = column.number_format
    if standalone:
        draw_signature(sheet, config, first + 2, widths)
    sheet.freeze_panes = f"A{first}"
    sheet.sheet_format.defaultRowHeight = 17  # room for Times New Roman 12 without a height on every data row
    sheet.sheet_format.customHeight = True
    landscape = annex.kind == "matrix" or is_wide(sum(widths))  # a matrix only grows
    set_up_a4(sheet, landscape=landscape, title_rows=(head_top, first - 1))


def _draw_table_header(sheet: Worksheet, columns: list[Column], top: int) -> int:
    """One or two label rows (a group label over its columns' labels) and the "(1) (2) …" row; returns the row
    under them."""
    two_levels = any(column.group for column in columns)
    label_row = top + 1 if two_levels else top
    numbers_row = label_row + 1
    for index, column in enumerate(columns, start=1):
        row = top if two_levels and not column.group else label_row
        sheet.cell(row=row, column=index, value=column.label)
        sheet.cell(row=numbers_row, column=index, value=f"({index})")
    runs: list[tuple[str, int, int]] = []
    for index, column in enumerate(columns, start=1):
        if column.group and runs and runs[-1][0] == column.group and runs[-1][2] == index - 1:
            runs[-1] = (column.group, runs[-1][1], index)
        elif column.group:
            runs.append((column.group, index, index))
    for label, first, _ in runs:
        sheet.cell(row=top, column=first, value=label)
    for row in range(top, numbers_row + 1):
        for index in range(1, len(columns) + 1):
            cell = sheet.cell(row=row, column=index)
            cell.font = font(bold=row < numbers_row, italic=row == numbers_row)
            cell.alignment, cell.border, cell.fill = CENTER, BOX, HEADER_FILL
    for row in range(top, numbers_row):
        for index, column in enumerate(columns, start=1):
            text = sheet.cell(row=row, column=index).value
            if text:
                fit_row_height(sheet, row, text, column.width, minimum=20)
    for _, first, last in runs:
        if last > first:
            sheet.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)
    if two_levels:
        for index, column in enumerate(columns, start=1):
            if not column.group:
                sheet.merge_cells(start_row=top, start_column=index, end_row=label_row, end_column=index)
    return numbers_row + 1
