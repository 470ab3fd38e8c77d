"""Benchmark: `baocao summary` for N accepted returns (merge + tidy data + official workbook).

    python benchmarks/bench_summary.py [--returns 1000]

Setting up (making, collecting and checking the returns) is not timed. Results are printed and
written to benchmarks/out/summary.json, never asserted. Goal: ≤ 3 s for 1,000 returns.
"""

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import campaign_with_units, make_returns
from report import report

from addin.checking import check_campaign
from addin.intake.collect import collect
from addin.stages import summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=1000)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_summary_"))
    try:
        folder = campaign_with_units(work / "dot", arguments.returns)
        make_returns(folder, arguments.returns, mistake_rate=0.0)
        collect(folder)
        check_campaign(folder)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            result = summary(folder)
            timings.append(time.perf_counter() - start)
        results = {
            "returns": arguments.returns,
            "activities": len(result.merged.sections["hoat_dong"]),
            "summary_seconds_first": round(timings[0], 2),
            "summary_seconds_again": round(timings[1], 2),
            "peak_rss_mb_before": round(before, 1),
            "peak_rss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report("summary", results)


if __name__ == "__main__":
    main()
