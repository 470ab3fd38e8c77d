"""Config → design workbook `thiet_ke_dot_bao_cao.xlsx` (openpyxl): one sheet per part of the config.

Row 1 holds the Vietnamese headers (each with a note naming its config key), row 2 (hidden) the config keys
the importer reads columns by, data from row 3. Dropdowns for every closed list of values, live checks
(conditional formatting) like the unit templates: a duplicate code, a value no list has, an empty required cell.
"""

import io
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from addin.config.model import CampaignConfig
from addin.design.catalogue import (
    ANNEXES,
    CHOICES,
    FIELDS,
    FIRST_ROW,
    GROUPS,
    KEY_ROW,
    MAX_ROWS,
    NO,
    REPORT,
    RULES,
    SECTIONS,
    SETTINGS,
    SETTINGS_SPEC,
    SHEET_ORDER,
    SPECS,
    TASKS,
    UNITS,
    YES,
    Column,
    Setting,
    SheetSpec,
    ValueKind,
    hidden_key,
    settings,
)
from addin.design.labels import label_of, part_of
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.limits import VALIDATION_LIST_MAX, cell_text
from addin.xlsx.styles import fit_row_height

DESIGN_NAME = "thiet_ke_dot_bao_cao.xlsx"
FONT = "Times New Roman"
LAST_ROW = FIRST_ROW + MAX_ROWS - 1
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ERROR_FILL = PatternFill(bgColor="FF9999")
MISSING_FILL = PatternFill(bgColor="FFD966")
THIN = Side(style="thin", color="999999")
FIXED_TIME = datetime(2019, 1, 1)  # the workbook's bytes never depend on the clock


def design_data(config: CampaignConfig | Mapping | None) -> dict:
    """The plain mapping a design workbook shows: a validated config with its defaults, or a raw YAML mapping."""
    if isinstance(config, CampaignConfig):
        data = config.model_dump(mode="python")
        data["form"]["accept_versions"] = config.form.accept_versions
        return data
    return dict(config or {})


def export_design(config: CampaignConfig | Mapping | None, path: Path) -> Path:
    """Write the design workbook of `config` (None: the empty skeleton) to `path`, atomically."""
    write_bytes_atomically(Path(path), design_workbook_bytes(config))
    return Path(path)


def design_workbook_bytes(config: CampaignConfig | Mapping | None) -> bytes:
    data = design_data(config)
    book = openpyxl.Workbook()
    book.remove(book.active)
    rows = table_rows(data)
    for name in SHEET_ORDER:
        sheet = book.create_sheet(name)
        if name == SETTINGS:
            _draw_settings(sheet, data)
        else:
            _draw_table(sheet, SPECS[name], rows[name])
    book.properties.creator = book.properties.lastModifiedBy = "baocao"
    book.properties.created = book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- config → rows


def _at(data: Mapping, path: tuple) -> object:
    node = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _records(value) -> list[dict]:
    """The mappings of a list (a hand-edited config may hold anything else: it is left out)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def table_rows(data: Mapping) -> dict[str, list[dict]]:
    """Each table sheet's rows as {column key: value}, in config order."""
    groups = _records(data.get("unit_groups"))
    form = _at(data, ("form",)) if isinstance(_at(data, ("form",)), Mapping) else {}
    sections = _records(form.get("sections"))
    choices = form.get("choices") if isinstance(form.get("choices"), Mapping) else {}
    return {
        TASKS: _records(data.get("tasks")),
        GROUPS: [{key: group.get(key) for key in ("code", "name", "parent")} for group in groups],
        UNITS: [{"group": group.get("code"), **unit} for group in groups for unit in _records(group.get("units"))],
        SECTIONS: [{key: value for key, value in section.items() if key != "fields"} for section in sections],
        FIELDS: [
            {"section": section.get("name"), **field}
            for section in sections
            for field in _records(section.get("fields"))
        ],
        CHOICES: [{"list": name, **choice} for name, items in choices.items() for choice in _records(items)],
        RULES: _records(data.get("rules")),
        ANNEXES: _annex_rows(_records(_at(data, ("summary", "annexes")))),
        REPORT: _records(_at(data, ("report", "sections"))),
    }


def _annex_rows(annexes: list) -> list[dict]:
    rows = []
    for number, annex in enumerate(annexes, start=1):
        head = {key: value for key, value in annex.items() if key != "columns"}
        columns = _records(annex.get("columns")) or [{}]
        for index, column in enumerate(columns):
            row = {"number": number, **(head if index == 0 else {})}
            row.update({f"columns.{key}": value for key, value in column.items()})
            rows.append(row)
    return rows


def cell_value(kind: ValueKind, value: object) -> object:
    """How a config value is written in a cell of `kind`."""
    if value is None or value == [] or value == "":
        return None
    if (kind.kind in ("lines", "list", "groups")) != isinstance(value, list) or isinstance(value, Mapping):
        return str(value)  # a hand-edited config's value of the wrong shape, shown as written
    if kind.kind == "bool":
        return YES if value else NO
    if kind.kind == "lines":
        return "\n".join(str(item) for item in value)
    if kind.kind == "list":
        return ", ".join(str(item) for item in value)
    if kind.kind == "groups":
        return "\n".join(
            f"{group.get('label')}: {', '.join(map(str, group.get('fields') or []))}"
            if isinstance(group, Mapping)
            else str(group)
            for group in value
        )
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date()
    return value


# ---------------------------------------------------------------- drawing


def _header(sheet: Worksheet, spec: SheetSpec) -> None:
    bold = Font(name=FONT, bold=True, size=11)
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(1, index, column.header)
        cell.font, cell.fill = bold, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
        key = hidden_key(spec, column)
        note = "\n".join(part for part in (column.note, "Bắt buộc." if column.required else "", f"Khoá: {key}") if part)
        cell.comment = Comment(note, "baocao", width=260, height=90)
        key_cell = sheet.cell(KEY_ROW, index, key)
        key_cell.data_type = "s"
        key_cell.font = Font(name=FONT, size=9, color="808080")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[1].height = 36
    sheet.row_dimensions[KEY_ROW].hidden = True


def _write(sheet: Worksheet, row: int, column: int, value: object, wrap: bool = False) -> None:
    cell = sheet.cell(row, column)
    if isinstance(value, str) and (wrap or "\n" in value):
        fit_row_height(sheet, row, value, sheet.column_dimensions[get_column_letter(column)].width or 10)
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"  # a label starting with "=" stays text
    else:
        cell.value = value
    if isinstance(value, date):
        cell.number_format = "dd/mm/yyyy"
    cell.font = Font(name=FONT, size=11)
    cell.alignment = Alignment(vertical="top", wrap_text=wrap or (isinstance(value, str) and "\n" in value))


def _draw_table(sheet: Worksheet, spec: SheetSpec, rows: list[dict]) -> None:
    _header(sheet, spec)
    for offset, values in enumerate(rows):
        for index, column in enumerate(spec.columns, start=1):
            value = values.get(column.key)
            if value == column.default and column.default in (None, 0, False, True, "", []):
                value = None  # an empty cell means the default; the type, importance… stay shown
            value = cell_value(column.kind, value)
            _write(sheet, FIRST_ROW + offset, index, value, wrap=column.width >= 30)
    _table_checks(sheet, spec)
    _print_ready(sheet, spec)


def _draw_settings(sheet: Worksheet, data: Mapping) -> None:
    _header(sheet, SETTINGS_SPEC)
    sheet.column_dimensions["E"].hidden = True  # the config key, for the importer
    for offset, setting in enumerate(settings()):
        row = FIRST_ROW + offset
        value = _at(data, setting.path)
        if value is None:
            value = setting.default  # a key a raw mapping (or the skeleton) leaves out shows its default
        _write(sheet, row, 1, part_of(setting.key))
        _write(sheet, row, 2, label_of(setting.key), wrap=True)
        _write(sheet, row, 3, cell_value(setting.kind, value), wrap=True)
        _write(sheet, row, 4, YES if setting.required else "")
        _write(sheet, row, 5, setting.key)
        if setting.required:
            sheet.cell(row, 2).fill = REQUIRED_FILL
        _setting_validation(sheet, setting, f"C{row}")
    last = FIRST_ROW + len(settings()) - 1
    rule = FormulaRule(formula=[f'AND($D{FIRST_ROW}="{YES}",LEN(TRIM($C{FIRST_ROW}))=0)'], fill=MISSING_FILL)
    sheet.conditional_formatting.add(f"C{FIRST_ROW}:C{last}", rule)
    _print_ready(sheet, SETTINGS_SPEC, freeze="C3")


def _setting_validation(sheet: Worksheet, setting: Setting, cell: str) -> None:
    kind = setting.kind
    if kind.options:
        _list_validation(sheet, kind.options, cell)
    elif kind.kind == "date":
        check = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        check.error, check.errorTitle = "Hãy nhập một ngày, ví dụ 18/12/2019.", "Ngày không hợp lệ"
        check.showErrorMessage = True
        sheet.add_data_validation(check)
        check.add(cell)
    elif kind.kind in ("int", "float"):
        check = DataValidation(type="decimal" if kind.kind == "float" else "whole", operator="greaterThanOrEqual")
        check.formula1, check.allow_blank, check.showErrorMessage = "0", True, True
        check.error, check.errorTitle = "Hãy nhập một số không âm.", "Số không hợp lệ"
        sheet.add_data_validation(check)
        check.add(cell)


def _list_validation(sheet: Worksheet, options: tuple, cells: str) -> None:
    words = ",".join(str(option) for option in options)
    if len(words) + 2 > VALIDATION_LIST_MAX:
        return
    check = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True, showErrorMessage=True)
    check.error, check.errorTitle = f"Chỉ được chọn một trong: {', '.join(map(str, options))}.", "Giá trị không hợp lệ"
    sheet.add_data_validation(check)
    check.add(cells)


def _reference(target: str) -> str:
    return f"'{target}'!$A${FIRST_ROW}:$A${LAST_ROW}"


def _table_checks(sheet: Worksheet, spec: SheetSpec) -> None:
    """Dropdowns and live checks over the data rows (empty rows stay unmarked)."""
    last_letter = get_column_letter(len(spec.columns))
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cells = f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}"
        first = f"{letter}{FIRST_ROW}"
        if column.kind.options:
            _list_validation(sheet, column.kind.options, cells)
        if column.refers_to:
            _reference_checks(sheet, column, cells, first)
        if column.required:
            used = f"COUNTA($A{FIRST_ROW}:${last_letter}{FIRST_ROW})>0"
            formula = f"AND({used},LEN(TRIM({first}))=0)"
            sheet.conditional_formatting.add(cells, FormulaRule(formula=[formula], fill=MISSING_FILL))
    for formula, letter in _duplicate_rules(spec):
        cells = f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}"
        sheet.conditional_formatting.add(cells, FormulaRule(formula=[formula], fill=ERROR_FILL))


def _reference_checks(sheet: Worksheet, column: Column, cells: str, first: str) -> None:
    source = _reference(column.refers_to)
    check = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False)
    check.prompt, check.promptTitle = f"Chọn từ cột đầu của trang «{column.refers_to}».", column.header[:32]
    check.showInputMessage = True
    sheet.add_data_validation(check)
    check.add(cells)
    formula = f"AND(LEN(TRIM({first}))>0,COUNTIF({source},{first})=0)"
    sheet.conditional_formatting.add(cells, FormulaRule(formula=[formula], fill=ERROR_FILL))


def _duplicate_rules(spec: SheetSpec) -> list[tuple[str, str]]:
    """A code that must be unique, marked red when written twice (per section for a field name)."""
    span = lambda letter: f"${letter}${FIRST_ROW}:${letter}${LAST_ROW}"  # noqa: E731
    if spec.name == UNITS:
        return [(f"AND(LEN(B{FIRST_ROW})>0,COUNTIF({span('B')},B{FIRST_ROW})>1)", "B")]
    if spec.name in (GROUPS, SECTIONS, RULES, TASKS):
        return [(f"AND(LEN(A{FIRST_ROW})>0,COUNTIF({span('A')},A{FIRST_ROW})>1)", "A")]
    if spec.name == FIELDS:
        formula = f"AND(LEN(B{FIRST_ROW})>0,COUNTIFS({span('A')},$A{FIRST_ROW},{span('B')},B{FIRST_ROW})>1)"
        return [(formula, "B")]
    if spec.name == CHOICES:
        formula = f"AND(LEN(B{FIRST_ROW})>0,COUNTIFS({span('A')},$A{FIRST_ROW},{span('B')},B{FIRST_ROW})>1)"
        return [(formula, "B")]
    return []


def _print_ready(sheet: Worksheet, spec: SheetSpec, freeze: str = "B3") -> None:
    sheet.freeze_panes = freeze
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = f"{spec.name} – trang &P/&N"
