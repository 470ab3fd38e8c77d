"""Independent access to written workbooks for tests: openpyxl for structure, calamine for values."""

import re
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries
from python_calamine import CalamineWorkbook


def name_targets(workbook) -> dict[str, tuple[str, str]]:
    """Every workbook-level defined name → (sheet title, reference without $)."""
    targets = {}
    for name, definition in workbook.defined_names.items():
        [(sheet, reference)] = list(definition.destinations)
        targets[name] = (sheet, reference.replace("$", ""))
    return targets


def calamine_grid(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def value_at(grid: list[list], reference: str):
    min_col, min_row, _, _ = range_boundaries(reference)
    row = min_row - 1
    if row >= len(grid) or min_col - 1 >= len(grid[row]):
        return ""
    return grid[row][min_col - 1]


def read_named_values(path: Path, names: list[str]) -> dict[str, object]:
    """Values of single-cell defined names, read by calamine at the address openpyxl resolves."""
    targets = name_targets(openpyxl.load_workbook(path))
    reader = CalamineWorkbook.from_path(str(path))
    grids: dict[str, list[list]] = {}
    values = {}
    for name in names:
        sheet, reference = targets[name]
        if sheet not in grids:
            grids[sheet] = reader.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        values[name] = value_at(grids[sheet], reference)
    return values


def fill_workbook(source: Path, target: Path, fields: dict[str, object], tables: dict[str, list[dict]]) -> None:
    """Type values into a unit template the way a unit would, finding cells by defined names."""
    workbook = openpyxl.load_workbook(source)
    targets = name_targets(workbook)
    for name, value in fields.items():
        sheet, reference = targets[f"bc_{name}"]
        workbook[sheet][reference] = value
    for table, rows in tables.items():
        for index, row in enumerate(rows):
            for column, value in row.items():
                sheet, reference = targets[f"bc_{table}__{column}"]
                first_cell = reference.split(":")[0]
                letters, number = re.fullmatch(r"([A-Z]+)(\d+)", first_cell).groups()
                workbook[sheet][f"{letters}{int(number) + index}"] = value
    workbook.save(target)
