"""When the summary layout is drawn again: why (which part of the config changed), and the staff's styling carried
from the old layout to the new one wherever the structure allows.

Each layout this module records carries, in its `_meta` sheet, a fingerprint of every config part it draws
(`part:summary.place_date`, `part:annex:<sheet>`, `part:form:<section>`, …) and, per annex, the texts as drawn
(`shape:<n>`: the table's header labels, the texts above and below the table). Comparing those with the old
layout's cells tells what staff edited; comparing the parts with the new config tells why it was drawn again.
A layout without them (copied from the shipped one) is compared with the shipped layout and the shipped config
when it was built from them.

What is carried, per annex sheet (found by its config sheet name): page margins, tab colour, zoom and gridlines;
per table column (found by its header labels, not its position): width, the header cells' and the prototype
row's fonts, fills, borders, alignment and number format, header texts staff edited (unless the config changed
that very label); the header rows' heights; the cells above the table (official header, titles) when they have
as many rows as before, and those below it (signature, notes staff added) by their distance from the table:
style, height, edited texts matched by the text drawn there.
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
from addin.outputs.summary.layout import LAYOUT_VERSION
from addin.outputs.summary.names import data_name, head_name, name_target
from addin.shipped import SHIPPED_CONFIG, SHIPPED_LAYOUTS

PART = "part:"
SHAPE = "shape:"
STYLE_ATTRIBUTES = ("font", "fill", "border", "alignment", "number_format", "protection")


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


@dataclass
class AnnexShape:
    """An annex's table and texts in a layout: what the drawing put there, or what is there now."""

    sheet: str
    table_top: int  # the first header row (charts: the data row)
    head_rows: int  # header rows, the "(1) (2) …" row included; 0 for charts
    data_row: int
    width: int
    labels: list[list[str]]  # per column, its header label texts top to bottom (merged cells spread)
    above: dict[str, str]  # "offset,column" -> text, offset < 0 counted from table_top
    below: dict[str, str]  # "offset,column" -> text, offset > 0 counted from data_row

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)


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
    parts["layout_version"] = LAYOUT_VERSION
    return parts


def record_drawn(workbook: Workbook, config: CampaignConfig) -> None:
    """Add to a freshly drawn layout's `_meta` its parts' fingerprints and each annex's texts as drawn."""
    meta = workbook[META_SHEET]
    rows = {PART + key: value for key, value in part_fingerprints(config).items()}
    for number in range(1, len(config.summary.annexes) + 1):
        shape = annex_shape(workbook, number)
        if shape is not None:
            rows[f"{SHAPE}{number}"] = shape.to_json()
    for key, value in rows.items():
        meta.append([key, None])
        meta.cell(row=meta.max_row, column=2, value=value).data_type = "s"


def annex_shape(workbook: Workbook, number: int) -> AnnexShape | None:
    data = name_target(workbook, data_name(number))
    if data is None:
        return None
    sheet, (_, data_row, width, _) = data
    head = name_target(workbook, head_name(number))
    top, rows = data_row, 0
    if head is not None and head[0] is sheet:
        top, rows = head[1][1], head[1][3] - head[1][1] + 1
    spread = _spread_values(sheet)
    labels = [[spread.get((row, column), "") for row in range(top, top + rows - 1)] for column in range(1, width + 1)]
    above, below = {}, {}
    for (row, column), text in spread.items():
        if row < top:
            above[f"{row - top},{column}"] = text
        elif row > data_row:
            below[f"{row - data_row},{column}"] = text
    return AnnexShape(sheet.title, top, rows, data_row, width, labels, above, below)


def _spread_values(sheet: Worksheet) -> dict[tuple[int, int], str]:
    """Every text of the sheet by (row, column), a merged range's text at each of its cells."""
    values = {
        (cell.row, cell.column): str(cell.value)
        for row in sheet.iter_rows()
        for cell in row
        if cell.value not in (None, "") and not isinstance(cell, MergedCell)
    }
    for merged in sheet.merged_cells.ranges:
        text = values.get((merged.min_row, merged.min_col))
        if text is not None:
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    values[(row, column)] = text
    return values


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
    carried, lost, whole = [], [], []
    old_numbers = _old_annexes(old, drawn)
    for number, annex in enumerate(config.summary.annexes, start=1):
        shape = annex_shape(new, number)
        found = old_numbers.get(annex.sheet)
        if shape is None or found is None:
            if old_parts is None:
                reasons.append(f"thêm phụ lục «{annex.sheet}»")
            lost.append(f"«{annex.sheet}» là phụ lục mới, dùng định dạng mặc định")
            continue
        old_number, old_shape = found
        sheet_notes = _carry_annex(old[old_shape.sheet], old_shape, drawn.get(old_number), new, shape)
        reasons.extend(f"«{annex.sheet}»: {change}" for change in sheet_notes.changes)
        if sheet_notes.lost or sheet_notes.changes or any("chữ đã sửa" in item for item in sheet_notes.carried):
            carried.append(f"«{annex.sheet}»: {', '.join(sheet_notes.carried)}")
        else:
            whole.append(f"«{annex.sheet}»")
        lost.extend(f"«{annex.sheet}»: {item}" for item in sheet_notes.lost)
    if whole:
        carried.append(f"{', '.join(whole)}: toàn bộ (độ rộng, phông, màu, khung, chiều cao dòng, chữ đã sửa)")
    if old_parts is None:
        gone = set(old_numbers) - {annex.sheet for annex in config.summary.annexes}
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
        drawn = {
            int(key[len(SHAPE) :]): AnnexShape(**json.loads(value))
            for key, value in meta.items()
            if key.startswith(SHAPE)
        }
        return parts, drawn
    shipped = SHIPPED_LAYOUTS / "bang_tong_hop.xlsx"
    try:
        layout = load_workbook(shipped)
        shipped_meta = {str(k): str(v) for k, v in layout[META_SHEET].iter_rows(max_col=2, values_only=True) if k}
        if shipped_meta.get("summary_fingerprint") != meta.get("summary_fingerprint"):
            return None, {}
        config = load_config(SHIPPED_CONFIG)
    except Exception:  # no shipped layout or config to compare with: the reasons stay general
        return None, {}
    drawn = {number: annex_shape(layout, number) for number in range(1, len(config.summary.annexes) + 1)}
    return part_fingerprints(config), {number: shape for number, shape in drawn.items() if shape}


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


@dataclass
class _SheetNotes:
    carried: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # columns the config added or removed


def _carry_annex(
    old_sheet: Worksheet, old: AnnexShape, drawn: AnnexShape | None, new_book: Workbook, new: AnnexShape
) -> _SheetNotes:
    notes, sheet = _SheetNotes(), new_book[new.sheet]
    if old_sheet.title != new.sheet:
        notes.lost.append(f"tên trang đã đổi thành «{old_sheet.title}» (mẫu mới dùng tên trong cấu hình)")
    _carry_page(old_sheet, sheet)
    extras = [
        ("hình, logo", bool(old_sheet._images)),
        ("định dạng có điều kiện", bool(old_sheet.conditional_formatting)),
        ("danh sách chọn trong ô", bool(old_sheet.data_validations.dataValidation)),
    ]
    notes.lost += [word for word, present in extras if present]
    if drawn is not None and drawn.width != old.width:
        drawn = None  # staff added or removed columns themselves: their texts now are the only guide
    identity = drawn.labels if drawn is not None else old.labels
    columns = _match_columns(new.labels, identity) if new.head_rows else _same_columns(new, old)
    if new.head_rows:
        renamed = [
            (_label(identity[j]), _label(new.labels[i]))
            for i, j in columns.items()
            if _norm(_label(identity[j])) != _norm(_label(new.labels[i]))
        ]
        removed = [_label(identity[j]) for j in range(old.width) if j not in columns.values()]
        added = [_label(new.labels[i]) for i in range(new.width) if i not in columns]
        notes.changes += [f"cột «{before}» nay là «{after}»" for before, after in renamed]
        notes.changes += [f"bỏ cột «{label}»" for label in removed] + [f"thêm cột «{label}»" for label in added]
        notes.lost += [f"cột mới «{label}» dùng định dạng mặc định" for label in added]
        notes.lost += [
            f"tiêu đề cột «{_label(old.labels[j])}» đã sửa (cột đã bỏ khỏi cấu hình)"
            for j in range(old.width)
            if j not in columns.values() and _norm(_label(old.labels[j])) != _norm(_label(identity[j]))
        ]
    for new_index, old_index in columns.items():
        width = old_sheet.column_dimensions[get_column_letter(old_index + 1)].width
        if width:
            sheet.column_dimensions[get_column_letter(new_index + 1)].width = width
    if columns:
        notes.carried.append(f"độ rộng và định dạng {len(columns)} cột")
    _carry_table(old_sheet, old, drawn, sheet, new, columns, notes)
    if old.table_top - 1 == new.table_top - 1:
        texts = _carry_block(old_sheet, old, drawn, sheet, new, above=True)
        notes.carried.append("phần đầu trang" + (f" (giữ chữ đã sửa: {texts})" if texts else ""))
    else:
        notes.lost.append(
            f"định dạng phần đầu trang (trên bảng: {old.table_top - 1} dòng ở mẫu cũ, {new.table_top - 1} dòng "
            "ở mẫu mới)"
        )
    texts = _carry_block(old_sheet, old, drawn, sheet, new, above=False)
    notes.carried.append("phần dưới bảng (nơi nhận, chữ ký)" + (f" (giữ chữ đã sửa: {texts})" if texts else ""))
    return notes


def _carry_page(old: Worksheet, new: Worksheet) -> None:
    new.page_margins = copy(old.page_margins)
    if old.sheet_properties.tabColor is not None:
        new.sheet_properties.tabColor = copy(old.sheet_properties.tabColor)
    new.sheet_view.zoomScale = old.sheet_view.zoomScale
    new.sheet_view.showGridLines = old.sheet_view.showGridLines


def _carry_table(
    old_sheet: Worksheet,
    old: AnnexShape,
    drawn: AnnexShape | None,
    sheet: Worksheet,
    new: AnnexShape,
    columns: dict[int, int],
    notes: _SheetNotes,
) -> None:
    """Header cells (rows matched from the bottom: the "(1) (2) …" row with its own), heights, the prototype row."""
    pairs = [(new.data_row, old.data_row)]
    pairs += [(new.data_row - step, old.data_row - step) for step in range(1, min(new.head_rows, old.head_rows) + 1)]
    for new_row, old_row in pairs:
        _carry_height(old_sheet, old_row, sheet, new_row)
        for new_index, old_index in columns.items():
            _carry_style(old_sheet.cell(old_row, old_index + 1), sheet.cell(new_row, new_index + 1))
    if not new.head_rows:
        return
    kept, refused = [], []
    for new_index, old_index in columns.items():
        for step in range(1, min(new.head_rows, old.head_rows)):  # the label rows, numbers row excluded
            now = _at(old.labels[old_index], -step)
            as_drawn = _at(drawn.labels[old_index], -step) if drawn else now
            target = sheet.cell(new.table_top + new.head_rows - 1 - step, new_index + 1)
            if not now or now == as_drawn or isinstance(target, MergedCell):
                continue
            if _norm(_at(new.labels[new_index], -step)) == _norm(as_drawn):
                target.value, target.data_type = now, "s"
                kept.append(f"«{now}»")
            else:
                refused.append(f"tiêu đề cột «{now}» đã sửa (cấu hình nay ghi «{_at(new.labels[new_index], -step)}»)")
    if kept:
        notes.carried.append(f"tiêu đề cột (giữ chữ đã sửa: {', '.join(_unique(kept))})")
    notes.lost.extend(_unique(refused))


def _carry_block(
    old_sheet: Worksheet, old: AnnexShape, drawn: AnnexShape | None, sheet: Worksheet, new: AnnexShape, above: bool
) -> str:
    """The rows above the table (same count) or below it (by distance): heights, styles, edited texts."""
    old_now, old_drawn, new_drawn = (
        (old.above, drawn.above if drawn else old.above, new.above)
        if above
        else (old.below, drawn.below if drawn else old.below, new.below)
    )
    old_base, new_base = (old.table_top, new.table_top) if above else (old.data_row, new.data_row)
    offsets = range(1 - old.table_top, 0) if above else range(1, old_sheet.max_row - old.data_row + 1)
    kept = []
    for offset in offsets:
        old_row, new_row = old_base + offset, new_base + offset
        _carry_height(old_sheet, old_row, sheet, new_row)
        for column in range(1, new.width + 1):
            text = new_drawn.get(f"{offset},{column}")
            found = _column_drawing(old_drawn, offset, text) if text else None
            source = found or column  # a text the config changed keeps the old cell's style, not its text
            if source > max(old.width, old_sheet.max_column):
                continue
            target = sheet.cell(new_row, column)
            _carry_style(old_sheet.cell(old_row, source), target)
            now = old_now.get(f"{offset},{source}")
            edited = now is not None and now != old_drawn.get(f"{offset},{source}")
            starts = not isinstance(target, MergedCell) and not isinstance(old_sheet.cell(old_row, source), MergedCell)
            if edited and starts and (found if text else target.value is None):
                target.value, target.data_type = now, "s"
                kept.append(f"«{now}»")
    return ", ".join(_unique(kept))


def _column_drawing(drawn: dict[str, str], offset: int, text: str) -> int | None:
    """The old layout's column on row `offset` where the same text was drawn (the split may have moved)."""
    for key, value in drawn.items():
        row, column = key.split(",")
        if int(row) == offset and _norm(value) == _norm(text):
            return int(column)
    return None


def _carry_style(source, target) -> None:
    for attribute in STYLE_ATTRIBUTES:
        setattr(target, attribute, copy(getattr(source, attribute)))


def _carry_height(old: Worksheet, old_row: int, new: Worksheet, new_row: int) -> None:
    height = old.row_dimensions[old_row].height if old_row in old.row_dimensions else None
    if height:
        new.row_dimensions[new_row].height = height


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
