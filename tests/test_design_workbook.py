"""The design workbook: config.yaml ↔ thiet_ke_dot_bao_cao.xlsx, every problem at its sheet, row and column.

Workbooks are read back with openpyxl (an independent reader) and python-calamine; the config written is
read by the real loader; the campaign designed in the workbook runs through the real pipeline.
"""

import difflib
import json
from datetime import date, datetime

import openpyxl
import pytest

from addin.campaign import open_campaign
from addin.checking import check_campaign
from addin.config import load_config
from addin.demo.samples import SampleMaker, write_samples
from addin.design.campaign_design import apply_design, export_campaign_design
from addin.design.export import DESIGN_NAME, export_design
from addin.design.reading import DesignError
from addin.design.validation import import_design
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.shipped import SHIPPED_CONFIG
from addin.stages import init_campaign, make_templates, summary
from tests.design_book import fill_library_design, fill_rows, set_settings, settings_row
from tests.libreoffice import libreoffice_convert
from tests.run_cli import baocao
from tests.sample_data import SECOND_CONFIG
from tests.summary_grid import data_rows, grid

SHEETS = [
    "Đợt báo cáo",
    "Đơn vị",
    "Nhóm đơn vị",
    "Nhiệm vụ",
    "Biểu mẫu",
    "Phần biểu mẫu",
    "Danh sách chọn",
    "Quy tắc",
    "Tổng hợp",
    "Báo cáo",
]


def meaning(config) -> dict:
    return {**config.model_dump(mode="json"), "accept_versions": config.form.accept_versions}


LIBRARY_CONFIG = SECOND_CONFIG.parent / "config_sach_thu_vien.yaml"  # written by `init --design` (test below)


@pytest.mark.parametrize(
    "source",
    [SHIPPED_CONFIG, SECOND_CONFIG, LIBRARY_CONFIG, SECOND_CONFIG.parent / "config_sach.yaml"],
    ids=["shipped", "thu_vien", "sach_thu_vien", "sach"],
)
def test_export_then_import_gives_the_same_config(source, tmp_path):
    original = load_config(source)
    path = export_design(original, tmp_path / DESIGN_NAME)
    back = import_design(path)
    assert meaning(back) == meaning(original)
    assert back.check_fingerprint == original.check_fingerprint
    assert back.form_fingerprint == original.form_fingerprint


def test_the_workbook_read_by_openpyxl_has_headers_keys_dropdowns_and_live_checks(tmp_path):
    book = openpyxl.load_workbook(export_design(load_config(), tmp_path / DESIGN_NAME))
    assert book.sheetnames == SHEETS
    fields = book["Biểu mẫu"]
    assert [cell.value for cell in fields[1]][:5] == ["Phần", "Tên trường", "Nhãn", "Kiểu", "Bắt buộc"]
    assert [cell.value for cell in fields[2]][:4] == [
        "form.sections[].name",
        "form.sections[].fields[].name",
        "form.sections[].fields[].label",
        "form.sections[].fields[].type",
    ]
    assert fields.row_dimensions[2].hidden and fields.freeze_panes == "B3"
    assert "Khoá: form.sections[].fields[].type" in fields["D1"].comment.text
    assert [cell.value for cell in fields[3]][:4] == ["don_vi", "ten_don_vi", "Tên đơn vị", "text"]
    lists = {str(v.sqref): v.formula1 for v in fields.data_validations.dataValidation}
    assert lists["D3:D5002"] == '"text,integer,decimal,date,select_one,email,phone"'
    assert lists["H3:H5002"] == "'Danh sách chọn'!$A$3:$A$5002"
    assert lists["E3:E5002"] == '"có,không"'
    units = book["Đơn vị"]
    unit_lists = {str(v.sqref): v.formula1 for v in units.data_validations.dataValidation}
    assert unit_lists["A3:A5002"] == "'Nhóm đơn vị'!$A$3:$A$5002"
    rules = {str(area.sqref): [rule.formula[0] for rule in area.rules] for area in units.conditional_formatting}
    assert rules["B3:B5002"] == ["AND(COUNTA($A3:$G3)>0,LEN(TRIM(B3))=0)", "AND(LEN(B3)>0,COUNTIF($B$3:$B$5002,B3)>1)"]
    assert "AND(LEN(TRIM(A3))>0,COUNTIF('Nhóm đơn vị'!$A$3:$A$5002,A3)=0)" in rules["A3:A5002"]
    operators = {str(v.sqref): v.formula1 for v in book["Quy tắc"].data_validations.dataValidation}
    assert operators["D3:D5002"].startswith('"equal_to,not_equal_to,greater_than')
    for sheet in book:
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    settings = book["Đợt báo cáo"]
    deadline = settings_row(settings, "campaign.deadline")
    assert [settings.cell(deadline, column).value for column in (1, 2, 4)] == ["Đợt báo cáo", "Hạn nộp báo cáo", "có"]
    assert settings.cell(deadline, 3).value == datetime(2019, 12, 18)
    assert settings.column_dimensions["E"].hidden


def test_every_config_key_of_the_shipped_config_has_a_place_in_the_workbook(tmp_path):
    book = openpyxl.load_workbook(export_design(load_config(), tmp_path / DESIGN_NAME))
    keys = {book["Đợt báo cáo"].cell(row, 5).value for row in range(3, book["Đợt báo cáo"].max_row + 1)}
    for sheet in SHEETS[1:]:
        keys |= {cell.value for cell in book[sheet][2]}
    for key in (
        "campaign.dispatch.date_text",
        "mail.limits.part_bytes",
        "mail.feedback.body",
        "summary.report_date",
        "form.accept_versions",
        "template.protection_password",
        "unit_groups[].units[].emails",
        "form.sections[].header_groups",
        "summary.annexes[].columns[].sum",
        "report.sections[].examples",
        "form.choices.<danh_sách>[].label",
        "rules[].missing_value_strategy",
        "tasks[].text",
    ):
        assert key in keys


def test_an_empty_campaign_exports_the_skeleton_with_required_keys_marked(tmp_path):
    exported = export_campaign_design(tmp_path / "moi")
    assert exported.source == "skeleton"
    sheet = openpyxl.load_workbook(exported.path)["Đợt báo cáo"]
    required = {sheet.cell(row, 5).value for row in range(3, sheet.max_row + 1) if sheet.cell(row, 4).value == "có"}
    assert required == {
        "campaign.id",
        "campaign.name",
        "campaign.period.start",
        "campaign.period.end",
        "campaign.deadline",
        "campaign.dispatch.number",
        "campaign.dispatch.subject",
        "issuer.name",
        "issuer.short_name",
        "issuer.place",
        "issuer.email",
        "form.form_id",
        "form.version",
        "form.title",
    }
    assert sheet.cell(settings_row(sheet, "document_header.motto"), 3).value == "Độc lập - Tự do - Hạnh phúc"
    with pytest.raises(DesignError) as raised:
        import_design(exported.path)
    problems = [str(problem) for problem in raised.value.problems]
    assert (
        problems[0] == "«Đợt báo cáo» dòng 3, cột «Giá trị»: «Mã đợt (chữ thường, số, -; không đổi giữa chừng)» "
        "là mục bắt buộc, không được để trống."
    )
    assert len(problems) == 16
    assert problems[-2:] == [
        "«Nhóm đơn vị»: chưa có nhóm đơn vị nào; hãy thêm ít nhất một nhóm ở đây và đơn vị của nhóm ở trang «Đơn vị».",
        "«Phần biểu mẫu»: biểu mẫu chưa có phần nào; thêm ít nhất một phần ở đây, các trường ở trang «Biểu mẫu».",
    ]


def test_ten_kinds_of_mistakes_are_all_reported_at_once_at_their_cells(tmp_path):
    path = export_design(load_config(), tmp_path / DESIGN_NAME)
    book = openpyxl.load_workbook(path)
    set_settings(book, {"campaign.deadline": "32/12/2019"})  # 1. a bad date
    units = book["Đơn vị"]
    units["B4"] = "PGD080"  # 2. a duplicate unit code
    units["D5"] = None  # 3. an empty required cell
    units["A6"] = "IV"  # 4. a group that does not exist
    units["F7"] = "pgd085@laocai"  # 5. a bad email address
    fields = book["Biểu mẫu"]
    fields["D6"] = "select_multiple"  # 6. a type Excel cannot validate
    fields["H13"] = "hinh_thuc"  # 7. a choice list that does not exist
    fields["B16"] = "dia_diem"  # 8. a field name written twice in a section
    fields["F17"], fields["G17"] = 10, 5  # 9. min above max
    book["Quy tắc"]["E3"] = "nam + nu + tre_em"  # 10. a rule naming a field the section lacks
    book.save(path)
    with pytest.raises(DesignError) as raised:
        import_design(path)
    assert [str(problem) for problem in raised.value.problems] == [
        "«Đợt báo cáo» dòng 8, cột «Giá trị»: «32/12/2019» không phải ngày; hãy viết dạng 18/12/2019.",
        "«Đơn vị» dòng 4, cột «Mã đơn vị»: mã đơn vị «PGD080» bị trùng với đơn vị ở dòng 3; "
        "mỗi đơn vị cần mã đơn vị riêng.",
        "«Đơn vị» dòng 5, cột «Tên ngắn»: ô bắt buộc, không được để trống.",
        "«Đơn vị» dòng 6, cột «Nhóm»: nhóm «IV» không có trong trang «Nhóm đơn vị»; các nhóm có: I, II, III.",
        "«Đơn vị» dòng 7, cột «Thư điện tử»: địa chỉ thư «pgd085@laocai» không hợp lệ.",
        "«Biểu mẫu» dòng 6, cột «Kiểu»: «select_multiple» không dùng được ở đây; chỉ được là một trong: "
        "text, integer, decimal, date, select_one, email, phone.",
        "«Biểu mẫu» dòng 13, cột «Danh sách chọn»: không có danh sách lựa chọn «hinh_thuc» trong form.choices; "
        "các danh sách có: hinh_thuc_hoat_dong, tinh_trang.",
        "«Biểu mẫu» dòng 16, cột «Tên trường»: tên trường «dia_diem» bị trùng trong phần «hoat_dong».",
        "«Biểu mẫu» dòng 17, cột «Nhỏ nhất»: min (10) lớn hơn max (5).",
        "«Quy tắc» dòng 3, cột «Vế phải»: quy tắc dùng trường «tre_em» không có trong phần «hoat_dong»; "
        "các trường có: noi_dung, hinh_thuc, ngay, dia_diem, tong, nam, nu.",
    ]


def test_an_import_that_changed_nothing_leaves_config_yaml_untouched(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    before = folder.config_path.read_bytes()
    exported = export_campaign_design(folder.root)
    result = apply_design(folder.root, exported.path)
    assert result.changed == [] and result.backup is None
    assert folder.config_path.read_bytes() == before
    assert sorted(path.name for path in folder.root.glob("config.yaml*")) == ["config.yaml"]


def test_an_import_changes_only_the_lines_of_what_changed_and_keeps_the_old_file(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    before = folder.config_path.read_text(encoding="utf-8")
    path = export_campaign_design(folder.root).path
    book = openpyxl.load_workbook(path)
    set_settings(book, {"campaign.deadline": "20/12/2019", "mail.smtp.host": "smtp.laocai.example"})
    units = book["Đơn vị"]  # a unit of group I typed at the end of the list
    fill_rows(
        units, [("I", "PGD090", "Phòng GD&ĐT mới", "PGD mới", "UBND MỚI", "pgd090@laocai.example")], units.max_row + 1
    )
    book.save(path)
    result = apply_design(folder.root, path, now=datetime(2026, 12, 2, 16, 15))
    assert result.changed == ["campaign.deadline", "unit_groups[0].units[9]", "mail.smtp.host"]
    assert result.backup == folder.root / "config.yaml.2026-12-02_161500.bak"
    assert result.backup.read_text(encoding="utf-8") == before
    after = folder.config_path.read_text(encoding="utf-8")
    diff = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")]
    assert [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        "-  deadline: 2019-12-18",
        "+  deadline: 2019-12-20",
        "+      - {code: PGD090, name: Phòng GD&ĐT mới, short: PGD mới, email: pgd090@laocai.example, "
        "parent: UBND MỚI}",
        '-  smtp: {host: "", port: 587, security: starttls, user: tccb.sgddt@laocai.example, '
        "password_env: BAOCAO_SMTP_PASSWORD}",
        '+  smtp: {host: "smtp.laocai.example", port: 587, security: starttls, user: tccb.sgddt@laocai.example, '
        "password_env: BAOCAO_SMTP_PASSWORD}",
    ]
    config = load_config(folder.config_path)
    assert config.campaign.deadline == date(2019, 12, 20) and config.units[9].code == "PGD090"


def test_a_file_that_is_no_workbook_is_refused_before_any_parser_sees_it(tmp_path):
    fake = tmp_path / DESIGN_NAME
    fake.write_text("ma,ten\nPGD080,Phòng\n", encoding="utf-8")
    with pytest.raises(DesignError) as raised:
        import_design(fake)
    (problem,) = raised.value.problems
    assert str(problem).startswith("Bảng thiết kế: không đọc được tệp: ")
    assert str(problem).endswith("Hãy lưu lại dạng .xlsx.")


def test_cli_design_export_import_and_init_from_a_design(tmp_path):
    done = baocao("design", "export", str(tmp_path / "moi"))
    skeleton = tmp_path / "moi" / DESIGN_NAME
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"Đã ghi bảng thiết kế trống (thư mục chưa có config.yaml; các ô bắt buộc tô màu): {skeleton}"
    )
    failed = baocao("init", str(tmp_path / "dot"), "--design", str(skeleton))
    assert failed.returncode == 1
    assert failed.stderr.startswith(f"Lỗi: Bảng thiết kế {skeleton} có 16")
    assert "  - «Đợt báo cáo» dòng 4, cột «Giá trị»: «Tên đợt báo cáo» là mục bắt buộc, không được để trống.\n" in (
        failed.stderr
    )
    assert not (tmp_path / "dot").exists()
    fill_library_design(skeleton)
    made = baocao("init", str(tmp_path / "dot thu vien"), "--design", str(skeleton))
    assert made.returncode == 0, made.stderr
    assert "Bước tiếp theo: baocao templates" in made.stdout
    again = baocao("design", "export", str(tmp_path / "dot thu vien"))
    assert again.stdout.splitlines()[-1] == (
        f"Sửa bằng Excel rồi chạy: baocao design import '{tmp_path / 'dot thu vien'}' "
        f"'{tmp_path / 'dot thu vien' / DESIGN_NAME}'"
    )
    changed = baocao("design", "import", str(tmp_path / "dot thu vien"), str(skeleton), "--json")
    assert changed.returncode == 0 and '"changed": []' in changed.stdout
    elsewhere = tmp_path / "ban sao.xlsx"
    copied = baocao("design", "export", str(tmp_path / "dot thu vien"), "--out", str(elsewhere), "--json")
    assert copied.returncode == 0 and json.loads(copied.stdout) == {
        "design": str(elsewhere),
        "source": "config",
        "backup": None,
    }
    wrong = baocao("design", "import", str(tmp_path / "dot thu vien"), str(tmp_path / "khong_co.xlsx"))
    assert wrong.returncode == 1
    assert (
        wrong.stderr.splitlines()[-1] == "  - Bảng thiết kế: không tìm thấy tệp này. Hãy kiểm tra đường dẫn và tên tệp."
    )
    helped = baocao("design", "import", "--help")
    assert "Cách dùng: baocao design import [OPTIONS] {[THƯ_MỤC] TỆP}..." in helped.stdout
    assert "config.yaml.<năm-tháng-ngày_giờphútgiây>.bak" in helped.stdout


def test_a_campaign_designed_only_in_the_workbook_runs_templates_returns_check_summary(tmp_path):
    design = export_design(None, tmp_path / DESIGN_NAME)
    fill_library_design(design)
    made = baocao("init", str(tmp_path / "thu_vien"), "--design", str(design))
    assert made.returncode == 0, made.stderr
    folder = open_campaign(tmp_path / "thu_vien")
    assert folder.config_path.read_text(encoding="utf-8") == LIBRARY_CONFIG.read_text(encoding="utf-8")
    config = folder.load_config()
    assert [unit.code for unit in config.units] == [f"TH-{n:02d}" for n in range(1, 6)] + [
        f"THCS-{n:02d}" for n in range(6, 11)
    ]
    templates = make_templates(folder)
    assert len(templates.unit_files) == 10
    maker = SampleMaker(config, seed=15)
    samples = [maker.make(unit) for unit in config.units[:8]]
    write_samples(config, build_master(config), samples, folder.inbox)
    assert len(collect(folder).new) == 8
    check_campaign(folder)
    result = summary(folder)
    assert result.counts["included"] == 8 and result.counts["expected"] == 10
    first, last = data_rows(result.summary_workbook, "PL1 Theo đơn vị", 1)
    rows = grid(result.summary_workbook, "PL1 Theo đơn vị")[first : last + 1]
    shown = {str(row[1]): row[2:4] for row in rows}
    for sample in samples:
        books = sample.tables["sach_moi"]
        assert [int(value) for value in shown[sample.unit.short]] == [len(books), sum(r["so_ban"] for r in books)]


def test_libreoffice_opens_the_design_workbook_keeps_its_dropdowns_and_its_save_imports_the_same(tmp_path):
    original = load_config()
    saved = libreoffice_convert(export_design(original, tmp_path / DESIGN_NAME), "xlsx", tmp_path / "lo")
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames == SHEETS

    def lists(sheet: str) -> dict[str, str]:
        return {str(v.sqref).split(":")[0]: v.formula1 for v in book[sheet].data_validations.dataValidation}

    assert lists("Biểu mẫu")["D3"] == '"text,integer,decimal,date,select_one,email,phone"'
    assert lists("Biểu mẫu")["H3"] == "'Danh sách chọn'!$A$3:$A$5002"
    assert lists("Đơn vị")["A3"] == "'Nhóm đơn vị'!$A$3:$A$5002"
    assert lists("Quy tắc")["D3"].startswith('"equal_to,not_equal_to')
    assert lists("Phần biểu mẫu")["D3"] == '"fields,table"'
    deadline = settings_row(book["Đợt báo cáo"], "campaign.deadline")
    assert book["Đợt báo cáo"].data_validations.dataValidation[0].type == "date"
    assert f"C{deadline}" in lists("Đợt báo cáo")
    duplicates = [rule.formula[0] for area in book["Đơn vị"].conditional_formatting for rule in area.rules]
    assert "AND(LEN(B3)>0,COUNTIF($B$3:$B$5002,B3)>1)" in duplicates
    assert meaning(import_design(saved)) == meaning(original)


def test_every_key_of_every_record_model_has_a_column():
    from addin.config import model
    from addin.design.catalogue import SPECS

    columns = {name: {column.key for column in spec.columns} for name, spec in SPECS.items()}
    expected = {
        "Nhiệm vụ": model.Task,
        "Nhóm đơn vị": model.UnitGroup,
        "Đơn vị": model.Unit,
        "Phần biểu mẫu": model.Section,
        "Biểu mẫu": model.FormField,
        "Danh sách chọn": model.Choice,
        "Quy tắc": model.Rule,
        "Tổng hợp": model.Annex,
        "Báo cáo": model.ReportSection,
    }
    for sheet, record in expected.items():
        keys = set(record.model_fields) - {"units", "fields", "columns"}
        assert keys <= columns[sheet], (sheet, keys - columns[sheet])
    assert {f"columns.{key}" for key in model.SummaryColumn.model_fields} <= columns["Tổng hợp"]


def test_every_optional_part_round_trips_too(tmp_path):
    data = load_config().model_dump(mode="json")
    data["form"]["accept_versions"] = ["1"]
    data["form"]["instructions"] = ["Điền bằng chữ có dấu.", "Gửi trước hạn; hỏi: 0214 3840 999"]
    data["unit_groups"][0]["units"][0]["emails"] = ["hieutruong@laocai.example", "vanthu@laocai.example"]
    data["template"]["protection_password"] = "=1+1"
    data["summary"]["report_date"] = "2019-12-19"
    data["summary"]["recipients"] = ["UBND tỉnh (b/c)", "Lưu: VT, TCCB"]
    data["mail"]["trusted_domains"] = ["laocai.edu.vn"]
    data["summary"]["annexes"][0]["columns"].append({"label": "Kinh phí hỗ trợ", "value": "chi_so.kinh_phi_ho_tro"})
    data["mail"]["resubmit_by"] = "2019-12-25"
    data["mail"]["send"]["body"] = "Kính gửi: {unit_name}\n\n= dòng bắt đầu bằng dấu bằng\n\nTrân trọng."
    hoat_dong = data["form"]["sections"][2]
    hoat_dong["header_groups"] = [
        {"label": "Thời gian, địa điểm", "fields": ["ngay", "dia_diem"]},
        {"label": "Số người tham gia", "fields": ["tong", "nam", "nu"]},
    ]
    hoat_dong["fields"][0].update(pattern=r"^\p{L}.*$", constraint_message="Bắt đầu bằng chữ.", max_length=500)
    data["report"]["sections"] = [
        {
            "kind": "tasks",
            "heading": "I. NHIỆM VỤ",
            "table": "nhiem_vu",
            "key": "ma",
            "value": "tinh_trang",
            "count_choice": "da_thuc_hien",
            "detail": "ket_qua",
            "examples": 2,
        },
        {
            "kind": "activities",
            "heading": "1. Hoạt động",
            "level": 2,
            "table": "hoat_dong",
            "sums": ["hoat_dong.tong", "hoat_dong.nam"],
        },
        {"kind": "texts", "heading": "II. ĐỀ XUẤT", "sections": ["chi_so", "de_xuat"]},
    ]
    from addin.config.model import CampaignConfig

    original = CampaignConfig.model_validate({**data, "form": {**data["form"]}})
    back = import_design(export_design(original, tmp_path / DESIGN_NAME))
    assert meaning(back) == meaning(original)
    assert back.form.accept_versions == ["1"] and back.template.protection_password == "=1+1"


def test_a_config_with_errors_is_exported_as_written_so_staff_fix_it_in_excel(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    text = folder.config_path.read_text(encoding="utf-8")
    folder.config_path.write_text(text.replace("{code: PGD082,", "{code: PGD080,"), encoding="utf-8")
    exported = export_campaign_design(folder.root)
    assert exported.source == "raw"
    assert openpyxl.load_workbook(exported.path)["Đơn vị"]["B4"].value == "PGD080"
    with pytest.raises(DesignError) as raised:
        apply_design(folder.root, exported.path)
    assert [str(problem) for problem in raised.value.problems] == [
        "«Đơn vị» dòng 4, cột «Mã đơn vị»: mã đơn vị «PGD080» bị trùng với đơn vị ở dòng 3; "
        "mỗi đơn vị cần mã đơn vị riêng."
    ]
    book = openpyxl.load_workbook(exported.path)
    book["Đơn vị"]["B4"] = "PGD082"
    book.save(exported.path)
    assert apply_design(folder.root, exported.path).changed == ["unit_groups[0].units[1].code"]
    assert folder.config_path.read_text(encoding="utf-8") == text


def test_a_design_whose_hidden_keys_were_deleted_is_read_by_its_headers_and_labels(tmp_path):
    original = load_config(SECOND_CONFIG)
    path = export_design(original, tmp_path / DESIGN_NAME)
    book = openpyxl.load_workbook(path)
    for sheet in book:
        sheet.delete_rows(2)  # staff unhid row 2 and deleted it
    book["Đợt báo cáo"].delete_cols(5)  # and the settings' key column
    book.save(path)
    assert meaning(import_design(path)) == meaning(original)


def test_a_hand_edited_config_of_the_wrong_shape_still_exports(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    text = folder.config_path.read_text(encoding="utf-8")
    text = text.replace('  recipients: [UBND tỉnh (b/c), Lãnh đạo Sở, "Lưu: VT, TCCB"]', "  recipients: {a: 1}")
    text = text.replace("  deadline: 2019-12-18", "  deadline: [18, 12]")
    folder.config_path.write_text(text, encoding="utf-8")
    exported = export_campaign_design(folder.root)
    assert exported.source == "raw"
    sheet = openpyxl.load_workbook(exported.path)["Đợt báo cáo"]
    assert sheet.cell(settings_row(sheet, "campaign.deadline"), 3).value == "[18, 12]"
    with pytest.raises(DesignError) as raised:
        import_design(exported.path)
    assert [str(problem) for problem in raised.value.problems] == [
        "«Đợt báo cáo» dòng 8, cột «Giá trị»: «[18, 12]» không phải ngày; hãy viết dạng 18/12/2019."
    ]


def test_exporting_again_keeps_the_design_workbook_that_was_there(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    first = export_campaign_design(folder.root)
    assert first.backup is None
    book = openpyxl.load_workbook(first.path)
    set_settings(book, {"campaign.deadline": "20/12/2019"})  # edited, not applied yet
    book.save(first.path)
    edited = first.path.read_bytes()
    again = export_campaign_design(folder.root, now=datetime(2026, 12, 2, 16, 15))
    assert again.backup == folder.root / "thiet_ke_dot_bao_cao.xlsx.2026-12-02_161500.bak"
    assert again.backup.read_bytes() == edited
    assert again.path.read_bytes() != edited


def test_annex_problems_are_reported_at_the_annex_rows(tmp_path):
    path = export_design(load_config(), tmp_path / DESIGN_NAME)
    book = openpyxl.load_workbook(path)
    annexes = book["Tổng hợp"]
    assert [annexes.cell(row, 1).value for row in range(3, 9)] == [1, 1, 1, 1, 1, 2]
    annexes["M7"] = "hoat_dong.khong_co"  # a column summing a column the form lacks
    annexes["C5"] = "PL1 khác"  # an annex attribute on a row that only adds a column
    book.save(path)
    with pytest.raises(DesignError) as raised:
        import_design(path)
    assert [str(problem) for problem in raised.value.problems] == [
        "«Tổng hợp» dòng 5, cột «Tên trang»: phụ lục 1 đã được khai ở dòng 3; các dòng sau của nó chỉ ghi các cột "
        "«Cột: …». Hãy chuyển «PL1 khác» lên dòng 3 hoặc đổi số phụ lục.",
        "«Tổng hợp» dòng 7, cột «Cột: cộng cột»: «hoat_dong.khong_co»: phần «hoat_dong» không có trường «khong_co»; "
        "các trường có: noi_dung, hinh_thuc, ngay, dia_diem, co_quan_phoi_hop, tong, nam, nu.",
    ]
