"""Reading a design workbook, which is untrusted like any file staff pass around: the guard first, then
python-calamine, bounded in rows and columns. Cells come back NFC-normalised, keyed by config key."""

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from python_calamine import CalamineWorkbook

from addin.design.catalogue import FIRST_ROW, KEY_ROW, MAX_COLUMNS, MAX_ROWS, SPECS, SheetSpec, hidden_key
from addin.errors import BaocaoError
from addin.intake.guard.formats import FileKind
from addin.intake.guard.inspection import inspect

REQUIRED_SHEETS = ("Đợt báo cáo", "Đơn vị", "Nhóm đơn vị", "Biểu mẫu", "Phần biểu mẫu")


@dataclass(frozen=True)
class Place:
    """Where a value came from: «Biểu mẫu» dòng 7, cột «Kiểu»."""

    sheet: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        text = f"«{self.sheet}»"
        if self.row is not None:
            text += f" dòng {self.row}"
        if self.column is not None:
            text += f", cột «{self.column}»"
        return text


@dataclass(frozen=True)
class DesignProblem:
    place: Place | None
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else f"Bảng thiết kế: {self.message}"


class DesignError(BaocaoError):
    """A design workbook that cannot become a config; `problems` lists every one found, in sheet order."""

    def __init__(self, file: Path, problems: list[DesignProblem]):
        self.file = file
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Bảng thiết kế {file} có {len(problems)} lỗi, hãy sửa trong Excel rồi áp dụng lại:\n{lines}")


@dataclass
class SheetRows:
    """A sheet's data rows: (Excel row number, {column key: cell value}); `missing` names absent columns."""

    spec: SheetSpec
    rows: list[tuple[int, dict]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def read_design(path: Path) -> dict[str, SheetRows]:
    """The design workbook's sheets by name; raises DesignError for a file that is no readable workbook."""
    path = Path(path)
    if not path.is_file():
        raise DesignError(path, [DesignProblem(None, "không tìm thấy tệp này. Hãy kiểm tra đường dẫn và tên tệp.")])
    try:
        checked = inspect(path)
    except OSError as error:
        raise DesignError(path, [DesignProblem(None, f"không mở được tệp ({error.strerror}).")]) from error
    if not checked.readable or checked.needs_isolation or checked.kind not in (FileKind.XLSX, FileKind.XLSM):
        reasons = [finding.message for finding in checked.findings if finding.severity == "error"]
        reason = reasons[0] if reasons else "không phải tệp Excel .xlsx"
        raise DesignError(path, [DesignProblem(None, f"không đọc được tệp: {reason} Hãy lưu lại dạng .xlsx.")])
    book = CalamineWorkbook.from_path(str(path))
    found = {}
    for name, spec in SPECS.items():
        if name not in book.sheet_names:
            continue
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=FIRST_ROW - 1 + MAX_ROWS)
        found[name] = _sheet_rows(spec, grid)
    missing = [name for name in REQUIRED_SHEETS if name not in found]
    if missing:
        names = ", ".join(f"«{name}»" for name in missing)
        raise DesignError(path, [DesignProblem(None, f"thiếu trang {names}. Hãy xuất lại bảng thiết kế.")])
    return found


def _sheet_rows(spec: SheetSpec, grid: list[list]) -> SheetRows:
    headers = [_text(value) for value in (grid[0] if grid else [])][:MAX_COLUMNS]
    keys = [_text(value) for value in (grid[KEY_ROW - 1] if len(grid) >= KEY_ROW else [])][:MAX_COLUMNS]
    first = FIRST_ROW
    if not set(keys) & {hidden_key(spec, column) for column in spec.columns}:
        keys, first = [], KEY_ROW  # the hidden key row was deleted: data starts under the headers
    positions, missing = {}, []
    for column in spec.columns:
        key = hidden_key(spec, column)
        if key in keys:
            positions[column.key] = keys.index(key)
        elif column.header in headers:
            positions[column.key] = headers.index(column.header)
        elif column.required or (spec.name == "Đợt báo cáo" and column.key == "value"):
            missing.append(column.header)
    result = SheetRows(spec, missing=missing)
    for offset, cells in enumerate(grid[first - 1 :]):
        values = {key: clean(cells[index]) if index < len(cells) else None for key, index in positions.items()}
        if any(value is not None for value in values.values()):
            result.rows.append((first + offset, values))
    return result


def _text(value) -> str:
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def clean(value):
    """A cell as read: text NFC-normalised and stripped (empty → None), whole floats as int, datetimes as dates."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, time):
        return None
    if isinstance(value, date):
        return value
    return value
