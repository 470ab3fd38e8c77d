"""A run killed half way (SIGKILL, as a power cut or a closed window would) loses nothing."""

import hashlib
import signal
import sqlite3
import subprocess
import sys
import time

from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.rules.checking import check_campaign
from addin.stages import init_campaign


def archive_is_intact(folder) -> int:
    files = [p for p in folder.archive.rglob("*") if p.is_file() and not p.name.startswith(".~tmp_")]
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem, path
    return len(files)


def count(folder, table) -> int:
    with sqlite3.connect(folder.ledger_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def start_and_kill(folder, command: str, table: str) -> None:
    process = subprocess.Popen([sys.executable, "-m", "addin", command, str(folder.root)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            if count(folder, table) >= 3:
                break
        except sqlite3.Error:
            continue
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_killed_collect_and_check_resume_without_loss(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    build_templates(folder)
    config = folder.load_config()
    maker = SampleMaker(config)
    samples = [maker.make(unit, ["wrong_total"] if index % 3 == 0 else []) for index, unit in enumerate(config.units)]
    write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), samples, folder.inbox)
    total = len(samples)

    start_and_kill(folder, "collect", "returns")
    recorded = count(folder, "returns")
    assert 0 < recorded <= total
    assert archive_is_intact(folder) >= recorded, "every recorded file is in the archive, byte for byte"
    assert len(collect(folder).new) == total - recorded
    assert count(folder, "returns") == total

    start_and_kill(folder, "check", "checks")
    checked = count(folder, "checks")
    assert 0 < checked < total, "the kill happened half way"
    finished = check_campaign(folder)
    assert len(finished) == total - checked
    assert count(folder, "checks") == total
    assert archive_is_intact(folder) == total
