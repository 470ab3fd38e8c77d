"""Benchmark: collect + check + summary at ministry scale, and whether memory stays flat with size.

    python benchmarks/bench_scale.py [--sizes 1000 10000] [--groups 20] [--runs 3] [--naive-sample 200]

For each size N a campaign of N units in `--groups` groups (as a ministry's list would be) gets N
returns (one in five with a mistake, one in ten late); making them is not timed. Then a fresh process
runs `collect`, `check` and `summary` (no PDF) as the commands do and reports each step's seconds,
milliseconds per file and its peak RSS (its own and its pool workers'). The naive way, a loop of
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
import yaml
from bench_check import make_returns
from report import report

from addin.stages import init_campaign

HERE = Path(__file__).parent


def campaign_with_groups(root: Path, count: int, groups: int):
    """The shipped campaign with `count` made-up units spread over `groups` groups."""
    folder = init_campaign(root)
    data = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
    model = data["unit_groups"][0]["units"][0]
    per_group = -(-count // groups)
    data["unit_groups"] = [
        {
            "code": f"N{group + 1:02d}",
            "name": f"Nhóm đơn vị số {group + 1}",
            "units": [
                {
                    **model,
                    "code": f"DV{index:05d}",
                    "name": f"Trường thử số {index} thuộc nhóm {group + 1}",
                    "short": f"Trường {index}",
                    "email": f"dv{index:05d}@bo.example",
                }
                for index in range(group * per_group, min(count, (group + 1) * per_group))
            ],
        }
        for group in range(groups)
    ]
    folder.config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


_TIMED_STEPS = """
import json, os, resource, sys, time
os.environ["BAOCAO_PDF"] = "0"
from pathlib import Path
from addin.campaign import CampaignFolder
from addin import stages
folder = CampaignFolder(Path(sys.argv[1]))
seconds = {}
for step in ("collect", "check", "summary"):
    start = time.perf_counter()
    getattr(stages, step)(folder)
    seconds[step] = time.perf_counter() - start
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak / 1024}))
"""


def one_run(size: int, groups: int, naive_sample: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    try:
        folder = campaign_with_groups(work / "dot", size, groups)
        paths = make_returns(folder, size, mistake_rate=0.2)
        done = subprocess.run(
            [sys.executable, "-c", _TIMED_STEPS, str(folder.root)], capture_output=True, text=True, check=True
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            for path in paths[:naive_sample]:
                pandas.read_excel(path, sheet_name=None)
            naive_ms = (time.perf_counter() - start) / min(naive_sample, len(paths)) * 1000
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = measured["seconds"]
    per_file_ms = (seconds["collect"] + seconds["check"]) / size * 1000
    return {
        "collect_ms_per_file": seconds["collect"] / size * 1000,
        "check_ms_per_file": seconds["check"] / size * 1000,
        "collect_plus_check_ms_per_file": per_file_ms,
        "naive_pandas_read_excel_ms_per_file": naive_ms,
        "speedup_vs_naive": naive_ms / per_file_ms,
        "summary_seconds": seconds["summary"],
        "peak_rss_mb": measured["peak_rss_mb"],
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
