"""The master template: the form of a config laid out as a protected, self-checking workbook.

Input cells are unlocked, yellow and reached by defined names (the template ↔ reader contract);
conditional formats colour a wrong cell and the check panel counts what is still missing or wrong,
so a unit sees its mistakes before sending. Unit names appear as `{{placeholders}}`, replaced in
each unit's copy (`unit_copies`).
"""

import io

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from addin import __version__
from addin.config import CampaignConfig, FormField, Section
from addin.contract import (
    CHECK_ERRORS_NAME,
    CHECK_STATUS_NAME,
    META_NAME,
    Meta,
    field_name,
    list_name,
    table_name,
)
from addin.issue.master_blocks import (
    CHECK_SHEET,
    INSTRUCTIONS_SHEET,
    PROBLEM_FILL,
    merged_text,
    page_setup,
    write_check_panel,
    write_document_header,
    write_instructions,
    write_signature,
)
from addin.issue.placeholders import placeholder
from addin.rules.template_checks import FormChecks
from addin.xlsx.limits import cell_text
from addin.xlsx.meta import write_meta_sheet
from addin.xlsx.styles import BOX, CENTER, DEFAULT_WIDTHS, FONT, HEADER_FILL, NUMBER_FORMATS, WRAP, fit_row_height, font

MASTER_NAME = "bieu_mau_don_vi.xlsx"
INPUT_FILL = PatternFill("solid", fgColor="FFF9E1")
UNLOCKED = Protection(locked=False)


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
        for name, reference in write_check_panel(check_sheet, self.checks).items():
            self._define(name, check_sheet, reference)
        self._write_meta()
        write_instructions(instructions, self.config, self.sheets)
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
            row = write_document_header(sheet, self.config, len(widths))
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
        merged_text(sheet, row, 1, self.width_of(sheet), section.label, font(bold=True), Alignment(vertical="center"))
        if section.kind == "fields":
            row = self._write_fields(sheet, section, row + 1)
        else:
            row = self._write_table(sheet, section, row + 1)
        self.next_row[section.sheet] = row + 1

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
            value = merged_text(sheet, row, 3, last, self._prefill(field))
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

    def _add_signature(self, sheet: Worksheet) -> None:
        self.next_row[sheet.title] = write_signature(sheet, self.next_row[sheet.title] + 1, self.width_of(sheet))

    def _finish_form_sheet(self, sheet: Worksheet) -> None:
        columns = self.width_of(sheet)
        status = merged_text(
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
        page_setup(sheet, sum(self._column_widths(sheet.title)))
        self._protect(sheet)

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

    def _write_meta(self) -> None:
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
        sheet = write_meta_sheet(self.workbook, rows)
        self._define(META_NAME, sheet, f"$A$1:$B${len(rows)}")
        for column, (choices_name, choices) in enumerate(self.form.choices.items(), start=4):
            sheet.cell(row=1, column=column, value=choices_name)
            for row, choice in enumerate(choices, start=2):
                sheet.cell(row=row, column=column, value=choice.label)
            letter = get_column_letter(column)
            self._define(list_name(choices_name), sheet, f"${letter}$2:${letter}${len(choices) + 1}")
        self._protect(sheet)

    def _define(self, name: str, sheet: Worksheet, reference: str) -> None:
        self.workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{reference}")


def build_master(config: CampaignConfig) -> bytes:
    """The master template of a config as .xlsx bytes."""
    buffer = io.BytesIO()
    MasterBuilder(config).build().save(buffer)
    return buffer.getvalue()
