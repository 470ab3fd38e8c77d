"""The design workbook of a campaign folder: export it, apply it, start a campaign from one.

Called alike by `baocao design …`, `baocao init --design` and the control workbook's two buttons.
"""

import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from addin.campaign import CONFIG_NAME
from addin.campaign_lock import campaign_lock
from addin.config.loading import ConfigError, load_config
from addin.config.model import CampaignConfig
from addin.design.export import DESIGN_NAME, export_design
from addin.design.labels import label_of
from addin.design.validation import import_design
from addin.design.yaml_write import ConfigWrite, keep_beside, write_config
from addin.errors import BaocaoError


@dataclass(frozen=True)
class Exported:
    path: Path
    source: str  # "config" (a valid config.yaml), "raw" (one with errors, shown as written), "skeleton"
    backup: Path | None = None  # the design workbook that was there before (staff's edits are never lost)


def export_campaign_design(root: Path, out: Path | None = None, now: datetime | None = None) -> Exported:
    """Write the folder's config as a design workbook (default `thiet_ke_dot_bao_cao.xlsx` in the folder).

    A folder without config.yaml gives the empty skeleton (every required key shown); a config.yaml with
    errors is shown as written, so staff can correct it in Excel. A design workbook already there is kept
    beside it (`thiet_ke_dot_bao_cao.xlsx.<năm-tháng-ngày_giờphútgiây>.bak`).
    """
    root = Path(root)
    target = Path(out) if out else root / DESIGN_NAME
    config_path = root / CONFIG_NAME
    if not config_path.is_file():
        source, config = "skeleton", None
    else:
        try:
            source, config = "config", load_config(config_path)
        except ConfigError:
            source, config = "raw", _raw_mapping(config_path)
    backup = keep_beside(target, now or datetime.now()) if target.exists() else None
    return Exported(export_design(config, target), source, backup)


def _raw_mapping(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise BaocaoError(
            f"Tệp {path} viết sai cú pháp nên không xuất được bảng thiết kế. "
            "Hãy sửa tệp (xem «baocao init») hoặc đổi tên nó để xuất bảng thiết kế trống."
        ) from error
    return _nfc(data) if isinstance(data, dict) else {}


def _nfc(value):
    if isinstance(value, dict):
        return {key: _nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def apply_design(root: Path, design: Path, now: datetime | None = None) -> ConfigWrite:
    """Import `design` (every problem raised at once, DesignError) and write the folder's config.yaml."""
    config = import_design(Path(design))
    with campaign_lock(Path(root), "design import"):  # no step reads config.yaml while it is replaced
        return write_config(Path(root) / CONFIG_NAME, config, now)


def config_from_design(design: Path, folder: Path) -> Path:
    """A config.yaml made from `design` in `folder` (for `baocao init --design`)."""
    config: CampaignConfig = import_design(Path(design))
    path = Path(folder) / CONFIG_NAME
    comment = (
        f"Cấu hình đợt báo cáo, tạo từ bảng thiết kế {Path(design).name} (baocao init --design).\n"
        "Sửa bằng bảng thiết kế: «baocao design export», sửa trong Excel, rồi «baocao design import» (xem README)."
    )
    write_config(path, config, comment=comment)
    return path


def temporary_config_from_design(design: Path) -> tuple[tempfile.TemporaryDirectory, Path]:
    scratch = tempfile.TemporaryDirectory(prefix="baocao_design_")
    return scratch, config_from_design(design, Path(scratch.name))


def _described(key: str) -> str:
    """`campaign.deadline` as staff know it: «Hạn nộp báo cáo (campaign.deadline)»."""
    label = label_of(key)
    return key if label == key else f"{label} ({key})"


def changed_text(result: ConfigWrite, limit: int = 20) -> str:
    """The keys an import changed, one line each (Vietnamese)."""
    if not result.changed:
        return "Không có gì thay đổi: config.yaml giữ nguyên."
    lines = [f"  - {_described(key)}" for key in result.changed[:limit]]
    if len(result.changed) > limit:
        lines.append(f"  … và {len(result.changed) - limit} mục khác.")
    backup = f"\nBản cũ lưu ở {result.backup}." if result.backup else ""
    return f"Đã cập nhật {result.path} ({len(result.changed)} mục thay đổi):\n" + "\n".join(lines) + backup
