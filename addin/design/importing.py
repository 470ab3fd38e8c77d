"""Design workbook → config mapping → CampaignConfig, with every problem named by sheet, row and column.

Each cell read is remembered with its place, so pydantic's errors and the config's own cross-key checks
(`addin.config.problems`) are reported where staff typed the value: «Biểu mẫu» dòng 7, cột «Kiểu»: ….
Cells that cannot be read are reported here and left out; `validation.py` then checks the whole.
"""

from dataclasses import dataclass, field

from addin.design.catalogue import (
    ANNEXES,
    CHOICES,
    FIELDS,
    GROUPS,
    REPORT,
    RULES,
    SECTIONS,
    SETTINGS,
    TASKS,
    UNITS,
    Column,
    settings,
)
from addin.design.cells import CellProblem, parse_cell
from addin.design.labels import label_of
from addin.design.reading import DesignProblem, Place, SheetRows

KeyPath = tuple[str | int, ...]
ANNEX_KEYS = ("kind", "sheet", "title", "table", "key", "value", "count_choice", "series")


@dataclass
class Draft:
    """The config mapping being built, where each value came from, and the problems found so far."""

    data: dict = field(default_factory=dict)
    places: dict[KeyPath, Place] = field(default_factory=dict)
    problems: list[DesignProblem] = field(default_factory=list)
    reported: set[Place] = field(default_factory=set)

    def problem(self, place: Place | None, message: str) -> None:
        """Record one problem per place: a cell already reported is not reported again."""
        if place is not None and place in self.reported:
            return
        if place is not None:
            self.reported.add(place)
        self.problems.append(DesignProblem(place, message))

    def place_of(self, where: KeyPath) -> Place | None:
        for end in range(len(where), -1, -1):
            if where[:end] in self.places:
                return self.places[where[:end]]
        return None


def draft_from(sheets: dict[str, SheetRows]) -> Draft:
    draft = Draft()
    for name, rows in sheets.items():
        for header in rows.missing:
            draft.problem(Place(name), f"thiếu cột «{header}». Hãy xuất lại bảng thiết kế hoặc thêm lại cột đó.")
    _settings(draft, sheets[SETTINGS])
    _tasks(draft, sheets.get(TASKS))
    _units(draft, sheets[GROUPS], sheets[UNITS])
    _form(draft, sheets[SECTIONS], sheets[FIELDS], sheets.get(CHOICES))
    draft.data["rules"] = _plain_list(draft, sheets.get(RULES), ("rules",))
    _annexes(draft, sheets.get(ANNEXES))
    if sheets.get(REPORT) and sheets[REPORT].rows:
        draft.data.setdefault("report", {})["sections"] = _plain_list(draft, sheets[REPORT], ("report", "sections"))
    return draft


# ---------------------------------------------------------------- cells and records


def _cell(draft: Draft, column: Column, value: object, place: Place) -> object:
    """The config value of one cell; a problem (and None) when it cannot be one or a required cell is empty."""
    try:
        parsed = parse_cell(column.kind, value)
    except CellProblem as problem:
        draft.problem(place, str(problem))
        return None
    if parsed is None and column.required:
        draft.problem(place, "ô bắt buộc, không được để trống.")
    return parsed


def _record(draft: Draft, rows: SheetRows, row: int, values: dict, where: KeyPath, skip=()) -> dict:
    """One row as a config record at `where` (defaults left out), every cell's place remembered."""
    record = {}
    draft.places[where] = Place(rows.spec.name, row)
    for column in rows.spec.columns:
        if column.key in skip or column.key not in values:
            continue
        place = Place(rows.spec.name, row, column.header)
        key_path = (*where, *column.key.split("."))
        draft.places[key_path] = place
        value = _cell(draft, column, values[column.key], place)
        if value is not None and not (value == column.default and not isinstance(column.default, str)):
            record[column.key] = value
    return record


def _plain_list(draft: Draft, rows: SheetRows | None, where: KeyPath) -> list[dict]:
    records = []
    for row, values in rows.rows if rows else []:
        records.append(_record(draft, rows, row, values, (*where, len(records))))
    if rows:
        draft.places.setdefault(where, Place(rows.spec.name))
    return records


def _set(data: dict, path: tuple, value: object) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


# ---------------------------------------------------------------- the sheets


def _settings(draft: Draft, rows: SheetRows) -> None:
    known = {setting.key: setting for setting in settings()}
    by_label = {label_of(key): key for key in known}
    seen = set()
    for row, values in rows.rows:
        key = values.get("key") or by_label.get(str(values.get("_label")))  # the key column deleted: by label
        place = Place(SETTINGS, row, "Giá trị")
        if key is None:
            if values.get("value") is not None:
                draft.problem(place, "dòng này không có khoá cấu hình (cột ẩn «Khoá cấu hình»); hãy xuất lại bảng.")
            continue
        setting = known.get(str(key))
        if setting is None:
            draft.problem(Place(SETTINGS, row, "Khoá cấu hình"), f"không có mục cấu hình «{key}».")
            continue
        if setting.key in seen:
            draft.problem(place, f"mục «{label_of(setting.key)}» ({setting.key}) được ghi hai lần; chỉ giữ một dòng.")
            continue
        seen.add(setting.key)
        draft.places[setting.path] = place
        for end in range(1, len(setting.path)):  # a whole part missing is reported at its first row
            draft.places.setdefault(setting.path[:end], place)
        if setting.required and values.get("value") is None:
            draft.problem(place, f"«{label_of(setting.key)}» là mục bắt buộc, không được để trống.")
            continue
        value = _cell(draft, Column("Giá trị", setting.key, setting.kind), values.get("value"), place)
        if value is not None:
            _set(draft.data, setting.path, value)
    for setting in known.values():
        if setting.required and setting.key not in seen:
            draft.problem(Place(SETTINGS), f"thiếu dòng «{label_of(setting.key)}» ({setting.key}), mục bắt buộc.")


def _tasks(draft: Draft, rows: SheetRows | None) -> None:
    tasks = _plain_list(draft, rows, ("tasks",))
    if tasks:
        draft.data["tasks"] = tasks


def _units(draft: Draft, group_rows: SheetRows, unit_rows: SheetRows) -> None:
    groups, index = [], {}
    draft.places[("unit_groups",)] = Place(GROUPS)
    for row, values in group_rows.rows:
        where = ("unit_groups", len(groups))
        group = _record(draft, group_rows, row, values, where)
        code = group.get("code")
        if code in index:
            draft.problem(draft.places[(*where, "code")], f"mã nhóm «{code}» bị trùng; mỗi nhóm một mã.")
            continue
        group["units"] = []
        draft.places[(*where, "units")] = Place(GROUPS, row, "Mã nhóm")
        index[code] = len(groups)
        groups.append(group)
    draft.data["unit_groups"] = groups
    for row, values in unit_rows.rows:
        code = values.get("group")
        code = str(code) if code is not None else None
        place = Place(UNITS, row, "Nhóm")
        if code not in index:
            known = ", ".join(str(name) for name in index) or "(chưa có nhóm nào)"
            message = (
                f"nhóm «{code}» không có trong trang «{GROUPS}»; các nhóm có: {known}."
                if code
                else "ô bắt buộc, không được để trống."
            )
            draft.problem(place, message)
            _record(draft, unit_rows, row, values, ("_dropped", row), skip=("group",))  # its other cells still checked
            continue
        units = groups[index[code]]["units"]
        where = ("unit_groups", index[code], "units", len(units))
        units.append(_record(draft, unit_rows, row, values, where, skip=("group",)))


def _form(draft: Draft, section_rows: SheetRows, field_rows: SheetRows, choice_rows: SheetRows | None) -> None:
    form = draft.data.setdefault("form", {})
    sections, index = [], {}
    draft.places[("form", "sections")] = Place(SECTIONS)
    for row, values in section_rows.rows:
        where = ("form", "sections", len(sections))
        section = _record(draft, section_rows, row, values, where)
        section["fields"] = []
        draft.places[(*where, "fields")] = Place(SECTIONS, row, "Tên phần")
        index.setdefault(section.get("name"), len(sections))
        sections.append(section)
    form["sections"] = sections
    for row, values in field_rows.rows:
        name = values.get("section")
        name = str(name) if name is not None else None
        if name not in index:
            known = ", ".join(str(key) for key in index if key) or "(chưa có phần nào)"
            message = (
                f"phần «{name}» không có trong trang «{SECTIONS}»; các phần có: {known}."
                if name
                else "ô bắt buộc, không được để trống."
            )
            draft.problem(Place(FIELDS, row, "Phần"), message)
            _record(draft, field_rows, row, values, ("_dropped", row), skip=("section",))
            continue
        fields = sections[index[name]]["fields"]
        where = ("form", "sections", index[name], "fields", len(fields))
        fields.append(_record(draft, field_rows, row, values, where, skip=("section",)))
    choices: dict[str, list] = {}
    for row, values in choice_rows.rows if choice_rows else []:
        list_name = values.get("list")
        list_name = str(list_name) if list_name is not None else None
        if list_name is None:
            draft.problem(Place(CHOICES, row, "Danh sách"), "ô bắt buộc, không được để trống.")
            continue
        items = choices.setdefault(list_name, [])
        draft.places.setdefault(("form", "choices", list_name), Place(CHOICES, row, "Danh sách"))
        items.append(_record(draft, choice_rows, row, values, ("form", "choices", list_name, len(items)), ("list",)))
    if choices:
        form["choices"] = choices


def _annexes(draft: Draft, rows: SheetRows | None) -> None:
    """Rows with the same «Phụ lục» number are one annex: its first row says what it is, each row a column."""
    annexes, first_rows = [], {}
    number = None
    for row, values in rows.rows if rows else []:
        number = values.get("number") if values.get("number") is not None else number
        if number not in first_rows:
            first_rows[number] = row
            where = ("summary", "annexes", len(annexes))
            annexes.append(_record(draft, rows, row, values, where, skip=("number", *_column_keys(rows))))
        else:
            _only_columns(draft, rows, row, values, number, first_rows[number])
        index = list(first_rows).index(number)
        if any(values.get(key) is not None for key in _column_keys(rows)):
            _annex_column(draft, rows, row, values, ("summary", "annexes", index), annexes[index])
    if annexes:
        draft.data.setdefault("summary", {})["annexes"] = annexes
        draft.places[("summary", "annexes")] = Place(ANNEXES)


def _only_columns(draft: Draft, rows: SheetRows, row: int, values: dict, number, first_row: int) -> None:
    for key in ANNEX_KEYS:
        if values.get(key) is not None:
            header = rows.spec.column(key).header
            draft.problem(
                Place(ANNEXES, row, header),
                f"phụ lục {number} đã được khai ở dòng {first_row}; các dòng sau của nó chỉ ghi các cột «Cột: …». "
                f"Hãy chuyển «{values[key]}» lên dòng {first_row} hoặc đổi số phụ lục.",
            )


def _annex_column(draft: Draft, rows: SheetRows, row: int, values: dict, where: KeyPath, annex: dict) -> None:
    columns = annex.setdefault("columns", [])
    scratch = (*where, "_column", row)
    record = _record(draft, rows, row, values, scratch, skip=("number", *ANNEX_KEYS))
    for key, place in list(draft.places.items()):  # the places under the column's real path
        if key[: len(scratch)] == scratch:
            draft.places[(*where, "columns", len(columns), *key[len(scratch) + 1 :])] = place
    columns.append({key.removeprefix("columns."): value for key, value in record.items()})


def _column_keys(rows: SheetRows) -> tuple[str, ...]:
    return tuple(column.key for column in rows.spec.columns if column.key.startswith("columns."))
