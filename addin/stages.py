"""One function per step of the pipeline, called alike by the CLI, the Excel buttons and the demo.

Front ends only parse what staff typed or clicked, call a stage, and render what it returns.
"""

import functools
import getpass
import shutil
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from addin.campaign import CONFIG_NAME, FOLDER_GUIDE, CampaignFolder, chosen_units
from addin.campaign_lock import campaign_lock
from addin.channels import sending
from addin.channels.channel import OUTBOX, SMTP
from addin.channels.compose import resubmit_words
from addin.checking import check_campaign
from addin.config import CampaignConfig, load_config
from addin.errors import BaocaoError
from addin.garbage import collect_less, free_now
from addin.intake.collect import CollectResult, MailSource
from addin.intake.collect import collect as collect_returns
from addin.intake.imap import ImapMailbox
from addin.integrity import RebuildReport, VerifyReport, rebuild_ledger, verify_campaign
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import TemplatesResult, build_templates
from addin.ledger import Decision, Ledger
from addin.mail_servers import Server
from addin.outputs.findings_workbook import (
    FINDINGS_WORKBOOK,
    FeedbackCopies,
    write_feedback_copies,
    write_findings_workbook,
)
from addin.outputs.merge import MergedCampaign, merge_campaign, write_tidy
from addin.outputs.report.document import build_report, report_file_name, report_template
from addin.outputs.report.pdf import write_pdfs
from addin.outputs.summary.layout import layout_fingerprint
from addin.outputs.summary.layout_cache import SUMMARY_LAYOUT, open_layout
from addin.outputs.summary.layout_carry import LayoutRebuild
from addin.outputs.summary.workbook import build_summary, summary_file_name
from addin.progress import NullReporter, Reporter
from addin.shipped import SHIPPED_CONFIG, SHIPPED_LAYOUTS
from addin.standing import (
    ACCEPT,
    CONFIRM,
    CampaignStanding,
    FileResult,
    State,
    UnitStanding,
    campaign_standing,
    still_to_report,
)
from addin.unwritable import unwritable_message
from addin.xlsx.meta import read_layout_meta


def changes_campaign(step: str):
    """The stage changes the campaign: it runs holding the campaign lock (addin/campaign_lock.py), collecting
    garbage in larger batches (addin/garbage.py), and a write that fails deep in a library because the disk is full
    or a folder read-only is said plainly."""

    def wrap(function):
        @functools.wraps(function)
        def locked(folder: CampaignFolder, *args, **kwargs):
            collect_less()
            with campaign_lock(folder.root, step):
                try:
                    return function(folder, *args, **kwargs)
                except OSError as error:
                    message = unwritable_message(error, folder.root)
                    if message is None:
                        raise
                    raise BaocaoError(message) from error

        return locked

    return wrap


# ---------------------------------------------------------------- init, templates


def init_campaign(directory: Path | str, config_file: Path | str | None = None) -> CampaignFolder:
    """Make a campaign folder from a config (validated first) and the shipped layouts."""
    source = Path(config_file) if config_file else SHIPPED_CONFIG
    config = load_config(source)
    folder = CampaignFolder(Path(directory).resolve())
    if folder.config_path.exists():
        raise BaocaoError(
            f"Thư mục {folder.root} đã có {CONFIG_NAME}; không ghi đè để khỏi mất cấu hình đang dùng. "
            "Hãy chọn thư mục khác hoặc sửa trực tiếp tệp cấu hình đó."
        )
    for path in (folder.root, folder.layouts, folder.outgoing, folder.inbox, folder.results):
        path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder.config_path)
    (folder.root / "DOC_TRUOC.txt").write_text(FOLDER_GUIDE, encoding="utf-8")
    _copy_shipped_layouts(config, folder)
    report_template(folder.layouts)  # the báo cáo's Word template, for staff to restyle before the first summary
    return folder


def _copy_shipped_layouts(config: CampaignConfig, folder: CampaignFolder) -> None:
    """Copy the shipped layouts that were built for this very config (others are built on first use)."""
    wanted = {
        MASTER_NAME: ("master_fingerprint", config.master_fingerprint),
        SUMMARY_LAYOUT: ("summary_fingerprint", layout_fingerprint(config) if config.summary.annexes else None),
    }
    for name, (key, fingerprint) in wanted.items():
        layout = SHIPPED_LAYOUTS / name
        if layout.exists() and read_layout_meta(layout).get(key) == fingerprint:
            shutil.copyfile(layout, folder.layouts / name)


@changes_campaign("templates")
def make_templates(
    folder: CampaignFolder, only: list[str] | None = None, reporter: Reporter | None = None
) -> TemplatesResult:
    """The master template (built again when the config changed) and one template per unit that still needs one.

    Once returns have come in, a unit whose return is used (or waits to be checked) gets no new template
    (a changed form goes only to units still to report); `only` names units to make it for regardless.
    """
    config = folder.load_config()
    units, skipped = chosen_units(folder, config, only), []
    if not only:
        units, skipped = still_to_report(folder, config, units)
    result = build_templates(folder, config, units, reporter)
    return replace(result, skipped=skipped)


# ---------------------------------------------------------------- mail out


@changes_campaign("send")
def send(folder: CampaignFolder, **options) -> sending.SendReport:
    """Each unit's template by mail (options: channel, only, dry_run, force, pause, server, reporter)."""
    return sending.send_templates(folder, **options)


@changes_campaign("remind")
def remind(folder: CampaignFolder, **options) -> sending.SendReport:
    """Reminders to units not heard from, feedback to units whose return has errors (options as `send`)."""
    return sending.send_reminders(folder, **options)


def default_channel(config: CampaignConfig) -> str:
    """Through the server in config when one is set, else .eml drafts staff send themselves."""
    return SMTP if config.mail.smtp.host else OUTBOX


# ---------------------------------------------------------------- intake and check


def configured_mailbox(
    folder: CampaignFolder, server: Server | None = None, since: date | None = None, required: bool = False
) -> ImapMailbox | None:
    """The mailbox of `mail.imap` in config; None when none is set, unless `required` (then its absence is said)."""
    imap = folder.load_config().mail.imap
    return ImapMailbox(imap, server, since) if imap.host or required else None


@changes_campaign("collect")
def collect(
    folder: CampaignFolder,
    source: Path | None = None,
    mailbox: MailSource | None = None,
    reporter: Reporter | None = None,
) -> CollectResult:
    """Every file and saved mail in the inbox (or `source`), and the mailbox when given: archived, recorded."""
    return collect_returns(folder, source, reporter, mailbox)


@dataclass
class CheckRun:
    checked: list[FileResult]  # the returns this run checked
    standing: CampaignStanding
    workbook: Path
    feedback: FeedbackCopies  # the marked-up copies, one per unit with errors (see FeedbackCopies.text)


@changes_campaign("check")
def check(folder: CampaignFolder, reporter: Reporter | None = None) -> CheckRun:
    """Check what is new, then write the findings workbook and the marked-up copies for units."""
    config, reporter = folder.load_config(), reporter or NullReporter()
    checked = check_campaign(folder, config, reporter)
    standing = campaign_standing(folder, config)
    reporter.start(2, "Đang ghi kết quả kiểm tra")
    workbook = write_findings_workbook(folder, standing)
    reporter.advance(FINDINGS_WORKBOOK)
    feedback = write_feedback_copies(folder, standing, resubmit_words(config), config)
    reporter.advance("bản đánh dấu lỗi")
    reporter.finish()
    return CheckRun(checked, standing, workbook, feedback)


def status(folder: CampaignFolder) -> CampaignStanding:
    return campaign_standing(folder)


# ---------------------------------------------------------------- staff decisions


@dataclass
class DecisionResult:
    decision: Decision
    file_name: str  # the decided return's original name
    standing: CampaignStanding
    findings_workbook: Path  # rewritten so it shows the decision


@changes_campaign("accept/reject")
def decide(folder: CampaignFolder, unit_code: str, decision: str, note: str, file: str | None = None) -> DecisionResult:
    """Record staff's accept/reject (who and when too) of a unit's latest return, or of the return `file`
    (its sha256 or the first characters of it) for this unit; refresh the findings workbook.

    Accepting a return whose unit was in doubt confirms it as this unit's (its own check outcome then stands;
    with errors it is accepted despite them).
    """
    config = folder.load_config()
    code = unit_code.strip().upper()
    if code not in config.units_by_code:
        raise BaocaoError(f"Không có đơn vị mã «{unit_code}» trong cấu hình. Xem mã ở lệnh «baocao status».")
    standing = campaign_standing(folder, config, with_findings=False)
    unit_standing = next(s for s in standing.units if s.unit.code == code)
    target = _chosen_file(standing, unit_standing, file) if file else _latest_of(unit_standing)
    if decision == ACCEPT and target.check.status == State.UNUSABLE:
        raise BaocaoError(
            f"Tệp «{target.record.original_name}» không đọc được hoặc không đúng biểu mẫu nên không thể "
            f"chấp nhận; hãy đề nghị {unit_standing.unit.short} gửi lại."
        )
    kind = CONFIRM if decision == ACCEPT and target.was_doubtful and not target.check.errors else decision
    record = Decision(code, target.record.sha256, kind, note, _who(), datetime.now().replace(microsecond=0))
    with Ledger(folder.ledger_path) as ledger:
        ledger.record_decision(record)
    standing = campaign_standing(folder, config)
    name = target.record.original_name
    return DecisionResult(record, name, standing, write_findings_workbook(folder, standing))


def _latest_of(unit_standing: UnitStanding) -> FileResult:
    short = unit_standing.unit.short
    if unit_standing.state == State.UNCHECKED:
        raise BaocaoError(f"Báo cáo mới nhất của {short} chưa được kiểm tra. Hãy chạy «baocao check» trước.")
    if unit_standing.latest is None:
        raise BaocaoError(f"Đơn vị {short} chưa gửi báo cáo nào (hoặc chưa chạy «baocao check»).")
    return unit_standing.latest


def _chosen_file(standing: CampaignStanding, unit_standing: UnitStanding, file: str) -> FileResult:
    """The checked return whose sha256 starts with `file`; another unit's only when its unit is in doubt."""
    prefix = file.strip().lower()
    found = [result for result in standing.files if len(prefix) >= 6 and result.record.sha256.startswith(prefix)]
    if len(found) != 1:
        why = "không có tệp nào" if not found else "có nhiều tệp"
        raise BaocaoError(
            f"«{file}»: {why} mang mã này trong các tệp đã kiểm tra. Hãy chép đủ mã tệp (ít nhất 6 ký tự đầu) "
            "từ «baocao status» hoặc trang «Lịch sử nhận» của ket_qua_kiem_tra.xlsx."
        )
    result, unit = found[0], unit_standing.unit
    if result.unit_code not in (None, unit.code) and not result.was_doubtful:
        raise BaocaoError(
            f"Tệp «{result.record.original_name}» là báo cáo của đơn vị {result.unit_code}, không chờ xác nhận; "
            f"không thể ghi quyết định cho {unit.short} ({unit.code})."
        )
    return result


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account): still record something
        return "không rõ"


# ---------------------------------------------------------------- summary


@dataclass
class SummaryResult:
    merged: MergedCampaign
    standing: CampaignStanding
    summary_workbook: Path | None
    tidy_workbook: Path
    csv_dir: Path
    findings_workbook: Path
    checked_first: list[FileResult]  # returns that were waiting and this summary checked before merging
    feedback: list[Path]  # the marked-up copies written by that check (empty when nothing was checked)
    report: Path | None = None  # the báo cáo (Word)
    pdfs: list[Path] = field(default_factory=list)  # the báo cáo and the annexes as PDF (LibreOffice present)
    pdf_note: str | None = None  # no LibreOffice: how to print to PDF; or what failed
    layout_rebuild: LayoutRebuild | None = None  # the summary layout drawn again over staff's: why, old one, carried

    @property
    def counts(self) -> dict[str, int]:
        units = self.standing.units
        late = sum(1 for unit in units if unit.counted and unit.late)
        used = sum(1 for unit in units if unit.counted)
        by_state = {state.value: self.standing.count(state) for state in State}
        return {"expected": len(units), "included": used, "late": late, **by_state}

    @property
    def missing(self) -> list[str]:
        return [unit.unit.short for unit in self.standing.in_state(State.MISSING)]

    def as_json(self) -> dict:
        return {
            "summary_workbook": str(self.summary_workbook) if self.summary_workbook else None,
            "tidy_workbook": str(self.tidy_workbook),
            "csv_dir": str(self.csv_dir),
            "counts": self.counts,
            "missing": self.missing,
            "checked_first": len(self.checked_first),
            "left_out": self.merged.left_out,
            "report": str(self.report) if self.report else None,
            "pdfs": [str(path) for path in self.pdfs],
            "pdf_note": self.pdf_note,
            "layout_rebuilt": self.layout_rebuild.as_json() if self.layout_rebuild else None,
        }


@changes_campaign("summary")
def summary(folder: CampaignFolder, reporter: Reporter | None = None) -> SummaryResult:
    """Merge the returns that count; write the tidy data, the official summary, the báo cáo (Word), their PDFs
    (when LibreOffice is installed) and (refreshed) the findings.

    Returns received but not yet checked with the current config are checked first (as `check` does,
    findings workbook and marked-up copies included), so no unit that sent a return is shown as missing.
    """
    config, reporter = folder.load_config(), reporter or NullReporter()
    run = check(folder, reporter) if _waiting_for_check(folder, config) else None
    standing = run.standing if run else campaign_standing(folder, config)
    reporter.start(5, "Đang tổng hợp")
    merged = merge_campaign(folder, config, standing)
    tidy, csv_dir = write_tidy(folder, config, merged)
    reporter.advance("dữ liệu thô")
    official, rebuilt = _official_summary(folder, config, merged) if config.summary.annexes else (None, None)
    reporter.advance("bảng tổng hợp")
    # so it shows the standing this summary used (the check just wrote it from this very standing)
    findings = run.workbook if run else write_findings_workbook(folder, standing)
    reporter.advance(FINDINGS_WORKBOOK)
    report = build_report(config, merged, folder.layouts, folder.results / report_file_name(config))
    reporter.advance(report.name)
    pdf = write_pdfs([report, *([official] if official else [])])
    reporter.advance("PDF")
    reporter.finish()
    checked, feedback = (run.checked, run.feedback) if run else ([], [])
    result = SummaryResult(merged, standing, official, tidy, csv_dir, findings, checked, feedback)
    return replace(result, report=report, pdfs=pdf.files, pdf_note=pdf.note, layout_rebuild=rebuilt)


def _official_summary(
    folder: CampaignFolder, config: CampaignConfig, merged: MergedCampaign
) -> tuple[Path, LayoutRebuild | None]:
    """The official summary workbook, and why its layout was drawn again (if it was: staff are told why).

    The filled layout (some 90 MB at 10,000 units) is freed here, before the báo cáo is built."""
    _, layout, _, rebuilt = open_layout(config, folder.layouts)
    target = folder.results / summary_file_name(config)
    official = build_summary(config, merged, folder.layouts, target, datetime.now().replace(microsecond=0), layout)
    del layout
    free_now()
    return official, rebuilt


def _waiting_for_check(folder: CampaignFolder, config: CampaignConfig) -> bool:
    with Ledger(folder.ledger_path) as ledger:
        return bool(ledger.returns_to_check(config.check_fingerprint))


# ---------------------------------------------------------------- the control workbook


@changes_campaign("workbook")
def workbook(folder: CampaignFolder, interpreter: str | None = None):
    """BaoCao.xlsm, the buttons for every step, built for the Python running this (or `interpreter`)."""
    # Imported here: pyOpenVBA and xlwings take seconds to import, which every other command would pay.
    from addin.outputs.control_workbook import build_control_workbook

    return build_control_workbook(folder, interpreter=interpreter)


# ---------------------------------------------------------------- integrity: verify, rebuild


def verify(folder: CampaignFolder, reporter: Reporter | None = None) -> VerifyReport:
    """Check the whole campaign: archive hashes, ledger against archive and plain copies, SQLite integrity."""
    return verify_campaign(folder, reporter)


@dataclass
class RebuildRun:
    report: RebuildReport
    checked: list[FileResult]  # every return, checked again
    standing: CampaignStanding


@changes_campaign("rebuild")
def rebuild(folder: CampaignFolder, reporter: Reporter | None = None) -> RebuildRun:
    """A new ledger from the archive, the intake journal and the decisions file; then every return checked again."""
    config = folder.load_config()
    report = rebuild_ledger(folder, reporter)
    checked = check_campaign(folder, config, reporter)
    return RebuildRun(report, checked, campaign_standing(folder, config))
