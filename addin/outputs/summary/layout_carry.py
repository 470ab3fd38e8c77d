"""When the summary layout is drawn again: why (which part of the config changed), and what staff changed in the
old layout carried over to the new one wherever the structure allows.

Each layout drawn here carries, in its `_meta` sheet, a fingerprint of every config part it draws
(`part:summary.place_date`, `part:annex:<sheet>`, `part:form:<section>:<label>`, …) and, per annex, what it looked
like as drawn (`shape:<n>`, see `layout_shape`). Comparing that with the old layout's cells tells what staff
changed; comparing the parts with the new config tells why it was drawn again. A layout without that record (one
copied from the shipped layout) is compared with the shipped layout and config when it was built from them; else
every look of the old layout is carried, as staff's changes cannot be told from the old drawing.

Only what staff changed is carried, so a newer drawing (a fixed header, new fonts) stays wherever they did not
touch it. Per annex sheet (found by its config sheet name): page margins, tab colour, zoom, gridlines; per table
column (found by its header labels; a column relabelled in place by its neighbours): width, the header and
prototype cells' font, fill, border, alignment and number format, header texts staff edited (unless the config
changed that very label), header rows' heights; above the table (official header, titles) when it has as many
rows as before, and below it (signature, notes staff added) by distance from the table: looks, heights, edited
texts (found by the text drawn there, so a moved header half still matches).
"""

import hashlib
import json
import unicodedata
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from addin.config import CampaignConfig, load_config
from addin.contract import META_SHEET
from addin.outputs.summary import layout
from addin.outputs.summary.layout_shape import (
    AnnexShape,
    annex_shape,
    changed_attributes,
    column_width,
    look,
    page_look,
)
from addin.outputs.summary.names import data_name
from addin.shipped import SHIPPED_CONFIG, SHIPPED_LAYOUTS

PART = "part:"
SHAPE = "shape:"
CHUNK = 30_000  # a cell holds at most 32,767 characters: a long record takes several rows, `shape:<n>:<part>`


@dataclass
class LayoutRebuild:
    """A layout drawn again over one that existed: why, where the old one is, what was carried and what not."""

    path: Path
    backup: Path | None
    reasons: list[str]
    carried: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"Mẫu bảng tổng hợp {self.path} đã được tạo lại. Lý do: {'; '.join(self.reasons)}."]
        if self.backup:
            lines.append(f"Mẫu cũ (với định dạng cán bộ đã sửa) được giữ nguyên ở {self.backup}.")
        if self.carried:
            lines.append(f"Đã mang định dạng của mẫu cũ sang mẫu mới: {'; '.join(self.carried)}.")
        if self.not_carried:
            lines.append(
                f"Không mang sang được: {'; '.join(self.not_carried)}. Nếu cần, mở mẫu cũ và sửa lại trong "
                f"{self.path.name} bằng Excel."
            )
        return lines

    def as_json(self) -> dict:
        return {
            "layout": str(self.path),
            "old_layout": str(self.backup) if self.backup else None,
            "reasons": self.reasons,
            "carried": self.carried,
            "not_carried": self.not_carried,
        }


# ---------------------------------------------------------------- recording what was drawn


def part_fingerprints(config: CampaignConfig) -> dict[str, str]:
    """A fingerprint per config part the layout draws, named as staff find it in config.yaml."""
    data = config.model_dump(mode="json", include={"summary", "form", "document_header", "issuer"})
    summary, form = data.pop("summary"), data.pop("form")
    parts = {key: _hash(value) for key, value in data.items()}
    for annex in summary.pop("annexes"):
        parts[f"annex:{annex['sheet']}"] = _hash(annex)
    parts.update({f"summary.{key}": _hash(value) for key, value in summary.items()})
    for section in form.pop("sections"):
        parts[f"form:{section['name']}:{section['label']}"] = _hash(section)
    parts["form.choices"] = _hash(form.pop("choices"))
    parts["form"] = _hash(form)
    parts["layout_version"] = layout.LAYOUT_VERSION
    return parts


def record_drawn(workbook: Workbook, config: CampaignConfig) -> None:
    """Add to a freshly drawn layout's `_meta` its parts' fingerprints and each annex's texts as drawn."""
    meta = workbook[META_SHEET]
    rows = {PART + key: value for key, value in part_fingerprints(config).items()}
    for number in range(1, len(config.summary.annexes) + 1):
        shape = annex_shape(workbook, number)
        if shape is not None:
            text = shape.to_json()
            for part, start in enumerate(range(0, len(text), CHUNK), start=1):
                rows[f"{SHAPE}{number}:{part}"] = text[start : start + CHUNK]
    for key, value in rows.items():
        meta.append([key, None])
        meta.cell(row=meta.max_row, column=2, value=value).data_type = "s"


# ---------------------------------------------------------------- why, and carrying


def carry_layout(
    old: Workbook | None, old_meta: dict[str, str], new: Workbook, config: CampaignConfig, problem: str | None
) -> tuple[list[str], list[str], list[str]]:
    """Carry what the structure allows from `old` into `new`; (reasons, carried, not carried) in words."""
    if old is None:
        return ["tệp mẫu cũ không mở được"], [], ["toàn bộ định dạng (tệp cũ không mở được)"]
    old_parts, drawn = _old_record(old_meta)
    reasons = _part_reasons(old_parts, part_fingerprints(config)) if old_parts else []
    if problem:
        reasons.append(f"mẫu cũ {problem}")
    carried, lost, untouched, used = [], [], [], set()
    old_numbers = _old_annexes(old, drawn)
    for number, annex in enumerate(config.summary.annexes, start=1):
        shape = annex_shape(new, number)
        found = old_numbers.get(annex.sheet) or _renamed(old_numbers, number, config, drawn)
        if shape is None or found is None:
            if old_parts is None:
                reasons.append(f"thêm phụ lục «{annex.sheet}»")
            lost.append(f"«{annex.sheet}» là phụ lục mới, dùng định dạng mặc định")
            continue
        old_number, old_shape = found
        used.add(old_number)
        sheet_notes = _carry_annex(old[old_shape.sheet], old_shape, drawn.get(old_number), new, shape)
        reasons.extend(f"«{annex.sheet}»: {change}" for change in sheet_notes.changes)
        if sheet_notes.carried():
            carried.append(f"«{annex.sheet}»: {sheet_notes.carried()}")
        else:
            untouched.append(f"«{annex.sheet}»")
        lost.extend(f"«{annex.sheet}»: {item}" for item in sheet_notes.lost)
    if untouched:
        carried.append(f"{', '.join(untouched)}: không có gì cán bộ đã sửa, dùng mẫu mới")
    if old_parts is None:
        gone = [sheet for sheet, (number, _) in old_numbers.items() if number not in used]
        reasons.extend(f"bỏ phụ lục «{sheet}»" for sheet in sorted(gone))
    if not reasons:
        reasons.append(
            "cấu hình đã đổi ở các mục summary, form, document_header hoặc issuer (mẫu cũ không ghi rõ mục nào)"
        )
    return _unique(reasons), carried, lost


def _old_record(meta: dict[str, str]) -> tuple[dict[str, str] | None, dict[int, AnnexShape]]:
    """The old layout's parts and drawn texts: its own record, else the shipped layout's when built from it."""
    parts = {key[len(PART) :]: value for key, value in meta.items() if key.startswith(PART)}
    if parts:
        chunks: dict[int, list[tuple[int, str]]] = {}
        for key, value in meta.items():
            if key.startswith(SHAPE):
                number, _, part = key[len(SHAPE) :].partition(":")
                chunks.setdefault(int(number), []).append((int(part or 1), value))
        return parts, {
            number: AnnexShape.from_json("".join(text for _, text in sorted(pieces)))
            for number, pieces in chunks.items()
        }
    try:
        shipped = load_workbook(SHIPPED_LAYOUTS / "bang_tong_hop.xlsx")
        rows = shipped[META_SHEET].iter_rows(max_col=2, values_only=True)
        if {str(key): str(value) for key, value in rows if key}.get("summary_fingerprint") != meta.get(
            "summary_fingerprint"
        ):
            return None, {}
        config = load_config(SHIPPED_CONFIG)
    except Exception:  # no shipped layout or config to compare with: the reasons stay general
        return None, {}
    parts = part_fingerprints(config)
    if layout.layout_fingerprint(config) != meta.get("summary_fingerprint"):
        parts["layout_version"] = "?"  # the same config drawn by another version of the code
    drawn = {number: annex_shape(shipped, number) for number in range(1, len(config.summary.annexes) + 1)}
    return parts, {number: shape for number, shape in drawn.items() if shape}


PART_WORDS = {
    "document_header": "mục document_header (quốc hiệu, tiêu ngữ)",
    "issuer": "mục issuer (cơ quan ban hành)",
    "form": "mục form (tên, phiên bản, hướng dẫn của biểu mẫu)",
    "form.choices": "mục form.choices (các danh sách chọn)",
    "layout_version": "phiên bản baocao mới vẽ mẫu khác trước",
}


def _part_reasons(old: dict[str, str], new: dict[str, str]) -> list[str]:
    reasons = []
    for key in [*new, *(key for key in old if key not in new)]:
        if old.get(key) == new.get(key):
            continue
        kind, _, name = key.partition(":")
        if kind == "annex":
            verb = "thêm" if key not in old else "bỏ" if key not in new else "đổi"
            reasons.append(f"{verb} phụ lục «{name}» (summary.annexes)")
        elif kind == "form":
            section, _, label = name.partition(":")
            verb = "thêm" if key not in old else "bỏ" if key not in new else "đổi"
            reasons.append(f"{verb} phần «{label}» ({section}) của biểu mẫu (form.sections)")
        elif key == "layout_version":
            reasons.append(PART_WORDS[key])
        else:
            reasons.append(f"{PART_WORDS.get(key, f'mục {key}')} đã đổi")
    return reasons


def _old_annexes(old: Workbook, drawn: dict[int, AnnexShape]) -> dict[str, tuple[int, AnnexShape]]:
    """Config sheet name -> (number, shape now) of each annex in the old layout, found by its names."""
    found, number = {}, 1
    while old.defined_names.get(data_name(number)) is not None or number in drawn:
        shape = annex_shape(old, number)
        if shape is not None:
            config_sheet = drawn[number].sheet if number in drawn else shape.sheet  # staff may have renamed it
            found.setdefault(config_sheet, (number, shape))
        number += 1
    return found


UNKNOWN = object()  # how the old layout was drawn is not known: carry all it has


def _renamed(
    old_numbers: dict[str, tuple[int, AnnexShape]], number: int, config: CampaignConfig, drawn: dict
) -> tuple[int, AnnexShape] | None:
    """Without a record of the drawing: the old annex in the same place, if staff renamed its sheet."""
    wanted = {annex.sheet for annex in config.summary.annexes}
    same_place = [item for sheet, item in old_numbers.items() if item[0] == number and sheet not in wanted]
    return same_place[0] if same_place and not drawn else None


@dataclass
class _SheetNotes:
    lost: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # columns the config added, removed or relabelled
    texts: list[str] = field(default_factory=list)
    cells: set[tuple[int, int]] = field(default_factory=set)  # old cells whose look staff changed
    widths: int = 0
    heights: int = 0
    page: bool = False

    def carried(self) -> str:
        parts = [
            f"định dạng {len(self.cells)} ô" if self.cells else "",
            f"độ rộng {self.widths} cột" if self.widths else "",
            f"chiều cao {self.heights} dòng" if self.heights else "",
            "thiết lập trang (lề, màu thẻ trang, thu phóng)" if self.page else "",
            f"chữ đã sửa {', '.join(_unique(self.texts))}" if self.texts else "",
        ]
        return ", ".join(part for part in parts if part)


class _Carrier:
    """Carries, cell by cell, what staff changed in one old annex sheet into the new one."""

    def __init__(self, old_sheet: Worksheet, old: AnnexShape, drawn: AnnexShape | None, sheet: Worksheet):
        self.old_sheet, self.old, self.drawn, self.sheet = old_sheet, old, drawn, sheet
        self.notes = _SheetNotes()

    def style(self, old_row: int, old_column: int, target) -> None:
        source = self.old_sheet.cell(old_row, old_column)
        drawn = self.drawn.looks.get(f"{self.old.row_key(old_row)},{old_column}", "") if self.drawn else None
        changed = changed_attributes(look(source), drawn)
        for attribute in changed:
            setattr(target, attribute, copy(getattr(source, attribute)))
        if changed and (source.has_style or drawn is not None):
            self.notes.cells.add((old_row, old_column))

    def height(self, old_row: int, new_row: int) -> None:
        dimension = self.old_sheet.row_dimensions.get(old_row)
        now = dimension.height if dimension is not None else None
        drawn = self.drawn.heights.get(self.old.row_key(old_row)) if self.drawn else UNKNOWN
        if now and now != drawn:
            self.sheet.row_dimensions[new_row].height = now
            self.notes.heights += 1

    def width(self, old_column: int, new_column: int) -> None:
        now = column_width(self.old_sheet, old_column)
        drawn = self.drawn.widths.get(str(old_column)) if self.drawn else UNKNOWN
        if now and now != drawn:
            self.sheet.column_dimensions[get_column_letter(new_column)].width = now
            self.notes.widths += 1

    def page(self) -> None:
        now = page_look(self.old_sheet)
        if (self.drawn is not None and now == self.drawn.page) or now == page_look(self.sheet):
            return
        self.sheet.page_margins = copy(self.old_sheet.page_margins)
        tab = self.old_sheet.sheet_properties.tabColor
        self.sheet.sheet_properties.tabColor = copy(tab) if tab is not None else None
        self.sheet.sheet_view.zoomScale = self.old_sheet.sheet_view.zoomScale
        self.sheet.sheet_view.showGridLines = self.old_sheet.sheet_view.showGridLines
        self.notes.page = True


def _carry_annex(
    old_sheet: Worksheet, old: AnnexShape, drawn: AnnexShape | None, new_book: Workbook, new: AnnexShape
) -> _SheetNotes:
    sheet = new_book[new.sheet]
    if drawn is not None and drawn.width != old.width:
        drawn = None  # staff added or removed columns themselves: what they look like now is the only guide
    carrier = _Carrier(old_sheet, old, drawn, sheet)
    notes = carrier.notes
    if old_sheet.title != new.sheet:
        notes.lost.append(f"tên trang đã đổi thành «{old_sheet.title}» (mẫu mới dùng tên trong cấu hình)")
    carrier.page()
    extras = [
        ("hình, logo", bool(old_sheet._images)),
        ("định dạng có điều kiện", bool(old_sheet.conditional_formatting)),
        ("danh sách chọn trong ô", bool(old_sheet.data_validations.dataValidation)),
    ]
    notes.lost += [word for word, present in extras if present]
    identity = drawn.labels if drawn is not None else old.labels
    columns = _match_columns(new.labels, identity) if new.head_rows else _same_columns(new, old)
    if new.head_rows:
        _column_changes(old, identity, new, columns, notes)
    for new_index, old_index in columns.items():
        carrier.width(old_index + 1, new_index + 1)
    _carry_table(carrier, new, columns)
    if old.table_top == new.table_top:
        _carry_block(carrier, new, above=True)
    else:
        notes.lost.append(
            f"phần đầu trang (trên bảng: {old.table_top - 1} dòng ở mẫu cũ, {new.table_top - 1} dòng ở mẫu mới)"
        )
    _carry_block(carrier, new, above=False)
    return notes


def _column_changes(
    old: AnnexShape, identity: list[list[str]], new: AnnexShape, columns: dict[int, int], notes: _SheetNotes
) -> None:
    renamed = [
        (_label(identity[j]), _label(new.labels[i]))
        for i, j in columns.items()
        if _norm(_label(identity[j])) != _norm(_label(new.labels[i]))
    ]
    removed = [j for j in range(old.width) if j not in columns.values()]
    added = [_label(new.labels[i]) for i in range(new.width) if i not in columns]
    notes.changes += [f"cột «{before}» nay là «{after}»" for before, after in renamed]
    notes.changes += [f"bỏ cột «{_label(identity[j])}»" for j in removed]
    notes.changes += [f"thêm cột «{label}»" for label in added]
    notes.lost += [f"cột mới «{label}» dùng định dạng mặc định" for label in added]
    notes.lost += [
        f"tiêu đề cột «{_label(old.labels[j])}» đã sửa (cột đã bỏ khỏi cấu hình)"
        for j in removed
        if _norm(_label(old.labels[j])) != _norm(_label(identity[j]))
    ]


def _carry_table(carrier: _Carrier, new: AnnexShape, columns: dict[int, int]) -> None:
    """Header cells (rows matched from the bottom: the "(1) (2) …" row with its own), heights, the prototype row."""
    old, drawn, sheet, notes = carrier.old, carrier.drawn, carrier.sheet, carrier.notes
    steps = range(min(new.head_rows, old.head_rows) + 1)
    for new_row, old_row in ((new.data_row - step, old.data_row - step) for step in steps):
        carrier.height(old_row, new_row)
        for new_index, old_index in columns.items():
            carrier.style(old_row, old_index + 1, sheet.cell(new_row, new_index + 1))
    for new_index, old_index in columns.items():
        for step in range(1, min(new.head_rows, old.head_rows)):  # the label rows, numbers row excluded
            now = _at(old.labels[old_index], -step)
            as_drawn = _at(drawn.labels[old_index], -step) if drawn else now
            target = sheet.cell(new.data_row - 1 - step, new_index + 1)
            if not now or now == as_drawn or isinstance(target, MergedCell):
                continue
            config_says = _at(new.labels[new_index], -step)
            if _norm(config_says) == _norm(as_drawn):
                target.value, target.data_type = now, "s"
                notes.texts.append(f"«{now}»")
            else:
                notes.lost.append(f"tiêu đề cột «{now}» đã sửa (cấu hình nay ghi «{config_says}»)")


def _carry_block(carrier: _Carrier, new: AnnexShape, above: bool) -> None:
    """The rows above the table (same count) or below it (by distance): heights, looks, edited texts."""
    old, drawn, old_sheet, sheet = carrier.old, carrier.drawn, carrier.old_sheet, carrier.sheet
    old_now = old.above if above else old.below
    old_drawn = (drawn.above if above else drawn.below) if drawn else old_now
    new_drawn = new.above if above else new.below
    old_base, new_base = (old.table_top, new.table_top) if above else (old.data_row, new.data_row)
    offsets = range(1 - old.table_top, 0) if above else range(1, old_sheet.max_row - old.data_row + 1)
    for offset in offsets:
        old_row, new_row = old_base + offset, new_base + offset
        carrier.height(old_row, new_row)
        for column in range(1, new.width + 1):
            text = new_drawn.get(f"{offset},{column}")
            found = _column_drawing(old_drawn, offset, text) if text else None
            source = found or column  # a text the config changed keeps the old cell's look, not its text
            if source > max(old.width, old_sheet.max_column):
                continue
            target = sheet.cell(new_row, column)
            carrier.style(old_row, source, target)
            now = old_now.get(f"{offset},{source}")
            edited = now is not None and now != old_drawn.get(f"{offset},{source}")
            starts = not isinstance(target, MergedCell) and not isinstance(old_sheet.cell(old_row, source), MergedCell)
            if edited and starts and (found if text else target.value is None):
                target.value, target.data_type = now, "s"
                carrier.notes.texts.append(f"«{now}»")


def _column_drawing(drawn: dict[str, str], offset: int, text: str) -> int | None:
    """The old layout's column on row `offset` where the same text was drawn (the split may have moved)."""
    for key, value in drawn.items():
        row, column = key.split(",")
        if int(row) == offset and _norm(value) == _norm(text):
            return int(column)
    return None


def _match_columns(new: list[list[str]], old: list[list[str]]) -> dict[int, int]:
    """New column -> old column (zero-based): first by all their header labels, then by the lowest label alone."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for key in (lambda labels: tuple(map(_norm, labels)), lambda labels: _norm(_at(labels, -1))):
        free: dict[object, list[int]] = {}
        for index, labels in enumerate(old):
            if index not in used:
                free.setdefault(key(labels), []).append(index)
        for index, labels in enumerate(new):
            candidates = free.get(key(labels))
            if index not in pairs and candidates:
                pairs[index] = candidates.pop(0)
                used.add(pairs[index])
    for index in range(len(new)):  # a column whose label changed, in the same place: beside the same neighbour
        if index in pairs:
            continue
        beside = [pairs[index - 1] + 1] if index - 1 in pairs else [0] if index == 0 else []
        beside += [pairs[index + 1] - 1] if index + 1 in pairs else []
        free = [place for place in beside if 0 <= place < len(old) and place not in used]
        if free:
            pairs[index] = free[0]
            used.add(free[0])
    return pairs


def _same_columns(new: AnnexShape, old: AnnexShape) -> dict[int, int]:
    return {index: index for index in range(min(new.width, old.width))}


def _label(labels: list[str]) -> str:
    return " / ".join(_unique([label for label in labels if label])) or "(không tên)"


def _at(labels: list[str], index: int) -> str:
    return labels[index] if -len(labels) <= index < len(labels) else ""


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _hash(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
