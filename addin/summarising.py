"""`baocao summary`: merge the usable returns, write the tidy data and the official summary workbook."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from addin.campaign import CampaignFolder
from addin.merge import MergedCampaign, merge_campaign, write_tidy
from addin.reports import FINDINGS_WORKBOOK
from addin.summary import build_summary, summary_file_name


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
