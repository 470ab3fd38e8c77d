"""Outgoing mail: templates, reminders and feedback to units (.eml outbox or SMTP).

Messages are composed with the stdlib's MIME classes and `email.header.Header` (the compat32 API),
not `EmailMessage` with `policy.SMTP`: on Python 3.11-3.13 (seen on 3.11.7, 3.12.1, 3.13.0) the newer
header folder splits long Vietnamese subjects and display names into encoded words that decode with
spaces lost or added ("Bảo ThắngPhòng", "thành ph ố"). `Header` cuts between whole characters and keeps
the spaces inside the encoded words, which every client joins back exactly. All headers are then plain
ASCII and the text quoted-printable, so a server needs neither 8BITMIME nor SMTPUTF8.
"""

import base64
import hashlib
import os
import re
import smtplib
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email import charset as email_charset
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig, SmtpServer, UnitEntry
from addin.errors import BaocaoError
from addin.issue.unit_copies import unit_file_name
from addin.ledger import Ledger, SendRecord, already_sent, record_send
from addin.outputs.findings_workbook import can_mark_up, write_feedback_copies
from addin.progress import NullReporter, Reporter
from addin.standing import CampaignStanding, State, UnitStanding, campaign_standing
from addin.subject_tag import subject_tag
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.meta import read_layout_meta

SEND, REMIND, FEEDBACK = "send", "remind", "feedback"
KIND_LABELS = {SEND: "gửi biểu mẫu", REMIND: "nhắc nộp", FEEDBACK: "báo lỗi cần sửa"}
OUTBOX, SMTP = "outbox", "smtp"
SENT, SKIPPED, FAILED, WOULD_SEND = "sent", "skipped", "failed", "would_send"
OUTBOX_DIRS = {SEND: "thu_gui", REMIND: "thu_nhac", FEEDBACK: "thu_nhac"}  # under 1_bieu_mau_gui/
PROBLEMS_FILE = "can_sua.txt"
PROBLEMS_IN_BODY = 30
KEYRING_SERVICE = "baocao-smtp"
SMTP_TIMEOUT = 30
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "plain": 25}
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_ENCODED_WORD_MAX = 75
_QP_UTF8 = email_charset.Charset("utf-8")
_QP_UTF8.body_encoding = email_charset.QP
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


# ---------------------------------------------------------------- what is sent


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: tuple[str, str] = XLSX


@dataclass
class Outgoing:
    """One message planned for one unit; `attachments` are made only when it is really sent."""

    unit: UnitEntry
    kind: str
    subject: str
    body: str
    attachment_names: list[str]
    content_key: str
    attachments: Callable[[], list[Attachment]]


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


def shown_time(iso: str) -> str:
    """'2019-12-10T08:05:00' as staff read it: '08:05 10/12/2019'."""
    return f"{datetime.fromisoformat(iso):%H:%M %d/%m/%Y}"


def fill(text: str, values: dict[str, str], where: str) -> str:
    try:
        return unicodedata.normalize("NFC", text.format(**values))
    except (KeyError, IndexError, ValueError) as error:
        raise BaocaoError(f"Không điền được mẫu thư {where} trong config.yaml ({error}). Hãy sửa mục đó.") from error


def mail_values(config: CampaignConfig, unit: UnitEntry, file_name: str, problems: str = "") -> dict[str, str]:
    return {
        "unit_name": unit.name,
        "unit_short": unit.short,
        "unit_code": unit.code,
        "campaign_name": config.campaign.name,
        "dispatch_number": config.campaign.dispatch.number,
        "deadline": f"{config.campaign.deadline:%d/%m/%Y}",
        "issuer_name": config.issuer.short_name,
        "issuer_email": config.issuer.email,
        "tag": subject_tag(config.campaign.id, unit.code),
        "file_name": file_name,
        "problems": problems,
    }


def attachment_name(unit: UnitEntry, suffix: str = "") -> str:
    """The Vietnamese file name units see: 'PGD082_Phòng GD&ĐT Bát Xát.xlsx' (the code first, as replies keep it)."""
    short = _NOT_IN_FILE_NAMES.sub(" ", unit.short).strip(" .")
    return f"{unit.code}_{short}{suffix}.xlsx"


def plan_message(
    config: CampaignConfig,
    unit: UnitEntry,
    kind: str,
    key_parts: list[bytes],
    names: list[str],
    attachments: Callable[[], list[Attachment]],
    problems: str = "",
) -> Outgoing:
    """The message of `kind` for `unit`, its texts filled; `key_parts` identify what it carries."""
    texts = getattr(config.mail, kind)
    values = mail_values(config, unit, names[0], problems)
    digest = hashlib.sha256(kind.encode())
    for part in key_parts:
        digest.update(b"\0" + part)
    return Outgoing(
        unit=unit,
        kind=kind,
        subject=" ".join(fill(texts.subject, values, f"mail.{kind}.subject").split()),
        body=fill(texts.body, values, f"mail.{kind}.body"),
        attachment_names=names,
        content_key=digest.hexdigest(),
        attachments=attachments,
    )


# ---------------------------------------------------------------- composing


def sender_of(config: CampaignConfig) -> tuple[str, str]:
    return config.mail.sender_name or config.issuer.short_name, config.mail.sender or config.issuer.email


def compose(config: CampaignConfig, outgoing: Outgoing, attachments: list[Attachment], draft: bool) -> MIMEMultipart:
    """The message as MIME; `draft` adds X-Unsent so Outlook opens the .eml ready to send."""
    name, address = sender_of(config)
    message = MIMEMultipart()
    message["From"] = _address(name, address)
    message["To"] = _address(outgoing.unit.short, outgoing.unit.email)
    if config.issuer.email.lower() != address.lower():
        message["Reply-To"] = config.issuer.email
    subject = outgoing.subject
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2])
    message["Content-Language"] = "vi"
    if draft:
        message["X-Unsent"] = "1"
    message.attach(MIMEText(outgoing.body, "plain", _QP_UTF8))
    for attachment in attachments:
        message.attach(_attachment_part(attachment))
    return message


def _attachment_part(attachment: Attachment) -> MIMEBase:
    part = MIMEBase(*attachment.mime)
    if attachment.mime[0] == "text":
        part.set_param("charset", "utf-8")
    part.set_payload(attachment.data)
    encoders.encode_base64(part)
    if attachment.name.isascii():
        part.set_param("name", attachment.name)
        part.add_header("Content-Disposition", "attachment", filename=attachment.name)
    else:
        # RFC 2231 in Content-Disposition is the standard; the RFC 2047 `name=` is what old Outlook reads.
        part.set_param("name", " ".join(_encoded_words(attachment.name)))
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", attachment.name))
    return part


def _address(name: str, address: str) -> str:
    if name.isascii():
        return formataddr((name, address))
    return f"{_phrase(name)} <{address}>"


def _phrase(text: str) -> str:
    """A display name with plain ASCII words left as they are and each run of other words encoded."""
    parts: list[str] = []
    run: list[str] = []
    for word in text.split():
        if _ATOM.fullmatch(word):
            parts.extend(_encoded_words(" ".join(run)) if run else [])
            parts.append(word)
            run = []
        else:
            run.append(word)
    parts.extend(_encoded_words(" ".join(run)) if run else [])
    return " ".join(parts)


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 words of at most 75 characters, cut between words with the space kept inside.

    Decoders drop the white space between two encoded words, so the space travels inside the first
    one. (CPython 3.11-3.13 address parsing shows it doubled; mail clients do not.)
    """
    chunks = [""]
    for word in text.split(" "):
        candidate = f"{chunks[-1]} {word}" if chunks[-1] else word
        if chunks[-1] and len(_encoded(candidate + " ")) > _ENCODED_WORD_MAX:
            chunks[-1] += " "
            chunks.append(word)
        else:
            chunks[-1] = candidate
    return [_encoded(chunk) for chunk in chunks]


def _encoded(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def as_bytes(message: MIMEMultipart) -> bytes:
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


# ---------------------------------------------------------------- channels


class UnitFailure(Exception):
    """This unit's message was refused; the batch goes on. `args[0]` is the Vietnamese reason."""


class BatchStopped(Exception):
    """Nothing more can be sent now (server down, login refused); `args[0]` says what to do."""


class Channel(Protocol):
    name: str

    def open(self) -> None: ...

    def deliver(self, outgoing: Outgoing, message: bytes) -> str | None: ...

    def close(self) -> None: ...


class OutboxChannel:
    """Writes `<code>.eml` files staff open in their mail program and send from there."""

    name = OUTBOX

    def __init__(self, folder: Path):
        self.folder = folder

    def open(self) -> None:
        pass

    def deliver(self, outgoing: Outgoing, message: bytes) -> str | None:
        target = self.folder / f"{outgoing.unit.code}.eml"
        write_bytes_atomically(target, message)
        return str(target)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str
    password_env: str


def smtp_settings(config: CampaignConfig, server: str | None = None) -> SmtpSettings:
    """The SMTP server of the config; `server` ('HOST:PORT', from the command line) overrides host and port."""
    smtp: SmtpServer = config.mail.smtp
    host, port = smtp.host, smtp.port or DEFAULT_PORTS[smtp.security]
    if server:
        match = re.fullmatch(r"\s*(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\s*", server)
        if not match or not 0 < int(match.group(2)) < 65_536:
            raise BaocaoError(
                f"«{server}» không phải địa chỉ máy chủ thư dạng MÁY_CHỦ:CỔNG (ví dụ smtp.gmail.com:587). "
                "Hãy gõ lại tùy chọn --server."
            )
        host, port = match.group(1).strip("[]"), int(match.group(2))
    if not host:
        raise BaocaoError(
            "Chưa khai máy chủ gửi thư: hãy ghi mail.smtp.host (và port, security, user) trong config.yaml, "
            "hoặc dùng --server MÁY_CHỦ:CỔNG; hoặc gửi bằng tệp .eml (--outbox)."
        )
    return SmtpSettings(host, port, smtp.security, smtp.user, smtp.password_env)


def smtp_password(settings: SmtpSettings) -> str:
    """From the environment variable named in config, else the OS keyring; never from config or a file."""
    value = os.environ.get(settings.password_env)
    if value:
        return value
    stored = _keyring_password(settings.user)
    if stored:
        return stored
    env = settings.password_env
    raise BaocaoError(
        f"Chưa có mật khẩu thư của {settings.user} (máy chủ {settings.host}). Hãy đặt biến môi trường {env}: "
        f"trên Windows gõ  setx {env} \"mật_khẩu\"  rồi mở cửa sổ lệnh mới; trên Linux  export {env}='mật_khẩu'. "
        f"Hoặc lưu vào kho mật khẩu của máy: keyring set {KEYRING_SERVICE} {settings.user}. "
        "Không ghi mật khẩu vào config.yaml."
    )


def _keyring_password(user: str) -> str | None:
    try:
        import keyring
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # no usable backend (e.g. headless Linux): the environment variable is the way then
        return None


class SmtpChannel:
    """Sends through an SMTP server, connecting on the first message and logging in when `user` is set."""

    name = SMTP

    def __init__(self, settings: SmtpSettings, sender: str, timeout: float = SMTP_TIMEOUT):
        self.settings, self.sender, self.timeout = settings, sender, timeout
        self.connection: smtplib.SMTP | None = None

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        if self.connection is None:
            self.connection = self._connect()

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        password = smtp_password(settings) if settings.user else None
        try:
            if settings.security == "ssl":
                context = ssl.create_default_context()
                connection = smtplib.SMTP_SSL(settings.host, settings.port, timeout=self.timeout, context=context)
            else:
                connection = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
            try:
                connection.ehlo()
                if settings.security == "starttls":
                    connection.starttls(context=ssl.create_default_context())
                    connection.ehlo()
                if password is not None:
                    _login(connection, settings.user, password)
            except BaseException:
                connection.close()
                raise
        except smtplib.SMTPAuthenticationError as error:
            raise BatchStopped(
                f"Máy chủ thư {self._where()} không nhận đăng nhập của {settings.user} ({_reply(error)}). "
                f"Hãy kiểm tra tên đăng nhập (mail.smtp.user) và mật khẩu trong biến {settings.password_env} "
                "(Gmail, Outlook.com cần «mật khẩu ứng dụng»), rồi chạy lại."
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise BatchStopped(
                f"Máy chủ thư {self._where()} không hỗ trợ {_unsupported(error)}. Hãy kiểm tra mail.smtp.security "
                "(ssl cho cổng 465, starttls cho cổng 587) trong config.yaml."
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise BatchStopped(self._down(error)) from None
        return connection

    def _down(self, error: BaseException) -> str:
        return (
            f"Không kết nối được máy chủ thư {self._where()} ({_reason(error)}). Hãy kiểm tra mạng, tên máy chủ, "
            "cổng và mail.smtp.security (hoặc --server), rồi chạy lại: đơn vị nào đã gửi được thì đã ghi vào sổ, "
            "lần sau chỉ gửi tiếp các đơn vị còn lại."
        )

    def deliver(self, outgoing: Outgoing, message: bytes) -> str | None:
        self.open()
        recipient = outgoing.unit.email
        try:
            self.connection.sendmail(self.sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = error.recipients.get(recipient, (0, b""))
            if 400 <= code < 500:
                raise UnitFailure(
                    f"máy chủ thư tạm chưa nhận thư cho {recipient} ({code} {_text(text)}). Hãy chạy lại sau ít phút."
                ) from None
            raise UnitFailure(
                f"máy chủ thư từ chối địa chỉ {recipient} ({code} {_text(text)}). "
                "Hãy kiểm tra địa chỉ thư của đơn vị trong config.yaml rồi chạy lại."
            ) from None
        except smtplib.SMTPSenderRefused as error:
            raise BatchStopped(
                f"Máy chủ thư {self._where()} không cho gửi từ địa chỉ {self.sender} ({_reply(error)}). "
                "Hãy kiểm tra mail.sender trong config.yaml (phải là địa chỉ của tài khoản đăng nhập)."
            ) from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:
                self.close()
                raise BatchStopped(
                    f"Máy chủ thư {self._where()} tạm ngừng nhận thư ({_reply(error)}), thường vì gửi quá nhanh. "
                    "Hãy tăng mail.pause_seconds (hoặc --pause) rồi chạy lại sau ít phút: chỉ gửi các đơn vị còn lại."
                ) from None
            raise UnitFailure(f"máy chủ thư không nhận thư ({_reply(error)}). Hãy chạy lại sau.") from None
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            self.close()
            raise BatchStopped(self._down(error)) from None
        return None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    if (user + password).isascii():
        connection.login(user, password)
        return
    # smtplib sends credentials as ASCII only; AUTH PLAIN (RFC 4616) carries UTF-8, so do it by hand.
    if "PLAIN" not in connection.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN")
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, reply = connection.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reply(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}".strip()


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error)
    if isinstance(error, ConnectionRefusedError):
        return "máy chủ không trả lời ở cổng này"
    if isinstance(error, socket.gaierror):
        return "không tìm thấy tên máy chủ"
    if isinstance(error, TimeoutError | socket.timeout):
        return "quá thời gian chờ"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"chứng chỉ của máy chủ không đáng tin: {error.verify_message}; kiểm tra lại tên máy chủ"
    if isinstance(error, ssl.SSLError):
        return f"lỗi kết nối bảo mật: {error.reason or error}"
    return f"{type(error).__name__}: {error}"


def _unsupported(error: smtplib.SMTPNotSupportedError) -> str:
    text = str(error)
    return "STARTTLS" if "STARTTLS" in text.upper() else "đăng nhập (AUTH) trên kết nối này"


# ---------------------------------------------------------------- stages


def send_templates(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    *,
    channel: str = OUTBOX,
    only: list[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
    pause: float | None = None,
    server: str | None = None,
    reporter: Reporter | None = None,
) -> SendReport:
    """Each chosen unit gets its own template with the `mail.send` text."""
    config = config or folder.load_config()
    units = choose_units(folder, config, only)
    plans = [_template_plan(folder, config, unit, SEND) for unit in _with_templates(folder, config, units)]
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
    server: str | None = None,
    reporter: Reporter | None = None,
) -> SendReport:
    """Units not heard from get `mail.remind` with their template; units whose latest return has errors get
    `mail.feedback` with the annotated workbook and the list of what to fix."""
    config = config or folder.load_config()
    wanted = {unit.code for unit in choose_units(folder, config, only)}
    with Ledger(folder.ledger_path) as ledger:
        unchecked = ledger.returns_to_check(config.check_fingerprint)
    if unchecked:
        raise BaocaoError(
            f"Có {len(unchecked)} tệp đã nhận nhưng chưa kiểm tra. Hãy chạy «baocao check» trước, "
            "để không nhắc nhầm đơn vị đã nộp."
        )
    standing = campaign_standing(folder, config)
    silent = [s.unit for s in standing.in_state(State.MISSING) if s.unit.code in wanted]
    plans = [_template_plan(folder, config, unit, REMIND) for unit in _with_templates(folder, config, silent)]
    plans += [_feedback_plan(folder, config, s) for s in standing.units if needs_feedback(s) and s.unit.code in wanted]
    order = {unit.code: index for index, unit in enumerate(config.units)}
    plans.sort(key=lambda plan: order[plan.unit.code])
    return deliver_all(folder, config, plans, channel, dry_run, force, pause, server, reporter)


def choose_units(folder: CampaignFolder, config: CampaignConfig, only: list[str] | None) -> list[UnitEntry]:
    if not only:
        return list(config.units)
    wanted = {code.strip().upper() for code in only}
    unknown = sorted(wanted - {unit.code for unit in config.units})
    if unknown:
        raise BaocaoError(
            f"Không có đơn vị mã {', '.join(unknown)} trong {folder.config_path}. "
            "Hãy kiểm tra lại mã (xem mục unit_groups)."
        )
    return [unit for unit in config.units if unit.code in wanted]


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


def _template_plan(folder: CampaignFolder, config: CampaignConfig, unit: UnitEntry, kind: str) -> Outgoing:
    path = folder.outgoing / unit_file_name(unit)
    data = path.read_bytes()
    name = attachment_name(unit)
    # A reminder is the same file again; the day in its key lets a later day's reminder go out.
    key = [data] if kind == SEND else [data, date.today().isoformat().encode()]
    return plan_message(config, unit, kind, key, [name], lambda: [Attachment(name, data)])


def needs_feedback(unit: UnitStanding) -> bool:
    """The unit's newest return has errors or cannot be used, and staff did not accept it as it is."""
    latest = unit.latest
    if latest is None or unit.state in (State.UNCHECKED, State.ACCEPTED_BY_STAFF):
        return False
    return latest.check.status in (State.HAS_ERRORS, State.UNUSABLE)


def problems_text(unit_status: UnitStanding) -> str:
    """What to fix, numbered, one line each: where (sheet, cell) and what."""
    lines = []
    errors = [finding for finding in unit_status.latest.findings if finding.is_error]
    for number, finding in enumerate(errors, start=1):
        sheet = f"Trang «{finding.sheet}»" if finding.sheet else ""
        where = ", ".join(part for part in (sheet, f"ô {finding.cell}" if finding.cell else "") if part)
        said = not where or f"«{finding.sheet}»" in finding.message  # most messages already say where
        lines.append(f"{number}. {finding.message}" if said else f"{number}. {where}: {finding.message}")
    return "\n".join(lines)


def _feedback_plan(folder: CampaignFolder, config: CampaignConfig, unit_status: UnitStanding) -> Outgoing:
    unit, latest = unit_status.unit, unit_status.latest
    problems = problems_text(unit_status)
    annotated = unit_status.latest.check.status == State.HAS_ERRORS and can_mark_up(unit_status)
    workbook_name = attachment_name(unit, "_cần sửa")
    listing = (
        f"{unit.name}\r\nTệp «{latest.record.original_name}» nhận ngày {latest.record.received_at:%d/%m/%Y} "
        f"cần sửa:\r\n\r\n{problems.replace(chr(10), chr(13) + chr(10))}\r\n\r\n"
        "Sửa xong, hãy gửi lại tệp Excel bằng cách trả lời thư này (giữ nguyên tiêu đề).\r\n"
    )

    # A file that could not be used at all gets a fresh template to fill in again instead.
    fresh_template = folder.outgoing / unit_file_name(unit)
    first_name = workbook_name if annotated else attachment_name(unit)

    def attachments() -> list[Attachment]:
        made = [Attachment(PROBLEMS_FILE, listing.encode("utf-8-sig"), ("text", "plain"))]
        if annotated:
            paths = write_feedback_copies(folder, CampaignStanding([unit_status], [], [], []))
            made.insert(0, Attachment(workbook_name, paths[0].read_bytes()))
        elif fresh_template.exists():
            made.insert(0, Attachment(first_name, fresh_template.read_bytes()))
        return made

    names = [first_name, PROBLEMS_FILE] if annotated or fresh_template.exists() else [PROBLEMS_FILE]
    key = [latest.record.sha256.encode(), problems.encode("utf-8")]
    shown = "\n".join(problems.splitlines()[:PROBLEMS_IN_BODY])
    if len(problems.splitlines()) > PROBLEMS_IN_BODY:
        shown += f"\n… và {len(problems.splitlines()) - PROBLEMS_IN_BODY} lỗi khác: xem tệp {PROBLEMS_FILE} đính kèm."
    return plan_message(config, unit, FEEDBACK, key, names, attachments, problems=shown)


def deliver_all(
    folder: CampaignFolder,
    config: CampaignConfig,
    plans: list[Outgoing],
    channel: str,
    dry_run: bool,
    force: bool,
    pause: float | None,
    server: str | None,
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
                result.attachments = plan.attachment_names
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
    server: str | None,
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
    message = compose(config, plan, plan.attachments(), draft=transport.name == OUTBOX)
    result.message_id = message["Message-ID"]
    try:
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
