"""The campaign folder: where config, templates, returns and results live on disk."""

from dataclasses import dataclass
from pathlib import Path

from addin.command_line import command
from addin.config import CampaignConfig, UnitEntry, load_config
from addin.errors import BaocaoError

CONFIG_NAME = "config.yaml"
LAYOUTS_DIR = "workbook_templates"
OUTGOING_DIR = "1_bieu_mau_gui"
INBOX_DIR = "2_bao_cao_nhan"
RESULTS_DIR = "3_ket_qua"
ARCHIVE_DIR = "luu_tru"
LEDGER_NAME = "baocao.sqlite"

FOLDER_GUIDE = f"""THƯ MỤC ĐỢT BÁO CÁO (do baocao tạo)

{CONFIG_NAME}      cấu hình đợt báo cáo: đơn vị, biểu mẫu, quy tắc kiểm tra, hạn nộp.
BaoCao.xlsm      bảng điều khiển: mở bằng Excel, bấm nút cho từng bước (lệnh: baocao workbook).
{LAYOUTS_DIR}/  biểu mẫu gốc; có thể mở bằng Excel để đổi phông chữ, màu, độ rộng cột, thêm logo.
{OUTGOING_DIR}/     biểu mẫu riêng của từng đơn vị, để gửi đi (lệnh: baocao templates).
  thu_gui/, thu_nhac/  thư gửi biểu mẫu / nhắc nộp dạng .eml, mở bằng Outlook để gửi (baocao send, remind).
{INBOX_DIR}/    bỏ các tệp báo cáo đơn vị gửi về vào đây (kể cả trong thư mục con).
{RESULTS_DIR}/         kết quả kiểm tra và bảng tổng hợp.
{ARCHIVE_DIR}/           bản lưu nguyên vẹn mọi tệp đã nhận (không sửa, không xoá); nhat_ky_nhan.jsonl là
                   nhật ký nhận, bieu_mau/ là các phiên bản biểu mẫu đã phát hành.
{LEDGER_NAME}      sổ theo dõi: tệp nào nhận lúc nào, của đơn vị nào, kết quả kiểm tra.
quyet_dinh_can_bo.csv  mọi quyết định chấp nhận / không nhận của cán bộ (chỉ ghi thêm).
                   Mất sổ theo dõi: chạy «baocao rebuild» để dựng lại từ kho lưu trữ và hai tệp trên.
"""


@dataclass(frozen=True)
class CampaignFolder:
    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def layouts(self) -> Path:
        return self.root / LAYOUTS_DIR

    @property
    def outgoing(self) -> Path:
        return self.root / OUTGOING_DIR

    @property
    def inbox(self) -> Path:
        return self.root / INBOX_DIR

    @property
    def results(self) -> Path:
        return self.root / RESULTS_DIR

    @property
    def archive(self) -> Path:
        return self.root / ARCHIVE_DIR

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_NAME

    def load_config(self) -> CampaignConfig:
        return load_config(self.config_path)


def open_campaign(directory: Path | str) -> CampaignFolder:
    folder = CampaignFolder(Path(directory).resolve())
    if not folder.config_path.is_file():
        raise BaocaoError(
            f"Thư mục {folder.root} chưa phải thư mục đợt báo cáo (không có {CONFIG_NAME}). "
            f"Hãy chạy «{command('init', directory)}» trước, hoặc chuyển vào đúng thư mục."
        )
    return folder


def chosen_units(folder: CampaignFolder, config: CampaignConfig, only: list[str] | None) -> list[UnitEntry]:
    """The units a step is asked to work on (`--only` codes), in config order; all of them without `--only`."""
    if not only:
        return list(config.units)
    wanted = {code.strip().upper() for code in only}
    unknown = sorted(wanted - {unit.code for unit in config.units})
    if unknown:
        raise BaocaoError(
            f"Không có đơn vị mã {', '.join(unknown)} trong {folder.config_path}. "
            "Hãy kiểm tra lại mã (xem mục unit_groups)."
        )
    return [unit for unit in config.units if unit.code in wanted]
