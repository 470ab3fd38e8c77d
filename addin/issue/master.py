"""The master template: the form of a config laid out as a protected, self-checking workbook.

Input cells are unlocked, yellow and reached by defined names (the template ↔ reader contract);
conditional formats colour a wrong cell and the check panel counts what is still missing or wrong,
so a unit sees its mistakes before sending. Unit names appear as `{{placeholders}}`, replaced in
each unit's copy (`unit_copies`).
"""

import io
import math

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from addin import __version__
from addin.config import CampaignConfig, FormField, Section
from addin.config.model import DocumentHeader
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
    NameLayout,
    merged_text,
    page_setup,
    write_check_panel,
    write_document_header,
    write_instructions,
    write_signature,
)
from addin.issue.placeholders import placeholder
from addin.issue.print_layout import (
    INITIAL_GRID_ROWS,
    draw_grid_as_filled,
    keep_signature_with_last_rows,
    shade_blank_required,
)
from addin.issue.text_fit import (
    CELL_PADDING,
    POINTS_PER_WIDTH,
    SAFETY,
    cell_room,
    fitted_height,
    text_width,
    wrapped_lines,
)
from addin.rules.template_checks import FormChecks
from addin.xlsx.limits import cell_text
from addin.xlsx.meta import write_meta_sheet
from addin.xlsx.styles import BOX, CENTER, DEFAULT_WIDTHS, FONT, HEADER_FILL, NUMBER_FORMATS, WRAP, font

MASTER_NAME = "bieu_mau_don_vi.xlsx"
FIELDS_WIDTHS = (5, 38, 45, 12)  # a sheet of single fields: number, label, value (over the last two)
HEADER_LEFT_MIN = 40  # the header's left half (parent body, unit name, số) is never narrower than this
NAME_FIT_KEY = "unit_name_fit"  # `_meta` key: how many lines the longest unit name was given (see `name_fit_key`)
MASTER_LAYOUT_VERSION = "2"  # bump when the code draws the master differently: campaigns' masters are then rebuilt
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
        self.layout = NameLayout(config)
        self.last_table_row: dict[str, int] = {}  # sheet → last data row of its last table
        self.trailing_fields: dict[str, int] = {}  # sheet → first row of the fields sections after its last table
        self.tails: dict[str, list[int]] = {}  # sheet → where the rows kept with the signature may start

    def build(self) -> Workbook:
        instructions = self.workbook.active
        instructions.title = INSTRUCTIONS_SHEET
        for section in self.form.sections:
            self._place_section(section)
        self._add_signature(self.sheets[self._signature_sheet()])
        check_sheet = self.workbook.create_sheet(CHECK_SHEET)
        for name, reference in write_check_panel(check_sheet, self.checks).items():
            self._define(name, check_sheet, reference)
        self._write_meta()
        write_instructions(instructions, self.config, self.sheets, self.layout)
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
            row = write_document_header(sheet, self.config, widths, self.layout)
        self.next_row[section.sheet] = row
        return sheet

    def _column_widths(self, sheet_name: str) -> list[float]:
        sections = [s for s in self.form.sections if s.sheet == sheet_name]
        tables = [s for s in sections if s.kind == "table"]
        if not tables:
            return list(FIELDS_WIDTHS)
        widest = max(tables, key=lambda s: len(s.fields) + s.numbered)
        widths = [5.0] if widest.numbered else []
        widths += [field.width or DEFAULT_WIDTHS[field.type] for field in widest.fields]
        widths += [14.0] * max(0, 4 - len(widths))
        if sheet_name == self.form.sections[0].sheet:  # the official header is drawn across these columns
            return header_widths(widths, widest.numbered, self.config.document_header)
        if any(s.kind == "fields" for s in sections):  # single fields' labels and values share the columns
            return header_widths(widths, widest.numbered, None)
        return widths

    def width_of(self, sheet: Worksheet) -> int:
        return len(self._column_widths(sheet.title))

    def _place_section(self, section: Section) -> None:
        sheet = self._sheet_for(section)
        row = self.next_row[section.sheet]
        if section.kind == "table":
            self.trailing_fields.pop(section.sheet, None)
        else:
            self.trailing_fields.setdefault(section.sheet, row)  # where the fields after the last table begin
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
            value = merged_text(sheet, row, 3, last, self._prefill(field))
            self._style_value_cell(sheet, value, field, rows=1, last_column=last)
            shown = self.layout.longest_name if field.prefill == "unit_name" else ""
            value_width = sum(self._column_widths(sheet.title)[2:last])
            texts = [(label, sheet.column_dimensions["B"].width, 12, False), (shown, value_width, 12, False)]
            sheet.row_dimensions[row].height = fitted_height(texts, minimum=90 if field.multiline else 16)
            self._define(field_name(section, field.name), sheet, f"${value.column_letter}${row}")
            self._highlight_single(sheet, section, field, value.coordinate)
            row += 1
        return row

    def _prefill(self, field: FormField) -> str | None:
        return {"unit_name": placeholder("unit_name"), "unit_code": placeholder("unit_code")}.get(field.prefill or "")

    def _style_value_cell(
        self, sheet, cell, field: FormField, rows: int, last_column: int, drawn: int | None = None
    ) -> None:
        """Style `rows` rows of a value; only the first `drawn` of them (all by default) get borders and fill."""
        drawn = rows if drawn is None else drawn
        for row in sheet.iter_rows(
            min_row=cell.row, max_row=cell.row + rows - 1, min_col=cell.column, max_col=last_column
        ):
            for each in row:
                each.font = font()
                each.alignment = WRAP
                if each.row < cell.row + drawn:
                    each.border = BOX
                    if field.is_input:
                        each.fill = INPUT_FILL
                if field.is_input:
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
        if not sheet.print_title_rows:
            sheet.print_title_rows = f"{header_top}:{row - 1}"
        if section.totals:  # above the rows: it prints even when only the rows in use are printed
            self._write_totals_row(sheet, section, columns, row)
            row += 1
        first, count = row, self._table_row_count(section)
        last = first + count - 1
        drawn = min(count, INITIAL_GRID_ROWS) if section.is_growable_table else count
        if section.is_growable_table:
            sheet.freeze_panes = sheet.cell(row=first, column=1)
        self.last_table_row[sheet.title] = last
        for field in section.fields:
            column = columns[field.name]
            top = sheet.cell(row=first, column=column)
            self._style_value_cell(sheet, top, field, rows=count, last_column=column, drawn=drawn)
            letter = get_column_letter(column)
            self._define(field_name(section, field.name), sheet, f"${letter}${first}:${letter}${last}")
        first_letter, last_letter = get_column_letter(offset), get_column_letter(offset + len(section.fields) - 1)
        self._define(table_name(section), sheet, f"${first_letter}${first}:${last_letter}${last}")
        self._prefill_task_rows(sheet, section, columns, first)
        if section.numbered:
            self._number_rows(sheet, section, columns, first, first + drawn - 1)
        self._highlight_table(sheet, section, columns, first, last)
        if drawn < count:
            draw_grid_as_filled(sheet, first + drawn, last, max(columns.values()), INPUT_FILL)
            if section.numbered:  # no number formula past the drawn rows (it would print): the unit may type one
                for row in range(first + drawn, last + 1):
                    cell = sheet.cell(row=row, column=1)
                    cell.protection, cell.alignment = UNLOCKED, CENTER
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
                dimension = sheet.row_dimensions[first + index]
                dimension.height = max(fitted_height([(value, width, 12, False)], minimum=32), dimension.height or 0)

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
        if field.required:
            shade_blank_required(sheet, coordinate, f"LEN(TRIM({coordinate}))=0")

    def _highlight_table(self, sheet, section: Section, columns: dict[str, int], first: int, last: int) -> None:
        def first_row_ref(name: str) -> str:
            return f"${get_column_letter(columns[name])}{first}"

        filled = self.checks.row_filled(section, first_row_ref)
        for field in section.input_fields:
            letter = get_column_letter(columns[field.name])
            cell = f"{letter}{first}"
            conditions = []
            problem = self.checks.value_problem(field, cell)
            if problem:
                conditions.append(f"AND(LEN({cell})>0,{problem[0]})")
            for rule in self.config.rules:
                if rule.scope == section.name and rule.severity == "error" and field.name in rule.left:
                    conditions.append(f"{self.checks.rule_violation(rule, first_row_ref)}>0")
            if conditions:
                formula = FormulaRule(formula=[f"OR({','.join(conditions)})"], fill=PROBLEM_FILL)
                sheet.conditional_formatting.add(f"{letter}{first}:{letter}{last}", formula)
            if field.required:
                # blank in a fixed row (one per task), in a row in use, or in one of the rows the table needs
                needed = filled
                if section.min_rows:
                    needed = f"OR({filled},ROW({cell})-ROW(${letter}${first})<{section.min_rows})"
                blank = f"AND({needed},LEN(TRIM({cell}))=0)"
                shade_blank_required(sheet, f"{letter}{first}:{letter}{last}", blank)

    def _signature_sheet(self) -> str:
        """The sheet the signature ends: the last one, unless it ends with a growable table (the signature would
        sit after all its empty rows, alone on a page); then the last sheet that does not, and the tables after
        it print as tables attached to the signed report."""
        last_section = {section.sheet: section for section in self.form.sections}
        fixed = [sheet for sheet, section in last_section.items() if not section.is_growable_table]
        return fixed[-1] if fixed else self.form.sections[-1].sheet

    def _add_signature(self, sheet: Worksheet) -> None:
        signature = self.next_row[sheet.title] + 1
        table_end, fields = self.last_table_row.get(sheet.title), self.trailing_fields.get(sheet.title)
        starts = [table_end - 1 if table_end else None, fields, signature - 2]
        self.tails[sheet.title] = [row for row in starts if row]
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
        widths = self._column_widths(sheet.title)
        page_setup(sheet, sum(widths))
        sheet.print_area = f"A3:{get_column_letter(columns)}{last_row}"
        if sheet.title in self.tails:
            keep_signature_with_last_rows(sheet, widths, 3, last_row, self.tails[sheet.title])
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
        sheet = write_meta_sheet(self.workbook, {**rows, NAME_FIT_KEY: name_fit_key(self.config)})
        self._define(META_NAME, sheet, f"$A$1:$B${len(rows)}")  # the contract's rows; the layout's key after them
        for column, (choices_name, choices) in enumerate(self.form.choices.items(), start=4):
            sheet.cell(row=1, column=column, value=choices_name)
            for row, choice in enumerate(choices, start=2):
                sheet.cell(row=row, column=column, value=choice.label)
            letter = get_column_letter(column)
            self._define(list_name(choices_name), sheet, f"${letter}$2:${letter}${len(choices) + 1}")
        self._protect(sheet)

    def _define(self, name: str, sheet: Worksheet, reference: str) -> None:
        self.workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{reference}")


def header_widths(widths: list[float], numbered: bool, header: DocumentHeader | None) -> list[float]:
    """A table's columns widened for what shares its sheet: as wide in all as a sheet of single fields, and, with
    the official `header` above, each half wide enough for its side (the national title and motto on one line
    each), so a narrow table never squeezes the header into broken lines. A TT column keeps its width."""
    split = len(widths) // 2
    left, right = widths[:split], widths[split:]
    total = max(sum(FIELDS_WIDTHS), sum(widths))
    right_target = total * sum(right) / sum(widths)
    if header is not None:
        right_target = max(right_target, one_line_width(header.national_title), one_line_width(header.motto))
    left_target = max(HEADER_LEFT_MIN if header is not None else 0, total - right_target)
    return _scaled(left, left_target, 1 if numbered else 0) + _scaled(right, right_target, 0)


def _scaled(widths: list[float], target: float, fixed: int) -> list[float]:
    """`widths` made `target` wide in all, the first `fixed` of them kept as they are."""
    kept, rest = widths[:fixed], widths[fixed:]
    factor = (target - sum(kept)) / sum(rest) if rest else 1
    return kept + [round(width * factor, 2) for width in rest]


def one_line_width(text: str) -> float:
    """The (merged) column width a bold 12 pt line needs to show `text` unbroken."""
    return math.ceil((text_width(text, 12, bold=True) / SAFETY + CELL_PADDING) / POINTS_PER_WIDTH)


def name_fit_key(config: CampaignConfig) -> str:
    """What the master's rows for the unit's name were made for: the layout version and the lines the longest
    name takes in the header, in «Tên đơn vị» and in the instructions. A master made for other names is rebuilt."""
    builder = MasterBuilder(config)
    layout, form = builder.layout, config.form
    widths = builder._column_widths(form.sections[0].sheet)
    header = layout.header_lines(layout.header_line_width(widths))
    value = wrapped_lines(layout.longest_name, sum(widths[2:]))
    guide = wrapped_lines(f"Đơn vị: {layout.longest_name} (mã MMMMMMMMM)", 75, 12, bold=True)
    return f"{MASTER_LAYOUT_VERSION}/{header}/{value}/{guide}/{int(cell_room(sum(widths)))}"


def build_master(config: CampaignConfig) -> bytes:
    """The master template of a config as .xlsx bytes."""
    buffer = io.BytesIO()
    MasterBuilder(config).build().save(buffer)
    return buffer.getvalue()
