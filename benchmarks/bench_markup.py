"""Benchmark: marking up a big return (issue 12, case 12) the old way (openpyxl loads the whole workbook)
against patching its sheet XML (`marked_copy.patched_copy`), and making its macro-free view (case 9).

    python benchmarks/bench_markup.py [--rows 20000] [--columns 124] [--skip-before]
    python benchmarks/bench_markup.py --copies [--returns 1000] [--mistakes 0.26] [--runs 3]

The workbook: a real return stamped from the master template with a wrong total (the finding is the real
check's), plus a sheet of rows x columns numbers streamed into the zip; 20,000 x 124 gives a ~16 MB file
(~74 MB of sheet XML), within every guard limit. Each way runs in a fresh child process that reports its
CPU and wall time and its peak RSS, interpreter and imports included: VmHWM of /proc/self/status, the high-water
mark of the child's own memory; `ru_maxrss` is shown too, but Linux carries it over from the parent across fork
and exec, so for a small child it shows the benchmark's own size.
Results are printed and written to benchmarks/out/markup.json, never asserted.

With --copies (issue 14): a campaign of N ordinary returns (bench_check's), collected and checked, then one
marked-up copy (heading, colours, a comment on each flagged cell, the «Cần sửa» listing) for each unit with
errors, the openpyxl way (`annotated_copy`) and the patch way (`patched_copy`, what `check` does), each way
over all the copies in its own child process, `--runs` times in turn: milliseconds per copy (imports left
out), the child's peak RSS and how much it grew while making the copies (imports left out), min and median
over the runs. Written to benchmarks/out/markup_copies.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test helpers that build a large return

from report import report

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.outputs.findings_workbook import can_mark_up, feedback_heading, write_feedback_copies
from addin.stages import init_campaign
from addin.standing import campaign_standing
from addin.xlsx.zip_parts import unpacked_bytes
from tests.office_files import with_big_sheet

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
from pathlib import Path
from types import SimpleNamespace
from addin.findings import Finding
way, source, target, findings = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
findings = [Finding(**f) for f in findings]
wall, cpu = time.perf_counter(), time.process_time()
if way == "before":
    from addin.outputs.findings_workbook import annotated_copy
    target.write_bytes(annotated_copy(source, SimpleNamespace(findings=findings)))
elif way == "after":
    from addin.outputs.findings_workbook import cell_marks, listing_rows
    from addin.outputs.marked_copy import patched_copy
    marks, notes = cell_marks(findings)
    patched_copy(source, target, marks, listing_rows(SimpleNamespace(findings=findings)), notes=notes)
else:
    from addin.outputs.macro_free import macro_free_copy
    macro_free_copy(source, target)
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"wall_s": round(time.perf_counter() - wall, 2), "cpu_s": round(time.process_time() - cpu, 2),
                  "peak_rss_mb": round(hwm / 1024, 1), "ru_maxrss_mb": round(maxrss / 1024, 1)}))
"""


def big_return(work: Path, rows: int, columns: int) -> tuple[Path, list[dict]]:
    """The big return as collected and checked in a real campaign, and its findings."""
    folder = init_campaign(work / "dot")
    build_templates(folder)
    config = folder.load_config()
    sample = SampleMaker(config, seed=5).make(config.units[1], ["wrong_total"])
    [made] = write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), [sample], work / "made")
    with_big_sheet(made, folder.inbox / made.name, rows, columns)
    collect(folder)
    check_campaign(folder)
    latest = next(s.latest for s in campaign_standing(folder).units if s.latest)
    return folder.root / latest.record.archive_path, [f.as_dict() for f in latest.findings]


def run_child(way: str, source: Path, target: Path, findings: list[dict]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, way, str(source), str(target), json.dumps(findings)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode:
        return {"failed": done.stderr.strip().splitlines()[-1]}
    return {**json.loads(done.stdout), "output_mb": round(target.stat().st_size / 2**20, 1)}


COPIES = """
import json, sys, time
from pathlib import Path
from types import SimpleNamespace
from addin.findings import Finding
from addin.outputs.findings_workbook import annotated_copy, cell_marks, listing_rows
from addin.outputs.marked_copy import ListingHeading, patched_copy
from addin.xlsx.atomic import write_bytes_atomically
way, jobs = sys.argv[1], json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
for job in jobs:
    job["result"] = SimpleNamespace(findings=[Finding(**f) for f in job["findings"]])
    job["heading"] = ListingHeading(job["heading"][0], tuple(job["heading"][1:]))
def hwm():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
before, wall = hwm(), time.perf_counter()
for n, job in enumerate(jobs):
    source, target = Path(job["source"]), Path(job["out"]) / f"{way}_{n}.xlsx"
    if way == "openpyxl":
        write_bytes_atomically(target, annotated_copy(source, job["result"], job["heading"]))
    else:
        marks, notes = cell_marks(job["result"].findings)
        patched_copy(source, target, marks, listing_rows(job["result"]), heading=job["heading"], notes=notes)
ms = (time.perf_counter() - wall) * 1000 / len(jobs)
print(json.dumps({"ms_per_copy": ms, "peak_rss_mb": hwm(), "peak_rss_growth_mb": hwm() - before}))
"""


def copies_benchmark(returns: int, mistakes: float, runs: int) -> dict:
    """One marked-up copy per unit with errors, the openpyxl way against the patch way, in the same run."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_check import campaign_with_units, make_returns

    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        folder = campaign_with_units(work / "dot", returns)
        make_returns(folder, returns, mistakes)
        collect(folder)
        check_campaign(folder)
        status = campaign_standing(folder)
        config = folder.load_config()
        jobs = []
        for unit in status.units:
            if can_mark_up(unit, folder.root):
                heading = feedback_heading(config, unit, "sớm nhất có thể")
                jobs.append(
                    {
                        "source": str(folder.root / unit.latest.record.archive_path),
                        "findings": [f.as_dict() for f in unit.latest.findings],
                        "heading": [heading.title, *heading.lines],
                        "out": str(work / "out"),
                    }
                )
        (work / "out").mkdir()
        (work / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
        figures: dict[str, list[dict]] = {"openpyxl": [], "patch": []}
        for _ in range(runs):
            for way, measured in figures.items():
                done = subprocess.run(
                    [sys.executable, "-c", COPIES, way, str(work / "jobs.json")],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                    check=True,
                )
                measured.append(json.loads(done.stdout))
        start = time.perf_counter()
        written = write_feedback_copies(folder, status, "sớm nhất có thể", config)
        in_check = (time.perf_counter() - start) * 1000 / max(1, len(written))
        sizes = [os.path.getsize(job["source"]) for job in jobs]
    results = {"returns": returns, "copies": len(jobs), "source_kb_median": round(statistics.median(sizes) / 1024, 1)}
    for way, measured in figures.items():
        for key in ("ms_per_copy", "peak_rss_mb", "peak_rss_growth_mb"):
            values = [m[key] for m in measured]
            results[f"{way}_{key}_min"] = round(min(values), 1)
            results[f"{way}_{key}_median"] = round(statistics.median(values), 1)
    results["speedup_median"] = round(results["openpyxl_ms_per_copy_median"] / results["patch_ms_per_copy_median"], 1)
    results["write_feedback_copies_ms_each"] = round(in_check, 1)
    results["runs"] = runs
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--columns", type=int, default=124)
    parser.add_argument("--skip-before", action="store_true", help="skip the openpyxl way (about a minute)")
    parser.add_argument("--copies", action="store_true", help="one copy per unit with errors, both ways")
    parser.add_argument("--returns", type=int, default=1000)
    parser.add_argument("--mistakes", type=float, default=0.26)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.copies:
        report("markup_copies", copies_benchmark(args.returns, args.mistakes, args.runs))
        return
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        source, findings = big_return(work, args.rows, args.columns)
        results = {
            "workbook_mb": round(source.stat().st_size / 2**20, 1),
            "unpacked_mb": round(unpacked_bytes(source) / 2**20, 1),
            "findings": len(findings),
        }
        results["after_patched_xml"] = run_child("after", source, work / "after.xlsx", findings)
        results["macro_free_view"] = run_child("view", source, work / "view.xlsx", findings)
        if not args.skip_before:
            results["before_openpyxl"] = run_child("before", source, work / "before.xlsx", findings)
    report("markup", results)


if __name__ == "__main__":
    main()
