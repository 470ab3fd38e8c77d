"""Incoming mail: a saved .eml / .msg or an IMAP message → a plain `MailItem` with its attachments.

Everything here treats mail as hostile input: any header may be missing or malformed, any
attachment name may try to climb out of a folder or name a Windows device. Nothing raises for a
bad message except `MailUnreadable`, which callers record (nothing is dropped silently).
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import PurePosixPath

from addin.config.model import MailLimits
from addin.intake.guard.formats import WORKBOOK_KINDS, sniff
from addin.intake.mail_bounds import (
    Overrun,
    header_block,
    overrun,
    plain_message_id,
    plain_sender,
    plain_subject,
)
from addin.vietnamese import nfc
from addin.xlsx.names import safe_name

MAIL_EXTENSIONS = {".eml", ".msg"}
SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".xlsb", ".ods", ".ots"}
MAX_NESTING = 5
RETURNS, OTHER_CAMPAIGN = "returns", "other_campaign"  # outcomes of a mail (MessageRecord.outcome)
OVER_LIMIT, UNREADABLE = "over_limit", "unreadable"


class MailUnreadable(Exception):
    """The bytes are not a mail message this module can read."""


@dataclass(frozen=True)
class MailAttachment:
    name: str  # made safe by `safe_name`
    data: bytes
    is_return: bool


@dataclass(frozen=True)
class FetchedMail:
    """A message as a mailbox gives it: whole, or only the beginning of its header when it is too large."""

    raw: bytes
    arrived: datetime | None  # when the server received it
    size: int  # as stored on the server
    whole: bool
    position: tuple[int, int] | None  # (UIDVALIDITY, UID): how far the folder is read once this mail is recorded


@dataclass
class MailItem:
    message_id: str
    sender: str | None
    subject: str
    date: datetime | None  # naive local time, like every `received_at`
    attachments: list[MailAttachment] = field(default_factory=list)
    refused: str | None = None  # why the mail was not read (a bound of mail.limits it passes)
    content_hash: str = ""  # what the mail carries (see `content_hash`): with the Message-ID, it names the mail

    @property
    def returns(self) -> list[MailAttachment]:
        return [a for a in self.attachments if a.is_return]

    @property
    def not_returns(self) -> list[str]:
        return [a.name for a in self.attachments if not a.is_return]

    @property
    def outcome(self) -> str:
        if self.refused:
            return OVER_LIMIT
        if self.returns:
            return RETURNS
        return "no_spreadsheet" if self.attachments else "no_attachment"


def is_return(name: str, data: bytes) -> bool:
    """A candidate return: a spreadsheet by its bytes or by its name (the guard then says what is wrong)."""
    return sniff(data[:8192], name) in WORKBOOK_KINDS or PurePosixPath(name.lower()).suffix in SPREADSHEET_EXTENSIONS


def is_mail_file(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in MAIL_EXTENSIONS


def read_mail_file(name: str, data: bytes, limits: MailLimits | None = None) -> MailItem:
    """A saved mail (.msg by its bytes, anything else as .eml); a mail past `limits` is refused, not parsed."""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return parse_msg(data)
    limits = limits or MailLimits()
    if len(data) > limits.message_bytes:
        return refused_mail(data, too_large(len(data), limits), limits)
    passed = overrun(data, limits)
    if passed:
        return refused_mail(data, passed.reason(), limits)
    return parse_eml(data, limits)


def too_large(size: int, limits: MailLimits) -> str:
    return Overrun("message_bytes", limits.message_bytes, size).reason()


def refused_mail(raw: bytes, reason: str, limits: MailLimits) -> MailItem:
    """A mail that is not parsed: its sender, subject and Message-ID as far as plain text matching reads them.

    `raw` may be the whole mail or only its beginning (a mail too large to download): only the header block is
    read, and it alone names the mail's content, so both give the same record.
    """
    head = header_block(raw, limits.header_bytes)
    if not re.search(rb"(?im)^(from|subject|date|message-id):", head):
        raise MailUnreadable("no mail headers")
    item = MailItem(plain_message_id(head), plain_sender(head), plain_subject(head), None, [], reason)
    item.content_hash = raw_hash(head)
    return _named(item)


def unreadable_mail(raw: bytes) -> MailItem:
    """A mail nothing can be read from: named by its bytes alone."""
    item = MailItem("", None, "", None, content_hash=raw_hash(raw))
    return _named(item)


def raw_hash(raw: bytes) -> str:
    """The hash of raw mail text, the same whether it was stored with CRLF (IMAP) or LF line ends (a saved file)."""
    return hashlib.sha256(re.sub(rb"[ \t]*\r?\n", b"\n", raw).rstrip()).hexdigest()


def content_hash(attachments: list[MailAttachment]) -> str:
    """What a parsed mail carries: its attached files, whatever their order or the mail's encoding."""
    digests = sorted(hashlib.sha256(a.data).hexdigest() for a in attachments)
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def _named(item: MailItem) -> MailItem:
    """A mail without Message-ID is named by what it says and carries, so the same mail read over IMAP and from a
    saved .eml gets the same name (its raw bytes differ: line ends, headers the mail client adds)."""
    if not item.message_id:
        date = item.date.isoformat() if item.date else ""
        said = "\n".join([item.sender or "", item.subject, date, item.content_hash])
        item.message_id = f"<sha256-{hashlib.sha256(said.encode('utf-8')).hexdigest()}@baocao>"
    return item


# ------------------------------------------------------------ .eml (RFC 5322)


def parse_eml(raw: bytes, limits: MailLimits | None = None) -> MailItem:
    try:
        return _parse_eml(raw, limits or MailLimits())
    except RecursionError as error:  # past the pre-parse bounds, the parser's recursion is still caught here
        raise MailUnreadable("nested too deeply") from error


def _parse_eml(raw: bytes, limits: MailLimits) -> MailItem:
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:  # the parser is lenient; anything raised here means not a message
        raise MailUnreadable(str(error)) from error
    if not any(message.get(header) for header in ("From", "Subject", "Date", "Message-ID")):
        raise MailUnreadable("no mail headers")
    item = MailItem(
        message_id=_header(message, "Message-ID").strip(),
        sender=_address(_header(message, "From")),
        subject=_clean_subject(_header(message, "Subject")),
        date=_local(_header_date(message)),
    )
    item.attachments = _eml_attachments(message, 0, limits)
    item.content_hash = content_hash(item.attachments)
    return _named(item)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a malformed header must not lose the mail
        return ""
    return str(value) if value is not None else ""


def _header_date(message: EmailMessage) -> datetime | None:
    try:
        header = message.get("Date")
        value = getattr(header, "datetime", None)
        return value or (parsedate_to_datetime(str(header)) if header else None)
    except Exception:
        return None


def _eml_attachments(part: EmailMessage, depth: int, limits: MailLimits) -> list[MailAttachment]:
    if depth > MAX_NESTING:
        return []
    payload = part.get_payload()
    inner_parts = payload if isinstance(payload, list) else []
    if part.get_content_type() == "message/rfc822":
        inner = [a for m in inner_parts for a in _eml_attachments(m, depth + 1, limits)]
        return inner or [MailAttachment(safe_name(_part_name(part) or "thu_chuyen_tiep.eml"), b"", False)]
    if part.is_multipart():
        return [a for inner in inner_parts for a in _eml_attachments(inner, depth, limits)]
    name = _part_name(part)
    return [] if name is None else _unpack(name, _payload(part), depth, limits)


def _part_name(part: EmailMessage) -> str | None:
    """The file name of an attachment, or None for a body part."""
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name:
        return nfc(str(name))
    if part.get_content_disposition() == "attachment" or part.get_content_maintype() not in ("text", "multipart"):
        return ""
    return None


def _payload(part: EmailMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def _unpack(name: str, data: bytes, depth: int, limits: MailLimits | None = None) -> list[MailAttachment]:
    """One attached file; an attached mail (.msg / .eml, "forward as attachment") yields its attachments too."""
    safe = safe_name(name)
    if is_mail_file(safe) and depth < MAX_NESTING:
        try:
            is_msg = safe.lower().endswith(".msg")
            inner = parse_msg(data, depth + 1) if is_msg else read_mail_file(safe, data, limits)
        except MailUnreadable:
            return [MailAttachment(safe, data, False)]
        if inner.refused:
            return [MailAttachment(safe, data, False)]
        return inner.attachments
    return [MailAttachment(safe, data, is_return(safe, data))]


# ------------------------------------------------------------ .msg (Outlook)


def parse_msg(raw: bytes, depth: int = 0) -> MailItem:
    import extract_msg  # imported here: it is slow to import and only needed for Outlook files

    try:
        message = extract_msg.openMsg(raw, delayAttachments=False)
    except Exception as error:  # extract-msg raises many types for broken compound files
        raise MailUnreadable(str(error)) from error
    try:
        return _msg_item(message, depth)
    finally:
        message.close()


def _msg_item(message, depth: int) -> MailItem:
    item = MailItem(
        message_id=str(_safe_attr(message, "messageId") or "").strip(),
        sender=_address(_safe_attr(message, "sender")),
        subject=_clean_subject(_safe_attr(message, "subject")),
        date=_local(_safe_attr(message, "date") or None),
    )
    item.attachments = _msg_attachments(message, depth)
    item.content_hash = content_hash(item.attachments)
    return _named(item)


def _msg_attachments(message, depth: int) -> list[MailAttachment]:
    found: list[MailAttachment] = []
    for attachment in _safe_attr(message, "attachments") or []:
        data = _safe_attr(attachment, "data")
        if hasattr(data, "attachments"):  # an embedded Outlook message
            if depth < MAX_NESTING:
                found += _msg_attachments(data, depth + 1)
            continue
        name = _safe_attr(attachment, "longFilename") or _safe_attr(attachment, "shortFilename") or ""
        found += _unpack(str(name), data if isinstance(data, bytes) else b"", depth)
    return found


def _safe_attr(obj, name: str):
    try:
        return getattr(obj, name)
    except Exception:
        return None


# ------------------------------------------------------------ shared


def _address(value: str | None) -> str | None:
    address = parseaddr(str(value or ""))[1].strip().lower()
    return address if "@" in address else None


def _clean_subject(value: str | None) -> str:
    return " ".join(nfc(str(value or "")).split())


def _local(value) -> datetime | None:
    """A naive local time, as `received_at` is stored (file times are local too)."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value.replace(microsecond=0)


OUTCOME_TEXT = {
    "no_attachment": "không có tệp đính kèm",
    "no_spreadsheet": "tệp đính kèm không phải bảng tính",
    UNREADABLE: "không đọc được thư (tệp thư hỏng hoặc không phải thư)",
    OVER_LIMIT: "thư không được đọc vì vượt giới hạn an toàn",
    OTHER_CAMPAIGN: "không thuộc đợt này: tiêu đề mang mã của đợt báo cáo khác, không lấy tệp nào",
}


def why_no_return(outcome: str, not_returns: list[str]) -> str:
    """Why a mail brought no return, worded for staff."""
    text = OUTCOME_TEXT.get(outcome, outcome)
    if outcome == OVER_LIMIT and not_returns:  # for a mail past a bound, `not_returns` holds the bound
        return f"{text}: {not_returns[0]}. Hãy xem thư trong hộp thư và đề nghị đơn vị gửi lại thư đơn giản hơn"
    if outcome in ("no_spreadsheet", OTHER_CAMPAIGN) and not_returns:
        text += f" ({', '.join(not_returns[:5])}{'…' if len(not_returns) > 5 else ''})"
    return text
