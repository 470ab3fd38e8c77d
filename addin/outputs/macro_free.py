"""A macro-free copy of a unit's .xlsx/.xlsm for staff to open: the package re-packed part by part.

The findings workbook's «Mở» links never open a unit's archived file itself: an .xlsm carries macros and
the archive copy has no Mark-of-the-Web. `macro_free_copy` writes an .xlsx with the VBA project, its
signatures, ActiveX controls and ribbon customisations (customUI) left out, the relationships and
content types that named them removed, and the main part typed as a plain workbook; every other part
keeps its bytes (streamed member by member, never loaded as a workbook), so sheets, cells and the
`#Sheet!A1` anchors stay as the unit sent them.

Bounded like the guard: sizes, ratios and member counts come from the zip directory and are checked
against the guard's `Limits` before anything is inflated, and members are inflated in bounded chunks
by the guard's own reader, which stops when a member's declared size lies. A package that cannot be
re-packed safely (damaged, over a bound, Excel 4.0 macro sheets) raises `NotRepackable`.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from addin.intake.guard.findings import DEFAULT_LIMITS, Damaged, Limits, MiB
from addin.intake.guard.zip_scan import Package
from addin.journal import file_sha256
from addin.xlsx.atomic import replace_file, temporary_beside
from addin.xlsx.zip_parts import FIXED_ZIP_TIME

MACRO_MAIN = (
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
PLAIN_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_DROPPED = re.compile(
    r"xl/vbaproject\.bin|xl/vbaprojectsignature[^/]*\.bin|xl/vbadata\.xml|xl/_rels/vbaproject\.bin\.rels"
    r"|xl/activex/.*|customui/.*"
)
_MACRO_TYPES = ("vbaproject", "activex", "vbadata")  # in content types of parts left out
_REFUSED = ("xl/macrosheets/", "xl/dialogsheets/")  # Excel 4.0 macro sheets: sheets, cannot be left out quietly
EDIT_MAX = 16 * MiB  # an XML part edited as a whole (.rels, content types, a sheet losing its controls)
_ATTRIBUTE = re.compile(r"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class NotRepackable(Exception):
    """The package cannot be re-packed safely; the reason (English) is for logs."""


def safe_view(archived: Path, views: Path, sha256: str) -> Path | None:
    """The macro-free copy of the archived .xlsx/.xlsm `archived` in `views` (made once, then reused), or None
    when none can be made: the archive copy is gone or changed (its bytes are not `sha256`), or not re-packable."""
    target = views / f"{sha256[:12]}.xlsx"
    if target.exists():
        return target
    try:
        if file_sha256(archived) != sha256:
            return None
        macro_free_copy(archived, target)
    except (NotRepackable, OSError):  # e.g. no longer in the archive, or unreadable
        return None
    return target


def macro_free_copy(source: Path, target: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Write the macro-free .xlsx of the package `source` to `target`, atomically.

    A plain .xlsx with nothing to leave out (most returns) is copied byte for byte: re-packing it would
    only compress every part again (5 ms a file, against a fraction of one to copy it)."""
    with opened_package(source, limits) as package:
        plan = macro_free_plan(package)
        if not plan.leaves_out_anything:
            with temporary_beside(target.parent, target.suffix) as temporary:
                shutil.copyfile(source, temporary)
                replace_file(temporary, target)
            return
        write_package(package, target, plan)


@contextmanager
def opened_package(source: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Package]:
    """The zip package `source`, its sizes, ratios and member count checked against the guard's `limits`
    before anything is inflated; a damaged or over-bound package (also later, while reading) is NotRepackable."""
    with source.open("rb") as fp:
        try:
            archive = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise NotRepackable(f"not a readable zip: {error}") from error
        with archive:
            package = Package(fp, archive, limits)
            try:
                package.check_structure()
                yield package
            except Damaged as damage:
                raise NotRepackable(f"{damage.code}: {damage.text}") from damage


@dataclass
class Plan:
    """What a re-packed copy holds: the parts kept (in order), those replaced by new text, those rewritten as
    they stream (chunks in, chunks out), those added, and those written last (after every streamed part)."""

    kept: list[str]
    edited: dict[str, str] = field(default_factory=dict)
    streamed: dict[str, Callable[[Iterator[bytes]], Iterator[bytes]]] = field(default_factory=dict)
    added: dict[str, bytes] = field(default_factory=dict)
    last: dict[str, Callable[[], str | bytes | None]] = field(default_factory=dict)  # None: no such part after all
    leaves_out_anything: bool = True  # False: the copy would hold every part, each with the bytes it had


def macro_free_plan(package: Package) -> Plan:
    names = [info.filename for info in package.infos]
    if any(name.lower().startswith(_REFUSED) for name in names):
        raise NotRepackable("Excel 4.0 macro or dialog sheets")
    if "[Content_Types].xml" not in package.by_name:
        raise NotRepackable("no [Content_Types].xml")
    types = read_text(package, "[Content_Types].xml")
    typed = {
        part.lstrip("/").lower(): content
        for part, content in _overrides(types)
        if any(word in content.lower() for word in _MACRO_TYPES)
    }
    dropped = {name for name in names if _DROPPED.fullmatch(name.lower()) or name.lower() in typed}
    dropped |= {_rels_of(name) for name in dropped if _rels_of(name) in package.by_name}
    plan = Plan([name for name in names if name not in dropped])
    if not dropped and not _names_macros(types):  # most returns: nothing to leave out, nothing to rename
        plan.edited["[Content_Types].xml"] = types
        plan.leaves_out_anything = False
        return plan
    plan.edited["[Content_Types].xml"] = _plain_types(types, dropped, plan.kept)
    lost_controls = set()
    for name in plan.kept if dropped else ():  # with nothing dropped, no relationship points at a dropped part
        if name.lower().endswith(".rels"):
            text, removed = _without_relationships(read_text(package, name), _source_of(name), dropped)
            if removed:
                plan.edited[name] = text
                lost_controls.add(_source_of(name))
    for sheet in lost_controls & set(plan.kept):
        if sheet.lower().startswith("xl/worksheets/"):
            text = read_text(package, sheet)
            plan.edited[sheet] = re.sub(r"<controls>.*?</controls>", "", text, flags=re.DOTALL)
    plan.leaves_out_anything = bool(dropped) or plan.edited != {"[Content_Types].xml": types}
    return plan


def write_package(package: Package, target: Path, plan: Plan) -> None:
    """Write `plan` of `package` to `target` atomically; parts not edited are streamed through unchanged."""

    def entry(name: str) -> zipfile.ZipInfo:
        info = package.by_name.get(name)
        made = zipfile.ZipInfo(name, info.date_time if info is not None else FIXED_ZIP_TIME)
        made.compress_type = zipfile.ZIP_DEFLATED
        made.external_attr = 0o600 << 16
        return made

    with temporary_beside(target.parent, target.suffix) as temporary:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as out:
            for name in plan.kept:
                if name in plan.last:
                    continue
                if name in plan.edited:
                    out.writestr(entry(name), plan.edited[name].encode("utf-8"))
                    continue
                with out.open(entry(name), "w") as member:
                    chunks = package.chunks(name)
                    for chunk in plan.streamed[name](chunks) if name in plan.streamed else chunks:
                        member.write(chunk)
            for name, data in plan.added.items():
                out.writestr(entry(name), data)
            for name, make in plan.last.items():
                made = make()
                if made is not None:
                    out.writestr(entry(name), made.encode("utf-8") if isinstance(made, str) else made)
        replace_file(temporary, target)


def read_text(package: Package, name: str) -> str:
    """An XML part to edit as text (at most EDIT_MAX bytes), checked well-formed first, so that the regular
    expressions that edit it meet what they expect (a hostile part could make a lazy search quadratic). Any
    DTD was refused by the guard, so expat expands no entity here."""
    data = package.read(name, limit=EDIT_MAX)
    try:
        text = data.decode("utf-8-sig")
        expat.ParserCreate().Parse(data, True)
    except (UnicodeDecodeError, expat.ExpatError) as error:
        raise NotRepackable(f"{name} is not well-formed UTF-8 XML: {error}") from error
    if "<!DOCTYPE" in text[:4096]:
        raise NotRepackable(f"{name} has a DTD")
    return text


def attributes_of(tag: str) -> dict[str, str]:
    return {key.rsplit(":", 1)[-1]: double or single for key, double, single in _ATTRIBUTE.findall(tag)}


def _overrides(types: str) -> list[tuple[str, str]]:
    found = []
    for tag in re.findall(r"<(?:\w+:)?Override\b[^>]*>", types):
        attributes = attributes_of(tag)
        found.append((attributes.get("PartName", ""), attributes.get("ContentType", "")))
    return found


def _plain_types(types: str, dropped: set[str], kept: list[str]) -> str:
    """[Content_Types].xml without the dropped parts' Overrides, macro Defaults no part needs, main part plain."""
    gone = {name.lower() for name in dropped}
    overridden = {part.lstrip("/").lower() for part, _ in _overrides(types)}

    def override(match: re.Match) -> str:
        part = attributes_of(match.group(0)).get("PartName", "").lstrip("/").lower()
        return "" if part in gone else match.group(0)

    def default(match: re.Match) -> str:
        attributes = attributes_of(match.group(0))
        extension, content = attributes.get("Extension", "").lower(), attributes.get("ContentType", "").lower()
        needed = any(n.lower().endswith("." + extension) and n.lower() not in overridden for n in kept)
        return "" if any(word in content for word in _MACRO_TYPES) and not needed else match.group(0)

    types = re.sub(r"<(?:\w+:)?Override\b[^>]*?(?:/>|>\s*</(?:\w+:)?Override>)", override, types)
    types = re.sub(r"<(?:\w+:)?Default\b[^>]*?(?:/>|>\s*</(?:\w+:)?Default>)", default, types)
    for macro in MACRO_MAIN:
        types = re.sub(re.escape(macro), PLAIN_MAIN, types, flags=re.IGNORECASE)
    return types


def _names_macros(types: str) -> bool:
    """Whether [Content_Types].xml names a macro part's type or a macro-enabled main part: then `_plain_types`
    has something to change."""
    lowered = types.lower()
    return any(word in lowered for word in _MACRO_TYPES) or any(macro.lower() in lowered for macro in MACRO_MAIN)


def _rels_of(name: str) -> str:
    folder, base = posixpath.split(name)
    return posixpath.join(folder, "_rels", base + ".rels")


def _source_of(rels: str) -> str:
    """The part a .rels part describes ("" for the package's own `_rels/.rels`)."""
    folder, base = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), base[: -len(".rels")]) if base != ".rels" else ""


def _without_relationships(text: str, source: str, dropped: set[str]) -> tuple[str, bool]:
    """`text` (a .rels part of `source`) without the relationships whose target is a dropped part."""
    gone = {name.lower() for name in dropped}
    removed = False

    def edit(match: re.Match) -> str:
        nonlocal removed
        attributes = attributes_of(match.group(0))
        if attributes.get("TargetMode") == "External":
            return match.group(0)
        target = attributes.get("Target", "")
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(posixpath.dirname(source), target)
        if posixpath.normpath(resolved).lower() in gone:
            removed = True
            return ""
        return match.group(0)

    pattern = r"<(?:\w+:)?Relationship\b[^>]*?(?:/>|>\s*</(?:\w+:)?Relationship>)"
    return re.sub(pattern, edit, text), removed


def before_close(text: str, element: str, addition: str) -> str:
    """`text` with `addition` put just before the last closing tag of `element` (any namespace prefix)."""
    closing = list(re.finditer(rf"</(?:[\w.-]+:)?{element}\s*>", text))
    if not closing:
        raise NotRepackable(f"no closing {element}")
    at = closing[-1].start()
    return text[:at] + addition + text[at:]
