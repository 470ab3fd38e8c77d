"""Text typed in legacy fonts (TCVN3/ABC, VNI) → Unicode, decided for the whole sheet, before any check.

A unit typing with a .VnTime or VNI-Times font sends Latin-1 look-alikes («Vuõ Thò Lan»). One cell
alone often cannot tell: short names, abbreviations without vowels («PGD§T») and words both fonts
explain. So the encoding is decided with every signal there is, strongest first: the cell's own font
(read from the xlsx styles), a clear verdict on the cell alone, the pooled text of its sheet, the
pooled text of the whole return. Then every typed text cell is converted, dropdown (select_one) cells
included, so the choice check and the merge see Unicode. Cells already in Unicode stay untouched
(a dropdown picked from the list, letters beyond Latin-1). Staff get one warning per sheet naming the
encoding; a cell still unreadable after conversion is an error at that cell, never merged silently.
"""

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from addin.config import CampaignConfig, FormField
from addin.findings import ERROR, WARNING, Finding
from addin.intake.reading import Cell, TableRow, WorkbookContents
from addin.rules.values import Place
from addin.vietnamese import (
    ENCODING_NAMES,
    LegacyEncoding,
    convert_typed_in,
    detect_legacy,
    detect_legacy_pooled,
    fold_name,
    is_unicode_text,
    unreadable_words,
)

_TEXT_TYPES = ("text", "select_one")
_LISTED_CELLS = 5


@dataclass(frozen=True)
class _TypedText:
    form_field: FormField
    cell: Cell
    row: int | None

    @property
    def key(self) -> tuple[str, str]:
        return self.cell.sheet, self.cell.address


class LegacyText:
    """Converts the legacy-font text of returns of one config; build once, use for every return."""

    def __init__(self, config: CampaignConfig):
        self.config = config
        self.choice_keys = {
            name: {fold_name(key) for choice in choices for key in (choice.label, choice.name)}
            for name, choices in config.form.choices.items()
        }

    def convert(self, contents: WorkbookContents) -> tuple[WorkbookContents, list[Finding]]:
        """The contents with every legacy-font text cell in Unicode, and what staff must be told."""
        typed = [item for item in self._typed_texts(contents) if not self._picked_from_list(item)]
        if not typed:
            return contents, []
        workbook_guess = detect_legacy_pooled(item.cell.value for item in typed)
        sheet_guesses = {
            sheet: detect_legacy_pooled(item.cell.value for item in typed if item.cell.sheet == sheet)
            for sheet in dict.fromkeys(item.cell.sheet for item in typed)
        }
        converted: dict[tuple[str, str], str] = {}
        by_sheet: dict[str, dict[LegacyEncoding, list[str]]] = {}
        unreadable: list[Finding] = []
        for item in typed:
            encoding = contents.legacy_fonts.get(item.key) or detect_legacy(item.cell.value)
            if not contents.legacy_fonts:  # no font says which cells are legacy: the text statistics decide
                encoding = encoding or sheet_guesses[item.cell.sheet] or workbook_guess
            if encoding is None:
                continue
            if is_unicode_text(item.cell.value):
                continue
            text = convert_typed_in(item.cell.value, encoding)
            if text is not None:
                converted[item.key] = text
                by_sheet.setdefault(item.cell.sheet, {}).setdefault(encoding, []).append(item.cell.address)
            if words := unreadable_words(text or item.cell.value):
                unreadable.append(_unreadable(item, encoding, words))
        return _with_values(contents, converted), [*map(_converted, by_sheet.items()), *unreadable]

    def _typed_texts(self, contents: WorkbookContents) -> Iterator[_TypedText]:
        for section in self.config.form.sections:
            fields = [f for f in section.input_fields if f.type in _TEXT_TYPES]
            rows = [TableRow(0, contents.fields)] if section.kind == "fields" else contents.tables.get(section.name, [])
            for row in rows:
                for form_field in fields:
                    cell = row.cells.get(form_field.name)
                    if cell is not None and isinstance(cell.value, str) and not cell.is_blank:
                        yield _TypedText(form_field, cell, row.number or None)

    def _picked_from_list(self, item: _TypedText) -> bool:
        """A dropdown cell holding a list item as it is: Unicode, whatever the rest of the sheet is."""
        keys = self.choice_keys.get(item.form_field.choices or "", set())
        return item.form_field.type == "select_one" and fold_name(item.cell.value) in keys


def _with_values(contents: WorkbookContents, converted: dict[tuple[str, str], str]) -> WorkbookContents:
    if not converted:
        return contents

    def cells(row: dict[str, Cell]) -> dict[str, Cell]:
        return {
            name: dataclasses.replace(cell, value=converted[cell.sheet, cell.address])
            if (cell.sheet, cell.address) in converted
            else cell
            for name, cell in row.items()
        }

    tables = {name: [TableRow(row.number, cells(row.cells)) for row in rows] for name, rows in contents.tables.items()}
    return dataclasses.replace(contents, fields=cells(contents.fields), tables=tables)


def _converted(sheet_cells: tuple[str, dict[LegacyEncoding, list[str]]]) -> Finding:
    sheet, cells_by_encoding = sheet_cells
    encodings = " và ".join(ENCODING_NAMES[encoding] for encoding in cells_by_encoding)
    addresses = [address for addresses in cells_by_encoding.values() for address in addresses]
    shown = ", ".join(addresses[:_LISTED_CELLS]) + ("…" if len(addresses) > _LISTED_CELLS else "")
    return Finding(
        WARNING,
        "LEGACY_ENCODING",
        f"Trang «{sheet}»: chữ ở {len(addresses)} ô ({shown}) được gõ bằng bảng mã {encodings} và đã được "
        "chuyển sang Unicode. Hãy kiểm tra lại các ô này; lần sau hãy gõ bằng Unicode (bảng mã Unicode, "
        "phông chữ như Times New Roman).",
        sheet=sheet,
    )


def _unreadable(item: _TypedText, encoding: LegacyEncoding, words: list[str]) -> Finding:
    shown = ", ".join(f"«{word}»" for word in dict.fromkeys(words))
    return Place(item.cell, item.row).finding(
        ERROR,
        "LEGACY_TEXT_UNREADABLE",
        f"«{item.form_field.label}» là «{item.cell.value.strip()}»: sau khi chuyển từ bảng mã "
        f"{ENCODING_NAMES[encoding]} vẫn còn chữ không đọc được ({shown}), có thể ô được gõ bằng bảng mã khác. "
        "Hãy gõ lại ô này bằng Unicode rồi gửi lại.",
        item.form_field,
    )
