"""Benchmark: marking up a big return (issue 12, case 12) the old way (openpyxl loads the whole workbook)
against patching its sheet XML (`marked_copy.patched_copy`), and making its macro-free view (case 9).

    python benchmarks/bench_markup.py [--rows 20000] [--columns 124] [--skip-before]

The workbook: a real return stamped from the master template with a wrong total (the finding is the real
check's), plus a sheet of rows x columns numbers streamed into the zip; 20,000 x 124 gives a ~16 MB file
(~74 MB of sheet XML), within every guard limit. Each way runs in a fresh child process that reports its
CPU and wall time and its peak RSS, interpreter and imports included: VmHWM of /proc/self/status, the high-water
mark of the child's own memory; `ru_maxrss` is shown too, but Linux carries it over from the parent across fork
and exec, so for a small child it shows the benchmark's own size.
Results are printed and written to benchmarks/out/markup.json, never asserted.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from report import report

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.outputs.findings_workbook import unpacked_bytes
from addin.stages import init_campaign
from addin.standing import campaign_standing
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
    from addin.findings import SEVERITY_LABELS
    from addin.outputs.marked_copy import ListingRow, patched_copy
    marks = {}
    for f in findings:
        if f.sheet and f.cell:
            marks.setdefault(f.sheet, {})[f.cell] = f.is_error
    listing = [ListingRow(SEVERITY_LABELS[f.severity], f.message, f.sheet or "", f.cell or "") for f in findings]
    patched_copy(source, target, marks, listing)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--columns", type=int, default=124)
    parser.add_argument("--skip-before", action="store_true", help="skip the openpyxl way (about a minute)")
    args = parser.parse_args()
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
