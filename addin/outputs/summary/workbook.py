"""Building the official summary: the campaign's layout (drawn first if missing or stale) filled with the merged
data, annex by annex, and saved."""

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from addin.config import CampaignConfig
from addin.contract import META_SHEET
from addin.outputs.summary.annexes import fill_by_unit, fill_listing, fill_submission
from addin.outputs.summary.charts import fill_charts
from addin.outputs.summary.facts import Facts, MergedCampaign
from addin.outputs.summary.form import fill_placeholders, placeholder_values
from addin.outputs.summary.layout_cache import open_layout
from addin.outputs.summary.matrix import fill_matrix
from addin.outputs.summary.names import data_name, name_target
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.fast_save import save_workbook_fast

FILLERS = {
    "by_unit": fill_by_unit,
    "listing": fill_listing,
    "matrix": fill_matrix,
    "submission": fill_submission,
    "charts": fill_charts,
}


def summary_file_name(config: CampaignConfig) -> str:
    return f"bang_tong_hop_{config.campaign.id}.xlsx"


def build_summary(
    config: CampaignConfig,
    merged: MergedCampaign,
    layouts_dir: Path,
    out_path: Path,
    generated_at: datetime,
    layout: Workbook | None = None,
) -> Path:
    """Fill the campaign's summary layout (built first if missing or stale) with `merged`; write `out_path`.

    `layout`: the layout the caller has already opened with `open_layout` (it is filled in place)."""
    workbook = layout if layout is not None else open_layout(config, Path(layouts_dir))[1]
    facts = Facts(config, merged)
    values = placeholder_values(config)
    streamed = {}  # rows an annex wrote without cell objects, by sheet
    for number, annex in enumerate(config.summary.annexes, start=1):
        streamed.update(FILLERS[annex.kind](workbook, number, annex, facts, generated_at) or {})
        sheet, (_, first, _, _) = name_target(workbook, data_name(number))
        fill_placeholders(sheet, 1, first - 1, values)  # the caption and dates above the table, never the data
    meta = workbook[META_SHEET]
    meta.append(["generated_at", None])
    meta.cell(row=meta.max_row, column=2, value=generated_at.isoformat(timespec="seconds")).data_type = "s"
    workbook.properties.title = config.summary.title
    workbook.properties.created = generated_at
    out_path = Path(out_path)
    write_bytes_atomically(out_path, save_workbook_fast(workbook, streamed=streamed))
    return out_path
