"""The kinds of file a return can really be, told from its first bytes (never from its name)."""

from __future__ import annotations

import posixpath
import zlib
from enum import StrEnum

from addin.intake.guard.findings import MiB

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

EXTENSIONS = {
    FileKind.XLSX: (".xlsx", ".xltx"),
    FileKind.XLSM: (".xlsm", ".xltm", ".xlam"),
    FileKind.XLSB: (".xlsb",),
    FileKind.XLS: (".xls", ".xlt"),
    FileKind.ODS: (".ods", ".ots"),
}
DESCRIPTION = {
    FileKind.XLSX: "Excel (.xlsx)",
    FileKind.XLSM: "Excel có macro (.xlsm)",
    FileKind.XLSB: "Excel nhị phân (.xlsb)",
    FileKind.XLS: "Excel 97-2003 (.xls)",
    FileKind.ODS: "bảng tính OpenDocument (.ods)",
}


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
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
OLE_NAMES = {word: word.encode("utf-16-le") for word in ("EncryptedPackage", "Workbook", "Book", "WordDocument")}


def kind_from_content_types(types: str) -> FileKind | None:
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
            return FileKind.ODS if content.startswith(ODS_MIME) else FileKind.ZIP_OTHER
        if member == b"[Content_Types].xml" and not flags & 8 and start + csize <= len(head):
            try:
                raw = head[start : start + csize]
                data = raw if method == 0 else zlib.decompressobj(-15).decompress(raw, 1 * MiB)
                kind = kind_from_content_types(data.decode("utf-8", "replace"))
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
        if suffix in EXTENSIONS[kind]:
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
    if OLE_NAMES["EncryptedPackage"] in head:
        return FileKind.ENCRYPTED_OLE
    if OLE_NAMES["Workbook"] in head or OLE_NAMES["Book"] in head:
        return FileKind.XLS
    if OLE_NAMES["WordDocument"] in head:
        return FileKind.OLE_OTHER
    # The directory usually lies beyond the head; `inspect` reads it. Guess from the name meanwhile.
    return FileKind.XLS if suffix in EXTENSIONS[FileKind.XLS] else FileKind.OLE_OTHER


def sniff(data_head: bytes, name: str) -> FileKind:
    """The real format from the first bytes of a file (best effort; `inspect` reads the whole file).

    The name is only used when the bytes cannot tell, e.g. an OLE file whose directory lies beyond
    `data_head`, or a zip whose [Content_Types].xml is not among the first bytes.
    """
    if not data_head:
        return FileKind.EMPTY
    suffix = name_suffix(name)
    if data_head.startswith(OLE_MAGIC):
        return _sniff_ole(data_head, suffix)
    if data_head.startswith(ZIP_MAGICS):
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


def name_suffix(name: str) -> str:
    """The lower-case extension of a file name given with a Windows or POSIX path, "" if none."""
    return posixpath.splitext(name.replace("\\", "/").rsplit("/", 1)[-1])[1].lower()
