"""A run killed half way (SIGKILL, as a power cut or a closed window would) loses nothing.

The child run kills itself, with its pool workers, right after a known number of files
(`tests/killed_run.py`), so the kill always lands half way, on any machine.
"""

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.integrity import archive_files
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.stages import init_campaign
from tests.killed_run import MARKER

REPOSITORY = Path(__file__).resolve().parent.parent


def archive_is_intact(folder) -> int:
    files = archive_files(folder)  # unfinished copies (.~tmp_…) and the intake journal left out
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem, path
    return len(files)


def count(folder, table) -> int:
    with sqlite3.connect(folder.ledger_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def findings_without_a_check(folder) -> int:
    with sqlite3.connect(folder.ledger_path) as db:
        return db.execute("SELECT COUNT(*) FROM findings WHERE sha256 NOT IN (SELECT sha256 FROM checks)").fetchone()[0]


def run_and_kill(folder, step: str, files: int, parallel_from: int = 0) -> int:
    """Run `step` in a child that kills itself after `files` files; the number of pool workers it had."""
    command = [sys.executable, "-m", "tests.killed_run", step, str(folder.root), str(files), str(parallel_from)]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=REPOSITORY, start_new_session=True
    )
    assert completed.returncode == -9, completed.stderr
    return int((folder.root / MARKER).read_text().split()[0])


@pytest.mark.parametrize("parallel_from", [10_000, 1], ids=["one_process", "process_pool"])
def test_killed_collect_and_check_resume_without_loss(tmp_path, parallel_from):
    folder = init_campaign(tmp_path / "dot")
    build_templates(folder)
    config = folder.load_config()
    maker = SampleMaker(config)
    samples = [maker.make(unit, ["wrong_total"] if index % 3 == 0 else []) for index, unit in enumerate(config.units)]
    write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), samples, folder.inbox)
    total = len(samples)
    half = total // 2

    # Records share commits (Ledger.grouped): the kill loses those since the last one, never more.
    run_and_kill(folder, "collect", half)
    recorded = count(folder, "returns")
    assert recorded <= half, "the kill happened half way"
    assert archive_is_intact(folder) >= recorded, "every recorded file is in the archive, byte for byte"
    assert len(collect(folder).new) == total - recorded
    assert count(folder, "returns") == count(folder, "sightings") == total

    workers = run_and_kill(folder, "check", half, parallel_from)
    assert (workers > 0) == (parallel_from == 1), "the run was cut on the path under test"
    checked = count(folder, "checks")
    assert checked <= half, "the kill happened half way"
    assert findings_without_a_check(folder) == 0
    finished = check_campaign(folder)
    assert len(finished) == total - checked
    assert count(folder, "checks") == total
    assert findings_without_a_check(folder) == 0
    assert archive_is_intact(folder) == total


def test_pool_workers_end_when_their_check_is_killed(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    build_templates(folder)
    config = folder.load_config()
    samples = [SampleMaker(config).make(unit) for unit in config.units[:20]]
    write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), samples, folder.inbox)
    collect(folder)
    command = [sys.executable, "-m", "tests.killed_run", "check-parent", str(folder.root), "5", "1"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPOSITORY)
    assert completed.returncode == -9, completed.stderr
    count_alive, *workers = map(int, (folder.root / MARKER).read_text().split())
    assert count_alive == len(workers) > 0, "the pool was running when its parent was killed"
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and not _zombie(pid)], "no worker lingers"


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True
