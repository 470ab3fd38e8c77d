"""The tidy data workbook (du_lieu_tong_hop.xlsx) is written straight from the merged values: every value read
back as it was, by openpyxl, python-calamine and LibreOffice, with a frozen bold header over an autofilter.

Characters XML cannot hold, and a typed "_xHHHH_", are escaped the way Excel reads them (ECMA-376 ST_Xstring, as
XlsxWriter wrote them before): python-calamine decodes them as Excel does; openpyxl and LibreOffice show the escape.
"""

import zipfile
from datetime import date, datetime

import openpyxl
from python_calamine import CalamineWorkbook

from addin.xlsx.fast_save import save_tables_fast
from tests.libreoffice import libreoffice_convert

TEXTS = [
    "Phòng GD&ĐT <Bát Xát> \"số 1\" 'A'",
    "=1+1",
    "  lề hai bên  ",
    "xuống\ndòng",
    "ký tự lạ \x01\x1f giữa",
    "gõ sẵn _x0041_ như mã Excel",
    "Nữ",
    "",
]
NUMBERS = [5, 2.5, -1e12, 0, None, 123456789012, 0.1, float("nan")]
DATES = [date(2019, 11, 15), datetime(2019, 12, 18, 8, 30), None, date(1900, 3, 1), None, None, None, None]
FLAGS = [True, False, None, True, None, None, None, False]


def written(tmp_path):
    path = tmp_path / "du_lieu.xlsx"
    path.write_bytes(save_tables_fast({"bang_thu": (["van_ban", "so", "ngay", "co"], [TEXTS, NUMBERS, DATES, FLAGS])}))
    return path


ESCAPED = {4: "ký tự lạ _x0001__x001F_ giữa", 5: "gõ sẵn _x005F_x0041_ như mã Excel"}  # as openpyxl shows them


def expected_rows() -> list[list]:
    rows = []
    for index, (text, number, when, flag) in enumerate(zip(TEXTS, NUMBERS, DATES, FLAGS, strict=True)):
        number = None if number is not None and number != number else number
        rows.append([ESCAPED.get(index, text or None), number, when, flag])
    return rows


def test_openpyxl_reads_back_every_value_and_the_layout(tmp_path):
    sheet = openpyxl.load_workbook(written(tmp_path))["bang_thu"]
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    wanted = expected_rows()
    for row in wanted:  # openpyxl gives a datetime for every date cell
        if isinstance(row[2], date) and not isinstance(row[2], datetime):
            row[2] = datetime(row[2].year, row[2].month, row[2].day)
    assert rows == wanted
    assert [cell.value for cell in sheet[1]] == ["van_ban", "so", "ngay", "co"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D9"
    assert sheet["C2"].number_format == "dd/mm/yyyy"
    with zipfile.ZipFile(tmp_path / "du_lieu.xlsx") as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml"), "a text never becomes a formula"


def test_calamine_reads_back_every_text_exactly(tmp_path):
    grid = CalamineWorkbook.from_path(str(written(tmp_path))).get_sheet_by_name("bang_thu").to_python()
    assert [row[0] for row in grid[1:]] == TEXTS
    assert grid[2][1] == 2.5 and grid[3][1] == -1e12 and grid[6][1] == 123456789012


def test_libreoffice_opens_it_with_the_same_values(tmp_path):
    converted = libreoffice_convert(written(tmp_path), "xlsx", tmp_path / "lo")
    sheet = openpyxl.load_workbook(converted)["bang_thu"]
    texts = [row[0] for index, row in enumerate(sheet.iter_rows(min_row=2, values_only=True)) if index not in ESCAPED]
    assert texts == [text or None for index, text in enumerate(TEXTS) if index not in ESCAPED]
    assert sheet["C2"].value == datetime(2019, 11, 15) and sheet["B3"].value == 2.5
    grid = CalamineWorkbook.from_path(str(converted)).get_sheet_by_name("bang_thu").to_python()
    assert [row[3] for row in grid[1:4]] == [True, False, ""]  # LibreOffice saves a boolean as =TRUE()
