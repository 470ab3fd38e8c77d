"""Benchmark: collect + check + summary at ministry scale, and whether memory stays flat with size.

    python benchmarks/bench_scale.py [--sizes 1000 10000] [--groups 20] [--runs 3] [--naive-sample 200]

For each size N a campaign of N units in `--groups` groups (as a ministry's list would be) gets N
returns (one in five with a mistake, one in ten late); making them is not timed. Then `collect`, `check`
(with the findings workbook and the marked-up copies) and `summary` (no PDF) run as the commands run them,
each in a fresh process, and each step's seconds, milliseconds per file and peak RSS (the process's, and
for `check` its pool workers') are reported. The naive way, a loop of
`pandas.read_excel(path, sheet_name=None)` over a sample of the same files, is timed in the same run,
and the ratio is reported. With `--runs` > 1 every figure is given as min and median.
Results are printed and written to benchmarks/out/scale.json, never asserted.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas
from bench_check import campaign_with_units, make_returns
from report import report

_ONE_STEP = """
import json, os, resource, sys, time
os.environ["BAOCAO_PDF"] = "0"
from pathlib import Path
from addin.campaign import CampaignFolder
from addin import stages
folder = CampaignFolder(Path(sys.argv[1]))
start = time.perf_counter()
getattr(stages, sys.argv[2])(folder)
seconds = time.perf_counter() - start
own, workers = (resource.getrusage(who).ru_maxrss / 1024 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": seconds, "peak_rss_mb": own, "worker_peak_rss_mb": workers}))
"""
STEPS = ("collect", "check", "summary")


def timed_step(folder, step: str) -> dict:
    """One step run as the command runs it, in a fresh process: its seconds and peak RSS (and its workers')."""
    done = subprocess.run(
        [sys.executable, "-c", _ONE_STEP, str(folder.root), step], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def naive_ms_per_file(paths: list[Path]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        for path in paths:
            pandas.read_excel(path, sheet_name=None)
    return (time.perf_counter() - start) / len(paths) * 1000


def one_run(size: int, groups: int, naive_sample: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    try:
        folder = campaign_with_units(work / "dot", size, groups)
        paths = make_returns(folder, size, mistake_rate=0.2)
        steps = {step: timed_step(folder, step) for step in STEPS}
        naive_ms = naive_ms_per_file(paths[:naive_sample])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_file_ms = (steps["collect"]["seconds"] + steps["check"]["seconds"]) / size * 1000
    return {
        "collect_ms_per_file": steps["collect"]["seconds"] / size * 1000,
        "check_ms_per_file": steps["check"]["seconds"] / size * 1000,
        "collect_plus_check_ms_per_file": per_file_ms,
        "naive_pandas_read_excel_ms_per_file": naive_ms,
        "speedup_vs_naive": naive_ms / per_file_ms,
        "summary_seconds": steps["summary"]["seconds"],
        **{f"{step}_peak_rss_mb": steps[step]["peak_rss_mb"] for step in STEPS},
        "check_worker_peak_rss_mb": steps["check"]["worker_peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--naive-sample", type=int, default=200)
    arguments = parser.parse_args()
    results: dict = {"groups": arguments.groups, "runs": arguments.runs}
    for size in arguments.sizes:
        runs = [one_run(size, arguments.groups, arguments.naive_sample) for _ in range(arguments.runs)]
        for key in runs[0]:
            values = [run[key] for run in runs]
            digits = 1 if key.endswith("mb") or key == "speedup_vs_naive" else 2
            results[f"{size}_{key}"] = (
                round(values[0], digits)
                if len(values) == 1
                else {"min": round(min(values), digits), "median": round(statistics.median(values), digits)}
            )
    report("scale", results)


if __name__ == "__main__":
    main()
