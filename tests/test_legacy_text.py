"""Returns typed in legacy fonts (TCVN3/ABC, VNI): converted to Unicode per sheet before any check, merged clean."""

import csv
import os
import re
import zipfile
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from openpyxl.utils import get_column_letter

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, TemplateFiller, write_samples
from addin.intake.collect import collect
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import MasterPackage, build_templates
from addin.ledger import Ledger
from addin.outputs.merge import CSV_DIR, TIDY_WORKBOOK
from addin.stages import init_campaign
from addin.standing import campaign_standing
from addin.vietnamese import detect_legacy, unicode_to_legacy
from tests.office_files import repack
from tests.run_cli import baocao
from tests.test_vietnamese import tcvn3_capitals_lowered
from tests.workbook_access import calamine_grid

TEXT_TYPES = ("text", "select_one")


@pytest.fixture
def folder(tmp_path):
    campaign = init_campaign(tmp_path / "dot")
    build_templates(campaign)
    return campaign


def master_of(folder) -> bytes:
    return (folder.layouts / MASTER_NAME).read_bytes()


def typed_fields(config, kinds=TEXT_TYPES):
    """(section, field) of every field a unit types text into (prefilled cells are the template's)."""
    return [(s, f) for s in config.form.sections for f in s.input_fields if f.type in kinds]


def encode_sample(config, sample, encoding, kinds=TEXT_TYPES):
    """The sample as typed in a legacy font: every text value of the given field types re-spelled."""
    for section, form_field in typed_fields(config, kinds):
        targets = [sample.fields] if section.kind == "fields" else sample.tables.get(section.name, [])
        for values in targets:
            if isinstance(values.get(form_field.name), str):
                values[form_field.name] = unicode_to_legacy(values[form_field.name], encoding)


def checked(folder, sample):
    write_samples(folder.load_config(), master_of(folder), [sample], folder.inbox)
    collect(folder)
    check_campaign(folder)
    [standing] = [s for s in campaign_standing(folder).units if s.unit.code == sample.unit.code]
    with Ledger(folder.ledger_path) as ledger:
        stored = ledger.check_data(standing.latest.record.sha256)
    return standing, stored


def legacy_warnings(findings):
    return [f for f in findings if f.code == "LEGACY_ENCODING"]


def converted_count(finding) -> int:
    return int(re.search(r"chữ ở (\d+) ô", finding.message)[1])


def test_a_return_typed_all_in_tcvn3_dropdowns_included_is_converted_and_valid(folder):
    config = folder.load_config()
    unit = config.units[3]
    original = SampleMaker(config, seed=5).make(unit)
    sample = SampleMaker(config, seed=5).make(unit)
    encode_sample(config, sample, "TCVN3")
    standing, stored = checked(folder, sample)

    findings = standing.latest.findings
    assert [f.code for f in findings if f.severity == "error"] == []
    assert standing.state == "valid"
    warnings = legacy_warnings(findings)
    assert [w.sheet for w in warnings] == ["Thông tin chung", "Văn bản chỉ đạo", "Hoạt động", "Nhiệm vụ"]
    assert all("bảng mã TCVN3 (ABC)" in w.message and "Unicode" in w.message for w in warnings)
    assert [f.code for f in findings if f.code != "LEGACY_ENCODING"] == []
    typed_cells = {
        sheet: sum(
            1
            for section, form_field in typed_fields(config)
            if section.sheet == sheet
            for values in ([original.fields] if section.kind == "fields" else original.tables[section.name])
            if isinstance(values.get(form_field.name), str)
        )
        for sheet in ("Thông tin chung", "Văn bản chỉ đạo", "Hoạt động", "Nhiệm vụ")
    }
    assert {w.sheet: converted_count(w) for w in warnings} == typed_cells

    # TCVN3 has no codes for most capitals with marks: those come back lowercase, the rest exactly.
    assert stored["fields"]["nguoi_bao_cao"] == tcvn3_capitals_lowered(original.fields["nguoi_bao_cao"])
    activities = stored["tables"]["hoat_dong"]
    for typed, want in zip(activities, original.tables["hoat_dong"], strict=True):
        assert typed["noi_dung"] == tcvn3_capitals_lowered(want["noi_dung"])
        choice = next(c for c in config.form.choices["hinh_thuc_hoat_dong"] if c.label == want["hinh_thuc"])
        assert typed["hinh_thuc"] == choice.name
    task_states = [row["tinh_trang"] for row in stored["tables"]["nhiem_vu"]]
    labels = {c.name: c.label for c in config.form.choices["tinh_trang"]}
    assert [labels[name] for name in task_states] == [row["tinh_trang"] for row in original.tables["nhiem_vu"]]


SHORT_VNI = {"nguoi_bao_cao": "Vũ Thị Lan", "so_ky_hieu": "51/KH-PGDĐT", "dia_diem": "Thị trấn Phố Lu"}


def vni_typed_return(config, unit):
    """Dropdowns picked from the list (Unicode), typed text in VNI; two sheets hold only short VNI strings
    beside text pasted in Unicode, so only the whole workbook can say they are VNI."""
    sample = SampleMaker(config, seed=11).make(unit)
    sample.fields["nguoi_bao_cao"] = SHORT_VNI["nguoi_bao_cao"]
    sample.fields["chuc_vu"] = "Kế toán"
    sample.tables["van_ban"] = [dict(sample.tables["van_ban"][0], so_ky_hieu=SHORT_VNI["so_ky_hieu"])]
    sample.tables["van_ban"][0]["trich_yeu"] = "Kế hoạch thực hiện công tác bình đẳng giới năm 2019"
    first = sample.tables["hoat_dong"][0]
    sample.tables["hoat_dong"] = [dict(first, dia_diem=SHORT_VNI["dia_diem"], co_quan_phoi_hop="Hội Phụ nữ xã")]
    expected = {
        "nguoi_bao_cao": "Vũ Thị Lan",
        "chuc_vu": "Kế toán",
        "so_ky_hieu": "51/KH-PGDĐT",
        "trich_yeu": sample.tables["van_ban"][0]["trich_yeu"],
        "noi_dung": first["noi_dung"],
        "dia_diem": "Thị trấn Phố Lu",
        "co_quan_phoi_hop": "Hội Phụ nữ xã",
        "ket_qua": [row["ket_qua"] for row in sample.tables["nhiem_vu"]],
        "hinh_thuc": first["hinh_thuc"],
        "tinh_trang": [row["tinh_trang"] for row in sample.tables["nhiem_vu"]],
    }
    for values, names in [
        (sample.fields, ["nguoi_bao_cao"]),
        (sample.tables["van_ban"][0], ["so_ky_hieu"]),
        (sample.tables["hoat_dong"][0], ["noi_dung", "dia_diem", "co_quan_phoi_hop"]),
        *[(row, ["ket_qua"]) for row in sample.tables["nhiem_vu"]],
    ]:
        for name in names:
            if values.get(name):
                values[name] = unicode_to_legacy(values[name], "VNI")
    return sample, expected


def test_short_vni_strings_are_decided_by_the_workbook_not_alone():
    for text in SHORT_VNI.values():
        assert detect_legacy(unicode_to_legacy(text, "VNI")) is None, "alone, the cell says nothing"


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_dropdowns_in_unicode_and_short_typed_text_in_vni_merge_as_unicode_through_the_cli(folder):
    config = folder.load_config()
    unit = config.units[1]
    sample, expected = vni_typed_return(config, unit)
    write_samples(config, master_of(folder), [sample], folder.inbox)
    for command in ("collect", "check"):
        done = baocao(command, str(folder.root))
        assert done.returncode == 0, done.stderr
    [standing] = [s for s in campaign_standing(folder).units if s.unit.code == unit.code]
    findings = standing.latest.findings
    assert standing.state == "valid"
    assert [(f.code, f.sheet, f.cell) for f in findings] == [
        ("LEGACY_ENCODING", "Thông tin chung", None),
        ("LEGACY_ENCODING", "Văn bản chỉ đạo", None),
        ("LEGACY_ENCODING", "Hoạt động", None),
        ("LEGACY_ENCODING", "Nhiệm vụ", None),
    ]
    assert all("bảng mã VNI" in f.message for f in findings)
    assert [converted_count(f) for f in findings] == [1, 1, 3, len(expected["ket_qua"])]

    done = baocao("summary", str(folder.root))
    assert done.returncode == 0, done.stderr
    csv_dir = folder.results / CSV_DIR
    [person] = [row for row in read_csv(csv_dir / "don_vi.csv") if row["unit_code"] == unit.code]
    assert (person["nguoi_bao_cao"], person["chuc_vu"]) == ("Vũ Thị Lan", "Kế toán")
    [document] = read_csv(csv_dir / "van_ban.csv")
    assert (document["so_ky_hieu"], document["trich_yeu"]) == ("51/KH-PGDĐT", expected["trich_yeu"])
    [activity] = read_csv(csv_dir / "hoat_dong.csv")
    assert {name: activity[name] for name in ("noi_dung", "dia_diem", "co_quan_phoi_hop", "hinh_thuc")} == {
        name: expected[name] for name in ("noi_dung", "dia_diem", "co_quan_phoi_hop", "hinh_thuc")
    }
    tasks = read_csv(csv_dir / "nhiem_vu.csv")
    assert [row["ket_qua"] or None for row in tasks] == expected["ket_qua"]
    assert [row["tinh_trang"] for row in tasks] == expected["tinh_trang"]

    grid = calamine_grid(folder.results / TIDY_WORKBOOK, "hoat_dong")
    column = grid[0].index("dia_diem")
    assert [row[column] for row in grid[1:]] == ["Thị trấn Phố Lu"]


def test_a_unicode_return_gets_no_legacy_warning_even_with_latin1_only_words(folder):
    config = folder.load_config()
    unit = config.units[4]
    sample = SampleMaker(config, seed=2).make(unit)
    # Words written with Latin-1 letters only, which legacy tables would re-read ("Hòa" as VNI "Hịa",
    # as TCVN3 "Hũa"), and a foreign name.
    sample.fields["nguoi_bao_cao"] = "Tô Thị Hòa"
    sample.fields["chuc_vu"] = "Cô giáo"
    sample.fields["de_xuat"] = "Bà Hà Thì Mô đề nghị hỗ trợ thêm"
    sample.tables["hoat_dong"][0]["dia_diem"] = "Hòa Bình"
    sample.tables["hoat_dong"][0]["co_quan_phoi_hop"] = "Café Müller"
    standing, stored = checked(folder, sample)
    assert standing.state == "valid"
    assert standing.latest.findings == []
    assert (stored["fields"]["nguoi_bao_cao"], stored["fields"]["chuc_vu"]) == ("Tô Thị Hòa", "Cô giáo")
    assert stored["fields"]["de_xuat"] == "Bà Hà Thì Mô đề nghị hỗ trợ thêm"
    first = stored["tables"]["hoat_dong"][0]
    assert (first["dia_diem"], first["co_quan_phoi_hop"]) == ("Hòa Bình", "Café Müller")


def test_a_cell_still_unreadable_after_conversion_is_an_error_at_its_cell(folder):
    config = folder.load_config()
    unit = config.units[5]
    sample = SampleMaker(config, seed=4).make(unit)
    encode_sample(config, sample, "TCVN3")
    # Pasted from a VNI document into a sheet typed in TCVN3: half the cell is each.
    pasted = unicode_to_legacy("Tuyên truyền về bình đẳng giới tại ", "TCVN3") + "Vieät Nam"
    sample.tables["hoat_dong"][0]["noi_dung"] = pasted
    standing, stored = checked(folder, sample)
    errors = [f for f in standing.latest.findings if f.severity == "error"]
    area = TemplateFiller(MasterPackage(master_of(folder), folder.layouts).stamp(unit)).names["bc_hoat_dong__noi_dung"]
    assert [(f.code, f.sheet, f.cell, f.row) for f in errors] == [
        ("LEGACY_TEXT_UNREADABLE", "Hoạt động", f"{get_column_letter(area.first_column)}{area.first_row}", 1)
    ]
    assert "«Vieọt»" in errors[0].message and "TCVN3 (ABC)" in errors[0].message
    assert "gõ lại ô này bằng Unicode" in errors[0].message
    assert [w.sheet for w in legacy_warnings(standing.latest.findings)].count("Hoạt động") == 1
    assert stored["tables"]["hoat_dong"][0]["noi_dung"] == "Tuyên truyền về bình đẳng giới tại Vieọt Nam"
    assert standing.state == "has_errors", "never merged silently"


def with_font(data: bytes, sheet_part: str, addresses: list[str], font: str) -> bytes:
    """The workbook with `font` set on the given cells, the way Excel stores it (a font, a cell style)."""
    with TemporaryDirectory() as temp:
        source, target = Path(temp) / "in.xlsx", Path(temp) / "out.xlsx"
        source.write_bytes(data)
        with zipfile.ZipFile(source) as archive:
            styles_xml = archive.read("xl/styles.xml").decode("utf-8")
        fonts = int(re.search(r'<fonts count="(\d+)"', styles_xml)[1])
        style = int(re.search(r'<cellXfs count="(\d+)"', styles_xml)[1])

        def edit(name: str, content: bytes) -> bytes:
            text = content.decode("utf-8")
            if name == "xl/styles.xml":
                text = re.sub(r'<fonts count="\d+"', f'<fonts count="{fonts + 1}"', text)
                text = text.replace("</fonts>", f'<font><sz val="12"/><name val="{font}"/></font></fonts>')
                text = re.sub(r'<cellXfs count="\d+"', f'<cellXfs count="{style + 1}"', text)
                text = text.replace("</cellXfs>", f'<xf numFmtId="0" fontId="{fonts}" applyFont="1"/></cellXfs>')
            elif name == sheet_part:
                for address in addresses:
                    text = re.sub(rf'<c r="{address}"( s="\d+")?', f'<c r="{address}" s="{style}"', text)
            return text.encode("utf-8")

        return repack(source, target, edit).read_bytes()


def test_a_cell_in_a_vni_font_is_converted_and_a_unicode_font_cell_beside_it_is_not(folder):
    config = folder.load_config()
    unit = config.units[6]
    sample = SampleMaker(config, seed=8).make(unit)
    sample.fields["nguoi_bao_cao"] = unicode_to_legacy("Lê Thị Lan", "VNI")  # "Leâ Thò Lan": too little alone
    sample.fields["chuc_vu"] = "Cô giáo"  # Unicode in a Unicode font: VNI would read it "Cơ giáo"
    [path] = write_samples(config, master_of(folder), [sample], folder.inbox)
    filler = TemplateFiller(path.read_bytes())
    area = filler.names["bc_nguoi_bao_cao"]
    address = f"{get_column_letter(area.first_column)}{area.first_row}"
    path.write_bytes(with_font(path.read_bytes(), filler.sheet_parts[area.sheet], [address], "VNI-Times"))
    os.utime(path, (sample.received_at.timestamp(),) * 2)  # received on time, as written
    collect(folder)
    check_campaign(folder)
    [standing] = [s for s in campaign_standing(folder).units if s.unit.code == unit.code]
    with Ledger(folder.ledger_path) as ledger:
        stored = ledger.check_data(standing.latest.record.sha256)
    assert (stored["fields"]["nguoi_bao_cao"], stored["fields"]["chuc_vu"]) == ("Lê Thị Lan", "Cô giáo")
    [warning] = standing.latest.findings
    assert (warning.code, warning.sheet, converted_count(warning)) == ("LEGACY_ENCODING", "Thông tin chung", 1)
    assert f"({address})" in warning.message and "bảng mã VNI" in warning.message
