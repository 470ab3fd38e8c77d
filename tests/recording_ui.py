"""The test side of the Excel seam (`addin.frontends.excel_ui.ExcelUI`): records what staff would see.

It reads the build info from the real built workbook, so a test presses the buttons of a
`BaoCao.xlsm` that `baocao workbook` made, with Excel's part played by lists.
"""

from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from addin.frontends.excel_ui import as_typed_text
from addin.outputs.control_panel import INFO_SHEET

EXCEL_FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Formula:
    """What Excel made of a written string it took for a formula (never equal to any text)."""

    text: str


def excel_entered(value):
    """A value as Excel stores it after `Range.Value = value`: the string is parsed as if typed.

    An apostrophe marks text (Excel keeps the rest and reads it back without the apostrophe); a string
    starting like a formula becomes one, as Excel would compute it.
    """
    if not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    return Formula(value) if value.lstrip("\t\r").startswith(EXCEL_FORMULA_STARTS) else value


def read_build_info(workbook: Path) -> dict[str, str]:
    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name(INFO_SHEET).to_python()
    return {str(row[0]): str(row[1]) for row in rows if row and row[0]}


class RecordingUI:
    def __init__(self, workbook: Path, info: dict[str, str] | None = None):
        self.path = str(workbook)
        self.info = read_build_info(workbook) if info is None else info
        self.statuses: list[str | None] = []
        self.alerts: list[tuple[str, str, bool]] = []
        self.named: dict[str, list[list]] = {}
        self.log: list[list] = []
        self.opened_workbooks: list[Path] = []
        self.opened_folders: list[Path] = []
        self.saves = 0
        self.selection: list | None = None  # the panel row staff clicked
        self.answers: list[str | None] = []  # what staff type in the next input boxes (None: Cancel)
        self.questions: list[tuple[str, str]] = []

    def workbook_path(self) -> str:
        return self.path

    def build_info(self) -> dict[str, str]:
        return dict(self.info)

    def status(self, text: str | None) -> None:
        self.statuses.append(text)

    def alert(self, message: str, title: str, critical: bool = False) -> None:
        self.alerts.append((message, title, critical))

    def write_named(self, name: str, rows: list[list]) -> None:
        self.named[name] = self._as_excel_stores(rows)

    def selected_row(self, name: str) -> list | None:
        return self.selection

    def ask(self, prompt: str, title: str) -> str | None:
        self.questions.append((prompt, title))
        return self.answers.pop(0)

    def append_log(self, row: list) -> None:
        self.log.extend(self._as_excel_stores([row]))

    @staticmethod
    def _as_excel_stores(rows: list[list]) -> list[list]:
        """The real adapter's preparation (`as_typed_text`), then Excel's own parsing of what it is given."""
        return [[excel_entered(value) for value in row] for row in as_typed_text(rows)]

    def open_workbook(self, path: Path) -> None:
        self.opened_workbooks.append(Path(path))

    def open_folder(self, path: Path) -> None:
        self.opened_folders.append(Path(path))

    def save(self) -> None:
        self.saves += 1

    @property
    def counts(self) -> dict[str, int]:
        return {label: value for label, value in self.named["bc_panel_counts"]}
