"""The control workbook's two design buttons: «Thiết kế đợt báo cáo» and «Áp dụng thiết kế».

Each is a step for `buttons._press` (which finds the folder, catches everything, logs and announces):
it takes the campaign folder and the status-bar reporter and returns an outcome with the same fields as
`buttons.Outcome`, so this module needs nothing from `buttons.py` and `buttons.py` only wires it in.
"""

from dataclasses import dataclass
from pathlib import Path

from addin.campaign import CampaignFolder
from addin.design.campaign_design import apply_design, changed_text, export_campaign_design
from addin.design.export import DESIGN_NAME
from addin.design.reading import DesignError
from addin.design.validation import import_design
from addin.design.yaml_write import full_dump
from addin.errors import BaocaoError

SHOWN_PROBLEMS = 25  # a message box taller than the screen hides its OK button


@dataclass
class DesignOutcome:
    message: str | None
    log: str
    open_workbook: Path | None = None
    open_folder: Path | None = None
    critical: bool = False


def design_path(folder: CampaignFolder) -> Path:
    return folder.root / DESIGN_NAME


def open_design(folder: CampaignFolder, reporter) -> DesignOutcome:
    """Export the design workbook if the folder has none yet, then open it in Excel."""
    path = design_path(folder)
    if path.exists():
        warning = _older_than_config(folder, path)
        return DesignOutcome(warning, f"Mở bảng thiết kế {path.name}.", open_workbook=path)
    reporter.ui.status("Đang xuất bảng thiết kế…")
    export_campaign_design(folder.root, path)
    return DesignOutcome(
        f"Đã tạo bảng thiết kế {path.name} từ config.yaml và mở nó.\n\n"
        "Sửa các trang (đơn vị, biểu mẫu, quy tắc, tổng hợp), bấm Lưu (Ctrl+S), "
        "rồi bấm «Áp dụng thiết kế».",
        f"Đã tạo bảng thiết kế {path.name}.",
        open_workbook=path,
    )


def _older_than_config(folder: CampaignFolder, path: Path) -> str | None:
    """A warning when config.yaml was changed (not through this workbook) after the workbook was saved."""
    if folder.config_path.stat().st_mtime <= path.stat().st_mtime:
        return None
    try:
        if full_dump(import_design(path)) == full_dump(folder.load_config()):
            return None
    except BaocaoError:  # a workbook being edited, or a config with errors: nothing to compare
        return None
    return (
        f"config.yaml đã được sửa sau lần lưu cuối của {path.name}, và hai tệp đang khác nhau. "
        "Bảng thiết kế đã mở là bản cũ: bấm «Áp dụng thiết kế» sẽ ghi đè những gì đã sửa trong config.yaml.\n\n"
        f"Muốn bảng thiết kế theo config.yaml hiện tại: đóng bảng, đổi tên hoặc xoá {path.name}, rồi bấm lại nút này."
    )


def apply_design_workbook(folder: CampaignFolder, reporter) -> DesignOutcome:
    """Import the saved design workbook into config.yaml; every problem listed at once."""
    path = design_path(folder)
    if not path.exists():
        raise BaocaoError(f"Chưa có bảng thiết kế {path.name}. Hãy bấm «Thiết kế đợt báo cáo» trước.")
    reporter.ui.status("Đang đọc và kiểm tra bảng thiết kế…")
    try:
        result = apply_design(folder.root, path)
    except DesignError as error:
        lines = [f"- {problem}" for problem in error.problems[:SHOWN_PROBLEMS]]
        if len(error.problems) > SHOWN_PROBLEMS:
            lines.append(f"… và {len(error.problems) - SHOWN_PROBLEMS} lỗi khác (lệnh: baocao design import).")
        text = (
            f"Bảng thiết kế có {len(error.problems)} lỗi, config.yaml chưa thay đổi. "
            "Sửa trong Excel, bấm Lưu (Ctrl+S) rồi bấm lại «Áp dụng thiết kế»:\n\n" + "\n".join(lines)
        )
        return DesignOutcome(text, f"Bảng thiết kế có {len(error.problems)} lỗi.", critical=True)
    if not result.changed:
        return DesignOutcome(
            "Bảng thiết kế khớp với config.yaml: không có gì thay đổi.\n\n"
            "Nếu vừa sửa trong Excel, hãy bấm Lưu (Ctrl+S) rồi bấm lại nút này.",
            "Không có gì thay đổi.",
        )
    return DesignOutcome(
        f"{changed_text(result)}\n\nBước tiếp theo: bấm «1. Tạo biểu mẫu».",
        f"Đã cập nhật config.yaml ({len(result.changed)} mục).",
    )
