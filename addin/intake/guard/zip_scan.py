"""The checks on a zip package (xlsx, xlsm, xlsb, ods, or not a workbook at all) before a parser sees it.

Sizes, ratios and member counts come from the central directory and are checked before anything is
inflated; then every XML member's prolog is read for a DTD, and every worksheet is scanned for how
far its cells reach. Members are inflated in bounded chunks by our own reader (see `Package.chunks`).
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree import ElementTree

from addin.intake.guard.findings import (
    MSG_BOMB_MEMBERS,
    MSG_BOMB_RATIO,
    MSG_BOMB_TOTAL,
    MSG_CORRUPT,
    MSG_DTD,
    MSG_ENCRYPTED,
    MSG_SHEET_TOO_LARGE,
    MSG_STRICT,
    MSG_TRUNCATED,
    MSG_ZIP_METHOD,
    NOT_A_WORKBOOK_ZIP,
    Damaged,
    FindingList,
    Limits,
    MiB,
    count_text,
    megabytes_text,
)
from addin.intake.guard.formats import ODS_MIME, FileKind, kind_from_content_types, name_suffix
from addin.intake.guard.sheet_extent import cell_name, far_reference_screen, plainly_near, sheet_extent, tag_bodies
from addin.intake.guard.xml_prolog import PROLOG_MAX, as_utf8, read_prolog

CHUNK = 1 * MiB
KEEP_LIMIT = 8 * MiB  # a sheet read this large or less is kept inflated for the reader; a larger one it streams again
_STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_SHEET_DIRS = ("xl/worksheets/", "xl/dialogsheets/", "xl/macrosheets/")


SheetsRead = Callable[[dict[str, str]], set[str]]  # workbook-level defined names → the sheets a reader reads


@dataclass
class ScannedWorkbook:
    """What the guard read of an xlsx/xlsm, handed to the reader so that nothing is parsed or inflated twice."""

    sheets: dict[str, str]  # sheet name → its member, in workbook order
    defined_names: dict[str, str]  # workbook-level name → its reference
    xml: dict[str, bytes] = field(default_factory=dict)  # member → its inflated bytes: sheets read, xl/styles.xml


def inspect_zip(
    fp: BinaryIO, kind: FileKind, limits: Limits, found: FindingList, sheets_read: SheetsRead | None = None
) -> tuple[FileKind, bool, bool, bool, ScannedWorkbook | None]:
    """(kind, strict, has_macros, kind confirmed by the package rather than guessed from its first bytes,
    what the reader may take over).

    With `sheets_read`, only the sheets it names are scanned for their extent (the others are bounded by
    their declared sizes, and nothing parses them); without, every sheet is."""
    try:
        fp.seek(0)
        archive = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        found.error("FILE_TRUNCATED", MSG_TRUNCATED)
        return kind, False, False, False, None
    confirmed = strict = macros = False
    try:
        package = Package(fp, archive, limits, sheets_read)
        package.check_structure()
        kind = package.kind(kind)
        confirmed, macros = True, package.has_macros()
        if kind == FileKind.ZIP_OTHER:
            found.error("NOT_A_WORKBOOK", package.not_a_workbook_message())
            return kind, False, macros, confirmed, None
        package.check_xml_prologs()
        if kind in (FileKind.XLSX, FileKind.XLSM):
            strict = package.check_workbook(found)
            package.keep("xl/styles.xml")
    except Damaged as damage:
        found.error(damage.code, damage.text)
        return kind, strict, macros, confirmed, None
    return kind, strict, macros, confirmed, package.scanned


class Package:
    """One zip package under inspection: its members by name, and the checks `inspect_zip` runs in turn."""

    def __init__(self, fp: BinaryIO, archive: zipfile.ZipFile, limits: Limits, sheets_read: SheetsRead | None = None):
        self.fp = fp
        self.archive = archive
        self.limits = limits
        self.sheets_read = sheets_read
        self.scanned: ScannedWorkbook | None = None  # the primary workbook's layout, once parsed
        self.candidates: dict[str, list[str]] = {}  # sheet name → every member a reader might take for it
        self.infos = archive.infolist()
        self.by_name = {info.filename: info for info in self.infos}
        self.by_lower = {info.filename.lower(): info for info in self.infos}
        self.other = "zip"  # what a non-workbook zip is, for NOT_A_WORKBOOK_ZIP
        self.inner = ""  # a workbook inside a plain zip
        self.sheet_roots: list[str] = []  # XML members whose root element is a sheet, wherever they lie

    # -- structure: sizes, ratios, bounds; nothing is decompressed here
    def check_structure(self) -> None:
        limits = self.limits
        if len(self.infos) > limits.max_members:
            count, limit = count_text(len(self.infos)), count_text(limits.max_members)
            raise Damaged("ZIP_BOMB", MSG_BOMB_MEMBERS.format(count=count, limit=limit))
        if len(self.by_name) != len(self.infos):
            raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="có hai thành phần trùng tên"))
        total = sum(info.file_size for info in self.infos)
        if total > limits.max_uncompressed_bytes:
            size, limit = megabytes_text(total), megabytes_text(limits.max_uncompressed_bytes)
            raise Damaged("ZIP_BOMB", MSG_BOMB_TOTAL.format(size=size, limit=limit))
        for info in self.infos:
            if info.file_size > limits.ratio_min_bytes and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                ratio = count_text(info.file_size // max(info.compress_size, 1))
                raise Damaged("ZIP_BOMB", MSG_BOMB_RATIO.format(ratio=ratio))
        start_dir = getattr(self.archive, "start_dir", None)
        for info in self.infos:
            if info.flag_bits & 1:
                raise Damaged("FILE_ENCRYPTED", MSG_ENCRYPTED)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise Damaged("ZIP_UNSUPPORTED", MSG_ZIP_METHOD)
            encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
            end = info.header_offset + 30 + len(info.filename.encode(encoding, "replace")) + info.compress_size
            if start_dir is not None and end > start_dir:
                raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED)

    # -- classification
    def kind(self, sniffed: FileKind) -> FileKind:
        mimetype = self.by_name.get("mimetype")
        if mimetype is not None:
            content = self.read("mimetype", limit=256).strip()
            if content.startswith(ODS_MIME):
                return FileKind.ODS
            self.other = "odt" if b"opendocument" in content else "zip"
            return FileKind.ZIP_OTHER
        if "[Content_Types].xml" in self.by_name:
            types = self.read("[Content_Types].xml", limit=4 * MiB)
            self.check_prolog("[Content_Types].xml", types)
            found = kind_from_content_types(types.decode("utf-8", "replace"))
            if found is not None and found != FileKind.ZIP_OTHER:
                return found
            if found == FileKind.ZIP_OTHER:
                self.other = "docx" if "word/document.xml" in self.by_lower else "pptx"
                return found
        if "xl/workbook.bin" in self.by_lower:
            return FileKind.XLSB
        if "xl/workbook.xml" in self.by_lower:
            return FileKind.XLSM if sniffed == FileKind.XLSM else FileKind.XLSX
        inner = [
            i.filename for i in self.infos if name_suffix(i.filename) in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
        ]
        if inner:
            self.other, self.inner = "nested", inner[0].rsplit("/", 1)[-1]
        return FileKind.ZIP_OTHER

    def not_a_workbook_message(self) -> str:
        return NOT_A_WORKBOOK_ZIP[self.other].format(inner=self.inner)

    def has_macros(self) -> bool:
        for lowered in self.by_lower:
            if lowered.endswith("vbaproject.bin") or lowered.startswith("xl/macrosheets/"):
                return True
            if lowered.startswith(("basic/", "scripts/")) and not lowered.endswith("/"):
                return True
        return False

    # -- reading members with our own bounded inflater (mirrors how calamine's zip reader sees them).
    # Not zipfile's streaming reader: benchmarks/bench_guard.py measured it 1.24-1.38x slower for
    # inspect() on 1,000 filled 30 KB returns (last run: 20.5 vs 14.8 ms CPU/file on a loaded 2-core
    # machine; reading their members alone 1.5-1.8x), equal on a 15,000-row sheet. Its cost is per member
    # opened (a shared file object with a lock, the header re-read, a 4 KiB minimum inflate for a
    # 512-byte prolog look), and a return has a dozen small members, some opened two or three times.
    # It also stops at the declared size and reports a bad CRC, where we must say the declared size lies.
    def chunks(self, name: str, limit: int | None = None, first: int = CHUNK) -> Iterator[bytes]:
        """Decompressed data of member `name` in bounded chunks; size and CRC are verified at the end.

        With `limit`, stops (unverified) once `limit` bytes came out: enough to look at a prolog;
        `first` bounds the first chunk so that a prolog costs a few hundred bytes of inflating.
        """
        info = self.by_name[name]
        self.fp.seek(info.header_offset)
        header = self.fp.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
        nlen = int.from_bytes(header[26:28], "little")
        elen = int.from_bytes(header[28:30], "little")
        self.fp.seek(info.header_offset + 30 + nlen + elen)
        out_max = min(first, CHUNK if limit is None else limit)
        in_max = CHUNK // 4 if limit is None else min(CHUNK // 4, 16384)
        remaining = info.compress_size
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        produced, crc, pending = 0, 0, b""
        try:
            while True:
                if pending:
                    data = inflater.decompress(pending, out_max)
                    pending = inflater.unconsumed_tail
                elif remaining > 0:
                    raw = self.fp.read(min(remaining, in_max))
                    if not raw:
                        raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
                    remaining -= len(raw)
                    if inflater is None:
                        data = raw
                    else:
                        data = inflater.decompress(raw, out_max)
                        pending = inflater.unconsumed_tail
                else:
                    data = inflater.flush() if inflater is not None else b""
                    if inflater is not None and not inflater.eof:
                        raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
                produced += len(data)
                if produced > info.file_size:
                    raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="kích thước khai báo sai"))
                if data:
                    crc = zlib.crc32(data, crc)
                    yield data
                    out_max = CHUNK if limit is None else min(CHUNK, limit)
                    if limit is not None and produced >= limit:
                        return
                if remaining <= 0 and not pending and (inflater is None or inflater.eof):
                    break
        except zlib.error as exc:
            raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED) from exc
        if produced != info.file_size:
            raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="kích thước khai báo sai"))
        if crc != info.CRC:
            raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED)

    def read(self, name: str, limit: int) -> bytes:
        data = bytearray()
        for chunk in self.chunks(name, limit=limit + 1):
            data += chunk
        if len(data) > limit:
            raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what=f"phần «{name}» quá lớn"))
        return bytes(data)

    # -- DTD: a DOCTYPE can only stand in the prolog, before the root element
    def check_xml_prologs(self) -> None:
        """Refuse a DTD in any XML member; note the members whose root is a sheet (found by content, not path)."""
        for info in self.infos:
            if not info.file_size or info.filename.endswith("/"):
                continue
            head, state, root = b"", None, b""
            for chunk in self.chunks(info.filename, limit=PROLOG_MAX, first=512):
                head += chunk
                if not as_utf8(head[:64]).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                    break  # not XML: an image, vbaProject.bin, ...
                state, root = read_prolog(head)
                if state is not None:
                    break
            else:
                if head and state is None and len(head) >= PROLOG_MAX:
                    # No office suite writes a prolog (declaration, comments, instructions) this long.
                    raise Damaged("XML_DTD", MSG_DTD)
            if state == "dtd":
                raise Damaged("XML_DTD", MSG_DTD)
            if root in (b"worksheet", b"dialogsheet", b"macrosheet"):
                self.sheet_roots.append(info.filename)

    def check_prolog(self, name: str, head: bytes) -> None:
        state, _ = read_prolog(head[: PROLOG_MAX * 2])
        if state == "dtd" or (state is None and len(head) >= PROLOG_MAX):
            raise Damaged("XML_DTD", MSG_DTD)

    # -- workbook, sheets, extents
    def check_workbook(self, found: FindingList) -> bool:
        """Scan every part a reader could take for a sheet it reads; True when the workbook is Strict Open XML."""
        parts, strict = self._sheet_parts()
        if strict:
            found.warning("STRICT_OOXML", MSG_STRICT)
        screen = far_reference_screen(self.limits)
        unread = self._unread_members()
        for part, sheet in parts.items():
            if part in unread:
                continue
            chunks = self._kept_chunks(part) or (lambda part=part: self.chunks(part))
            if plainly_near(tag_bodies(chunks()), screen):
                continue
            max_row, max_col = sheet_extent(chunks)
            if max_row > self.limits.max_rows or max_col > self.limits.max_columns:
                found.error("SHEET_TOO_LARGE", self._too_large(sheet, max_row, max_col))
        return strict

    def _unread_members(self) -> set[str]:
        """Members that only sheets the reader does not read resolve to (none without `sheets_read`)."""
        if self.sheets_read is None or self.scanned is None:
            return set()
        wanted = self.sheets_read(self.scanned.defined_names)
        members = {sheet: set(found) for sheet, found in self.candidates.items()}
        unread = set().union(*(found for sheet, found in members.items() if sheet not in wanted))
        return unread - set().union(*(found for sheet, found in members.items() if sheet in wanted))

    def _kept_chunks(self, part: str) -> Callable[[], Iterator[bytes]] | None:
        """For a sheet the reader reads and that is small enough: inflate it once, keep it, scan the kept bytes."""
        if self.scanned is None or part not in self.scanned.sheets.values():
            return None
        data = self.keep(part)
        if data is None:
            return None
        return lambda: (data[start : start + CHUNK] for start in range(0, max(len(data), 1), CHUNK))

    def keep(self, name: str) -> bytes | None:
        """The member inflated and kept for the reader, when the package is a workbook and it is small enough."""
        info = self.by_name.get(name)
        if self.scanned is None or info is None or info.file_size > KEEP_LIMIT:
            return None
        if name not in self.scanned.xml:
            self.scanned.xml[name] = self.read(name, limit=KEEP_LIMIT)
        return self.scanned.xml[name]

    def _sheet_parts(self) -> tuple[dict[str, str], bool]:
        """({member: sheet name} for every part a reader could take for a sheet, whether the workbook is Strict)."""
        primary = self._officedocument_part()
        workbooks = list(dict.fromkeys(p for p in (primary, self._existing("xl/workbook.xml")) if p is not None))
        if not workbooks:
            raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="thiếu phần workbook"))
        parts: dict[str, str] = {}
        layout: dict[str, str] = {}
        strict = False
        for workbook in workbooks:
            root = self._parse(workbook)
            strict = strict or root.tag.startswith("{" + _STRICT_NS + "}")
            rels = self._relationships(workbook)
            for element in root.iter():
                if element.tag.rsplit("}", 1)[-1] != "sheet":
                    continue
                rel_id = next((v for k, v in element.attrib.items() if "}" in k and k.rsplit("}", 1)[-1] == "id"), "")
                targets = rels.get(rel_id)
                if targets is None or not targets[1].endswith(("/worksheet", "/dialogsheet", "macrosheet")):
                    continue
                existing = [p for p in map(self._existing, targets[0]) if p is not None]
                sheet = element.get("name", "")
                if not existing:
                    raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what=f"thiếu phần dữ liệu của trang «{sheet}»"))
                for part in existing:
                    parts.setdefault(part, sheet or part)
                self.candidates.setdefault(sheet, []).extend(existing)
                if workbook == workbooks[0]:
                    layout.setdefault(sheet, existing[0])
            if workbook == workbooks[0]:
                self.scanned = ScannedWorkbook(layout, defined_names(root))
        for name in self.sheet_roots + [i.filename for i in self.infos if i.filename.lower().startswith(_SHEET_DIRS)]:
            parts.setdefault(name, name.rsplit("/", 1)[-1])
        return parts, strict

    def _too_large(self, sheet: str, max_row: int, max_col: int) -> str:
        limits = self.limits
        return MSG_SHEET_TOO_LARGE.format(
            sheet=sheet,
            cell=cell_name(max_row, max_col),
            rows=count_text(max_row),
            cols=count_text(max_col),
            max_rows=count_text(limits.max_rows),
            max_cols=count_text(limits.max_columns),
        )

    def _parse(self, name: str):
        """The member's XML tree. Only after `check_xml_prologs`: every member was refused if it had a DTD, and
        without one no entity can be declared, so the C parser is safe (defusedxml's builds the tree in Python,
        3-4 times slower: 0.32 against 0.09 ms for a return's workbook and relationships)."""
        data = self.read(name, limit=self.limits.max_uncompressed_bytes)
        try:
            return ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what=f"phần «{name}» không đọc được")) from exc

    def _relationships(self, part: str) -> dict[str, tuple[list[str], str]]:
        """Id → (the member names a reader might resolve Target to, lower-case Type) for `part`'s .rels."""
        folder, base = posixpath.split(part)
        rels_name = self._existing(posixpath.join(folder, "_rels", base + ".rels"))
        if rels_name is None:
            return {}
        result = {}
        for element in self._parse(rels_name).iter():
            if element.tag.rsplit("}", 1)[-1] == "Relationship" and element.get("TargetMode") != "External":
                target = element.get("Target", "")
                if target.startswith("/"):
                    candidates = [target.lstrip("/")]
                else:
                    joined = posixpath.join(folder, target)
                    candidates = [joined, posixpath.normpath(joined), target, "xl/" + target]
                result[element.get("Id", "")] = (list(dict.fromkeys(candidates)), element.get("Type", "").lower())
        return result

    def _officedocument_part(self) -> str | None:
        for targets, rel_type in self._relationships("").values():
            if rel_type.endswith("/officedocument"):
                for target in targets[:2]:
                    found = self._existing(target)
                    if found is not None:
                        return found
        return None

    def _existing(self, name: str) -> str | None:
        if name in self.by_name:
            return name
        info = self.by_lower.get(name.lower())
        return info.filename if info is not None else None


def defined_names(workbook) -> dict[str, str]:
    """Workbook-level defined names (those scoped to one sheet are not the form's) → their references."""
    return {
        element.get("name", ""): element.text or ""
        for element in workbook.iter()
        if element.tag.rsplit("}", 1)[-1] == "definedName" and element.get("localSheetId") is None
    }
