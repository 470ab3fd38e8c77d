"""Reading the official summary workbook back: its annex sheets and the data rows of each."""

import re
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from tests.workbook_access import name_targets

PL1, PL2, PL3, PL4, CHARTS = (
    "PL1 Theo đơn vị",
    "PL2 Danh sách hoạt động",
    "PL3 Nhiệm vụ",
    "PL4 Tình hình nộp",
    "Biểu đồ",
)


def grid(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def data_rows(path: Path, sheet: str, number: int) -> tuple[int, int]:
    """0-based first and last data row of an annex, from the summary's `th_pl<n>_data` name."""
    _, reference = name_targets(openpyxl.load_workbook(path))[f"th_pl{number}_data"]
    first, last = (int(part) for part in re.findall(r"\d+", reference))
    return first - 1, last - 1
