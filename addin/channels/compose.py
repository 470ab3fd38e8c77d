"""Building one message: its texts from the config templates, RFC 2047 headers, attachments, Message-ID.

Messages are composed with the stdlib's MIME classes and `email.header.Header` (the compat32 API),
not `EmailMessage` with `policy.SMTP`: on Python 3.11-3.13 (seen on 3.11.7, 3.12.1, 3.13.0) the newer
header folder splits long Vietnamese subjects and display names into encoded words that decode with
spaces lost or added ("Bảo ThắngPhòng", "thành ph ố"). `Header` cuts between whole characters and keeps
the spaces inside the encoded words, which every client joins back exactly. All headers are then plain
ASCII and the text quoted-printable, so a server needs neither 8BITMIME nor SMTPUTF8.
"""

import base64
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email import charset as email_charset
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid

from addin.config import CampaignConfig, UnitEntry
from addin.errors import BaocaoError
from addin.subject_tag import subject_tag
from addin.xlsx.names import readable_file_stem

SEND, REMIND, FEEDBACK = "send", "remind", "feedback"
AS_SOON_AS_POSSIBLE = "sớm nhất có thể"
KIND_LABELS = {SEND: "gửi biểu mẫu", REMIND: "nhắc nộp", FEEDBACK: "báo lỗi cần sửa"}
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_ENCODED_WORD_MAX = 75
_QP_UTF8 = email_charset.Charset("utf-8")
_QP_UTF8.body_encoding = email_charset.QP


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
    marked_copy: bool = False  # it carries the unit's marked-up workbook («… _cần sửa.xlsx»)


def fill(text: str, values: dict[str, str], where: str) -> str:
    try:
        return unicodedata.normalize("NFC", text.format(**values))
    except (KeyError, IndexError, ValueError) as error:
        raise BaocaoError(f"Không điền được mẫu thư {where} trong config.yaml ({error}). Hãy sửa mục đó.") from error


def submit_by(config: CampaignConfig, today: date) -> str:
    """When a mail composed on `today` asks the unit to send: a date not yet past, or as soon as possible.

    The campaign's deadline while it lasts, then `mail.resubmit_by` while that lasts. The words fit
    after «gửi lại …»: «… trước ngày 20/12/2019» or «… sớm nhất có thể».
    """
    deadline, resubmit_by = config.campaign.deadline, config.mail.resubmit_by
    if today <= deadline:
        return f"trước ngày {deadline:%d/%m/%Y}"
    if resubmit_by is not None and today <= resubmit_by:
        return f"trước ngày {resubmit_by:%d/%m/%Y}"
    return AS_SOON_AS_POSSIBLE


def resubmit_words(config: CampaignConfig, today: date | None = None) -> str:
    """`submit_by` for a mail composed on `today` (default: today): the words the correction mail and the
    marked-up copy's «Cần sửa» heading both print after «gửi lại»."""
    return submit_by(config, today or date.today())


def mail_values(
    config: CampaignConfig, unit: UnitEntry, file_name: str, problems: str = "", today: date | None = None
) -> dict[str, str]:
    """The placeholders of the mail texts; `today` is the day the mail is composed (default: today)."""
    return {
        "unit_name": unit.name,
        "unit_short": unit.short,
        "unit_code": unit.code,
        "campaign_name": config.campaign.name,
        "dispatch_number": config.campaign.dispatch.number,
        "deadline": f"{config.campaign.deadline:%d/%m/%Y}",
        "submit_by": resubmit_words(config, today),
        "issuer_name": config.issuer.short_name,
        "issuer_email": config.issuer.email,
        "tag": subject_tag(config.campaign.id, unit.code),
        "file_name": file_name,
        "problems": problems,
    }


def attachment_name(unit: UnitEntry, suffix: str = "") -> str:
    """The Vietnamese file name units see: 'PGD082_Phòng GD&ĐT Bát Xát.xlsx' (the code first, as replies keep it)."""
    return f"{unit.code}_{readable_file_stem(unit.short)}{suffix}.xlsx"


def plan_message(
    config: CampaignConfig,
    unit: UnitEntry,
    kind: str,
    key_parts: list[bytes],
    names: list[str],
    attachments: Callable[[], list[Attachment]],
    problems: str = "",
    today: date | None = None,
) -> Outgoing:
    """The message of `kind` for `unit`, its texts filled as on `today`; `key_parts` identify what it carries."""
    texts = getattr(config.mail, kind)
    values = mail_values(config, unit, names[0], problems, today)
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
