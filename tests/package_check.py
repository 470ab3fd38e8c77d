"""What Excel checks before it offers to repair a workbook, checked on the zip itself (no reader's leniency):
every part well-formed, every part typed, every relationship's target there, worksheet children in the
schema's order, each comments part beside a `<legacyDrawing>` whose drawing has a note shape on each
commented cell, and shape ids and id blocks unique across the drawings."""

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
EXCEL = "{urn:schemas-microsoft-com:office:excel}"
VML = "{urn:schemas-microsoft-com:vml}"
OFFICE = "{urn:schemas-microsoft-com:office:office}"
WORKSHEET_ORDER = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
]


def column_row(address: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", address).groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return column - 1, int(digits) - 1


def package_problems(path: Path) -> list[str]:
    """What would make Excel repair `path` (empty: none found)."""
    problems = []
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        trees = {}
        for name in names:
            if name.endswith((".xml", ".rels", ".vml")):
                try:
                    trees[name] = ElementTree.fromstring(package.read(name))
                except ElementTree.ParseError as error:
                    problems.append(f"{name} not well-formed: {error}")
        types = trees["[Content_Types].xml"]
        defaults = {d.get("Extension").lower() for d in types.iter(CT + "Default")}
        overrides = {o.get("PartName").lstrip("/") for o in types.iter(CT + "Override")}
        problems += [f"override of a missing part {o}" for o in overrides if o not in names]
        for name in names - {"[Content_Types].xml"}:
            if name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
                problems.append(f"{name} has no content type")
        targets: dict[str, dict[str, tuple[str, str]]] = {}
        for rels in (n for n in names if n.endswith(".rels")):
            folder = posixpath.dirname(posixpath.dirname(rels))
            source = posixpath.join(folder, posixpath.basename(rels)[: -len(".rels")])
            ids = [r.get("Id") for r in trees[rels].iter(PKG + "Relationship")]
            if len(ids) != len(set(ids)):
                problems.append(f"{rels}: duplicate ids")
            for relationship in trees[rels].iter(PKG + "Relationship"):
                if relationship.get("TargetMode") == "External":
                    continue
                target = relationship.get("Target")
                part = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
                if part not in names:
                    problems.append(f"{rels}: target {target} missing")
                targets.setdefault(source, {})[relationship.get("Id")] = (
                    relationship.get("Type").rsplit("/", 1)[-1],
                    part,
                )
        shape_ids, blocks = [], []
        for name in (n for n in names if n.endswith(".vml") and n in trees):
            shape_ids += [s.get("id") for s in trees[name].iter(VML + "shape")]
            for idmap in trees[name].iter(OFFICE + "idmap"):
                blocks += idmap.get("data").split(",")
        if len(shape_ids) != len(set(shape_ids)) or len(blocks) != len(set(blocks)):
            problems.append(f"shape ids or id blocks repeated: {shape_ids} {blocks}")
        for sheet in (n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            children = [child.tag.replace(MAIN, "") for child in trees[sheet]]
            order = [WORKSHEET_ORDER.index(tag) for tag in children if tag in WORKSHEET_ORDER]
            if order != sorted(order) or len(order) != len(children):
                problems.append(f"{sheet}: children out of order {children}")
            rels = targets.get(sheet, {})
            comments = [part for kind, part in rels.values() if kind == "comments"]
            legacy = trees[sheet].find(MAIN + "legacyDrawing")
            for part in comments:
                refs = [c.get("ref") for c in trees[part].iter(MAIN + "comment")]
                if len(refs) != len(set(refs)) or not all(re.fullmatch(r"[A-Z]{1,3}[0-9]+", r) for r in refs):
                    problems.append(f"{part}: comment refs {refs}")
                authors = len(list(trees[part].iter(MAIN + "author")))
                if any(int(c.get("authorId")) >= authors for c in trees[part].iter(MAIN + "comment")):
                    problems.append(f"{part}: an author id past the authors")
                if legacy is None or rels.get(legacy.get(REL + "id"), ("",))[0] != "vmlDrawing":
                    problems.append(f"{sheet}: comments without a legacyDrawing to a drawing")
                    continue
                drawing = trees.get(rels[legacy.get(REL + "id")][1])
                anchored = {
                    (int(data.find(EXCEL + "Column").text), int(data.find(EXCEL + "Row").text))
                    for data in (drawing.iter(EXCEL + "ClientData") if drawing is not None else ())
                    if data.get("ObjectType") == "Note"
                }
                missing = [ref for ref in refs if column_row(ref) not in anchored]
                if missing:
                    problems.append(f"{sheet}: no note shape for {missing}")
    return problems
