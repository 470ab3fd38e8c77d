"""Opening units' files (issue 12, case 9): the findings workbook's «Mở» links open a macro-free copy.

A unit's .xlsm is archived byte for byte and keeps its macros; staff never open that file from the
findings workbook. The links point at an .xlsx re-packed from it without the VBA project, its
signature, ActiveX controls or ribbon customisation, read back here by openpyxl, olevba, plain zip
and XML parsers and LibreOffice headless. Kinds that cannot be re-packed keep their archive link, and
on Windows every archived file carries a Zone.Identifier stream (Mark-of-the-Web) so Office opens it
in Protected View; that stream cannot be written on Linux, so only its no-op here is tested.
"""

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from oletools.olevba import VBA_Parser

from addin.demo.samples import SampleMaker, write_samples
from addin.intake import zone
from addin.intake.guard.findings import Limits
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.outputs.findings_workbook import FINDINGS_WORKBOOK, VIEW_DIR
from addin.outputs.macro_free import NotRepackable, macro_free_copy, safe_view
from addin.stages import init_campaign
from tests.libreoffice import libreoffice_convert
from tests.office_files import XLSX_MAIN, as_xlsm, repack
from tests.run_cli import baocao

TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A campaign whose one return is an .xlsm with errors, collected and checked by the real command."""
    folder = init_campaign(tmp_path_factory.mktemp("safe") / "dot")
    build_templates(folder)
    config = folder.load_config()
    unit = config.units[1]
    sample = SampleMaker(config, seed=5).make(unit, ["wrong_total"])
    [xlsx] = write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), [sample], folder.root / "made")
    original = as_xlsm(xlsx, folder.inbox / xlsx.with_suffix(".xlsm").name)
    for command in ("collect", "check"):
        done = baocao(command, str(folder.root))
        assert done.returncode == 0, done.stdout + done.stderr
    return folder, original


def open_links(workbook: Path, sheet: str) -> list[str]:
    """The targets of every «Mở» link in `sheet` of the findings workbook, read back by openpyxl."""
    found = openpyxl.load_workbook(workbook)[sheet]
    return [cell.hyperlink.target for row in found.iter_rows() for cell in row if cell.value == "Mở" and cell.hyperlink]


def test_the_macros_really_are_in_the_units_file(checked):
    _, original = checked
    assert VBA_Parser(str(original)).detect_vba_macros()


def test_open_links_point_at_a_macro_free_xlsx_copy_with_the_same_anchor(checked, tmp_path):
    folder, original = checked
    results = folder.results
    details = open_links(results / FINDINGS_WORKBOOK, "Chi tiết")
    history = open_links(results / FINDINGS_WORKBOOK, "Lịch sử nhận")
    assert details and len(history) == 1
    [file_part] = {target.split("#")[0] for target in details + history}
    assert file_part.startswith(f"{VIEW_DIR}/") and file_part.endswith(".xlsx")
    anchors = [target.split("#")[1] for target in details if "#" in target]
    assert anchors and all(anchor.startswith("'Hoạt động'!") for anchor in anchors), "the cell anchor is kept"
    copy = results / file_part
    assert copy.is_file() and copy.parent == results / VIEW_DIR
    assert "luu_tru" not in " ".join(details + history), "never the unit's own archived file"

    with zipfile.ZipFile(copy) as package:
        names = package.namelist()
        assert package.testzip() is None
        types = ElementTree.fromstring(package.read("[Content_Types].xml"))
        rels = {name: ElementTree.fromstring(package.read(name)) for name in names if name.endswith(".rels")}
    assert not [name for name in names if "vba" in name.lower() or name.lower().startswith("customui/")]
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{TYPES}Override")}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{TYPES}Default")}
    assert overrides["/xl/workbook.xml"] == XLSX_MAIN
    assert "vbaProject" not in " ".join([*overrides.values(), *defaults.values()])
    assert all(part.lstrip("/") in names for part in overrides), "every Override names a part that is there"
    targets = [r.get("Target") for tree in rels.values() for r in tree.iter(f"{RELS}Relationship")]
    assert not [t for t in targets if "vba" in t.lower() or "customUI" in t]
    assert not VBA_Parser(str(copy)).detect_vba_macros()

    with zipfile.ZipFile(original) as before, zipfile.ZipFile(copy) as after:
        for name in after.namelist():
            if not name.endswith(".rels") and name != "[Content_Types].xml":
                assert after.read(name) == before.read(name), f"{name} is copied unchanged"

    assert values_of(copy) == values_of(original)
    resaved = libreoffice_convert(copy, "xlsx", tmp_path / "lo")
    seen_by_libreoffice = values_of(resaved)
    typed = typed_values(original)
    assert len(typed) > 100 and {where: seen_by_libreoffice.get(where) for where in typed} == typed
    assert libreoffice_convert(copy, "pdf", tmp_path / "pdf").read_bytes().startswith(b"%PDF")


def values_of(path: Path) -> dict:
    """Every cell value of every sheet; a formula as its text."""
    workbook = openpyxl.load_workbook(path)
    return {
        (sheet.title, cell.coordinate): getattr(cell.value, "text", cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def typed_values(path: Path) -> dict:
    """The values typed in (no formulas): what LibreOffice must show unchanged after opening the copy."""
    return {
        where: value
        for where, value in values_of(path).items()
        if not (isinstance(value, str) and value.startswith("="))
    }


def test_the_copy_is_made_once_and_reused(checked):
    folder, _ = checked
    [copy] = (folder.results / VIEW_DIR).iterdir()
    made = copy.stat().st_mtime_ns
    assert baocao("check", str(folder.root)).returncode == 0
    assert [copy] == list((folder.results / VIEW_DIR).iterdir()) and copy.stat().st_mtime_ns == made


def test_the_archive_copy_itself_is_never_changed(checked):
    folder, original = checked
    [archived] = list(folder.archive.glob("??/*"))
    assert archived.suffix == ".xlsm" and archived.read_bytes() == original.read_bytes()


def test_a_plain_xlsx_with_nothing_to_leave_out_is_viewed_as_its_own_bytes(checked, tmp_path):
    """Most returns: re-packing would change nothing but the compression, so the view is a plain copy."""
    folder, original = checked
    config = folder.load_config()
    sample = SampleMaker(config, seed=6).make(config.units[2])
    [plain] = write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), [sample], tmp_path)
    sha = hashlib.sha256(plain.read_bytes()).hexdigest()
    view = safe_view(plain, tmp_path / VIEW_DIR, sha)
    assert view.read_bytes() == plain.read_bytes()
    [xlsm_view] = (folder.results / VIEW_DIR).iterdir()  # the .xlsm of the fixture: re-packed, not copied
    assert b"vbaProject" not in xlsm_view.read_bytes() and b"vbaProject" in original.read_bytes()


# ---------------------------------------------------------------- the re-packing, on its own


def test_activex_controls_leave_with_their_references(tmp_path):
    """A sheet that loses its ActiveX control also loses its <controls> element: no dangling r:id."""
    source = tmp_path / "made.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "giữ"
    book.save(source)
    control = '<controls><control shapeId="1025" r:id="rIdAx" name="CommandButton1"/></controls><tableParts count="0"/>'

    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            text = data.decode()
            if "xmlns:r=" not in text:
                text = text.replace(
                    "<worksheet ",
                    '<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ',
                )
            return text.replace("</worksheet>", control + "</worksheet>").encode()
        if name == "[Content_Types].xml":
            return data.replace(
                b"</Types>",
                b'<Override PartName="/xl/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>'
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.activeX"/></Types>',
            )
        return data

    sheet_rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rIdAx" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/control" Target="../activeX/activeX1.xml"/></Relationships>'
    )
    extra = {
        "xl/worksheets/_rels/sheet1.xml.rels": sheet_rels,
        "xl/activeX/activeX1.xml": b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX"/>',
        "xl/activeX/activeX1.bin": b"\x00" * 32,
    }
    with_control = repack(source, tmp_path / "control.xlsm", edit, extra=extra)
    target = tmp_path / "out" / "view.xlsx"
    target.parent.mkdir()
    macro_free_copy(with_control, target)
    with zipfile.ZipFile(target) as package:
        assert not [name for name in package.namelist() if "activeX" in name]
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
        assert "<controls>" not in sheet and '<tableParts count="0"/>' in sheet
        assert b"rIdAx" not in package.read("xl/worksheets/_rels/sheet1.xml.rels")
        assert b"activeX" not in package.read("[Content_Types].xml")
    assert openpyxl.load_workbook(target).active["A1"].value == "giữ"


def test_a_zip_bomb_is_never_inflated(tmp_path):
    """Sizes are checked from the zip directory first, with the guard's limits: no copy, nothing inflated."""
    source = tmp_path / "bom.xlsm"
    book = openpyxl.Workbook()
    book.save(source)
    with zipfile.ZipFile(source, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/media/padding.xml", b"<a>" + b" " * (3 * 2**20) + b"</a>")
    target = tmp_path / "view.xlsx"
    with pytest.raises(NotRepackable, match="ZIP_BOMB"):
        macro_free_copy(source, target, Limits(max_uncompressed_bytes=2 * 2**20))
    with pytest.raises(NotRepackable, match="ZIP_BOMB"):
        macro_free_copy(source, target, Limits(max_ratio=50))
    assert not target.exists() and os.listdir(tmp_path) == ["bom.xlsm"]


def test_excel4_macro_sheets_are_not_re_packed_and_get_no_link(tmp_path):
    source = tmp_path / "xlm.xlsm"
    openpyxl.Workbook().save(source)
    with zipfile.ZipFile(source, "a") as package:
        package.writestr("xl/macrosheets/sheet1.xml", b"<xm:macrosheet/>")
    with pytest.raises(NotRepackable):
        macro_free_copy(source, tmp_path / "view.xlsx")
    sha = __import__("hashlib").sha256(source.read_bytes()).hexdigest()
    assert safe_view(source, tmp_path / VIEW_DIR, sha) is None


def test_a_changed_archive_copy_gets_no_view(tmp_path):
    source = tmp_path / "a.xlsx"
    openpyxl.Workbook().save(source)
    assert safe_view(source, tmp_path / VIEW_DIR, "0" * 64) is None
    assert not (tmp_path / VIEW_DIR).exists() or not list((tmp_path / VIEW_DIR).iterdir())


# ---------------------------------------------------------------- Mark-of-the-Web on Windows


def test_zone_identifier_is_a_no_op_off_windows(tmp_path):
    """On Windows the archive copy gets `path:Zone.Identifier`; elsewhere (here) nothing is written."""
    path = tmp_path / "x.xlsm"
    path.write_bytes(b"PK")
    assert os.name != "nt"
    assert zone.mark_from_internet(path) is False
    assert os.listdir(tmp_path) == ["x.xlsm"] and path.read_bytes() == b"PK"
    assert zone.ZONE_IDENTIFIER == "[ZoneTransfer]\r\nZoneId=3\r\n"


def test_a_stream_that_cannot_be_written_is_ignored_silently(tmp_path, monkeypatch):
    """FAT, exFAT or a network share cannot hold the stream and the write raises OSError: archiving goes on.
    Pretending to be Windows here, the write fails the way it can there (the folder is gone), and is ignored."""
    monkeypatch.setattr(zone, "ON_WINDOWS", True)
    assert zone.mark_from_internet(tmp_path / "gone" / "x.xls") is False
    assert os.listdir(tmp_path) == []


def test_archiving_marks_each_new_archive_copy(tmp_path, monkeypatch):
    """`archive_file` asks for the mark on every file it archives (it writes it only on Windows)."""
    from addin.intake.collect import archive_file

    folder = init_campaign(tmp_path / "dot")
    marked = []
    monkeypatch.setattr(zone, "ON_WINDOWS", True)

    def stream(name, *args, **kwargs):  # where Windows opens the alternate stream; here, a string buffer
        marked.append(name)
        return io.StringIO()

    monkeypatch.setattr(zone, "open", stream, raising=False)
    _, _, _, archived = archive_file(folder, b"\xd0\xcf\x11\xe0" + bytes(60), "PGD082.xls")
    assert marked == [f"{archived}:Zone.Identifier"]


def test_readme_never_advises_trusting_a_folder_that_holds_units_files():
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8").split())
    assert "bản sao không có macro" in readme
    mentions = [m.start() for m in re.finditer("nơi tin cậy|Trusted Location|Unblock", readme)]
    assert mentions
    for start in mentions:
        before = readme[max(0, start - 100) : start]
        if "Unblock" in readme[start : start + 8]:
            assert "BaoCao.xlsm" in readme[start - 100 : start + 60], "only our own control workbook is unblocked"
        else:
            assert "đừng" in before.lower(), readme[start - 100 : start + 40]


def test_a_workbook_that_cannot_be_re_packed_gets_no_link_at_all(tmp_path):
    """An Excel 4.0 macro sheet cannot be left out quietly: no safe copy, so no «Mở» link to the unit's file."""
    folder = init_campaign(tmp_path / "dot")
    build_templates(folder)
    config = folder.load_config()
    sample = SampleMaker(config, seed=5).make(config.units[1], ["wrong_total"])
    [xlsx] = write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), [sample], tmp_path / "made")
    xlm = b'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
    repack(xlsx, folder.inbox / xlsx.name, extra={"xl/macrosheets/sheet1.xml": xlm})
    for command in ("collect", "check"):
        assert baocao(command, str(folder.root)).returncode == 0
    details = openpyxl.load_workbook(folder.results / FINDINGS_WORKBOOK)["Chi tiết"]
    links = [row[8] for row in details.iter_rows(min_row=2)]
    assert links and all(cell.value == "Không mở được" and cell.hyperlink is None for cell in links)
    assert not (folder.results / VIEW_DIR).exists() or not list((folder.results / VIEW_DIR).iterdir())
