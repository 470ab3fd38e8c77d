"""A unit's workbook marked up without loading it: the cells found wrong coloured in the sheet XML itself.

openpyxl loads a whole workbook to colour one cell: a 16 MB return within every guard limit cost 113 s
and 2.9 GB (issue 12, case 12). `patched_copy` instead re-packs the package part by part (through
`macro_free`, so the copy carries no macros either): each worksheet streams through in bounded chunks
with the flagged cells' `s=` style index pointing at new cell formats (the cell's own format with a
red or yellow fill) appended to styles.xml, and the «Cần sửa» listing is added as a new worksheet part,
first in the workbook, wired into workbook.xml, its relationships and the content types. Everything
else keeps its bytes. Memory stays a few megabytes whatever the size; time grows with the bytes.

Each flagged cell also gets a comment saying what is wrong (`cell_notes`: the sheet's comments part and
its VML drawing, made or added to, and the sheet's `<legacyDrawing>`); a flagged cell the sheet XML does
not hold (empty, never formatted) is put in, empty, to carry its colour (`missing_cells`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, unescape

from addin.intake.guard.findings import DEFAULT_LIMITS, Limits, MiB
from addin.intake.guard.zip_scan import Package
from addin.outputs.cell_notes import Parts, SheetNotes
from addin.outputs.macro_free import (
    NotRepackable,
    Plan,
    attributes_of,
    before_close,
    macro_free_plan,
    opened_package,
    read_text,
    write_package,
)
from addin.outputs.missing_cells import MissingCells
from addin.xlsx.styles import FONT, wrapped_height

BAD_RGB, WARN_RGB, HEADER_RGB, LINE_RGB = "FFFFC7CE", "FFFFEB9C", "FFDDEBF7", "FF808080"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_TYPE = REL_NS + "/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XF_MAX = 64_000  # Excel's limit on cell formats
CARRY_MAX = 1 * MiB  # XML without a ">" for this long is not a sheet Excel wrote
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAB_SELECTED = re.compile(rb'(<(?:[\w.-]+:)?sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"')


@dataclass(frozen=True)
class ListingRow:
    severity: str  # as shown: «Lỗi» / «Cảnh báo»
    message: str
    sheet: str
    cell: str


@dataclass(frozen=True)
class ListingHeading:
    """The lines above the «Cần sửa» table: a bold title (the unit), then one line each (campaign, deadline…)."""

    title: str
    lines: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return 1 + len(self.lines) if self.title else 0


NO_HEADING = ListingHeading("")
LISTING_COLUMNS = (("Mức độ", 10), ("Nội dung", 80), ("Trang", 18), ("Ô", 10))
LISTING_WIDTH = sum(width for _, width in LISTING_COLUMNS)
LINK_RGB = "FF0563C1"


def cell_location(sheet: str, cell: str) -> str:
    """An internal hyperlink's location: «'Hoạt động'!G8» (the sheet name always quoted, quotes doubled)."""
    return "'{}'!{}".format(sheet.replace("'", "''"), cell.upper().replace("$", ""))


def heading_height(text: str, bold: bool = False) -> float:
    """The row height of a heading line wrapped across the whole listing width."""
    return wrapped_height(text, LISTING_WIDTH * (0.9 if bold else 1), minimum=20 if bold else 16)


def patched_copy(
    source: Path,
    target: Path,
    marks: dict[str, dict[str, bool]],
    listing: list[ListingRow],
    listing_name: str = "Cần sửa",
    limits: Limits = DEFAULT_LIMITS,
    heading: ListingHeading = NO_HEADING,
    notes: dict[str, dict[str, str]] | None = None,
) -> None:
    """Write to `target` (atomically) `source` without macros, each cell in `marks` ({sheet name: {address:
    is an error}}) filled red (error) or yellow, each cell in `notes` ({sheet name: {address: text}}) with a
    comment, and a first sheet `listing_name` listing `listing` under `heading`, each row's cell address a
    link to that cell."""
    with opened_package(source, limits) as package:
        plan = macro_free_plan(package)
        _MarkUp(package, plan, marks, listing, listing_name, heading, notes or {}).prepare()
        write_package(package, target, plan)


def can_patch(source: Path, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether `patched_copy` can mark up `source`: its small parts (workbook, relationships, styles) are read
    and planned, no sheet is streamed, nothing is written."""
    try:
        with opened_package(source, limits) as package:
            _MarkUp(package, macro_free_plan(package), {}, [], "Cần sửa").prepare()
    except (NotRepackable, OSError):
        return False
    return True


class _MarkUp:
    def __init__(self, package: Package, plan: Plan, marks, listing, listing_name, heading=NO_HEADING, notes=None):
        self.package, self.plan, self.marks, self.listing = package, plan, marks, listing
        self.notes = notes or {}
        self.listing_name, self.heading = listing_name, heading
        self.workbook = package._officedocument_part() or package._existing("xl/workbook.xml")
        if self.workbook is None:
            raise NotRepackable("no workbook part")
        self.folder = posixpath.dirname(self.workbook)

    def text(self, name: str) -> str:
        return self.plan.edited[name] if name in self.plan.edited else read_text(self.package, name)

    def prepare(self) -> None:
        workbook = self.text(self.workbook)
        if f'"{MAIN_NS}"' not in workbook[:4096]:
            raise NotRepackable("not a transitional SpreadsheetML workbook (Strict Open XML?)")
        rels_name = posixpath.join(self.folder, "_rels", posixpath.basename(self.workbook) + ".rels")
        rels = self.text(rels_name) if rels_name in self.package.by_name else None
        if rels is None:
            raise NotRepackable("the workbook has no relationships")
        relationships = list(map(attributes_of, re.findall(r"<(?:[\w.-]+:)?Relationship\b[^>]*>", rels)))
        targets = {
            a.get("Id", ""): (a.get("Type", ""), a.get("Target", ""))
            for a in relationships
            if a.get("TargetMode") != "External"
        }
        styles_part = next((self._part(t) for kind, t in targets.values() if kind.endswith("/styles")), None)
        if styles_part is None:
            raise NotRepackable("no styles part")
        styles = Styles(self.text(styles_part))
        sheets = [attributes_of(tag) for tag in re.findall(r"<(?:[\w.-]+:)?sheet\b[^>]*>", workbook)]
        parts, worksheets, new_parts = {}, set(), Parts(self.package)
        for sheet in sheets:
            kind, target = targets.get(sheet.get("id", ""), ("", ""))
            if kind.endswith(("/worksheet", "/chartsheet")) and self._part(target):
                parts[self._part(target)] = _name(sheet)
                if kind.endswith("/worksheet"):
                    worksheets.add(self._part(target))
        for part, name in parts.items():
            cells = self.marks.get(name, {})
            notes = None
            if self.notes.get(name) and part in worksheets:
                notes = SheetNotes(self.package, self.plan, new_parts, part, self.notes[name])
                if notes.notes:  # none left when no address is a cell's
                    notes.register()
                else:
                    notes = None
            stream = _marked_sheet(cells, styles, notes)
            if part in self.plan.edited:
                self.plan.edited[part] = b"".join(stream(iter([self.plan.edited[part].encode()]))).decode()
            else:
                self.plan.streamed[part] = stream
        names = {_name(sheet).casefold() for sheet in sheets}
        title = self.listing_name
        for number in range(2, 1000):
            if title.casefold() not in names:
                break
            title = f"{self.listing_name} ({number})"
        existing = {name.lower() for name in self.package.by_name}
        number = 1
        while f"{self.folder}/worksheets/sheet{number}.xml".lower() in existing:
            number += 1
        part = f"{self.folder}/worksheets/sheet{number}.xml".lstrip("/")
        taken = {a.get("Id", "") for a in relationships}
        rel_id = next(f"rIdBaocao{n}" for n in range(1, 10**6) if f"rIdBaocao{n}" not in taken)
        sheet_id = max((int(s["sheetId"]) for s in sheets if s.get("sheetId", "").isdigit()), default=0) + 1
        self.plan.added[part] = listing_sheet(self.listing, styles, self.heading).encode("utf-8")
        workbook = _with_first_sheet(workbook, title, sheet_id, rel_id)
        self.plan.edited[self.workbook] = print_titles(workbook, title, self.heading.rows + 1)
        relative = posixpath.relpath(part, self.folder or ".")
        relationship = f'<Relationship Id="{rel_id}" Type="{WORKSHEET_TYPE}" Target="{relative}"/>'
        self.plan.edited[rels_name] = before_close(rels, "Relationships", relationship)
        override = f'<Override PartName="/{part}" ContentType="{WORKSHEET_CT}"/>'
        self.plan.edited["[Content_Types].xml"] = before_close(self.text("[Content_Types].xml"), "Types", override)
        self.plan.last[styles_part] = styles.text_out

    def _part(self, target: str) -> str | None:
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(self.folder, target)
        return self.package._existing(posixpath.normpath(joined))


def _name(sheet: dict[str, str]) -> str:
    """A sheet's name as Excel shows it (workbook.xml holds it XML-escaped)."""
    return unescape(sheet.get("name", ""), {"&quot;": '"', "&apos;": "'"})


def _with_first_sheet(workbook: str, title: str, sheet_id: int, rel_id: str) -> str:
    """workbook.xml with the listing as its first, active sheet; sheet-index references shifted by one."""
    opening = re.search(r"<(?:([\w.-]+):)?sheets\b[^>]*?(/?)>", workbook)
    if opening is None or opening.group(2):
        raise NotRepackable("no sheets in workbook.xml")
    prefix = f"{opening.group(1)}:" if opening.group(1) else ""
    name = escape(title, {'"': "&quot;"})  # the prefix declared on the element itself: roots do not always bind it
    element = f'<{prefix}sheet xmlns:r="{REL_NS}" name="{name}" sheetId="{sheet_id}" r:id="{rel_id}"/>'
    workbook = workbook[: opening.end()] + element + workbook[opening.end() :]
    workbook = re.sub(r'(\blocalSheetId\s*=\s*")(\d+)"', lambda m: f'{m.group(1)}{int(m.group(2)) + 1}"', workbook)
    return re.sub(r'\b(activeTab|firstSheet)\s*=\s*"\d+"', r'\1="0"', workbook)


def _marked_sheet(
    cells: dict[str, bool], styles: Styles, notes: SheetNotes | None = None
) -> Callable[[Iterator[bytes]], Iterator[bytes]]:
    """A stream edit of one worksheet: flagged cells get their marked format; the tab is no longer selected;
    the `<legacyDrawing>` of the `notes` goes in after the cells."""
    pattern = None
    if cells:
        addresses = b"|".join(re.escape(address.upper().encode()) for address in sorted(cells, key=len, reverse=True))
        pattern = re.compile(rb'<(?:[\w.-]+:)?c(?=\s)[^>]*?(?<=\s)r="(' + addresses + rb')"[^>]*>')

    def mark(match: re.Match) -> bytes:
        tag = match.group(0)
        style = re.search(rb'\ss="(\d+)"', tag)
        index = styles.marked(int(style.group(1)) if style else 0, cells[match.group(1).decode()])
        if style:
            return tag[: style.start(1)] + str(index).encode() + tag[style.end(1) :]
        end = len(tag) - (2 if tag.endswith(b"/>") else 1)
        return tag[:end] + f' s="{index}"'.encode() + tag[end:]

    def edit(chunks: Iterator[bytes]) -> Iterator[bytes]:
        carry, head, missing = b"", True, MissingCells(cells)
        for chunk in chunks:
            data = carry + chunk
            cut = data.rfind(b">") + 1
            data, carry = data[:cut], data[cut:]
            if len(carry) > CARRY_MAX:
                raise NotRepackable("a worksheet with a tag longer than 1 MiB")
            data = missing.feed(data)
            if head:
                data = _TAB_SELECTED.sub(rb"\1", data)
                head = b"sheetData" not in data
            if pattern is not None:
                data = pattern.sub(mark, data)
            if notes is not None and not notes.done:
                data = notes.place(data)
            if data:
                yield data
        held = missing.flush()
        if held:
            yield pattern.sub(mark, held) if pattern is not None else held
        if carry:
            yield carry

    return edit


class Styles:
    """styles.xml as text, and the formats added to it: fills, a font, a border, cell formats (xf)."""

    def __init__(self, text: str):
        self.original = text
        self.blocks = {name: self._block(name) for name in ("fonts", "fills", "borders", "cellXfs")}
        self.prefix = self.blocks["cellXfs"][0]
        self.xfs = re.findall(
            r"<(?:[\w.-]+:)?xf\b(?:[^>]*?/>|[^>]*>.*?</(?:[\w.-]+:)?xf>)", self.blocks["cellXfs"][1], re.DOTALL
        )
        self.counts = {
            name: len(re.findall(rf"<(?:[\w.-]+:)?{name[:-1]}(?=[\s/>])", body))
            for name, (_, body) in self.blocks.items()
            if name != "cellXfs"
        }
        self.added: dict[str, list[str]] = {name: [] for name in self.blocks}
        self.made: dict[tuple, int] = {}

    def _block(self, name: str) -> tuple[str, str]:
        found = re.search(rf"<(?:([\w.-]+):)?{name}\b[^>]*?>(.*?)</(?:[\w.-]+:)?{name}>", self.original, re.DOTALL)
        if found is None:
            raise NotRepackable(f"styles.xml has no {name}")
        return (f"{found.group(1)}:" if found.group(1) else ""), found.group(2)

    def _add(self, block: str, key: tuple, element: str) -> int:
        if key not in self.made:
            if block == "cellXfs":
                index = len(self.xfs) + len(self.added[block])
                if index >= XF_MAX:
                    raise NotRepackable("too many cell formats")
            else:
                index = self.counts[block] + len(self.added[block])
            self.added[block].append(element)
            self.made[key] = index
        return self.made[key]

    def fill(self, rgb: str) -> int:
        p = self.prefix
        element = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/><{p}bgColor indexed="64"/>'
            f"</{p}patternFill></{p}fill>"
        )
        return self._add("fills", ("fill", rgb), element)

    def marked(self, original: int, error: bool) -> int:
        """The cell format `original` with a red (error) or yellow fill."""
        source = self.xfs[original] if 0 <= original < len(self.xfs) else self.xfs[0] if self.xfs else "<xf/>"
        fill = self.fill(BAD_RGB if error else WARN_RGB)
        opening = re.match(r"<[^>]*?(?=/?>)", source).group(0)
        rest = source[len(opening) :]
        for name, value in (("fillId", fill), ("applyFill", 1)):
            opening, count = re.subn(rf'(\s){name}\s*=\s*"[^"]*"', rf'\g<1>{name}="{value}"', opening)
            if not count:
                opening += f' {name}="{value}"'
        return self._add("cellXfs", ("xf", original, error), opening + rest)

    def listing_format(self, kind: str) -> int:
        """A format of the listing sheet: "header" (bold, shaded, boxed), "body" (boxed, wrapped), "link" (a body
        cell in link blue, underlined), "title" (bold 14) or "line" (a heading line, wrapped, no border)."""
        p = self.prefix
        size = 14 if kind == "title" else 12 if kind == "line" else 11
        bold = f"<{p}b/>" if kind in ("header", "title") else ""
        look = f'<{p}u/><{p}color rgb="{LINK_RGB}"/>' if kind == "link" else ""
        font = self._add(
            "fonts", ("font", kind), f'<{p}font>{bold}{look}<{p}sz val="{size}"/><{p}name val="{FONT}"/></{p}font>'
        )
        border = 0
        if kind in ("header", "body", "link"):
            line = f'style="thin"><{p}color rgb="{LINE_RGB}"/>'
            sides = "".join(f"<{p}{side} {line}</{p}{side}>" for side in ("left", "right", "top", "bottom"))
            border = self._add("borders", ("border",), f"<{p}border>{sides}<{p}diagonal/></{p}border>")
        fill = self.fill(HEADER_RGB) if kind == "header" else 0
        align = {
            "header": 'horizontal="center" vertical="center" wrapText="1"',
            "title": 'horizontal="left" vertical="center" wrapText="1"',
        }.get(kind, 'vertical="top" wrapText="1"')
        element = (
            f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0" applyFont="1" '
            f'applyFill="1" applyBorder="1" applyAlignment="1"><{p}alignment {align}/></{p}xf>'
        )
        return self._add("cellXfs", ("listing", kind), element)

    def text_out(self) -> str:
        text = self.original
        for name, elements in self.added.items():
            if not elements:
                continue
            block = re.search(rf"(<(?:[\w.-]+:)?{name}\b[^>]*?>)(.*?)(</(?:[\w.-]+:)?{name}>)", text, re.DOTALL)
            total = (len(self.xfs) if name == "cellXfs" else self.counts[name]) + len(elements)
            opening, count = re.subn(r'\scount\s*=\s*"\d*"', f' count="{total}"', block.group(1))
            if not count:
                opening = opening[:-1] + f' count="{total}">'
            text = (
                text[: block.start()]
                + opening
                + block.group(2)
                + "".join(elements)
                + block.group(3)
                + text[block.end() :]
            )
        return text


def _cell(reference: str, style: int, text: str) -> str:
    text = _ILLEGAL.sub("", text)
    if not text:
        return f'<c r="{reference}" s="{style}"/>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{reference}" s="{style}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def listing_sheet(listing: list[ListingRow], styles: Styles, heading: ListingHeading = NO_HEADING) -> str:
    """The «Cần sửa» worksheet: the heading lines (merged across the table), then one row per finding whose cell
    address links to that cell; the table's header frozen and repeated on every printed page, A4 landscape
    fitted to the width."""
    header, body, link = (styles.listing_format(kind) for kind in ("header", "body", "link"))
    columns = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>' for n, (_, width) in enumerate(LISTING_COLUMNS, 1)
    )
    rows, merged = [], []
    lines = [(heading.title, "title"), *((line, "line") for line in heading.lines)] if heading.title else []
    for number, (text, kind) in enumerate(lines, start=1):
        height = heading_height(text, kind == "title")
        cell = _cell(f"A{number}", styles.listing_format(kind), text)
        rows.append(f'<row r="{number}" ht="{height:g}" customHeight="1">{cell}</row>')
        merged.append(f'<mergeCell ref="A{number}:D{number}"/>')
    top = heading.rows + 1
    rows.append(
        f'<row r="{top}" ht="20" customHeight="1">'
        + "".join(
            _cell(f"{letter}{top}", header, label) for letter, (label, _) in zip("ABCD", LISTING_COLUMNS, strict=True)
        )
        + "</row>"
    )
    links = []
    for number, item in enumerate(listing, start=top + 1):
        height = wrapped_height(item.message, LISTING_COLUMNS[1][1], minimum=15)
        linked = bool(item.sheet and item.cell)
        styled = (
            (item.severity, body),
            (item.message, body),
            (item.sheet, body),
            (item.cell, link if linked else body),
        )
        cells = "".join(
            _cell(f"{letter}{number}", style, value) for letter, (value, style) in zip("ABCD", styled, strict=True)
        )
        rows.append(f'<row r="{number}" ht="{height:g}" customHeight="1">{cells}</row>')
        if linked:
            location = escape(cell_location(item.sheet, item.cell), {'"': "&quot;"})
            links.append(f'<hyperlink ref="D{number}" location="{location}" display="{escape(item.cell)}"/>')
    last = top + len(listing)
    merge_cells = f'<mergeCells count="{len(merged)}">{"".join(merged)}</mergeCells>' if merged else ""
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:D{last}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="A{top + 1}" sqref="A{top + 1}"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols>'
        f"<sheetData>{''.join(rows)}</sheetData>{merge_cells}{hyperlinks}"
        '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )


def print_titles(workbook: str, title: str, row: int) -> str:
    """workbook.xml with `row` (the listing's table header) of the first sheet, `title`, repeated on every page."""
    opening = re.search(r"<(?:([\w.-]+):)?sheets\b", workbook)
    prefix = f"{opening.group(1)}:" if opening and opening.group(1) else ""
    sheet = "'{}'".format(title.replace("'", "''"))
    reference = f"{escape(sheet)}!${row}:${row}"
    name = f'<{prefix}definedName name="_xlnm.Print_Titles" localSheetId="0">{reference}</{prefix}definedName>'
    existing = re.search(r"<(?:[\w.-]+:)?definedNames\s*>", workbook)
    if existing:
        return workbook[: existing.end()] + name + workbook[existing.end() :]
    if re.search(r"<(?:[\w.-]+:)?definedNames\s*/>", workbook):
        return re.sub(
            r"<((?:[\w.-]+:)?)definedNames\s*/>",
            lambda m: f"<{m.group(1)}definedNames>{name}</{m.group(1)}definedNames>",
            workbook,
            count=1,
        )
    after = None
    for element in ("externalReferences", "functionGroups", "sheets"):
        closing = list(re.finditer(rf"</(?:[\w.-]+:)?{element}\s*>|<(?:[\w.-]+:)?{element}\b[^>]*/>", workbook))
        if closing:
            after = closing[-1].end()
            break
    if after is None:
        raise NotRepackable("no sheets in workbook.xml")
    return workbook[:after] + f"<{prefix}definedNames>{name}</{prefix}definedNames>" + workbook[after:]
