"""One command at a time changes a campaign: a lock file in its folder, safe on a Windows network share.

The lock is `baocao.lock`, created with O_CREAT|O_EXCL (atomic on local disks and on SMB shares alike) and
holding who took it, on which machine, when and for which step, so a second staff member is told plainly
who is working. A lock whose process is gone (same machine) or that is older than `STALE_AFTER` is stale
and taken over. Read-only steps (status, verify) take no lock. The lock is re-entrant within a process
(`summary` runs `check` first).
"""

import getpass
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from addin.errors import BaocaoError

LOCK_NAME = "baocao.lock"
WAIT_SECONDS = 20.0  # a short step by someone else (an accept, a collect) is waited for
STALE_AFTER = timedelta(hours=12)
_held: dict[Path, int] = {}


@contextmanager
def campaign_lock(root: Path, step: str) -> Iterator[None]:
    """Hold the campaign's lock while `step` changes it; wait a little for another holder, then say who it is."""
    root = root.resolve()
    if _held.get(root):
        _held[root] += 1
        try:
            yield
        finally:
            _held[root] -= 1
        return
    path = root / LOCK_NAME
    _acquire(path, step)
    _held[root] = 1
    try:
        yield
    finally:
        del _held[root]
        path.unlink(missing_ok=True)


def _acquire(path: Path, step: str) -> None:
    owner = {
        "user": _user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": datetime.now().isoformat(timespec="seconds"),
        "step": step,
    }
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _holder(path)
            if _stale(path, holder):
                path.unlink(missing_ok=True)
                continue
            if time.monotonic() >= deadline:
                raise BaocaoError(_busy_message(path, holder)) from None
            time.sleep(0.25)
            continue
        except OSError as error:
            raise BaocaoError(
                f"Không tạo được tệp khoá {path} ({error.strerror}): thư mục đợt báo cáo phải cho phép ghi."
            ) from error
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(owner, stream, ensure_ascii=False)
        return


def _holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # being written this very moment, or damaged: judged by its age


def _stale(path: Path, holder: dict) -> bool:
    try:
        age = datetime.now() - datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return False  # gone already: the next try takes it
    if age > STALE_AFTER:
        return True
    same_machine = holder.get("host") == socket.gethostname()
    return same_machine and isinstance(holder.get("pid"), int) and not _alive(holder["pid"])


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def other_holder(root: Path) -> dict | None:
    """Who holds the campaign's lock, when it is held and not by this very process (nor stale); else None."""
    path = root.resolve() / LOCK_NAME
    if not path.exists():
        return None
    holder = _holder(path)
    if _stale(path, holder) or _held.get(root.resolve()):
        return None  # nobody, or this process itself (its own step meets the ledger held by someone else)
    return holder


def holder_words(holder: dict) -> str:
    """«nguyenvana trên máy MAY-VAN-THU («summary» từ 08:15 02/12/2026)»: who holds the lock, for staff."""
    return f"{_who(holder)} ({_what(holder)})"


def _who(holder: dict) -> str:
    where = f" trên máy {holder['host']}" if holder.get("host") else ""
    return f"{holder.get('user') or 'một người khác'}{where}"


def _what(holder: dict) -> str:
    what = f"«{holder['step']}»" if holder.get("step") else "một bước"
    since = holder.get("since")
    try:
        return f"{what} từ {datetime.fromisoformat(since):%H:%M %d/%m/%Y}" if since else what
    except (TypeError, ValueError):  # a damaged lock file: say what it holds
        return f"{what} từ {since}"


def _busy_message(path: Path, holder: dict) -> str:
    return (
        f"Đợt báo cáo đang được {_who(holder)} dùng ({_what(holder)}). Hãy chờ bước đó xong rồi chạy lại. "
        f"Nếu chắc chắn không còn ai chạy (máy đó đã tắt), xoá tệp {path} rồi chạy lại."
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account)
        return "không rõ"
