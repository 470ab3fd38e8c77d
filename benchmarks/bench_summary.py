"""Benchmark: `baocao summary` for N accepted returns (merge + tidy data + official workbook).

    python benchmarks/bench_summary.py [--returns 1000]

Setting up (making, collecting and checking the returns, as `baocao check` does: with the findings
workbook and the «Mở» view copies it makes once) is not timed. `summary` is then timed twice in the
same process, without PDFs (BAOCAO_PDF=0: the export is LibreOffice's time, not baocao's). Results
are printed and written to benchmarks/out/summary.json, never asserted. Goal: ≤ 2 s for 1,000 returns.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import campaign_with_units, make_returns
from report import report

from addin.intake.collect import collect
from addin.stages import check, summary


def main() -> None:
    os.environ["BAOCAO_PDF"] = "0"
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=1000)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_summary_"))
    try:
        folder = campaign_with_units(work / "dot", arguments.returns)
        make_returns(folder, arguments.returns, mistake_rate=0.0)
        collect(folder)
        check(folder)
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
