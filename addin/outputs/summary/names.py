"""The workbook-level names that tie the summary layout to the code filling it (`th_pl<n>_head`, `th_pl<n>_data`).

They survive what staff do to the layout in Excel (renamed sheets, moved rows), so the filler finds each table by
name, never by position.
"""

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

NAME_PREFIX = "th_"  # "tổng hợp"; the unit templates' names use "bc_"


def data_name(number: int) -> str:
    """Annex `number`'s data rows (in the layout: the prototype row)."""
    return f"{NAME_PREFIX}pl{number}_data"


def head_name(number: int) -> str:
    """Annex `number`'s table header rows, printed on every page."""
    return f"{NAME_PREFIX}pl{number}_head"


def define(workbook: Workbook, name: str, sheet: Worksheet, first_row: int, last_row: int, last_column: int) -> None:
    """Name the rows first_row..last_row of `sheet`, columns A to `last_column`."""
    reference = f"$A${first_row}:${get_column_letter(last_column)}${last_row}"
    workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{reference}")


def name_target(workbook: Workbook, name: str) -> tuple[Worksheet, tuple[int, int, int, int]] | None:
    """The sheet and (min_col, min_row, max_col, max_row) a name covers, or None when it is missing or broken."""
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
