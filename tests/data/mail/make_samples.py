"""Make the Outlook .msg samples of tests/data/mail (test-only; run by hand, outputs are committed).

    .venv/bin/python tests/data/mail/make_samples.py

extract-msg reads .msg but cannot write it, and olefile cannot create a compound file; no
installed library writes one. So this holds a minimal Compound File (CFB v3, MS-CFB) writer and
the few MAPI property streams Outlook itself writes for a message with attachments (MS-OXMSG).
The tests also use `msg_bytes` to wrap a real template into a .msg at run time.
"""

import struct
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5


# ------------------------------------------------------------ compound file


def cfb_bytes(tree: dict) -> bytes:
    """A compound file from a tree: {name: bytes (a stream) or dict (a storage)}."""
    entries = [{"name": "Root Entry", "type": ROOT, "data": b"", "children": []}]
    _add_children(entries, 0, tree)
    big, mini = bytearray(), bytearray()
    fat_chains, mini_chains = [], []
    for entry in entries[1:]:
        data = entry["data"]
        if entry["type"] != STREAM or not data:
            entry["start"] = END if entry["type"] == STREAM else 0
            continue
        if len(data) < MINI_CUTOFF:
            entry["start"] = len(mini) // MINI_SECTOR
            mini_chains.append((entry["start"], _count(len(data), MINI_SECTOR)))
            mini += _pad(data, MINI_SECTOR)
        else:
            entry["start"] = len(big) // SECTOR
            fat_chains.append((entry["start"], _count(len(data), SECTOR)))
            big += _pad(data, SECTOR)
    mini_start = len(big) // SECTOR
    if mini:
        fat_chains.append((mini_start, _count(len(mini), SECTOR)))
        big += _pad(bytes(mini), SECTOR)
    entries[0]["start"], entries[0]["size"] = (mini_start if mini else END), len(mini)
    minifat = _fat_entries(mini_chains, len(mini) // MINI_SECTOR)
    minifat_start = len(big) // SECTOR if minifat else END
    if minifat:
        fat_chains.append((len(big) // SECTOR, _count(len(minifat) * 4, SECTOR)))
        big += _pad(struct.pack(f"<{len(minifat)}I", *minifat), SECTOR, fill=b"\xff")
    directory = b"".join(_directory_entry(entries, i) for i in range(len(entries)))
    directory_start = len(big) // SECTOR
    fat_chains.append((directory_start, _count(len(directory), SECTOR)))
    big += _pad(directory, SECTOR)
    used = len(big) // SECTOR
    fat_count = 1
    while fat_count * (SECTOR // 4) < used + fat_count:
        fat_count += 1
    fat = _fat_entries(fat_chains, used) + [FATSECT] * fat_count
    fat += [FREE] * (fat_count * SECTOR // 4 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        fat_count,
        directory_start,
        0,
        MINI_CUTOFF,
        minifat_start,
        _count(len(minifat) * 4, SECTOR),
        END,
        0,
    )
    difat = list(range(used, used + fat_count)) + [FREE] * (109 - fat_count)
    header += struct.pack("<109I", *difat)
    return header + bytes(big) + struct.pack(f"<{len(fat)}I", *fat)


def _add_children(entries: list, parent: int, tree: dict) -> None:
    for name, value in tree.items():
        index = len(entries)
        kind = STORAGE if isinstance(value, dict) else STREAM
        entries.append({"name": name, "type": kind, "data": b"" if kind == STORAGE else value, "children": []})
        entries[parent]["children"].append(index)
        if kind == STORAGE:
            _add_children(entries, index, value)
    # siblings form a binary search tree in CFB order: shorter names first, then case-insensitive
    ordered = sorted(entries[parent]["children"], key=lambda i: (len(entries[i]["name"]), entries[i]["name"].upper()))
    entries[parent]["child"] = _balanced(entries, ordered)


def _balanced(entries: list, ordered: list[int]) -> int:
    if not ordered:
        return NOSTREAM
    middle = len(ordered) // 2
    node = entries[ordered[middle]]
    node["left"], node["right"] = _balanced(entries, ordered[:middle]), _balanced(entries, ordered[middle + 1 :])
    return ordered[middle]


def _directory_entry(entries: list, index: int) -> bytes:
    entry = entries[index]
    name = entry["name"].encode("utf-16-le") + b"\0\0"
    size = entry.get("size", len(entry["data"]))
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry["type"],
        1,  # black: every node black is accepted by readers for a tree this small
        entry.get("left", NOSTREAM),
        entry.get("right", NOSTREAM),
        entry.get("child", NOSTREAM),
        bytes(16),
        0,
        0,
        0,
        entry.get("start", END),
        size,
    )


def _fat_entries(chains: list[tuple[int, int]], total: int) -> list[int]:
    table = [FREE] * total
    for start, count in chains:
        for sector in range(start, start + count):
            table[sector] = sector + 1 if sector < start + count - 1 else END
    return table


def _count(size: int, unit: int) -> int:
    return -(-size // unit)


def _pad(data: bytes, unit: int, fill: bytes = b"\0") -> bytes:
    return data + fill * (-len(data) % unit)


# ------------------------------------------------------------ Outlook message (MS-OXMSG)

PT_LONG, PT_SYSTIME, PT_UNICODE, PT_BINARY = 0x0003, 0x0040, 0x001F, 0x0102


def _filetime(moment: datetime) -> int:
    return int((moment - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)


def _properties(header: bytes, fixed: dict[int, tuple[int, int]], strings: dict[int, bytes]) -> bytes:
    """The `__properties_version1.0` stream: fixed values inline, variable ones as their stream size."""
    out = bytearray(header)
    for prop_id, (prop_type, value) in sorted(fixed.items()):
        out += struct.pack("<IIQ", (prop_id << 16) | prop_type, 6, value)
    for tag, data in sorted(strings.items()):
        size = len(data) + (2 if tag & 0xFFFF == PT_UNICODE else 0)
        out += struct.pack("<IIII", tag, 6, size, 0)
    return bytes(out)


def _substg(strings: dict[int, bytes]) -> dict[str, bytes]:
    return {f"__substg1.0_{tag:08X}": data for tag, data in strings.items()}


def _text(value: str) -> bytes:
    return value.encode("utf-16-le")


def msg_bytes(
    subject: str,
    sender: str,
    sender_name: str,
    sent: datetime,
    message_id: str,
    attachments: list[tuple[str, bytes]],
    body: str = "",
) -> bytes:
    """An Outlook .msg (Unicode) with these headers and attachments (by value)."""
    strings = {
        0x001A001F: _text("IPM.Note"),
        0x0037001F: _text(subject),
        0x0E1D001F: _text(subject),
        0x0C1A001F: _text(sender_name),
        0x0C1F001F: _text(sender),
        0x0C1E001F: _text("SMTP"),
        0x5D01001F: _text(sender),
        0x0042001F: _text(sender_name),
        0x0065001F: _text(sender),
        0x1035001F: _text(message_id),
        0x1000001F: _text(body),
    }
    when = _filetime(sent)
    fixed = {0x0039: (PT_SYSTIME, when), 0x0E06: (PT_SYSTIME, when), 0x0E07: (PT_LONG, 0x10 if attachments else 0)}
    count = len(attachments)
    header = bytes(8) + struct.pack("<IIII", 0, count, 0, count) + bytes(8)
    tree: dict = {
        "__nameid_version1.0": {"__substg1.0_00020102": b"", "__substg1.0_00030102": b"", "__substg1.0_00040102": b""},
        "__properties_version1.0": _properties(header, fixed, strings),
        **_substg(strings),
    }
    for number, (name, data) in enumerate(attachments):
        extension = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        attach_strings = {
            0x37010102: data,
            0x3707001F: _text(name),
            0x3704001F: _text(name[:8] + extension),
            0x3001001F: _text(name),
            0x3703001F: _text(extension),
        }
        attach_fixed = {0x3705: (PT_LONG, 1), 0x0E21: (PT_LONG, number), 0x0E20: (PT_LONG, len(data))}
        tree[f"__attach_version1.0_#{number:08X}"] = {
            "__properties_version1.0": _properties(bytes(8), attach_fixed, attach_strings),
            **_substg(attach_strings),
        }
    return cfb_bytes(tree)


def main() -> None:
    workbook = (HERE / "bang_tinh.xlsx").read_bytes()
    sample = msg_bytes(
        subject="RE: [bdg-2019/PGD085] Báo cáo tháng hành động vì bình đẳng giới: Phòng GD&ĐT Bắc Hà",
        sender="PGD085@laocai.example",
        sender_name="Phòng GD&ĐT Bắc Hà",
        sent=datetime(2019, 12, 16, 2, 30, tzinfo=UTC),
        message_id="<outlook-pgd085-0001@laocai.example>",
        attachments=[("Báo cáo Bắc Hà.xlsx", workbook), ("chữ ký.png", b"\x89PNG\r\n\x1a\n" + bytes(40))],
        body="Kính gửi Sở GD&ĐT, đơn vị gửi báo cáo đính kèm.",
    )
    (HERE / "outlook_pgd085.msg").write_bytes(sample)


if __name__ == "__main__":
    main()
