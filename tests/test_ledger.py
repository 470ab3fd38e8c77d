"""The ledger's schema version: old ledgers are brought up to date once; a newer one is not touched.
Records made in a group share commits, and one that fails leaves the others."""

import sqlite3
from datetime import datetime

import pytest

from addin import journal
from addin.errors import BaocaoError
from addin.ledger import Ledger, ReturnRecord
from addin.ledger_schema import SCHEMA_VERSION

OLD_CHECKS = """
CREATE TABLE returns (sha256 TEXT PRIMARY KEY, original_name TEXT NOT NULL, source TEXT NOT NULL,
    received_at TEXT NOT NULL, size INTEGER NOT NULL, detected_format TEXT NOT NULL, archive_path TEXT NOT NULL,
    sender TEXT, message_id TEXT, recorded_at TEXT NOT NULL);
CREATE TABLE checks (sha256 TEXT PRIMARY KEY, config_fingerprint TEXT NOT NULL, unit_code TEXT,
    status TEXT NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, late INTEGER NOT NULL,
    identification TEXT NOT NULL, checked_at TEXT NOT NULL);
"""


def old_ledger(path):
    """A ledger as the previous release wrote it: no version, check outcomes named accepted/rejected."""
    with sqlite3.connect(path) as db:
        db.executescript(OLD_CHECKS)
        for sha, status in (("a1", "accepted"), ("b2", "has_errors"), ("c3", "rejected")):
            db.execute(
                "INSERT INTO returns VALUES (?,?,?,?,?,?,?,?,?,?)",
                (sha, f"{sha}.xlsx", "x", "2019-12-10T09:00:00", 1, "xlsx", f"luu_tru/{sha}", None, None, "2019"),
            )
            db.execute(
                "INSERT INTO checks VALUES (?,?,?,?,?,?,?,?,?)",
                (sha, "f", "PGD080", status, 0, 0, 0, "", "2019-12-10T09:00:00"),
            )
    db.close()


def test_an_old_ledger_gets_the_current_schema_and_the_new_outcome_names(tmp_path):
    path = tmp_path / "baocao.sqlite"
    old_ledger(path)
    with Ledger(path) as ledger:
        assert [check.status for _, check in ledger.checks()] == ["valid", "has_errors", "unusable"]
        assert ledger.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [record.subject for record in ledger.returns()] == [None, None, None], "a later column was added"
    with Ledger(path) as again:
        assert [check.status for _, check in again.checks()] == ["valid", "has_errors", "unusable"]


def test_a_ledger_from_a_newer_baocao_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "baocao.sqlite"
    with Ledger(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(BaocaoError, match="phiên bản baocao mới hơn"):
        Ledger(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    db.close()


def test_the_ledger_uses_a_journal_that_is_safe_on_a_shared_drive_and_leaves_wal_behind(tmp_path):
    path = tmp_path / "baocao.sqlite"
    db = sqlite3.connect(path)  # a ledger of an earlier release, in WAL mode
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] != "wal", "WAL, which is stored in the file, is gone"
    db.close()
    assert not (tmp_path / "baocao.sqlite-wal").exists()


def a_return(number: int) -> ReturnRecord:
    return ReturnRecord(
        sha256=f"{number:064x}",
        original_name=f"PGD{number:03d}.xlsx",
        source=f"2_bao_cao_nhan/PGD{number:03d}.xlsx",
        received_at=datetime(2019, 12, 10, 9, 0),
        size=1000,
        detected_format="xlsx",
        archive_path=f"luu_tru/{number:064x}.xlsx",
    )


def test_records_in_a_group_share_commits_and_reach_the_journal_once_committed(tmp_path):
    path = tmp_path / "baocao.sqlite"
    seen = []  # (returns another process sees, lines in the plain intake journal) after each record
    with Ledger(path) as ledger, ledger.grouped(records=2, seconds=3600):
        for number in range(5):
            ledger.record_return(a_return(number))
            with sqlite3.connect(path) as other:
                committed = other.execute("SELECT COUNT(*) FROM returns").fetchone()[0]
            seen.append((committed, len(journal.read_intake(tmp_path))))
    assert seen == [(0, 0), (0, 0), (2, 2), (2, 2), (4, 4)]
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT COUNT(*) FROM returns").fetchone()[0] == 5
    assert [line["original_name"] for line in journal.read_intake(tmp_path)] == [f"PGD{n:03d}.xlsx" for n in range(5)]


def test_a_record_that_fails_in_a_group_is_undone_alone(tmp_path):
    with Ledger(tmp_path / "baocao.sqlite") as ledger, ledger.grouped():
        ledger.record_return(a_return(1))
        with pytest.raises(ZeroDivisionError), ledger.transaction() as db:
            db.execute("DELETE FROM returns")
            db.execute("INSERT INTO returns SELECT * FROM returns")
            _ = 1 / 0
        ledger.record_return(a_return(2))
    with Ledger(tmp_path / "baocao.sqlite") as ledger:
        assert [record.original_name for record in ledger.returns()] == ["PGD001.xlsx", "PGD002.xlsx"]
