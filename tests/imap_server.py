"""A real IMAP server for tests: Debian's dovecot on loopback from a throwaway config (DESIGN §8)."""

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD = "tccb", "mat-khau-thu-9271"


def dovecot_path() -> str:
    found = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("dovecot is required in CI: scripts/test.sh installs dovecot-imapd from Debian.")
    pytest.skip("dovecot is not installed here; scripts/test.sh installs dovecot-imapd for CI.")


@dataclass
class Dovecot:
    root: Path
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)


def start_dovecot(password: str = PASSWORD) -> Dovecot:
    """A dovecot whose every user has `password` (any UTF-8 text without spaces or braces)."""
    binary = dovecot_path()
    root = Path(tempfile.mkdtemp(prefix="baocao-dovecot-"))
    root.chmod(0o755)  # the mail user must reach its maildir below
    as_root = os.geteuid() == 0
    # As root dovecot drops to its own users; as anyone else every process runs as that user.
    mail_user = "dovecot" if as_root else pwd.getpwuid(os.getuid()).pw_name
    login_user = "dovenull" if as_root else mail_user
    ids = "uid=dovecot gid=dovecot" if as_root else f"uid={os.getuid()} gid={os.getgid()}"
    group = "dovecot" if as_root else grp.getgrgid(os.getgid()).gr_name
    (root / "mail").mkdir()
    if as_root:
        shutil.chown(root / "mail", "dovecot", "dovecot")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {mail_user}
default_internal_group = {group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = {ids} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""",
        encoding="utf-8",
    )
    # The daemon keeps the standard streams it is given: a file, so nothing waits for them to close.
    with (root / "start.log").open("w") as output:
        code = subprocess.run([binary, "-c", str(config)], stdout=output, stderr=output, timeout=30).returncode
    server = Dovecot(root, port)
    if code != 0:
        logs = [(root / name).read_text() for name in ("start.log", "dovecot.log") if (root / name).exists()]
        server.stop()
        raise RuntimeError(f"dovecot did not start: {''.join(logs)}")
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError("dovecot did not listen in 5 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dovecot():
    """A dovecot IMAP server on loopback for one test module (its mailbox starts empty)."""
    server = start_dovecot()
    yield server
    server.stop()
