"""What the design workbook holds: its sheets, their columns, and the config key behind each cell.

The one-value settings (campaign, issuer, form identity, summary, mail…) are found by walking the pydantic
model, so a key added to `addin.config.model` appears in «Đợt báo cáo» without a change here; the parts
that are lists of records (units, form, rules, annexes…) each have a sheet of one row per record.
"""

import types
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from addin.config.model import (
    Annex,
    CampaignConfig,
    Choice,
    FormField,
    ReportSection,
    Rule,
    Section,
    Task,
    Unit,
    UnitGroup,
)

KEY_ROW, FIRST_ROW = 2, 3  # row 1: Vietnamese headers; row 2 (hidden): config keys; data from row 3
YES, NO = "có", "không"
SETTINGS = "Đợt báo cáo"
TASKS = "Nhiệm vụ"
GROUPS = "Nhóm đơn vị"
UNITS = "Đơn vị"
SECTIONS = "Phần biểu mẫu"
FIELDS = "Biểu mẫu"
CHOICES = "Danh sách chọn"
RULES = "Quy tắc"
ANNEXES = "Tổng hợp"
REPORT = "Báo cáo"
MAX_ROWS = 5_000  # rows read per sheet: a campaign has ~60 units; more is a mistake or a hostile file
MAX_COLUMNS = 40


@dataclass(frozen=True)
class ValueKind:
    """How a cell is written and read: text, int, float, date, bool, list (comma list), lines (one per line)."""

    kind: str
    options: tuple = ()  # the allowed values (a Literal): the cell gets a dropdown


@dataclass(frozen=True)
class Column:
    header: str
    key: str  # the config key (shown in the hidden row 2)
    kind: ValueKind
    width: float = 16
    required: bool = False
    note: str = ""
    refers_to: str = ""  # the sheet whose first column lists the allowed values (a dropdown)
    default: object = None  # the model's default: a cell left empty means it


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    title: str  # what the sheet is for, in the header notes

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


def value_kind(annotation) -> ValueKind:
    """The cell kind of a pydantic annotation (Optional, Annotated and Literal unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return value_kind(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kinds = [value_kind(arg) for arg in get_args(annotation) if arg is not type(None)]
        return kinds[0]
    if origin is Literal:
        options = get_args(annotation)
        return ValueKind("int" if all(isinstance(o, int) for o in options) else "text", tuple(options))
    if origin is list:
        return ValueKind("list")
    if annotation is bool:
        return ValueKind("bool", (YES, NO))
    if annotation is int:
        return ValueKind("int")
    if annotation is float:
        return ValueKind("float")
    if annotation is date:
        return ValueKind("date")
    return ValueKind("text")


def _model_of(annotation) -> type[BaseModel] | None:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        found = [_model_of(arg) for arg in get_args(annotation) if arg is not type(None)]
        return found[0] if found else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_record_list(annotation) -> bool:
    """A list of models or a mapping: a sheet of its own, not a settings row."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_record_list(arg) for arg in get_args(annotation) if arg is not type(None))
    if origin is dict:
        return True
    return origin is list and _model_of(get_args(annotation)[0]) is not None


@dataclass(frozen=True)
class Setting:
    path: tuple[str, ...]
    kind: ValueKind
    required: bool
    default: object  # None when the model has none (or it is None)

    @property
    def key(self) -> str:
        return ".".join(self.path)


def settings(
    model: type[BaseModel] = CampaignConfig, prefix: tuple = (), required: bool = True, defaults: object = None
) -> list[Setting]:
    """Every one-value key of the config, in model order (sub-models walked, record lists left out)."""
    found = []
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        here_required = required and info.is_required()
        default = None if info.default is PydanticUndefined else info.default
        if defaults is not None:
            default = getattr(defaults, name)
        sub_model = _model_of(info.annotation)
        if sub_model is not None:
            found += settings(sub_model, path, here_required, default)
        elif not _is_record_list(info.annotation):
            kind = value_kind(info.annotation)
            found.append(Setting(path, ValueKind("lines") if kind.kind == "list" else kind, here_required, default))
    return found


def _field_column(model: type[BaseModel], key: str, header: str, width: float = 16, note: str = "", **more) -> Column:
    info = model.model_fields[key]
    kind = value_kind(info.annotation)
    default = None if info.default is PydanticUndefined else info.default
    return Column(header, key, kind, width, required=info.is_required(), note=note, default=default, **more)


SETTINGS_SPEC = SheetSpec(
    SETTINGS,
    (
        Column("Phần", "_part", ValueKind("text"), 22),
        Column("Mục", "_label", ValueKind("text"), 44),
        Column("Giá trị", "value", ValueKind("text"), 60),
        Column("Bắt buộc", "_required", ValueKind("text"), 10),
        Column("Khoá cấu hình", "key", ValueKind("text"), 30),
    ),
    "Mỗi dòng một mục của đợt báo cáo: chỉ sửa cột «Giá trị».",
)
TASKS_SPEC = SheetSpec(
    TASKS,
    (
        _field_column(Task, "code", "Mã nhiệm vụ", 12),
        _field_column(Task, "text", "Nội dung nhiệm vụ", 100),
    ),
    "Các nhiệm vụ của công văn (điền sẵn vào bảng rows_from: tasks).",
)
GROUPS_SPEC = SheetSpec(
    GROUPS,
    (
        _field_column(UnitGroup, "code", "Mã nhóm", 10, "I, II, III…: dòng nhóm trong bảng tổng hợp."),
        _field_column(UnitGroup, "name", "Tên nhóm", 50),
        _field_column(UnitGroup, "parent", "Cơ quan chủ quản", 30, "Mặc định cho mọi đơn vị của nhóm."),
    ),
    "Nhóm đơn vị, đúng thứ tự trong báo cáo tổng hợp.",
)
UNITS_SPEC = SheetSpec(
    UNITS,
    (
        Column("Nhóm", "group", ValueKind("text"), 8, required=True, refers_to=GROUPS),
        _field_column(Unit, "code", "Mã đơn vị", 14, "Chữ in hoa không dấu, số, - hoặc _; không trùng."),
        _field_column(Unit, "name", "Tên đầy đủ", 50),
        _field_column(Unit, "short", "Tên ngắn", 28),
        _field_column(Unit, "parent", "Cơ quan chủ quản", 26, "Để trống: lấy theo nhóm."),
        _field_column(Unit, "email", "Thư điện tử", 30),
        _field_column(Unit, "emails", "Các địa chỉ khác", 30, "Cách nhau bằng dấu phẩy."),
    ),
    "Mỗi đơn vị một dòng, theo thứ tự trong báo cáo tổng hợp.",
)
SECTIONS_SPEC = SheetSpec(
    SECTIONS,
    (
        _field_column(Section, "name", "Tên phần", 14, "Chữ thường không dấu, số, _."),
        _field_column(Section, "label", "Tiêu đề", 40),
        _field_column(Section, "sheet", "Trang", 20, "Tên trang tính trong biểu mẫu gửi đơn vị."),
        _field_column(Section, "kind", "Dạng", 10, "fields: các trường đơn; table: bảng nhiều dòng."),
        _field_column(Section, "rows", "Số dòng", 9),
        _field_column(Section, "min_rows", "Số dòng tối thiểu", 10),
        _field_column(Section, "rows_from", "Dòng lấy từ", 11, "tasks: mỗi nhiệm vụ một dòng."),
        _field_column(Section, "numbered", "Cột TT", 8),
        _field_column(Section, "totals", "Cột cộng tổng", 18, "Tên các cột số, cách nhau bằng dấu phẩy."),
        Column(
            "Tiêu đề hai tầng",
            "header_groups",
            ValueKind("groups"),
            30,
            note="Mỗi dòng một nhóm: «Nhãn: cột1, cột2».",
        ),
    ),
    "Các phần của biểu mẫu gửi đơn vị, theo thứ tự.",
)
FIELDS_SPEC = SheetSpec(
    FIELDS,
    (
        Column("Phần", "section", ValueKind("text"), 12, required=True, refers_to=SECTIONS),
        _field_column(FormField, "name", "Tên trường", 22, "Chữ thường không dấu, số, _; không trùng trong phần."),
        _field_column(FormField, "label", "Nhãn", 34),
        _field_column(FormField, "type", "Kiểu", 11),
        _field_column(FormField, "required", "Bắt buộc", 9),
        _field_column(FormField, "min", "Nhỏ nhất", 9),
        _field_column(FormField, "max", "Lớn nhất", 9),
        _field_column(FormField, "choices", "Danh sách chọn", 18, refers_to=CHOICES),
        _field_column(FormField, "hint", "Gợi ý", 24),
        _field_column(FormField, "within_period", "Trong thời gian đợt", 10),
        _field_column(FormField, "pattern", "Mẫu kiểm tra", 14, "Biểu thức chính quy RE2."),
        _field_column(FormField, "constraint_message", "Thông báo khi sai", 20),
        _field_column(FormField, "max_length", "Độ dài tối đa", 9),
        _field_column(FormField, "prefill", "Điền sẵn", 11),
        _field_column(FormField, "task", "Nhiệm vụ", 9, refers_to=TASKS),
        _field_column(FormField, "width", "Độ rộng cột", 9),
        _field_column(FormField, "multiline", "Nhiều dòng", 9),
    ),
    "Mỗi trường (hay cột của bảng) một dòng, theo thứ tự trong biểu mẫu (như XLSForm).",
)
CHOICES_SPEC = SheetSpec(
    CHOICES,
    (
        Column(
            "Danh sách", "list", ValueKind("text"), 22, required=True, note="Tên danh sách (như cột «Danh sách chọn»)."
        ),
        _field_column(Choice, "name", "Giá trị", 22),
        _field_column(Choice, "label", "Nhãn", 40),
    ),
    "Các lựa chọn của trường kiểu select_one: mỗi lựa chọn một dòng.",
)
RULES_SPEC = SheetSpec(
    RULES,
    (
        _field_column(Rule, "name", "Tên quy tắc", 22),
        _field_column(Rule, "scope", "Phần", 12, refers_to=SECTIONS),
        _field_column(Rule, "left", "Vế trái", 18, "Phép tính + - * / trên tên trường của phần."),
        _field_column(Rule, "operator", "Phép so sánh", 20),
        _field_column(Rule, "right", "Vế phải", 18),
        _field_column(Rule, "importance", "Mức quan trọng", 10),
        _field_column(Rule, "severity", "Mức độ", 10, "error: chặn; warning: cảnh báo."),
        _field_column(Rule, "missing_value_strategy", "Khi thiếu giá trị", 24),
        _field_column(Rule, "message", "Thông báo", 50),
    ),
    "Quy tắc kiểm tra chéo (kiểu DHIS2): vế trái, phép so sánh, vế phải.",
)
ANNEXES_SPEC = SheetSpec(
    ANNEXES,
    (
        Column("Phụ lục", "number", ValueKind("int"), 8, required=True, note="Các dòng cùng số là một phụ lục."),
        _field_column(Annex, "kind", "Dạng", 11),
        _field_column(Annex, "sheet", "Tên trang", 20),
        _field_column(Annex, "title", "Tiêu đề", 40),
        _field_column(Annex, "table", "Bảng", 12, refers_to=SECTIONS),
        _field_column(Annex, "key", "Cột khoá", 10),
        _field_column(Annex, "value", "Cột giá trị", 10),
        _field_column(Annex, "count_choice", "Lựa chọn được đếm", 14),
        _field_column(Annex, "series", "Chuỗi biểu đồ", 22, "bảng.cột, cách nhau bằng dấu phẩy."),
        Column("Cột: nhãn", "columns.label", value_kind(str), 20, note="Phụ lục by_unit: tên cột."),
        Column("Cột: nhóm tiêu đề", "columns.group", value_kind(str), 16),
        Column("Cột: đếm dòng của bảng", "columns.count_rows", value_kind(str), 14),
        Column("Cột: cộng cột", "columns.sum", value_kind(str), 18, note="bảng.cột, ví dụ hoat_dong.tong."),
        Column(
            "Cột: giá trị của trường",
            "columns.value",
            value_kind(str),
            18,
            note="phần.trường: giá trị một trường đơn của đơn vị, ví dụ chung.kinh_phi.",
        ),
    ),
    "Các phụ lục của bảng tổng hợp; phụ lục by_unit có thêm một dòng cho mỗi cột.",
)
REPORT_SPEC = SheetSpec(
    REPORT,
    (
        _field_column(ReportSection, "kind", "Dạng", 12),
        _field_column(ReportSection, "heading", "Tiêu đề", 40),
        _field_column(ReportSection, "level", "Cấp", 6),
        _field_column(ReportSection, "table", "Bảng", 12, refers_to=SECTIONS),
        _field_column(ReportSection, "key", "Cột khoá", 10),
        _field_column(ReportSection, "value", "Cột giá trị", 10),
        _field_column(ReportSection, "count_choice", "Lựa chọn được đếm", 14),
        _field_column(ReportSection, "detail", "Cột chi tiết", 10),
        _field_column(ReportSection, "examples", "Số ví dụ", 8),
        _field_column(ReportSection, "sums", "Cột cộng", 24),
        _field_column(ReportSection, "sections", "Các phần", 18),
    ),
    "Các phần của báo cáo Word; để trống cả trang: dùng các phần mặc định.",
)
TABLE_SPECS = (
    TASKS_SPEC,
    GROUPS_SPEC,
    UNITS_SPEC,
    SECTIONS_SPEC,
    FIELDS_SPEC,
    CHOICES_SPEC,
    RULES_SPEC,
    ANNEXES_SPEC,
    REPORT_SPEC,
)
SHEET_ORDER = (SETTINGS, UNITS, GROUPS, TASKS, FIELDS, SECTIONS, CHOICES, RULES, ANNEXES, REPORT)
SPECS = {spec.name: spec for spec in (SETTINGS_SPEC, *TABLE_SPECS)}
# the config keys of each sheet's rows, shown in the hidden row 2
SHEET_PATHS = {
    TASKS: "tasks[]",
    GROUPS: "unit_groups[]",
    UNITS: "unit_groups[].units[]",
    SECTIONS: "form.sections[]",
    FIELDS: "form.sections[].fields[]",
    CHOICES: "form.choices.<danh_sách>[]",
    RULES: "rules[]",
    ANNEXES: "summary.annexes[]",
    REPORT: "report.sections[]",
}


def hidden_key(spec: SheetSpec, column: Column) -> str:
    """What row 2 says a column maps to: `unit_groups[].units[].code`."""
    base = SHEET_PATHS.get(spec.name)
    if base is None:
        return column.key
    if column.key == "group":
        return "unit_groups[].code"
    if column.key == "section":
        return "form.sections[].name"
    if column.key == "list":
        return "form.choices.<danh_sách>"
    if column.key == "number":
        return "summary.annexes[] (số thứ tự)"
    return f"{base}.{column.key.replace('columns.', 'columns[].')}"
