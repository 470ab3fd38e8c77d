"""Bringing returned files in: copy each byte for byte into the archive, then record it.

The archive is content-addressed (`luu_tru/ab/abcdef….xlsx`): the same bytes always land in
the same place, archive files are made read-only and never modified or deleted, and a file
is recorded in the ledger only after its copy is complete, so an interrupted run loses nothing.
"""

import errno
import hashlib
import io
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from addin.campaign import CampaignFolder
from addin.config.model import MailLimits
from addin.errors import BaocaoError
from addin.findings import WARNING, Finding
from addin.intake.guard.formats import FileKind, sniff
from addin.intake.mail_files import (
    OTHER_CAMPAIGN,
    RETURNS,
    UNREADABLE,
    FetchedMail,
    MailItem,
    is_mail_file,
    read_mail_file,
    refused_mail,
    too_large,
    unreadable_mail,
)
from addin.intake.received import campaign_start, file_received, mailbox_received, saved_mail_received
from addin.intake.zone import mark_from_internet
from addin.ledger import Ledger, MessageRecord, ReturnRecord
from addin.progress import NullReporter, Reporter
from addin.subject_tag import other_campaign_tag
from addin.xlsx.atomic import is_temporary, replace_file, temporary_beside

NOT_RETURNS = {"thumbs.db", ".ds_store", "desktop.ini"}
ARCHIVE_EXTENSIONS = {
    FileKind.XLSX: ".xlsx",
    FileKind.XLSM: ".xlsm",
    FileKind.XLSB: ".xlsb",
    FileKind.XLS: ".xls",
    FileKind.ODS: ".ods",
}
HEAD_BYTES = 8192
INBOX_LINK_OUTSIDE = "INBOX_LINK_OUTSIDE"
INBOX_BAD_NAME = "INBOX_BAD_NAME"
INBOX_NOT_A_FILE = "INBOX_NOT_A_FILE"
INBOX_UNREADABLE = "INBOX_UNREADABLE"


class FileUnreadable(BaocaoError):
    """A file to bring in that cannot be opened; the batch reports it and goes on."""


@dataclass
class CollectResult:
    new: list[ReturnRecord] = field(default_factory=list)
    already_recorded: list[ReturnRecord] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    mails: list[MessageRecord] = field(default_factory=list)  # mails recorded by this run
    mail_duplicates: int = 0  # mails already recorded (same Message-ID and content)
    mailbox_read: int = 0  # messages read from the mailbox this run (only those after the last run's)
    problems: list[Finding] = field(default_factory=list)  # entries of the inbox that could not be taken

    @property
    def unusable_mails(self) -> list[MessageRecord]:
        return [mail for mail in self.mails if mail.outcome not in (RETURNS, OTHER_CAMPAIGN)]

    @property
    def other_campaign_mails(self) -> list[MessageRecord]:
        """Mails whose subject tag names another campaign: recorded once, nothing taken from them."""
        return [mail for mail in self.mails if mail.outcome == OTHER_CAMPAIGN]


@dataclass(frozen=True)
class Arrival:
    """A file to bring in, with what is known of where and when it came from."""

    path: Path
    source: str
    received_at: datetime
    original_name: str
    sender: str | None = None
    message_id: str | None = None
    data: bytes | None = None  # an attachment's bytes (then `path` is only its name)
    subject: str | None = None
    claimed_at: datetime | None = None  # a mail's Date:


def find_arrivals(location: Path) -> tuple[list[Arrival], list[Path], list[Finding]]:
    """Every candidate file under `location` (or the file itself), the files that are not returns, and the
    entries that cannot be taken (links, unreadable names, folders or files), each as a finding naming it.

    Symbolic links are never followed: one pointing out of `location` is reported, one pointing inside is
    ignored (its target is taken on its own).
    """
    if not location.exists():
        raise BaocaoError(f"Không tìm thấy {location}. Hãy kiểm tra đường dẫn.")
    problems: list[Finding] = []
    paths = [location] if location.is_file() else _files_under(location, problems)
    arrivals, ignored = [], []
    for path in paths:
        if path.name.casefold() in NOT_RETURNS or is_temporary(path):
            ignored.append(path)
            continue
        try:
            received = file_received(datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0))
        except OSError as error:
            problems.append(_inbox_problem(INBOX_UNREADABLE, path, f"không đọc được ({_reason(error)})"))
            continue
        arrivals.append(Arrival(path, str(path.resolve()), received, path.name))
    return arrivals, ignored, problems


def _files_under(root: Path, problems: list[Finding]) -> list[Path]:
    """The regular files under `root`, in name order, without following links; what is left out goes to `problems`."""

    def folder_unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else root
        problems.append(_inbox_problem(INBOX_UNREADABLE, where, f"không mở được ({_reason(error)})", "Thư mục"))

    inside, found = root.resolve(), []
    for directory, _, names in os.walk(root, onerror=folder_unreadable):
        for name in names:
            path = Path(directory, name)
            problem = _why_not_taken(path, inside)
            if problem:
                problems.append(problem)
            elif not path.is_symlink():
                found.append(path)
    return sorted(found)


def _why_not_taken(path: Path, inside: Path) -> Finding | None:
    """Why this entry cannot be brought in (a finding), or None: a link pointing inside is simply passed over."""
    if not _is_utf8(path.name):
        return _inbox_problem(
            INBOX_BAD_NAME, path, "có tên không đọc được (ký tự không phải Unicode UTF-8); hãy đổi tên tệp"
        )
    if path.is_symlink():
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # a loop of links
            target = Path(os.readlink(path))
        if target == inside or inside in target.parents:
            return None
        return _inbox_problem(INBOX_LINK_OUTSIDE, path, f"là liên kết trỏ ra ngoài thư mục (tới {target}), không lấy")
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            return _inbox_problem(INBOX_NOT_A_FILE, path, "không phải tệp thường (ống dẫn, thiết bị…), không lấy")
        with path.open("rb"):
            pass
    except OSError as error:
        return _inbox_problem(INBOX_UNREADABLE, path, f"không đọc được ({_reason(error)})")
    return None


def _reason(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return "không có quyền đọc"
    return error.strerror or type(error).__name__


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a byte name that is not UTF-8, held as surrogates by os.fsdecode
        return False
    return True


def _inbox_problem(code: str, path: Path, why: str, what: str = "Tệp") -> Finding:
    shown = os.fsencode(path).decode("utf-8", "replace")
    return Finding(WARNING, code, f"{what} {shown} {why}. Các tệp khác vẫn được nhận.")


class MailSource(Protocol):
    """Where mail comes from besides files (an IMAP folder): a label for the ledger, and the messages after a
    position (what the ledger remembers of how far the folder was read)."""

    label: str

    def messages(
        self, reporter: Reporter, limits: MailLimits, position: tuple[int, int] | None = None
    ) -> Iterator[FetchedMail]: ...


@dataclass
class _Intake:
    """One collect run: where files go, and what decides a mail's time and campaign."""

    folder: CampaignFolder
    ledger: Ledger
    campaign_id: str
    start: date  # the campaign's start: no mail of it arrived earlier
    result: CollectResult
    limits: MailLimits  # bounds every mail is checked against before it is parsed


def collect(
    folder: CampaignFolder,
    source: Path | None = None,
    reporter: Reporter | None = None,
    mailbox: MailSource | None = None,
) -> CollectResult:
    """Bring in files and saved mails from `source` (default: the inbox), then the mails of `mailbox` if given."""
    reporter = reporter or NullReporter()
    config = folder.load_config()
    arrivals, ignored, problems = find_arrivals(source or folder.inbox)
    result = CollectResult(ignored=ignored, problems=problems)
    with Ledger(folder.ledger_path) as ledger:
        intake = _Intake(folder, ledger, config.campaign.id, campaign_start(config), result, config.mail.limits)
        reporter.start(len(arrivals), "Đang nhận báo cáo")
        with ledger.grouped():
            for arrival in arrivals:
                if is_mail_file(arrival.original_name):
                    _bring_in_mail_file(intake, arrival)
                else:
                    _bring_in_file(intake, arrival)
                reporter.advance(arrival.original_name)
        reporter.finish()
        if mailbox:
            with ledger.grouped():
                _bring_in_mailbox(intake, mailbox, reporter)
    return result


def _bring_in_mailbox(intake: _Intake, mailbox: MailSource, reporter: Reporter) -> None:
    """Record the mailbox's new mails, remembering after each how far the folder is read."""
    ledger, label = intake.ledger, mailbox.label
    for mail in mailbox.messages(reporter, intake.limits, ledger.mailbox_position(label)):
        received = partial(mailbox_received, mail.arrived, start=intake.start)
        _bring_in_raw_mail(intake, mail.raw, label, received, too_large_size=None if mail.whole else mail.size)
        if mail.position:
            ledger.save_mailbox_position(label, *mail.position)
        intake.result.mailbox_read += 1


def _bring_in_file(intake: _Intake, arrival: Arrival) -> None:
    try:
        record, new = bring_in(intake.folder, intake.ledger, arrival)
    except FileUnreadable as error:
        intake.result.problems.append(_inbox_problem(INBOX_UNREADABLE, arrival.path, error.message))
        return
    (intake.result.new if new else intake.result.already_recorded).append(record)


def _bring_in_mail_file(intake: _Intake, arrival: Arrival) -> None:
    """A saved mail; one larger than `mail.limits.message_bytes` is listed from its header, never read whole."""
    try:
        size = arrival.path.stat().st_size
        with arrival.path.open("rb") as stream:
            raw = stream.read(intake.limits.header_bytes if size > intake.limits.message_bytes else size)
    except OSError as error:
        problem = _inbox_problem(INBOX_UNREADABLE, arrival.path, f"không đọc được ({_reason(error)})")
        intake.result.problems.append(problem)
        return
    received = partial(saved_mail_received, saved=arrival.received_at, start=intake.start)
    too_large_size = size if size > intake.limits.message_bytes else None
    _bring_in_raw_mail(intake, raw, arrival.source, received, arrival.original_name, too_large_size)


def _bring_in_raw_mail(
    intake: _Intake,
    raw: bytes,
    source: str,
    received: Callable[[datetime | None], datetime],
    name: str = "",
    too_large_size: int | None = None,
) -> None:
    """Record one raw mail; `received` turns its Date: (or None) into the time the Department received it.

    With `too_large_size`, `raw` is only the beginning of a mail of that size: it is listed, not read."""
    limits = intake.limits
    try:
        if too_large_size is None:
            item = read_mail_file(name, raw, limits)
        else:
            item = refused_mail(raw, too_large(too_large_size, limits), limits)
    except Exception:  # MailUnreadable, or whatever a hostile mail makes the parser raise: never stops the batch
        item = unreadable_mail(raw)
        item.subject = name
        _bring_in_mail(intake, item, source, received(None), outcome=UNREADABLE)
        return
    outcome = OTHER_CAMPAIGN if not item.refused and other_campaign_tag(item.subject, intake.campaign_id) else None
    _bring_in_mail(intake, item, source, received(item.date), outcome)


def _bring_in_mail(
    intake: _Intake, item: MailItem, source: str, received: datetime, outcome: str | None = None
) -> None:
    """Archive and record every return a mail carries, then the mail itself (once per Message-ID and content).

    A mail of another campaign is recorded (so it is listed, and never read again) but nothing of it is archived.
    """
    ledger, result = intake.ledger, intake.result
    if ledger.has_message(item.message_id, item.content_hash):
        result.mail_duplicates += 1
        return
    returns = [] if outcome == OTHER_CAMPAIGN else item.returns
    for attachment in returns:
        arrival = Arrival(
            Path(attachment.name),
            source,
            received,
            attachment.name,
            item.sender,
            item.message_id,
            data=attachment.data,
            subject=item.subject,
            claimed_at=item.date,
        )
        record, new = bring_in(intake.folder, ledger, arrival)
        (result.new if new else result.already_recorded).append(record)
    message = MessageRecord(
        message_id=item.message_id,
        source=source,
        sender=item.sender,
        subject=item.subject,
        date=received,
        attachments=len(item.attachments),
        returns=len(returns),
        outcome=outcome or item.outcome,
        not_returns=_listed_names(item, outcome),
        claimed_at=item.date,
        content_hash=item.content_hash,
    )
    if ledger.record_message(message):
        result.mails.append(message)


def _listed_names(item: MailItem, outcome: str | None) -> list[str]:
    """What the mail's listing names: its files, or for a refused mail the bound it passed."""
    if item.refused:
        return [item.refused]
    return [a.name for a in item.attachments] if outcome == OTHER_CAMPAIGN else item.not_returns


def bring_in(folder: CampaignFolder, ledger: Ledger, arrival: Arrival) -> tuple[ReturnRecord, bool]:
    """Archive one file and record it; (record, True when these bytes are new to the ledger)."""
    content = arrival.data if arrival.data is not None else arrival.path
    sha256, size, head, archived = archive_file(folder, content, arrival.original_name)
    record = ReturnRecord(
        sha256=sha256,
        original_name=arrival.original_name,
        source=arrival.source,
        received_at=arrival.received_at,
        size=size,
        detected_format=str(sniff(head, arrival.original_name)),
        archive_path=archived.relative_to(folder.root).as_posix(),
        sender=arrival.sender,
        message_id=arrival.message_id,
        subject=arrival.subject,
        claimed_at=arrival.claimed_at,
    )
    return record, ledger.record_return(record)


def archive_file(folder: CampaignFolder, path: Path | bytes, original_name: str) -> tuple[str, int, bytes, Path]:
    """Copy `path` (or these bytes) into the archive while hashing it; (sha256, size, first bytes, archive path)."""
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        reader = _open(path)
    except OSError as error:  # e.g. locked by Excel on Windows, or no read permission
        raise FileUnreadable(f"không mở được ({_reason(error)}); tệp có thể đang mở, hãy đóng rồi chạy lại") from error
    with temporary_beside(folder.archive) as temporary:
        try:
            with reader, temporary.open("wb") as writer:
                while chunk := reader.read(1 << 20):
                    digest.update(chunk)
                    writer.write(chunk)
                    if len(head) < HEAD_BYTES:
                        head += chunk[: HEAD_BYTES - len(head)]
                    size += len(chunk)
                writer.flush()
                os.fsync(writer.fileno())
        except OSError as error:
            raise BaocaoError(
                f"Không đọc được tệp {original_name if isinstance(path, bytes) else path} ({error.strerror}). "
                "Tệp có thể đang mở hoặc ổ đĩa đã đầy; hãy kiểm tra rồi chạy lại."
            ) from error
        sha256 = digest.hexdigest()
        extension = ARCHIVE_EXTENSIONS.get(sniff(head, original_name), ".bin")
        target = folder.archive / sha256[:2] / f"{sha256}{extension}"
        if not target.exists():  # else these bytes are archived already and the copy is dropped
            target.parent.mkdir(exist_ok=True)
            replace_file(temporary, target)
            mark_from_internet(target)  # Windows: Office opens it in Protected View (before it turns read-only)
            target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return sha256, size, head, target


def _open(content: Path | bytes):
    return io.BytesIO(content) if isinstance(content, bytes) else content.open("rb")
