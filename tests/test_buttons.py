"""Pressing the Excel buttons, end to end, on a real campaign folder.

Excel is played by `RecordingUI` (the one fake, behind `addin.frontends.excel_ui.ExcelUI`); everything
else is real: the built BaoCao.xlsm, templates, returns made from them, the ledger, the results.
Each test asserts what staff would see: status bar texts, the message, the panel, the log line,
the file opened.
"""

import getpass
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import addin.frontends.buttons as buttons
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master
from addin.outputs.control_workbook import build_control_workbook
from addin.stages import init_campaign
from addin.standing import campaign_standing
from tests.mail_campaign import make_campaign
from tests.recording_ui import RecordingUI
from tests.sample_data import retype_unit_name
from tests.smtp_server import PASSWORD

EXPECTED_LOG_USER = getpass.getuser()
MAIL_SAMPLES = Path(__file__).parent / "data" / "mail"


@pytest.fixture
def office(tmp_path):
    """A campaign folder with its control workbook, and Excel's part played by a recorder."""
    folder = init_campaign(tmp_path / "dot")
    workbook = build_control_workbook(folder).path
    return folder, RecordingUI(workbook)


def send_returns(folder, good: int, wrong: int) -> list[str]:
    config = folder.load_config()
    maker, units = SampleMaker(config, seed=5), config.units
    samples = [maker.make(unit) for unit in units[:good]]
    samples += [maker.make(unit, ["wrong_total"]) for unit in units[good : good + wrong]]
    write_samples(config, build_master(config), samples, folder.inbox)
    return [unit.short for unit in units[: good + wrong]]


def test_make_templates_shows_progress_says_what_next_and_opens_the_folder(office):
    folder, ui = office
    buttons.make_templates(ui)
    units = folder.load_config().units
    assert ui.statuses[0] == "Đang tạo biểu mẫu…"
    assert f"Đang tạo biểu mẫu 12/52: {units[11].short}…" in ui.statuses
    assert ui.statuses[-1] is None, "the status bar is given back to Excel"
    ((message, title, critical),) = ui.alerts
    assert message.startswith("Đã tạo 52 biểu mẫu") and "bấm «2. Gửi biểu mẫu»" in message
    assert (title, critical) == ("baocao: Tạo biểu mẫu", False)
    assert ui.opened_folders == [folder.outgoing] and len(list(folder.outgoing.glob("*.xlsx"))) == 52
    assert ui.log[-1][1:] == ["Tạo biểu mẫu", "Đã tạo 52 biểu mẫu.", EXPECTED_LOG_USER]
    assert ui.counts["Số đơn vị phải nộp"] == 52 and ui.counts["Chưa nộp"] == 52
    assert ui.saves == 1


def test_collect_check_and_summary_update_the_panel_and_open_the_results(office):
    folder, ui = office
    sent = send_returns(folder, good=5, wrong=2)
    buttons.collect_returns(ui)
    assert ui.alerts[-1][0].startswith("Đã nhận 7 tệp mới; 0 tệp đã có từ trước.")
    assert "bấm «4. Kiểm tra»" in ui.alerts[-1][0]
    assert ui.counts["Tệp chờ kiểm tra"] == 7 and ui.counts["Đã nhận"] == 7 and ui.counts["Chờ kiểm tra"] == 7

    buttons.check_returns(ui)
    progress = [text for text in ui.statuses if text and text.startswith("Đang kiểm tra ")]
    assert [text.split(":")[0] for text in progress] == [f"Đang kiểm tra {i}/7" for i in range(1, 8)]
    assert {text.split(": ", 1)[1].removesuffix("…") for text in progress} == set(sent)
    message = ui.alerts[-1][0]
    assert message.startswith("Đã kiểm tra 7 tệp mới. Các đơn vị hiện có: 45 chưa nộp, 5 đạt, 2 có lỗi.")
    assert "Đã lập 2 bản đánh dấu lỗi cho 2 đơn vị có lỗi, ở " in message, "one copy per unit with errors"
    assert "Bấm «5. Nhắc nộp, trả lỗi» để gửi thư báo lỗi." in message
    assert ui.opened_workbooks == [folder.results / "ket_qua_kiem_tra.xlsx"]
    assert ui.counts == {
        "Số đơn vị phải nộp": 52,
        "Đã nhận": 7,
        "Nộp đúng hạn": 7,
        "Nộp muộn": 0,
        "Chưa nộp": 45,
        "Chờ kiểm tra": 0,
        "Đạt": 5,
        "Có lỗi": 2,
        "Không dùng được": 0,
        "Chờ xác nhận": 0,
        "Cán bộ chấp nhận (dù còn lỗi)": 0,
        "Cán bộ không nhận": 0,
        "Tệp chưa rõ đơn vị": 0,
        "Tệp chờ kiểm tra": 0,
        "Thư không có báo cáo": 0,
    }
    rows = ui.named["bc_panel_units"]
    status = campaign_standing(folder)
    assert [row[1] for row in rows] == [s.unit.code for s in status.units]
    assert Counter(row[3] for row in rows) == Counter(s.label for s in status.units)
    assert [row[6] for row in rows[5:7]] == [s.latest.check.errors for s in status.units[5:7]]
    assert ui.named["bc_panel_updated"][0][0].startswith("Số liệu lúc ")

    buttons.make_summary(ui)
    assert ui.alerts[-1][0].startswith(
        "Đã tổng hợp báo cáo của 5/52 đơn vị. Chưa có số liệu của 47 đơn vị (45 chưa nộp, "
        "2 có báo cáo còn lỗi, chờ kiểm tra hoặc không dùng được)."
    )
    assert ui.opened_workbooks[-1].parent == folder.results and ui.opened_workbooks[-1].exists()
    assert [row[1] for row in ui.log] == ["Nhận báo cáo", "Kiểm tra", "Tổng hợp"]
    assert all(critical is False for _, _, critical in ui.alerts)


def test_open_results_and_refresh_show_no_message_box(office):
    folder, ui = office
    buttons.open_results(ui)
    buttons.refresh_panel(ui)
    assert ui.alerts == []
    assert ui.opened_folders == [folder.results]
    assert [row[1] for row in ui.log] == ["Mở thư mục kết quả", "Cập nhật bảng"]


def test_a_broken_config_is_explained_where_and_what_to_do(office):
    folder, ui = office
    text = folder.config_path.read_text(encoding="utf-8")
    folder.config_path.write_text(text.replace("deadline: 2019-12-18", "deadline: 2019-11-01"), encoding="utf-8")
    buttons.check_returns(ui)
    ((message, title, critical),) = ui.alerts
    assert critical and title == "baocao: Kiểm tra"
    assert "config.yaml" in message and "campaign.deadline" in message and "hãy sửa rồi chạy lại" in message
    assert ui.log[-1][2].startswith("Lỗi: Tệp cấu hình")
    assert ui.statuses[-1] is None


def test_an_unexpected_failure_is_logged_in_the_campaign_folder_not_shown_as_a_traceback(office, monkeypatch):
    folder, ui = office

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(buttons.stages, "make_templates", broken)
    buttons.make_templates(ui)
    ((message, _, critical),) = ui.alerts
    log = folder.root / "baocao-loi.log"
    assert critical and f"Chi tiết kỹ thuật đã ghi vào tệp {log}" in message
    assert "Traceback" not in message and "ZeroDivisionError" not in message
    assert "ZeroDivisionError: division by zero" in log.read_text(encoding="utf-8")
    assert ui.log[-1][2] == "Lỗi không mong đợi (xem baocao-loi.log)."


def test_a_workbook_away_from_its_campaign_folder_says_how_to_fix_it(office, tmp_path):
    _folder, ui = office
    ui.path = str(tmp_path / "Downloads" / "BaoCao.xlsm")
    ui.info["campaign_dir"] = str(tmp_path / "da_xoa")
    buttons.check_returns(ui)
    ((message, _, critical),) = ui.alerts
    assert critical and message.startswith("Không tìm thấy thư mục đợt báo cáo")
    assert "baocao workbook" in message


def test_a_workbook_synced_to_onedrive_uses_the_folder_it_was_built_for(office):
    folder, ui = office
    ui.path = "https://d.docs.live.net/abc/BaoCao.xlsm"
    buttons.open_results(ui)
    assert ui.opened_folders == [folder.results]


def test_a_workbook_built_with_another_xlwings_asks_for_a_rebuild(office):
    folder, ui = office
    ui.info["xlwings_version"] = "0.30.0"
    buttons.check_returns(ui)
    ((message, _, critical),) = ui.alerts
    assert critical and "xlwings 0.30.0" in message and "baocao workbook" in message
    assert not (folder.results / "ket_qua_kiem_tra.xlsx").exists()


def test_check_installation_reports_what_to_fix(office):
    _folder, ui = office
    buttons.check_installation(ui)
    assert ui.alerts[-1][0].startswith("Cài đặt ổn: Python ")
    # The same facts `baocao doctor` prints (one owner: frontends/installation.py).
    assert "\nxlwings (VBA trong BaoCao.xlsm): 0.37.8\n" in ui.alerts[-1][0]
    assert ui.alerts[-1][0].endswith("\nBảo mật macro của Excel: không đọc được: máy này không phải Windows")
    ui.info["xlwings_version"] = "0.30.0"
    ui.info["interpreter"] = "C:\\Python39\\python.exe"
    buttons.check_installation(ui)
    message = ui.alerts[-1][0]
    assert message.startswith("Kiểm tra cài đặt thấy 2 điều cần sửa:")
    assert "xlwings 0.30.0" in message and "khác với Python lúc tạo tệp" in message


def test_runpython_without_excel_ends_cleanly_with_a_log_not_a_traceback(tmp_path):
    """What xlwings' VBA runs; a non-zero exit or stderr would pop up as a raw traceback in Excel."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "TEMP": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-c", "import addin.frontends.buttons as b; b.check_returns()"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent,
        timeout=120,
    )
    assert completed.returncode == 0 and completed.stderr == ""
    assert "Traceback" in (tmp_path / "baocao-loi.log").read_text(encoding="utf-8")


def test_a_result_that_cannot_be_opened_says_where_it_is(office, monkeypatch):
    folder, ui = office

    def refuse(path):
        raise OSError("no handler for this file type")

    monkeypatch.setattr(ui, "open_folder", refuse)
    buttons.open_results(ui)
    ((message, _, critical),) = ui.alerts
    assert message == f"Không tự mở được {folder.results}. Hãy mở bằng tay trong thư mục {folder.root}."
    assert not critical and ui.log[-1][2] == "Mở thư mục 3_ket_qua."


def test_collect_takes_saved_mails_and_lists_the_ones_without_a_return(office):
    folder, ui = office
    for sample in ("tra_loi_pgd082.eml", "khong_dinh_kem.eml"):
        shutil.copy(MAIL_SAMPLES / sample, folder.inbox / sample)
    buttons.collect_returns(ui)
    message = ui.alerts[-1][0]
    assert message.startswith("Đã nhận 1 tệp mới; 0 tệp đã có từ trước. Thư: 2 thư mới, 0 thư đã đọc từ trước.")
    assert "1 thư không có báo cáo dùng được" in message and "không có tệp đính kèm" in message
    assert ui.counts["Thư không có báo cáo"] == 1 and ui.counts["Tệp chờ kiểm tra"] == 1


def test_send_without_a_mail_server_writes_drafts_once_and_opens_their_folder(office):
    folder, ui = office
    buttons.make_templates(ui)
    buttons.send_templates(ui)
    message, _, critical = ui.alerts[-1]
    drafts = folder.outgoing / "thu_gui"
    assert message.startswith(f"Đã ghi 52 thư (tệp .eml) vào thư mục {drafts}; 0 đơn vị đã nhận")
    assert "Mở từng tệp bằng Outlook" in message and not critical
    assert ui.opened_folders[-1] == drafts and len(list(drafts.glob("*.eml"))) == 52
    assert any(text and text.startswith("Đang") and "52/52" in text for text in ui.statuses)
    buttons.send_templates(ui)
    assert "Đã ghi 0 thư" in ui.alerts[-1][0] and "52 đơn vị đã nhận đúng thư này từ trước" in ui.alerts[-1][0]
    assert ui.log[-1][2] == "Thư: 0 đã ghi, 52 bỏ qua, 0 lỗi."


def test_send_through_the_configured_server_reports_a_refused_unit(tmp_path, server, monkeypatch):
    folder, config = make_campaign(tmp_path / "dot", server.port)
    monkeypatch.setenv("BAOCAO_SMTP_PASSWORD", PASSWORD)
    refused = config.units[3]
    server.refuse = {refused.email}
    ui = RecordingUI(build_control_workbook(folder).path)
    buttons.send_templates(ui)
    message, _, critical = ui.alerts[-1]
    assert critical and message.startswith("Đã gửi 51 thư qua máy chủ 127.0.0.1")
    assert f"1 đơn vị chưa gửi được:\n- {refused.short}: " in message
    assert "bấm lại nút này: chỉ các đơn vị chưa gửi được mới được gửi" in message
    assert len(server.messages) == 51 and PASSWORD not in message
    server.refuse = set()
    buttons.send_templates(ui)
    assert ui.alerts[-1][0].startswith("Đã gửi 1 thư qua máy chủ 127.0.0.1; 51 đơn vị đã nhận đúng thư này")
    assert [rcpt for rcpt, _ in server.messages[51:]] == [[refused.email]]


def test_remind_writes_reminders_and_feedback_for_units_with_errors(office):
    folder, ui = office
    buttons.make_templates(ui)
    send_returns(folder, good=3, wrong=1)
    buttons.collect_returns(ui)
    buttons.check_returns(ui)
    buttons.send_reminders(ui)
    message = ui.alerts[-1][0]
    assert message.startswith(f"Đã ghi 49 thư (tệp .eml) vào thư mục {folder.outgoing / 'thu_nhac'}")
    assert ui.log[-1][1:3] == ["Nhắc nộp, trả lỗi", "Thư: 49 đã ghi, 0 bỏ qua, 0 lỗi."]


def test_remind_before_checking_new_returns_says_to_check_first(office):
    folder, ui = office
    buttons.make_templates(ui)
    send_returns(folder, good=2, wrong=0)
    buttons.collect_returns(ui)
    buttons.send_reminders(ui)
    message, _, critical = ui.alerts[-1]
    assert critical and "kiểm tra" in message.lower()
    assert not (folder.outgoing / "thu_nhac").exists()


def test_accept_and_reject_the_unit_selected_in_the_panel(office):
    folder, ui = office
    send_returns(folder, good=1, wrong=1)
    buttons.collect_returns(ui)
    buttons.check_returns(ui)
    wrong = ui.named["bc_panel_units"][1]
    assert wrong[3] == "Có lỗi (đúng hạn)"

    ui.selection, ui.answers = wrong, ["Đã gọi điện xác minh số liệu"]
    buttons.accept_selected(ui)
    assert ui.questions[-1][0].startswith(f"Lý do chấp nhận báo cáo của {wrong[2]}")
    assert ui.alerts[-1][0].startswith(f"Đã chấp nhận báo cáo mới nhất của {wrong[2]} (Đã gọi điện xác minh số liệu).")
    assert ui.named["bc_panel_units"][1][3] == "Cán bộ chấp nhận (dù còn lỗi), đúng hạn"
    buttons.make_summary(ui)
    assert ui.alerts[-1][0].startswith("Đã tổng hợp báo cáo của 2/52 đơn vị.")

    ui.answers = ["   "]
    buttons.reject_selected(ui)
    assert ui.alerts[-1][2] and "cần ghi lý do" in ui.alerts[-1][0]
    ui.answers = [None]
    buttons.reject_selected(ui)
    assert ui.log[-1][2] == f"Đã huỷ: chưa ghi quyết định nào cho {wrong[2]}."
    ui.answers = ["Số liệu sai lệch, đề nghị gửi lại"]
    buttons.reject_selected(ui)
    assert ui.named["bc_panel_units"][1][3] == "Cán bộ không nhận (đúng hạn)"


def test_the_accept_button_confirms_a_return_waiting_for_confirmation(office):
    folder, ui = office
    config = folder.load_config()
    units = config.units
    [doubtful] = write_samples(config, build_master(config), [SampleMaker(config, seed=6).make(units[0])], folder.inbox)
    retype_unit_name(config, doubtful, units[1].name)  # another unit's name typed into units[0]'s template
    buttons.collect_returns(ui)
    buttons.check_returns(ui)
    row = ui.named["bc_panel_units"][0]
    assert row[3].startswith("Chờ xác nhận") and ui.counts["Chờ xác nhận"] == 1

    ui.selection, ui.answers = row, ["Đơn vị ghi nhầm tên, đã gọi điện"]
    buttons.accept_selected(ui)
    assert ui.alerts[-1][0].startswith(f"Đã xác nhận là của đơn vị và chấp nhận báo cáo mới nhất của {row[2]}")
    assert ui.named["bc_panel_units"][0][3].startswith("Đạt") and ui.counts["Chờ xác nhận"] == 0


def test_accept_without_a_selected_unit_says_how(office):
    _, ui = office
    ui.selection = None
    buttons.accept_selected(ui)
    ((message, _, critical),) = ui.alerts
    assert critical and message.startswith("Hãy bấm vào dòng của một đơn vị trong bảng «TỪNG ĐƠN VỊ»")
