"""The narrow seam between the buttons and Excel: everything `buttons.py` asks of the workbook.

`XlwingsUI` is the real one, driving the Excel that called `RunPython`. Tests use a recording
implementation of the same protocol (tests/recording_ui.py), since Excel cannot run here.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol

from addin.outputs.control_panel import INFO_SHEET, LOG_SHEET
from addin.safe_text import excel_text_entry


class ExcelUI(Protocol):
    def workbook_path(self) -> str: ...

    def build_info(self) -> dict[str, str]: ...

    def status(self, text: str | None) -> None: ...

    def alert(self, message: str, title: str, critical: bool = False) -> None: ...

    def write_named(self, name: str, rows: list[list]) -> None: ...

    def selected_row(self, name: str) -> list | None: ...

    def ask(self, prompt: str, title: str) -> str | None: ...

    def append_log(self, row: list) -> None: ...

    def open_workbook(self, path: Path) -> None: ...

    def open_folder(self, path: Path) -> None: ...

    def save(self) -> None: ...


def as_typed_text(rows: list[list]) -> list[list]:
    """Rows for Excel's `Range.Value`, which parses a string as if typed: "=1+2" from a file name would
    become a live formula. Every text is given Excel's text prefix (an apostrophe); numbers stay numbers."""
    return [[excel_text_entry(value) for value in row] for row in rows]


class XlwingsUI:
    """The Excel that ran the button (xlwings `Book.caller()`)."""

    def __init__(self, book=None):
        import xlwings

        self.book = book or xlwings.Book.caller()
        self.app = self.book.app

    def workbook_path(self) -> str:
        return self.book.fullname

    def build_info(self) -> dict[str, str]:
        rows = self.book.sheets[INFO_SHEET].used_range.value or []
        return {str(key): str(value or "") for key, value in rows if key}

    def status(self, text: str | None) -> None:
        self.app.status_bar = text if text else False  # False gives the bar back to Excel

    def alert(self, message: str, title: str, critical: bool = False) -> None:
        self.app.alert(message, title=title, mode="critical" if critical else "info")

    def write_named(self, name: str, rows: list[list]) -> None:
        target = self.book.names[name].refers_to_range
        target.clear_contents()
        if rows:
            target[0, 0].value = as_typed_text(rows)

    def selected_row(self, name: str) -> list | None:
        """The row of the named area where the selected cell is; None when the selection is elsewhere."""
        area, cell = self.book.names[name].refers_to_range, self.app.selection
        if cell is None or cell.sheet.name != area.sheet.name:
            return None
        if not (area.row <= cell.row < area.row + area.rows.count):
            return None
        return area.sheet.range((cell.row, area.column), (cell.row, area.last_cell.column)).value

    def ask(self, prompt: str, title: str) -> str | None:
        answer = self.app.api.InputBox(prompt, title)  # Excel's own input box (Windows COM); False on Cancel
        return None if answer is False else str(answer)

    def append_log(self, row: list) -> None:
        sheet = self.book.sheets[LOG_SHEET]
        last = sheet.range((sheet.cells.last_cell.row, 1)).end("up").row
        sheet.range((last + 1, 1)).value = as_typed_text([row])

    def open_workbook(self, path: Path) -> None:
        self.app.books.open(str(path))

    def open_folder(self, path: Path) -> None:
        if sys.platform == "win32":
            os.startfile(path)
        else:
            subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(path)])

    def save(self) -> None:
        self.book.save()
