"""Benchmark: `collect` + `check` of N returns against the naive way, in the same run.

    python benchmarks/bench_check.py [--returns 1000] [--naive-sample 200] [--mistakes 0.2] [--workers 1 2 4]

The naive way is a loop of `pandas.read_excel(path, sheet_name=None)` over the same files: it
reads everything and checks nothing. The reading floor, python-calamine alone reading every sheet of the
same sample in one process, is reported beside it. baocao archives each file, records it in the ledger, reads
it by its defined names, applies every rule and stores the findings. Writing the findings
workbook (first, when the macro-free copies its «Mở» links open are made, and again, when they exist) and
the annotated copies is timed separately. Peak memory is measured in a fresh
process for two sizes to show whether it grows with the number of returns. With `--workers`, `check`
alone is also timed again on fresh copies of the collected campaign with that many processes each
(1 = no pool), for the pool size to be chosen by measurement. Results are printed and written to
benchmarks/out/check.json, never asserted.
"""

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas
import yaml
from python_calamine import CalamineWorkbook
from report import report

from addin.campaign import CampaignFolder
from addin.checking import check_campaign
from addin.demo.samples import MISTAKES, SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.outputs.findings_workbook import write_feedback_copies, write_findings_workbook
from addin.stages import init_campaign
from addin.standing import campaign_standing


def campaign_with_units(root: Path, count: int, groups: int = 1):
    """The shipped campaign with `count` made-up units, spread over `groups` groups (a ministry has many)."""
    folder = init_campaign(root)
    data = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
    first_group, model = data["unit_groups"][0], data["unit_groups"][0]["units"][0]
    per_group = -(-count // groups)
    data["unit_groups"] = [
        {
            **first_group,
            **({"code": f"N{group + 1:02d}", "name": f"Nhóm đơn vị số {group + 1}"} if groups > 1 else {}),
            "units": [
                {
                    **model,
                    "code": f"DV{index:05d}",
                    "name": f"Đơn vị thử số {index}",
                    "short": f"Đơn vị {index}",
                    "email": f"dv{index:05d}@laocai.example",
                }
                for index in range(group * per_group, min(count, (group + 1) * per_group))
            ],
        }
        for group in range(groups)
    ]
    folder.config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def make_returns(folder, count: int, mistake_rate: float, seed: int = 1) -> list[Path]:
    config = folder.load_config()
    maker, chooser = SampleMaker(config, seed), random.Random(seed)
    samples = []
    for unit in config.units[:count]:
        mistakes = [chooser.choice(MISTAKES)] if chooser.random() < mistake_rate else []
        samples.append(maker.make(unit, mistakes, late=chooser.random() < 0.1))
    return write_samples(config, build_master(config), samples, folder.inbox)


def check_seconds_with(folder, workers: int) -> float:
    """`check_campaign` on a fresh copy of the collected campaign, with `workers` processes (1: no pool)."""
    copy = folder.root.parent / f"workers_{workers}"
    shutil.copytree(folder.root, copy)
    try:
        start = time.perf_counter()
        check_campaign(CampaignFolder(copy), workers=workers)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def reading_floor_seconds(paths: list[Path]) -> float:
    """Seconds per file for python-calamine alone to read every sheet, in one process: the reading floor."""
    start = time.perf_counter()
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return (time.perf_counter() - start) / len(paths)


def peak_memory_mb(count: int, mistake_rate: float) -> float:
    """Peak RSS of a fresh process that collects and checks `count` returns it finds on disk."""
    script = f"""
import resource, sys, tempfile
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from bench_check import campaign_with_units, make_returns
from addin.intake.collect import collect
from addin.campaign import CampaignFolder
from addin.checking import check_campaign
root = Path(tempfile.mkdtemp()) / "dot"
folder = campaign_with_units(root, {count})
make_returns(folder, {count}, {mistake_rate})
print(root)
"""
    root = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    measure = f"""
import resource
from pathlib import Path
from addin.campaign import CampaignFolder
from addin.intake.collect import collect
from addin.campaign import CampaignFolder
from addin.checking import check_campaign
folder = CampaignFolder(Path({root!r}))
collect(folder)
check_campaign(folder)
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children) / 1024)
"""
    output = subprocess.run([sys.executable, "-c", measure], capture_output=True, text=True, check=True).stdout
    shutil.rmtree(Path(root).parent, ignore_errors=True)
    return float(output.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=1000)
    parser.add_argument("--naive-sample", type=int, default=200)
    parser.add_argument("--mistakes", type=float, default=0.2)
    parser.add_argument("--workers", type=int, nargs="*", default=[])
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_check_"))
    try:
        folder = campaign_with_units(work / "dot", arguments.returns)
        paths = make_returns(folder, arguments.returns, arguments.mistakes)

        start = time.perf_counter()
        collect(folder)
        collect_seconds = time.perf_counter() - start
        by_workers = {
            f"check_ms_per_file_{workers}_workers": round(check_seconds_with(folder, workers) / len(paths) * 1000, 2)
            for workers in arguments.workers
        }
        start = time.perf_counter()
        checked = check_campaign(folder)
        check_seconds = time.perf_counter() - start
        config = folder.load_config()  # as `baocao check` does: once, before checking (loading it is not timed here)
        start = time.perf_counter()
        status = campaign_standing(folder, config)
        write_findings_workbook(folder, status)
        workbook_seconds = time.perf_counter() - start
        start = time.perf_counter()  # again: the «Mở» links' macro-free copies (ban_xem/) are made only once
        write_findings_workbook(folder, campaign_standing(folder, config))
        workbook_again_seconds = time.perf_counter() - start
        start = time.perf_counter()
        copies = write_feedback_copies(folder, status, "sớm nhất có thể")
        copies_seconds = time.perf_counter() - start

        sample = paths[: arguments.naive_sample]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            for path in sample:
                pandas.read_excel(path, sheet_name=None)
            naive_per_file = (time.perf_counter() - start) / len(sample)
        floor_per_file = reading_floor_seconds(sample)

        ours_per_file = (collect_seconds + check_seconds) / arguments.returns
        results = {
            "returns": arguments.returns,
            "with_mistakes": sum(1 for result in checked if result.findings),
            "collect_ms_per_file": round(collect_seconds / arguments.returns * 1000, 2),
            "check_ms_per_file": round(check_seconds / arguments.returns * 1000, 2),
            "collect_plus_check_ms_per_file": round(ours_per_file * 1000, 2),
            "naive_pandas_read_excel_ms_per_file": round(naive_per_file * 1000, 1),
            "naive_sample_size": len(sample),
            "speedup_vs_naive": round(naive_per_file / ours_per_file, 1),
            "calamine_alone_ms_per_file": round(floor_per_file * 1000, 2),
            "findings_workbook_seconds": round(workbook_seconds, 2),
            "findings_workbook_again_seconds": round(workbook_again_seconds, 2),
            "annotated_copies": len(copies),
            "annotated_copy_ms_each": round(copies_seconds / max(1, len(copies)) * 1000, 1),
            **by_workers,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    small = max(50, arguments.returns // 4)
    results[f"peak_rss_mb_{small}_returns"] = round(peak_memory_mb(small, arguments.mistakes), 1)
    peak = peak_memory_mb(arguments.returns, arguments.mistakes)
    results[f"peak_rss_mb_{arguments.returns}_returns"] = round(peak, 1)
    report("check", results)


if __name__ == "__main__":
    main()
