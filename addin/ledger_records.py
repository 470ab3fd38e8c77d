"""The records the ledger (addin/ledger.py) keeps: a return, a mail, a staff decision, a check."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReturnRecord:
    sha256: str
    original_name: str
    source: str
    received_at: datetime
    size: int
    detected_format: str
    archive_path: str
    sender: str | None = None
    message_id: str | None = None
    subject: str | None = None
    claimed_at: datetime | None = None  # the mail's Date: (the sender's claim), when it came by mail

    def as_json(self) -> dict:
        return {
            "path": self.source,
            "original_name": self.original_name,
            "sha256": self.sha256,
            "size": self.size,
            "detected_format": self.detected_format,
            "received_at": self.received_at.isoformat(),
            "archive_path": self.archive_path,
            "sender": self.sender,
            "message_id": self.message_id,
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
        }


@dataclass(frozen=True)
class MessageRecord:
    """A mail seen by `collect`: what it carried and what became of it (`returns`, `no_attachment`, …).

    `date` is when the Department received it; `claimed_at` what its Date: header says.
    """

    message_id: str
    source: str
    sender: str | None
    subject: str
    date: datetime | None
    attachments: int
    returns: int
    outcome: str
    not_returns: list[str]
    first_seen: datetime | None = None
    claimed_at: datetime | None = None
    content_hash: str = ""  # with the Message-ID, names the mail (addin/intake/mail_files.py)

    def as_json(self) -> dict:
        return {
            "message_id": self.message_id,
            "content_hash": self.content_hash,
            "source": self.source,
            "sender": self.sender,
            "subject": self.subject,
            "date": self.date.isoformat() if self.date else None,
            "attachments": self.attachments,
            "returns": self.returns,
            "outcome": self.outcome,
            "not_returns": self.not_returns,
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
        }


@dataclass(frozen=True)
class Decision:
    unit_code: str
    sha256: str
    decision: str
    note: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class CheckRecord:
    sha256: str
    config_fingerprint: str
    unit_code: str | None
    status: str
    errors: int
    warnings: int
    late: bool
    identification: str
    checked_at: datetime
