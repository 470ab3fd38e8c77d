"""Cell comments written into a worksheet's XML parts, for `marked_copy.patched_copy`.

A comment in a workbook is three things: a `<comment ref="B5">` in the sheet's comments part
(xl/commentsN.xml), a note shape anchored at that cell in the sheet's legacy VML drawing
(xl/drawings/vmlDrawingN.vml), which is what Excel and LibreOffice draw, and the sheet's
`<legacyDrawing r:id>` pointing at that drawing, each part tied in by a relationship and typed in
[Content_Types].xml. `SheetNotes` adds ours to what the sheet already has: a comments part already there
gets our comments (on a cell already commented, our text follows the unit's), a drawing already there gets
our shapes (its bytes otherwise kept), and missing parts are made. The sheet itself is streamed:
`place` sees its chunks after `</sheetData>`, notes an existing `<legacyDrawing>` or inserts ours where
the schema wants it, and the parts that depend on that (relationships, comments, drawing) are written last.
"""

from __future__ import annotations

import posixpath
import re
from xml.sax.saxutils import escape

from addin.intake.guard.findings import MiB
from addin.intake.guard.zip_scan import Package
from addin.outputs.macro_free import NotRepackable, Plan, attributes_of, before_close, read_text

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
COMMENTS_TYPE = REL_NS + "/comments"
VML_TYPE = REL_NS + "/vmlDrawing"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
AUTHOR = "baocao"
VML_MAX = 16 * MiB
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_DATA_END = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>|<(?:[\w.-]+:)?sheetData\b[^>]*/>")
_LEGACY = re.compile(rb"<(?:[\w.-]+:)?legacyDrawing\s[^>]*>")
# what follows legacyDrawing in a worksheet (CT_Worksheet's sequence), or its end
_AFTER = re.compile(
    rb"<(?:([\w.-]+):)?(?:legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems|tableParts|extLst)\b"
    rb"|</(?:([\w.-]+):)?worksheet\s*>"
)
_NAMESPACES = (
    ' xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:x="urn:schemas-microsoft-com:office:excel"'
)
_SHAPETYPE = (
    '<v:shapetype{} id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def note_shape(address: str, shape_id: int, declared: str = "") -> str:
    """The VML note shape of the comment on `address` (hidden until the cell is pointed at); `declared`: the
    namespace declarations it needs when the drawing's root does not make them."""
    letters, digits = _ADDRESS.fullmatch(address).groups()
    column, row = column_number(letters) - 1, int(digits) - 1
    anchor = f"{column + 1}, 15, {max(row - 1, 0)}, 10, {column + 4}, 15, {row + 5}, 4"
    return (
        f'<v:shape{declared} id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
        'margin-top:1.5pt;width:240pt;height:105pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
        'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
        '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/>'
        f"<x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{row}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape>"
    )


def _run(text: str) -> str:
    return f'<r><rPr><sz val="9"/><rFont val="Tahoma"/><family val="2"/></rPr><t xml:space="preserve">{text}</t></r>'


def _escaped(text: str) -> str:
    return escape(_ILLEGAL.sub("", text))


def _vml_blocks(package: Package) -> set[int]:
    """The shape-id blocks (`<o:idmap data>`) the package's VML drawings already use."""
    used = set()
    for name in package.by_name:
        if name.lower().endswith(".vml"):
            data = package.read(name, limit=VML_MAX).decode("latin-1")
            for found in re.findall(r"<(?:[\w.-]+:)?idmap\b[^>]*?\sdata\s*=\s*[\"']([^\"']*)[\"']", data):
                used |= {int(n) for n in re.findall(r"\d+", found)}
    return used


class Parts:
    """The package's part names (case-insensitive), and new ones taken from it without clashes."""

    def __init__(self, package: Package):
        self.package = package
        self.taken = {name.lower() for name in package.by_name}
        self.blocks: set[int] | None = None

    def new(self, pattern: str) -> str:
        number = 1
        while pattern.format(number).lower() in self.taken:
            number += 1
        self.taken.add(pattern.format(number).lower())
        return pattern.format(number)

    def shape_blocks(self, count: int) -> list[int]:
        """Blocks of shape ids (1,024 each, the first of a block unused) for `count` shapes, none used before."""
        if self.blocks is None:
            self.blocks = _vml_blocks(self.package)
        free = (n for n in range(1, 10**6) if n not in self.blocks)
        chosen = [next(free) for _ in range(count // 1023 + 1)]
        self.blocks |= set(chosen)
        return chosen


class SheetNotes:
    """The comments `notes` ({address: text}) of the worksheet part `sheet`, wired in as the sheet streams."""

    def __init__(self, package: Package, plan: Plan, parts: Parts, sheet: str, notes: dict[str, str]):
        self.package, self.plan, self.sheet = package, plan, sheet
        self.notes = {
            a.replace("$", "").upper(): t for a, t in notes.items() if _ADDRESS.fullmatch(a.replace("$", "").upper())
        }
        folder, base = posixpath.split(sheet)
        self.rels_name = posixpath.join(folder, "_rels", base + ".rels")
        rels = self._text(self.rels_name) if self.rels_name in package.by_name else None
        self.rels = rels
        self.relationships = [
            attributes_of(tag) for tag in re.findall(r"<(?:[\w.-]+:)?Relationship\b[^>]*>", rels or "")
        ]
        taken = {a.get("Id", "") for a in self.relationships}
        self.new_ids = iter(f"rIdBaocao{n}" for n in range(1, 10**6) if f"rIdBaocao{n}" not in taken)
        comments = [a for a in self.relationships if a.get("Type") == COMMENTS_TYPE and self._target(a)]
        self.comments = self._target(comments[0]) if comments else None
        self.new_comments = self.comments is None
        if self.new_comments:
            self.comments = parts.new("xl/comments{}.xml")
        self.new_vml = parts.new("xl/drawings/vmlDrawing{}.vml")
        self.parts = parts
        self.commented: set[str] = set()
        self.existing_id: str | None = None
        self.placed_id: str | None = None
        self.after_data = False

    @property
    def done(self) -> bool:
        return self.existing_id is not None or self.placed_id is not None

    def _text(self, name: str) -> str:
        return self.plan.edited[name] if name in self.plan.edited else read_text(self.package, name)

    def _target(self, relationship: dict[str, str]) -> str | None:
        if relationship.get("TargetMode") == "External":
            return None
        target = relationship.get("Target", "")
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(posixpath.dirname(self.sheet), target)
        return self.package._existing(posixpath.normpath(joined))

    def place(self, data: bytes) -> bytes:
        """A chunk of the sheet (whole tags) with our `<legacyDrawing>` inserted where it belongs, unless the sheet
        has one (then ours go into its drawing)."""
        start = 0
        if not self.after_data:
            end = _DATA_END.search(data)
            if end is None:
                return data
            self.after_data, start = True, end.end()
        legacy, after = _LEGACY.search(data, start), _AFTER.search(data, start)
        if legacy and (after is None or legacy.start() < after.start()):
            found = re.search(rb'\s(?:[\w.-]+:)id\s*=\s*"([^"]*)"', legacy.group(0))
            self.existing_id = found.group(1).decode() if found else ""
            return data
        if after is None:
            return data
        prefix = after.group(1) or after.group(2) or b""
        self.placed_id = next(self.new_ids)
        element = (
            f'<{prefix.decode() + ":" if prefix else ""}legacyDrawing xmlns:r="{REL_NS}" r:id="{self.placed_id}"/>'
        )
        return data[: after.start()] + element.encode() + data[after.start() :]

    def register(self) -> None:
        """Before the sheet streams: the content types, and the parts written after it (relationships, comments,
        drawings), each made when the sheet has shown whether it has a `<legacyDrawing>` of its own."""
        types = self._text("[Content_Types].xml")
        if self.new_comments:
            override = f'<Override PartName="/{self.comments}" ContentType="{COMMENTS_CT}"/>'
            types = before_close(types, "Types", override)
        if not re.search(r"<(?:[\w.-]+:)?Default\b[^>]*Extension\s*=\s*\"vml\"", types, re.IGNORECASE):
            types = before_close(types, "Types", f'<Default Extension="vml" ContentType="{VML_CT}"/>')
        self.plan.edited["[Content_Types].xml"] = types
        self.plan.last[self.rels_name] = self.relationships_out
        if self.new_comments:
            self.plan.last[self.comments] = self.comments_out
        else:
            self.plan.edited[self.comments] = self._merged_comments(self._text(self.comments))
        for relationship in self.relationships:
            drawing = self._target(relationship) if relationship.get("Type") == VML_TYPE else None
            if drawing is not None and drawing not in self.plan.last:
                self.plan.last[drawing] = lambda drawing=drawing: self.drawing_out(drawing)
        self.plan.last[self.new_vml] = self.new_vml_out

    def relationships_out(self) -> str:
        added = []
        if self.new_comments:
            added.append((next(self.new_ids), COMMENTS_TYPE, self.comments))
        if self.placed_id is not None:
            added.append((self.placed_id, VML_TYPE, self.new_vml))
        rels = self.rels or (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_REL_NS}">'
            "</Relationships>"
        )
        for rel_id, kind, part in added:
            target = posixpath.relpath(part, posixpath.dirname(self.sheet))
            relationship = f'<Relationship Id="{rel_id}" Type="{kind}" Target="{target}"/>'
            rels = before_close(rels, "Relationships", relationship)
        return rels

    def comments_out(self) -> str:
        body = "".join(
            f'<comment ref="{address}" authorId="0"><text>{_run(_escaped(text))}</text></comment>'
            for address, text in self.notes.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{MAIN_NS}"><authors><author>{AUTHOR}</author></authors>'
            f"<commentList>{body}</commentList></comments>"
        )

    def _merged_comments(self, text: str) -> str:
        """The sheet's comments part with ours: a new author, our text after the unit's on a cell it commented,
        a new comment on every other cell."""
        prefix = re.search(r"<(?:([\w.-]+):)?comments\b", text)
        p = f"{prefix.group(1)}:" if prefix and prefix.group(1) else ""

        def prefixed(xml: str) -> str:
            return re.sub(r"<(/?)(?=[a-zA-Z])", rf"<\g<1>{p}", xml) if p else xml

        count = len(re.findall(r"<(?:[\w.-]+:)?author\b", text))
        empty = re.search(r"<(?:[\w.-]+:)?authors\s*/>", text)
        if empty:
            text = (
                text[: empty.start()] + prefixed(f"<authors><author>{AUTHOR}</author></authors>") + text[empty.end() :]
            )
        else:
            text = before_close(text, "authors", prefixed(f"<author>{AUTHOR}</author>"))

        def merge(match: re.Match) -> str:
            reference = attributes_of(match.group(0)[: match.group(0).index(">") + 1]).get("ref", "")
            reference = reference.replace("$", "").upper()
            note = self.notes.get(reference)
            if note is None or reference in self.commented:
                return match.group(0)
            # runs go after the unit's text and runs, before any phonetic run (CT_Rst: t?, r*, rPh*, phoneticPr?)
            close = list(re.finditer(r"<(?:[\w.-]+:)?(?:rPh|phoneticPr)\b|</(?:[\w.-]+:)?text\s*>", match.group(0)))
            if not close:
                return match.group(0)
            self.commented.add(reference)
            at = close[0].start()
            return match.group(0)[:at] + prefixed(_run(_escaped("\n" + note))) + match.group(0)[at:]

        pattern = r"<(?:[\w.-]+:)?comment\b[^>]*?(?<!/)>.*?</(?:[\w.-]+:)?comment\s*>"
        text = re.sub(pattern, merge, text, flags=re.DOTALL)
        added = "".join(
            prefixed(f'<comment ref="{address}" authorId="{count}"><text>{_run(_escaped(note))}</text></comment>')
            for address, note in self.notes.items()
            if address not in self.commented
        )
        if re.search(r"<(?:[\w.-]+:)?commentList\s*/>", text):
            text = re.sub(r"<((?:[\w.-]+:)?)commentList\s*/>", r"<\1commentList></\1commentList>", text, count=1)
        return before_close(text, "commentList", added) if added else text

    def _drawing(self) -> str | None:
        """The sheet's existing drawing, when its `<legacyDrawing>` names one."""
        chosen = [a for a in self.relationships if a.get("Id") == self.existing_id and a.get("Type") == VML_TYPE]
        return self._target(chosen[0]) if chosen else None

    def new_vml_out(self) -> str | None:
        if self.placed_id is None:
            return None
        blocks = self.parts.shape_blocks(len(self.notes))
        shapes = "".join(note_shape(a, blocks[n // 1023] * 1024 + n % 1023 + 1) for n, a in enumerate(self.notes))
        return (
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            f'<o:idmap v:ext="edit" data="{",".join(map(str, blocks))}"/></o:shapelayout>'
            f"{_SHAPETYPE.format('')}{shapes}</xml>"
        )

    def drawing_out(self, name: str) -> bytes:
        """A drawing of the sheet: as it was, or (the one its `<legacyDrawing>` names) with our note shapes."""
        data = self.package.read(name, limit=VML_MAX)
        if self.existing_id is None or self._drawing() != name:
            return data
        text = data.decode("latin-1")  # every byte kept as it is; ours are ASCII
        ids = [int(n) for n in re.findall(r"_x0000_s(\d+)", text)]
        first = max(ids, default=1024) + 1
        new = [a for a in self.notes if a not in self.commented]
        shapes = "".join(note_shape(a, first + n, _NAMESPACES) for n, a in enumerate(new))
        if "_x0000_t202" not in text:
            shapes = _SHAPETYPE.format(_NAMESPACES) + shapes
        closing = list(re.finditer(r"</xml\s*>", text))
        if not closing:
            raise NotRepackable("a VML drawing without its end")
        at = closing[-1].start()
        return (text[:at] + shapes + text[at:]).encode("latin-1")
