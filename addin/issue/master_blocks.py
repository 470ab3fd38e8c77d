"""The fixed parts of the master around the form: the official header and signature blocks, the
instructions sheet, the check panel that counts what is still missing or wrong, and the page set-up."""

from collections.abc import Iterable

from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from addin.config import CampaignConfig
from addin.contract import CHECK_ERRORS_NAME, CHECK_STATUS_NAME, CHECK_WARNINGS_NAME
from addin.issue.placeholders import BALANCED_SIZE, placeholder
from addin.issue.print_layout import INITIAL_GRID_ROWS, SIDE_MARGIN, TOP_BOTTOM_MARGIN
from addin.issue.text_fit import balanced_lines, cell_room, fitted_height, row_height, text_width
from addin.rules.template_checks import ERROR, FormChecks
from addin.xlsx.limits import cell_text
from addin.xlsx.page import OfficialHeader, draw_official_header, is_wide, set_up_a4
from addin.xlsx.styles import BOX, CENTER, HEADER_FILL, WRAP, font

INSTRUCTIONS_SHEET = "Hướng dẫn"
CHECK_SHEET = "Kiểm tra"
PROBLEM_FILL = PatternFill("solid", fgColor="F8CBAD")
CHECKS_ON_ONE_PAGE = 50  # a check panel this long prints on one page (still ≥ 9 pt); a longer one on more


def merged_text(
    sheet: Worksheet,
    row: int,
    first: int,
    last: int,
    value,
    cell_font: Font | None = None,
    alignment: Alignment | None = None,
) -> Cell:
    """`value` in columns `first`..`last` of `row`, merged when that is more than one column."""
    cell = sheet.cell(row=row, column=first, value=cell_text(value) if isinstance(value, str) else value)
    cell.font = cell_font or font()
    cell.alignment = alignment or WRAP
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    return cell


def page_setup(sheet: Worksheet, total_width: float, one_page: bool = False) -> None:
    """A4, one page wide (landscape when the columns are wide), page numbers in the footer; `one_page`: and tall."""
    set_up_a4(sheet, landscape=is_wide(total_width), side_margin=SIDE_MARGIN, top_bottom_margin=TOP_BOTTOM_MARGIN)
    if one_page:
        sheet.page_setup.fitToHeight = 1


class NameLayout:
    """The units' names as the master must show them: rows as tall as the longest name needs."""

    def __init__(self, config: CampaignConfig):
        self.names = [unit.name for unit in config.units] or ["—"]
        self.longest_name = max(self.names, key=lambda name: text_width(name))

    def header_lines(self, line_width: float) -> int:
        """The most lines a unit's name (capitals, bold) takes in the header, broken into even lines."""
        return max(len(balanced_lines(name.upper(), line_width, BALANCED_SIZE, bold=True)) for name in self.names)

    def header_line_width(self, widths: list[float]) -> float:
        return cell_room(sum(widths[: header_columns(len(widths))]))


def header_columns(columns: int) -> int:
    """The last column of the header's left half (the unit's side)."""
    return max(1, columns // 2)


def write_document_header(sheet: Worksheet, config: CampaignConfig, widths: list[float], names: NameLayout) -> int:
    """The official header (unit left, national title right), the report title, 'Kính gửi'; the next free row.

    The unit's name is broken into even lines for the width of the header's left half; its row is as tall
    as the longest name of the config needs.
    """
    campaign, columns = config.campaign, len(widths)
    split = header_columns(columns)
    line_width = names.header_line_width(widths)
    header = OfficialHeader(
        parent_body=placeholder("unit_parent"),
        issuing_body=placeholder("unit_name_upper", line_width),
        document_number="Số: ……/BC-……",
        national_title=config.document_header.national_title,
        motto=config.document_header.motto,
        place_date=f"……………, ngày …… tháng …… năm {campaign.deadline.year}",
    )
    row = draw_official_header(sheet, header, split, columns, first_row=3) + 1
    left, right = sum(widths[:split]), sum(widths[split:])
    parents = max((unit.parent.upper() for unit in config.units), key=text_width, default="")
    sheet.row_dimensions[3].height = fitted_height(
        [(parents, left, 12, False), (header.national_title, right, 12, True)], minimum=18
    )
    name_height = row_height(names.header_lines(line_width), BALANCED_SIZE)
    for column in (1, split + 1):  # the name right under the parent body, the motto right under the title
        sheet.cell(row=4, column=column).alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
    sheet.row_dimensions[4].height = max(name_height, fitted_height([(header.motto, right, 12, True)]))
    sheet.row_dimensions[5].height = fitted_height([(header.place_date, right, 12, False)], minimum=18)
    dispatch = campaign.dispatch
    lines = [
        (campaign.report_title, font(size=14, bold=True)),
        (campaign.report_subtitle, font(bold=True)),
        (
            f"(Thực hiện Công văn số {dispatch.number} {dispatch.date_text} của {config.issuer.short_name})",
            font(italic=True),
        ),
    ]
    for text, text_font in lines:
        if text:
            merged_text(sheet, row, 1, columns, text, text_font, CENTER)
            size = text_font.sz or 12
            sheet.row_dimensions[row].height = fitted_height([(text, sum(widths), size, bool(text_font.b))], 20)
            row += 1
    issuer = config.issuer
    office = f" (qua {issuer.office})" if issuer.office else ""
    merged_text(sheet, row, 1, columns, f"Kính gửi: {issuer.short_name}{office}.", font(), CENTER)
    return row + 2


def write_signature(sheet: Worksheet, row: int, columns: int) -> int:
    """The two signature blocks from `row`; the row after the room left for signing."""
    split = max(1, columns // 2)
    merged_text(sheet, row, 1, split, "NGƯỜI LẬP BÁO CÁO", font(bold=True), CENTER)
    merged_text(sheet, row, split + 1, columns, "THỦ TRƯỞNG ĐƠN VỊ", font(bold=True), CENTER)
    merged_text(sheet, row + 1, 1, split, "(Ký, ghi rõ họ tên)", font(italic=True), CENTER)
    merged_text(sheet, row + 1, split + 1, columns, "(Ký tên, đóng dấu)", font(italic=True), CENTER)
    return row + 6


def write_check_panel(sheet: Worksheet, checks: FormChecks) -> dict[str, str]:
    """The check sheet: one counting formula per check, the totals and the status line.

    Returns the defined names the totals and status need (name → reference on this sheet), in order.
    """
    for column, width in zip("ABCDE", (6, 80, 20, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    merged_text(sheet, 1, 1, 5, "KIỂM TRA BÁO CÁO TRƯỚC KHI GỬI", font(size=14, bold=True), CENTER)
    merged_text(sheet, 2, 1, 5, f"={CHECK_STATUS_NAME}", font(bold=True), CENTER)
    merged_text(
        sheet,
        3,
        1,
        5,
        "Bảng này tự đếm các chỗ còn thiếu hoặc sai. Ở trang tương ứng, ô sai được tô màu cam, ô bắt buộc còn trống "
        "tô màu hồng. "
        "Khi cột «Số chỗ sai» ở các dòng «Lỗi» đều bằng 0 là có thể gửi báo cáo.",
        font(italic=True),
    )
    sheet.row_dimensions[3].height = fitted_height([(str(sheet["A3"].value), 130, 12, False)], minimum=18)
    sheet.row_dimensions[1].height = row_height(1, 14)
    headers = ("TT", "Nội dung kiểm tra", "Trang", "Số chỗ sai", "Mức độ")
    for column, label in enumerate(headers, start=1):
        cell = sheet.cell(row=5, column=column, value=label)
        cell.font, cell.alignment, cell.border, cell.fill = font(bold=True), CENTER, BOX, HEADER_FILL
    panel = checks.panel()
    first = 6
    for index, check in enumerate(panel):
        row = first + index
        values = (index + 1, check.description, check.sheet, None, check.severity)
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.border, cell.alignment, cell.font = BOX, CENTER if column in (1, 5) else WRAP, font()
        sheet.row_dimensions[row].height = fitted_height([(check.description, 80, 12, False)], minimum=16)
        count = sheet.cell(row=row, column=4)
        count.value = ArrayFormula(count.coordinate, check.formula) if check.is_array else check.formula
        count.alignment = CENTER
    last = first + len(panel) - 1
    counts, levels = f"$D${first}:$D${last}", f"$E${first}:$E${last}"
    sheet.conditional_formatting.add(f"D{first}:D{last}", FormulaRule(formula=[f"D{first}>0"], fill=PROBLEM_FILL))
    total_row = last + 2
    sheet.cell(row=total_row, column=2, value="Tổng số lỗi phải sửa").font = font(bold=True)
    sheet.cell(row=total_row, column=4, value=f'=SUMIF({levels},"{ERROR}",{counts})').font = font(bold=True)
    sheet.cell(row=total_row + 1, column=2, value="Tổng số cảnh báo (nên xem lại)")
    sheet.cell(row=total_row + 1, column=4, value=f'=SUMIF({levels},"Cảnh báo",{counts})')
    status = (
        f'=IF({CHECK_ERRORS_NAME}=0,"ĐÃ ĐỦ: không còn lỗi"'
        f'&IF({CHECK_WARNINGS_NAME}>0," (còn "&{CHECK_WARNINGS_NAME}&" cảnh báo nên xem lại)","")'
        f'&", có thể gửi báo cáo.","CÒN "&{CHECK_ERRORS_NAME}'
        f'&" LỖI: xem trang «{CHECK_SHEET}» và sửa các ô tô màu trước khi gửi.")'
    )
    sheet.cell(row=total_row + 2, column=2, value=status)
    sheet.conditional_formatting.add(
        "A2", FormulaRule(formula=[f"{CHECK_ERRORS_NAME}>0"], font=font(bold=True, color="C00000"))
    )
    sheet.print_title_rows = "5:5"
    sheet.print_area = f"A1:E{total_row + 2}"
    page_setup(sheet, 130, one_page=len(panel) <= CHECKS_ON_ONE_PAGE)
    return {
        CHECK_ERRORS_NAME: f"$D${total_row}",
        CHECK_WARNINGS_NAME: f"$D${total_row + 1}",
        CHECK_STATUS_NAME: f"$B${total_row + 2}",
    }


def write_instructions(sheet: Worksheet, config: CampaignConfig, form_sheets: Iterable[str], names: NameLayout) -> None:
    """The first sheet units see: deadline, where to send, how to fill in, how to check before sending.

    Each row is as tall as its text needs, the unit's line as tall as the longest name of the config needs;
    the sheet prints on one page.
    """
    campaign, issuer, form = config.campaign, config.issuer, config.form
    sheet.column_dimensions["A"].width = 75
    deadline = f"{campaign.deadline:%d/%m/%Y}"
    office = f" ({issuer.office})" if issuer.office else ""
    sheet_list = "; ".join(
        f"trang «{name}»: {', '.join(s.label for s in form.sections if s.sheet == name)}" for name in form_sheets
    )
    growable = [s for s in form.sections if s.is_growable_table]
    lines = [
        ("HƯỚNG DẪN ĐIỀN BÁO CÁO", font(size=14, bold=True)),
        (campaign.name, font(bold=True)),
        (f"Đơn vị: {placeholder('unit_name')} (mã {placeholder('unit_code')})", font(bold=True)),
        (f"Hạn gửi báo cáo: trước ngày {deadline}.", font(bold=True, color="C00000")),
        (f"Nơi nhận: {issuer.short_name}{office}, thư điện tử {issuer.email}.", font()),
        ("", font()),
        ("1. Chỉ nhập vào các ô nền vàng; các ô khác đã được khoá để tránh sửa nhầm.", font()),
        (f"2. Các phần cần điền: {sheet_list}.", font()),
        ("3. Ngày nhập dạng ngày/tháng/năm (ví dụ 20/11/2019); số người nhập bằng số, không kèm chữ.", font()),
        ("4. Ô có danh sách: bấm vào ô rồi chọn ở mũi tên bên phải, không tự gõ nội dung khác.", font()),
    ]
    if growable:
        sizes = ", ".join(f"«{s.label}» có sẵn {s.rows} dòng" for s in growable)
        drawn = min(INITIAL_GRID_ROWS, max(s.rows for s in growable))
        lines.append(
            (
                f"5. Bảng nhiều dòng: {sizes}; mỗi dòng một mục, không cần xoá dòng trống. {drawn} dòng đầu đã kẻ "
                "khung; gõ đến đâu, khung các dòng tiếp theo hiện ra đến đó; khi in, chỉ các dòng đã dùng được in.",
                font(),
            )
        )
    lines += [
        (
            f"6. Trước khi gửi, mở trang «{CHECK_SHEET}»: thấy «ĐÃ ĐỦ» là gửi được; nếu còn lỗi, "
            "mỗi dòng cho biết thiếu hoặc sai ở đâu; ô sai được tô màu cam, ô bắt buộc còn trống tô màu hồng.",
            font(),
        ),
        (
            "7. Giữ nguyên tên các trang và tên tệp, không thêm hay xoá cột; lưu dạng Excel (.xlsx).",
            font(),
        ),
        (f"8. Gửi tệp này (đính kèm thư) về {issuer.email} trước ngày {deadline}.", font()),
    ]
    lines += [(text, font()) for text in form.instructions]
    for row, (text, text_font) in enumerate(lines, start=1):
        cell = sheet.cell(row=row, column=1, value=cell_text(text))
        cell.font, cell.alignment = text_font, WRAP
        shown = text.replace(placeholder("unit_name"), names.longest_name).replace(placeholder("unit_code"), "M" * 9)
        size = text_font.sz or 12
        sheet.row_dimensions[row].height = fitted_height([(shown, 75, size, bool(text_font.b))], minimum=16)
    sheet.print_area = f"A1:A{len(lines)}"
    page_setup(sheet, 100, one_page=True)
