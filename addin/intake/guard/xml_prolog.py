"""The prolog of an XML member: what stands before its root element, where a DTD would hide."""

from __future__ import annotations

import re

PROLOG_MAX = 4096  # no office suite writes a prolog (declaration, comments, instructions) this long


def as_utf8(head: bytes) -> bytes:
    """`head` re-encoded as UTF-8 when it is UTF-16 (with or without BOM), else as is."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", "replace").encode("utf-8")
    if head[:1] == b"\x00" or head[1:2] == b"\x00":
        encoding = "utf-16-be" if head[:1] == b"\x00" else "utf-16-le"
        return head[: len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
    return head


def root_start(head: bytes) -> int | None:
    """Index of the root element's "<" in UTF-8 `head`, -1 if a DOCTYPE/ENTITY comes first, None if not yet seen."""
    pos = 0
    while True:
        start = head.find(b"<", pos)
        if start < 0:
            return None
        if head.startswith(b"<?", start):
            end = head.find(b"?>", start)
            if end < 0:
                return None
            pos = end + 2
        elif head.startswith(b"<!--", start):
            end = head.find(b"-->", start)
            if end < 0:
                return None
            pos = end + 3
        elif head.startswith(b"<!", start):
            return -1
        else:
            return start


_ROOT_NAME = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)(?=[\s/>])")


def read_prolog(head: bytes) -> tuple[str | None, bytes]:
    """('dtd', b"") if a DOCTYPE/ENTITY stands before the root element, ('ok', root local name) once the
    root's name is complete, (None, b"") while more bytes are needed."""
    head = as_utf8(head)
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        return "dtd", b""
    start = root_start(head)
    if start is None:
        return None, b""
    if start < 0:
        return "dtd", b""
    name = _ROOT_NAME.match(head, start)
    return ("ok", name.group(2)) if name else (None, b"")
