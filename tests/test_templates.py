"""Unit templates: the contract the reader relies on, the self-check, and staff's restyling."""

import zipfile
from datetime import date

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from addin.config import load_config
from addin.errors import BaocaoError
from addin.issue.master import MASTER_NAME, build_master
from addin.issue.unit_copies import MasterPackage, build_templates, unit_file_name
from addin.rules.template_checks import excel_serial
from addin.stages import init_campaign
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.limits import fit, sheet_name_problem
from addin.xlsx.names import safe_file_stem
from tests.sample_data import SECOND_CONFIG
from tests.workbook_access import calamine_grid, name_targets, read_named_values


def expected_names(config) -> dict[str, int]:
    """Every defined name the contract promises → number of rows it spans."""
    names = {"bc_meta": 8, "bc_check_status": 1, "bc_check_errors": 1, "bc_check_warnings": 1}
    for section in config.form.sections:
        if section.kind == "fields":
            names.update({f"bc_{field.name}": 1 for field in section.fields})
            continue
        rows = len(config.tasks) if section.rows_from else section.rows
        names[f"bc_{section.name}"] = rows
        names.update({f"bc_{section.name}__{field.name}": rows for field in section.fields})
    names.update({f"lst_{name}": len(choices) for name, choices in config.form.choices.items()})
    return names


def assert_template_contract(path, config, unit):
    workbook = openpyxl.load_workbook(path)
    targets = name_targets(workbook)
    for name, rows in expected_names(config).items():
        sheet, reference = targets[name]
        assert sheet in workbook.sheetnames, name
        cells = workbook[sheet][reference]
        spanned = len(cells) if isinstance(cells, tuple) else 1
        assert spanned == rows, (name, reference)
    meta = workbook["_meta"]
    assert meta.sheet_state == "veryHidden"
    values = {row[0]: row[1] for row in calamine_grid(path, "_meta") if row[0]}
    assert values["unit_code"] == unit.code
    assert values["unit_name"] == unit.name
    assert values["campaign_id"] == config.campaign.id
    assert values["form_fingerprint"] == config.form_fingerprint
    assert workbook.security.lockStructure
    for sheet in workbook.worksheets:
        assert sheet.protection.sheet, sheet.title
    for section in config.form.sections:
        for field in section.fields:
            sheet, reference = targets[
                f"bc_{section.name}__{field.name}" if section.kind == "table" else f"bc_{field.name}"
            ]
            first = workbook[sheet][reference.split(":")[0]]
            assert first.protection.locked is (not field.is_input), field.name
    with zipfile.ZipFile(path) as archive:
        assert not any(b"{{" in archive.read(name) for name in archive.namelist()), "a placeholder was left"
    return workbook, targets


def test_one_template_per_unit_named_after_it(campaign, shipped_config):
    folder, result = campaign
    assert [path.name for path in result.unit_files] == [unit_file_name(unit) for unit in shipped_config.units]
    assert sorted(folder.outgoing.iterdir()) == sorted(result.unit_files)
    assert result.unit_files[1].name == "PGD082_Phong_GD_DT_Bat_Xat.xlsx"
    assert (folder.layouts / MASTER_NAME).exists()


@pytest.mark.parametrize("index", [0, 1, 20, -1])
def test_unit_template_keeps_the_contract(campaign, shipped_config, index):
    _, result = campaign
    unit = shipped_config.units[index]
    assert_template_contract(result.unit_files[index], shipped_config, unit)
    values = read_named_values(result.unit_files[index], ["bc_ten_don_vi"])
    assert values["bc_ten_don_vi"] == unit.name


def test_every_unit_file_carries_its_own_identity(campaign, shipped_config):
    _, result = campaign
    for path, unit in zip(result.unit_files, shipped_config.units, strict=True):
        meta = {row[0]: row[1] for row in calamine_grid(path, "_meta") if row[0]}
        assert (meta["unit_code"], meta["unit_name"]) == (unit.code, unit.name)


def test_official_header_and_instructions(campaign, shipped_config):
    _, result = campaign
    unit = shipped_config.units[1]
    grid = calamine_grid(result.unit_files[1], "Thông tin chung")
    texts = [value for row in grid for value in row if value]
    for expected in (
        "UBND HUYỆN BÁT XÁT",
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO\nHUYỆN BÁT XÁT",  # in even lines, «HUYỆN …» starting the second
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
    ):
        assert expected in texts
    guide = " ".join(str(value) for row in calamine_grid(result.unit_files[1], "Hướng dẫn") for value in row)
    assert f"Đơn vị: {unit.name} (mã {unit.code})" in guide
    assert "trước ngày 18/12/2019" in guide and shipped_config.issuer.email in guide


def test_validation_rules_reach_excel(campaign, shipped_config):
    _, result = campaign
    workbook = openpyxl.load_workbook(result.unit_files[0])
    targets = name_targets(workbook)
    activities = workbook["Hoạt động"]
    by_cell = {}
    for validation in activities.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            by_cell[cell_range.coord.split(":")[0]] = validation
    period = shipped_config.campaign.period

    def validation_of(column):
        return by_cell[targets[f"bc_hoat_dong__{column}"][1].split(":")[0]]

    date_rule = validation_of("ngay")
    assert (date_rule.type, date_rule.formula1, date_rule.formula2) == (
        "date",
        str(excel_serial(period.start)),
        str(excel_serial(period.end)),
    )
    assert "15/11/2019" in date_rule.error and date_rule.showErrorMessage
    assert (validation_of("nam").type, validation_of("nam").formula1) == ("whole", "0")
    assert validation_of("hinh_thuc").formula1 == "lst_hinh_thuc_hoat_dong"
    assert validation_of("tong").prompt.startswith("Nhập số nguyên")
    [covered] = validation_of("ngay").sqref.ranges
    assert covered.size["rows"] == 200, "covers every row of the table"


@pytest.mark.parametrize("which", ["shipped", "second"])
def test_every_typed_field_has_excel_validation_in_vietnamese(campaign, second_campaign, which):
    _, result = campaign if which == "shipped" else second_campaign
    config = load_config(SECOND_CONFIG) if which == "second" else load_config()
    workbook = openpyxl.load_workbook(result.unit_files[0])
    targets = name_targets(workbook)
    covered = {}
    for sheet in workbook.worksheets:
        for validation in sheet.data_validations.dataValidation:
            for cell_range in validation.sqref.ranges:
                covered[(sheet.title, cell_range.coord)] = validation
    for section in config.form.sections:
        for field in section.input_fields:
            if field.type == "text" and not field.max_length:
                continue
            name = f"bc_{section.name}__{field.name}" if section.kind == "table" else f"bc_{field.name}"
            validation = covered[targets[name]]
            assert validation.promptTitle == fit(field.label, 32)
            if field.type != "phone":
                assert validation.showErrorMessage and validation.error.startswith(f"«{field.label}» phải là")


def test_print_ready(campaign):
    _, result = campaign
    workbook = openpyxl.load_workbook(result.unit_files[0])
    for title in ("Thông tin chung", "Văn bản chỉ đạo", "Hoạt động", "Nhiệm vụ"):
        sheet = workbook[title]
        assert int(sheet.page_setup.paperSize) == 9, "A4"
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert workbook["Hoạt động"].page_setup.orientation == "landscape"
    assert workbook["Hoạt động"].print_title_rows, "table header repeats on every printed page"


def test_second_campaign_templates(second_campaign):
    _, result = second_campaign
    config = load_config(SECOND_CONFIG)
    assert len(result.unit_files) == 3
    for path, unit in zip(result.unit_files, config.units, strict=True):
        assert_template_contract(path, config, unit)
    values = read_named_values(result.unit_files[2], ["bc_truong", "bc_ma_truong"])
    assert values == {"bc_truong": "Trường THCS Phố Ràng <số 1>", "bc_ma_truong": "THCS-PR"}, "XML-escaped stamping"


def test_restyled_master_keeps_its_styling(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    build_templates(folder)
    master = folder.layouts / MASTER_NAME
    workbook = openpyxl.load_workbook(master)
    sheet = workbook["Thông tin chung"]
    sheet["A10"].font = Font(name="Arial", size=16, color="FF0000")
    sheet["A10"].fill = PatternFill("solid", fgColor="00B050")
    sheet.column_dimensions["B"].width = 61
    workbook.save(master)
    result = build_templates(folder)
    assert not result.master_rebuilt
    copy = openpyxl.load_workbook(result.unit_files[3])["Thông tin chung"]
    assert (copy["A10"].font.name, copy["A10"].font.sz, copy["A10"].fill.fgColor.rgb) == ("Arial", 16, "0000B050")
    assert copy.column_dimensions["B"].width == 61


def test_a_logo_added_to_the_master_reaches_every_unit(tmp_path):
    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    folder = init_campaign(tmp_path / "dot")
    master = folder.layouts / MASTER_NAME
    Picture.new("RGB", (40, 40), "red").save(tmp_path / "logo.png")
    workbook = openpyxl.load_workbook(master)
    workbook["Thông tin chung"].add_image(Image(tmp_path / "logo.png"), "A3")
    workbook.save(master)
    result = build_templates(folder, units=folder.load_config().units[:3])
    for path in result.unit_files:
        with zipfile.ZipFile(path) as archive:
            assert any(name.startswith("xl/media/") for name in archive.namelist())
            assert any(name.startswith("xl/drawings/drawing") for name in archive.namelist())


def test_changed_config_rebuilds_master_and_keeps_the_old_one(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    build_templates(folder)
    text = folder.config_path.read_text(encoding="utf-8").replace("deadline: 2019-12-18", "deadline: 2019-12-20")
    folder.config_path.write_text(text, encoding="utf-8")
    result = build_templates(folder)
    assert result.master_rebuilt and result.master_backup.exists()
    guide = " ".join(str(v) for row in calamine_grid(result.unit_files[0], "Hướng dẫn") for v in row)
    assert "trước ngày 20/12/2019" in guide


def test_master_without_placeholders_is_refused(shipped_config, tmp_path):
    import io

    source, rewritten = zipfile.ZipFile(io.BytesIO(build_master(shipped_config))), io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name).replace(b"{{unit_name}}", b"x").replace(b"{{unit_code}}", b"y"))
    master = rewritten.getvalue()
    with pytest.raises(BaocaoError, match="đã mất chỗ điền tên/mã đơn vị"):
        MasterPackage(master, tmp_path / MASTER_NAME)


def test_shipped_master_layout_is_what_the_code_builds(shipped_config):
    import io

    from addin.shipped import SHIPPED_LAYOUTS

    def parts(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}

    shipped = parts((SHIPPED_LAYOUTS / MASTER_NAME).read_bytes())
    assert shipped == parts(build_master(shipped_config)), (
        "workbook_templates/ is stale: run `python -m addin.frontends.layouts` to rebuild the shipped master"
    )


def test_shipped_summary_layout_is_what_the_code_builds(shipped_config, tmp_path):
    from addin.outputs.summary.layout import layout_fingerprint
    from addin.outputs.summary.layout_cache import SUMMARY_LAYOUT
    from addin.shipped import SHIPPED_LAYOUTS
    from addin.xlsx.meta import read_layout_meta

    assert read_layout_meta(SHIPPED_LAYOUTS / SUMMARY_LAYOUT)["summary_fingerprint"] == layout_fingerprint(
        shipped_config
    )
    folder = init_campaign(tmp_path / "dot")
    assert (folder.layouts / SUMMARY_LAYOUT).read_bytes() == (SHIPPED_LAYOUTS / SUMMARY_LAYOUT).read_bytes()
    other = init_campaign(tmp_path / "khac", SECOND_CONFIG)
    assert not (other.layouts / SUMMARY_LAYOUT).exists(), "a layout made for another config is not copied"


def test_excel_limits_are_checked_before_writing():
    assert sheet_name_problem("Hoạt động") is None
    assert "tối đa 31" in sheet_name_problem("Danh sách các hoạt động đã tổ chức năm 2019")
    assert sheet_name_problem("A[1]") == "tên trang tính «A[1]» có ký tự Excel không cho phép: [ ]"
    assert sheet_name_problem("History") == "Excel dành riêng tên trang «History»"
    assert fit("x" * 300, 255) == "x" * 254 + "…"
    assert safe_file_stem("CON") == "CON_"
    assert safe_file_stem("Phòng GD&ĐT Bát Xát") == "Phong_GD_DT_Bat_Xat"


def test_a_period_date_is_an_excel_serial():
    assert excel_serial(date(2019, 11, 15)) == 43784


def test_a_file_open_in_excel_is_reported_and_left_whole(tmp_path, monkeypatch):
    target = tmp_path / "PGD082.xlsx"
    target.write_bytes(b"old contents")

    def locked(source, destination):
        raise PermissionError(13, "The process cannot access the file because it is being used")

    monkeypatch.setattr("addin.xlsx.atomic.os.replace", locked)
    with pytest.raises(BaocaoError) as caught:
        write_bytes_atomically(target, b"new contents")
    assert caught.value.message == (
        f"Không ghi được tệp {target}: tệp đang mở trong Excel hoặc thư mục không cho ghi. Hãy đóng tệp rồi chạy lại."
    )
    assert target.read_bytes() == b"old contents"
    assert list(tmp_path.iterdir()) == [target], "no temporary file is left behind"
