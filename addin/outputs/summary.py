"""The official summary workbook (bảng tổng hợp) sent to the Provincial People's Committee.

Two files take part:

- the layout `workbook_templates/bang_tong_hop.xlsx`, built from config the first time, and again only when the
  parts of config it draws change (its very hidden `_meta` sheet carries their fingerprint). Staff may restyle it
  in Excel: fonts, colours, widths, heights, title texts, the signature block, notes under a table, even sheet
  names (Excel keeps the names below pointing at a renamed sheet). They should not add or remove table columns:
  such a layout is set aside and rebuilt. An old layout is kept beside a rebuilt one as
  `bang_tong_hop.cu_<fingerprint>.xlsx`.
- the summary `bang_tong_hop_<campaign id>.xlsx`: the layout loaded with openpyxl and the data written into it, so
  whatever staff did to the layout is in every summary.

Layout convention, per annex n (its 1-based position in `summary.annexes`), as workbook-level defined names:

- `th_pl<n>_head`: the table's header rows (one or two label rows and the "(1) (2) …" row), printed on every page.
- `th_pl<n>_data`: the first data row, as wide as the table. In the layout it holds empty cells whose style every
  data row copies: as it is for unit rows, in bold for group and total rows. Everything below it (the signature
  block, any note staff add) is moved below the data. In the summary the name covers all data rows written.
- The matrix annex's layout has one prototype unit column (3) and the count column after it: every unit column
  copies the prototype's header style, width and cell style.
- The charts annex has only `th_pl<n>_data`: where its tables and charts start; everything from there down is
  rebuilt on every build (openpyxl does not keep charts it loads).

Every value is a plain value, never a formula: totals show the right number in any viewer and a recalculation
cannot change them. Text is always forced to text, so a return's "=..." never becomes a formula.
"""

import hashlib
import io
import itertools
import json
import math
import os
import re
import unicodedata
import zipfile
from collections import defaultdict
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pandas
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.dimensions import DimensionHolder
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin import __version__
from addin.config import Annex, CampaignConfig, Section, UnitEntry
from addin.contract import META_SHEET
from addin.errors import BaocaoError
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.limits import cell_text
from addin.xlsx.styles import BOX, CENTER, DEFAULT_WIDTHS, HEADER_FILL, NUMBER_FORMATS, fit_row_height, font


@dataclass
class MergedCampaign:
    units: pandas.DataFrame
    # one row per unit of config.units, in config order. Columns: order (int, 1-based), unit_code, unit_name,
    # unit_short, group_code ("I", "II", ...), group_name, state (one of "accepted", "accepted_with_errors",
    # "has_errors", "rejected", "not_received"), included (bool: its data is in the sections below),
    # received_at (datetime or NaT), late (bool, or None when not received), file (str or None)
    sections: dict[str, pandas.DataFrame]
    # per form section name (config.form.sections[].name). Only rows of included units. Every frame has
    # columns unit_code, group_code, order (the unit's order), then for table sections a column "row"
    # (1-based row number in the unit's table), then one column per form field name of that section with
    # typed values: int/float for numbers (NaN/None when blank), datetime.date for dates, str for text,
    # and for select_one fields the choice LABEL (e.g. "Đã thực hiện"). Fields sections have one row per unit.


SUMMARY_LAYOUT = "bang_tong_hop.xlsx"
LAYOUT_VERSION = "1"  # bump when the code draws the layout differently: campaigns' layouts are then rebuilt
NAME_PREFIX = "th_"  # "tổng hợp"; the unit templates' names use "bc_"
LANDSCAPE_WIDTH = 100  # total column width (characters) above which an annex prints landscape
TOTAL_LABEL = "Tổng cộng"
STATE_NOTES = {
    "accepted": "",
    "accepted_with_errors": "Đã chấp nhận (còn lỗi)",
    "has_errors": "Chưa đạt (báo cáo còn lỗi phải sửa)",
    "rejected": "Chưa đạt (tệp báo cáo không dùng được)",
    "not_received": "Chưa có báo cáo",
}
TEXT = Alignment(vertical="center", wrap_text=True)
NUMBER = Alignment(horizontal="right", vertical="center")
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
MATRIX_UNITS_PER_PAGE = 8
# Printable width of landscape A4 with 0.5" margins is 1026 px at 96 dpi by Excel's column measure; LibreOffice
# draws the same columns about a fifth wider, so the scale is set for it (Excel then leaves a margin).
A4_LANDSCAPE_PIXELS = 800
A4_LANDSCAPE_POINTS_HIGH = 470  # printable height (595 pt less 0.6" margins and the footer)
CHART_WIDTHS = [36, 14, 14, 14, 3, 11, 11, 11, 11, 11, 11, 11, 11]


def summary_file_name(config: CampaignConfig) -> str:
    return f"bang_tong_hop_{config.campaign.id}.xlsx"


def layout_fingerprint(config: CampaignConfig) -> str:
    """Changes whenever anything drawn on the summary layout changes (not the units: data rows are drawn later)."""
    data = config.model_dump(mode="json", include={"summary", "form", "document_header", "issuer"})
    data["layout_version"] = LAYOUT_VERSION
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def data_name(number: int) -> str:
    return f"{NAME_PREFIX}pl{number}_data"


def head_name(number: int) -> str:
    return f"{NAME_PREFIX}pl{number}_head"


# ---------------------------------------------------------------- table columns of each annex kind


@dataclass(frozen=True)
class Column:
    label: str
    width: float
    group: str = ""
    number_format: str = "General"
    align: Alignment = field(default=TEXT)


def annex_columns(config: CampaignConfig, annex: Annex) -> list[Column]:
    """The table columns an annex's layout draws (empty for charts)."""
    tt = Column("TT", 5, align=CENTER)
    if annex.kind == "by_unit":
        figures = [
            Column(column.label, 12, column.group, _figure_format(config, column.sum), NUMBER)
            for column in annex.columns
        ]
        return [tt, Column("Đơn vị", 34), *figures, Column("Ghi chú", 24)]
    if annex.kind == "listing":
        section = config.form.section(annex.table)
        groups = {name: group.label for group in section.header_groups for name in group.fields}
        return [tt] + [
            Column(
                each.label,
                each.width or DEFAULT_WIDTHS[each.type],
                groups.get(each.name, ""),
                NUMBER_FORMATS.get(each.type, "General"),
                NUMBER if each.type in ("integer", "decimal") else CENTER if each.type == "date" else TEXT,
            )
            for each in section.fields
        ]
    if annex.kind == "matrix":
        section = config.form.section(annex.table)
        label_field = _label_field(section, annex)
        columns = [
            Column("TT", 6, align=CENTER),
            Column(label_field.label, 60),
            Column("(tên đơn vị)", 12, "Đơn vị", align=CENTER),
        ]
        choice = _count_choice_label(config, annex)
        if choice is not None:
            columns.append(Column(f"Số đơn vị {choice[:1].lower()}{choice[1:]}", 14, "", COUNT_FORMAT, NUMBER))
        return columns
    if annex.kind == "submission":
        return [
            tt,
            Column("Nhóm đơn vị", 32),
            Column("Số đơn vị phải báo cáo", 12, "", COUNT_FORMAT, NUMBER),
            Column("Tổng số", 10, "Đã nộp báo cáo", COUNT_FORMAT, NUMBER),
            Column("Đúng hạn", 10, "Đã nộp báo cáo", COUNT_FORMAT, NUMBER),
            Column("Muộn", 10, "Đã nộp báo cáo", COUNT_FORMAT, NUMBER),
            Column("Chưa nộp", 10, "", COUNT_FORMAT, NUMBER),
            Column("Đã chấp nhận", 12, "", COUNT_FORMAT, NUMBER),
            Column("Đã nộp", 10, "Tỷ lệ so với số phải báo cáo", PERCENT_FORMAT, NUMBER),
            Column("Đúng hạn", 10, "Tỷ lệ so với số phải báo cáo", PERCENT_FORMAT, NUMBER),
        ]
    return []


def _figure_format(config: CampaignConfig, dotted: str | None) -> str:
    if not dotted:
        return COUNT_FORMAT
    table, name = dotted.split(".")
    return NUMBER_FORMATS.get(config.form.section(table).field(name).type, COUNT_FORMAT)


def _label_field(section: Section, annex: Annex):
    """The matrix's item label: the field prefilled with the task text, else the key itself."""
    return next((each for each in section.fields if each.prefill == "task_text"), section.field(annex.key))


def _count_choice_label(config: CampaignConfig, annex: Annex) -> str | None:
    if not annex.count_choice:
        return None
    value_field = config.form.section(annex.table).field(annex.value)
    options = config.form.choices.get(value_field.choices or "", [])
    return next((option.label for option in options if option.name == annex.count_choice), annex.count_choice)


# ---------------------------------------------------------------- drawing the layout


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
    row = _draw_document_header(sheet, config, widths)
    row = _draw_title(sheet, config, number, annex, widths, row)
    last = len(widths)
    if annex.kind == "charts":
        _define(workbook, data_name(number), sheet, row, row, last)
        _page_setup(sheet, landscape=True)
        return
    head_top = row
    first = _draw_table_header(sheet, columns, row)
    _define(workbook, head_name(number), sheet, head_top, first - 1, last)
    _define(workbook, data_name(number), sheet, first, first, last)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=first, column=index)
        cell.font, cell.border, cell.alignment = font(), BOX, column.align
        cell.number_format = column.number_format
    _draw_signature(sheet, config, first + 2, widths)
    sheet.print_title_rows = f"{head_top}:{first - 1}"
    sheet.freeze_panes = f"A{first}"
    sheet.sheet_format.defaultRowHeight = 17  # room for Times New Roman 12 without a height on every data row
    sheet.sheet_format.customHeight = True
    _page_setup(sheet, landscape=annex.kind == "matrix" or sum(widths) > LANDSCAPE_WIDTH)  # a matrix only grows


def _split(widths: list[float]) -> int:
    """Last column of the left half of the official header (about 40% of the width)."""
    total, running = sum(widths), 0.0
    for index, width in enumerate(widths[:-1], start=1):
        running += width
        if running >= 0.4 * total:
            return index
    return max(1, len(widths) - 1)


def _merged(sheet: Worksheet, row: int, first: int, last: int, value, cell_font, alignment=CENTER):
    cell = sheet.cell(row=row, column=first)
    _set_value(cell, value)
    cell.font, cell.alignment = cell_font, alignment
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    return cell


def _draw_document_header(sheet: Worksheet, config: CampaignConfig, widths: list[float]) -> int:
    split, last = _split(widths), len(widths)
    issuer, header = config.issuer, config.document_header
    left = [(issuer.parent, font()), (issuer.name, font(bold=True)), (config.summary.document_number, font())]
    right = [
        (header.national_title, font(bold=True)),
        (header.motto, font(bold=True)),
        (config.summary.place_date, font(italic=True)),
    ]
    for row, ((left_text, left_font), (right_text, right_font)) in enumerate(zip(left, right, strict=True), 1):
        _merged(sheet, row, 1, split, left_text or None, left_font)
        _merged(sheet, row, split + 1, last, right_text or None, right_font)
        sheet.row_dimensions[row].height = 18
    return len(left) + 2


def _draw_title(sheet, config: CampaignConfig, number: int, annex: Annex, widths: list[float], row: int) -> int:
    lines = [
        (f"PHỤ LỤC {number}", font(bold=True)),
        (annex.title, font(size=13, bold=True)),
        (config.summary.annex_caption, font(italic=True)),
    ]
    for text, text_font in lines:
        if text:
            _merged(sheet, row, 1, len(widths), text, text_font)
            fit_row_height(sheet, row, text, sum(widths), minimum=18)
            row += 1
    return row + 1


def _draw_table_header(sheet: Worksheet, columns: list[Column], top: int) -> int:
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


def _draw_signature(sheet: Worksheet, config: CampaignConfig, row: int, widths: list[float]) -> None:
    summary = config.summary
    split, last = _split(widths), len(widths)
    left = Alignment(horizontal="left", vertical="center")
    if summary.recipients:
        _merged(sheet, row, 1, split, "Nơi nhận:", font(bold=True, italic=True), left)
        for index, recipient in enumerate(summary.recipients, start=1):
            end = "." if index == len(summary.recipients) else ";"
            text = f"- {recipient}" + ("" if recipient[-1:] in ".;" else end)
            _merged(sheet, row + index, 1, split, text, font(size=11), left)
    _merged(sheet, row, split + 1, last, summary.signer_title or None, font(bold=True))
    _merged(sheet, row + 5, split + 1, last, summary.signer_name or None, font(bold=True))


def _page_setup(sheet: Worksheet, landscape: bool) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "Trang &P/&N"
    sheet.oddFooter.center.font = "Times New Roman"


def _define(workbook: Workbook, name: str, sheet: Worksheet, first_row: int, last_row: int, last_column: int) -> None:
    reference = f"$A${first_row}:${get_column_letter(last_column)}${last_row}"
    workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{reference}")


# ---------------------------------------------------------------- the layout on disk


def ensure_summary_layout(config: CampaignConfig, layouts_dir: Path) -> tuple[Path, bool, Path | None]:
    """Use the campaign's summary layout if it matches the config; otherwise build it (keeping the old one)."""
    path, _, rebuilt, backup = _open_layout(config, Path(layouts_dir))
    return path, rebuilt, backup


def _open_layout(config: CampaignConfig, layouts_dir: Path) -> tuple[Path, Workbook, bool, Path | None]:
    path = layouts_dir / SUMMARY_LAYOUT
    backup = None
    if path.exists():
        try:
            workbook = load_workbook(path)
        except Exception:  # an unreadable layout is rebuilt (and kept), never fatal
            workbook = None
        meta = _meta(workbook) if workbook is not None else {}
        if meta.get("summary_fingerprint") == layout_fingerprint(config) and not _layout_problem(workbook, config):
            return path, workbook, False, None
        backup = _backup_name(path, meta.get("summary_fingerprint", "khong_doc_duoc"))
        try:
            os.replace(path, backup)
        except PermissionError as error:
            raise BaocaoError(
                f"Mẫu bảng tổng hợp {path} không còn khớp với cấu hình nhưng đang mở trong Excel nên không thay "
                "được. Hãy đóng tệp rồi chạy lại."
            ) from error
    data = build_layout(config)
    write_bytes_atomically(path, data)
    return path, load_workbook(io.BytesIO(data)), True, backup


def _backup_name(path: Path, fingerprint: str) -> Path:
    candidate = path.with_name(f"{path.stem}.cu_{fingerprint}{path.suffix}")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.cu_{fingerprint}_{number}{path.suffix}")
        number += 1
    return candidate


def _meta(workbook: Workbook) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        return {}
    rows = workbook[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
    return {str(key): str(value) for key, value in rows if key}


def _layout_problem(workbook: Workbook, config: CampaignConfig) -> str | None:
    """Why a layout that matches the fingerprint still cannot be filled (a name or sheet deleted, a column added)."""
    for number, annex in enumerate(config.summary.annexes, start=1):
        names = [data_name(number)] + ([head_name(number)] if annex.kind != "charts" else [])
        for name in names:
            target = _name_target(workbook, name)
            if target is None:
                return f"thiếu tên vùng {name}"
        if annex.kind != "charts":
            _, (min_col, _, max_col, _) = _name_target(workbook, data_name(number))
            if min_col != 1 or max_col != len(annex_columns(config, annex)):
                return f"vùng {data_name(number)} không đúng số cột"
    return None


def _name_target(workbook: Workbook, name: str) -> tuple[Worksheet, tuple[int, int, int, int]] | None:
    definition = workbook.defined_names.get(name)
    if definition is None:
        return None
    try:
        [(title, reference)] = list(definition.destinations)
        bounds = range_boundaries(reference.replace("$", ""))
    except (ValueError, TypeError):
        return None
    if title not in workbook.sheetnames or None in bounds:
        return None
    return workbook[title], bounds


# ---------------------------------------------------------------- writing cells


def _clean_text(text: str) -> str:
    return cell_text(unicodedata.normalize("NFC", ILLEGAL_CHARACTERS_RE.sub("", text)))


def _set_value(cell, value) -> None:
    """Any text is written as text: "=…", "+…", "-…", "@…" never become formulas."""
    if isinstance(value, str):
        cell._value = _clean_text(value)
        cell.data_type = "s"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        cell._value = value
        cell.data_type = "n"
    elif value is not None:
        cell.value = value


def _lines(text: str, width: float) -> int:
    """Wrapped lines of a text in a column, estimated as `fit_row_height` does."""
    return sum(max(1, math.ceil(len(part) / max(width * 1.1, 1))) for part in text.split("\n"))


def _plain(value):
    """A DataFrame value as what openpyxl should write: None for blanks, Python numbers and dates."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, pandas.Timestamp):
        return None if pandas.isna(value) else value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, datetime | date | bool):
        return value
    try:
        if pandas.isna(value):
            return None
    except (TypeError, ValueError):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _number(value: float, whole: bool):
    value = float(value)
    if whole or value.is_integer():
        return round(value)
    return float(format(value, ".15g"))  # 15 significant digits, as LibreOffice keeps them: no drift on re-save


def _bold(workbook: Workbook, style: StyleArray) -> StyleArray:
    bolder = copy(workbook._fonts[style.fontId])
    bolder.b = True
    result = StyleArray(style)
    result.fontId = workbook._fonts.add(bolder)
    return result


def _merge(sheet: Worksheet, top: int, left: int, bottom: int, right: int) -> None:
    """Merge cells already styled: openpyxl's merge_cells re-derives every edge border, 8 ms a merge."""
    sheet.merged_cells.ranges.add(CellRange(min_col=left, min_row=top, max_col=right, max_row=bottom))
    for row in range(top, bottom + 1):
        for column in range(left, right + 1):
            if (row, column) != (top, left):
                merged = MergedCell(sheet, row=row, column=column)
                existing = sheet._cells.get((row, column))
                if existing is not None:
                    merged._style = StyleArray(existing._style)
                sheet._cells[(row, column)] = merged


@dataclass
class _Block:
    """Cells cut from a sheet (rows relative to where they were), to be pasted elsewhere."""

    cells: list[tuple[int, int, object, str, StyleArray]]
    merges: list[tuple[int, int, int, int]]
    heights: dict[int, float]


def _cut(sheet: Worksheet, first_row: int) -> _Block:
    merges = []
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row >= first_row:
            merges.append((merged.min_row - first_row, merged.min_col, merged.max_row - first_row, merged.max_col))
            sheet.unmerge_cells(merged.coord)
    cells = []
    for key in sorted(key for key in sheet._cells if key[0] >= first_row):
        cell = sheet._cells.pop(key)
        if cell._value is not None or cell.has_style:
            cells.append((key[0] - first_row, key[1], cell._value, cell.data_type, StyleArray(cell._style)))
    heights = {}
    for row in [row for row in sheet.row_dimensions if row >= first_row]:
        dimension = sheet.row_dimensions.pop(row)
        if dimension.height:
            heights[row - first_row] = dimension.height
    return _Block(cells, merges, heights)


def _paste(sheet: Worksheet, block: _Block, row: int, stretch: tuple[int, int] | None = None) -> int:
    """Put a cut block back with its first row at `row`; returns the last row used."""
    for offset, column, value, data_type, style in block.cells:
        cell = sheet.cell(row=row + offset, column=column)
        cell._value, cell.data_type, cell._style = value, data_type, StyleArray(style)
    for top, left, bottom, right in block.merges:
        if stretch and right == stretch[0]:
            right = stretch[1]
        sheet.merge_cells(start_row=row + top, start_column=left, end_row=row + bottom, end_column=right)
    for offset, height in block.heights.items():
        sheet.row_dimensions[row + offset].height = height
    used = [offset for offset, *_ in block.cells] + [bottom for _, _, bottom, _ in block.merges]
    return row + max(used, default=-1)


class _Table:
    """One annex table being filled: styles from the layout's prototype row, the rows below kept aside."""

    def __init__(self, workbook: Workbook, number: int):
        self.workbook = workbook
        self.sheet, (_, self.first, self.width, _) = _name_target(workbook, data_name(number))
        self.number = number
        sheet = self.sheet
        self.plain = [StyleArray(sheet.cell(row=self.first, column=index)._style) for index in range(1, self.width + 1)]
        self.bold = [_bold(workbook, style) for style in self.plain]
        self.widths = [self._width(index) for index in range(1, self.width + 1)]
        prototype = sheet.row_dimensions.get(self.first)
        self.height = prototype.height if prototype is not None else None  # None: the sheet's default height
        self.min_height = self.height or 16
        self.trailer = _cut(sheet, self.first + 1)

    def _width(self, column: int) -> float:
        dimension = self.sheet.column_dimensions.get(get_column_letter(column))
        return dimension.width if dimension is not None and dimension.width else 9

    def column_width(self, column: int) -> float:
        return self.widths[column - 1] if column <= self.width else self._width(column)

    def put(self, row: int, column: int, value, style: StyleArray, width: float | None = None, fit: bool = True):
        cell = Cell(self.sheet, row=row, column=column)
        self.sheet._cells[(row, column)] = cell
        cell._style = StyleArray(style)
        _set_value(cell, value)
        if fit and isinstance(value, str) and len(value) > 8:
            fit_row_height(self.sheet, row, value, width or self.column_width(column), self.min_height)
        return cell

    def row(self, row: int, values: list, bold: bool = False, styles: list[StyleArray] | None = None) -> None:
        styles = styles or (self.bold if bold else self.plain)
        tallest = (1, "", 1.0)
        for index, value in enumerate(values):
            self.put(row, index + 1, value, styles[index], fit=False)
            if isinstance(value, str) and len(value) > 8:
                width = self.column_width(index + 1)
                lines = _lines(value, width)
                if lines > tallest[0]:
                    tallest = (lines, value, width)
        if tallest[0] > 1:
            fit_row_height(self.sheet, row, tallest[1], tallest[2], self.min_height)
        elif self.height:
            self.sheet.row_dimensions[row].height = max(self.height, self.sheet.row_dimensions[row].height or 0)

    def band(self, row: int, first: int, text: str, style: StyleArray, last: int | None = None) -> None:
        """A text across columns first..last (merged), e.g. a unit's name above its rows."""
        last = last or self.width
        for column in range(first, last + 1):
            self.sheet.cell(row=row, column=column)._style = StyleArray(style)
        self.put(row, first, text, style, width=sum(self.widths[first - 1 : last]))
        if last > first:
            _merge(self.sheet, row, first, row, last)
        if self.height and not self.sheet.row_dimensions[row].height:
            self.sheet.row_dimensions[row].height = self.height

    def finish(
        self,
        last_row: int,
        data_last_row: int | None = None,
        stretch: tuple[int, int] | None = None,
        last_column: int | None = None,
    ) -> None:
        """Put the layout's rows below the table back under the data, then name and print the result."""
        data_last_row = data_last_row or last_row
        end = _paste(self.sheet, self.trailer, last_row + 1, stretch)
        last_column = last_column or self.width
        _define(self.workbook, data_name(self.number), self.sheet, self.first, data_last_row, last_column)
        self.sheet.print_area = f"A1:{get_column_letter(last_column)}{max(end, last_row)}"


# ---------------------------------------------------------------- the campaign's facts


@dataclass(frozen=True)
class _UnitFacts:
    unit: UnitEntry
    state: str
    included: bool
    late: bool | None


class _Facts:
    """The merged campaign indexed for the annexes: units in config order, included units' rows."""

    def __init__(self, config: CampaignConfig, merged: MergedCampaign):
        self.config = config
        records = {str(record["unit_code"]): record for record in merged.units.to_dict("records")}
        self.units: list[_UnitFacts] = []
        for unit in config.units:
            record = records.get(unit.code, {})
            state = str(record.get("state") or "not_received")
            late, included = _plain(record.get("late")), bool(_plain(record.get("included")) or False)
            self.units.append(_UnitFacts(unit, state, included, None if late is None else bool(late)))
        self.included = {each.unit.code for each in self.units if each.included}
        order = {unit.code: unit.order for unit in config.units}
        self.sections: dict[str, pandas.DataFrame] = {}
        for name, frame in merged.sections.items():
            frame = frame[frame["unit_code"].isin(self.included)]
            keys = ["_order", "row"] if "row" in frame.columns else ["_order"]
            frame = frame.assign(_order=frame["unit_code"].map(order)).sort_values(keys, kind="stable")
            self.sections[name] = frame

    def groups(self) -> list[tuple[str, str, list[_UnitFacts]]]:
        result: list[tuple[str, str, list[_UnitFacts]]] = []
        for each in self.units:
            if not result or result[-1][0] != each.unit.group_code:
                result.append((each.unit.group_code, each.unit.group_name, []))
            result[-1][2].append(each)
        return result

    def frame(self, section: str) -> pandas.DataFrame | None:
        return self.sections.get(section)

    def column_sums(self, dotted: str) -> dict[str, float]:
        table, name = dotted.split(".")
        frame = self.frame(table)
        if frame is None or frame.empty or name not in frame.columns:
            return {}
        values = pandas.to_numeric(frame[name], errors="coerce")
        return {str(code): float(total) for code, total in values.groupby(frame["unit_code"]).sum().items()}

    def row_counts(self, table: str) -> dict[str, int]:
        frame = self.frame(table)
        if frame is None or frame.empty:
            return {}
        return {str(code): int(count) for code, count in frame.groupby("unit_code").size().items()}

    def is_whole(self, dotted: str) -> bool:
        table, name = dotted.split(".")
        return self.config.form.section(table).field(name).type == "integer"


def _note(each: _UnitFacts) -> str:
    note = STATE_NOTES.get(each.state, "") if each.state != "accepted" or each.included else "Chưa có số liệu"
    if each.late:
        note = f"{note}; nộp muộn" if note else "Nộp muộn"
    return note


# ---------------------------------------------------------------- filling each annex kind


def build_summary(
    config: CampaignConfig, merged: MergedCampaign, layouts_dir: Path, out_path: Path, generated_at: datetime
) -> Path:
    """Fill the campaign's summary layout (built first if missing or stale) with `merged`; write `out_path`."""
    _, workbook, _, _ = _open_layout(config, Path(layouts_dir))
    facts = _Facts(config, merged)
    fillers = {
        "by_unit": _fill_by_unit,
        "listing": _fill_listing,
        "matrix": _fill_matrix,
        "submission": _fill_submission,
        "charts": _fill_charts,
    }
    for number, annex in enumerate(config.summary.annexes, start=1):
        fillers[annex.kind](workbook, number, annex, facts, generated_at)
    meta = workbook[META_SHEET]
    meta.append(["generated_at", None])
    meta.cell(row=meta.max_row, column=2, value=generated_at.isoformat(timespec="seconds")).data_type = "s"
    workbook.properties.title = config.summary.title
    workbook.properties.created = generated_at
    out_path = Path(out_path)
    write_bytes_atomically(out_path, save_workbook_fast(workbook))
    return out_path


# ---------------------------------------------------------------- saving quickly

FAST_WRITE_MIN_CELLS = 2_000


def save_workbook_fast(workbook: Workbook, min_cells: int = FAST_WRITE_MIN_CELLS) -> bytes:
    """The workbook as .xlsx bytes; big sheets' cells are written by `_sheet_data_xml`, ~10x faster.

    openpyxl without lxml spends ~30 µs a cell (70,000 cells: 2 s). Each big sheet's cells and row settings are
    taken out while openpyxl writes everything else (styles, merges, print settings, charts), then its
    `<sheetData>` is put into the saved part. A sheet with anything the fast writer does not handle is left to
    openpyxl.
    """
    taken: dict[Worksheet, tuple[str, str, dict, DimensionHolder]] = {}
    for sheet in workbook.worksheets:
        if len(sheet._cells) >= min_cells:
            xml = _sheet_data_xml(workbook, sheet)  # registers the cell styles before styles.xml is written
            if xml is not None:
                taken[sheet] = (xml, sheet.calculate_dimension(), sheet._cells, sheet.row_dimensions)
    buffer = io.BytesIO()
    try:
        for sheet in taken:
            sheet._cells = {}
            sheet.row_dimensions = DimensionHolder(worksheet=sheet, default_factory=sheet._add_row)
        workbook.save(buffer)
    finally:
        for sheet, (_, _, cells, rows) in taken.items():
            sheet._cells, sheet.row_dimensions = cells, rows
    if not taken:
        return buffer.getvalue()
    parts = {sheet.path.lstrip("/"): (xml, dimension) for sheet, (xml, dimension, _, _) in taken.items()}
    result = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in parts:
                xml, dimension = parts[info.filename]
                text = data.decode("utf-8")
                match = _EMPTY_SHEET_DATA.search(text)
                if match is None:
                    raise RuntimeError(f"openpyxl wrote {info.filename} without an empty <sheetData>")
                text = text[: match.start()] + xml + text[match.end() :]
                text = _DIMENSION.sub(f'<dimension ref="{dimension}"/>', text, count=1)
                data = text.encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return result.getvalue()


_EMPTY_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>\s*</sheetData>")
_DIMENSION = re.compile(r"<dimension ref=\"[^\"]*\"\s*/>")


def _sheet_data_xml(workbook: Workbook, sheet: Worksheet) -> str | None:
    """`<sheetData>` as openpyxl writes it (inline strings, dates as serial numbers), or None when the sheet has
    formulas, comments, hyperlinks, rich text or error values."""
    if workbook.iso_dates:
        return None
    rows: dict[int, list] = defaultdict(list)
    for (row, _), cell in sorted(sheet._cells.items()):
        rows[row].append(cell)
    for row in sheet.row_dimensions.keys() - rows.keys():
        rows[row] = []
    styles, epoch = workbook._cell_styles, workbook.epoch
    style_ids: dict[bytes, int] = {}
    parts = ["<sheetData>"]
    for row in sorted(rows):
        attributes = {"r": str(row)}
        dimension = sheet.row_dimensions.get(row)
        if dimension is not None:
            attributes.update(dimension)
        parts.append("<row" + "".join(f' {key}="{escape(value)}"' for key, value in attributes.items()) + ">")
        for cell in rows[row]:
            if cell._comment is not None or cell.hyperlink is not None:
                return None
            value, kind = cell._value, cell.data_type
            styled = cell.has_style
            if value is None and not styled:
                continue
            start = f'<c r="{get_column_letter(cell.column)}{row}"'
            if styled:
                key = cell._style.tobytes()
                if key not in style_ids:
                    style_ids[key] = styles.add(cell._style)
                start += f' s="{style_ids[key]}"'
            if value is None or value == "":
                parts.append(start + "/>")
            elif kind == "n" and isinstance(value, int | float) and not isinstance(value, bool):
                number = "" if math.isnan(value) or math.isinf(value) else format(value, ".16g")
                parts.append(f"{start}><v>{number}</v></c>" if number else start + "/>")
            elif kind == "s" and isinstance(value, str):
                space = ' xml:space="preserve"' if value != value.strip() else ""
                parts.append(f'{start} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
            elif kind == "d" and isinstance(value, date) and getattr(value, "tzinfo", None) is None:
                parts.append(f'{start} t="n"><v>{format(to_excel(value, epoch), ".16g")}</v></c>')
            elif kind == "b" and isinstance(value, bool):
                parts.append(f'{start} t="b"><v>{int(value)}</v></c>')
            else:
                return None
        parts.append("</row>")
    parts.append("</sheetData>")
    return "".join(parts)


def _fill_by_unit(workbook: Workbook, number: int, annex: Annex, facts: _Facts, generated_at: datetime) -> None:
    table = _Table(workbook, number)
    figures: list[tuple[dict, bool]] = []
    for column in annex.columns:
        if column.count_rows:
            figures.append((facts.row_counts(column.count_rows), True))
        else:
            figures.append((facts.column_sums(column.sum), facts.is_whole(column.sum)))

    def unit_figures(each: _UnitFacts) -> list:
        return [_number(values.get(each.unit.code, 0), whole) for values, whole in figures]

    def totals(units: list[_UnitFacts]) -> list:
        chosen = [each.unit.code for each in units if each.included]
        return [_number(math.fsum(values.get(code, 0) for code in chosen), whole) for values, whole in figures]

    def coverage(units: list[_UnitFacts]) -> str:
        return f"{sum(each.included for each in units)}/{len(units)} đơn vị có số liệu"

    row, running = table.first, 0
    for code, name, units in facts.groups():
        table.row(row, [code, name, *totals(units), coverage(units)], bold=True)
        row += 1
        for each in units:
            running += 1
            values = unit_figures(each) if each.included else [None] * len(figures)
            table.row(row, [running, each.unit.short, *values, _note(each)])
            row += 1
    table.row(row, [None, TOTAL_LABEL, *totals(facts.units), coverage(facts.units)], bold=True)
    table.finish(row)


def _fill_listing(workbook: Workbook, number: int, annex: Annex, facts: _Facts, generated_at: datetime) -> None:
    table = _Table(workbook, number)
    section = facts.config.form.section(annex.table)
    names = [each.name for each in section.fields]
    frame = facts.frame(annex.table)
    row, running = table.first, 0
    shorts = {each.unit.code: each.unit.short for each in facts.units}
    if frame is not None and not frame.empty:
        frame = frame.reindex(columns=["unit_code", *names])
        current = None
        for record in frame.itertuples(index=False, name=None):
            code, values = record[0], record[1:]
            if code != current:
                current = code
                table.band(row, 2, shorts.get(code, str(code)), table.bold[1])
                table.put(row, 1, None, table.bold[0])
                row += 1
            running += 1
            table.row(row, [running, *(_plain(value) for value in values)])
            row += 1
    if running == 0:
        table.band(row, 1, "Chưa có số liệu.", table.plain[1])
        row += 1
    if section.totals:
        totals: list = [None, TOTAL_LABEL] + [None] * (len(names) - 1)
        for name in section.totals:
            position = names.index(name) + 1
            if position == 1:
                continue
            whole = section.field(name).type == "integer"
            values = pandas.to_numeric(frame[name], errors="coerce") if frame is not None and not frame.empty else []
            totals[position] = _number(math.fsum(value for value in values if not pandas.isna(value)), whole)
        table.row(row, totals, bold=True)
        row += 1
    table.finish(row - 1)


def _matrix_items(
    config: CampaignConfig, annex: Annex, frame: pandas.DataFrame | None
) -> list[tuple[object, str, str]]:
    """(TT, key, label) of each row of the matrix."""
    section = config.form.section(annex.table)
    key_field = section.field(annex.key)
    label_field = _label_field(section, annex)
    if section.rows_from == "tasks" and key_field.prefill in ("task_code", "task_text"):
        items = []
        for index, task in enumerate(config.tasks, start=1):
            key = task.code if key_field.prefill == "task_code" else task.text
            label = task.text if label_field.prefill == "task_text" else key
            items.append((task.code if key_field.prefill == "task_code" else index, key, label))
        return items
    keys: list[str] = []
    if frame is not None and annex.key in frame.columns:
        for value in frame[annex.key]:
            key = _key_text(value)
            if key and key not in keys:
                keys.append(key)
    return [(index, key, key) for index, key in enumerate(keys, start=1)]


def _key_text(value) -> str:
    value = _plain(value)
    return "" if value is None else str(value).strip()


def _fill_matrix(workbook: Workbook, number: int, annex: Annex, facts: _Facts, generated_at: datetime) -> None:
    config = facts.config
    table = _Table(workbook, number)
    sheet = table.sheet
    _, (_, top, layout_last, bottom) = _name_target(workbook, head_name(number))
    frame = facts.frame(annex.table)
    items = _matrix_items(config, annex, frame)
    values: dict[tuple[str, str], str] = {}
    if frame is not None and not frame.empty:
        for code, key, value in frame.reindex(columns=["unit_code", annex.key, annex.value]).itertuples(
            index=False, name=None
        ):
            text = _key_text(value)
            if text:
                values.setdefault((str(code), _key_text(key)), text)
    units = [each.unit for each in facts.units if each.included]
    choice = _count_choice_label(config, annex)
    last = 2 + len(units) + (choice is not None)
    pages = _matrix_pages([sum(each.included for each in group) for _, _, group in facts.groups()])
    page_last = last if len(pages) < 2 else 2 + pages[0]

    # header: the prototype unit column (3) becomes one column per included unit, grouped by unit group
    prototype = {
        "group": StyleArray(sheet.cell(row=top, column=3)._style),
        "unit": StyleArray(sheet.cell(row=bottom - 1, column=3)._style),
        "number": StyleArray(sheet.cell(row=bottom, column=3)._style),
        "count": StyleArray(sheet.cell(row=top, column=layout_last)._style),
        "count_number": StyleArray(sheet.cell(row=bottom, column=layout_last)._style),
    }
    unit_width, count_width = table.widths[2], table.widths[-1]
    for merged in list(sheet.merged_cells.ranges):
        if top <= merged.min_row <= bottom and merged.max_col >= 3:
            sheet.unmerge_cells(merged.coord)
    for key in [key for key in sheet._cells if top <= key[0] <= bottom and key[1] >= 3]:
        del sheet._cells[key]
    for merged in list(sheet.merged_cells.ranges):  # the header block and titles span the first printed page
        if merged.max_row < top and merged.max_col == layout_last and page_last != layout_last:
            sheet.unmerge_cells(merged.coord)
            sheet.merge_cells(
                start_row=merged.min_row, start_column=merged.min_col, end_row=merged.max_row, end_column=page_last
            )
    column = 3
    for _, group_name, group_units in facts.groups():
        chosen = [each.unit for each in group_units if each.included]
        if not chosen:
            continue
        table.put(top, column, group_name, prototype["group"], width=unit_width * len(chosen))
        for offset, unit in enumerate(chosen):
            for row in range(top + 1, bottom - 1):
                sheet.cell(row=row, column=column + offset)._style = StyleArray(prototype["group"])
            table.put(bottom - 1, column + offset, unit.short, prototype["unit"], width=unit_width * 0.8)
            sheet.cell(row=bottom, column=column + offset)._style = StyleArray(prototype["number"])
            sheet.column_dimensions[get_column_letter(column + offset)].width = unit_width
        for offset in range(1, len(chosen)):
            sheet.cell(row=top, column=column + offset)._style = StyleArray(prototype["group"])
        if len(chosen) > 1:
            _merge(sheet, top, column, top, column + len(chosen) - 1)
        column += len(chosen)
    if choice is not None:
        label = _column_label(config, annex)
        for row in range(top, bottom):
            sheet.cell(row=row, column=last)._style = StyleArray(prototype["count"])
        table.put(top, last, label, prototype["count"], width=count_width)
        sheet.cell(row=bottom, column=last)._style = StyleArray(prototype["count_number"])
        sheet.column_dimensions[get_column_letter(last)].width = count_width
        if bottom - 1 > top:
            _merge(sheet, top, last, bottom - 1, last)
    for index in range(3, last + 1):
        _set_value(sheet.cell(row=bottom, column=index), f"({index})")

    # rows: one per item
    styles = table.plain[:2] + [table.plain[2]] * len(units) + ([table.plain[-1]] if choice is not None else [])
    row = table.first
    for tt, key, label in items:
        cells = [values.get((unit.code, key)) for unit in units]
        counted = [sum(1 for value in cells if value == choice)] if choice is not None else []
        table.row(row, [tt, label, *cells, *counted], styles=styles)
        row += 1
    if not items:
        table.band(row, 1, "Chưa có số liệu.", table.plain[1], last=last)
        row += 1
    sheet.freeze_panes = f"C{table.first}"
    _paginate_matrix(sheet, pages, last, range(top, row))
    _define(workbook, head_name(number), sheet, top, bottom, last)
    table.finish(row - 1, stretch=(layout_last, page_last), last_column=last)
    if page_last < last:
        # Two print areas: the first page with the official header, titles and signature; then the remaining
        # unit columns of the data rows only, under the repeated header rows and beside the repeated TT and item.
        first_page = sheet.print_area.split(",")[0].replace(get_column_letter(last), get_column_letter(page_last))
        rest = f"{get_column_letter(page_last + 1)}{table.first}:{get_column_letter(last)}{row - 1}"
        sheet.print_area = [first_page.split("!")[-1].replace("$", ""), rest]


def _matrix_pages(group_sizes: list[int]) -> list[int]:
    """How many unit columns each printed page of a matrix holds: at most MATRIX_UNITS_PER_PAGE, a page ending
    where a unit group ends when that still leaves it at least half full."""
    pages: list[int] = [0]
    for size in group_sizes:
        if pages[-1] + size > MATRIX_UNITS_PER_PAGE and pages[-1] >= MATRIX_UNITS_PER_PAGE // 2:
            pages.append(0)
        while size:
            room = MATRIX_UNITS_PER_PAGE - pages[-1]
            if room == 0:
                pages.append(0)
                continue
            placed = min(room, size)
            pages[-1] += placed
            size -= placed
    return [count for count in pages if count]


def _paginate_matrix(sheet: Worksheet, pages: list[int], last: int, rows: range) -> None:
    """Print a wide matrix a few units per page, with TT and the item text repeated on each page.

    One page wide, 40 units would be unreadable. Excel ignores manual page breaks under "fit to", so the breaks
    come with a fixed scale that lets the widest page fit the width of landscape A4 and, for a short list of
    items, a continuation page (header and item rows) its height.
    """
    if len(pages) < 2:
        return
    breaks = list(itertools.accumulate(pages[:-1], initial=2))[1:]
    for column in breaks:
        sheet.col_breaks.append(Break(id=column))

    def pixels(first: int, end: int) -> int:
        total = 0
        for column in range(first, end + 1):
            dimension = sheet.column_dimensions.get(get_column_letter(column))
            total += int((dimension.width if dimension is not None and dimension.width else 9) * 7 + 5)
        return total

    edges = [2, *breaks, last]
    widest = max(pixels(1, 2) + pixels(start + 1, end) for start, end in itertools.pairwise(edges))
    scale = 100 * A4_LANDSCAPE_PIXELS / widest
    if len(rows) <= 20:
        tall = sum(sheet.row_dimensions[row].height or 15 for row in rows)
        scale = min(scale, 100 * A4_LANDSCAPE_POINTS_HIGH / tall)
    sheet.sheet_properties.pageSetUpPr.fitToPage = False
    sheet.page_setup.scale = max(10, min(100, int(scale)))
    sheet.print_title_cols = "A:B"


def _column_label(config: CampaignConfig, annex: Annex) -> str:
    return annex_columns(config, annex)[-1].label


def _submission_counts(units: list[_UnitFacts]) -> list:
    expected = len(units)
    received = sum(each.state != "not_received" for each in units)
    late = sum(bool(each.late) for each in units if each.state != "not_received")
    accepted = sum(each.state in ("accepted", "accepted_with_errors") for each in units)
    on_time = received - late

    def share(count: int):
        # rounded: LibreOffice keeps 15 significant digits, so the value survives its re-save unchanged
        return round(count / expected, 6) if expected else None

    return [expected, received, on_time, late, expected - received, accepted, share(received), share(on_time)]


def _fill_submission(workbook: Workbook, number: int, annex: Annex, facts: _Facts, generated_at: datetime) -> None:
    table = _Table(workbook, number)
    sheet = table.sheet
    row = table.first
    for code, name, units in facts.groups():
        table.row(row, [code, name, *_submission_counts(units)])
        row += 1
    table.row(row, [None, TOTAL_LABEL, *_submission_counts(facts.units)], bold=True)
    data_last = row
    deadline = facts.config.campaign.deadline
    left = Alignment(horizontal="left", vertical="center")
    italic = _style(workbook, font(italic=True), left, border=False)
    heading = _style(workbook, font(bold=True), left, border=False)
    row += 2
    table.band(
        row,
        1,
        f"Số liệu tính đến {generated_at:%H} giờ {generated_at:%M} ngày {generated_at:%d/%m/%Y}; "
        f"hạn nộp báo cáo: {deadline:%d/%m/%Y}.",
        italic,
    )
    missing = [each for each in facts.units if each.state == "not_received"]
    row += 2
    table.band(row, 1, "DANH SÁCH ĐƠN VỊ CHƯA NỘP BÁO CÁO", heading)
    if not missing:
        table.band(row + 1, 1, "Tất cả các đơn vị đã nộp báo cáo.", table.plain[1])
        table.finish(row + 1, data_last_row=data_last)
        return
    _, (_, head_top, _, _) = _name_target(workbook, head_name(number))
    header_style = StyleArray(sheet.cell(row=head_top, column=1)._style)
    row += 1
    table.put(row, 1, "TT", header_style)
    table.put(row, 2, "Nhóm đơn vị", header_style)
    table.band(row, 3, "Tên đơn vị", header_style)
    for index, each in enumerate(missing, start=1):
        row += 1
        table.put(row, 1, index, table.plain[0])
        table.put(row, 2, f"{each.unit.group_code}. {each.unit.group_name}", table.plain[1])
        table.band(row, 3, each.unit.name, table.plain[1])
    table.finish(row, data_last_row=data_last)


def _fill_charts(workbook: Workbook, number: int, annex: Annex, facts: _Facts, generated_at: datetime) -> None:
    config = facts.config
    sheet, (_, first, _, _) = _name_target(workbook, data_name(number))
    _cut(sheet, first)
    sheet._charts = []
    header = _style(workbook, font(bold=True), CENTER, fill=True)
    text = _style(workbook, font(), Alignment(vertical="center", wrap_text=True))
    bold_text = _style(workbook, font(bold=True), Alignment(vertical="center", wrap_text=True))
    value = _style(workbook, font(), NUMBER, COUNT_FORMAT)
    bold_value = _style(workbook, font(bold=True), NUMBER, COUNT_FORMAT)
    title = _style(workbook, font(bold=True), Alignment(vertical="center"), border=False)

    def put(row: int, column: int, content, style: StyleArray) -> None:
        cell = sheet.cell(row=row, column=column)
        cell._style = StyleArray(style)
        _set_value(cell, content)
        if isinstance(content, str):
            dimension = sheet.column_dimensions.get(get_column_letter(column))
            fit_row_height(sheet, row, content, dimension.width if dimension and dimension.width else 9, 18)

    row = first
    charts = 0
    if annex.series:
        labels = [_series_label(config, dotted) for dotted in annex.series]
        heading = _series_heading(config, annex.series)
        put(row, 1, f"{charts + 1}. {heading} theo nhóm đơn vị", title)
        header_row = row + 1
        put(header_row, 1, "Nhóm đơn vị", header)
        for offset, label in enumerate(labels):
            put(header_row, 2 + offset, label, header)
        sums = [(facts.column_sums(dotted), facts.is_whole(dotted)) for dotted in annex.series]
        row = header_row
        groups = facts.groups()
        for code, name, units in groups:
            row += 1
            put(row, 1, f"{code}. {name}", text)
            chosen = [each.unit.code for each in units if each.included]
            for offset, (values, whole) in enumerate(sums):
                put(row, 2 + offset, _number(math.fsum(values.get(c, 0) for c in chosen), whole), value)
        put(row + 1, 1, TOTAL_LABEL, bold_text)
        for offset, (values, whole) in enumerate(sums):
            put(row + 1, 2 + offset, _number(math.fsum(values.get(c, 0) for c in facts.included), whole), bold_value)
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "col", "clustered", 0
        chart.title = f"{heading} theo nhóm đơn vị"
        chart.add_data(
            Reference(sheet, min_col=2, max_col=1 + len(labels), min_row=header_row, max_row=row),
            titles_from_data=True,
        )
        chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=row))
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.width, chart.height = 17, 8.5
        sheet.add_chart(chart, f"F{first}")
        charts += 1
        row = max(row + 3, first + 19)

    counts = _submission_counts(facts.units)
    put(row, 1, f"{charts + 1}. Tình hình nộp báo cáo", title)
    header_row = row + 1
    put(header_row, 1, "Tình hình nộp", header)
    put(header_row, 2, "Số đơn vị", header)
    statuses = [("Nộp đúng hạn", counts[2]), ("Nộp muộn", counts[3]), ("Chưa nộp", counts[4])]
    for offset, (label, count) in enumerate(statuses, start=1):
        put(header_row + offset, 1, label, text)
        put(header_row + offset, 2, count, value)
    put(header_row + 4, 1, "Số đơn vị phải báo cáo", bold_text)
    put(header_row + 4, 2, counts[0], bold_value)
    pie = PieChart()
    pie.title = "Tình hình nộp báo cáo"
    pie.add_data(Reference(sheet, min_col=2, min_row=header_row, max_row=header_row + 3), titles_from_data=True)
    pie.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + 3))
    pie.dataLabels = DataLabelList()
    pie.dataLabels.showVal = pie.dataLabels.showPercent = True
    pie.dataLabels.showSerName = pie.dataLabels.showCatName = pie.dataLabels.showLegendKey = False
    pie.width, pie.height = 17, 8.5
    sheet.add_chart(pie, f"F{row}")
    last_row = max(header_row + 5, row + 18)
    for each in range(first, last_row + 1):
        if sheet.row_dimensions[each].height is None:
            sheet.row_dimensions[each].height = 18
    _define(workbook, data_name(number), sheet, first, last_row, len(CHART_WIDTHS))
    sheet.print_area = f"A1:{get_column_letter(len(CHART_WIDTHS))}{last_row}"


def _style(workbook: Workbook, cell_font, alignment, number_format="General", fill=False, border=True) -> StyleArray:
    """A style built once and copied onto many cells (the charts sheet is drawn by code on every build)."""
    style = StyleArray()
    style.fontId = workbook._fonts.add(cell_font)
    style.alignmentId = workbook._alignments.add(alignment)
    style.numFmtId = _number_format_id(workbook, number_format)
    if border:
        style.borderId = workbook._borders.add(BOX)
    if fill:
        style.fillId = workbook._fills.add(HEADER_FILL)
    return style


def _number_format_id(workbook: Workbook, number_format: str) -> int:
    from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE

    if number_format in BUILTIN_FORMATS_REVERSE:
        return BUILTIN_FORMATS_REVERSE[number_format]
    return workbook._number_formats.add(number_format) + 164


def _series_label(config: CampaignConfig, dotted: str) -> str:
    table, name = dotted.split(".")
    return config.form.section(table).field(name).label


def _series_heading(config: CampaignConfig, series: list[str]) -> str:
    """What the series measure together: their shared header group ("Số người tham gia"), else their labels."""
    groups = set()
    for dotted in series:
        table, name = dotted.split(".")
        section = config.form.section(table)
        groups.add(next((group.label for group in section.header_groups if name in group.fields), None))
    if len(groups) == 1 and None not in groups:
        return groups.pop()
    return ", ".join(_series_label(config, dotted) for dotted in series)
