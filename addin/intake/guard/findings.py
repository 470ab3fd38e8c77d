"""What the guard reports: its limits, its finding and error types, and every message it can give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from addin.errors import BaocaoError

MiB = 2**20


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MiB
    max_uncompressed_bytes: int = 200 * MiB
    max_ratio: float = 200  # per zip member, only for members larger than ratio_min_bytes uncompressed
    max_rows: int = 20_000
    max_columns: int = 500
    max_members: int = 2000
    ratio_min_bytes: int = 1 * MiB


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class GuardFinding:
    severity: Literal["error", "warning"]
    code: str
    message: str


class GuardError(BaocaoError):
    """The isolated parser died, timed out or refused the file; `message` is for the unit (Vietnamese)."""

    def __init__(self, code: str, message: str, detail: str = ""):
        super().__init__(message)
        self.code = code
        self.detail = detail  # technical cause (English, for logs), never shown as the message


class Damaged(Exception):
    """A structural problem found while reading a container: becomes one finding."""

    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


class FindingList:
    """The findings about one file, each message starting with the file's name."""

    def __init__(self, name: str):
        self.name = name
        self.items: list[GuardFinding] = []

    def error(self, code: str, text: str) -> None:
        self.items.append(GuardFinding("error", code, f"«{self.name}»: {text}"))

    def warning(self, code: str, text: str) -> None:
        self.items.append(GuardFinding("warning", code, f"«{self.name}»: {text}"))

    @property
    def has_error(self) -> bool:
        return any(f.severity == "error" for f in self.items)


def count_text(value: int) -> str:
    """1234567 → "1.234.567", as Vietnamese write numbers."""
    return f"{value:,}".replace(",", ".")


def megabytes_text(value: int) -> str:
    """Bytes as megabytes with one decimal and a decimal comma: "0,2"."""
    return f"{value / MiB:.1f}".replace(".", ",")


MSG_EMPTY = "tệp rỗng (0 byte), không có dữ liệu; hãy mở tệp báo cáo đã điền, lưu lại rồi gửi lại"
MSG_LOCK = "tệp tạm của Excel (tên bắt đầu bằng ~$), không phải báo cáo; hãy gửi tệp thật"
MSG_TRUNCATED = "tệp bị hỏng hoặc tải về chưa hết; hãy lưu lại và gửi lại"
MSG_DTD = "tệp chứa khai báo XML không an toàn (DTD); hãy mở và lưu lại bằng Excel"
MSG_STRICT = (
    "tệp lưu theo chuẩn Strict Open XML; baocao vẫn đọc được, nhưng lần sau hãy mở bằng Excel và "
    "Lưu thành 'Excel Workbook (*.xlsx)'"
)
MSG_MACROS = "tệp có macro; baocao không chạy macro, chỉ đọc số liệu"
MSG_ENCRYPTED = "tệp đặt mật khẩu; hãy bỏ mật khẩu (File › Info › Protect Workbook) rồi gửi lại"
MSG_XLS = "tệp dạng Excel 97-2003 (.xls); baocao vẫn đọc nhưng lần sau hãy lưu dạng .xlsx"
MSG_HTML = "thực chất là trang web (HTML) đổi tên; hãy mở bằng Excel rồi Lưu thành .xlsx"
MSG_XML2003 = "thực chất là tệp XML Spreadsheet 2003, baocao không đọc được; hãy mở bằng Excel rồi Lưu thành .xlsx"
MSG_CSV = "thực chất là tệp văn bản (CSV), không phải bảng tính Excel; hãy mở bằng Excel rồi Lưu thành .xlsx"
MSG_PDF = "tệp PDF, không phải bảng tính; hãy gửi tệp Excel"
MSG_UNKNOWN = "không phải tệp bảng tính (không nhận ra định dạng); hãy gửi tệp Excel báo cáo (.xlsx)"
MSG_ZIP_METHOD = "tệp được nén theo cách baocao không đọc được; hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại"
MSG_CORRUPT = "cấu trúc bên trong tệp không hợp lệ ({what}); hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại"
MSG_TOO_LARGE = "tệp nặng {size} MB, vượt giới hạn {limit} MB; hãy xóa các trang, hình ảnh không cần thiết rồi gửi lại"
MSG_BOMB_TOTAL = (
    "tệp khi giải nén chiếm {size} MB, vượt giới hạn {limit} MB; hãy xóa các trang, dòng, cột thừa, lưu lại rồi gửi lại"
)
MSG_BOMB_RATIO = (
    "tệp chứa phần dữ liệu nén bất thường (giải nén lớn gấp {ratio} lần); hãy xóa các dòng, cột thừa, "
    "lưu lại rồi gửi lại"
)
MSG_BOMB_MEMBERS = (
    "tệp gồm {count} thành phần, vượt giới hạn {limit}; hãy xóa các trang, hình ảnh thừa, lưu lại rồi gửi lại"
)
MSG_SHEET_TOO_LARGE = (
    "trang «{sheet}» có dữ liệu kéo đến ô {cell} ({rows} dòng, {cols} cột), vượt giới hạn {max_rows} dòng, "
    "{max_cols} cột; hãy xóa các dòng, cột thừa ở cuối trang (chọn chúng › Delete), lưu lại rồi gửi lại"
)
MSG_RENAMED = (
    "tên tệp có đuôi {ext} nhưng thực chất là {real}; lần sau hãy dùng Lưu thành (Save As) để đổi định dạng, "
    "đừng chỉ đổi đuôi tệp"
)
MSG_PARSER_CRASHED = (
    "tệp làm chương trình đọc bảng tính dừng đột ngột (tệp quá lớn hoặc bị hỏng); hãy mở bằng Excel, xóa các "
    "dòng, cột thừa, lưu lại dạng .xlsx rồi gửi lại"
)
MSG_PARSER_TIMEOUT = (
    "đọc tệp quá {seconds} giây vẫn chưa xong (tệp quá lớn hoặc bất thường); hãy xóa các trang, dòng, cột thừa, "
    "lưu lại dạng .xlsx rồi gửi lại"
)
MSG_PARSER_FAILED = "không đọc được nội dung tệp; hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại"
NOT_A_WORKBOOK_ZIP = {
    "docx": "tệp Word (.docx), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "pptx": "tệp PowerPoint (.pptx), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "odt": "tệp văn bản OpenDocument, không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "nested": "tệp nén (.zip) chứa «{inner}»; hãy giải nén rồi gửi thẳng tệp Excel báo cáo",
    "zip": "tệp nén (.zip), không phải bảng tính; hãy gửi tệp Excel báo cáo",
}
NOT_A_WORKBOOK_OLE = {
    "worddocument": "tệp Word 97-2003 (.doc), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "powerpoint document": "tệp PowerPoint 97-2003 (.ppt), không phải bảng tính; hãy gửi tệp Excel báo cáo",
    "": "tệp Office 97-2003 nhưng không phải bảng tính; hãy gửi tệp Excel báo cáo",
}
