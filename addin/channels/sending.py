"""Sending a campaign's mail: templates, reminders and feedback planned per unit, each sent once, every attempt
recorded in the ledger."""

import time
from dataclasses import dataclass, field
from datetime import date, datetime

from addin.campaign import CampaignFolder, chosen_units
from addin.channels.channel import OUTBOX, SMTP, BatchStopped, Channel, UnitFailure
from addin.channels.compose import (
    FEEDBACK,
    KIND_LABELS,
    REMIND,
    SEND,
    Attachment,
    Outgoing,
    as_bytes,
    attachment_name,
    compose,
    plan_message,
    resubmit_words,
    sender_of,
)
from addin.channels.outbox import OUTBOX_DIRS, OutboxChannel
from addin.channels.smtp import SmtpChannel, smtp_settings
from addin.config import CampaignConfig, UnitEntry
from addin.errors import BaocaoError
from addin.issue.unit_copies import unit_file_name
from addin.ledger import Ledger, SendRecord, already_sent, record_send
from addin.mail_servers import Server
from addin.outputs.findings_workbook import can_mark_up, owes_correction, write_feedback_copies
from addin.progress import NullReporter, Reporter
from addin.standing import CampaignStanding, State, UnitStanding, campaign_standing, still_to_report
from addin.xlsx.meta import read_layout_meta

SENT, SKIPPED, FAILED, WOULD_SEND = "sent", "skipped", "failed", "would_send"
PROBLEMS_FILE = "can_sua.txt"
PROBLEMS_IN_BODY = 30
NOTES_IN_BODY = 10
NOTES_HEADING = "Lưu ý (không phải lỗi, không bắt buộc sửa; đề nghị đơn vị xem lại):"


@dataclass
class UnitResult:
    unit_code: str
    unit_short: str
    kind: str
    recipient: str
    outcome: str
    attachments: list[str]
    message_id: str | None = None
    sent_at: str | None = None
    path: str | None = None
    error: str | None = None
    marked_copy: bool = False  # a feedback mail carrying the unit's marked-up workbook


@dataclass
class SendReport:
    channel: str
    dry_run: bool
    results: list[UnitResult] = field(default_factory=list)
    outbox: str | None = None
    stopped: str | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.stopped is None and self.count(FAILED) == 0

    def kinds_text(self, *outcomes: str) -> str:
        """«3 thư báo lỗi cần sửa kèm 3 bản đánh dấu lỗi, 45 thư nhắc nộp»: the mails by kind (those with one of
        `outcomes`, default all planned)."""
        results = [result for result in self.results if not outcomes or result.outcome in outcomes]
        parts = []
        for kind in (FEEDBACK, REMIND, SEND):
            count = sum(1 for result in results if result.kind == kind)
            if count:
                marked = sum(1 for result in results if result.kind == kind and result.marked_copy)
                extra = f" kèm {marked} bản đánh dấu lỗi" if kind == FEEDBACK and marked else ""
                parts.append(f"{count} thư {KIND_LABELS[kind]}{extra}")
        return ", ".join(parts)


def shown_time(iso: str) -> str:
    """'2019-12-10T08:05:00' as staff read it: '08:05 10/12/2019'."""
    return f"{datetime.fromisoformat(iso):%H:%M %d/%m/%Y}"


def send_templates(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    *,
    channel: str = OUTBOX,
    only: list[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
    pause: float | None = None,
    server: Server | None = None,
    reporter: Reporter | None = None,
    today: date | None = None,
) -> SendReport:
    """Each chosen unit gets its own template with the `mail.send` text (dated as on `today`, default today).

    Without `only`, a unit whose return is already in hand is left out (after a mid-campaign form change it
    kept its old template: see `stages.make_templates`)."""
    config, today = config or folder.load_config(), today or date.today()
    units = chosen_units(folder, config, only)
    if not only:
        units = still_to_report(folder, config, units)[0]
    plans = [_template_plan(folder, config, unit, SEND, today) for unit in _with_templates(folder, config, units)]
    return deliver_all(folder, config, plans, channel, dry_run, force, pause, server, reporter)


def send_reminders(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    *,
    channel: str = OUTBOX,
    only: list[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
    pause: float | None = None,
    server: Server | None = None,
    reporter: Reporter | None = None,
    today: date | None = None,
) -> SendReport:
    """Units not heard from get `mail.remind` with their template; units whose latest return has errors get
    `mail.feedback` with the annotated workbook and the list of what to fix.

    `today` (default: today) is the day the mails are composed: past the deadline they ask for the return
    by `mail.resubmit_by`, or as soon as possible, never by a day already gone."""
    config, today = config or folder.load_config(), today or date.today()
    wanted = {unit.code for unit in chosen_units(folder, config, only)}
    with Ledger(folder.ledger_path) as ledger:
        unchecked = ledger.returns_to_check(config.check_fingerprint)
    if unchecked:
        raise BaocaoError(
            f"Có {len(unchecked)} tệp đã nhận nhưng chưa kiểm tra. Hãy chạy «baocao check» trước, "
            "để không nhắc nhầm đơn vị đã nộp."
        )
    standing = campaign_standing(folder, config)
    silent = [s.unit for s in standing.in_state(State.MISSING) if s.unit.code in wanted]
    plans = [_template_plan(folder, config, unit, REMIND, today) for unit in _with_templates(folder, config, silent)]
    plans += [
        _feedback_plan(folder, config, s, today) for s in standing.units if needs_feedback(s) and s.unit.code in wanted
    ]
    order = {unit.code: index for index, unit in enumerate(config.units)}
    plans.sort(key=lambda plan: order[plan.unit.code])
    return deliver_all(folder, config, plans, channel, dry_run, force, pause, server, reporter)


def _with_templates(folder: CampaignFolder, config: CampaignConfig, units: list[UnitEntry]) -> list[UnitEntry]:
    """The units, after making sure each one's template exists and was built from the current config."""
    missing = [unit.code for unit in units if not (folder.outgoing / unit_file_name(unit)).is_file()]
    if missing:
        shown = ", ".join(missing[:10]) + (f" và {len(missing) - 10} đơn vị khác" if len(missing) > 10 else "")
        raise BaocaoError(
            f"Chưa có biểu mẫu của {len(missing)} đơn vị ({shown}) trong {folder.outgoing}. "
            f"Hãy chạy «baocao templates {folder.root}» trước rồi gửi lại."
        )
    for unit in units:
        path = folder.outgoing / unit_file_name(unit)
        meta = read_layout_meta(path)
        if meta.get("master_fingerprint") != config.master_fingerprint or meta.get("unit_code") != unit.code:
            raise BaocaoError(
                f"Biểu mẫu {path.name} được tạo trước khi config.yaml thay đổi (hoặc không phải của {unit.code}). "
                f"Hãy chạy «baocao templates {folder.root}» để tạo lại rồi gửi, để đơn vị nhận đúng biểu mẫu mới."
            )
    return units


def _template_plan(folder: CampaignFolder, config: CampaignConfig, unit: UnitEntry, kind: str, today: date) -> Outgoing:
    path = folder.outgoing / unit_file_name(unit)
    data = path.read_bytes()
    name = attachment_name(unit)
    # A reminder is the same file again; the day in its key lets a later day's reminder go out.
    key = [data] if kind == SEND else [data, today.isoformat().encode()]
    return plan_message(config, unit, kind, key, [name], lambda: [Attachment(name, data)], today=today)


def needs_feedback(unit: UnitStanding) -> bool:
    """The unit's newest return has errors or cannot be used, and staff did not accept it as it is (a return with
    warnings only gets no correction mail)."""
    return owes_correction(unit)


def _where(finding) -> str:
    sheet = f"Trang «{finding.sheet}»" if finding.sheet else ""
    where = ", ".join(part for part in (sheet, f"ô {finding.cell}" if finding.cell else "") if part)
    said = not where or f"«{finding.sheet}»" in finding.message  # most messages already say where
    return finding.message if said else f"{where}: {finding.message}"


def problems_text(unit_status: UnitStanding) -> str:
    """What to fix, numbered, one line each: where (sheet, cell) and what. Errors only: warnings are notes."""
    errors = [finding for finding in unit_status.latest.findings if finding.is_error]
    return "\n".join(f"{number}. {_where(finding)}" for number, finding in enumerate(errors, start=1))


def notes_text(unit_status: UnitStanding) -> str:
    """The warnings, one «- » line each: notes for the unit to look at, never counted as errors."""
    return "\n".join(f"- {_where(finding)}" for finding in unit_status.latest.findings if not finding.is_error)


def _feedback_plan(folder: CampaignFolder, config: CampaignConfig, unit_status: UnitStanding, today: date) -> Outgoing:
    unit, latest = unit_status.unit, unit_status.latest
    problems, notes = problems_text(unit_status), notes_text(unit_status)
    resubmit = resubmit_words(config, today)
    annotated = can_mark_up(unit_status, folder.root)
    workbook_name = attachment_name(unit, "_cần sửa")
    noted = f"\n\n{NOTES_HEADING}\n{notes}" if notes else ""
    listing = (
        f"{unit.name}\nTệp «{latest.record.original_name}» nhận ngày {latest.record.received_at:%d/%m/%Y} "
        f"cần sửa:\n\n{problems}{noted}\n\n"
        f"Sửa xong, hãy gửi lại tệp Excel {resubmit} bằng cách trả lời thư này (giữ nguyên tiêu đề).\n"
    ).replace("\n", "\r\n")

    # A file that could not be used at all gets a fresh template to fill in again instead.
    fresh_template = folder.outgoing / unit_file_name(unit)
    first_name = workbook_name if annotated else attachment_name(unit)

    def attachments() -> list[Attachment]:
        made = [Attachment(PROBLEMS_FILE, listing.encode("utf-8-sig"), ("text", "plain"))]
        if annotated:
            paths = write_feedback_copies(folder, CampaignStanding([unit_status], [], [], []), resubmit, config)
            if not paths:  # its archive copy changed or went missing since the check
                raise UnitFailure(" ".join(problem.message for problem in paths.problems))
            made.insert(0, Attachment(workbook_name, paths[0].read_bytes()))
        elif fresh_template.exists():
            made.insert(0, Attachment(first_name, fresh_template.read_bytes()))
        return made

    names = [first_name, PROBLEMS_FILE] if annotated or fresh_template.exists() else [PROBLEMS_FILE]
    key = [latest.record.sha256.encode(), problems.encode("utf-8")]
    shown = _first_lines(problems, PROBLEMS_IN_BODY, "lỗi khác")
    if notes:
        shown += f"\n\n{NOTES_HEADING}\n" + _first_lines(notes, NOTES_IN_BODY, "lưu ý khác")
    plan = plan_message(config, unit, FEEDBACK, key, names, attachments, problems=shown, today=today)
    plan.marked_copy = annotated
    return plan


def _first_lines(text: str, shown: int, others: str) -> str:
    lines = text.splitlines()
    more = f"\n… và {len(lines) - shown} {others}: xem tệp {PROBLEMS_FILE} đính kèm." if len(lines) > shown else ""
    return "\n".join(lines[:shown]) + more


def deliver_all(
    folder: CampaignFolder,
    config: CampaignConfig,
    plans: list[Outgoing],
    channel: str,
    dry_run: bool,
    force: bool,
    pause: float | None,
    server: Server | None,
    reporter: Reporter | None,
) -> SendReport:
    """Send each plan once: skip what this channel already sent (unless `force`), record every attempt."""
    reporter = reporter or NullReporter()
    transport = _channel(folder, config, plans, channel, server, dry_run)
    pause = config.mail.pause_seconds if pause is None else pause
    report = SendReport(
        channel, dry_run, outbox=str(transport.folder) if isinstance(transport, OutboxChannel) else None
    )
    reporter.start(len(plans), "Xem trước" if dry_run else ("Đang gửi thư" if channel == SMTP else "Đang ghi thư"))
    delivered = 0
    try:
        with Ledger(folder.ledger_path) as ledger:
            for plan in plans:
                result = UnitResult(plan.unit.code, plan.unit.short, plan.kind, plan.unit.email, WOULD_SEND, [])
                result.attachments, result.marked_copy = plan.attachment_names, plan.marked_copy
                earlier = None if force else already_sent(ledger, plan.unit.code, plan.kind, plan.content_key, channel)
                if earlier:
                    result.outcome, result.message_id = SKIPPED, earlier.message_id
                    result.sent_at = earlier.sent_at.isoformat()
                elif not dry_run and transport is not None:
                    if delivered and channel == SMTP and pause:
                        time.sleep(pause)
                    transport.open()
                    delivered += 1
                    _deliver_one(ledger, config, plan, transport, result)
                report.results.append(result)
                reporter.advance(plan.unit.short)
    except BatchStopped as stop:
        report.stopped = stop.args[0]
        report.results.extend(stop.args[1:])
    finally:
        reporter.finish()
        if transport is not None:
            transport.close()
    return report


def _channel(
    folder: CampaignFolder,
    config: CampaignConfig,
    plans: list[Outgoing],
    channel: str,
    server: Server | None,
    dry_run: bool,
) -> Channel | None:
    if channel == OUTBOX:
        kind = plans[0].kind if plans else SEND
        return OutboxChannel(folder.outgoing / OUTBOX_DIRS[kind])
    if channel != SMTP:
        raise ValueError(channel)
    settings = smtp_settings(config, server)
    if dry_run:
        return None
    return SmtpChannel(settings, sender_of(config)[1])


def _deliver_one(ledger: Ledger, config: CampaignConfig, plan: Outgoing, transport: Channel, result: UnitResult):
    try:
        message = compose(config, plan, plan.attachments(), draft=transport.name == OUTBOX)
        result.message_id = message["Message-ID"]
        result.path = transport.deliver(plan, as_bytes(message))
        result.outcome = SENT
    except UnitFailure as failure:
        result.outcome, result.error = FAILED, failure.args[0]
    except BatchStopped as stop:
        result.outcome, result.error = FAILED, stop.args[0]
        _record(ledger, plan, transport.name, result)
        raise BatchStopped(stop.args[0], result) from None
    _record(ledger, plan, transport.name, result)


def _record(ledger: Ledger, plan: Outgoing, channel: str, result: UnitResult) -> None:
    now = datetime.now().replace(microsecond=0)
    result.sent_at = now.isoformat()
    record_send(
        ledger,
        SendRecord(
            plan.unit.code,
            plan.kind,
            channel,
            plan.content_key,
            result.message_id,
            plan.unit.email,
            now,
            SENT if result.outcome == SENT else FAILED,
            result.error,
        ),
    )
