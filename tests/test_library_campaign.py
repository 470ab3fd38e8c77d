"""A campaign a new office user writes from README and the comments of config.yaml (tests/data/config_sach.yaml):
a library-books report of 10 schools, 3 single fields, one rule, one table on the same sheet as the fields, and a
per-unit annex showing the single fields' values. Run as staff run it: `baocao init/templates/collect/check/summary`
(real subprocesses) on returns filled into the very templates issued; the summary read back with python-calamine
and compared with what the schools typed, the template's header read back from LibreOffice's PDF."""

import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from addin.config import load_config
from addin.demo.samples import SampleReturn, TemplateFiller
from addin.issue.master import FIELDS_WIDTHS, MASTER_NAME, header_widths, one_line_width
from addin.issue.text_fit import wrapped_lines
from addin.outputs.summary.form import NOT_REPORTED, NOT_SUMMED, REPORTED
from tests.run_cli import baocao
from tests.sample_data import DATA
from tests.summary_grid import data_rows, grid
from tests.test_unit_print import page_lines, page_texts, sheet_pages, to_pdf

LIBRARY_CONFIG = DATA / "config_sach.yaml"
PL1 = "PL1 Theo trường"
SHEET = "Thư viện"
# what each school typed: books, readers, inventory date, rows of the books-by-category table (category, copies)
TYPED = {
    "TH01": (1200, 310, date(2025, 5, 16), [("Sách giáo khoa", 700), ("Sách thiếu nhi", 500)]),
    "TH02": (950, 280, date(2025, 4, 6), [("Sách tham khảo", 950)]),
    "TH03": (640, 150, date(2025, 1, 19), [("Sách giáo khoa", 400), ("Sách tham khảo", 140), ("Sách thiếu nhi", 100)]),
    "TH04": (800, 900, date(2025, 2, 12), [("Sách giáo khoa", 800)]),  # more readers than books: a warning
    "TH05": (720, 200, date(2025, 3, 3), [("Sách thiếu nhi", 720)]),
    "THCS01": (2100, 640, date(2025, 3, 21), [("Sách giáo khoa", 1500), ("Sách tham khảo", 600)]),
    "THCS02": (1800, 500, date(2025, 4, 2), [("Sách tham khảo", 1800)]),
    "THCS03": (1500, 420, None, [("Sách giáo khoa", 1500)]),  # inventory date left blank: an error, not summed
}
SUMMED = [code for code in TYPED if code != "THCS03"]


def test_the_library_config_loads_as_written():
    config = load_config(LIBRARY_CONFIG)
    assert len(config.units) == 10 and [g.code for g in config.unit_groups] == ["I", "II"]
    assert [s.sheet for s in config.form.sections] == [SHEET, SHEET], "the table shares the fields' sheet"
    assert [c.value or c.count_rows or c.sum for c in config.summary.annexes[0].columns] == [
        "so_lieu.so_sach",
        "so_lieu.so_ban_doc",
        "so_lieu.ngay_kiem_ke",
        "theo_loai",
        "theo_loai.so_ban",
    ]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The campaign run end to end with the CLI: its folder and each command's JSON output."""
    root = tmp_path_factory.mktemp("thu_vien")
    folder = root / "Thư viện 2025"
    outputs = {}
    for step, arguments in [
        ("init", ["init", str(folder), "--config", str(LIBRARY_CONFIG)]),
        ("templates", ["templates", str(folder)]),
    ]:
        done = baocao(*arguments, "--json")
        assert done.returncode == 0, done.stderr
        outputs[step] = json.loads(done.stdout)
    config = load_config(folder / "config.yaml")
    issued = {unit.code: path for unit, path in zip(config.units, outputs["templates"]["unit_files"], strict=True)}
    inbox = folder / "2_bao_cao_nhan"
    for unit in config.units:
        if unit.code not in TYPED:
            continue
        books, readers, inventory, rows = TYPED[unit.code]
        sample = SampleReturn(
            unit,
            fields={"so_sach": books, "so_ban_doc": readers, "ngay_kiem_ke": inventory},
            tables={"theo_loai": [{"loai": kind, "so_ban": copies} for kind, copies in rows]},
            received_at=datetime(2025, 6, 5, 9, 0),
        )
        filled = TemplateFiller(Path(issued[unit.code]).read_bytes()).fill(config, sample)
        path = inbox / f"{unit.code}.xlsx"
        path.write_bytes(filled)
        os.utime(path, (sample.received_at.timestamp(), sample.received_at.timestamp()))  # received before the deadline
    for step in ("collect", "check", "summary"):
        done = baocao(step, str(folder), "--json")
        assert done.returncode in (0, 1), done.stderr
        outputs[step] = json.loads(done.stdout)
    return folder, config, outputs


def test_check_finds_exactly_the_rule_warning_and_the_blank_date(library):
    _, _, outputs = library
    found = {
        item["unit_code"]: [(f["severity"], f["code"], f["message"]) for f in item["findings"]]
        for item in outputs["check"]
    }
    assert sorted(found) == sorted(TYPED)
    assert found["TH04"] == [
        (
            "warning",
            "BAN_DOC_KHONG_QUA_SO_SACH",
            "Trang «Thư viện», ô C14: Số bạn đọc lớn hơn số bản sách, hãy kiểm tra lại "
            "(hiện: Số bạn đọc = 900; Số bản sách = 800).",
        )
    ]
    [(severity, code, message)] = found["THCS03"]
    assert (severity, code) == ("error", "REQUIRED_MISSING")
    assert "Ngày kiểm kê" in message
    assert all(found[code] == [] for code in TYPED if code not in ("TH04", "THCS03"))


def test_the_per_unit_annex_shows_each_schools_single_fields(library):
    folder, config, _ = library
    workbook = folder / "3_ket_qua" / "bang_tong_hop_sach-2025.xlsx"
    first, last = data_rows(workbook, PL1, 1)
    rows = grid(workbook, PL1)[first : last + 1]
    by_short = {row[1]: row[2:8] for row in rows}
    for unit in config.units:
        shown = by_short[unit.short]
        if unit.code in SUMMED:
            books, readers, inventory, table = TYPED[unit.code]
            assert shown == [books, readers, inventory, len(table), sum(c for _, c in table), ""], unit.code
        else:
            assert shown[:5] == ["", "", "", "", ""], unit.code
            note = f"{REPORTED}, {NOT_SUMMED}" if unit.code == "THCS03" else NOT_REPORTED
            assert shown[5] == note, unit.code

    def totals(codes):
        return [
            sum(TYPED[c][0] for c in codes),
            sum(TYPED[c][1] for c in codes),
            "",  # a date has no total
            sum(len(TYPED[c][3]) for c in codes),
            sum(copies for c in codes for _, copies in TYPED[c][3]),
        ]

    groups = {row[0]: row[2:7] for row in rows if row[0] in ("I", "II")}
    assert groups["I"] == totals([c for c in SUMMED if c.startswith("TH0")])
    assert groups["II"] == totals([c for c in SUMMED if c.startswith("THCS")])
    [grand] = [row[2:7] for row in rows if row[1] == "Tổng cộng"]
    assert grand == totals(SUMMED)
    sheet = openpyxl.load_workbook(workbook)[PL1]
    date_cell = next(row[4] for row in sheet.iter_rows(min_row=first + 1) if row[1].value == "TH số 1 Phố Ràng")
    assert date_cell.number_format == "dd/mm/yyyy"


def test_the_header_is_not_squeezed_by_the_table_sharing_its_sheet(library, tmp_path):
    folder, config, _ = library
    master = openpyxl.load_workbook(folder / "workbook_templates" / MASTER_NAME)
    sheet = master[SHEET]
    widths = [sheet.column_dimensions[letter].width for letter in "ABCD"]
    assert sum(widths) >= sum(FIELDS_WIDTHS), widths
    right = sum(widths[2:])
    for text in (config.document_header.national_title, config.document_header.motto):
        assert wrapped_lines(text, right, 12, bold=True) == 1, text
    unit_file = next((folder / "1_bieu_mau_gui").glob("TH01_*.xlsx"))
    source = tmp_path / "TH01.xlsx"
    shutil.copyfile(unit_file, source)
    pdf = to_pdf([source], tmp_path / "pdf")["TH01"]
    texts = page_texts(pdf)
    [page] = [index + 1 for index in sheet_pages(texts, "I. SỐ LIỆU CHUNG")]
    lines = [text for text, *_ in page_lines(pdf, page)]
    title, motto = config.document_header.national_title, config.document_header.motto
    assert any(line.endswith(title) for line in lines), lines[:6]
    assert any(line.endswith(motto) for line in lines), lines[:6]
    assert any(line.startswith("TT Loại sách Số bản") for line in lines), "the table's header prints whole"


def test_a_narrow_table_gets_the_width_of_a_fields_sheet():
    config = load_config(LIBRARY_CONFIG)
    needed = one_line_width(config.document_header.national_title)
    widths = header_widths([5.0, 22, 10, 14.0], True, config.document_header)
    assert widths[0] == 5.0, "TT keeps its width"
    assert sum(widths) == pytest.approx(100, abs=0.05)
    assert sum(widths[2:]) == pytest.approx(needed, abs=0.05) and needed == 52
    assert header_widths([5.0, 60, 22, 50], False, None) == [5.0, 60, 22, 50], "a wide table is left as it is"


def test_the_report_gives_each_group_its_single_field_totals(library):
    import docx

    folder, _, _ = library
    paragraphs = [p.text for p in docx.Document(folder / "3_ket_qua" / "bao_cao_sach-2025.docx").paragraphs]
    start = paragraphs.index("II. SỐ LIỆU THƯ VIỆN THEO NHÓM TRƯỜNG")
    assert paragraphs[start + 1 : start + 5] == [
        "I. Trường Tiểu học (5/5 đơn vị có số liệu):",
        "- Số liệu chung: Số bản sách: 4.310; Số bạn đọc: 1.840.",
        "II. Trường Trung học cơ sở (2/5 đơn vị có số liệu):",  # THCS03 left its date blank: not summed
        "- Số liệu chung: Số bản sách: 3.900; Số bạn đọc: 1.140.",
    ]
