"""The campaign's summary layout on disk: used as staff restyled it while it matches the config, else set aside
(kept as `bang_tong_hop.cu_<fingerprint>.xlsx`) and drawn again, with the staff's styling carried over where the
structure allows and a `LayoutRebuild` saying why, where the old one is, and what could not be carried."""

import io
import os
from pathlib import Path

from openpyxl import Workbook, load_workbook

from addin.config import CampaignConfig
from addin.contract import META_SHEET
from addin.errors import BaocaoError
from addin.outputs.summary.columns import annex_columns
from addin.outputs.summary.layout import build_layout, layout_fingerprint
from addin.outputs.summary.layout_carry import LayoutRebuild, carry_layout, record_drawn
from addin.outputs.summary.names import data_name, head_name, name_target
from addin.xlsx.atomic import write_bytes_atomically

SUMMARY_LAYOUT = "bang_tong_hop.xlsx"


def open_layout(config: CampaignConfig, layouts_dir: Path) -> tuple[Path, Workbook, bool, LayoutRebuild | None]:
    """The layout's path, the layout loaded, whether it was drawn, and (when it replaced one) why and how."""
    path = layouts_dir / SUMMARY_LAYOUT
    backup, old, meta, problem = None, None, {}, None
    existed = path.exists()
    if existed:
        try:
            old = load_workbook(path)
        except Exception:  # an unreadable layout is rebuilt (and kept), never fatal
            old = None
        meta = _meta(old) if old is not None else {}
        if meta.get("summary_fingerprint") == layout_fingerprint(config):
            problem = _layout_problem(old, config)
            if problem is None:
                return path, old, False, None
        backup = _backup_name(path, meta.get("summary_fingerprint", "khong_doc_duoc"))
        try:
            os.replace(path, backup)
        except PermissionError as error:
            raise BaocaoError(
                f"Mẫu bảng tổng hợp {path} không còn khớp với cấu hình nhưng đang mở trong Excel nên không thay "
                "được. Hãy đóng tệp rồi chạy lại."
            ) from error
    workbook = load_workbook(io.BytesIO(build_layout(config)))
    record_drawn(workbook, config)
    rebuild = None
    if existed:
        reasons, carried, lost = carry_layout(old, meta, workbook, config, problem)
        rebuild = LayoutRebuild(path, backup, reasons, carried, lost)
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_bytes_atomically(path, buffer.getvalue())
    return path, load_workbook(io.BytesIO(buffer.getvalue())), True, rebuild


def _backup_name(path: Path, fingerprint: str) -> Path:
    candidate = path.with_name(f"{path.stem}.cu_{fingerprint}{path.suffix}")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.cu_{fingerprint}_{number}{path.suffix}")
        number += 1
    return candidate


def _meta(workbook: Workbook) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        return {}
    rows = workbook[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
    return {str(key): str(value) for key, value in rows if key}


def _layout_problem(workbook: Workbook, config: CampaignConfig) -> str | None:
    """Why a layout that matches the fingerprint still cannot be filled (a name or sheet deleted, a column added)."""
    for number, annex in enumerate(config.summary.annexes, start=1):
        names = [data_name(number)] + ([head_name(number)] if annex.kind != "charts" else [])
        for name in names:
            if name_target(workbook, name) is None:
                return f"thiếu tên vùng {name}"
        if annex.kind != "charts":
            _, (min_col, _, max_col, _) = name_target(workbook, data_name(number))
            if min_col != 1 or max_col != len(annex_columns(config, annex)):
                return f"vùng {data_name(number)} không đúng số cột"
    return None
