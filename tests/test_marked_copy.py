"""Marking up a unit's copy is bounded in memory and time for any file the guard lets through (issue 12, case 12).

Every copy is patched in its sheet XML, streamed, never loaded: colours, a comment on each flagged cell (its
comments part, VML drawing and `<legacyDrawing>`, added to the unit's own), the listing; openpyxl only takes a
small workbook the patch refuses. Past `MARKUP_MAX` no copy is made and a warning names the unit and file and
says the errors are listed in ket_qua_kiem_tra.xlsx. The bounds are lowered here only to keep the workbooks
small; the memory case runs in a child process under RLIMIT_AS. Every patched copy is read back by openpyxl,
python-calamine and LibreOffice headless, and its package checked as Excel would (`package_problems`).
"""

import re
import subprocess
import sys
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
from oletools.olevba import VBA_Parser
from openpyxl.comments import Comment
from openpyxl.worksheet.table import Table

from addin.channels.sending import SENT, send_reminders
from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.findings import Finding
from addin.frontends.cli import run
from addin.intake.collect import collect
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.outputs import findings_workbook
from addin.outputs.findings_workbook import FEEDBACK_DIR, MARKUP_FAILED, MARKUP_SKIPPED, can_mark_up
from addin.outputs.marked_copy import ListingRow, patched_copy
from addin.stages import init_campaign
from addin.standing import campaign_standing
from addin.xlsx.zip_parts import unpacked_bytes
from tests.libreoffice import libreoffice_convert
from tests.office_files import as_xlsm, repack, with_big_sheet
from tests.package_check import package_problems
from tests.workbook_access import calamine_grid

TESTS = Path(__file__).parent
RED, YELLOW = "FFFFC7CE", "FFFFEB9C"


def values(sheet) -> list[list]:
    """A sheet's cell values row by row; an array formula as its text."""
    return [[getattr(cell.value, "text", cell.value) for cell in row] for row in sheet.iter_rows()]


def campaign_with_return(root: Path, rows: int = 0, columns: int = 0, macros: bool = False, extra=None):
    """A campaign whose unit PGD082 sent a return with a wrong total (and an extra sheet of rows x columns)."""
    folder = init_campaign(root / "dot")
    build_templates(folder)
    config = folder.load_config()
    unit = config.units[1]
    sample = SampleMaker(config, seed=5).make(unit, ["wrong_total"])
    [made] = write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), [sample], root / "made")
    sent = folder.inbox / made.name
    if rows:
        with_big_sheet(made, sent, rows, columns)
    else:
        repack(made, sent, extra=extra)
    if macros:
        as_xlsm(sent, sent.with_suffix(".xlsm"))
        sent.unlink()
        sent = sent.with_suffix(".xlsm")
    collect(folder)
    return folder, unit, sent


def test_a_workbook_past_the_bound_gets_no_copy_and_a_warning_naming_unit_and_file(tmp_path, monkeypatch, capsys):
    folder, unit, sent = campaign_with_return(tmp_path, rows=300, columns=20)
    size = unpacked_bytes(sent)
    monkeypatch.setattr(findings_workbook, "MARKUP_MAX", size - 1)
    assert run(["check", str(folder.root)]) == 0
    said = capsys.readouterr().err
    megabytes = f"{size / 2**20:.1f}".replace(".", ",")
    limit = f"{(size - 1) / 2**20:.1f}".replace(".", ",")
    expected = (
        f"Không tạo bản đánh dấu lỗi cho tệp «{sent.name}» của {unit.code} {unit.short}: tệp khi giải nén lớn "
        f"{megabytes} MB, vượt giới hạn {limit} MB để đánh dấu. Các lỗi của tệp đã liệt kê đủ "
        "trong ket_qua_kiem_tra.xlsx (trang «Chi tiết»); thư trả lỗi («baocao remind») gửi đơn vị danh sách đó "
        "(tệp can_sua.txt) thay cho bản đánh dấu."
    )
    assert " ".join(said.split()) == f"Lưu ý: {expected}"
    assert list((folder.results / FEEDBACK_DIR).iterdir()) == []
    status = campaign_standing(folder)
    copies = findings_workbook.write_feedback_copies(folder, status, "sớm nhất có thể")
    assert copies == [] and copies.problems == [Finding("warning", MARKUP_SKIPPED, expected)]
    [standing] = [s for s in status.units if s.unit.code == unit.code]
    assert can_mark_up(standing) and not can_mark_up(standing, folder.root), "feedback mail goes without a copy"


def test_a_workbook_the_patch_cannot_handle_gets_a_warning_and_its_mail_goes_without_a_copy(tmp_path, monkeypatch):
    """Excel 4.0 macro sheets cannot be left out of a copy quietly: no copy, a warning, and the feedback mail
    (written to the outbox here) carries the list of what to fix, not a marked-up workbook."""
    xlm = b'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
    folder, unit, sent = campaign_with_return(tmp_path, extra={"xl/macrosheets/sheet1.xml": xlm})
    monkeypatch.setattr(findings_workbook, "MARKUP_OPENPYXL_MAX", 0)
    check_campaign(folder)
    status = campaign_standing(folder)
    copies = findings_workbook.write_feedback_copies(folder, status, "sớm nhất có thể")
    expected = (
        f"Không tạo được bản đánh dấu lỗi cho tệp «{sent.name}» của {unit.code} {unit.short}: cấu trúc bên trong "
        "tệp không cho phép đánh dấu an toàn. Các lỗi của tệp đã liệt kê đủ trong ket_qua_kiem_tra.xlsx (trang "
        "«Chi tiết»); thư trả lỗi («baocao remind») gửi đơn vị danh sách đó (tệp can_sua.txt) thay cho bản đánh dấu."
    )
    assert copies == [] and copies.problems == [Finding("warning", MARKUP_FAILED, expected)]
    report = send_reminders(folder, only=[unit.code])
    assert [(result.kind, result.outcome) for result in report.results] == [("feedback", SENT)]
    [mail] = (folder.outgoing / "thu_nhac").glob("*.eml")
    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    names = sorted(part.get_filename() for part in message.iter_attachments())
    assert names == sorted([f"{unit.code}_{unit.short}.xlsx", "can_sua.txt"])


def test_a_larger_workbook_is_patched_in_its_xml(tmp_path, monkeypatch):
    """Past the openpyxl bound: the flagged cell filled red in its own format, the listing first and active,
    every cell value as the unit sent it, no macros; openpyxl, calamine and LibreOffice all read it."""
    folder, unit, sent = campaign_with_return(tmp_path, rows=50, columns=10, macros=True)
    monkeypatch.setattr(findings_workbook, "MARKUP_OPENPYXL_MAX", 0)
    assert run(["check", str(folder.root)]) == 0
    [copy] = (folder.results / FEEDBACK_DIR).iterdir()
    status = campaign_standing(folder)
    [standing] = [s for s in status.units if s.unit.code == unit.code]
    findings = standing.latest.findings
    [wrong] = [f for f in findings if f.code == "TONG_BANG_NAM_CONG_NU"]

    marked = openpyxl.load_workbook(copy)
    original = openpyxl.load_workbook(sent)
    assert marked.sheetnames == ["Cần sửa", *original.sheetnames]
    assert marked.active.title == "Cần sửa"
    assert [ws.sheet_view.tabSelected for ws in marked.worksheets].count(True) == 1
    bad, before = marked[wrong.sheet][wrong.cell], original[wrong.sheet][wrong.cell]
    assert bad.fill.fgColor.rgb == RED and bad.fill.fill_type == "solid"
    assert bad.comment.text == "Lỗi: " + wrong.message.split(": ", 1)[-1] and bad.comment.author == "baocao"
    assert set(comments_of(copy)) == {(f.sheet, f.cell) for f in findings if f.sheet and f.cell}, "each cell"
    assert package_problems(copy) == []
    assert (bad.number_format, bad.font.name, bad.protection.locked, bad.border.left.style) == (
        before.number_format,
        before.font.name,
        before.protection.locked,
        before.border.left.style,
    )
    neighbour = marked[wrong.sheet].cell(bad.row + 1, bad.column)
    assert neighbour.fill.fgColor.rgb != RED, "only the flagged cell"
    for sheet in original.sheetnames:
        assert values(marked[sheet]) == values(original[sheet]), sheet
    listing = [[c.value for c in row] for row in marked["Cần sửa"].iter_rows()]
    top = listing.index(["Mức độ", "Nội dung", "Trang", "Ô"])
    assert listing[0][0] == f"BÁO CÁO CẦN SỬA: {unit.name}"
    assert listing[top + 1 :] == [
        [{"error": "Lỗi", "warning": "Cảnh báo"}[f.severity], f.message, f.sheet, f.cell]
        for f in sorted(findings, key=lambda f: not f.is_error)
    ]
    header = marked["Cần sửa"].cell(top + 1, 1)
    assert header.font.b and marked["Cần sửa"].freeze_panes == f"A{top + 2}"
    assert marked["Cần sửa"].print_title_rows == f"${top + 1}:${top + 1}"
    assert (
        marked.defined_names["bc_hoat_dong__tong"].attr_text == original.defined_names["bc_hoat_dong__tong"].attr_text
    )
    assert [ws.print_area for ws in marked.worksheets[1:]] == [ws.print_area for ws in original.worksheets]
    assert not VBA_Parser(str(copy)).detect_vba_macros()
    with zipfile.ZipFile(copy) as package:
        assert not [name for name in package.namelist() if "vba" in name.lower()]

    resaved = libreoffice_convert(copy, "xlsx", tmp_path / "lo")
    assert calamine_grid(resaved, "Cần sửa")[top + 1][1] == listing[top + 1][1]
    assert libreoffice_convert(copy, "pdf", tmp_path / "pdf").read_bytes().startswith(b"%PDF")
    again = openpyxl.load_workbook(resaved)
    assert again[wrong.sheet][wrong.cell].fill.fgColor.rgb == RED, "LibreOffice keeps the mark"
    assert again[wrong.sheet][wrong.cell].comment.text == bad.comment.text, "and the comment"


CHILD = """
import resource, sys, time
from pathlib import Path
limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from addin.outputs.marked_copy import ListingRow, patched_copy
started = time.process_time()
patched_copy(Path(sys.argv[1]), Path(sys.argv[2]), {"Phụ lục": {"B5": True, "C9": False}},
             [ListingRow("Lỗi", "Trang «Phụ lục», ô B5: sai", "Phụ lục", "B5")])
# VmHWM: this image's own peak (ru_maxrss would carry over the parent's, pytest's, across fork and exec)
print(time.process_time() - started, next(line.split()[1] for line in open("/proc/self/status") if "VmHWM" in line))
"""


def test_marking_up_a_big_allowed_workbook_stays_under_a_memory_cap(tmp_path):
    """A workbook whose sheets unpack to ~20 MB (openpyxl would need ~300 MB for it) is marked up in a child
    process limited to 200 MB of address space (the interpreter and its imports included)."""
    book = openpyxl.Workbook()
    book.active.title = "Trang 1"
    book.save(tmp_path / "base.xlsx")
    big = with_big_sheet(tmp_path / "base.xlsx", tmp_path / "big.xlsx", rows=20_000, columns=30)
    assert unpacked_bytes(big) > 15 * 2**20
    cap = 200 * 2**20
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(big), str(tmp_path / "out.xlsx"), str(cap)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=TESTS.parent,
    )
    assert done.returncode == 0, done.stderr
    _, peak_kib = done.stdout.split()
    assert int(peak_kib) * 1024 < cap
    with zipfile.ZipFile(tmp_path / "out.xlsx") as package:
        sheet = package.read("xl/worksheets/big.xml")
    unpacked = zipfile.ZipFile(big).getinfo("xl/worksheets/big.xml").file_size
    assert b'<c r="B5" s="' in sheet and len(sheet) == unpacked + 2 * len(' s="3"'), "two cells, one attribute each"
    read = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert read.sheetnames == ["Cần sửa", "Trang 1", "Phụ lục"]


def test_cells_the_sheet_does_not_hold_are_put_in_coloured_in_their_place(tmp_path):
    """An empty, never formatted cell is not in the sheet XML: it goes in, empty, where Excel wants it (before,
    between and after a row's cells, in rows not there before, in a sheet with no rows), carrying its colour;
    every value stays; LibreOffice shows the colours."""
    book = openpyxl.Workbook()
    book.active.title = "A"
    book.active["B2"], book.active["D2"], book.active["B5"], book.active["C5"] = 1, 2, 3, 4
    book.create_sheet("E")
    book.save(tmp_path / "in.xlsx")
    marks = {
        "A": {"A2": True, "C2": False, "E2": True, "B1": True, "B3": False, "C5": True, "AA5": False, "Z99": True},
        "E": {"C3": True},
    }
    patched_copy(
        tmp_path / "in.xlsx",
        tmp_path / "out.xlsx",
        marks,
        [ListingRow("Lỗi", "ô Z99 trống", "A", "Z99")],
        notes={"A": {"Z99": "Lỗi: ô Z99 trống"}},
    )
    assert package_problems(tmp_path / "out.xlsx") == []
    with zipfile.ZipFile(tmp_path / "out.xlsx") as package:
        rows = re.search(rb"<sheetData>.*</sheetData>", package.read("xl/worksheets/sheet1.xml")).group(0)
    addresses = re.findall(rb'<c r="([A-Z]+\d+)"', rows)
    assert addresses == [b"B1", b"A2", b"B2", b"C2", b"D2", b"E2", b"B3", b"B5", b"C5", b"AA5", b"Z99"]
    read = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert read["Cần sửa"]["B2"].value == "ô Z99 trống" and read["A"]["Z99"].comment.text == "Lỗi: ô Z99 trống"
    assert [read["A"][a].value for a in ("B2", "D2", "B5", "C5", "A2", "Z99")] == [1, 2, 3, 4, None, None]
    shown = openpyxl.load_workbook(libreoffice_convert(tmp_path / "out.xlsx", "xlsx", tmp_path / "lo"))
    for sheet, cells in marks.items():
        for address, error in cells.items():
            assert shown[sheet][address].fill.fgColor.rgb == (RED if error else YELLOW), (sheet, address)


def test_a_listing_sheet_already_there_is_kept_and_the_new_one_named_apart(tmp_path):
    """A unit may send back the marked copy it received: its old «Cần sửa» stays, the new listing is «Cần sửa (2)»."""
    book = openpyxl.Workbook()
    book.active.title = "Cần sửa"
    book.active["A1"] = "cũ"
    book.create_sheet("B")["C3"] = 5
    book.save(tmp_path / "in.xlsx")
    patched_copy(
        tmp_path / "in.xlsx", tmp_path / "out.xlsx", {"B": {"C3": False}}, [ListingRow("Cảnh báo", "x", "B", "C3")]
    )
    read = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert read.sheetnames == ["Cần sửa (2)", "Cần sửa", "B"]
    assert read["Cần sửa"]["A1"].value == "cũ" and read["B"]["C3"].fill.fgColor.rgb == YELLOW


def test_a_sheet_name_xml_escapes_is_found_by_its_real_name(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = 'GD&ĐT "2019"'
    book.active["B2"] = 7
    book.save(tmp_path / "in.xlsx")
    listing = [ListingRow("Lỗi", "sai", 'GD&ĐT "2019"', "B2")]
    patched_copy(tmp_path / "in.xlsx", tmp_path / "out.xlsx", {'GD&ĐT "2019"': {"B2": True}}, listing)
    read = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert read['GD&ĐT "2019"']["B2"].fill.fgColor.rgb == RED and read['GD&ĐT "2019"']["B2"].value == 7
    resaved = libreoffice_convert(tmp_path / "out.xlsx", "xlsx", tmp_path / "lo")
    assert calamine_grid(resaved, "Cần sửa")[1] == ["Lỗi", "sai", 'GD&ĐT "2019"', "B2"]


def comments_of(path: Path) -> dict[tuple[str, str], str]:
    book = openpyxl.load_workbook(path)
    return {
        (s.title, c.coordinate): c.comment.text
        for s in book.worksheets
        for row in s.iter_rows()
        for c in row
        if c.comment
    }


def test_comments_go_beside_the_units_own_and_a_copy_marked_again_keeps_them_all(tmp_path):
    """The unit's comment stays and ours follows it on the same cell; its drawing gets our shapes; a sheet with
    a table gets its `<legacyDrawing>` before the table; marking the copy again adds to our own parts.
    Excel's checks pass, and LibreOffice shows every comment and colour."""
    book = openpyxl.Workbook()
    book.active.title = "A"
    book.active["A1"], book.active["C4"] = 1, 3
    book.active["A1"].comment = Comment("ghi chú của đơn vị", "Đơn vị")
    listed = book.create_sheet("B")
    listed.append(["Tên", "Số"])
    listed.append(["x", 5])
    listed.add_table(Table(displayName="Bang", ref="A1:B2"))
    book.save(tmp_path / "in.xlsx")
    patched_copy(
        tmp_path / "in.xlsx",
        tmp_path / "once.xlsx",
        {"A": {"A1": False, "C4": True}, "B": {"B2": True}},
        [ListingRow("Lỗi", "sai", "A", "C4")],
        notes={"A": {"A1": "Cảnh báo: xem <lại> & sửa", "C4": "Lỗi: sai"}, "B": {"B2": "Lỗi: số"}},
    )
    assert package_problems(tmp_path / "once.xlsx") == []
    expected = {
        ("A", "A1"): "ghi chú của đơn vị\nCảnh báo: xem <lại> & sửa",
        ("A", "C4"): "Lỗi: sai",
        ("B", "B2"): "Lỗi: số",
    }
    assert comments_of(tmp_path / "once.xlsx") == expected
    patched_copy(
        tmp_path / "once.xlsx",
        tmp_path / "twice.xlsx",
        {"B": {"A2": True}},
        [ListingRow("Lỗi", "trống", "B", "A2")],
        notes={"B": {"B2": "Lỗi: vẫn sai", "A2": "Lỗi: trống"}},
    )
    assert package_problems(tmp_path / "twice.xlsx") == []
    again = {**expected, ("B", "B2"): "Lỗi: số\nLỗi: vẫn sai", ("B", "A2"): "Lỗi: trống"}
    assert comments_of(tmp_path / "twice.xlsx") == again
    resaved = libreoffice_convert(tmp_path / "twice.xlsx", "xlsx", tmp_path / "lo")
    assert comments_of(resaved) == again
    shown = openpyxl.load_workbook(resaved)
    assert [shown["A"]["C4"].fill.fgColor.rgb, shown["B"]["A2"].fill.fgColor.rgb] == [RED, RED]
    assert shown["A"]["A1"].fill.fgColor.rgb == YELLOW and shown.sheetnames == ["Cần sửa (2)", "Cần sửa", "A", "B"]


def test_a_sheet_written_with_a_namespace_prefix_gets_its_comment_in_that_namespace(tmp_path):
    """Some writers spell every element `<x:c>`, `<x:row>`: the `<legacyDrawing>` goes in with that prefix."""
    book = openpyxl.Workbook()
    book.active.title = "A"
    book.active["B2"] = 4
    book.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as plain, zipfile.ZipFile(tmp_path / "in.xlsx", "w") as prefixed:
        for name in plain.namelist():
            data = plain.read(name)
            if name == "xl/worksheets/sheet1.xml":
                text = re.sub(r"<(/?)([a-zA-Z]+)", r"<\1x:\2", data.decode())
                data = text.replace("<x:worksheet xmlns=", "<x:worksheet xmlns:x=").encode()
            prefixed.writestr(name, data)
    patched_copy(tmp_path / "in.xlsx", tmp_path / "out.xlsx", {"A": {"B2": True}}, [], notes={"A": {"B2": "Lỗi"}})
    assert package_problems(tmp_path / "out.xlsx") == []
    with zipfile.ZipFile(tmp_path / "out.xlsx") as package:
        assert b"<x:legacyDrawing " in package.read("xl/worksheets/sheet1.xml")
    assert comments_of(tmp_path / "out.xlsx") == {("A", "B2"): "Lỗi"}
