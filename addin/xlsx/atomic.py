"""Writing a file so that nobody ever sees half of it: through a temporary file beside it, then a rename.

On Windows a file open in Excel cannot be replaced or renamed (PermissionError); that is reported in
Vietnamese, and the old file stays whole.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from addin.errors import BaocaoError
from addin.unwritable import unwritable_reason

TEMPORARY_PREFIX = ".~tmp_"


def is_temporary(path: Path) -> bool:
    """A temporary file of ours (left behind only if the process was killed mid-write)."""
    return path.name.startswith(TEMPORARY_PREFIX)


@contextmanager
def temporary_beside(folder: Path, suffix: str = "") -> Iterator[Path]:
    """A fresh temporary path in `folder`; whatever is still there on the way out is removed.

    A full disk or a folder that cannot be written is reported in Vietnamese, naming the folder."""
    temporary = folder / f"{TEMPORARY_PREFIX}{secrets.token_hex(6)}{suffix}"
    with reported_if_unwritable(folder):
        folder.mkdir(parents=True, exist_ok=True)
        try:
            yield temporary
        finally:
            temporary.unlink(missing_ok=True)


@contextmanager
def reported_if_unwritable(folder: Path) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        reason = unwritable_reason(error)
        if reason is None:
            raise
        raise BaocaoError(
            f"Không ghi được vào thư mục {folder}: {reason}. Hãy giải phóng chỗ trống hoặc cho phép ghi vào thư mục "
            "đó rồi chạy lại; dữ liệu đã nhận không bị mất."
        ) from error


@contextmanager
def reported_if_in_use(path: Path) -> Iterator[None]:
    """Turn a PermissionError (on Windows: `path` is open in Excel) into a message staff can act on."""
    try:
        yield
    except PermissionError as error:
        raise BaocaoError(
            f"Không ghi được tệp {path}: tệp đang mở trong Excel hoặc thư mục không cho ghi. Hãy đóng tệp rồi chạy lại."
        ) from error


def replace_file(source: Path, target: Path, in_use: Path | None = None) -> None:
    """Rename `source` to `target`, replacing it; a file in use (`in_use`, else `target`) is reported."""
    with reported_if_in_use(in_use or target):
        os.replace(source, target)


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    with temporary_beside(path.parent, path.suffix) as temporary, reported_if_in_use(path):
        temporary.write_bytes(data)
        os.replace(temporary, path)
