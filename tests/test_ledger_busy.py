"""A ledger held by another process: every command waits, shows that it waits, then says plainly who holds it.

The holder is a real second process with its own sqlite3 connection on the campaign's real ledger: a writer
(`BEGIN EXCLUSIVE`, as DB Browser for SQLite or a baocao of an older release holds it while writing) or a
reader keeping its shared lock (as a reader on a network share does), which keeps our COMMIT waiting. The
wait is shortened through BAOCAO_LEDGER_WAIT_SECONDS so the suite does not wait the real 120 seconds.
"""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime

import pytest

import addin.frontends.buttons as buttons
from addin import stages
from addin.campaign import open_campaign
from addin.campaign_lock import LOCK_NAME
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master
from addin.ledger_wait import LEDGER_WAIT_SECONDS, WAIT_ENVIRONMENT
from addin.outputs.control_workbook import build_control_workbook
from tests.recording_ui import RecordingUI

WAIT = 3  # seconds, instead of LEDGER_WAIT_SECONDS
RETURNS = 4

# The other process: takes the lock, says so, holds it for argv[3] seconds (or until its stdin closes).
HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "writer":
    db.execute("BEGIN EXCLUSIVE")
else:
    db.execute("BEGIN")
    db.execute("SELECT count(*) FROM returns").fetchone()  # a reader's shared lock, kept until its COMMIT
print("held", flush=True)
if len(sys.argv) > 3:
    time.sleep(float(sys.argv[3]))
else:
    sys.stdin.read()
db.execute("COMMIT")
"""


def someone_else_message(ledger) -> str:
    return (
        f"Sổ theo dõi {ledger} đang bị một chương trình khác giữ (có thể là baocao đang chạy trên máy khác hoặc "
        "một phiên bản baocao cũ, hay một chương trình đang mở sổ như DB Browser for SQLite). "
        f"Đã chờ {WAIT} giây mà sổ vẫn bị giữ. Hãy đóng chương trình đó (hoặc chờ máy kia chạy xong) rồi "
        "chạy lại; những gì đã ghi vào sổ trước đó không bị mất."
    )


WAITING = re.compile(r"Chờ: Sổ theo dõi đang bị chương trình khác giữ; đang chờ… \(\d+ giây, chờ tối đa 3 giây\)")


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A campaign whose returns are collected (recorded in the ledger) but not yet checked."""
    folder = stages.init_campaign(tmp_path_factory.mktemp("busy") / "dot")
    config = folder.load_config()
    maker = SampleMaker(config, seed=3)
    write_samples(config, build_master(config), [maker.make(unit) for unit in config.units[:RETURNS]], folder.inbox)
    stages.collect(folder)
    return folder


@pytest.fixture
def campaign(collected, tmp_path):
    root = tmp_path / "dot"
    shutil.copytree(collected.root, root)
    return root


@contextmanager
def held(ledger, kind: str, seconds: float | None = None):
    """The ledger held by another process (`writer` or `reader`), for `seconds` or until the block ends."""
    arguments = [sys.executable, "-c", HOLDER, str(ledger), kind] + ([str(seconds)] if seconds else [])
    holder = subprocess.Popen(arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.stdin.close()
        try:
            holder.wait(timeout=30)
        finally:
            if holder.poll() is None:
                holder.kill()


def baocao(*arguments: str, wait: float = WAIT) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COLUMNS": "2000", "NO_COLOR": "1", WAIT_ENVIRONMENT: str(wait)}
    command = [sys.executable, "-m", "addin", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment)


def checked(ledger) -> int:
    with sqlite3.connect(ledger) as db:  # an independent reader
        return db.execute("SELECT count(*) FROM checks").fetchone()[0]


def test_the_real_wait_is_two_minutes():
    assert LEDGER_WAIT_SECONDS == 120


@pytest.mark.parametrize("kind", ["writer", "reader"])
def test_check_on_a_held_ledger_waits_then_says_another_program_holds_it(campaign, kind):
    ledger = campaign / "baocao.sqlite"
    with held(ledger, kind):
        done = baocao("check", str(campaign))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Lỗi bất ngờ" not in done.stderr and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == f"Lỗi: {someone_else_message(ledger)}"
    assert lines[:-1] and all(WAITING.fullmatch(line) for line in lines[:-1]), lines  # the wait was shown
    assert checked(ledger) == 0, "the commit that could not be made was rolled back"
    assert not (campaign / LOCK_NAME).exists(), "the campaign lock is given back"
    again = baocao("check", str(campaign))
    assert again.returncode == 0, again.stderr
    assert f"Đã kiểm tra {RETURNS} tệp" in again.stdout and checked(ledger) == RETURNS, "nothing was lost"


@pytest.mark.parametrize("kind", ["writer", "reader"])
def test_a_ledger_released_while_waiting_lets_the_command_finish(campaign, kind):
    ledger = campaign / "baocao.sqlite"
    with held(ledger, kind) as holder:
        environment = {**os.environ, "COLUMNS": "2000", "NO_COLOR": "1", WAIT_ENVIRONMENT: "60"}
        command = [sys.executable, "-m", "addin", "check", str(campaign)]
        running = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
        first = running.stderr.readline()  # the command says it waits; then the holder lets go
        holder.stdin.close()
        out, err = running.communicate(timeout=120)
    assert running.returncode == 0, out + err
    assert re.fullmatch(
        r"Chờ: Sổ theo dõi đang bị chương trình khác giữ; đang chờ… \(\d giây, chờ tối đa 60 giây\)\n", first
    )
    assert f"Đã kiểm tra {RETURNS} tệp; 0 tệp có lỗi" in out and "Lỗi" not in err
    assert checked(ledger) == RETURNS


def test_a_held_ledger_names_who_holds_the_campaign_lock(campaign):
    ledger = campaign / "baocao.sqlite"
    since = datetime(2026, 12, 2, 8, 15)
    holder = {"user": "nguyenvana", "host": "MAY-VAN-THU", "pid": 4242, "since": since.isoformat(), "step": "summary"}
    (campaign / LOCK_NAME).write_text(json.dumps(holder), encoding="utf-8")  # as campaign_lock writes it
    os.utime(campaign / LOCK_NAME)  # fresh, and of another machine: not stale
    with held(ledger, "writer"):
        done = baocao("status", str(campaign))  # read-only: takes no campaign lock, meets the ledger's
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Lỗi bất ngờ" not in done.stderr and "Traceback" not in done.stderr
    who = "nguyenvana trên máy MAY-VAN-THU («summary» từ 08:15 02/12/2026)"
    assert done.stderr.splitlines()[-1] == (
        f"Lỗi: Sổ theo dõi {ledger} đang bị khoá: {who} đang làm việc với đợt báo cáo này. Đã chờ {WAIT} giây "
        "mà sổ vẫn bị giữ. Hãy chờ bước đó xong rồi chạy lại; những gì đã ghi vào sổ trước đó không bị mất."
    )
    assert f"Chờ: Sổ theo dõi đang bị {who} giữ; đang chờ… (" in done.stderr


def test_a_stale_campaign_lock_is_not_named(campaign):
    ledger = campaign / "baocao.sqlite"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = {"user": "x", "host": socket.gethostname(), "pid": int(gone.stdout), "since": "2026-12-02T08:00:00"}
    (campaign / LOCK_NAME).write_text(json.dumps(holder), encoding="utf-8")
    with held(ledger, "writer"):
        done = baocao("status", str(campaign))
    assert done.returncode == 1 and done.stderr.splitlines()[-1] == f"Lỗi: {someone_else_message(ledger)}"


def test_the_check_button_shows_the_wait_on_the_status_bar_then_the_message(campaign, monkeypatch):
    monkeypatch.setenv(WAIT_ENVIRONMENT, str(WAIT))
    folder = open_campaign(campaign)
    ui = RecordingUI(build_control_workbook(folder).path)
    with held(folder.ledger_path, "writer"):
        buttons.check_returns(ui)
    ((message, title, critical),) = ui.alerts
    assert (message, title, critical) == (someone_else_message(folder.ledger_path), "baocao: Kiểm tra", True)
    waits = [status for status in ui.statuses if status and status.startswith("Sổ theo dõi")]
    assert waits and all(re.fullmatch(WAITING.pattern.removeprefix("Chờ: "), status) for status in waits)
    assert ui.statuses[-1] is None and ui.log[-1][2] == f"Lỗi: {message}"
