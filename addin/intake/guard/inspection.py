"""`inspect`: whether a returned file may be handed to a parser, and the findings that say why not."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from addin.intake.guard.compound import inspect_ole
from addin.intake.guard.findings import (
    DEFAULT_LIMITS,
    MSG_CSV,
    MSG_EMPTY,
    MSG_HTML,
    MSG_LOCK,
    MSG_MACROS,
    MSG_PDF,
    MSG_RENAMED,
    MSG_TOO_LARGE,
    MSG_UNKNOWN,
    MSG_XLS,
    MSG_XML2003,
    FindingList,
    GuardFinding,
    Limits,
    megabytes_text,
)
from addin.intake.guard.formats import (
    DESCRIPTION,
    EXTENSIONS,
    HEAD_BYTES,
    OLE_MAGIC,
    UNSCANNED_KINDS,
    WORKBOOK_KINDS,
    ZIP_MAGICS,
    FileKind,
    name_suffix,
    sniff,
)
from addin.intake.guard.zip_scan import ScannedWorkbook, SheetsRead, inspect_zip


@dataclass(frozen=True)
class GuardResult:
    kind: FileKind
    findings: tuple[GuardFinding, ...]
    readable: bool  # True when the file may be handed to python-calamine
    strict_ooxml: bool = False
    has_macros: bool = False
    workbook: ScannedWorkbook | None = field(default=None, compare=False, repr=False)  # xlsx/xlsm, for the reader

    @property
    def needs_isolation(self) -> bool:
        """Readable, but its extent was not scanned: parse it with `read_isolated`, never in-process."""
        return self.readable and self.kind in UNSCANNED_KINDS


def inspect(
    path: Path, display_name: str | None = None, limits: Limits = DEFAULT_LIMITS, sheets_read: SheetsRead | None = None
) -> GuardResult:
    """Decide whether `path` may be handed to a parser, and why not. Raises only OSError (unreadable path).

    `sheets_read` (defined names → sheet names) limits the extent scan to the sheets a reader will parse;
    the result then carries what the reader may take over (`workbook`)."""
    path = Path(path)
    name = display_name or path.name
    found = FindingList(name)
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
            too_large = MSG_TOO_LARGE.format(size=megabytes_text(size), limit=megabytes_text(limits.max_file_bytes))
            found.error("FILE_TOO_LARGE", too_large)
            return GuardResult(kind, tuple(found.items), readable=False)
        strict = macros = confirmed = False
        workbook = None
        if head.startswith(ZIP_MAGICS):
            kind, strict, macros, confirmed, workbook = inspect_zip(fp, kind, limits, found, sheets_read)
        elif head.startswith(OLE_MAGIC):
            kind, macros, confirmed = inspect_ole(fp, found)
        else:
            _refuse_other(kind, found)
    if macros and not found.has_error:
        found.warning("HAS_MACROS", MSG_MACROS)
    if kind == FileKind.XLS and not found.has_error:
        found.warning("FORMAT_XLS", MSG_XLS)
    suffix = name_suffix(name)
    if confirmed and kind in WORKBOOK_KINDS and suffix and suffix not in EXTENSIONS[kind]:
        renamed = f"«{name}»: " + MSG_RENAMED.format(ext=suffix, real=DESCRIPTION[kind])
        found.items.insert(0, GuardFinding("warning", "FORMAT_RENAMED", renamed))
    readable = not found.has_error
    return GuardResult(
        kind, tuple(found.items), readable, strict, macros, workbook if readable and sheets_read else None
    )


def _refuse_other(kind: FileKind, found: FindingList) -> None:
    """Neither zip nor OLE: a text file, a PDF or something unknown, never a workbook calamine should see."""
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
