"""Bounds a raw mail must keep before it reaches the email parser (config `mail.limits`).

CPython's parser recurses on nested comments and multiparts (RecursionError past a few hundred levels) and
is quadratic on long headers of encoded words, so a few hundred hostile bytes can stop `collect` and a few
hundred kilobytes cost gigabytes. One linear pass over the lines measures every header block, the nesting of
comments in header fields and of multiparts, the number of parts and the size of each, and names the first
bound passed. Sender, subject and Message-ID of such a mail are read by plain text matching only.
"""

import contextlib
import re
from dataclasses import dataclass
from email.header import decode_header, make_header

from addin.config.model import MailLimits
from addin.vietnamese import nfc

_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
_ADDRESS = re.compile(rb"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_SUMMARY_BYTES = 400  # of From: and Subject: read for the listing


@dataclass(frozen=True)
class Overrun:
    """The first bound a mail passes: the config key, the bound and what was measured."""

    key: str
    limit: int
    found: int

    def reason(self) -> str:
        limit = f"{self.limit:,}".replace(",", ".")
        what = {
            "message_bytes": f"lớn hơn {limit} byte{self._megabytes()}, không tải về",
            "header_bytes": f"phần tiêu đề dài hơn {limit} byte",
            "depth": f"lồng nhau quá {limit} tầng (ngoặc trong tiêu đề hoặc phần lồng trong phần)",
            "parts": f"có hơn {limit} phần (tệp đính kèm, nội dung)",
            "part_bytes": f"có một phần lớn hơn {limit} byte",
        }[self.key]
        return f"thư {what}; giới hạn mail.limits.{self.key}"

    def _megabytes(self) -> str:
        return f" ({self.limit // 1_048_576} MB)" if self.limit >= 1_048_576 else ""


class _Scan:
    def __init__(self, limits: MailLimits):
        self.limits = limits
        self.boundaries: list[bytes] = []  # open multiparts, outermost first
        self.parts = 0
        self.in_header = True
        self.header_bytes = 0
        self.part_bytes = 0
        self.content_type = b""
        self.in_content_type = False
        self.comments = _Comments()  # nesting of ( ) in the current header field

    def line(self, line: bytes) -> Overrun | None:
        return self._header_line(line) if self.in_header else self._body_line(line)

    def _header_line(self, line: bytes) -> Overrun | None:
        self.header_bytes += len(line)
        if self.header_bytes > self.limits.header_bytes:
            return Overrun("header_bytes", self.limits.header_bytes, self.header_bytes)
        if not line.strip(b"\r\n"):
            return self._end_of_header()
        if line[:1] in (b" ", b"\t"):
            self.content_type += line if self.in_content_type else b""
        else:
            self.comments = _Comments()
            self.in_content_type = line[:13].lower() == b"content-type:"
            self.content_type = line if self.in_content_type else self.content_type
        depth = self.comments.feed(line)
        if depth > self.limits.depth:
            return Overrun("depth", self.limits.depth, depth)
        return None

    def _end_of_header(self) -> Overrun | None:
        value = self.content_type[13:].strip()
        kind = value.lower()  # the type is case-insensitive; the boundary is not
        self.in_header, self.header_bytes, self.part_bytes = False, 0, 0
        self.content_type, self.in_content_type, self.comments = b"", False, _Comments()
        if kind.startswith(b"message/rfc822"):
            self.in_header = True  # the attached mail's own header block follows
        elif kind.startswith(b"multipart/") and (match := _BOUNDARY.search(value)):
            self.boundaries.append(match.group(1) or match.group(2))
            if len(self.boundaries) > self.limits.depth:
                return Overrun("depth", self.limits.depth, len(self.boundaries))
        return None

    def _body_line(self, line: bytes) -> Overrun | None:
        if line.startswith(b"--") and self.boundaries:
            marker = line.rstrip(b" \t\r\n")
            for level in range(len(self.boundaries) - 1, -1, -1):
                boundary = b"--" + self.boundaries[level]
                if marker == boundary + b"--":
                    del self.boundaries[level:]
                    return None
                if marker == boundary:
                    del self.boundaries[level + 1 :]
                    self.parts += 1
                    self.in_header, self.content_type = True, b""
                    if self.parts > self.limits.parts:
                        return Overrun("parts", self.limits.parts, self.parts)
                    return None
        self.part_bytes += len(line)
        if self.part_bytes > self.limits.part_bytes:
            return Overrun("part_bytes", self.limits.part_bytes, self.part_bytes)
        return None


class _Comments:
    """The deepest nesting of ( ) comments in one header field (RFC 5322 §3.2.2), fed line by line."""

    def __init__(self) -> None:
        self.depth = self.deepest = 0
        self.escaped = False

    def feed(self, line: bytes) -> int:
        if b"(" not in line and b")" not in line:
            return self.deepest
        for byte in line:
            if self.escaped:
                self.escaped = False
            elif byte == 0x5C:  # backslash: a quoted pair
                self.escaped = True
            elif byte == 0x28:
                self.depth += 1
                self.deepest = max(self.deepest, self.depth)
            elif byte == 0x29 and self.depth:
                self.depth -= 1
        return self.deepest


def overrun(raw: bytes, limits: MailLimits) -> Overrun | None:
    """The first bound of `limits` this raw mail passes, or None when the parser may have it."""
    scan = _Scan(limits)
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end + 1
        found = scan.line(raw[start:end])
        if found:
            return found
        start = end
    return None


def header_block(raw: bytes, limit: int) -> bytes:
    """At most `limit` bytes of the mail's own header block."""
    head = raw[:limit]
    ends = [i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0]
    return head[: min(ends)] if ends else head


def raw_field(head: bytes, name: bytes) -> bytes:
    """The first `name:` field of a header block, unfolded, at most _SUMMARY_BYTES long."""
    match = re.search(rb"(?im)^" + re.escape(name) + rb":[ \t]*((?:.*(?:\r?\n[ \t].*)*))", head)
    if not match:
        return b""
    return re.sub(rb"\r?\n[ \t]+", b" ", match.group(1)[: _SUMMARY_BYTES * 2])[:_SUMMARY_BYTES].strip()


def plain_sender(head: bytes) -> str | None:
    match = _ADDRESS.search(raw_field(head, b"From"))
    return match.group(0).decode("ascii", "replace").lower() if match else None


def plain_subject(head: bytes) -> str:
    text = raw_field(head, b"Subject").decode("utf-8", "replace")
    with contextlib.suppress(Exception):  # a malformed encoded word: the raw text is shown instead
        text = str(make_header(decode_header(text)))
    return " ".join(nfc(text).split())


def plain_message_id(head: bytes) -> str:
    match = re.search(rb"<[^<>\s]{1,250}>", raw_field(head, b"Message-ID"))
    return match.group(0).decode("ascii", "replace") if match else ""
