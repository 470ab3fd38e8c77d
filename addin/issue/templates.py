"""The master template and the per-unit copies that go out to units.

The master is built from config with openpyxl. Unit copies are stamped from the master's
bytes: every `{{placeholder}}` text is replaced inside the package's XML. Stamping from bytes
keeps everything staff did to the master in Excel (fonts, colours, widths, a logo) exactly,
which a load-and-save through openpyxl would not (it drops shapes and other parts it does
not model), and costs about a millisecond per unit.
"""

import io
import math
import os
import re
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from addin import __version__
from addin.campaign import CampaignFolder
from addin.config import CampaignConfig, FormField, Section, UnitEntry
from addin.contract import (
    CHECK_ERRORS_NAME,
    CHECK_STATUS_NAME,
    CHECK_WARNINGS_NAME,
    META_NAME,
    META_SHEET,
    Meta,
    field_name,
    list_name,
    table_name,
)
from addin.errors import BaocaoError
from addin.progress import NullReporter, Reporter
from addin.rules.template_checks import ERROR, FormChecks
from addin.xlsx.limits import cell_text, safe_file_stem
from addin.xlsx.styles import BOX, CENTER, FONT, HEADER_FILL, WRAP

MASTER_NAME = "bieu_mau_don_vi.xlsx"
INSTRUCTIONS_SHEET = "Hướng dẫn"
CHECK_SHEET = "Kiểm tra"
PLACEHOLDERS = ("unit_code", "unit_name", "unit_short", "unit_parent", "unit_name_upper", "group_name")

INPUT_FILL = PatternFill("solid", fgColor="FFF9E1")
PROBLEM_FILL = PatternFill("solid", fgColor="F8CBAD")
UNLOCKED = Protection(locked=False)
DEFAULT_WIDTHS = {"date": 13, "integer": 10, "decimal": 12, "select_one": 22, "email": 26, "phone": 16, "text": 30}
NUMBER_FORMATS = {"date": "dd/mm/yyyy", "integer": "#,##0", "decimal": "#,##0.##"}


def placeholder(key: str) -> str:
    return "{{" + key + "}}"


def fit_row_height(sheet: Worksheet, row: int, text: str, width: float, minimum: float = 16) -> None:
    """Give a wrapped text's row room for all its lines (LibreOffice does not re-measure rows)."""
    lines = sum(max(1, math.ceil(len(part) / max(width * 1.1, 1))) for part in str(text).split("\n"))
    height = max(minimum, 15.75 * lines + 3, sheet.row_dimensions[row].height or 0)
    sheet.row_dimensions[row].height = height


def font(size: float = 12, bold: bool = False, italic: bool = False, color: str | None = None) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic, color=color)


# ---------------------------------------------------------------- building the master


class MasterBuilder:
    """Lays out the form of a config as a protected, self-checking workbook."""

    def __init__(self, config: CampaignConfig):
        self.config = config
        self.form = config.form
        self.checks = FormChecks(config, field_name)
        self.workbook = Workbook()
        self.sheets: dict[str, Worksheet] = {}
        self.next_row: dict[str, int] = {}

    def build(self) -> Workbook:
        instructions = self.workbook.active
        instructions.title = INSTRUCTIONS_SHEET
        for section in self.form.sections:
            self._place_section(section)
        self._add_signature(self.sheets[self.form.sections[-1].sheet])
        check_sheet = self.workbook.create_sheet(CHECK_SHEET)
        self._write_check_panel(check_sheet)
        self._write_meta(self.workbook.create_sheet(META_SHEET))
        self._write_instructions(instructions)
        for sheet in self.sheets.values():
            self._finish_form_sheet(sheet)
        self._protect(check_sheet)
        self._protect(instructions)
        self.workbook.security = WorkbookProtection(lockStructure=True)
        if self.config.template.protection_password:
            self.workbook.security.workbookPassword = self.config.template.protection_password
        self._use_official_font()
        self.workbook.properties.title = self.form.title
        self.workbook.properties.creator = f"baocao {__version__}"
        self.workbook.active = 0
        return self.workbook

    def _use_official_font(self) -> None:
        """Times New Roman for every written cell that was not given a font explicitly."""
        for sheet in self.workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is not None and cell.font.name != FONT:
                        cell.font = font(bold=bool(cell.font.b), italic=bool(cell.font.i))

    # ------------------------------------------------------------ sheets and sections

    def _sheet_for(self, section: Section) -> Worksheet:
        if section.sheet in self.sheets:
            return self.sheets[section.sheet]
        sheet = self.workbook.create_sheet(section.sheet)
        self.sheets[section.sheet] = sheet
        widths = self._column_widths(section.sheet)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.sheet_properties.tabColor = "2F5597"
        row = 3
        if len(self.sheets) == 1:
            row = self._write_document_header(sheet, len(widths))
        self.next_row[section.sheet] = row
        return sheet

    def _column_widths(self, sheet_name: str) -> list[float]:
        tables = [s for s in self.form.sections if s.sheet == sheet_name and s.kind == "table"]
        if not tables:
            return [5, 38, 45, 12]
        widest = max(tables, key=lambda s: len(s.fields) + s.numbered)
        widths = [5.0] if widest.numbered else []
        widths += [field.width or DEFAULT_WIDTHS[field.type] for field in widest.fields]
        return widths + [14.0] * max(0, 4 - len(widths))

    def width_of(self, sheet: Worksheet) -> int:
        return len(self._column_widths(sheet.title))

    def _place_section(self, section: Section) -> None:
        sheet = self._sheet_for(section)
        row = self.next_row[section.sheet]
        self._merged_text(
            sheet, row, 1, self.width_of(sheet), section.label, font(bold=True), Alignment(vertical="center")
        )
        if section.kind == "fields":
            row = self._write_fields(sheet, section, row + 1)
        else:
            row = self._write_table(sheet, section, row + 1)
        self.next_row[section.sheet] = row + 1

    def _merged_text(self, sheet, row, first, last, value, cell_font=None, alignment=None):
        cell = sheet.cell(row=row, column=first, value=cell_text(value) if isinstance(value, str) else value)
        cell.font = cell_font or font()
        cell.alignment = alignment or WRAP
        if last > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        return cell

    def _write_fields(self, sheet: Worksheet, section: Section, row: int) -> int:
        last = self.width_of(sheet)
        tasks = {task.code: task for task in self.config.tasks}
        for index, field in enumerate(section.fields, start=1):
            label = field.label + (" (*)" if field.required else "")
            if field.task:
                label = f"{label} — nhiệm vụ {tasks[field.task].code}"
            for column, text in ((1, f"{index}."), (2, label)):
                cell = sheet.cell(row=row, column=column, value=text)
                cell.font, cell.alignment = font(), WRAP
            fit_row_height(sheet, row, label, sheet.column_dimensions["B"].width)
            value = self._merged_text(sheet, row, 3, last, self._prefill(field))
            self._style_value_cell(sheet, value, field, rows=1, last_column=last)
            if field.multiline:
                sheet.row_dimensions[row].height = 90
            self._define(field_name(section, field.name), sheet, f"${value.column_letter}${row}")
            self._highlight_single(sheet, section, field, value.coordinate)
            row += 1
        return row

    def _prefill(self, field: FormField) -> str | None:
        return {"unit_name": placeholder("unit_name"), "unit_code": placeholder("unit_code")}.get(field.prefill or "")

    def _style_value_cell(self, sheet, cell, field: FormField, rows: int, last_column: int) -> None:
        for row in sheet.iter_rows(
            min_row=cell.row, max_row=cell.row + rows - 1, min_col=cell.column, max_col=last_column
        ):
            for each in row:
                each.border = BOX
                each.font = font()
                each.alignment = WRAP
                if field.is_input:
                    each.fill = INPUT_FILL
                    each.protection = UNLOCKED
                if field.type in NUMBER_FORMATS:
                    each.number_format = NUMBER_FORMATS[field.type]
        validation = self.checks.data_validation(field, cell.coordinate) if field.is_input else None
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{cell.coordinate}:{get_column_letter(cell.column)}{cell.row + rows - 1}")

    def _write_table(self, sheet: Worksheet, section: Section, row: int) -> int:
        offset = 1 + section.numbered
        columns = {field.name: offset + i for i, field in enumerate(section.fields)}
        header_top = row
        row = self._write_table_headers(sheet, section, columns, row)
        first, count = row, self._table_row_count(section)
        last = first + count - 1
        if section.is_growable_table:
            sheet.print_title_rows = f"{header_top}:{first - 1}"
            sheet.freeze_panes = sheet.cell(row=first, column=1)
        for field in section.fields:
            column = columns[field.name]
            top = sheet.cell(row=first, column=column)
            self._style_value_cell(sheet, top, field, rows=count, last_column=column)
            letter = get_column_letter(column)
            self._define(field_name(section, field.name), sheet, f"${letter}${first}:${letter}${last}")
        first_letter, last_letter = get_column_letter(offset), get_column_letter(offset + len(section.fields) - 1)
        self._define(table_name(section), sheet, f"${first_letter}${first}:${last_letter}${last}")
        self._prefill_task_rows(sheet, section, columns, first)
        if section.numbered:
            self._number_rows(sheet, section, columns, first, last)
        self._highlight_table(sheet, section, columns, first, last)
        if section.totals:
            last += 1
            self._write_totals_row(sheet, section, columns, last)
        return last + 1

    def _table_row_count(self, section: Section) -> int:
        return len(self.config.tasks) if section.rows_from == "tasks" else section.rows

    def _write_table_headers(self, sheet, section: Section, columns: dict[str, int], row: int) -> int:
        grouped = {name: group for group in section.header_groups for name in group.fields}
        two_levels = bool(grouped)
        headers = ([("TT", 1, None)] if section.numbered else []) + [
            (field.label, columns[field.name], field.name) for field in section.fields
        ]
        for label, column, name in headers:
            top = row + 1 if two_levels and name in grouped else row
            bottom = row + 1 if two_levels else row
            cell = sheet.cell(row=top, column=column, value=label)
            if bottom > top:
                sheet.merge_cells(start_row=top, start_column=column, end_row=bottom, end_column=column)
        for group in section.header_groups:
            span = sorted(columns[name] for name in group.fields)
            sheet.cell(row=row, column=span[0], value=group.label)
            sheet.merge_cells(start_row=row, start_column=span[0], end_row=row, end_column=span[-1])
        numbers_row = row + 1 + two_levels
        for position, (_, column, _) in enumerate(headers, start=1):
            sheet.cell(row=numbers_row, column=column, value=f"({position})")
        last_column = max(column for _, column, _ in headers)
        for each_row in sheet.iter_rows(min_row=row, max_row=numbers_row, min_col=1, max_col=last_column):
            for cell in each_row:
                cell.font = font(italic=cell.row == numbers_row, bold=cell.row < numbers_row)
                cell.alignment = CENTER
                cell.border = BOX
                cell.fill = HEADER_FILL
        sheet.row_dimensions[row].height = 32
        return numbers_row + 1

    def _prefill_task_rows(self, sheet, section: Section, columns: dict[str, int], first: int) -> None:
        if section.rows_from != "tasks":
            return
        for index, task in enumerate(self.config.tasks):
            for field in section.fields:
                value = {"task_code": task.code, "task_text": task.text}.get(field.prefill or "")
                if value is None:
                    continue
                cell = sheet.cell(row=first + index, column=columns[field.name], value=cell_text(value))
                cell.alignment = CENTER if field.prefill == "task_code" else WRAP
                width = sheet.column_dimensions[get_column_letter(columns[field.name])].width
                fit_row_height(sheet, first + index, value, width, minimum=48)

    def _number_rows(self, sheet, section: Section, columns: dict[str, int], first: int, last: int) -> None:
        inputs = [columns[field.name] for field in section.input_fields]
        span = f"{get_column_letter(min(inputs))}{{row}}:{get_column_letter(max(inputs))}{{row}}"
        for row in range(first, last + 1):
            cell = sheet.cell(row=row, column=1, value=f'=IF(COUNTA({span.format(row=row)})=0,"",ROW()-{first - 1})')
            cell.border = BOX
            cell.alignment = CENTER

    def _write_totals_row(self, sheet, section: Section, columns: dict[str, int], row: int) -> None:
        label_column = 1 if section.numbered else columns[section.fields[0].name]
        sheet.cell(row=row, column=label_column, value="Cộng")
        for name in section.totals:
            sheet.cell(row=row, column=columns[name], value=f"=SUM({field_name(section, name)})")
        for column in range(1, max(columns.values()) + 1):
            cell = sheet.cell(row=row, column=column)
            cell.font = font(bold=True)
            cell.border = BOX
            if column in columns.values():
                field = section.fields[column - 1 - section.numbered]
                cell.number_format = NUMBER_FORMATS.get(field.type, "General")

    # ------------------------------------------------------------ highlighting

    def _highlight_single(self, sheet, section: Section, field: FormField, coordinate: str) -> None:
        if not field.is_input:
            return
        problem = self.checks.value_problem(field, coordinate)
        if problem:
            rule = FormulaRule(formula=[f"AND(LEN({coordinate})>0,{problem[0]})"], fill=PROBLEM_FILL)
            sheet.conditional_formatting.add(coordinate, rule)

    def _highlight_table(self, sheet, section: Section, columns: dict[str, int], first: int, last: int) -> None:
        def first_row_ref(name: str) -> str:
            return f"${get_column_letter(columns[name])}{first}"

        filled = self.checks.row_filled(section, first_row_ref)
        for field in section.input_fields:
            letter = get_column_letter(columns[field.name])
            cell = f"{letter}{first}"
            conditions = [f"AND({filled},LEN(TRIM({cell}))=0)"] if field.required and not section.rows_from else []
            problem = self.checks.value_problem(field, cell)
            if problem:
                conditions.append(f"AND(LEN({cell})>0,{problem[0]})")
            for rule in self.config.rules:
                if rule.scope == section.name and rule.severity == "error" and field.name in rule.left:
                    conditions.append(f"{self.checks.rule_violation(rule, first_row_ref)}>0")
            if conditions:
                formula = FormulaRule(formula=[f"OR({','.join(conditions)})"], fill=PROBLEM_FILL)
                sheet.conditional_formatting.add(f"{letter}{first}:{letter}{last}", formula)

    # ------------------------------------------------------------ fixed blocks

    def _write_document_header(self, sheet: Worksheet, columns: int) -> int:
        split = max(1, columns // 2)
        header = self.config.document_header
        campaign = self.config.campaign
        left = [
            (placeholder("unit_parent"), font()),
            (placeholder("unit_name_upper"), font(bold=True)),
            ("Số: ……/BC-……", font()),
        ]
        right = [
            (header.national_title, font(bold=True)),
            (header.motto, font(bold=True)),
            (f"……………, ngày …… tháng …… năm {campaign.deadline.year}", font(italic=True)),
        ]
        row = 3
        for (left_text, left_font), (right_text, right_font) in zip(left, right, strict=True):
            self._merged_text(sheet, row, 1, split, left_text, left_font, CENTER)
            self._merged_text(sheet, row, split + 1, columns, right_text, right_font, CENTER)
            sheet.row_dimensions[row].height = 33
            row += 1
        row += 1
        dispatch = campaign.dispatch
        lines = [
            (campaign.report_title, font(size=14, bold=True)),
            (campaign.report_subtitle, font(bold=True)),
            (
                f"(Thực hiện Công văn số {dispatch.number} {dispatch.date_text} của {self.config.issuer.short_name})",
                font(italic=True),
            ),
        ]
        for text, text_font in lines:
            if text:
                self._merged_text(sheet, row, 1, columns, text, text_font, CENTER)
                sheet.row_dimensions[row].height = 36 if len(text) > 80 else 20
                row += 1
        issuer = self.config.issuer
        office = f" (qua {issuer.office})" if issuer.office else ""
        self._merged_text(sheet, row, 1, columns, f"Kính gửi: {issuer.short_name}{office}.", font(), CENTER)
        return row + 2

    def _add_signature(self, sheet: Worksheet) -> None:
        row = self.next_row[sheet.title] + 1
        columns = self.width_of(sheet)
        split = max(1, columns // 2)
        self._merged_text(sheet, row, 1, split, "NGƯỜI LẬP BÁO CÁO", font(bold=True), CENTER)
        self._merged_text(sheet, row, split + 1, columns, "THỦ TRƯỞNG ĐƠN VỊ", font(bold=True), CENTER)
        self._merged_text(sheet, row + 1, 1, split, "(Ký, ghi rõ họ tên)", font(italic=True), CENTER)
        self._merged_text(sheet, row + 1, split + 1, columns, "(Ký tên, đóng dấu)", font(italic=True), CENTER)
        self.next_row[sheet.title] = row + 6

    def _finish_form_sheet(self, sheet: Worksheet) -> None:
        columns = self.width_of(sheet)
        status = self._merged_text(
            sheet, 1, 1, columns, f"={CHECK_STATUS_NAME}", font(bold=True), Alignment(vertical="center")
        )
        sheet.row_dimensions[1].height = 22
        status.protection = Protection(locked=True)
        sheet.conditional_formatting.add(
            "A1", FormulaRule(formula=[f"{CHECK_ERRORS_NAME}>0"], font=font(bold=True, color="C00000"))
        )
        sheet.conditional_formatting.add(
            "A1", FormulaRule(formula=[f"{CHECK_ERRORS_NAME}=0"], font=font(bold=True, color="00703C"))
        )
        last_row = max(sheet.max_row, self.next_row[sheet.title])
        sheet.print_area = f"A3:{get_column_letter(columns)}{last_row}"
        self._page_setup(sheet, sum(self._column_widths(sheet.title)))
        self._protect(sheet)

    def _page_setup(self, sheet: Worksheet, total_width: float) -> None:
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "landscape" if total_width > 100 else "portrait"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_margins.left = sheet.page_margins.right = 0.5
        sheet.print_options.horizontalCentered = True
        sheet.oddFooter.center.text = "Trang &P/&N"
        sheet.oddFooter.center.font = FONT

    def _protect(self, sheet: Worksheet) -> None:
        protection = sheet.protection
        protection.sheet = True
        protection.formatColumns = False
        protection.formatRows = False
        protection.insertRows = False
        protection.selectLockedCells = False
        protection.selectUnlockedCells = False
        if self.config.template.protection_password:
            protection.password = self.config.template.protection_password

    # ------------------------------------------------------------ check panel, meta, instructions

    def _write_check_panel(self, sheet: Worksheet) -> None:
        for column, width in zip("ABCDE", (6, 80, 20, 12, 12), strict=True):
            sheet.column_dimensions[column].width = width
        self._merged_text(sheet, 1, 1, 5, "KIỂM TRA BÁO CÁO TRƯỚC KHI GỬI", font(size=14, bold=True), CENTER)
        self._merged_text(sheet, 2, 1, 5, f"={CHECK_STATUS_NAME}", font(bold=True), CENTER)
        self._merged_text(
            sheet,
            3,
            1,
            5,
            "Bảng này tự đếm các chỗ còn thiếu hoặc sai. Ô sai được tô màu cam ở trang tương ứng. "
            "Khi cột «Số chỗ sai» ở các dòng «Lỗi» đều bằng 0 là có thể gửi báo cáo.",
            font(italic=True),
        )
        sheet.row_dimensions[3].height = 34
        headers = ("TT", "Nội dung kiểm tra", "Trang", "Số chỗ sai", "Mức độ")
        for column, label in enumerate(headers, start=1):
            cell = sheet.cell(row=5, column=column, value=label)
            cell.font, cell.alignment, cell.border, cell.fill = font(bold=True), CENTER, BOX, HEADER_FILL
        checks = self.checks.panel()
        first = 6
        for index, check in enumerate(checks):
            row = first + index
            values = (index + 1, check.description, check.sheet, None, check.severity)
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column, value=value)
                cell.border, cell.alignment, cell.font = BOX, CENTER if column in (1, 5) else WRAP, font()
            fit_row_height(sheet, row, check.description, 80)
            count = sheet.cell(row=row, column=4)
            count.value = ArrayFormula(count.coordinate, check.formula) if check.is_array else check.formula
            count.alignment = CENTER
        last = first + len(checks) - 1
        counts, levels = f"$D${first}:$D${last}", f"$E${first}:$E${last}"
        sheet.conditional_formatting.add(f"D{first}:D{last}", FormulaRule(formula=[f"D{first}>0"], fill=PROBLEM_FILL))
        total_row = last + 2
        sheet.cell(row=total_row, column=2, value="Tổng số lỗi phải sửa").font = font(bold=True)
        sheet.cell(row=total_row, column=4, value=f'=SUMIF({levels},"{ERROR}",{counts})').font = font(bold=True)
        sheet.cell(row=total_row + 1, column=2, value="Tổng số cảnh báo (nên xem lại)")
        sheet.cell(row=total_row + 1, column=4, value=f'=SUMIF({levels},"Cảnh báo",{counts})')
        self._define(CHECK_ERRORS_NAME, sheet, f"$D${total_row}")
        self._define(CHECK_WARNINGS_NAME, sheet, f"$D${total_row + 1}")
        status = (
            f'=IF({CHECK_ERRORS_NAME}=0,"ĐÃ ĐỦ: không còn lỗi"'
            f'&IF({CHECK_WARNINGS_NAME}>0," (còn "&{CHECK_WARNINGS_NAME}&" cảnh báo nên xem lại)","")'
            f'&", có thể gửi báo cáo.","CÒN "&{CHECK_ERRORS_NAME}'
            f'&" LỖI: xem trang «{CHECK_SHEET}» và sửa các ô tô màu trước khi gửi.")'
        )
        sheet.cell(row=total_row + 2, column=2, value=status)
        self._define(CHECK_STATUS_NAME, sheet, f"$B${total_row + 2}")
        sheet.conditional_formatting.add(
            "A2", FormulaRule(formula=[f"{CHECK_ERRORS_NAME}>0"], font=font(bold=True, color="C00000"))
        )
        sheet.print_title_rows = "5:5"
        sheet.print_area = f"A1:E{total_row + 2}"
        self._page_setup(sheet, 130)

    def _write_meta(self, sheet: Worksheet) -> None:
        rows = {
            Meta.CAMPAIGN_ID: self.config.campaign.id,
            Meta.FORM_ID: self.form.form_id,
            Meta.FORM_VERSION: self.form.version,
            Meta.FORM_FINGERPRINT: self.config.form_fingerprint,
            Meta.MASTER_FINGERPRINT: self.config.master_fingerprint,
            Meta.UNIT_CODE: placeholder("unit_code"),
            Meta.UNIT_NAME: placeholder("unit_name"),
            Meta.GENERATOR: f"baocao {__version__}",
        }
        for row, (key, value) in enumerate(rows.items(), start=1):
            sheet.cell(row=row, column=1, value=key)
            sheet.cell(row=row, column=2, value=value).data_type = "s"
        self._define(META_NAME, sheet, f"$A$1:$B${len(rows)}")
        for column, (choices_name, choices) in enumerate(self.form.choices.items(), start=4):
            sheet.cell(row=1, column=column, value=choices_name)
            for row, choice in enumerate(choices, start=2):
                sheet.cell(row=row, column=column, value=choice.label)
            letter = get_column_letter(column)
            self._define(list_name(choices_name), sheet, f"${letter}$2:${letter}${len(choices) + 1}")
        sheet.sheet_state = "veryHidden"
        self._protect(sheet)

    def _write_instructions(self, sheet: Worksheet) -> None:
        campaign, issuer = self.config.campaign, self.config.issuer
        sheet.column_dimensions["A"].width = 75
        deadline = f"{campaign.deadline:%d/%m/%Y}"
        office = f" ({issuer.office})" if issuer.office else ""
        sheet_list = "; ".join(
            f"trang «{name}»: {', '.join(s.label for s in self.form.sections if s.sheet == name)}"
            for name in self.sheets
        )
        growable = [s for s in self.form.sections if s.is_growable_table]
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
            lines.append((f"5. Bảng nhiều dòng: {sizes}; mỗi dòng một mục, không cần xoá dòng trống.", font()))
        lines += [
            (
                f"6. Trước khi gửi, mở trang «{CHECK_SHEET}»: thấy «ĐÃ ĐỦ» là gửi được; nếu còn lỗi, "
                "mỗi dòng cho biết thiếu hoặc sai ở đâu, ô sai được tô màu.",
                font(),
            ),
            (
                "7. Giữ nguyên tên các trang và tên tệp, không thêm hay xoá cột; lưu dạng Excel (.xlsx).",
                font(),
            ),
            (f"8. Gửi tệp này (đính kèm thư) về {issuer.email} trước ngày {deadline}.", font()),
        ]
        lines += [(text, font()) for text in self.form.instructions]
        for row, (text, text_font) in enumerate(lines, start=1):
            cell = sheet.cell(row=row, column=1, value=cell_text(text))
            cell.font, cell.alignment = text_font, WRAP
            fit_row_height(sheet, row, text, 75)
        sheet.print_area = f"A1:A{len(lines)}"
        self._page_setup(sheet, 100)

    def _define(self, name: str, sheet: Worksheet, reference: str) -> None:
        self.workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{reference}")


def build_master(config: CampaignConfig) -> bytes:
    """The master template of a config as .xlsx bytes."""
    buffer = io.BytesIO()
    MasterBuilder(config).build().save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- stamping unit copies


def unit_values(unit: UnitEntry) -> dict[str, str]:
    return {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_short": unit.short,
        "unit_parent": unit.parent.upper(),
        "unit_name_upper": unit.name.upper(),
        "group_name": unit.group_name,
    }


_PLACEHOLDER_PATTERN = re.compile(rb"\{\{(" + b"|".join(key.encode() for key in PLACEHOLDERS) + rb")\}\}")


class MasterPackage:
    """The master's parts held in memory, ready to be stamped for one unit after another."""

    def __init__(self, master: bytes, source: Path):
        with zipfile.ZipFile(io.BytesIO(master)) as archive:
            self.parts = [(info, archive.read(info)) for info in archive.infolist()]
        found = {match.group(1).decode() for _, data in self.parts for match in _PLACEHOLDER_PATTERN.finditer(data)}
        if "unit_code" not in found or "unit_name" not in found:
            raise BaocaoError(
                f"Biểu mẫu gốc {source} đã mất chỗ điền tên/mã đơn vị ({{{{unit_name}}}}, {{{{unit_code}}}}). "
                "Hãy khôi phục các ô đó hoặc xoá tệp gốc để baocao tạo lại."
            )

    def stamp(self, unit: UnitEntry) -> bytes:
        values = {key.encode(): escape(value).encode("utf-8") for key, value in unit_values(unit).items()}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in self.parts:
                if b"{{" in data:
                    data = _PLACEHOLDER_PATTERN.sub(lambda match: values[match.group(1)], data)
                entry = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, data)
        return buffer.getvalue()


def unit_file_name(unit: UnitEntry) -> str:
    return f"{unit.code}_{safe_file_stem(unit.short)}.xlsx"


def read_layout_meta(path: Path) -> dict[str, str]:
    """The key/value rows of a layout's `_meta` sheet (unit master or summary); empty when unreadable."""
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(META_SHEET)
        return {str(row[0]): str(row[1]) for row in sheet.to_python() if len(row) >= 2 and row[0]}
    except Exception:  # an unreadable master is rebuilt, never fatal
        return {}


@dataclass(frozen=True)
class TemplatesResult:
    master: Path
    master_rebuilt: bool
    master_backup: Path | None
    unit_files: list[Path]


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".~tmp_{secrets.token_hex(6)}{path.suffix}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except PermissionError as error:
        temporary.unlink(missing_ok=True)
        raise BaocaoError(
            f"Không ghi được tệp {path}: tệp đang mở trong Excel hoặc thư mục không cho ghi. Hãy đóng tệp rồi chạy lại."
        ) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def ensure_master(config: CampaignConfig, folder: CampaignFolder) -> tuple[Path, bool, Path | None]:
    """Use the campaign's master if it matches the config; otherwise build it (keeping the old one)."""
    master = folder.layouts / MASTER_NAME
    backup = None
    if master.exists():
        meta = read_layout_meta(master)
        if meta.get("master_fingerprint") == config.master_fingerprint:
            return master, False, None
        backup = master.with_name(f"{master.stem}.cu_{meta.get('master_fingerprint', 'khong_doc_duoc')}{master.suffix}")
        os.replace(master, backup)
    write_bytes_atomically(master, build_master(config))
    return master, True, backup


def build_templates(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    units: Iterable[UnitEntry] | None = None,
    reporter: Reporter | None = None,
) -> TemplatesResult:
    """Make sure the master is current, then write one template per unit into the outgoing folder."""
    config = config or folder.load_config()
    reporter = reporter or NullReporter()
    master, rebuilt, backup = ensure_master(config, folder)
    package = MasterPackage(master.read_bytes(), master)
    chosen = list(units if units is not None else config.units)
    written = []
    reporter.start(len(chosen), "Đang tạo biểu mẫu")
    for unit in chosen:
        target = folder.outgoing / unit_file_name(unit)
        write_bytes_atomically(target, package.stamp(unit))
        written.append(target)
        reporter.advance(unit.short)
    reporter.finish()
    return TemplatesResult(master=master, master_rebuilt=rebuilt, master_backup=backup, unit_files=written)
