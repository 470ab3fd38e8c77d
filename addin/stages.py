"""One function per step of the pipeline, called alike by the CLI, the Excel buttons and the demo."""

import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from addin.campaign import CONFIG_NAME, FOLDER_GUIDE, CampaignFolder
from addin.config import CampaignConfig, load_config
from addin.errors import BaocaoError
from addin.issue.templates import MASTER_NAME, read_layout_meta
from addin.outputs.findings_workbook import FINDINGS_WORKBOOK
from addin.outputs.merge import MergedCampaign, merge_campaign, write_tidy
from addin.outputs.summary.layout import layout_fingerprint
from addin.outputs.summary.layout_cache import SUMMARY_LAYOUT
from addin.outputs.summary.workbook import build_summary, summary_file_name
from addin.shipped import SHIPPED_CONFIG, SHIPPED_LAYOUTS


@dataclass
class SummaryResult:
    merged: MergedCampaign
    summary_workbook: Path | None
    tidy_workbook: Path
    csv_dir: Path
    findings_workbook: Path

    @property
    def counts(self) -> dict[str, int]:
        units = self.merged.units
        states = Counter(units["state"])
        late = int((units["included"] & units["late"].fillna(False).astype(bool)).sum())
        keys = ("accepted", "accepted_with_errors", "has_errors", "rejected", "not_received")
        return {"expected": len(units), "late": late, **{key: states.get(key, 0) for key in keys}}

    @property
    def missing(self) -> list[str]:
        units = self.merged.units
        return list(units.loc[units["state"] == "not_received", "unit_short"])

    def as_json(self) -> dict:
        return {
            "summary_workbook": str(self.summary_workbook) if self.summary_workbook else None,
            "tidy_workbook": str(self.tidy_workbook),
            "csv_dir": str(self.csv_dir),
            "counts": self.counts,
            "missing": self.missing,
        }


def summarise(folder: CampaignFolder) -> SummaryResult:
    config = folder.load_config()
    merged = merge_campaign(folder, config)
    tidy, csv_dir = write_tidy(folder, config, merged)
    official = None
    if config.summary.annexes:
        target = folder.results / summary_file_name(config)
        official = build_summary(config, merged, folder.layouts, target, datetime.now().replace(microsecond=0))
    return SummaryResult(merged, official, tidy, csv_dir, folder.results / FINDINGS_WORKBOOK)


def init_campaign(directory: Path | str, config_file: Path | str | None = None) -> CampaignFolder:
    """Make a campaign folder from a config (validated first) and the shipped layouts."""
    source = Path(config_file) if config_file else SHIPPED_CONFIG
    config = load_config(source)
    folder = CampaignFolder(Path(directory).resolve())
    if folder.config_path.exists():
        raise BaocaoError(
            f"Thư mục {folder.root} đã có {CONFIG_NAME}; không ghi đè để khỏi mất cấu hình đang dùng. "
            "Hãy chọn thư mục khác hoặc sửa trực tiếp tệp cấu hình đó."
        )
    for path in (folder.root, folder.layouts, folder.outgoing, folder.inbox, folder.results):
        path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder.config_path)
    (folder.root / "DOC_TRUOC.txt").write_text(FOLDER_GUIDE, encoding="utf-8")
    _copy_shipped_layouts(config, folder)
    return folder


def _copy_shipped_layouts(config: CampaignConfig, folder: CampaignFolder) -> None:
    """Copy the shipped layouts that were built for this very config (others are built on first use)."""
    wanted = {
        MASTER_NAME: ("master_fingerprint", config.master_fingerprint),
        SUMMARY_LAYOUT: ("summary_fingerprint", layout_fingerprint(config) if config.summary.annexes else None),
    }
    for name, (key, fingerprint) in wanted.items():
        layout = SHIPPED_LAYOUTS / name
        if layout.exists() and read_layout_meta(layout).get(key) == fingerprint:
            shutil.copyfile(layout, folder.layouts / name)
