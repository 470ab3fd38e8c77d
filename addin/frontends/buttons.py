"""What each button of the control workbook runs, through xlwings `RunPython`.

Each public function here is one button (see `control_panel.BUTTONS` and `macros/BaoCao.bas`).
It finds the campaign folder from the workbook, runs the same stage the CLI runs, shows
progress in Excel's status bar, refreshes the panel, writes a line in «Nhật ký», ends with a
short Vietnamese message and opens what it produced.

xlwings' VBA shows a raw traceback whenever Python exits with an error, so nothing may escape
a button: staff-fixable problems become their message, anything else is written to
`baocao-loi.log` in the campaign folder and announced in Vietnamese.
"""

import getpass
import sys
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from addin import __version__, stages
from addin.campaign import CampaignFolder, open_campaign
from addin.channels.channel import OUTBOX
from addin.channels.sending import FAILED, SENT, SKIPPED
from addin.errors import BaocaoError, write_error_log
from addin.frontends.design_buttons import apply_design_workbook, open_design
from addin.frontends.excel_ui import ExcelUI
from addin.frontends.installation import installation_report
from addin.intake.mail_files import why_no_return
from addin.outputs.control_panel import COUNTS_NAME, UNITS_NAME, UPDATED_NAME, log_row, panel_for
from addin.progress import waiting_shown_by
from addin.standing import ACCEPT, CONFIRM, REJECT, State
from addin.unwritable import unwritable_message


@dataclass
class Outcome:
    message: str | None  # the closing message box; None for none
    log: str  # the line written in «Nhật ký»
    open_workbook: Path | None = None
    open_folder: Path | None = None
    critical: bool = False  # the step ran, but staff must act (e.g. some mail could not be sent)


class StatusBarReporter:
    """Progress in Excel's status bar: «Đang kiểm tra 12/60: Phòng GD&ĐT Bát Xát…»."""

    def __init__(self, ui: ExcelUI):
        self.ui, self.label, self.total, self.done = ui, "", 0, 0

    def start(self, total: int, label: str) -> None:
        self.label, self.total, self.done = label, total, 0
        self.ui.status(f"{label}…")

    def advance(self, item: str) -> None:
        self.done += 1
        self.ui.status(f"{self.label} {self.done}/{self.total}: {item}…")

    def finish(self) -> None:
        self.ui.status(f"{self.label}: xong {self.done}/{self.total}.")


Step = Callable[[CampaignFolder, StatusBarReporter], Outcome]


# ---------------------------------------------------------------- the buttons


def design_campaign(ui: ExcelUI | None = None) -> None:
    _press(ui, "Thiết kế đợt báo cáo", open_design)


def apply_design(ui: ExcelUI | None = None) -> None:
    _press(ui, "Áp dụng thiết kế", apply_design_workbook)


def make_templates(ui: ExcelUI | None = None) -> None:
    _press(ui, "Tạo biểu mẫu", _make_templates)


def send_templates(ui: ExcelUI | None = None) -> None:
    _press(ui, "Gửi biểu mẫu", _send_templates)


def collect_returns(ui: ExcelUI | None = None) -> None:
    _press(ui, "Nhận báo cáo", _collect_returns)


def check_returns(ui: ExcelUI | None = None) -> None:
    _press(ui, "Kiểm tra", _check_returns)


def accept_selected(ui: ExcelUI | None = None) -> None:
    _press(ui, "Chấp nhận báo cáo", lambda folder, reporter: _decide_selected(folder, reporter, ACCEPT))


def reject_selected(ui: ExcelUI | None = None) -> None:
    _press(ui, "Không nhận báo cáo", lambda folder, reporter: _decide_selected(folder, reporter, REJECT))


def send_reminders(ui: ExcelUI | None = None) -> None:
    _press(ui, "Nhắc nộp, trả lỗi", _send_reminders)


def make_summary(ui: ExcelUI | None = None) -> None:
    _press(ui, "Tổng hợp", _make_summary)


def open_results(ui: ExcelUI | None = None) -> None:
    _press(ui, "Mở thư mục kết quả", _open_results)


def refresh_panel(ui: ExcelUI | None = None) -> None:
    _press(ui, "Cập nhật bảng", _refresh_only)


def check_installation(ui: ExcelUI | None = None) -> None:
    _press(ui, "Kiểm tra cài đặt", _check_installation, check_versions=False)


# ---------------------------------------------------------------- what each one does


def _make_templates(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    result = stages.make_templates(folder, reporter=reporter)
    count = len(result.unit_files)
    skipped = f"{result.skipped_text}\n\n" if result.skipped_text else ""
    return Outcome(
        f"Đã tạo {count} biểu mẫu (mỗi đơn vị một tệp) trong thư mục {folder.outgoing.name}.\n\n{skipped}"
        "Bước tiếp theo: bấm «2. Gửi biểu mẫu».",
        f"Đã tạo {count} biểu mẫu.",
        open_folder=folder.outgoing,
    )


def _send_templates(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    next_step = "Bước tiếp theo: khi đơn vị gửi lại, bấm «3. Nhận báo cáo»."
    return _mail_outcome(folder, reporter, stages.send, next_step)


def _send_reminders(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    return _mail_outcome(folder, reporter, stages.remind, "Khi đơn vị gửi lại, bấm «3. Nhận báo cáo».")


def _mail_outcome(folder: CampaignFolder, reporter: StatusBarReporter, stage, next_step: str) -> Outcome:
    """Send through the server in config when one is set, else write .eml drafts staff send themselves."""
    config = folder.load_config()
    channel = stages.default_channel(config)
    report = stage(folder, channel=channel, reporter=reporter)
    done, skipped, failed = (report.count(outcome) for outcome in (SENT, SKIPPED, FAILED))
    if not report.results and not report.stopped:
        return Outcome("Không có đơn vị nào cần gửi thư lúc này.", "Không có thư cần gửi.")
    if channel == OUTBOX:
        text = f"Đã ghi {done} thư (tệp .eml) vào thư mục {report.outbox}"
        advice = "Mở từng tệp bằng Outlook (hoặc Thunderbird) rồi bấm Gửi."
    else:
        text = f"Đã gửi {done} thư qua máy chủ {config.mail.smtp.host}"
        advice = next_step
    text += f"; {skipped} đơn vị đã nhận đúng thư này từ trước nên không gửi lại."
    if done:
        text += f" Thư {'đã ghi' if channel == OUTBOX else 'đã gửi'} lần này: {report.kinds_text(SENT)}."
    lines = [f"- {r.unit_short}: {r.error}" for r in report.results if r.outcome == FAILED][:5]
    if failed:
        text += f" {failed} đơn vị chưa gửi được:\n" + "\n".join(lines)
        advice = "Sửa xong bấm lại nút này: chỉ các đơn vị chưa gửi được mới được gửi."
    if report.stopped:
        advice = f"{report.stopped}\n\nBấm lại nút này sau: đơn vị đã gửi rồi sẽ không bị gửi lại."
    opened = Path(report.outbox) if channel == OUTBOX and done else None
    summary = f"Thư: {done} đã {'ghi' if channel == OUTBOX else 'gửi'}, {skipped} bỏ qua, {failed} lỗi."
    return Outcome(f"{text}\n\n{advice}", summary, open_folder=opened, critical=bool(failed or report.stopped))


def _collect_returns(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    mailbox = stages.configured_mailbox(folder)
    result = stages.collect(folder, mailbox=mailbox, reporter=reporter)
    new, old = len(result.new), len(result.already_recorded)
    text = f"Đã nhận {new} tệp mới; {old} tệp đã có từ trước."
    if mailbox or result.mails or result.mail_duplicates:
        text += f" Thư: {len(result.mails)} thư mới, {result.mail_duplicates} thư đã đọc từ trước."
    if result.ignored:
        text += f" Bỏ qua {len(result.ignored)} tệp không phải báo cáo."
    if result.other_campaign_mails:
        text += f" {len(result.other_campaign_mails)} thư của đợt báo cáo khác (không thuộc đợt này) không được lấy."
    details = _unusable_mail_lines(result.unusable_mails) + _inbox_problem_lines(result.problems)
    next_step = "Bước tiếp theo: bấm «4. Kiểm tra»." if new else f"Chưa có tệp mới trong {folder.inbox.name}."
    return Outcome(f"{text}{details}\n\n{next_step}", text)


def _unusable_mail_lines(mails: list, shown: int = 5) -> str:
    if not mails:
        return ""
    lines = []
    for item in mails[:shown]:
        when = f"{item.date:%d/%m/%Y} " if item.date else ""
        lines.append(f"- {when}{item.sender or '?'}: «{item.subject}»: {why_no_return(item.outcome, item.not_returns)}")
    more = f"\n… và {len(mails) - shown} thư khác (xem «baocao status»)." if len(mails) > shown else ""
    return f"\n\n{len(mails)} thư không có báo cáo dùng được (liên hệ đơn vị gửi nếu cần):\n" + "\n".join(lines) + more


def _inbox_problem_lines(problems: list, shown: int = 5) -> str:
    if not problems:
        return ""
    lines = "\n".join(f"- {problem.message}" for problem in problems[:shown])
    more = f"\n… và {len(problems) - shown} mục khác (xem «baocao collect»)." if len(problems) > shown else ""
    return f"\n\n{len(problems)} mục trong thư mục không lấy được:\n{lines}{more}"


def _check_returns(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    run = stages.check(folder, reporter=reporter)
    checked, feedback = run.checked, run.feedback
    text = f"Đã kiểm tra {len(checked)} tệp mới. Các đơn vị hiện có: {run.standing.counts_text()}."
    advice = "Đã mở bảng kết quả kiểm tra."
    if feedback.owed:
        advice += f" {feedback.text()} Bấm «5. Nhắc nộp, trả lỗi» để gửi thư báo lỗi."
    return Outcome(f"{text}\n\n{advice}", text, open_workbook=run.workbook)


def _decide_selected(folder: CampaignFolder, reporter: StatusBarReporter, decision: str) -> Outcome:
    """Staff's accept/reject of the latest return of the unit whose row is selected in the panel."""
    ui = reporter.ui
    row = ui.selected_row(UNITS_NAME)
    if not row or not row[1]:
        raise BaocaoError("Hãy bấm vào dòng của một đơn vị trong bảng «TỪNG ĐƠN VỊ» (bên phải) rồi bấm lại nút này.")
    code, short = str(row[1]), str(row[2])
    verb = "chấp nhận" if decision == ACCEPT else "không nhận"
    note = ui.ask(f"Lý do {verb} báo cáo của {short} (được ghi lại cùng người và thời gian):", f"baocao: {short}")
    if note is None:
        return Outcome(None, f"Đã huỷ: chưa ghi quyết định nào cho {short}.")
    if decision == REJECT and not note.strip():
        raise BaocaoError(f"Không nhận báo cáo của {short} thì cần ghi lý do. Hãy bấm lại nút và ghi lý do.")
    record = stages.decide(folder, code, decision, note.strip()).decision
    effect = (
        "Số liệu của đơn vị sẽ vào bảng tổng hợp khi bấm «6. Tổng hợp»."
        if decision == ACCEPT
        else "Số liệu của đơn vị không vào bảng tổng hợp; hãy đề nghị đơn vị gửi lại."
    )
    if record.decision == CONFIRM:
        verb = "xác nhận là của đơn vị và chấp nhận"
    text = f"Đã {verb} báo cáo mới nhất của {short} ({record.note or 'không ghi lý do'})."
    return Outcome(f"{text}\n\n{effect}", text)


def _make_summary(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    reporter.ui.status("Đang tổng hợp báo cáo…")
    result = stages.summary(folder, reporter=reporter)  # checks waiting returns first, on the status bar
    counts = result.counts
    used, expected = counts["included"], counts["expected"]
    text = f"Đã tổng hợp báo cáo của {used}/{expected} đơn vị."
    if result.checked_first:
        text = f"Đã kiểm tra trước {len(result.checked_first)} tệp nhận mà chưa kiểm tra. {text}"
    if used < expected:
        text += (
            f" Chưa có số liệu của {expected - used} đơn vị ({counts[State.MISSING]} chưa nộp, "
            f"{expected - used - counts[State.MISSING]} có báo cáo còn lỗi, chờ kiểm tra hoặc không dùng được)."
        )
    opened = result.summary_workbook or result.tidy_workbook
    made = [path.name for path in (result.report, *result.pdfs) if path]
    files = f"\n\nĐã lập: {', '.join(made)}." if made else ""
    note = f"\n\nLưu ý: {result.pdf_note}" if result.pdf_note else ""
    if result.layout_rebuild:
        note += "\n\n" + "\n".join(result.layout_rebuild.lines())
    return Outcome(
        f"{text}{files}{note}\n\nĐã mở {opened.name} (thư mục {folder.results.name}).", text, open_workbook=opened
    )


def _open_results(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    folder.results.mkdir(exist_ok=True)
    return Outcome(None, f"Mở thư mục {folder.results.name}.", open_folder=folder.results)


def _refresh_only(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    return Outcome(None, "Cập nhật bảng.")


def _check_installation(folder: CampaignFolder, reporter: StatusBarReporter) -> Outcome:
    """The same check as `baocao doctor` (frontends/installation.py): problems first, then what was found."""
    report = installation_report(folder, reporter.ui.build_info(), reporter.ui.workbook_path())
    found = "\n".join(f"{label}: {value}" for label, value in report.facts)
    problems = report.problems
    if not problems:
        text = f"Cài đặt ổn: Python {sys.version.split()[0]}, xlwings {version('xlwings')}, baocao {__version__}."
        return Outcome(f"{text}\n\nCác nút đều dùng được.\n\n{found}", text)
    lines = "\n".join(f"- {problem}" for problem in problems)
    return Outcome(
        f"Kiểm tra cài đặt thấy {len(problems)} điều cần sửa:\n\n{lines}\n\n{found}", f"{len(problems)} điều cần sửa."
    )


# ---------------------------------------------------------------- the frame around every button


def _press(ui: ExcelUI | None, title: str, step: Step, check_versions: bool = True) -> None:
    """Run one button's step; whatever happens, Python ends normally and staff see Vietnamese."""
    folder = None
    try:
        ui = ui or _excel()
        folder = campaign_folder_of(ui)
        if check_versions:
            _require_matching_xlwings(ui)
        with waiting_shown_by(ui.status):  # «Sổ theo dõi đang bị … giữ; đang chờ… (5 giây…)» on the status bar
            outcome = step(folder, StatusBarReporter(ui))
        _finish(ui, folder, title, outcome)
    except BaocaoError as error:
        _announce(ui, folder, title, error.message, f"Lỗi: {error.message}")
    except Exception as error:
        unwritable = unwritable_message(error, folder.root if folder else None) if isinstance(error, OSError) else None
        if unwritable:
            _announce(ui, folder, title, unwritable, f"Lỗi: {unwritable}")
            return
        log = write_error_log(folder.root if folder else Path(tempfile.gettempdir()), error, f"nút «{title}»")
        message = (
            f"Có lỗi không mong đợi khi chạy «{title}». Chi tiết kỹ thuật đã ghi vào tệp {log}.\n\n"
            "Hãy gửi tệp đó cho người hỗ trợ kỹ thuật. Dữ liệu đã nhận không bị mất; các nút khác vẫn dùng được."
        )
        _announce(ui, folder, title, message, f"Lỗi không mong đợi (xem {log.name}).")
    finally:
        if ui is not None:
            with suppress(Exception):
                ui.status(None)


def _excel() -> ExcelUI:
    from addin.frontends.excel_ui import XlwingsUI

    return XlwingsUI()


def campaign_folder_of(ui: ExcelUI) -> CampaignFolder:
    """The folder the workbook sits in, or (synced to OneDrive, moved) the one it was built for."""
    candidates = []
    path = ui.workbook_path()
    if "://" not in path:
        candidates.append(Path(path).parent)
    if recorded := ui.build_info().get("campaign_dir"):
        candidates.append(Path(recorded))
    for candidate in candidates:
        if CampaignFolder(candidate).config_path.is_file():
            return open_campaign(candidate)
    raise BaocaoError(
        "Không tìm thấy thư mục đợt báo cáo (thư mục có config.yaml) của tệp BaoCao.xlsm này. "
        "Hãy để BaoCao.xlsm trong thư mục đợt báo cáo, hoặc chạy lại «baocao workbook THƯ_MỤC»."
    )


def _require_matching_xlwings(ui: ExcelUI) -> None:
    built_with, installed = ui.build_info().get("xlwings_version"), version("xlwings")
    if built_with != installed:
        raise BaocaoError(
            f"Tệp BaoCao.xlsm được tạo với xlwings {built_with or '?'} nhưng máy này cài xlwings {installed}. "
            "Hãy chạy lại lệnh «baocao workbook» để tạo lại tệp cho khớp."
        )


def _finish(ui: ExcelUI, folder: CampaignFolder, title: str, outcome: Outcome) -> None:
    _refresh(ui, folder)
    _log(ui, title, outcome.log)
    if outcome.message:
        ui.alert(outcome.message, f"baocao: {title}", critical=outcome.critical)
    target = outcome.open_workbook or outcome.open_folder
    try:
        if outcome.open_workbook:
            ui.open_workbook(outcome.open_workbook)
        if outcome.open_folder:
            ui.open_folder(outcome.open_folder)
    except Exception as error:
        write_error_log(folder.root, error, f"mở {target}")
        ui.alert(f"Không tự mở được {target}. Hãy mở bằng tay trong thư mục {target.parent}.", f"baocao: {title}")


def _refresh(ui: ExcelUI, folder: CampaignFolder) -> None:
    config = folder.load_config()
    panel = panel_for(config, folder, datetime.now())
    ui.write_named(COUNTS_NAME, [list(pair) for pair in panel.counts])
    ui.write_named(UNITS_NAME, panel.unit_rows)
    ui.write_named(UPDATED_NAME, [[panel.updated]])


def _log(ui: ExcelUI, title: str, text: str) -> None:
    ui.append_log(log_row(datetime.now(), title, text, getpass.getuser()))
    with suppress(Exception):  # read-only or open elsewhere: the log line stays on screen
        ui.save()


def _announce(ui: ExcelUI | None, folder: CampaignFolder | None, title: str, message: str, log_text: str) -> None:
    """Tell staff about a failure; if even Excel cannot be reached, the log file is all there is."""
    if ui is None:
        return
    try:
        ui.status(None)
        _log(ui, title, log_text)
        ui.alert(message, f"baocao: {title}", critical=True)
    except Exception as error:
        write_error_log(folder.root if folder else Path(tempfile.gettempdir()), error, f"báo lỗi của nút «{title}»")
