"""Waiting for a ledger another process holds: every statement retried for a while, then said plainly.

SQLite answers SQLITE_BUSY when another process holds the ledger file: another baocao (on this or another
computer, or of an older release) in the middle of writing, a reader on a network share keeping a commit
waiting, a program such as DB Browser for SQLite with a write open. Python's sqlite3 has no busy-handler
callback, so the connection gets a short SQLite timeout (`ATTEMPT_SECONDS`) and `PatientConnection` retries
each statement (opening the ledger, BEGIN IMMEDIATE, COMMIT, plain reads) until `wait_seconds()` have
passed, telling the front end how long it has waited. Then it raises `LedgerBusy`: which file, who holds it
when the campaign lock names someone else (addin/campaign_lock.py), else what to close.
"""

import os
import sqlite3
import time
from pathlib import Path

from addin import campaign_lock, progress
from addin.errors import BaocaoError

LEDGER_WAIT_SECONDS = 120.0  # how long a command waits for a ledger someone else holds
WAIT_ENVIRONMENT = "BAOCAO_LEDGER_WAIT_SECONDS"  # overrides it (a slow shared drive; tests)
ATTEMPT_SECONDS = 1.0  # SQLite's own busy timeout for one try
NOTICE_EVERY = 5.0  # seconds between two "still waiting" notices
_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class LedgerBusy(BaocaoError):
    """The ledger stayed locked by another process for the whole wait."""


def wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENVIRONMENT, LEDGER_WAIT_SECONDS)))
    except ValueError:
        return LEDGER_WAIT_SECONDS


def connect(path: Path) -> "PatientConnection":
    return PatientConnection(sqlite3.connect(path, timeout=ATTEMPT_SECONDS, isolation_level=None), path)


class PatientConnection:
    """A sqlite3 connection whose statements wait for a ledger held by another process (see the module)."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str):
        return getattr(self._connection, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._connection, name, value)

    def execute(self, sql: str, parameters=()) -> sqlite3.Cursor:
        return self._patiently(self._connection.execute, sql, parameters)

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        # Rows before a busy one stay written inside a transaction: retried only outside one.
        return self._patiently(self._connection.executemany, sql, list(rows), whole=False)

    def executescript(self, script: str) -> sqlite3.Cursor:
        return self._patiently(self._connection.executescript, script)

    def _patiently(self, run, *arguments, whole: bool = True):
        """`run(*arguments)`, tried again while SQLite says busy; `whole`: a failed try changed nothing."""
        started = time.monotonic()
        deadline, noticed = started + wait_seconds(), None
        inside = self._connection.in_transaction
        while True:
            attempt = time.monotonic()
            try:
                return run(*arguments)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                # A statement inside a transaction is retried only while SQLite kept the transaction open.
                if inside and not (whole and self._connection.in_transaction):
                    raise LedgerBusy(busy_message(self._path, time.monotonic() - started)) from error
                if time.monotonic() >= deadline:
                    raise LedgerBusy(busy_message(self._path, deadline - started)) from error
            waited = time.monotonic() - started
            if noticed is None or waited - noticed >= NOTICE_EVERY:
                noticed = waited
                progress.tell_waiting(waiting_message(self._path, waited, deadline - started))
            pause = 0.25 - (time.monotonic() - attempt)  # SQLite may say busy at once (no busy timeout applies)
            if pause > 0:
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return "locked" in str(error).lower()


def _holder_words(path: Path) -> str | None:
    holder = campaign_lock.other_holder(path.parent)
    return campaign_lock.holder_words(holder) if holder else None


def waiting_message(path: Path, waited: float, limit: float) -> str:
    who = _holder_words(path)
    held = f"đang bị {who} giữ" if who else "đang bị chương trình khác giữ"
    return f"Sổ theo dõi {held}; đang chờ… ({waited:.0f} giây, chờ tối đa {limit:.0f} giây)"


def busy_message(path: Path, waited: float) -> str:
    who = _holder_words(path)
    if who:
        return (
            f"Sổ theo dõi {path} đang bị khoá: {who} đang làm việc với đợt báo cáo này. Đã chờ {waited:.0f} giây "
            "mà sổ vẫn bị giữ. Hãy chờ bước đó xong rồi chạy lại; những gì đã ghi vào sổ trước đó không bị mất."
        )
    return (
        f"Sổ theo dõi {path} đang bị một chương trình khác giữ (có thể là baocao đang chạy trên máy khác hoặc "
        "một phiên bản baocao cũ, hay một chương trình đang mở sổ như DB Browser for SQLite). "
        f"Đã chờ {waited:.0f} giây mà sổ vẫn bị giữ. Hãy đóng chương trình đó (hoặc chờ máy kia chạy xong) rồi "
        "chạy lại; những gì đã ghi vào sổ trước đó không bị mất."
    )
