"""`baocao workbook`: build the control workbook `BaoCao.xlsm` from `macros/*.bas`, without Excel.

Three tools, each for what it does best:
1. openpyxl lays out the sheets (panel, log, xlwings.conf, build info) as a plain package;
2. pyOpenVBA adds the Forms buttons and the VBA project (our modules and xlwings' own);
3. a last pass here fixes what those leave for Excel to complain about (below) and writes
   every part with fixed timestamps, so the same inputs give the same bytes.

openpyxl never opens the result: it would drop the buttons.
"""

import io
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import xlwings
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet
from pyopenvba import ExcelFile
from pyopenvba.apps.excel import ExcelApplication

import addin
from addin import __version__
from addin.campaign import CampaignFolder
from addin.config import CampaignConfig
from addin.errors import BaocaoError
from addin.outputs.control_panel import (
    BUTTONS,
    CONF_SHEET,
    COUNTS_NAME,
    INFO_SHEET,
    LOG_HEADERS,
    LOG_SHEET,
    PANEL_SHEET,
    UNIT_HEADERS,
    UNITS_NAME,
    UPDATED_NAME,
    Panel,
    panel_for,
)
from addin.shipped import SHIPPED_MACROS
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.styles import FONT
from addin.xlsx.zip_parts import rewrite_parts

CONTROL_WORKBOOK = "BaoCao.xlsm"
MACROS_DIR = SHIPPED_MACROS
XLWINGS_MODULE = Path(xlwings.__file__).parent / "xlwings.bas"
FIXED_DOC_TIME = datetime(2020, 1, 1)

# The panel's grid, in Excel's units: column widths in characters (A..L), row heights in points. Every row above
# the buttons and every button row has its height set, so where a button sits is known without Excel.
PANEL_WIDTHS = (2, 30, 40, 2, 5, 12, 34, 42, 34, 17, 8, 9)
TOP_ROW_HEIGHTS_PT = (24.0, 18.0, 16.5, 18.0)  # title, campaign line, "Số liệu lúc …", "THAO TÁC"
FIRST_BUTTON_ROW, ROWS_PER_BUTTON, ROW_HEIGHT_PT = 5, 2, 18.0
BUTTON_COLUMN, HINT_COLUMN = 2, 3  # each button fills column B of its rows, its description is in column C
BUTTON_MARGIN_PX = 6, 4  # room left free around a button inside its cells: across, down
COUNTS_TOP = 5
EMU_PER_PIXEL = 9525
MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class ControlWorkbook:
    path: Path
    modules: dict[str, str]  # module name -> VBA source, as embedded
    interpreter: str
    python_path: str
    warnings: list[str]


def macro_sources(macros_dir: Path = MACROS_DIR) -> dict[str, str]:
    """Our VBA modules (ASCII only, named by their `Attribute VB_Name`) plus xlwings' standalone module."""
    sources = {}
    for path in sorted(macros_dir.glob("*.bas")):
        text = path.read_bytes()
        try:
            source = text.decode("ascii")
        except UnicodeDecodeError:
            raise BaocaoError(
                f"Tệp macro {path.name} có chữ không phải ASCII (ví dụ chữ có dấu). VBA làm hỏng các chữ này; "
                "mọi chữ tiếng Việt phải nằm trong addin/frontends/buttons.py."
            ) from None
        sources[_module_name(source, path)] = source
    sources["xlwings"] = XLWINGS_MODULE.read_text(encoding="ascii")
    return sources


def _module_name(source: str, path: Path) -> str:
    match = re.search(r'^Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"', source, re.MULTILINE)
    return match.group(1) if match else path.stem


def xlwings_settings(interpreter: str, python_path: str, temp_dir: str) -> list[tuple[str, str]]:
    """The xlwings.conf sheet, read top-down by xlwings' VBA until the first empty cell."""
    return [
        ("Interpreter_Win", interpreter),
        ("PYTHONPATH", python_path),
        ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),  # the workbook's folder may be a OneDrive URL
        ("Use UDF Server", "False"),
        ("Show Console", "False"),
        ("TEMP DIR", temp_dir),  # xlwings' ANSI-only calls break on a Vietnamese user name in %TEMP%
    ]


def build_control_workbook(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    *,
    interpreter: str | None = None,
    python_path: str | None = None,
    macros_dir: Path = MACROS_DIR,
) -> ControlWorkbook:
    config = config or folder.load_config()
    interpreter = interpreter or sys.executable
    # The folder holding the addin package: site-packages in a normal install, the repository in an editable one.
    python_path = python_path or str(Path(addin.__file__).resolve().parent.parent)
    temp_dir = str(Path(python_path) / "tmp")
    modules = macro_sources(macros_dir)
    info = {
        "baocao_version": __version__,
        "xlwings_version": xlwings.__version__,
        "campaign_dir": str(folder.root),
        "campaign_id": config.campaign.id,
        "interpreter": interpreter,
    }
    layout = _layout_workbook(config, folder, xlwings_settings(interpreter, python_path, temp_dir), info)
    with tempfile.TemporaryDirectory(prefix="baocao_xlsm_") as scratch:
        package = _with_buttons_and_macros(layout, Path(scratch), modules)
    target = folder.root / CONTROL_WORKBOOK
    write_bytes_atomically(target, _finished_package(package))
    Path(temp_dir).mkdir(exist_ok=True)
    warnings = _path_warnings(
        {"Python": interpreter, "Thư mục cài baocao": python_path, "Thư mục đợt báo cáo": str(folder.root)}
    )
    return ControlWorkbook(target, modules, interpreter, python_path, warnings)


def _path_warnings(paths: dict[str, str]) -> list[str]:
    return [
        f"{label} nằm ở đường dẫn có chữ có dấu hoặc ký tự đặc biệt ({path}); nút bấm của Excel (xlwings) "
        "có thể không chạy. Hãy chuyển sang đường dẫn chỉ có chữ không dấu, ví dụ C:\\BaoCao."
        for label, path in paths.items()
        if not path.isascii()
    ]


# ---------------------------------------------------------------- 1. the sheets (openpyxl)


def _layout_workbook(
    config: CampaignConfig, folder: CampaignFolder, settings: list[tuple[str, str]], info: dict[str, str]
) -> bytes:
    book = openpyxl.Workbook()
    panel = book.active
    panel.title = PANEL_SHEET
    _draw_panel(book, panel, panel_for(config, folder, None), config)
    _draw_log(book.create_sheet(LOG_SHEET))
    _draw_key_values(book.create_sheet(CONF_SHEET), settings, "hidden")
    _draw_key_values(book.create_sheet(INFO_SHEET), list(info.items()), "veryHidden")
    book.properties.creator = book.properties.lastModifiedBy = "baocao"
    book.properties.created = book.properties.modified = FIXED_DOC_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _draw_panel(book, sheet: Worksheet, panel: Panel, config: CampaignConfig) -> None:
    bold, title = Font(name=FONT, bold=True, size=12), Font(name=FONT, bold=True, size=15)
    normal, small = Font(name=FONT, size=12), Font(name=FONT, size=11, italic=True)
    sheet["B1"] = f"BẢNG ĐIỀU KHIỂN: {config.campaign.name}".upper()
    sheet["B1"].font = title
    sheet["B2"] = f"{config.issuer.short_name} · hạn nộp báo cáo {config.campaign.deadline:%d/%m/%Y}"
    sheet["B2"].font = normal
    sheet["B3"] = panel.updated
    sheet["B3"].font = small
    for column, width in zip("ABCDEFGHIJKL", PANEL_WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    for row, height in enumerate(TOP_ROW_HEIGHTS_PT, start=1):
        sheet.row_dimensions[row].height = height
    sheet["B4"], sheet["G4"] = "THAO TÁC (bấm lần lượt)", "TÌNH HÌNH NỘP"
    for button_index, button in enumerate(BUTTONS):
        row = FIRST_BUTTON_ROW + button_index * ROWS_PER_BUTTON
        for offset in range(ROWS_PER_BUTTON):
            sheet.row_dimensions[row + offset].height = ROW_HEIGHT_PT
        cell = sheet.cell(row, HINT_COLUMN, button.hint)
        cell.font, cell.alignment = Font(name=FONT, size=11), Alignment(wrap_text=True, vertical="center")
        sheet.merge_cells(
            start_row=row, start_column=HINT_COLUMN, end_row=row + ROWS_PER_BUTTON - 1, end_column=HINT_COLUMN
        )
    for offset, (label, value) in enumerate(panel.counts):
        sheet.cell(COUNTS_TOP + offset, 7, label).font = normal
        sheet.cell(COUNTS_TOP + offset, 8, value).font = bold
    units_top = COUNTS_TOP + len(panel.counts) + 3  # a blank row, the table's title, its header
    sheet.cell(units_top - 2, 5, "TỪNG ĐƠN VỊ").font = bold
    thin = Side(style="thin", color="999999")
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for column, header in enumerate(UNIT_HEADERS, start=5):
        cell = sheet.cell(units_top - 1, column, header)
        cell.font, cell.fill = bold, header_fill
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row_offset, values in enumerate(panel.unit_rows):
        for column, value in enumerate(values, start=5):
            sheet.cell(units_top + row_offset, column, value).font = normal
    for cell in ("B4", "G4"):
        sheet[cell].font = bold
    last_unit_row = units_top + max(len(panel.unit_rows), 1) - 1
    _name(book, COUNTS_NAME, f"$G${COUNTS_TOP}:$H${COUNTS_TOP + len(panel.counts) - 1}")
    _name(book, UNITS_NAME, f"$E${units_top}:$L${last_unit_row}")
    _name(book, UPDATED_NAME, "$B$3")
    _colour_states(sheet, f"H{units_top}:H{last_unit_row}")
    sheet.freeze_panes = None
    sheet.sheet_view.showGridLines = False
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{units_top - 1}:{units_top - 1}"
    _keep_text_as_text(sheet)


def _keep_text_as_text(sheet: Worksheet) -> None:
    """openpyxl stores a string starting with "=" as a formula; the panel holds none of its own, and a unit's
    file named "=1+2.xlsx" (or a campaign name) must show as the text it is."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _name(book, name: str, reference: str) -> None:
    book.defined_names[name] = DefinedName(name, attr_text=f"'{PANEL_SHEET}'!{reference}")


def _colour_states(sheet: Worksheet, cells: str) -> None:
    first = cells.split(":")[0]
    for word, colour in (("Chưa", "F8CBAD"), ("lỗi", "FFE699"), ("Không dùng", "F4B084"), ("Đạt", "C6EFCE")):
        rule = FormulaRule(formula=[f'ISNUMBER(SEARCH("{word}",{first}))'], fill=PatternFill(bgColor=colour))
        sheet.conditional_formatting.add(cells, rule)


def _draw_log(sheet: Worksheet) -> None:
    for column, (header, width) in enumerate(zip(LOG_HEADERS, (20, 22, 90, 18), strict=True), start=1):
        cell = sheet.cell(1, column, header)
        cell.font = Font(name=FONT, bold=True, size=12)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"


def _draw_key_values(sheet: Worksheet, rows: list[tuple[str, str]], state: str) -> None:
    for row, (key, value) in enumerate(rows, start=1):
        sheet.cell(row, 1, key)
        sheet.cell(row, 2, value).data_type = "s"
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 30, 80
    sheet.sheet_state = state


# ---------------------------------------------------------------- 2. buttons and VBA (pyOpenVBA)


def _with_buttons_and_macros(layout: bytes, scratch: Path, modules: dict[str, str]) -> bytes:
    plain, with_buttons = scratch / "layout.xlsm", scratch / "buttons.xlsm"
    plain.write_bytes(layout)
    app = ExcelApplication.open(plain, with_vba=False)
    sheet = app.sheet(PANEL_SHEET)
    for index, button in enumerate(BUTTONS):
        box = button_box(index)
        sheet.add_button(
            name=f"btn_{button.macro}",
            left=box.left_px * 0.75,
            top=box.top_px * 0.75,
            width=box.width_px * 0.75,
            height=box.height_px * 0.75,
            text=button.caption,
            macro=button.macro,
        )
    app.save(with_buttons)
    _declare_relationships_namespace(with_buttons)
    final = scratch / CONTROL_WORKBOOK
    with ExcelFile(with_buttons) as workbook:
        project = workbook.add_vba_project()
        for name, source in modules.items():
            project.add_module(name, source)
        workbook.save(final)
    return final.read_bytes()


def _declare_relationships_namespace(path: Path) -> None:
    """pyOpenVBA writes `r:id` into a sheet whose root (written by openpyxl) does not declare `r`."""
    path.write_bytes(rewrite_parts(path.read_bytes(), {r"xl/worksheets/sheet\d+\.xml": _with_r_namespace}))


# ---------------------------------------------------------------- 3. the finishing pass


def _finished_package(package: bytes) -> bytes:
    return rewrite_parts(
        package,
        {
            r"\[Content_Types\]\.xml": lambda xml: xml.replace(PLAIN_CONTENT_TYPE, MACRO_CONTENT_TYPE),
            r"xl/drawings/vmlDrawing\d+\.vml": lambda vml: _vml_anchors(_captions_with_font(vml)),
            r"xl/drawings/drawing\d+\.xml": _drawing_anchors,
            r"docProps/core\.xml": _fixed_document_times,
        },
    )


def _with_r_namespace(xml: str) -> str:
    root_end = xml.index(">", xml.index("<worksheet"))
    if "r:id=" in xml and "xmlns:r=" not in xml[:root_end]:
        xml = xml.replace("<worksheet ", f'<worksheet xmlns:r="{RELATIONSHIPS_NS}" ', 1)
    return xml


def _fixed_document_times(xml: str) -> str:
    """openpyxl stamps the save time into the document properties; the build must not depend on the clock."""
    stamp = f"{FIXED_DOC_TIME:%Y-%m-%dT%H:%M:%SZ}"
    return re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\2", xml)


def _captions_with_font(vml: str) -> str:
    """Wrap each button caption in the <font> Excel writes: without it LibreOffice shows a blank button."""
    return re.sub(
        r"(<div style='text-align:center'>)(?!<font)(.*?)(</div>)",
        r'\1<font face="Calibri" size="220" color="#000000">\2</font>\3',
        vml,
        flags=re.DOTALL,
    )


# ---------------------------------------------------------------- where each button sits

# pyOpenVBA counts a VML anchor's offsets in half-points and its cells from default widths; Excel and LibreOffice
# read them as pixels of the real columns, so the buttons came out wider than column B, over the descriptions.
# Each button's anchor is therefore written here from the panel's own grid, in the units each part counts in.


@dataclass(frozen=True)
class ButtonBox:
    """Where button `index` sits: zero-based cells and pixel offsets into them, as an anchor says it."""

    column: int  # zero-based, both corners (the button stays inside its column)
    left_offset: int
    right_offset: int
    top_row: int  # zero-based
    top_offset: int
    bottom_row: int
    bottom_offset: int
    left_px: int  # from the sheet's top-left corner
    top_px: int
    width_px: int
    height_px: int


def column_pixels(width: float) -> int:
    """A column `width` (characters of Calibri 11, the workbook's default font) in screen pixels, as Excel draws it."""
    return int(((256 * width + int(128 / 7)) / 256) * 7)


def row_pixels(height_pt: float) -> int:
    return round(height_pt * 96 / 72)


def _row_top_pixels(row: int) -> int:
    """The top of 1-based `row` in pixels; rows from the first button row down are ROW_HEIGHT_PT high."""
    heights = [*TOP_ROW_HEIGHTS_PT, *([ROW_HEIGHT_PT] * max(row - 1 - len(TOP_ROW_HEIGHTS_PT), 0))]
    return sum(row_pixels(height) for height in heights[: row - 1])


def button_box(index: int) -> ButtonBox:
    across, down = BUTTON_MARGIN_PX
    column = BUTTON_COLUMN - 1
    column_left = sum(column_pixels(width) for width in PANEL_WIDTHS[:column])
    column_width = column_pixels(PANEL_WIDTHS[column])
    first = FIRST_BUTTON_ROW + index * ROWS_PER_BUTTON
    last = first + ROWS_PER_BUTTON - 1
    last_height = row_pixels(ROW_HEIGHT_PT)
    top = _row_top_pixels(first) + down
    bottom = _row_top_pixels(last) + last_height - down
    return ButtonBox(
        column=column,
        left_offset=across,
        right_offset=column_width - across,
        top_row=first - 1,
        top_offset=down,
        bottom_row=last - 1,
        bottom_offset=last_height - down,
        left_px=column_left + across,
        top_px=top,
        width_px=column_width - 2 * across,
        height_px=bottom - top,
    )


def _button_index(name: str) -> int | None:
    names = [f"btn_{button.macro}" for button in BUTTONS]
    return names.index(name) if name in names else None


def _vml_anchors(vml: str) -> str:
    """Each button's `<x:Anchor>` (pixels) and its style box (points) from `button_box`."""

    def fixed(match: re.Match) -> str:
        shape, index = match.group(0), _button_index(match.group(1))
        if index is None:
            return shape
        box = button_box(index)
        corners = [box.column, box.left_offset, box.top_row, box.top_offset]
        corners += [box.column, box.right_offset, box.bottom_row, box.bottom_offset]
        shape = re.sub(r"<x:Anchor>[^<]*</x:Anchor>", f"<x:Anchor>{', '.join(map(str, corners))}</x:Anchor>", shape)
        for key, pixels in (
            ("margin-left", box.left_px),
            ("margin-top", box.top_px),
            ("width", box.width_px),
            ("height", box.height_px),
        ):
            shape = re.sub(rf"([;']){key}:[0-9.]+pt", rf"\g<1>{key}:{_points(pixels)}pt", shape, count=1)
        return shape

    return re.sub(r'<v:shape id="([^"]+)".*?</v:shape>', fixed, vml, flags=re.DOTALL)


def _drawing_anchors(xml: str) -> str:
    """Each button's `xdr:from`/`xdr:to` (EMU offsets) in the drawing part, the same cells as its VML anchor."""

    def fixed(match: re.Match) -> str:
        anchor = match.group(0)
        name = re.search(r'<xdr:cNvPr [^>]*name="([^"]+)"', anchor)
        index = _button_index(name.group(1)) if name else None
        if index is None:
            return anchor
        box = button_box(index)
        for tag, row, left, top in (
            ("from", box.top_row, box.left_offset, box.top_offset),
            ("to", box.bottom_row, box.right_offset, box.bottom_offset),
        ):
            corner = (
                f"<xdr:{tag}><xdr:col>{box.column}</xdr:col><xdr:colOff>{left * EMU_PER_PIXEL}</xdr:colOff>"
                f"<xdr:row>{row}</xdr:row><xdr:rowOff>{top * EMU_PER_PIXEL}</xdr:rowOff></xdr:{tag}>"
            )
            anchor = re.sub(rf"<xdr:{tag}>.*?</xdr:{tag}>", corner, anchor, count=1, flags=re.DOTALL)
        return anchor

    return re.sub(r"<xdr:twoCellAnchor\b.*?</xdr:twoCellAnchor>", fixed, xml, flags=re.DOTALL)


def _points(pixels: int) -> str:
    return f"{pixels * 0.75:g}"
