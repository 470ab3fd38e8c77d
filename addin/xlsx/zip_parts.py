"""An .xlsx as the zip of XML parts it is: read its parts, write them back, edit some on the way.

Every member is deflated and carries the same fixed timestamp, so the same parts give the same bytes
(builds are reproducible and a re-sent template is byte-identical).
"""

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def read_parts(package: bytes) -> dict[str, bytes]:
    """Part name → bytes, in the package's own order."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_parts(parts: Iterable[tuple[str, bytes]]) -> bytes:
    """A package of these (name, bytes) parts, in this order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts:
            entry = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()


def rewrite_parts(package: bytes, edits: Mapping[str, Callable[[str], str]]) -> bytes:
    """A copy of `package` where each part whose name fully matches a pattern is passed (as text) through its edit."""

    def edited(name: str, data: bytes) -> bytes:
        for pattern, edit in edits.items():
            if re.fullmatch(pattern, name):
                data = edit(data.decode("utf-8")).encode("utf-8")
        return data

    return write_parts((name, edited(name, data)) for name, data in read_parts(package).items())


def unpacked_bytes(path: Path) -> int:
    """How large a workbook is unpacked (every part: sheets, shared strings, comments, images), from the zip
    directory alone; 0 when it cannot be read (the mark-up then says why)."""
    try:
        with zipfile.ZipFile(path) as package:
            return sum(info.file_size for info in package.infolist())
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return 0
