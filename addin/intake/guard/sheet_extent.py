"""How far the cells of a worksheet's XML reach, scanned chunk by chunk without parsing it."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator

from openpyxl.utils import get_column_letter

from addin.intake.guard.findings import MSG_CORRUPT, MSG_DTD, Damaged, Limits
from addin.intake.guard.xml_prolog import PROLOG_MAX, root_start

MAX_TAG = 1 * 2**20  # no legitimate tag or text run in a worksheet comes near this
MAX_LETTERED_COLUMN = 18_278  # ZZZ, the last column openpyxl's get_column_letter names
_NOT_MARKUP = re.compile(rb"<[!?]")  # a comment, CDATA or processing instruction


def sheet_extent(open_chunks: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
    """(max row, max column), 1-based, over the cells that can carry a value, scanning XML chunk by chunk.

    Cells without an `r` attribute take the next position, as calamine places them. Empty cells
    written as `<c r=".." s=".."/>`, empty rows and `<dimension ref>` are ignored: calamine stores
    nothing for them (measured with 0.9.1: a styled empty cell or a dimension of A1:XFD1048576 reads
    fine; one cell with a value at XFD1048576 makes it allocate 512 GiB and abort the process).

    Fast path: while every cell tag is plain (`<c r="B7" s="1" t="s">`, double-quoted attributes,
    one `r`), a few regular expressions do the work in C. Anything else is rescanned tag by tag.
    Comments, CDATA and processing instructions after the prolog are refused (no office suite
    writes them in a worksheet, and they could hide markup from one reader but not another).
    """
    extent = _fast_extent(tag_bodies(open_chunks()))
    if extent is not None:
        return extent
    scan = _ExtentScan()
    for body in tag_bodies(open_chunks()):
        scan.feed(body)
    return scan.max_row, scan.max_col


def _utf8_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The member's chunks, transcoded to UTF-8 when the part is UTF-16."""
    first = next(chunks, b"")
    if not (first.startswith((b"\xff\xfe", b"\xfe\xff")) or first[:1] == b"\x00" or first[1:2] == b"\x00"):
        yield first
        yield from chunks
        return
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-16-be" if first[:1] == b"\x00" else "utf-16-le"
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    yield decoder.decode(first).encode("utf-8")
    for chunk in chunks:
        yield decoder.decode(chunk).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


def tag_bodies(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The sheet after its prolog, in pieces cut so that no tag straddles two of them."""
    tail, in_prolog = b"", True
    for chunk in _utf8_chunks(chunks):
        buffer = tail + chunk
        if in_prolog:
            start = root_start(buffer)
            if start is None or start < 0:
                if start is not None or len(buffer) > PROLOG_MAX:
                    raise Damaged("XML_DTD", MSG_DTD)
                tail = buffer
                continue
            buffer, in_prolog = buffer[start:], False
        cut = buffer.rfind(b"<")
        if cut < 0:
            cut = len(buffer)
        body, tail = buffer[:cut], buffer[cut:]
        if len(tail) > MAX_TAG:
            raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="trang tính có thẻ XML quá dài"))
        yield _markup_only(body)
    yield _markup_only(tail)


def _markup_only(body: bytes) -> bytes:
    if _NOT_MARKUP.search(body):  # one pass: "<" is every few bytes, so two `in` tests cost twice as much
        raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="trang tính chứa chú thích hay CDATA trong XML"))
    return body


# Fast path. Every "<c" start must be a plain cell tag whose first attribute is r="LETTERS DIGITS":
# valued cells end with ">" after attributes without "/" (checked, deduplicated, for quoting tricks and
# a second r), empty ones with "/>" after well-quoted attributes (so a quoted "/>" cannot fake one).
# Counting the "<c " starts proves no cell tag escaped both patterns.
_VALUED = re.compile(rb'<c r="([A-Z]++)([0-9]++)"([^<>/]*+)>')
_EMPTY = re.compile(rb'<c r="[A-Z]++[0-9]++"(?:\s++[\w:.\-]++="[^"<>]*+")*+\s*+/>')
_ODD_C = re.compile(rb"<c[>/\t\r\n]")  # two patterns: each keeps its literal prefix, hence fast
_PREFIXED_C = re.compile(rb":c[\s>/]")
_PLAIN_ATTRS = re.compile(rb'(?:\s+(?!(?:[\w.\-]+:)?r\s*=)[\w:.\-]+="[^"<>]*")*\s*')


def far_reference_screen(limits: Limits) -> re.Pattern:
    """A cell tag that is not plainly near: `<c` then anything but ` r="` and a reference with fewer column
    letters and row digits than the limits have (so it cannot be beyond them) and its closing quote."""
    letters, digits = len(get_column_letter(limits.max_columns)), len(str(limits.max_rows))
    if letters < 2 or digits < 2:  # limits this small: no reference is plainly within them
        return re.compile(rb"<c(?=[\s>/])")
    return re.compile(rb'<c(?=[\s>/])(?! r="[A-Z]{1,%d}[0-9]{1,%d}")' % (letters - 1, digits - 1))


def plainly_near(bodies: Iterator[bytes], screen: re.Pattern) -> bool:
    """True when every cell tag is a plain `<c r="..."` and none could be beyond the limits.

    One literal-prefixed search and a few counts (C speed), so a normal sheet costs little more than
    inflating it; anything unusual (a cell without `r` or with another `r` attribute, a prefixed cell tag,
    a far or lower-case reference) returns False and the exact scan, `sheet_extent`, decides.
    """
    for body in bodies:
        if screen.search(body) or _PREFIXED_C.search(body):
            return False
        # Another `r` attribute: with spaces as the only white space in tags, it is counted as " r=".
        if b"\t" in body or b"\n" in body or b"\r" in body or b" r " in body:
            return False
        if body.count(b" r=") != body.count(b'<c r="') + body.count(b'<row r="'):
            return False
    return True


def _fast_extent(bodies: Iterator[bytes]) -> tuple[int, int] | None:
    max_row, max_col = 0, (0, b"")
    checked: set[bytes] = set()
    for body in bodies:
        valued = _VALUED.findall(body)
        if len(valued) + len(_EMPTY.findall(body)) != body.count(b"<c "):
            return None
        if _ODD_C.search(body) or _PREFIXED_C.search(body):
            return None
        if not valued:
            continue
        letters, rows, attrs = zip(*valued, strict=True)
        for tail in set(attrs) - checked:
            if not _PLAIN_ATTRS.fullmatch(tail):
                return None
            checked.add(tail)
        max_row = max(max_row, max(map(int, rows)))
        max_col = max(max_col, max((len(name), name) for name in set(letters)))
    return max_row, column_number(max_col[1].decode())


# Slow path: every start tag named row or c (any prefix), quoted values may hold ">" but never "<".
_TAG = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])((?:[^<>"']|"[^"<]*"|'[^'<]*')*)>""")
_TAG_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:row|c)(?=[\s/>])")
_R_ATTR = re.compile(rb"""(?:^|\s)(?:[A-Za-z_][\w.\-]*:)?r\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_CELL_REF = re.compile(rb"\$?([A-Za-z]{1,10})\$?([0-9]{1,15})")


class _ExtentScan:
    def __init__(self):
        self.row = self.col = self.max_row = self.max_col = 0

    def feed(self, body: bytes) -> None:
        matched = 0
        for match in _TAG.finditer(body):
            matched += 1
            attrs = match.group(2)
            refs = [(double or single).strip() for double, single in _R_ATTR.findall(attrs)]
            if match.group(1) == b"row":
                numbers = [int(ref) for ref in refs if ref.isdigit()]
                self.row = max(numbers) if numbers else self.row + 1
                self.col = 0
                continue
            parsed = [m for m in map(_CELL_REF.fullmatch, refs) if m]
            if parsed:
                self.col = max(column_number(m.group(1).decode()) for m in parsed)
                self.row = max(int(m.group(2)) for m in parsed)
            else:
                self.col += 1
            if not attrs.rstrip().endswith(b"/"):
                self.max_row = max(self.max_row, self.row)
                self.max_col = max(self.max_col, self.col)
        if matched != len(_TAG_START.findall(body)):
            raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="trang tính có thẻ XML không hợp lệ"))


def column_number(letters: str) -> int:
    """Column letters → number, for any length: a hostile file may write r="AAAAAAAAAA1", which openpyxl refuses."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def cell_name(row: int, column: int) -> str:
    """ "XFD1048576"; R1C1 style for a column past what letters can name (ZZZ), which only a hostile file has."""
    if not 1 <= column <= MAX_LETTERED_COLUMN:
        return f"R{row}C{column}"
    return f"{get_column_letter(column)}{row}"
