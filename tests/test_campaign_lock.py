"""One command at a time changes a campaign: two staff sending at once never send a unit its template twice."""

import json
import os
import socket
import subprocess
import sys
from datetime import datetime

from addin.campaign_lock import LOCK_NAME
from tests.mail_campaign import make_campaign
from tests.smtp_server import PASSWORD


def start_send(root) -> subprocess.Popen:
    environment = {**os.environ, "BAOCAO_SMTP_PASSWORD": PASSWORD, "COLUMNS": "200", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "addin", "send", str(root), "--smtp", "--json"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)


def test_two_sends_at_once_deliver_each_template_once(tmp_path, server):
    folder, config = make_campaign(tmp_path / "dot", server.port)
    first, second = start_send(folder.root), start_send(folder.root)
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    recipients = [rcpt[0] for rcpt, _ in server.messages]
    assert sorted(recipients) == sorted(unit.email for unit in config.units), "every unit once, none twice"
    counts = [json.loads(out)["counts"] for out, _ in outputs]
    assert sorted((c["sent"], c["skipped"]) for c in counts) == [(0, len(config.units)), (len(config.units), 0)]
    assert not (folder.root / LOCK_NAME).exists(), "the lock is given back"


def test_a_campaign_in_use_says_who_holds_it(tmp_path, server):
    folder, _ = make_campaign(tmp_path / "dot", server.port)
    since = datetime(2026, 12, 2, 8, 15)
    holder = {"user": "nguyenvana", "host": "MAY-VAN-THU", "pid": 4242, "since": since.isoformat(), "step": "summary"}
    (folder.root / LOCK_NAME).write_text(json.dumps(holder), encoding="utf-8")
    os.utime(folder.root / LOCK_NAME)  # fresh: another machine, so its process cannot be looked at
    done = subprocess.run(
        [sys.executable, "-m", "addin", "accept", str(folder.root), "PGD080"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
    )
    assert done.returncode == 1
    message = done.stderr.replace("\n", "")
    assert "Đợt báo cáo đang được nguyenvana trên máy MAY-VAN-THU dùng («summary» từ 08:15 02/12/2026)" in message
    assert str(folder.root / LOCK_NAME) in message
    assert (
        subprocess.run([sys.executable, "-m", "addin", "status", str(folder.root)], capture_output=True).returncode == 0
    )


def test_a_lock_left_by_a_killed_process_on_this_machine_is_taken_over(tmp_path, server):
    folder, _ = make_campaign(tmp_path / "dot", server.port)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = {"user": "x", "host": socket.gethostname(), "pid": int(gone.stdout), "since": "2026-12-02T08:00:00"}
    (folder.root / LOCK_NAME).write_text(json.dumps(holder), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "addin", "collect", str(folder.root)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert not (folder.root / LOCK_NAME).exists()
