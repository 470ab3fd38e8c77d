"""The ledger's tables, and the migrations that bring a ledger of an earlier release up to date."""

import sqlite3
from pathlib import Path

from addin.errors import BaocaoError

SCHEMA = """
CREATE TABLE IF NOT EXISTS returns (
    sha256 TEXT PRIMARY KEY,
    original_name TEXT NOT NULL,
    source TEXT NOT NULL,
    received_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    detected_format TEXT NOT NULL,
    archive_path TEXT NOT NULL,
    sender TEXT,
    message_id TEXT,
    recorded_at TEXT NOT NULL,
    subject TEXT
);
CREATE TABLE IF NOT EXISTS sightings (
    sha256 TEXT NOT NULL REFERENCES returns(sha256),
    source TEXT NOT NULL,
    original_name TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (sha256, source)
);
CREATE TABLE IF NOT EXISTS checks (
    sha256 TEXT PRIMARY KEY REFERENCES returns(sha256),
    config_fingerprint TEXT NOT NULL,
    unit_code TEXT,
    status TEXT NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    late INTEGER NOT NULL,
    identification TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    data TEXT
);
CREATE TABLE IF NOT EXISTS findings (
    sha256 TEXT NOT NULL REFERENCES returns(sha256),
    seq INTEGER NOT NULL,
    severity TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    sheet TEXT,
    cell TEXT,
    field TEXT,
    row INTEGER,
    PRIMARY KEY (sha256, seq)
);
CREATE INDEX IF NOT EXISTS checks_by_unit ON checks(unit_code);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES returns(sha256),
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'confirm')),
    note TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    sender TEXT,
    subject TEXT NOT NULL,
    date TEXT,
    attachments INTEGER NOT NULL,
    returns INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    not_returns TEXT NOT NULL,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mailbox_positions (
    source TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('send', 'remind', 'feedback')),
    channel TEXT NOT NULL CHECK (channel IN ('outbox', 'smtp')),
    content_key TEXT NOT NULL,
    message_id TEXT,
    recipient TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('sent', 'failed')),
    error TEXT
);
CREATE INDEX IF NOT EXISTS sends_by_content ON sends(unit_code, kind, content_key, channel);
"""


def _add_columns_of_later_releases(connection: sqlite3.Connection) -> None:
    if "data" not in {row["name"] for row in connection.execute("PRAGMA table_info(checks)")}:
        connection.execute("ALTER TABLE checks ADD COLUMN data TEXT")
    if "subject" not in {row["name"] for row in connection.execute("PRAGMA table_info(returns)")}:
        connection.execute("ALTER TABLE returns ADD COLUMN subject TEXT")


def _rename_check_outcomes(connection: sqlite3.Connection) -> None:
    """Check outcomes take the names of the one standing (addin/standing.py)."""
    connection.execute("UPDATE checks SET status = 'valid' WHERE status = 'accepted'")
    connection.execute("UPDATE checks SET status = 'unusable' WHERE status = 'rejected'")


def _add_claimed_dates(connection: sqlite3.Connection) -> None:
    """A mail's Date: is kept beside the time the Department received it (received_at), as the sender's claim."""
    for table in ("returns", "messages"):
        if "claimed_at" not in {row["name"] for row in connection.execute(f"PRAGMA table_info({table})")}:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN claimed_at TEXT")


def _allow_confirm_decisions(connection: sqlite3.Connection) -> None:
    """Staff may confirm a return's unit: the decisions table of older ledgers only allowed accept/reject."""
    sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'decisions'").fetchone()[0]
    if "'confirm'" in sql:
        return
    connection.execute("ALTER TABLE decisions RENAME TO decisions_before_confirm")
    connection.execute(
        sql.replace("'reject')", "'reject', 'confirm')").replace("decisions_before_confirm", "decisions")
    )
    connection.execute("INSERT INTO decisions SELECT * FROM decisions_before_confirm")
    connection.execute("DROP TABLE decisions_before_confirm")


def _name_mails_by_content_too(connection: sqlite3.Connection) -> None:
    """A mail is named by its Message-ID and what it carries: two mails may share a Message-ID.

    Mails recorded before keep an empty `content_hash`, which `Ledger.has_message` takes as "any content".
    """
    sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    if "content_hash" in sql:
        return
    connection.execute("ALTER TABLE messages RENAME TO messages_before_content_hash")
    columns = [row["name"] for row in connection.execute("PRAGMA table_info(messages_before_content_hash)")]
    table = sql.replace("message_id TEXT PRIMARY KEY,", "message_id TEXT NOT NULL,")
    table = table.replace("messages_before_content_hash", "messages").rstrip().removesuffix(")")
    key = ",\n    content_hash TEXT NOT NULL DEFAULT '',\n    PRIMARY KEY (message_id, content_hash)\n)"
    connection.execute(table + key)
    listed = ", ".join(columns)
    connection.execute(f"INSERT INTO messages ({listed}) SELECT {listed} FROM messages_before_content_hash")
    connection.execute("DROP TABLE messages_before_content_hash")


# Migration N brings a ledger from schema version N-1 to N; the version is kept in `PRAGMA user_version`.
MIGRATIONS = (
    _add_columns_of_later_releases,
    _rename_check_outcomes,
    _allow_confirm_decisions,
    _add_claimed_dates,
    _name_mails_by_content_too,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Create what is missing and run the migrations this ledger has not had; never touch a newer ledger."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise BaocaoError(
            f"Sổ theo dõi {path} được ghi bởi một phiên bản baocao mới hơn phiên bản đang cài. "
            "Hãy cập nhật baocao rồi chạy lại (không sửa sổ bằng tay)."
        )
    connection.executescript(SCHEMA)
    for number in range(version + 1, SCHEMA_VERSION + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[number - 1](connection)
            connection.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
