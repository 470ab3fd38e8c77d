"""Office files built byte by byte for tests: a zip repacked member by member, a minimal OLE compound file."""

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

END, FREE, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid compound file (v3, 512-byte sectors); streams padded to 4 KiB stay out of the mini stream."""
    streams = {name: data.ljust(4096, b"\x00") for name, data in streams.items()}
    dir_sectors = -(-(1 + len(streams)) // 4)
    fat = [0xFFFFFFFD] + [i + 2 if i < dir_sectors - 1 else END for i in range(dir_sectors)]
    body, starts = b"", {}
    for name, data in streams.items():
        count = -(-len(data) // 512)
        starts[name] = len(fat)
        fat += [len(fat) + j + 1 if j < count - 1 else END for j in range(count)]
        body += data.ljust(count * 512, b"\x00")
    assert len(fat) <= 128

    def entry(name: str, kind: int, start: int, size: int, right: int = NOSTREAM, child: int = NOSTREAM) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        links = struct.pack("<HBBIII", len(raw), kind, 1, NOSTREAM, right, child)
        return raw.ljust(64, b"\x00") + links + bytes(36) + struct.pack("<IQ", start, size)

    names = list(streams)
    directory = entry("Root Entry", 5, END, 0, child=1 if names else NOSTREAM)
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else NOSTREAM
        directory += entry(name, 2, starts[name], len(streams[name]), right=right)
    header = (
        OLE_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + b"\xff" * (4 * 108)
    )
    fat_sector = b"".join(struct.pack("<I", value) for value in fat).ljust(512, b"\xff")
    return header + fat_sector + directory.ljust(dir_sectors * 512, b"\x00") + body


def repack(
    source: Path,
    target: Path,
    edit: Callable[[str, bytes], bytes | None] = lambda name, data: data,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Copy a zip member by member through `edit` (None drops the member), then add `extra` members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = edit(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target
