"""Benchmark: peak memory of `collect --imap` over a mailbox holding a huge attachment and a header bomb.

    python benchmarks/bench_collect_memory.py [--attachment-mb 200] [--header-kb 544]

A real dovecot on loopback (tests/imap_server.py) holds three mails: one with an attachment of N MB, one whose
Subject: is M KB of RFC 2047 encoded words, and one ordinary return. `collect --imap` runs in a child process
three times: with the default `mail.limits` (first run, then a second run with nothing new), and the naive way
in the same run: the size bounds raised out of reach (message_bytes and part_bytes 1 GB), so the huge mail is
downloaded and parsed, as every release before did. The header bound stays on in the naive run (CPython's
parser took 17 GB on a 544 KB header). Peak RSS comes from the kernel (wait4), the bytes each session sent
from dovecot's own log. Results are printed and written to benchmarks/out/collect_memory.json, never asserted.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import report  # noqa: E402

from tests.imap_server import PASSWORD, start_dovecot  # noqa: E402
from tests.test_imap_incremental import WORKBOOK, bytes_sent, campaign, deliver, header_bomb, reply  # noqa: E402

NAIVE_LIMITS = {"message_bytes": 1 << 30, "part_bytes": 1 << 30}
# Runs `baocao` and, at exit, writes its peak RSS (VmHWM, kB) to the file named first: measured in the child
# itself, because a forked child's ru_maxrss also counts the parent's pages it held before exec.
MEASURED = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def peak():
    with open("/proc/self/status") as status, open(out, "w") as written:
        written.write(next(line for line in status if line.startswith("VmHWM")).split()[1])
atexit.register(peak)
runpy.run_module("addin", run_name="__main__")
"""


def run_collect(folder, scratch: Path) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of one `baocao collect --imap` in a child process."""
    env = {**os.environ, "BAOCAO_IMAP_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    peak = scratch / "peak.txt"
    arguments = [sys.executable, "-c", MEASURED, str(peak), "collect", str(folder.root), "--imap", "--json"]
    started = time.perf_counter()
    done = subprocess.run(arguments, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(peak.read_text()) / 1024, time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attachment-mb", type=int, default=200)
    parser.add_argument("--header-kb", type=int, default=544)
    options = parser.parse_args()
    server = start_dovecot()
    results = {"attachment_mb": options.attachment_mb, "header_kb": options.header_kb}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            huge = reply("pgd083@laocai.example", "<huge@laocai.example>", os.urandom(options.attachment_mb << 20))
            results["huge_mail_mb"] = round(len(huge) / (1 << 20), 1)
            mails = [huge, header_bomb(options.header_kb * 1024 // 25), reply("pgd080@x.example", "<ok@x>", WORKBOOK)]
            for user, limits in (("bounded", None), ("naive", NAIVE_LIMITS)):
                folder = campaign(Path(scratch) / user, server.port, user, limits)
                deliver(server.port, user, *mails)
                peak, seconds, code = run_collect(folder, Path(scratch))
                results[f"{user}_first_run_peak_mb"] = round(peak)
                results[f"{user}_first_run_seconds"] = round(seconds, 2)
                results[f"{user}_first_run_exit"] = code
                results[f"{user}_first_run_bytes_sent"] = bytes_sent(server, user)[-1]
                if user == "bounded":
                    peak, seconds, code = run_collect(folder, Path(scratch))
                    results["bounded_second_run_peak_mb"] = round(peak)
                    results["bounded_second_run_bytes_sent"] = bytes_sent(server, user)[-1]
            results["naive_over_bounded_peak"] = round(
                results["naive_first_run_peak_mb"] / results["bounded_first_run_peak_mb"], 1
            )
    finally:
        server.stop()
    report("collect_memory", results)


if __name__ == "__main__":
    main()
