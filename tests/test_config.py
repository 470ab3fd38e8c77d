"""config.yaml: the shipped 2019 campaign, any other campaign, and clear errors for bad configs."""

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from addin.config import ConfigError, load_config
from addin.shipped import SHIPPED_CONFIG
from tests.sample_data import SECOND_CONFIG

SHIPPED_TEXT = SHIPPED_CONFIG.read_text(encoding="utf-8")


def variant(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The shipped config with one edit; returns its path and the edited line's number."""
    assert SHIPPED_TEXT.count(old) == 1, old
    text = SHIPPED_TEXT.replace(old, new)
    line = SHIPPED_TEXT[: SHIPPED_TEXT.index(old)].count("\n") + 1
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path, line


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message
    return caught.value.problems


def test_shipped_campaign_is_the_2019_dispatch(shipped_config):
    campaign = shipped_config.campaign
    assert campaign.theme == "Chấm dứt bạo lực đối với phụ nữ và trẻ em"
    assert (campaign.period.start, campaign.period.end) == (date(2019, 11, 15), date(2019, 12, 15))
    assert campaign.deadline == date(2019, 12, 18)
    assert campaign.dispatch.number.endswith("/SGDĐT-TCCB")
    assert shipped_config.issuer.parent == "UBND TỈNH LÀO CAI"
    assert shipped_config.issuer.name == "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    assert shipped_config.issuer.office == "Phòng Tổ chức cán bộ"
    assert [task.code for task in shipped_config.tasks] == [str(n) for n in range(1, 9)]
    assert shipped_config.tasks[0].text.startswith("Rà soát, kiện toàn bộ phận phụ trách")
    assert "huy động các nguồn lực" in shipped_config.tasks[7].text


def test_shipped_units_are_in_three_groups_in_official_order(shipped_config):
    groups = shipped_config.unit_groups
    assert [group.code for group in groups] == ["I", "II", "III"]
    districts = [
        "Lào Cai",
        "Bát Xát",
        "Mường Khương",
        "Si Ma Cai",
        "Bắc Hà",
        "Bảo Thắng",
        "Bảo Yên",
        "Sa Pa",
        "Văn Bàn",
    ]
    assert [unit.short.split(" ", 2)[-1].removeprefix("TP ") for unit in groups[0].units] == districts
    assert all(unit.name.startswith("Trung tâm Giáo dục nghề nghiệp") for unit in groups[1].units)
    assert len(groups[1].units) == 9 and len(groups[2].units) >= 20
    units = shipped_config.units
    assert len({unit.code for unit in units}) == len(units) >= 50
    assert all(unit.email.endswith(".example") for unit in units), "only reserved example domains"
    assert [unit.order for unit in units] == list(range(1, len(units) + 1))
    assert units[0].parent == "UBND THÀNH PHỐ LÀO CAI"
    assert units[-1].parent == "SỞ GD&ĐT LÀO CAI", "group default fills a unit without its own parent"


def test_shipped_form_declares_every_part_of_the_report(shipped_config):
    form = shipped_config.form
    sections = {section.name: section for section in form.sections}
    assert [f.name for f in sections["don_vi"].fields] == [
        "ten_don_vi",
        "nguoi_bao_cao",
        "chuc_vu",
        "dien_thoai",
        "email",
        "ngay_bao_cao",
    ]
    assert sections["don_vi"].field("ten_don_vi").prefill == "unit_name"
    assert sections["van_ban"].rows >= 50 and sections["hoat_dong"].rows >= 200
    assert form.choice_labels("hinh_thuc_hoat_dong") == [
        "Truyền thông",
        "Nói chuyện chuyên đề",
        "Tư vấn/tham vấn",
        "Thể thao/văn nghệ",
        "Tọa đàm/gặp mặt",
        "Khác",
    ]
    assert form.choice_labels("tinh_trang") == ["Đã thực hiện", "Đang thực hiện", "Chưa thực hiện"]
    assert sections["nhiem_vu"].rows_from == "tasks"
    rule = shipped_config.rules[0]
    assert (rule.left, rule.operator, rule.right) == ("tong", "equal_to", "nam + nu")


def test_second_campaign_loads_with_its_own_form():
    config = load_config(SECOND_CONFIG)
    assert config.campaign.deadline == date(2025, 1, 10), "day-first dates are accepted"
    assert [unit.code for unit in config.units] == ["TH-PR", "TH-XH", "THCS-PR"]
    assert config.tasks == []


def test_text_is_normalised_to_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Phòng GD&ĐT Bát Xát")
    path, _ = variant(tmp_path, "short: Phòng GD&ĐT Bát Xát,", f"short: {decomposed},")
    config = load_config(path)
    assert config.units[1].short == "Phòng GD&ĐT Bát Xát"
    assert unicodedata.is_normalized("NFC", config.units[1].short)


def test_fingerprints_follow_what_they_cover(tmp_path, shipped_config):
    path, _ = variant(tmp_path, "email: pgd082@laocai.example", "email: khac@laocai.example")
    units_changed = load_config(path)
    assert units_changed.master_fingerprint == shipped_config.master_fingerprint
    path, _ = variant(tmp_path, "right: nam + nu", "right: nu + nam")
    rule_changed = load_config(path)
    assert rule_changed.form_fingerprint != shipped_config.form_fingerprint
    assert rule_changed.master_fingerprint != shipped_config.master_fingerprint


# ---------------------------------------------------------------- one test per bad config


def test_unknown_choice_list(tmp_path):
    path, line = variant(tmp_path, "choices: hinh_thuc_hoat_dong, required", "choices: hinh_thuc_sai, required")
    assert problems_of(path) == [
        f"dòng {line} (form.sections[2].fields[1].choices): không có danh sách lựa chọn «hinh_thuc_sai» "
        "trong form.choices; các danh sách có: hinh_thuc_hoat_dong, tinh_trang."
    ]


def test_duplicate_unit_code(tmp_path):
    path, line = variant(tmp_path, "{code: PGD082,", "{code: PGD080,")
    assert problems_of(path) == [
        f"dòng {line} (unit_groups[0].units[1].code): mã đơn vị «PGD080» bị trùng với đơn vị "
        "unit_groups[0].units[0]; mỗi đơn vị cần mã đơn vị riêng."
    ]


def test_deadline_before_period_end(tmp_path):
    path, line = variant(tmp_path, "deadline: 2019-12-18", "deadline: 2019-12-10")
    assert problems_of(path) == [
        f"dòng {line} (campaign.deadline): hạn nộp 10/12/2019 trước ngày kết thúc đợt 15/12/2019; "
        "hạn nộp phải từ ngày kết thúc đợt trở đi."
    ]


def test_rule_naming_an_unknown_field(tmp_path):
    path, line = variant(tmp_path, "right: nam + nu\n", "right: nam + nu_sai\n")
    assert problems_of(path) == [
        f"dòng {line} (rules[0].right): quy tắc dùng trường «nu_sai» không có trong phần «hoat_dong»; "
        "các trường có: noi_dung, hinh_thuc, ngay, dia_diem, co_quan_phoi_hop, tong, nam, nu."
    ]


def test_rule_with_unsafe_expression(tmp_path):
    path, line = variant(tmp_path, "right: nam + nu\n", "right: __import__('os').system('x')\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"dòng {line} (rules[0].right): biểu thức «__import__('os').system('x')» chỉ được dùng")


def test_rule_with_unknown_scope(tmp_path):
    path, line = variant(
        tmp_path,
        "scope: hoat_dong\n    left: tong\n    operator: equal_to",
        "scope: hoat_dongg\n    left: tong\n    operator: equal_to",
    )
    [problem] = problems_of(path)
    assert problem.startswith(f"dòng {line} (rules[0].scope): không có phần «hoat_dongg» trong form")


def test_misspelt_key_is_named_with_its_line(tmp_path):
    path, line = variant(tmp_path, "  deadline: 2019-12-18", "  dealine: 2019-12-18")
    problems = problems_of(path)
    assert (
        f"dòng {line} (campaign.dealine): mục này không được hỗ trợ (có thể viết sai tên?). Hãy xoá hoặc sửa tên."
        in problems
    )
    assert any(p.endswith("(campaign.deadline): thiếu mục bắt buộc này.") for p in problems)


def test_key_written_twice(tmp_path):
    path, line = variant(tmp_path, "  deadline: 2019-12-18\n", "  deadline: 2019-12-18\n  deadline: 2019-12-20\n")
    assert problems_of(path) == [f"dòng {line + 1} (campaign.deadline): mục này bị viết hai lần; chỉ giữ một."]


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    path, line = variant(tmp_path, "  theme: Chấm dứt", "    theme: Chấm dứt")
    [problem] = problems_of(path)
    assert problem.startswith(f"dòng {line}, cột ")
    assert "Kiểm tra thụt lề và dấu hai chấm" in problem


def test_date_in_unknown_format(tmp_path):
    path, line = variant(tmp_path, "deadline: 2019-12-18", "deadline: hết tháng 12")
    assert problems_of(path) == [
        f"dòng {line} (campaign.deadline): phải là ngày, viết dạng 2019-12-18 hoặc 18/12/2019."
    ]


def test_sheet_name_excel_would_refuse(tmp_path):
    path, line = variant(tmp_path, "sheet: Hoạt động\n", "sheet: Hoạt động/2019\n")
    assert problems_of(path) == [
        f"dòng {line} (form.sections[2].sheet): tên trang tính «Hoạt động/2019» có ký tự Excel không cho phép: /."
    ]


def test_two_growing_tables_on_one_sheet(tmp_path):
    path, line = variant(tmp_path, "sheet: Hoạt động\n", "sheet: Văn bản chỉ đạo\n")
    assert problems_of(path) == [
        f"dòng {line} (form.sections[2].sheet): trang «Văn bản chỉ đạo» đã có bảng «van_ban» nhiều dòng; "
        "bảng đó phải là phần cuối cùng của trang (để đơn vị chèn thêm dòng). Hãy đặt phần này ở trang khác."
    ]


def test_unknown_field_type_lists_the_allowed_ones(tmp_path):
    path, line = variant(tmp_path, "label: Ngày báo cáo, type: date", "label: Ngày báo cáo, type: ngay")
    [problem] = problems_of(path)
    assert problem.startswith(
        f"dòng {line} (form.sections[0].fields[5].type): giá trị «ngay» không hợp lệ; chỉ được là"
    )
    assert "«select_one»" in problem


def test_missing_file_is_a_clear_message(tmp_path):
    from addin.errors import BaocaoError

    with pytest.raises(BaocaoError, match="Không tìm thấy tệp cấu hình"):
        load_config(tmp_path / "khong_co.yaml")


def test_summary_annex_naming_an_unknown_table(tmp_path):
    path, line = variant(
        tmp_path,
        "        - {label: Số văn bản chỉ đạo, count_rows: van_ban}",
        "        - {label: Số văn bản chỉ đạo, count_rows: van_ban_sai}",
    )
    assert problems_of(path) == [
        f"dòng {line} (summary.annexes[0].columns[0].count_rows): không có bảng «van_ban_sai» trong form; "
        "các bảng có: van_ban, hoat_dong, nhiem_vu."
    ]


def test_summary_sum_of_a_text_column(tmp_path):
    path, line = variant(tmp_path, "sum: hoat_dong.tong}", "sum: hoat_dong.dia_diem}")
    assert problems_of(path) == [
        f"dòng {line} (summary.annexes[0].columns[2].sum): "
        "cột «hoat_dong.dia_diem» không phải cột số nên không cộng được."
    ]


def test_an_unknown_placeholder_in_a_mail_text_is_named_with_its_line(tmp_path):
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    text += "  remind: {subject: 'Nhắc {unit_nam}', body: 'Kính gửi {unit_name}'}\n"
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    line = len(text.splitlines())
    assert problem.startswith(f"dòng {line} (mail.remind.subject): không có chỗ điền «{{unit_nam}}».")
