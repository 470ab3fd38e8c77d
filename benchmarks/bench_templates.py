"""Benchmark: making 1,000 unit templates, against the naive way measured in the same run.

    python benchmarks/bench_templates.py [--units 1000] [--naive-sample 50]

baocao builds the master once and stamps each unit's copy from its bytes. The naive way
loads the master with openpyxl for every unit, fills in the unit, and saves it (timed on a
sample). Results are printed and written to benchmarks/out/, never asserted.
"""

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl
from report import report

from addin.config import CampaignConfig, UnitEntry
from addin.issue.master import MASTER_NAME
from addin.issue.placeholders import unit_values
from addin.issue.unit_copies import build_templates, unit_file_name
from addin.stages import init_campaign


def many_units(config: CampaignConfig, count: int) -> list[UnitEntry]:
    base = config.units
    units = []
    for index in range(count):
        model = base[index % len(base)]
        units.append(
            UnitEntry(
                code=f"U{index:04d}",
                name=f"{model.name} (bản {index})",
                short=f"{model.short} {index}",
                email=f"u{index:04d}@laocai.example",
                parent=model.parent,
                group_code=model.group_code,
                group_name=model.group_name,
                order=index + 1,
            )
        )
    return units


def fill_with_openpyxl(workbook, unit: UnitEntry) -> None:
    values = {"{{" + key + "}}": value for key, value in unit_values(unit).items()}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "{{" in cell.value:
                    for placeholder, value in values.items():
                        cell.value = cell.value.replace(placeholder, value)


def naive_per_unit(master: Path, units: list[UnitEntry], out: Path) -> float:
    start = time.perf_counter()
    for unit in units:
        workbook = openpyxl.load_workbook(master)
        fill_with_openpyxl(workbook, unit)
        workbook.save(out / unit_file_name(unit))
    return (time.perf_counter() - start) / len(units)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--naive-sample", type=int, default=50)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_templates_"))
    try:
        folder = init_campaign(work / "dot")
        config = folder.load_config()
        units = many_units(config, arguments.units)
        (folder.layouts / MASTER_NAME).unlink(missing_ok=True)

        start = time.perf_counter()
        build_templates(folder, config, units)
        ours_total = time.perf_counter() - start
        start = time.perf_counter()
        build_templates(folder, config, units)
        ours_stamp_only = (time.perf_counter() - start) / len(units)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        sample = units[: arguments.naive_sample]
        naive_dir = work / "naive"
        naive_dir.mkdir()
        naive = naive_per_unit(folder.layouts / MASTER_NAME, sample, naive_dir)
        results = {
            "units": len(units),
            "ours_ms_per_template_including_master_build": round(ours_total / len(units) * 1000, 2),
            "ours_ms_per_template_stamp_only": round(ours_stamp_only * 1000, 2),
            "naive_openpyxl_load_fill_save_ms_per_template": round(naive * 1000, 1),
            "naive_sample_size": len(sample),
            "speedup_vs_naive": round(naive / (ours_total / len(units)), 1),
            "peak_rss_mb": round(peak_mb, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report("templates", results)


if __name__ == "__main__":
    main()
