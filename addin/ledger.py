"""The SQLite ledger of a campaign: every returned file, every check, every finding.

This module is the only writer of `baocao.sqlite`. Writes are short transactions with a rollback
journal (safe on a shared drive, unlike WAL), so a run killed half way leaves the ledger as it was
after its last commit (one per file, or per group of files inside `Ledger.grouped`).
"""

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, replace
from datetime import datetime
from pathlib import Path

from addin import journal, ledger_wait
from addin.errors import BaocaoError
from addin.findings import Finding
from addin.ledger_records import CheckRecord, Decision, MessageRecord, ReturnRecord
from addin.ledger_schema import migrate

# Findings of a check that could not read the archive copy (addin/integrity.py): retried once the copy is whole.
ARCHIVE_CHANGED, ARCHIVE_MISSING = "ARCHIVE_CHANGED", "ARCHIVE_MISSING"
ARCHIVE_CODES = f"('{ARCHIVE_CHANGED}', '{ARCHIVE_MISSING}')"


class _Group:
    """Records sharing one commit (`Ledger.grouped`), and the journal lines to write once it is made."""

    def __init__(self, records: int, seconds: float):
        self.limit, self.seconds = records, seconds
        self.journal: list[tuple[str, object, dict]] = []
        self.restart()

    def restart(self) -> None:
        self.records, self.started = 0, time.monotonic()
        self.journal.clear()

    def due(self) -> bool:
        return self.records >= self.limit or (self.records and time.monotonic() - self.started >= self.seconds)


class Ledger:
    """The ledger of the campaign folder `path.parent`; every record is also appended to the plain files
    of addin/journal.py. `rebuilding` lets `baocao rebuild` create a new ledger beside a non-empty archive."""

    def __init__(self, path: Path, rebuilding: bool = False):
        self.path = path
        if not rebuilding and not path.exists():
            journal.refuse_if_lost(path)
        try:
            # Every statement waits (up to ledger_wait.wait_seconds()) for a ledger another process holds.
            self.connection = ledger_wait.connect(path)
            self.connection.row_factory = sqlite3.Row
            # A rollback journal, not WAL: SQLite documents WAL as unsafe on network file systems, and a campaign
            # folder may sit on a shared drive. A ledger of an earlier release (WAL) is switched back here.
            self.connection.execute("PRAGMA journal_mode=DELETE")
            self.connection.execute("PRAGMA synchronous=FULL")
            migrate(self.connection, path)
        except BaocaoError:
            self.connection.close()
            raise
        except sqlite3.DatabaseError as error:
            if _unwritable_reason(error):
                raise _unwritable(path, error) from error
            raise BaocaoError(
                f"Không mở được sổ theo dõi {path} ({error}). Tệp có thể đang được chương trình khác dùng "
                "hoặc đã hỏng; hãy đóng chương trình đó rồi chạy lại. Nếu vẫn lỗi, chạy «baocao verify»."
            ) from error
        self.root = path.parent
        self._group: _Group | None = None
        _write_missing_plain_copies(self)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One record, atomic: its own commit, or inside `grouped` a savepoint in the group's commit."""
        with self._reported_if_unwritable():
            if self._group is not None:
                with self._in_group() as db:
                    yield db
                return
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
                self.connection.execute("COMMIT")  # waits, like BEGIN, for readers another process holds
            except BaseException:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                raise

    @contextmanager
    def grouped(self, records: int = 200, seconds: float = 1.0) -> Iterator[None]:
        """Records made inside share commits: one per `records` records or `seconds`, and one at the end.

        A synchronous commit (two fsyncs) costs more than recording a return or a check, so a batch of a
        thousand files spent most of its time committing. A run that stops midway loses only the records
        since the last commit, and the next run makes them again: the files are still in the inbox and the
        archive, the returns still unchecked, the mailbox position not yet moved past them."""
        self._group = _Group(records, seconds)
        try:
            yield
        finally:
            try:
                self._commit_group()
            finally:
                self._group = None

    @contextmanager
    def _in_group(self) -> Iterator[sqlite3.Connection]:
        db, group = self.connection, self._group
        if group.due():
            self._commit_group()
        if not db.in_transaction:
            db.execute("BEGIN IMMEDIATE")
        db.execute("SAVEPOINT one_record")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK TO one_record")
            db.execute("RELEASE one_record")
            raise
        db.execute("RELEASE one_record")
        group.records += 1

    def _commit_group(self) -> None:
        """Commit the open group, then append its records' lines to the plain journal."""
        group = self._group
        if self.connection.in_transaction:
            self.connection.execute("COMMIT")
        if group.journal:
            journal.append_intake(self.root, group.journal)
        group.restart()

    def append_journal(self, lines: list[tuple[str, object, dict]]) -> None:
        """Copy records to the plain intake journal: now, or inside `grouped` once they are committed."""
        if self._group is not None:
            self._group.journal.extend(lines)
        else:
            journal.append_intake(self.root, lines)

    @contextmanager
    def _reported_if_unwritable(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as error:
            if not _unwritable_reason(error):
                raise
            raise _unwritable(self.path, error) from error

    # ------------------------------------------------------------ returns

    def record_return(self, record: ReturnRecord) -> bool:
        """Record a return; False when the same bytes were already recorded (only the sighting is added)."""
        now = datetime.now().replace(microsecond=0)
        with self.transaction() as db:
            inserted, sighted = _store_return(db, record, now)
        if inserted or sighted:
            self.append_journal([(journal.RETURN, record, {"recorded_at": now})])
        return inserted

    def restore_return(self, record: ReturnRecord, recorded_at: datetime) -> None:
        """Put back a return from the intake journal (`baocao rebuild`); the journal already has it."""
        with self.transaction() as db:
            _store_return(db, record, recorded_at)

    def returns(self) -> list[ReturnRecord]:
        """Oldest first: by received time, then in the order they were recorded (rowid), so "latest" is the last."""
        rows = self.connection.execute("SELECT * FROM returns ORDER BY received_at, rowid").fetchall()
        return [_return_from(row) for row in rows]

    # ------------------------------------------------------------ mail

    def has_message(self, message_id: str, content_hash: str) -> bool:
        """Whether this mail is recorded: the same Message-ID carrying the same content (or recorded before
        contents were hashed)."""
        row = self.connection.execute(
            "SELECT 1 FROM messages WHERE message_id = ? AND content_hash IN (?, '')", (message_id, content_hash)
        ).fetchone()
        return row is not None

    def record_message(self, message: MessageRecord) -> bool:
        """Record a mail once (after its attachments are archived); False when already known."""
        message = replace(message, first_seen=datetime.now().replace(microsecond=0))
        with self.transaction() as db:
            inserted = _store_message(db, message)
        if inserted:
            self.append_journal([(journal.MESSAGE, message, {})])
        return inserted

    def restore_message(self, message: MessageRecord) -> None:
        with self.transaction() as db:
            _store_message(db, message)

    def messages(self, without_returns: bool = False) -> list[MessageRecord]:
        where = "WHERE outcome != 'returns' " if without_returns else ""
        rows = self.connection.execute(f"SELECT * FROM messages {where}ORDER BY date, first_seen").fetchall()
        return [
            MessageRecord(
                **{key: row[key] for key in ("message_id", "source", "sender", "subject", "attachments", "returns")},
                outcome=row["outcome"],
                date=datetime.fromisoformat(row["date"]) if row["date"] else None,
                not_returns=json.loads(row["not_returns"]),
                first_seen=datetime.fromisoformat(row["first_seen"]),
                claimed_at=_time_or_none(row["claimed_at"]),
                content_hash=row["content_hash"],
            )
            for row in rows
        ]

    def mailbox_position(self, source: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, last UID read) of a mailbox folder, or None when it was never read."""
        row = self.connection.execute(
            "SELECT uidvalidity, last_uid FROM mailbox_positions WHERE source = ?", (source,)
        ).fetchone()
        return (row["uidvalidity"], row["last_uid"]) if row else None

    def save_mailbox_position(self, source: str, uidvalidity: int, last_uid: int) -> None:
        """Remember how far a mailbox folder is read. Not journaled: after a rebuild the folder is read again, and
        the mails already recorded are recognised."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO mailbox_positions VALUES (?,?,?)", (source, uidvalidity, last_uid))

    # ------------------------------------------------------------ checks

    def returns_to_check(self, config_fingerprint: str) -> list[ReturnRecord]:
        """Returns not checked with this config, and those whose archive copy was bad but is whole again."""
        rows = self.connection.execute(
            "SELECT r.* FROM returns r LEFT JOIN checks c ON c.sha256 = r.sha256 "
            "WHERE c.sha256 IS NULL OR c.config_fingerprint != ? OR r.sha256 IN "
            f"(SELECT sha256 FROM findings WHERE code IN {ARCHIVE_CODES}) ORDER BY r.received_at, r.rowid",
            (config_fingerprint,),
        ).fetchall()
        waiting = [_return_from(row) for row in rows]
        flagged = {
            row[0] for row in self.connection.execute(f"SELECT sha256 FROM findings WHERE code IN {ARCHIVE_CODES}")
        }
        return [record for record in waiting if record.sha256 not in flagged or self._archive_whole(record)]

    def _archive_flagged(self) -> set[str]:
        return {row[0] for row in self.connection.execute(f"SELECT sha256 FROM findings WHERE code IN {ARCHIVE_CODES}")}

    def _archive_whole(self, record: ReturnRecord) -> bool:
        try:
            return journal.file_sha256(self.root / record.archive_path) == record.sha256
        except OSError:
            return False

    def record_check(self, check: CheckRecord, findings: list[Finding], data: dict | None = None) -> None:
        """Store a check's outcome, its findings and the typed values it read (for merging later)."""
        with self.transaction() as db:
            db.execute("DELETE FROM findings WHERE sha256 = ?", (check.sha256,))
            db.execute(
                "INSERT OR REPLACE INTO checks VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    check.sha256,
                    check.config_fingerprint,
                    check.unit_code,
                    check.status,
                    check.errors,
                    check.warnings,
                    int(check.late),
                    check.identification,
                    check.checked_at.isoformat(timespec="seconds"),
                    json.dumps(data, ensure_ascii=False, default=str) if data is not None else None,
                ),
            )
            db.executemany(
                "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (check.sha256, seq, f.severity, f.code, f.message, f.sheet, f.cell, f.field, f.row)
                    for seq, f in enumerate(findings)
                ],
            )

    def checks(self) -> list[tuple[ReturnRecord, CheckRecord]]:
        rows = self.connection.execute(
            "SELECT r.*, c.config_fingerprint, c.unit_code, c.status, c.errors, c.warnings, c.late, "
            "c.identification, c.checked_at FROM returns r JOIN checks c ON c.sha256 = r.sha256 "
            "ORDER BY r.received_at, r.rowid"
        ).fetchall()
        return [(_return_from(row), _check_from(row)) for row in rows]

    def check_data(self, sha256: str) -> dict | None:
        row = self.connection.execute("SELECT data FROM checks WHERE sha256 = ?", (sha256,)).fetchone()
        return json.loads(row["data"]) if row and row["data"] else None

    def record_decision(self, decision: Decision) -> None:
        with self.transaction() as db:
            _store_decision(db, decision)
        journal.append_decisions(self.root, [decision])

    def restore_decision(self, decision: Decision) -> None:
        with self.transaction() as db:
            _store_decision(db, decision)

    def decision_rows(self) -> list[Decision]:
        """Every staff decision in the order made (not only the latest per return)."""
        rows = self.connection.execute("SELECT * FROM decisions ORDER BY id").fetchall()
        return [_decision_from(row) for row in rows]

    def decisions(self) -> dict[str, Decision]:
        """The latest staff decision on each return, by its sha256."""
        return {decision.sha256: decision for decision in self.decision_rows()}

    def findings(self, sha256: str) -> list[Finding]:
        rows = self.connection.execute(
            "SELECT severity, code, message, sheet, cell, field, row FROM findings WHERE sha256 = ? ORDER BY seq",
            (sha256,),
        ).fetchall()
        return [Finding(**dict(row)) for row in rows]

    def all_findings(self) -> dict[str, list[Finding]]:
        """Every return's findings in one query, by its sha256 (a query per return is slow at scale)."""
        found: dict[str, list[Finding]] = {}
        rows = self.connection.execute(
            "SELECT sha256, severity, code, message, sheet, cell, field, row FROM findings ORDER BY sha256, seq"
        )
        for row in rows:
            found.setdefault(row["sha256"], []).append(Finding(*tuple(row)[1:]))
        return found


def _write_missing_plain_copies(ledger: "Ledger") -> None:
    """A ledger from before the plain copies existed (or whose copies were deleted) writes them once, whole."""
    db = ledger.connection
    if not journal.intake_journal(ledger.root).exists() and db.execute("SELECT 1 FROM returns LIMIT 1").fetchone():
        rows = db.execute("SELECT * FROM returns ORDER BY recorded_at, rowid").fetchall()
        lines = [(journal.RETURN, _return_from(row), {"recorded_at": row["recorded_at"]}) for row in rows]
        lines += [(journal.MESSAGE, message, {}) for message in ledger.messages()]
        lines += [(journal.SEND, send, {}) for send in send_rows(ledger)]
        journal.append_intake(ledger.root, lines)
    if not journal.decisions_file(ledger.root).exists():
        journal.append_decisions(ledger.root, ledger.decision_rows())


def _store_return(db: sqlite3.Connection, record: ReturnRecord, recorded_at: datetime) -> tuple[bool, bool]:
    """(the return is new, the sighting is new)."""
    when = recorded_at.isoformat(timespec="seconds")
    inserted = db.execute(
        "INSERT OR IGNORE INTO returns (sha256, original_name, source, received_at, size, detected_format, "
        "archive_path, sender, message_id, recorded_at, subject, claimed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            record.sha256,
            record.original_name,
            record.source,
            record.received_at.isoformat(timespec="seconds"),
            record.size,
            record.detected_format,
            record.archive_path,
            record.sender,
            record.message_id,
            when,
            record.subject,
            _iso(record.claimed_at),
        ),
    ).rowcount
    sighted = db.execute(
        "INSERT OR IGNORE INTO sightings VALUES (?,?,?,?)", (record.sha256, record.source, record.original_name, when)
    ).rowcount
    return bool(inserted), bool(sighted)


def _store_message(db: sqlite3.Connection, message: MessageRecord) -> bool:
    return bool(
        db.execute(
            "INSERT OR IGNORE INTO messages (message_id, source, sender, subject, date, attachments, returns, "
            "outcome, not_returns, first_seen, claimed_at, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                message.message_id,
                message.source,
                message.sender,
                message.subject,
                message.date.isoformat(timespec="seconds") if message.date else None,
                message.attachments,
                message.returns,
                message.outcome,
                json.dumps(message.not_returns, ensure_ascii=False),
                message.first_seen.isoformat(timespec="seconds"),
                _iso(message.claimed_at),
                message.content_hash,
            ),
        ).rowcount
    )


def _store_decision(db: sqlite3.Connection, decision: Decision) -> None:
    db.execute(
        "INSERT INTO decisions (unit_code, sha256, decision, note, decided_by, decided_at) VALUES (?,?,?,?,?,?)",
        (
            decision.unit_code,
            decision.sha256,
            decision.decision,
            decision.note,
            decision.decided_by,
            decision.decided_at.isoformat(timespec="seconds"),
        ),
    )


def _decision_from(row: sqlite3.Row) -> Decision:
    values = {key: row[key] for key in ("unit_code", "sha256", "decision", "note", "decided_by")}
    return Decision(**values, decided_at=datetime.fromisoformat(row["decided_at"]))


def _unwritable_reason(error: sqlite3.DatabaseError) -> str | None:
    """SQLite's words for a full disk or a folder it may not write, in words for staff; None for anything else."""
    text = str(error).lower()
    if "full" in text or "disk i/o" in text:
        return "ổ đĩa đã đầy hoặc không ghi được"
    if "readonly" in text or "read-only" in text:
        return "thư mục hoặc tệp sổ chỉ cho đọc, không cho ghi"
    return None


def _unwritable(path: Path, error: sqlite3.DatabaseError) -> BaocaoError:
    return BaocaoError(
        f"Không ghi được vào sổ theo dõi {path} ({_unwritable_reason(error)}). Hãy giải phóng chỗ trống hoặc cho "
        f"phép ghi vào thư mục {path.parent} rồi chạy lại; những gì đã ghi trước đó không bị mất."
    )


def _return_from(row: sqlite3.Row) -> ReturnRecord:
    return ReturnRecord(
        sha256=row["sha256"],
        original_name=row["original_name"],
        source=row["source"],
        received_at=datetime.fromisoformat(row["received_at"]),
        size=row["size"],
        detected_format=row["detected_format"],
        archive_path=row["archive_path"],
        sender=row["sender"],
        message_id=row["message_id"],
        subject=row["subject"],
        claimed_at=_time_or_none(row["claimed_at"]),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _time_or_none(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _check_from(row: sqlite3.Row) -> CheckRecord:
    return CheckRecord(
        sha256=row["sha256"],
        config_fingerprint=row["config_fingerprint"],
        unit_code=row["unit_code"],
        status=row["status"],
        errors=row["errors"],
        warnings=row["warnings"],
        late=bool(row["late"]),
        identification=row["identification"],
        checked_at=datetime.fromisoformat(row["checked_at"]),
    )


# ---------------------------------------------------------------- outgoing mail (addin/channels/sending.py)


@dataclass(frozen=True)
class SendRecord:
    unit_code: str
    kind: str
    channel: str
    content_key: str
    message_id: str | None
    recipient: str
    sent_at: datetime
    result: str
    error: str | None = None


def record_send(ledger: Ledger, record: SendRecord) -> None:
    with ledger.transaction() as db:
        _store_send(db, record)
    ledger.append_journal([(journal.SEND, record, {})])


def restore_send(ledger: Ledger, record: SendRecord) -> None:
    with ledger.transaction() as db:
        _store_send(db, record)


def _store_send(db: sqlite3.Connection, record: SendRecord) -> None:
    db.execute(
        "INSERT INTO sends (unit_code, kind, channel, content_key, message_id, recipient, sent_at, result, error) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (*astuple(record)[:6], record.sent_at.isoformat(timespec="seconds"), record.result, record.error),
    )


def send_rows(ledger: Ledger) -> list[SendRecord]:
    return [_send_from(row) for row in ledger.connection.execute("SELECT * FROM sends ORDER BY id")]


def already_sent(ledger: Ledger, unit_code: str, kind: str, content_key: str, channel: str) -> SendRecord | None:
    """The first successful send of this very content to this unit by this channel, if any."""
    row = ledger.connection.execute(
        "SELECT * FROM sends WHERE unit_code = ? AND kind = ? AND content_key = ? AND channel = ? AND result = 'sent' "
        "ORDER BY id LIMIT 1",
        (unit_code, kind, content_key, channel),
    ).fetchone()
    return _send_from(row) if row else None


def _send_from(row: sqlite3.Row) -> SendRecord:
    values = dict(row)
    del values["id"]
    return SendRecord(**{**values, "sent_at": datetime.fromisoformat(row["sent_at"])})
