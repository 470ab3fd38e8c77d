"""Gatekeeper for returned workbooks: decide from a file's bytes whether a parser may see it.

Returns are untrusted (DESIGN.md §4). `inspect` finds the real format from the bytes (never from
the name), bounds zip sizes and ratios, rejects XML parts with a DTD and bounds the cell extent
of every xlsx/xlsm worksheet by stream-scanning its XML, so python-calamine never meets a file
that makes it abort the process (a lone cell at XFD1048576 asks it for 512 GiB). Formats that
cannot be scanned cheaply (.xls, .xlsb, .ods: `GuardResult.needs_isolation`) are read with
`read_isolated`, which runs calamine in a child process with a memory cap and a timeout.

How a caller reads a return:
    result = inspect(path, original_name)
    if not result.readable: report result.findings (errors) and stop
    elif result.needs_isolation: grid = read_isolated(path, display_name=original_name)
    else: CalamineWorkbook.from_filelike(open(path, "rb"))  # from the bytes; from_path trusts the extension

Finding codes (stable): errors FILE_EMPTY, LOCK_FILE, FILE_TOO_LARGE, FILE_TRUNCATED, FILE_CORRUPT,
ZIP_BOMB, ZIP_UNSUPPORTED, XML_DTD, SHEET_TOO_LARGE, FILE_ENCRYPTED, NOT_A_WORKBOOK, FORMAT_HTML,
FORMAT_XML2003, FORMAT_CSV; warnings FORMAT_RENAMED, FORMAT_XLS, HAS_MACROS, STRICT_OOXML.
GuardError codes from read_isolated: PARSER_CRASHED, PARSER_TIMEOUT, PARSER_FAILED, FILE_ENCRYPTED.

Every message is Vietnamese, starts with the file's original name («PGD082.xlsx»: ...) and says
what the unit should do; the caller adds which unit and campaign the file belongs to.
"""

from __future__ import annotations

import codecs
import json
import os
import posixpath
import re
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Literal

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from addin.errors import BaocaoError

MiB = 2**20
HEAD_BYTES = 8192


class FileKind(StrEnum):
    XLSX = "xlsx"
    XLSM = "xlsm"
    XLSB = "xlsb"
    XLS = "xls"
    ODS = "ods"
    ENCRYPTED_OLE = "encrypted_ole"
    OLE_OTHER = "ole_other"
    HTML = "html"
    CSV = "csv"
    XML_2003 = "xml_2003"
    PDF = "pdf"
    ZIP_OTHER = "zip_other"
    EMPTY = "empty"
    UNKNOWN = "unknown"


WORKBOOK_KINDS = frozenset({FileKind.XLSX, FileKind.XLSM, FileKind.XLSB, FileKind.XLS, FileKind.ODS})
# Readable, but their cell extent is not scanned here: parse them only through `read_isolated`.
UNSCANNED_KINDS = frozenset({FileKind.XLSB, FileKind.XLS, FileKind.ODS})

_EXTENSIONS = {
    FileKind.XLSX: (".xlsx", ".xltx"),
    FileKind.XLSM: (".xlsm", ".xltm", ".xlam"),
    FileKind.XLSB: (".xlsb",),
    FileKind.XLS: (".xls", ".xlt"),
    FileKind.ODS: (".ods", ".ots"),
}
_DESCRIPTION = {
    FileKind.XLSX: "Excel (.xlsx)",
    FileKind.XLSM: "Excel có macro (.xlsm)",
    FileKind.XLSB: "Excel nhị phân (.xlsb)",
    FileKind.XLS: "Excel 97-2003 (.xls)",
    FileKind.ODS: "bảng tính OpenDocument (.ods)",
}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MiB
    max_uncompressed_bytes: int = 200 * MiB
    max_ratio: float = 200  # per zip member, only for members larger than ratio_min_bytes uncompressed
    max_rows: int = 20_000
    max_columns: int = 500
    max_members: int = 2000
    ratio_min_bytes: int = 1 * MiB


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class GuardFinding:
    severity: Literal["error", "warning"]
    code: str
    message: str


@dataclass(frozen=True)
class GuardResult:
    kind: FileKind
    findings: tuple[GuardFinding, ...]
    readable: bool  # True when the file may be handed to python-calamine
    strict_ooxml: bool = False
    has_macros: bool = False

    @property
    def needs_isolation(self) -> bool:
        """Readable, but its extent was not scanned: parse it with `read_isolated`, never in-process."""
        return self.readable and self.kind in UNSCANNED_KINDS


class GuardError(BaocaoError):
    """The isolated parser died, timed out or refused the file; `message` is for the unit (Vietnamese)."""

    def __init__(self, code: str, message: str, detail: str = ""):
        super().__init__(message)
        self.code = code
        self.detail = detail  # technical cause (English, for logs), never shown as the message


# ----------------------------------------------------------------------------- messages


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _mb(value: int) -> str:
    return f"{value / MiB:.1f}".replace(".", ",")


class _Findings:
    def __init__(self, name: str):
        self.name = name
        self.items: list[GuardFinding] = []

    def error(self, code: str, text: str) -> None:
        self.items.append(GuardFinding("error", code, f"«{self.name}»: {text}"))

    def warning(self, code: str, text: str) -> None:
        self.items.append(GuardFinding("warning", code, f"«{self.name}»: {text}"))

    @property
    def has_error(self) -> bool:
        return any(f.severity == "error" for f in self.items)


MSG_EMPTY = "tệp rỗng (0 byte), không có dữ liệu; hãy mở tệp báo cáo đã điền, lưu lại rồi gửi lại"
MSG_LOCK = "tệp tạm của Excel (tên bắt đầu bằng ~$), không phải báo cáo; hãy gửi tệp thật"
MSG_TRUNCATED = "tệp bị hỏng hoặc tải về chưa hết; hãy lưu lại và gửi lại"
MSG_DTD = "tệp chứa khai báo XML không an toàn (DTD); hãy mở và lưu lại bằng Excel"
MSG_STRICT = (
    "tệp lưu theo chuẩn Strict Open XML; baocao vẫn đọc được, nhưng lần sau hãy mở bằng Excel và "
    "Lưu thành 'Excel Workbook (*.xlsx)'"
)
MSG_MACROS = "tệp có macro; baocao không chạy macro, chỉ đọc số liệu"
MSG_ENCRYPTED = "tệp đặt mật khẩu; hãy bỏ mật khẩu (File › Info › Protect Workbook) rồi gửi lại"
MSG_XLS = "tệp dạng Excel 97-2003 (.xls); baocao vẫn đọc nhưng lần sau hãy lưu dạng .xlsx"
MSG_HTML = "thực chất là trang web (HTML) đổi tên; hãy mở bằng Excel rồi Lưu thành .xlsx"
MSG_XML2003 = "thực chất là tệp XML Spreadsheet 2003, baocao không đọc được; hãy mở bằng Excel rồi Lưu thành .xlsx"
MSG_CSV = "thực chất là tệp văn bản (CSV), không phải bảng tính Excel; hãy mở bằng Excel rồi Lưu thành .xlsx"
MSG_PDF = "tệp PDF, không phải bảng tính; hãy gửi tệp Excel"
MSG_UNKNOWN = "không phải tệp bảng tính (không nhận ra định dạng); hãy gửi tệp Excel báo cáo (.xlsx)"
MSG_ZIP_METHOD = "tệp được nén theo cách baocao không đọc được; hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại"
MSG_CORRUPT = "cấu trúc bên trong tệp không hợp lệ ({what}); hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại"
MSG_TOO_LARGE = "tệp nặng {size} MB, vượt giới hạn {limit} MB; hãy xóa các trang, hình ảnh không cần thiết rồi gửi lại"
MSG_BOMB_TOTAL = (
    "tệp khi giải nén chiếm {size} MB, vượt giới hạn {limit} MB; hãy xóa các trang, dòng, cột thừa, lưu lại rồi gửi lại"
)
MSG_BOMB_RATIO = (
    "tệp chứa phần dữ liệu nén bất thường (giải nén lớn gấp {ratio} lần); hãy xóa các dòng, cột thừa, "
    "lưu lại rồi gửi lại"
)
MSG_BOMB_MEMBERS = (
    "tệp gồm {count} thành phần, vượt giới hạn {limit}; hãy xóa các trang, hình ảnh thừa, lưu lại rồi gửi lại"
)
MSG_SHEET_TOO_LARGE = (
    "trang «{sheet}» có dữ liệu kéo đến ô {cell} ({rows} dòng, {cols} cột), vượt giới hạn {max_rows} dòng, "
    "{max_cols} cột; hãy xóa các dòng, cột thừa ở cuối trang (chọn chúng › Delete), lưu lại rồi gửi lại"
)
MSG_RENAMED = (
    "tên tệp có đuôi {ext} nhưng thực chất là {real}; lần sau hãy dùng Lưu thành (Save As) để đổi định dạng, "
    "đừng chỉ đổi đuôi tệp"
)
MSG_PARSER_CRASHED = (
    "tệp làm chương trình đọc bảng tính dừng đột ngột (tệp quá lớn hoặc bị hỏng); hãy mở bằng Excel, xóa các "
    "dòng, cột thừa, lưu lại dạng .xlsx rồi gửi lại"
)
MSG_PARSER_TIMEOUT = (
    "đọc tệp quá {seconds} giây vẫn chưa xong (tệp quá lớn hoặc bất thường); hãy xóa các trang, dòng, cột thừa, "
    "lưu lại dạng .xlsx rồi gửi lại"
)
MSG_PARSER_FAILED = "không đọc được nội dung tệp; hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại"
NOT_A_WORKBOOK_ZIP = {
    "docx": "tệp Word (.docx), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "pptx": "tệp PowerPoint (.pptx), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "odt": "tệp văn bản OpenDocument, không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "nested": "tệp nén (.zip) chứa «{inner}»; hãy giải nén rồi gửi thẳng tệp Excel báo cáo",
    "zip": "tệp nén (.zip), không phải bảng tính; hãy gửi tệp Excel báo cáo",
}
NOT_A_WORKBOOK_OLE = {
    "worddocument": "tệp Word 97-2003 (.doc), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "powerpoint document": "tệp PowerPoint 97-2003 (.ppt), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "": "tệp Office 97-2003 nhưng không phải bảng tính; hãy gửi tệp Excel báo cáo",
}


# ----------------------------------------------------------------------------- sniffing

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_XLSB_CT = "application/vnd.ms-excel.sheet.binary.macroenabled.main"
_XLSM_CTS = (
    "application/vnd.ms-excel.sheet.macroenabled.main+xml",
    "application/vnd.ms-excel.template.macroenabled.main+xml",
    "application/vnd.ms-excel.addin.macroenabled.main+xml",
)
_XLSX_CTS = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_U16 = {word: word.encode("utf-16-le") for word in ("EncryptedPackage", "Workbook", "Book", "WordDocument")}


def _kind_from_content_types(types: str) -> FileKind | None:
    lowered = types.lower()
    if _XLSB_CT in lowered:
        return FileKind.XLSB
    if any(ct in lowered for ct in _XLSM_CTS):
        return FileKind.XLSM
    if any(ct in lowered for ct in _XLSX_CTS):
        return FileKind.XLSX
    if "wordprocessingml" in lowered or "presentationml" in lowered:
        return FileKind.ZIP_OTHER
    return None


def _sniff_zip(head: bytes, suffix: str) -> FileKind:
    """Walk the local headers that fit in `head`; inflate [Content_Types].xml when it is all there."""
    pos, names = 0, []
    while pos + 30 <= len(head) and head[pos : pos + 4] == b"PK\x03\x04":
        flags = int.from_bytes(head[pos + 6 : pos + 8], "little")
        method = int.from_bytes(head[pos + 8 : pos + 10], "little")
        csize = int.from_bytes(head[pos + 18 : pos + 22], "little")
        nlen = int.from_bytes(head[pos + 26 : pos + 28], "little")
        elen = int.from_bytes(head[pos + 28 : pos + 30], "little")
        member = head[pos + 30 : pos + 30 + nlen]
        start = pos + 30 + nlen + elen
        if member == b"mimetype" and method == 0:
            content = head[start : start + csize]
            return FileKind.ODS if content.startswith(_ODS_MIME) else FileKind.ZIP_OTHER
        if member == b"[Content_Types].xml" and not flags & 8 and start + csize <= len(head):
            try:
                raw = head[start : start + csize]
                data = raw if method == 0 else zlib.decompressobj(-15).decompress(raw, 1 * MiB)
                kind = _kind_from_content_types(data.decode("utf-8", "replace"))
            except zlib.error:
                kind = None
            if kind is not None:
                return kind
        names.append(member.lower())
        if flags & 8:
            break
        pos = start + csize
    if b"xl/workbook.bin" in names:
        return FileKind.XLSB
    if b"xl/vbaproject.bin" in names:
        return FileKind.XLSM
    if any(n.startswith((b"word/", b"ppt/")) for n in names):
        return FileKind.ZIP_OTHER
    for kind in (FileKind.XLSM, FileKind.XLSB, FileKind.XLSX):
        if suffix in _EXTENSIONS[kind]:
            return kind
    if any(n.startswith(b"xl/") for n in names):
        return FileKind.XLSX
    return FileKind.ZIP_OTHER


def _decode_text(head: bytes) -> str | None:
    """`head` as text if it looks like a text file (UTF-8, UTF-16 with BOM, or cp1258), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        body = head[: len(head) // 2 * 2]
        try:
            return body.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason.startswith("unexpected end"):
            text = head[: exc.start].decode("utf-8")
        else:
            try:
                text = head.decode("cp1258")
            except UnicodeDecodeError:
                return None
    if any(ord(ch) < 32 and ch not in "\t\r\n\x0c" for ch in text):
        return None
    return text.lstrip("\ufeff")


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) < 2:
        return False
    for separator in (",", ";", "\t", "|"):
        hits = sum(separator in line for line in lines)
        if hits >= 2 and hits * 2 >= len(lines):
            return True
    return False


def _sniff_ole(head: bytes, suffix: str) -> FileKind:
    if _U16["EncryptedPackage"] in head:
        return FileKind.ENCRYPTED_OLE
    if _U16["Workbook"] in head or _U16["Book"] in head:
        return FileKind.XLS
    if _U16["WordDocument"] in head:
        return FileKind.OLE_OTHER
    # The directory usually lies beyond the head; `inspect` reads it. Guess from the name meanwhile.
    return FileKind.XLS if suffix in _EXTENSIONS[FileKind.XLS] else FileKind.OLE_OTHER


def sniff(data_head: bytes, name: str) -> FileKind:
    """The real format from the first bytes of a file (best effort; `inspect` reads the whole file).

    The name is only used when the bytes cannot tell, e.g. an OLE file whose directory lies beyond
    `data_head`, or a zip whose [Content_Types].xml is not among the first bytes.
    """
    if not data_head:
        return FileKind.EMPTY
    suffix = _suffix(name)
    if data_head.startswith(OLE_MAGIC):
        return _sniff_ole(data_head, suffix)
    if data_head.startswith(_ZIP_MAGICS):
        return _sniff_zip(data_head, suffix)
    if b"%PDF-" in data_head[:1024]:
        return FileKind.PDF
    text = _decode_text(data_head)
    if text is None:
        return FileKind.UNKNOWN
    lowered = text[:HEAD_BYTES].lstrip().lower()
    if lowered.startswith("<"):
        if lowered.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return FileKind.XML_2003
        if any(tag in lowered[:4096] for tag in ("<html", "<!doctype html", "<table", "<head", "<body")):
            return FileKind.HTML
        return FileKind.UNKNOWN
    if lowered.startswith("mime-version:") and "multipart/related" in lowered:
        return FileKind.HTML  # "Single File Web Page" (.mht) saved with an Excel name
    if _looks_like_csv(text):
        return FileKind.CSV
    return FileKind.UNKNOWN


def _suffix(name: str) -> str:
    return posixpath.splitext(name.replace("\\", "/").rsplit("/", 1)[-1])[1].lower()


# ----------------------------------------------------------------------------- inspect


class _Damaged(Exception):
    """A structural problem found while reading a container: becomes one finding."""

    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


def inspect(path: Path, display_name: str | None = None, limits: Limits = DEFAULT_LIMITS) -> GuardResult:
    """Decide whether `path` may be handed to a parser, and why not. Raises only OSError (unreadable path)."""
    path = Path(path)
    name = display_name or path.name
    found = _Findings(name)
    size = path.stat().st_size
    with path.open("rb") as fp:
        head = fp.read(HEAD_BYTES)
        kind = sniff(head, name)
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if base.startswith("~$") and (size <= 165 or kind not in WORKBOOK_KINDS):
            found.error("LOCK_FILE", MSG_LOCK)
            return GuardResult(kind, tuple(found.items), readable=False)
        if size == 0:
            found.error("FILE_EMPTY", MSG_EMPTY)
            return GuardResult(FileKind.EMPTY, tuple(found.items), readable=False)
        if size > limits.max_file_bytes:
            found.error("FILE_TOO_LARGE", MSG_TOO_LARGE.format(size=_mb(size), limit=_mb(limits.max_file_bytes)))
            return GuardResult(kind, tuple(found.items), readable=False)
        strict = macros = confirmed = False
        if head.startswith(_ZIP_MAGICS):
            kind, strict, macros, confirmed = _inspect_zip(fp, kind, limits, found)
        elif head.startswith(OLE_MAGIC):
            kind, macros, confirmed = _inspect_ole(fp, size, found)
        else:
            _inspect_other(kind, found)
    if macros and not found.has_error:
        found.warning("HAS_MACROS", MSG_MACROS)
    if kind == FileKind.XLS and not found.has_error:
        found.warning("FORMAT_XLS", MSG_XLS)
    suffix = _suffix(name)
    if confirmed and kind in WORKBOOK_KINDS and suffix and suffix not in _EXTENSIONS[kind]:
        found.items.insert(0, GuardFinding("warning", "FORMAT_RENAMED", _renamed(name, suffix, kind)))
    return GuardResult(kind, tuple(found.items), not found.has_error, strict_ooxml=strict, has_macros=macros)


def _renamed(name: str, suffix: str, kind: FileKind) -> str:
    return f"«{name}»: " + MSG_RENAMED.format(ext=suffix, real=_DESCRIPTION[kind])


def _inspect_other(kind: FileKind, found: _Findings) -> None:
    if kind == FileKind.HTML:
        found.error("FORMAT_HTML", MSG_HTML)
    elif kind == FileKind.XML_2003:
        found.error("FORMAT_XML2003", MSG_XML2003)
    elif kind == FileKind.CSV:
        found.error("FORMAT_CSV", MSG_CSV)
    elif kind == FileKind.PDF:
        found.error("NOT_A_WORKBOOK", MSG_PDF)
    else:
        found.error("NOT_A_WORKBOOK", MSG_UNKNOWN)


# ----------------------------------------------------------------------------- zip packages

_CHUNK = 1 * MiB
_MAX_TAG = 1 * MiB  # no legitimate tag or text run in a worksheet comes near this
_PROLOG_MAX = 4096
_STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_SHEET_DIRS = ("xl/worksheets/", "xl/dialogsheets/", "xl/macrosheets/")


def _inspect_zip(fp: BinaryIO, kind: FileKind, limits: Limits, found: _Findings) -> tuple[FileKind, bool, bool, bool]:
    """(kind, strict, has_macros, kind confirmed by the package rather than guessed from its first bytes)."""
    try:
        fp.seek(0)
        archive = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        found.error("FILE_TRUNCATED", MSG_TRUNCATED)
        return kind, False, False, False
    confirmed = strict = macros = False
    try:
        package = _Package(fp, archive, limits)
        package.check_structure()
        kind = package.kind(kind)
        confirmed, macros = True, package.has_macros()
        if kind == FileKind.ZIP_OTHER:
            found.error("NOT_A_WORKBOOK", package.not_a_workbook_message())
            return kind, False, macros, confirmed
        package.check_xml_prologs()
        if kind in (FileKind.XLSX, FileKind.XLSM):
            strict = package.check_workbook(found)
    except _Damaged as damage:
        found.error(damage.code, damage.text)
    return kind, strict, macros, confirmed


class _Package:
    def __init__(self, fp: BinaryIO, archive: zipfile.ZipFile, limits: Limits):
        self.fp = fp
        self.archive = archive
        self.limits = limits
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
            raise _Damaged("ZIP_BOMB", MSG_BOMB_MEMBERS.format(count=_n(len(self.infos)), limit=_n(limits.max_members)))
        if len(self.by_name) != len(self.infos):
            raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="có hai thành phần trùng tên"))
        total = sum(info.file_size for info in self.infos)
        if total > limits.max_uncompressed_bytes:
            raise _Damaged("ZIP_BOMB", MSG_BOMB_TOTAL.format(size=_mb(total), limit=_mb(limits.max_uncompressed_bytes)))
        for info in self.infos:
            if info.file_size > limits.ratio_min_bytes and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                ratio = _n(info.file_size // max(info.compress_size, 1))
                raise _Damaged("ZIP_BOMB", MSG_BOMB_RATIO.format(ratio=ratio))
        start_dir = getattr(self.archive, "start_dir", None)
        for info in self.infos:
            if info.flag_bits & 1:
                raise _Damaged("FILE_ENCRYPTED", MSG_ENCRYPTED)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _Damaged("ZIP_UNSUPPORTED", MSG_ZIP_METHOD)
            encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
            end = info.header_offset + 30 + len(info.filename.encode(encoding, "replace")) + info.compress_size
            if start_dir is not None and end > start_dir:
                raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)

    # -- classification
    def kind(self, sniffed: FileKind) -> FileKind:
        mimetype = self.by_name.get("mimetype")
        if mimetype is not None:
            content = self.read("mimetype", limit=256).strip()
            if content.startswith(_ODS_MIME):
                return FileKind.ODS
            self.other = "odt" if b"opendocument" in content else "zip"
            return FileKind.ZIP_OTHER
        if "[Content_Types].xml" in self.by_name:
            types = self.read("[Content_Types].xml", limit=4 * MiB)
            self.check_prolog("[Content_Types].xml", types)
            found = _kind_from_content_types(types.decode("utf-8", "replace"))
            if found is not None and found != FileKind.ZIP_OTHER:
                return found
            if found == FileKind.ZIP_OTHER:
                self.other = "docx" if "word/document.xml" in self.by_lower else "pptx"
                return found
        if "xl/workbook.bin" in self.by_lower:
            return FileKind.XLSB
        if "xl/workbook.xml" in self.by_lower:
            return FileKind.XLSM if sniffed == FileKind.XLSM else FileKind.XLSX
        inner = [i.filename for i in self.infos if _suffix(i.filename) in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")]
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

    # -- reading members with our own bounded inflater (mirrors how calamine's zip reader sees them)
    def chunks(self, name: str, limit: int | None = None, first: int = _CHUNK) -> Iterator[bytes]:
        """Decompressed data of member `name` in bounded chunks; size and CRC are verified at the end.

        With `limit`, stops (unverified) once `limit` bytes came out: enough to look at a prolog;
        `first` bounds the first chunk so that a prolog costs a few hundred bytes of inflating.
        """
        info = self.by_name[name]
        self.fp.seek(info.header_offset)
        header = self.fp.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
        nlen = int.from_bytes(header[26:28], "little")
        elen = int.from_bytes(header[28:30], "little")
        self.fp.seek(info.header_offset + 30 + nlen + elen)
        out_max = min(first, _CHUNK if limit is None else limit)
        in_max = _CHUNK // 4 if limit is None else min(_CHUNK // 4, 16384)
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
                        raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
                    remaining -= len(raw)
                    if inflater is None:
                        data = raw
                    else:
                        data = inflater.decompress(raw, out_max)
                        pending = inflater.unconsumed_tail
                else:
                    data = inflater.flush() if inflater is not None else b""
                    if inflater is not None and not inflater.eof:
                        raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
                produced += len(data)
                if produced > info.file_size:
                    raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="kích thước khai báo sai"))
                if data:
                    crc = zlib.crc32(data, crc)
                    yield data
                    out_max = _CHUNK if limit is None else min(_CHUNK, limit)
                    if limit is not None and produced >= limit:
                        return
                if remaining <= 0 and not pending and (inflater is None or inflater.eof):
                    break
        except zlib.error as exc:
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED) from exc
        if produced != info.file_size:
            raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="kích thước khai báo sai"))
        if crc != info.CRC:
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)

    def read(self, name: str, limit: int) -> bytes:
        data = bytearray()
        for chunk in self.chunks(name, limit=limit + 1):
            data += chunk
        if len(data) > limit:
            raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what=f"phần «{name}» quá lớn"))
        return bytes(data)

    # -- DTD: a DOCTYPE can only stand in the prolog, before the root element
    def check_xml_prologs(self) -> None:
        """Refuse a DTD in any XML member; note the members whose root is a sheet (found by content, not path)."""
        for info in self.infos:
            if not info.file_size or info.filename.endswith("/"):
                continue
            head, state, root = b"", None, b""
            for chunk in self.chunks(info.filename, limit=_PROLOG_MAX, first=512):
                head += chunk
                if not _as_utf8(head[:64]).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                    break  # not XML: an image, vbaProject.bin, ...
                state, root = _prolog(head)
                if state is not None:
                    break
            else:
                if head and state is None and len(head) >= _PROLOG_MAX:
                    # No office suite writes a prolog (declaration, comments, instructions) this long.
                    raise _Damaged("XML_DTD", MSG_DTD)
            if state == "dtd":
                raise _Damaged("XML_DTD", MSG_DTD)
            if root in (b"worksheet", b"dialogsheet", b"macrosheet"):
                self.sheet_roots.append(info.filename)

    def check_prolog(self, name: str, head: bytes) -> None:
        state, _ = _prolog(head[: _PROLOG_MAX * 2])
        if state == "dtd" or (state is None and len(head) >= _PROLOG_MAX):
            raise _Damaged("XML_DTD", MSG_DTD)

    # -- workbook, sheets, extents
    def check_workbook(self, found: _Findings) -> bool:
        """Scan every part a reader could take for a sheet; True when the workbook is Strict Open XML."""
        primary = self._officedocument_part()
        workbooks = list(dict.fromkeys(p for p in (primary, self._existing("xl/workbook.xml")) if p is not None))
        if not workbooks:
            raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="thiếu phần workbook"))
        parts: dict[str, str] = {}
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
                    raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what=f"thiếu phần dữ liệu của trang «{sheet}»"))
                for part in existing:
                    parts.setdefault(part, sheet or part)
        for name in self.sheet_roots + [i.filename for i in self.infos if i.filename.lower().startswith(_SHEET_DIRS)]:
            parts.setdefault(name, name.rsplit("/", 1)[-1])
        if strict:
            found.warning("STRICT_OOXML", MSG_STRICT)
        screen = _far_reference_screen(self.limits)
        for part, sheet in parts.items():
            if _plainly_near(_tag_bodies(self.chunks(part)), screen):
                continue
            max_row, max_col = _sheet_extent(lambda part=part: self.chunks(part))
            if max_row > self.limits.max_rows or max_col > self.limits.max_columns:
                found.error(
                    "SHEET_TOO_LARGE",
                    MSG_SHEET_TOO_LARGE.format(
                        sheet=sheet,
                        cell=f"{column_letters(max_col)}{max_row}",
                        rows=_n(max_row),
                        cols=_n(max_col),
                        max_rows=_n(self.limits.max_rows),
                        max_cols=_n(self.limits.max_columns),
                    ),
                )
        return strict

    def _parse(self, name: str):
        data = self.read(name, limit=self.limits.max_uncompressed_bytes)
        try:
            return SafeET.fromstring(data, forbid_dtd=True)
        except SafeET.ParseError as exc:
            raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what=f"phần «{name}» không đọc được")) from exc
        except DefusedXmlException as exc:
            raise _Damaged("XML_DTD", MSG_DTD) from exc

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


def _as_utf8(head: bytes) -> bytes:
    """`head` re-encoded as UTF-8 when it is UTF-16 (with or without BOM), else as is."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", "replace").encode("utf-8")
    if head[:1] == b"\x00" or head[1:2] == b"\x00":
        encoding = "utf-16-be" if head[:1] == b"\x00" else "utf-16-le"
        return head[: len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
    return head


def _root_start(head: bytes) -> int | None:
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


def _prolog(head: bytes) -> tuple[str | None, bytes]:
    """('dtd', b"") if a DOCTYPE/ENTITY stands before the root element, ('ok', root local name) once the
    root's name is complete, (None, b"") while more bytes are needed."""
    head = _as_utf8(head)
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        return "dtd", b""
    start = _root_start(head)
    if start is None:
        return None, b""
    if start < 0:
        return "dtd", b""
    name = _ROOT_NAME.match(head, start)
    return ("ok", name.group(2)) if name else (None, b"")


def _sheet_extent(open_chunks: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
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
    extent = _fast_extent(_tag_bodies(open_chunks()))
    if extent is not None:
        return extent
    scan = _ExtentScan()
    for body in _tag_bodies(open_chunks()):
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


def _tag_bodies(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The sheet after its prolog, in pieces cut so that no tag straddles two of them."""
    tail, in_prolog = b"", True
    for chunk in _utf8_chunks(chunks):
        buffer = tail + chunk
        if in_prolog:
            start = _root_start(buffer)
            if start is None or start < 0:
                if start is not None or len(buffer) > _PROLOG_MAX:
                    raise _Damaged("XML_DTD", MSG_DTD)
                tail = buffer
                continue
            buffer, in_prolog = buffer[start:], False
        cut = buffer.rfind(b"<")
        if cut < 0:
            cut = len(buffer)
        body, tail = buffer[:cut], buffer[cut:]
        if len(tail) > _MAX_TAG:
            raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="trang tính có thẻ XML quá dài"))
        yield _markup_only(body)
    yield _markup_only(tail)


def _markup_only(body: bytes) -> bytes:
    if b"<!" in body or b"<?" in body:
        raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="trang tính chứa chú thích hay CDATA trong XML"))
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


def _far_reference_screen(limits: Limits) -> re.Pattern:
    """A cell reference with as many column letters or row digits as the limits: possibly too far."""
    letters, digits = len(column_letters(limits.max_columns)), len(str(limits.max_rows))
    return re.compile(rb'<c r="(?:[A-Za-z]{%d}|[A-Za-z]{1,%d}[0-9]{%d})' % (letters, letters - 1 or 1, digits))


def _plainly_near(bodies: Iterator[bytes], screen: re.Pattern) -> bool:
    """True when every cell tag is a plain `<c r="..."` and none could be beyond the limits.

    Only counts and literal-prefixed searches (C speed), so a normal sheet costs little more than
    inflating it; anything unusual (a cell without `r`, another `r` attribute, a far reference)
    returns False and the exact scan below decides.
    """
    for body in bodies:
        cells = body.count(b"<c ")
        if cells != body.count(b'<c r="') or _ODD_C.search(body) or _PREFIXED_C.search(body):
            return False
        if body.count(b' r="') != cells + body.count(b'<row r="') or screen.search(body):
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
            raise _Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="trang tính có thẻ XML không hợp lệ"))


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


# ----------------------------------------------------------------------------- OLE (compound file)

_MAXREGSECT = 0xFFFFFFFA  # larger sector numbers are markers: end of chain, free, FAT, DIFAT
_FILEPASS = 0x002F


def _inspect_ole(fp: BinaryIO, size: int, found: _Findings) -> tuple[FileKind, bool, bool]:
    """(kind, has_macros, kind confirmed by the directory rather than guessed from raw bytes)."""
    try:
        compound = _Compound(fp, size)
        names = compound.names()
    except _Damaged:
        # A directory we cannot walk: calamine cannot either. Still tell an encrypted package apart.
        fp.seek(0)
        data = fp.read()
        if _U16["EncryptedPackage"] in data:
            found.error("FILE_ENCRYPTED", MSG_ENCRYPTED)
            return FileKind.ENCRYPTED_OLE, False, False
        found.error("FILE_TRUNCATED", MSG_TRUNCATED)
        is_xls = _U16["Workbook"] in data or _U16["Book"] in data
        return FileKind.XLS if is_xls else FileKind.OLE_OTHER, False, False
    if "encryptedpackage" in names and "encryptioninfo" in names:
        found.error("FILE_ENCRYPTED", MSG_ENCRYPTED)
        return FileKind.ENCRYPTED_OLE, False, True
    stream = names.get("workbook") or names.get("book")
    if stream is None:
        other = next((key for key in NOT_A_WORKBOOK_OLE if key and key in names), "")
        found.error("NOT_A_WORKBOOK", NOT_A_WORKBOOK_OLE[other])
        return FileKind.OLE_OTHER, False, True
    macros = "_vba_project_cur" in names or "_vba_project" in names
    try:
        start = compound.stream_head(stream, 256)
    except _Damaged:
        found.error("FILE_TRUNCATED", MSG_TRUNCATED)
        return FileKind.XLS, macros, True
    if _biff_encrypted(start):
        found.error("FILE_ENCRYPTED", MSG_ENCRYPTED)
    return FileKind.XLS, macros, True


def _biff_encrypted(data: bytes) -> bool:
    """FILEPASS among the first records of the globals substream (after BOF, maybe WriteProtect)."""
    pos = 0
    for _ in range(4):
        if pos + 4 > len(data):
            return False
        record = int.from_bytes(data[pos : pos + 2], "little")
        length = int.from_bytes(data[pos + 2 : pos + 4], "little")
        if record == _FILEPASS:
            return True
        pos += 4 + length
    return False


class _Compound:
    """Just enough of [MS-CFB] to list directory names and read the start of one stream."""

    def __init__(self, fp: BinaryIO, size: int):
        self.fp = fp
        self.size = size
        fp.seek(0)
        header = fp.read(512)
        if len(header) < 512:
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
        shift = int.from_bytes(header[30:32], "little")
        if shift not in (9, 12):
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
        self.sector_size = 1 << shift
        self.mini_size = 1 << int.from_bytes(header[32:34], "little")
        self.cutoff = int.from_bytes(header[56:60], "little")
        self.first_dir = int.from_bytes(header[48:52], "little")
        self.first_minifat = int.from_bytes(header[60:64], "little")
        self.sector_count = max(0, (size - self.sector_size) // self.sector_size + 1)
        fat_sectors = [int.from_bytes(header[76 + 4 * i : 80 + 4 * i], "little") for i in range(109)]
        difat = int.from_bytes(header[68:72], "little")
        per_difat = self.sector_size // 4 - 1
        for _ in range(self.sector_count):
            if difat > _MAXREGSECT:
                break
            block = self._sector(difat)
            fat_sectors += [int.from_bytes(block[4 * i : 4 * i + 4], "little") for i in range(per_difat)]
            difat = int.from_bytes(block[-4:], "little")
        self.fat: list[int] = []
        for sector in fat_sectors:
            if sector <= _MAXREGSECT:
                block = self._sector(sector)
                self.fat += [int.from_bytes(block[i : i + 4], "little") for i in range(0, len(block), 4)]
        self.entries = self._directory()

    def _sector(self, number: int) -> bytes:
        offset = (number + 1) * self.sector_size
        if number > _MAXREGSECT or offset >= self.size:
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
        self.fp.seek(offset)
        block = self.fp.read(self.sector_size)
        if not block:
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
        return block.ljust(self.sector_size, b"\x00")

    def _chain(self, start: int, fat: list[int]) -> Iterator[int]:
        sector, seen = start, 0
        while sector <= _MAXREGSECT:
            if sector >= len(fat) or seen > len(fat):
                raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
            yield sector
            sector, seen = fat[sector], seen + 1

    def _directory(self) -> list[tuple[str, int, int, int]]:
        entries = []
        for sector in self._chain(self.first_dir, self.fat):
            block = self._sector(sector)
            for offset in range(0, len(block), 128):
                entry = block[offset : offset + 128]
                kind = entry[66]
                if kind not in (1, 2, 5):
                    continue
                length = min(int.from_bytes(entry[64:66], "little"), 64)
                name = entry[: max(length - 2, 0)].decode("utf-16-le", "replace")
                start = int.from_bytes(entry[116:120], "little")
                size = int.from_bytes(entry[120:124], "little")
                entries.append((name, kind, start, size))
        if not entries or entries[0][1] != 5:
            raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
        return entries

    def names(self) -> dict[str, tuple[str, int, int, int]]:
        return {entry[0].lower(): entry for entry in self.entries}

    def stream_head(self, entry: tuple[str, int, int, int], count: int) -> bytes:
        _, _, start, size = entry
        count = min(count, size)
        if size >= self.cutoff:
            data = b""
            for sector in self._chain(start, self.fat):
                data += self._sector(sector)
                if len(data) >= count:
                    break
            return data[:count]
        # Small stream: it lives in the mini stream, itself the root entry's regular chain.
        root_start = self.entries[0][2]
        minifat: list[int] = []
        if self.first_minifat <= _MAXREGSECT:
            for sector in self._chain(self.first_minifat, self.fat):
                block = self._sector(sector)
                minifat += [int.from_bytes(block[i : i + 4], "little") for i in range(0, len(block), 4)]
        root_chain = list(self._chain(root_start, self.fat))
        data = b""
        for mini in self._chain(start, minifat):
            offset = mini * self.mini_size
            index, within = divmod(offset, self.sector_size)
            if index >= len(root_chain):
                raise _Damaged("FILE_TRUNCATED", MSG_TRUNCATED)
            data += self._sector(root_chain[index])[within : within + self.mini_size]
            if len(data) >= count:
                break
        return data[:count]


# ----------------------------------------------------------------------------- isolated parsing

_CHILD = r"""
import datetime, json, sys

def main():
    path, limit = sys.argv[1], int(sys.argv[2])
    try:
        import resource
    except ImportError:
        resource = None
    if resource is not None and limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from python_calamine import CalamineWorkbook

        def cell(v):
            if isinstance(v, datetime.datetime):
                return ["datetime", v.isoformat()]
            if isinstance(v, datetime.date):
                return ["date", v.isoformat()]
            if isinstance(v, datetime.time):
                return ["time", v.isoformat()]
            if isinstance(v, datetime.timedelta):
                return ["timedelta", v.total_seconds()]
            return v

        with open(path, "rb") as handle:  # from_filelike tells the format from the bytes, from_path from the name
            workbook = CalamineWorkbook.from_filelike(handle)
        sheets = {}
        for meta in workbook.sheets_metadata:
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                continue
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            visible = str(meta.visible).rsplit(".", 1)[-1].lower()
            sheets[meta.name] = {"visible": visible, "rows": [[cell(v) for v in row] for row in rows]}
        out = {"ok": True, "sheets": sheets, "defined_names": {}}
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        out = {"ok": False, "error": type(exc).__name__, "detail": str(exc)[:1000]}
    if out["ok"]:
        try:  # python-calamine has no defined-names API; fastexcel (calamine too) has one
            import fastexcel

            with open(path, "rb") as handle:
                names = fastexcel.read_excel(handle.read()).defined_names()
            out["defined_names"] = {name.name: name.formula for name in names}
        except Exception as exc:
            out["names_error"] = f"{type(exc).__name__}: {exc}"[:1000]
    sys.stdout.write(json.dumps(out))

main()
"""

_DECODE = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "timedelta": lambda seconds: timedelta(seconds=seconds),
}


def read_isolated(
    path: Path, timeout: float = 20.0, memory_bytes: int = 512 * 2**20, display_name: str | None = None
) -> dict:
    """Read every worksheet with python-calamine in a child process capped in memory and time.

    Returns {"sheets": {name: {"visible": "visible"|"hidden"|"veryhidden", "rows": [[value, ...], ...]}},
    "defined_names": {name: formula}}: rows as calamine's `to_python(skip_empty_area=False)` (grid[0][0]
    is A1; worksheets only); defined names as fastexcel gives them, Excel style ('Sheet'!$A$1) or ODF
    style ($'Sheet'.$A$1), without their scope (a sheet-local name may shadow a workbook one; {} if
    fastexcel cannot read them, the sheets still come back). The file's format is told from its
    bytes, not its extension. Raises GuardError with
    PARSER_CRASHED (the child died: a Rust abort, the memory cap), PARSER_TIMEOUT, PARSER_FAILED
    (calamine refused the file) or FILE_ENCRYPTED (calamine reports a password). The memory cap
    (RLIMIT_AS) applies where the `resource` module exists (Linux, macOS); on Windows only the timeout.
    """
    path = Path(path)
    name = display_name or path.name
    # -P: the working directory (a campaign folder) is not put on sys.path; PYTHONPATH still applies.
    command = [sys.executable, "-P", "-c", _CHILD, str(path), str(int(memory_bytes))]
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    try:
        completed = subprocess.run(
            command, capture_output=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL, creationflags=flags
        )
    except subprocess.TimeoutExpired as exc:
        seconds = f"{timeout:g}".replace(".", ",")
        raise GuardError(
            "PARSER_TIMEOUT", f"«{name}»: " + MSG_PARSER_TIMEOUT.format(seconds=seconds), f"timeout {timeout}s"
        ) from exc
    stderr_tail = completed.stderr.decode("utf-8", "replace")[-500:]
    try:
        if completed.returncode != 0:
            raise ValueError(f"exit status {completed.returncode}")
        out = json.loads(completed.stdout)
    except ValueError as exc:
        raise GuardError("PARSER_CRASHED", f"«{name}»: " + MSG_PARSER_CRASHED, f"{exc}; {stderr_tail}") from None
    if not out.get("ok"):
        detail = f"{out.get('error')}: {out.get('detail')}"
        if "password" in detail.lower() or "encrypt" in detail.lower():
            raise GuardError("FILE_ENCRYPTED", f"«{name}»: " + MSG_ENCRYPTED, detail)
        raise GuardError("PARSER_FAILED", f"«{name}»: " + MSG_PARSER_FAILED, detail)
    for sheet in out["sheets"].values():
        for row in sheet["rows"]:
            for index, value in enumerate(row):
                if isinstance(value, list):
                    row[index] = _DECODE[value[0]](value[1])
    return {"sheets": out["sheets"], "defined_names": out.get("defined_names", {})}
