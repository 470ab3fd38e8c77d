"""One returned workbook → its contents, found by the template's defined names.

Cells are located through workbook-level defined names (never fixed coordinates), so units
may restyle, insert rows inside tables, rename or reorder sheets. xlsx/xlsm are read in
process with python-calamine after the guard has bounded them; other formats (.xls, .xlsb,
.ods) are parsed in an isolated child process because they cannot be bounded beforehand.
"""

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from defusedxml import ElementTree
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from addin.config import CampaignConfig, Section
from addin.contract import META_SHEET, NAME_PREFIX, field_name
from addin.intake.guard.formats import FileKind
from addin.intake.guard.isolated import read_isolated
from addin.intake.guard.zip_scan import ScannedWorkbook, defined_names
from addin.vietnamese import LegacyEncoding, font_encoding
from addin.xlsx.meta import meta_from_rows

_REFERENCE = re.compile(
    r"^\$?(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^!']+?))[!.]"
    r"\$?(?P<col1>[A-Z]{1,3})\$?(?P<row1>\d+)(?::\.?\$?(?P<col2>[A-Z]{1,3})\$?(?P<row2>\d+))?$"
)
_FORMULA_END_WITHOUT_VALUE = re.compile(rb"<f(?:[^>]*/>|[^>]*>[^<]*</f>)(?:<v></v>|<v/>)?</c>")
_CELL_TAG = re.compile(rb"<c\s([^>]*)>")
_ADDRESS_AND_STYLE = re.compile(rb'(?:^|\s)([rs])="([^"]*)"')


@dataclass(frozen=True)
class Area:
    """A rectangle on one sheet, 1-based and inclusive."""

    sheet: str
    first_row: int
    first_column: int
    last_row: int
    last_column: int


@dataclass(frozen=True)
class Cell:
    value: object
    sheet: str
    address: str
    formula_without_value: bool = False

    @property
    def is_blank(self) -> bool:
        return not self.formula_without_value and (
            self.value is None or (isinstance(self.value, str) and not self.value.strip())
        )


@dataclass
class TableRow:
    """A table row holding something (blank rows of growing tables are not kept)."""

    number: int
    cells: dict[str, Cell]


@dataclass
class WorkbookContents:
    sheet_names: list[str]
    meta: dict[str, str]
    fields: dict[str, Cell] = field(default_factory=dict)
    tables: dict[str, list[TableRow]] = field(default_factory=dict)
    missing_names: list[str] = field(default_factory=list)
    # (sheet, address) → the legacy encoding of the cell's font (.VnTime → TCVN3, VNI-Times → VNI); xlsx only
    legacy_fonts: dict[tuple[str, str], LegacyEncoding] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def parse_reference(text: str) -> Area | None:
    """A defined name's target, written the Excel way ('Sheet'!$A$1:$B$2) or the ODF way ($'Sheet'.$A$1:.$B$2)."""
    match = _REFERENCE.match(text.strip().lstrip("="))
    if not match:
        return None
    sheet = match["quoted"].replace("''", "'") if match["quoted"] else match["plain"]
    first_column, first_row = _column_number(match["col1"]), int(match["row1"])
    last_column = _column_number(match["col2"]) if match["col2"] else first_column
    last_row = int(match["row2"]) if match["row2"] else first_row
    return Area(sheet, first_row, first_column, last_row, last_column)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


# ---------------------------------------------------------------- raw access per format


class _Sheets:
    """Grids of values per sheet (row 0 = Excel row 1), plus formula cells that have no value."""

    def __init__(
        self,
        grids: dict[str, list[list]],
        names: dict[str, str],
        blank_formulas: dict[str, set[str]],
        legacy_fonts: dict[tuple[str, str], LegacyEncoding] | None = None,
    ):
        self.grids = grids
        self.names = names
        self.blank_formulas = blank_formulas
        self.legacy_fonts = legacy_fonts or {}
        self.blank_formula_rows: dict[tuple[str, str], set[int]] = {}
        for sheet, addresses in blank_formulas.items():
            for address in addresses:
                letters = address.rstrip("0123456789")
                self.blank_formula_rows.setdefault((sheet, letters), set()).add(int(address[len(letters) :]))

    def filled_offsets(self, areas: list[Area]) -> set[int]:
        """Row offsets (0-based) within the areas where any of them holds something; no Cell is built.

        Rows are compared as slices against an all-empty slice, which runs in C: a 200-row table
        costs a few microseconds. Whitespace-only cells pass here and are treated as blank later.
        """
        offsets = set()
        for sheet in {area.sheet for area in areas}:
            on_sheet = [area for area in areas if area.sheet == sheet]
            grid = self.grids.get(sheet, [])
            first = min(area.first_column for area in on_sheet) - 1
            last = max(area.first_column for area in on_sheet)
            top = min(area.first_row for area in on_sheet)
            empty = [""] * (last - first)
            for row in range(top - 1, min(max(area.last_row for area in on_sheet), len(grid))):
                values = grid[row][first:last]
                if values != empty[: len(values)] and any(v not in ("", None) for v in values):
                    offsets.add(row - top + 1)
        for area in areas:
            for row in self.blank_formula_rows.get((area.sheet, get_column_letter(area.first_column)), ()):
                if area.first_row <= row <= area.last_row:
                    offsets.add(row - area.first_row)
        return offsets

    def cell(self, sheet: str, row: int, column: int) -> Cell:
        grid = self.grids.get(sheet, [])
        value = grid[row - 1][column - 1] if row - 1 < len(grid) and column - 1 < len(grid[row - 1]) else None
        address = f"{get_column_letter(column)}{row}"
        value = None if value == "" else value
        pending = value is None and address in self.blank_formulas.get(sheet, ())
        return Cell(value, sheet, address, pending)


def workbook_layout(read_part) -> tuple[dict[str, str], dict[str, str]]:
    """(sheet name → its XML part, workbook-level defined name → its reference) of an xlsx/xlsm package."""
    workbook = ElementTree.fromstring(read_part("xl/workbook.xml"))
    relations = ElementTree.fromstring(read_part("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in _elements(relations, "Relationship")}
    parts = {}
    for sheet in _elements(workbook, "sheet"):
        target = targets.get(_relation_id(sheet), "").lstrip("/")
        parts[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
    return parts, defined_names(workbook)


def sheets_read(defined_names: dict[str, str]) -> set[str]:
    """The sheets a return is read from, on whichever form version: `_meta` and every sheet a form name points at.

    The guard scans these (and only these) for their extent before python-calamine parses any of them."""
    sheets = {META_SHEET}
    for name, reference in defined_names.items():
        area = parse_reference(reference) if name.startswith(NAME_PREFIX) else None
        if area:
            sheets.add(area.sheet)
    return sheets


class _Members:
    """A package's members: as the guard kept them, else inflated from the file (opened only then)."""

    def __init__(self, path: Path, kept: dict[str, bytes]):
        self.path, self.kept, self.archive = path, kept, None

    def read(self, name: str, missing: bytes | None = None) -> bytes:
        if name in self.kept:
            return self.kept[name]
        if self.archive is None:
            self.archive = zipfile.ZipFile(self.path)
        if missing is not None and name not in self.archive.NameToInfo:
            return missing
        return self.archive.read(name)

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


def _open_ooxml(path: Path, wanted: set[str], scanned: ScannedWorkbook | None) -> tuple[list[str], _Sheets]:
    members = _Members(path, scanned.xml if scanned else {})
    try:
        parts, names = (scanned.sheets, scanned.defined_names) if scanned else workbook_layout(members.read)
        needed = _sheets_needed(names, wanted) & set(parts)
        xml = {name: members.read(parts[name]) for name in needed}  # scanned as bytes: never decoded
        # a styles.xml larger than the guard keeps (absurd) is not read for legacy fonts
        styles = scanned.xml.get("xl/styles.xml", b"") if scanned else members.read("xl/styles.xml", b"")
    finally:
        members.close()
    blank_formulas = {name: _formulas_without_value(xml[name]) for name in needed}
    legacy_styles = _legacy_font_styles(styles)
    legacy_fonts = {
        (name, address): encoding
        for name in needed
        for address, encoding in _cells_in_styles(xml[name], legacy_styles).items()
    }
    reader = CalamineWorkbook.from_path(str(path))
    grids = {name: reader.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in needed}
    return list(parts), _Sheets(grids, names, blank_formulas, legacy_fonts)


def _legacy_font_styles(styles: bytes) -> dict[int, LegacyEncoding]:
    """Cell style index → legacy encoding, for the styles whose font is a TCVN3 or VNI font.

    styles.xml is small (the guard bounds every part) and parsed only when it names such a font at all.
    Fonts of rich-text runs inside a cell are not read; a cell's own style is what a unit sets when typing
    in a legacy font.
    """
    if not _may_name_legacy_font(styles):
        return {}
    try:
        root = ElementTree.fromstring(styles)
    except ElementTree.ParseError:
        return {}  # fonts are one signal among others; calamine reports a broken workbook on its own
    fonts = [
        font_encoding(next((name.get("val") for name in _elements(font, "name")), None))
        for fonts in _elements(root, "fonts")
        for font in fonts
    ]
    styles = {}
    for cell_styles in _elements(root, "cellXfs"):
        for index, style in enumerate(cell_styles):
            font_id = int(style.get("fontId") or 0)
            if font_id < len(fonts) and fonts[font_id]:
                styles[index] = fonts[font_id]
    return styles


def _may_name_legacy_font(styles: bytes) -> bool:
    """Whether styles.xml may hold a font name starting ".Vn" or "VNI" (font_encoding), or a character reference
    that could spell one: a few substring tests (a case-blind regular expression took 0.13 ms a file)."""
    lowered = styles.lower()
    return b".vn" in lowered or b"vni" in lowered or b"&#" in styles


def _cells_in_styles(xml: bytes, styles: dict[int, LegacyEncoding]) -> dict[str, LegacyEncoding]:
    """Address → legacy encoding of the cells of a sheet whose style uses a legacy font (none: no scan)."""
    if not styles:
        return {}
    found = {}
    for tag in _CELL_TAG.finditer(xml):
        attributes = dict(_ADDRESS_AND_STYLE.findall(tag[1]))
        style = attributes.get(b"s", b"")
        if style.isdigit() and int(style) in styles and b"r" in attributes:
            found[attributes[b"r"].decode("ascii", "replace")] = styles[int(style)]
    return found


def _elements(root, local_name: str):
    """Elements by local name, whichever namespace (transitional or Strict Open XML) the file uses."""
    return (element for element in root.iter() if element.tag.rsplit("}", 1)[-1] == local_name)


def _relation_id(element) -> str | None:
    return next((value for key, value in element.attrib.items() if key.endswith("}id")), None)


def _formulas_without_value(xml: bytes) -> set[str]:
    """Addresses of formula cells saved without a result (a program that does not calculate wrote them).

    The search starts from the formula's end (`<f…</f></c>`, a literal prefix the regex engine finds
    fast) and only then looks back for the cell's address, so a sheet of thousands of plain cells
    costs one scan; a workbook saved by Excel, which stores every result, matches nothing.
    """
    found = set()
    for match in _FORMULA_END_WITHOUT_VALUE.finditer(xml):
        start = xml.rfind(b'<c r="', 0, match.start()) + 6
        found.add(xml[start : xml.index(b'"', start)].decode("ascii", "replace"))
    return found


def _open_isolated(path: Path, wanted: set[str]) -> tuple[list[str], _Sheets]:
    parsed = read_isolated(path)
    names = dict(parsed.get("defined_names", {}))
    grids = {name: sheet["rows"] for name, sheet in parsed["sheets"].items()}
    return list(parsed["sheets"]), _Sheets(grids, names, {})


def _sheets_needed(names: dict[str, str], wanted: set[str]) -> set[str]:
    sheets = {META_SHEET}
    for name in wanted:
        area = parse_reference(names.get(name, ""))
        if area:
            sheets.add(area.sheet)
    return sheets


# ---------------------------------------------------------------- contents


def wanted_names(config: CampaignConfig) -> dict[str, tuple[Section, str | None]]:
    """Defined name → (section, field name) for singles; (section, None) for whole tables."""
    wanted: dict[str, tuple[Section, str | None]] = {}
    for section in config.form.sections:
        for form_field in section.fields:
            wanted[field_name(section, form_field.name)] = (section, form_field.name)
    return wanted


def read_workbook(
    path: Path, kind: FileKind, config: CampaignConfig, scanned: ScannedWorkbook | None = None
) -> WorkbookContents:
    """The return's contents by the config's defined names; `scanned` is what the guard already read of it."""
    wanted = set(wanted_names(config))
    if kind in (FileKind.XLSX, FileKind.XLSM):
        sheet_names, sheets = _open_ooxml(path, wanted, scanned)
    else:
        sheet_names, sheets = _open_isolated(path, wanted)
    contents = WorkbookContents(sheet_names=sheet_names, meta=meta_from_rows(sheets.grids.get(META_SHEET, [])))
    contents.legacy_fonts = sheets.legacy_fonts
    for section in config.form.sections:
        if section.kind == "fields":
            _read_fields(section, sheets, contents)
        else:
            _read_table(section, sheets, contents)
    return contents


def _locate(section: Section, sheets: _Sheets, contents: WorkbookContents) -> dict[str, Area]:
    """Each field's area through its defined name; names that do not resolve are noted as missing."""
    areas = {}
    for form_field in section.fields:
        name = field_name(section, form_field.name)
        area = parse_reference(sheets.names.get(name, ""))
        if area is None or area.sheet not in sheets.grids:
            contents.missing_names.append(name)
        else:
            areas[form_field.name] = area
    return areas


def _read_fields(section: Section, sheets: _Sheets, contents: WorkbookContents) -> None:
    for name, area in _locate(section, sheets, contents).items():
        contents.fields[name] = sheets.cell(area.sheet, area.first_row, area.first_column)


def _read_table(section: Section, sheets: _Sheets, contents: WorkbookContents) -> None:
    columns = _locate(section, sheets, contents)
    if not columns:
        return
    height = max(area.last_row - area.first_row + 1 for area in columns.values())
    inputs = [columns[form_field.name] for form_field in section.input_fields if form_field.name in columns]
    offsets = range(height) if section.rows_from else sorted(sheets.filled_offsets(inputs))
    rows = []
    for offset in offsets:
        cells = {
            name: sheets.cell(area.sheet, area.first_row + offset, area.first_column)
            for name, area in columns.items()
            if area.first_row + offset <= area.last_row
        }
        rows.append(TableRow(offset + 1, cells))
    contents.tables[section.name] = rows
