"""What the control workbook shows: its buttons, the live panel and the log, as plain data.

Both the builder (`workbook.py`, no Excel needed) and the Excel buttons (`buttons.py`) take
their words and numbers from here, so the panel looks the same when built and when refreshed.
"""

from dataclasses import dataclass
from datetime import datetime

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig
from addin.standing import LABELS, State, campaign_standing

PANEL_SHEET = "Bảng điều khiển"
LOG_SHEET = "Nhật ký"
CONF_SHEET = "xlwings.conf"  # the name xlwings' VBA looks for
INFO_SHEET = "_baocao"
COUNTS_NAME = "bc_panel_counts"  # defined names the buttons write through (staff may move things)
UNITS_NAME = "bc_panel_units"
UPDATED_NAME = "bc_panel_updated"
LOG_HEADERS = ("Thời gian", "Thao tác", "Kết quả", "Người thực hiện")
UNIT_HEADERS = ("TT", "Mã", "Đơn vị", "Tình trạng", "Tệp mới nhất", "Ngày nhận", "Số lỗi", "Cảnh báo")


@dataclass(frozen=True)
class Button:
    macro: str  # a public parameterless Sub of macros/BaoCao.bas
    action: str  # the function of addin.frontends.buttons that Sub runs
    caption: str
    hint: str


BUTTONS = (
    Button(
        "BaoCao_ThietKe",
        "design_campaign",
        "Thiết kế đợt báo cáo",
        "Mở bảng thiết kế Excel: đơn vị, biểu mẫu, quy tắc.",
    ),
    Button("BaoCao_ApDungThietKe", "apply_design", "Áp dụng thiết kế", "Kiểm tra bảng thiết kế, ghi config.yaml."),
    Button("BaoCao_TaoBieuMau", "make_templates", "1. Tạo biểu mẫu", "Tạo biểu mẫu riêng của từng đơn vị."),
    Button("BaoCao_GuiBieuMau", "send_templates", "2. Gửi biểu mẫu", "Gửi thư kèm biểu mẫu tới từng đơn vị."),
    Button("BaoCao_NhanBaoCao", "collect_returns", "3. Nhận báo cáo", "Lấy các tệp trong 2_bao_cao_nhan và hộp thư."),
    Button("BaoCao_KiemTra", "check_returns", "4. Kiểm tra", "Kiểm tra mọi báo cáo đã nhận; mở bảng kết quả."),
    Button(
        "BaoCao_ChapNhan",
        "accept_selected",
        "Chấp nhận báo cáo",
        "Chọn dòng đơn vị: nhận dù còn lỗi.",
    ),
    Button(
        "BaoCao_KhongNhan",
        "reject_selected",
        "Không nhận báo cáo",
        "Chọn dòng đơn vị: loại báo cáo.",
    ),
    Button("BaoCao_NhacNop", "send_reminders", "5. Nhắc nộp, trả lỗi", "Nhắc đơn vị chưa nộp; trả lại báo cáo có lỗi."),
    Button("BaoCao_TongHop", "make_summary", "6. Tổng hợp", "Tổng hợp báo cáo đạt; mở bảng tổng hợp."),
    Button("BaoCao_MoKetQua", "open_results", "Mở thư mục kết quả", "Mở thư mục 3_ket_qua."),
    Button("BaoCao_CapNhat", "refresh_panel", "Cập nhật bảng", "Đọc lại sổ theo dõi, cập nhật bảng bên phải."),
    Button("BaoCao_KiemTraCaiDat", "check_installation", "Kiểm tra cài đặt", "Kiểm tra Python, xlwings, đường dẫn."),
)


@dataclass(frozen=True)
class Panel:
    counts: list[tuple[str, int]]
    unit_rows: list[list[str | int]]
    updated: str


def panel_for(config: CampaignConfig, folder: CampaignFolder, now: datetime | None) -> Panel:
    """The panel's numbers; `now` None when building the workbook (whose bytes must not depend on the clock)."""
    standing = campaign_standing(folder, config, with_findings=False)
    received = [unit for unit in standing.units if unit.state != State.MISSING]
    late = sum(1 for unit in received if unit.late)
    counts = [
        ("Số đơn vị phải nộp", len(standing.units)),
        ("Đã nhận", len(received)),
        ("Nộp đúng hạn", len(received) - late),
        ("Nộp muộn", late),
        *((LABELS[state], standing.count(state)) for state in State),
        ("Tệp chưa rõ đơn vị", len(standing.unassigned)),
        ("Tệp chờ kiểm tra", len(standing.waiting)),
        ("Thư không có báo cáo", len(standing.unusable_mails)),
    ]
    rows = []
    for index, unit in enumerate(standing.units, start=1):
        latest = unit.latest
        rows.append(
            [
                index,
                unit.unit.code,
                unit.unit.short,
                unit.label,
                latest.record.original_name if latest else "",
                f"{latest.record.received_at:%d/%m/%Y %H:%M}" if latest else "",
                latest.check.errors if latest else "",
                latest.check.warnings if latest else "",
            ]
        )
    when = f"Số liệu lúc {now:%H:%M ngày %d/%m/%Y}" if now else "Số liệu lúc tạo tệp"
    return Panel(counts, rows, f"{when}. Bấm «Cập nhật bảng» để đọc lại sổ theo dõi.")


def log_row(now: datetime, action: str, outcome: str, user: str) -> list[str]:
    return [now.strftime("%d/%m/%Y %H:%M:%S"), action, outcome, user]
