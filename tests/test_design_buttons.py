"""The control workbook's design buttons, pressed on a real campaign folder (Excel played by RecordingUI)."""

import os

import openpyxl
import pytest

import addin.frontends.buttons as buttons
from addin.outputs.control_workbook import build_control_workbook
from addin.stages import init_campaign
from tests.design_book import set_settings
from tests.recording_ui import RecordingUI


@pytest.fixture
def office(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    return folder, RecordingUI(build_control_workbook(folder).path)


def test_design_button_exports_once_then_opens_the_same_workbook(office):
    folder, ui = office
    design = folder.root / "thiet_ke_dot_bao_cao.xlsx"
    buttons.design_campaign(ui)
    assert ui.opened_workbooks == [design] and design.exists()
    ((message, title, critical),) = ui.alerts
    assert message.startswith("Đã tạo bảng thiết kế thiet_ke_dot_bao_cao.xlsx từ config.yaml và mở nó.")
    assert (title, critical) == ("baocao: Thiết kế đợt báo cáo", False)
    assert "Đang xuất bảng thiết kế…" in ui.statuses
    made = design.read_bytes()
    buttons.design_campaign(ui)
    assert ui.opened_workbooks == [design, design] and design.read_bytes() == made, (
        "staff's edits are never overwritten"
    )
    assert len(ui.alerts) == 1
    assert [row[1:3] for row in ui.log] == [
        ["Thiết kế đợt báo cáo", "Đã tạo bảng thiết kế thiet_ke_dot_bao_cao.xlsx."],
        ["Thiết kế đợt báo cáo", "Mở bảng thiết kế thiet_ke_dot_bao_cao.xlsx."],
    ]


def test_apply_button_lists_every_problem_or_what_changed(office):
    folder, ui = office
    before = folder.config_path.read_bytes()
    buttons.apply_design(ui)
    assert ui.alerts[-1] == (
        "Chưa có bảng thiết kế thiet_ke_dot_bao_cao.xlsx. Hãy bấm «Thiết kế đợt báo cáo» trước.",
        "baocao: Áp dụng thiết kế",
        True,
    )
    buttons.design_campaign(ui)
    buttons.apply_design(ui)
    assert ui.alerts[-1][0].startswith("Bảng thiết kế khớp với config.yaml: không có gì thay đổi.")
    design = folder.root / "thiet_ke_dot_bao_cao.xlsx"
    book = openpyxl.load_workbook(design)
    set_settings(book, {"campaign.deadline": "ngày mai"})
    book["Đơn vị"]["A4"] = "IV"
    book.save(design)
    buttons.apply_design(ui)
    message, title, critical = ui.alerts[-1]
    assert title == "baocao: Áp dụng thiết kế"
    assert critical and folder.config_path.read_bytes() == before
    assert message.splitlines() == [
        "Bảng thiết kế có 2 lỗi, config.yaml chưa thay đổi. Sửa trong Excel, bấm Lưu (Ctrl+S) rồi bấm lại "
        "«Áp dụng thiết kế»:",
        "",
        "- «Đợt báo cáo» dòng 8, cột «Giá trị»: «ngày mai» không phải ngày; hãy viết dạng 18/12/2019.",
        "- «Đơn vị» dòng 4, cột «Nhóm»: nhóm «IV» không có trong trang «Nhóm đơn vị»; các nhóm có: I, II, III.",
    ]
    set_settings(book, {"campaign.deadline": "20/12/2019"})
    book["Đơn vị"]["A4"] = "I"
    book.save(design)
    buttons.apply_design(ui)
    message, _, critical = ui.alerts[-1]
    assert not critical
    lines = message.splitlines()
    assert lines[:2] == [
        f"Đã cập nhật {folder.config_path} (1 mục thay đổi):",
        "  - Hạn nộp báo cáo (campaign.deadline)",
    ]
    assert lines[2].startswith(f"Bản cũ lưu ở {folder.root}/config.yaml.") and lines[2].endswith(".bak.")
    assert lines[-1] == "Bước tiếp theo: bấm «1. Tạo biểu mẫu»."
    assert ui.log[-1][1:3] == ["Áp dụng thiết kế", "Đã cập nhật config.yaml (1 mục)."]
    assert folder.load_config().campaign.deadline.day == 20


def test_design_button_warns_when_config_yaml_changed_behind_the_workbook(office):
    folder, ui = office
    buttons.design_campaign(ui)
    design = folder.root / "thiet_ke_dot_bao_cao.xlsx"
    buttons.design_campaign(ui)
    assert len(ui.alerts) == 1, "no warning: the workbook says what config.yaml says"
    text = folder.config_path.read_text(encoding="utf-8")
    folder.config_path.write_text(text.replace("deadline: 2019-12-18", "deadline: 2019-12-21"), encoding="utf-8")
    stamp = design.stat().st_mtime + 5
    os.utime(folder.config_path, (stamp, stamp))
    buttons.design_campaign(ui)
    message, title, critical = ui.alerts[-1]
    assert (title, critical) == ("baocao: Thiết kế đợt báo cáo", False)
    assert message.startswith(
        "config.yaml đã được sửa sau lần lưu cuối của thiet_ke_dot_bao_cao.xlsx, và hai tệp đang khác nhau."
    )
    assert ui.opened_workbooks[-1] == design
