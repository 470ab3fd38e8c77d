"""LibreOffice headless as a second real client: templates open, print, and check themselves."""

from datetime import datetime

import pytest

from tests.libreoffice import libreoffice_convert
from tests.workbook_access import calamine_grid, fill_workbook, read_named_values

TASK_ROWS = [{"tinh_trang": "Đã thực hiện", "ket_qua": "Đã hoàn thành."} for _ in range(8)]
GOOD_FIELDS = {
    "nguoi_bao_cao": "Nguyễn Thị Hoa",
    "chuc_vu": "Phó trưởng phòng",
    "dien_thoai": "0214 3840 123",
    "email": "hoa@laocai.example",
    "ngay_bao_cao": datetime(2019, 12, 16),
    "so_cuoc_kiem_tra": 2,
    "so_tap_the_bieu_duong": 1,
    "so_ca_nhan_bieu_duong": 3,
    "so_phu_nu_duoc_ho_tro": 12,
    "so_tre_em_duoc_ho_tro": 20,
}
GOOD_ACTIVITY = {
    "noi_dung": "Nói chuyện chuyên đề phòng, chống bạo lực gia đình",
    "hinh_thuc": "Nói chuyện chuyên đề",
    "ngay": datetime(2019, 11, 20),
    "dia_diem": "Xã Bản Vược",
    "co_quan_phoi_hop": "Hội LHPN huyện",
    "tong": 120,
    "nam": 50,
    "nu": 70,
}
DOCUMENT = {"so_ky_hieu": "125/KH-PGDĐT", "ngay_ban_hanh": datetime(2019, 11, 1), "trich_yeu": "Kế hoạch triển khai"}


def panel_after_recalculation(campaign, tmp_path, fields, activities):
    _, result = campaign
    filled = tmp_path / "filled.xlsx"
    tables = {"van_ban": [DOCUMENT], "hoat_dong": activities, "nhiem_vu": TASK_ROWS}
    fill_workbook(result.unit_files[1], filled, fields, tables)
    recalculated = libreoffice_convert(filled, "xlsx", tmp_path / "lo")
    counts = read_named_values(recalculated, ["bc_check_errors", "bc_check_warnings", "bc_check_status"])
    lines = [row for row in calamine_grid(recalculated, "Kiểm tra") if row[4] in ("Lỗi", "Cảnh báo")]
    failing = {row[1]: row[3] for row in lines if row[3]}
    return counts, failing


def test_complete_return_shows_no_errors(campaign, tmp_path):
    counts, failing = panel_after_recalculation(campaign, tmp_path, GOOD_FIELDS, [GOOD_ACTIVITY, GOOD_ACTIVITY])
    assert failing == {}
    assert counts["bc_check_errors"] == 0
    assert counts["bc_check_status"] == "ĐÃ ĐỦ: không còn lỗi, có thể gửi báo cáo."


def test_panel_counts_exactly_a_wrong_total_and_a_missing_field(campaign, tmp_path):
    fields = {**GOOD_FIELDS, "chuc_vu": None}
    wrong_total = {**GOOD_ACTIVITY, "tong": 125}
    counts, failing = panel_after_recalculation(campaign, tmp_path, fields, [GOOD_ACTIVITY, wrong_total])
    assert failing == {
        "Chưa nhập «Chức vụ»": 1,
        "Có dòng sai: Tổng số người tham gia phải bằng số Nam cộng số Nữ.": 1,
    }
    assert counts["bc_check_errors"] == 2
    assert counts["bc_check_status"] == "CÒN 2 LỖI: xem trang «Kiểm tra» và sửa các ô tô màu trước khi gửi."


def test_panel_counts_typing_mistakes_and_warnings(campaign, tmp_path):
    mistakes = {**GOOD_ACTIVITY, "nam": "50 người", "ngay": datetime(2020, 1, 5), "hinh_thuc": "Hội thảo"}
    huge = {**GOOD_ACTIVITY, "tong": 6000, "nam": 3000, "nu": 3000}
    half_filled = {"noi_dung": "Tọa đàm"}
    counts, failing = panel_after_recalculation(campaign, tmp_path, GOOD_FIELDS, [mistakes, huge, half_filled])
    assert failing == {
        "Có dòng: «Nam» phải là số nguyên ≥ 0": 1,
        "Có dòng: «Ngày tổ chức» phải là ngày trong khoảng 15/11/2019 - 15/12/2019": 1,
        "Có dòng: «Hình thức» phải chọn trong danh sách": 1,
        "Có dòng chưa nhập «Hình thức»": 1,
        "Có dòng chưa nhập «Ngày tổ chức»": 1,
        "Có dòng chưa nhập «Địa bàn/địa điểm»": 1,
        "Có dòng chưa nhập «Tổng số»": 1,
        "Có dòng chưa nhập «Nam»": 1,
        "Có dòng chưa nhập «Nữ»": 1,
        "Có dòng sai: Số người tham gia một hoạt động trên 5.000 người là bất thường, hãy kiểm tra lại.": 1,
    }
    assert (counts["bc_check_errors"], counts["bc_check_warnings"]) == (9, 1)


@pytest.mark.parametrize("which", ["shipped", "second"])
def test_templates_open_and_print_to_pdf(campaign, second_campaign, tmp_path, which):
    _, result = campaign if which == "shipped" else second_campaign
    pdf = libreoffice_convert(result.unit_files[0], "pdf", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


def test_master_restyled_and_saved_in_libreoffice_still_makes_good_templates(tmp_path):
    """Staff may restyle the master in LibreOffice Calc instead of Excel."""
    import shutil

    from addin.issue.master import MASTER_NAME
    from addin.issue.unit_copies import build_templates
    from addin.stages import init_campaign

    folder = init_campaign(tmp_path / "dot")
    master = folder.layouts / MASTER_NAME
    resaved = libreoffice_convert(master, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    shutil.copyfile(resaved, master)
    result = build_templates(folder, units=folder.load_config().units[:2])
    assert not result.master_rebuilt, "the master kept its fingerprint through LibreOffice"
    unit = folder.load_config().units[1]
    values = read_named_values(result.unit_files[1], ["bc_ten_don_vi", "bc_hoat_dong__tong"])
    assert values["bc_ten_don_vi"] == unit.name
    meta = {row[0]: row[1] for row in calamine_grid(result.unit_files[1], "_meta") if row[0]}
    assert meta["unit_code"] == unit.code


def test_second_campaign_panel_counts_its_own_rules(second_campaign, tmp_path):
    _, result = second_campaign
    filled = tmp_path / "filled.xlsx"
    books = [{"ten_sach": "Tiếng Việt 1", "loai": "Sách giáo khoa", "so_ban": 0}]
    fill_workbook(result.unit_files[0], filled, {"so_dau_sach": 100, "so_luot_muon": 450}, {"sach_moi": books})
    recalculated = libreoffice_convert(filled, "xlsx", tmp_path / "lo")
    counts = read_named_values(recalculated, ["bc_check_errors", "bc_check_warnings"])
    assert (counts["bc_check_errors"], counts["bc_check_warnings"]) == (1, 1), "so_ban < 1, and the borrowing warning"


def test_findings_workbook_and_feedback_copy_open_in_libreoffice(tmp_path):
    from addin.checking import check_campaign
    from addin.demo.samples import SampleMaker, write_samples
    from addin.intake.collect import collect
    from addin.issue.master import build_master
    from addin.outputs.findings_workbook import write_feedback_copies, write_findings_workbook
    from addin.stages import init_campaign
    from addin.standing import campaign_standing

    folder = init_campaign(tmp_path / "dot")
    config = folder.load_config()
    sample = SampleMaker(config, seed=4).make(config.units[1], ["wrong_total", "legacy_text"])
    sample.fields["chuc_vu"] = '=HYPERLINK("http://x","bấm")'
    write_samples(config, build_master(config), [sample], folder.inbox)
    collect(folder)
    check_campaign(folder)
    status = campaign_standing(folder)
    findings = write_findings_workbook(folder, status)
    [feedback] = write_feedback_copies(folder, status, "sớm nhất có thể")
    for path in (findings, feedback):
        pdf = libreoffice_convert(path, "pdf", tmp_path / "pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
    resaved = libreoffice_convert(feedback, "xlsx", tmp_path / "lo")
    listing = calamine_grid(resaved, "Cần sửa")
    assert any("Tổng số người tham gia phải bằng" in str(row[1]) for row in listing)
    import openpyxl

    from tests.package_check import package_problems

    assert package_problems(feedback) == []
    shown = openpyxl.load_workbook(resaved)["Hoạt động"]
    notes = [cell.comment.text for row in shown.iter_rows() for cell in row if cell.comment]
    assert any(note.startswith("Lỗi: Tổng số người tham gia phải bằng") for note in notes), "LibreOffice shows it"
    values = read_named_values(resaved, ["bc_chuc_vu"])
    assert values["bc_chuc_vu"] == '=HYPERLINK("http://x","bấm")', "text from a return never becomes a formula"
