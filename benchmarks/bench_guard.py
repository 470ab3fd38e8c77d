"""Benchmark: `inspect()` reading zip members with our raw-deflate inflater against `zipfile`'s
streaming reader, in the same run.

    python benchmarks/bench_guard.py [--returns 1000] [--rounds 4]

The corpus: N filled returns stamped from the real master template (`build_master(load_config())`,
as units send them back), one return with a 15,000-row sheet, and hostile files: a zip bomb by total
size, one by ratio, a member whose declared size lies (2 MiB declared as 40 bytes), a lone cell at
XFD1048576. Both readers run over the same files in rounds (the order alternating); the best
round counts, in CPU time of this process (other jobs on a shared machine inflate wall time).
`read_members` times reading every member of the returns, nothing else.
For the hostile files the peak of Python allocations (tracemalloc) shows memory stays bounded.
The findings of both readers must be the same. Results are printed and written to
benchmarks/out/guard.json, never asserted.
"""

import argparse
import copy
import shutil
import struct
import tempfile
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from unittest import mock

import openpyxl
from bench_templates import many_units
from report import report

from addin.config import load_config
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.guard import zip_scan
from addin.intake.guard.findings import DEFAULT_LIMITS, MSG_CORRUPT, MSG_TRUNCATED, Damaged
from addin.intake.guard.inspection import inspect
from addin.issue.master import build_master

CHUNK = zip_scan.CHUNK


def zipfile_chunks(self, name: str, limit: int | None = None, first: int = CHUNK) -> Iterator[bytes]:
    """`Package.chunks` on zipfile's streaming reader, the alternative measured here.

    zipfile stops at the declared size and then reports a bad CRC, which would turn a size that lies
    into a "damaged" finding; so it reads a copy of the entry one byte longer and without a CRC
    (ZipExtFile checks the CRC only when the entry has one), and the checks stay ours.
    """
    info = self.by_name[name]
    entries = vars(self).setdefault("past_declared_size", {})
    if name not in entries:
        entries[name] = copy.copy(info)
        entries[name].file_size += 1
        del entries[name].CRC
    size = min(first, CHUNK if limit is None else limit)
    produced, crc = 0, 0
    try:
        with self.archive.open(entries[name]) as member:
            while data := member.read1(size):
                produced += len(data)
                if produced > info.file_size:
                    raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="kích thước khai báo sai"))
                crc = zlib.crc32(data, crc)
                yield data
                if limit is not None and produced >= limit:
                    return
                size = CHUNK if limit is None else min(CHUNK, limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED) from exc
    if produced != info.file_size:
        raise Damaged("FILE_CORRUPT", MSG_CORRUPT.format(what="kích thước khai báo sai"))
    if crc != info.CRC:
        raise Damaged("FILE_TRUNCATED", MSG_TRUNCATED)


READERS = {
    "hand_inflater": nullcontext,  # what baocao uses
    "zipfile": lambda: mock.patch.object(zip_scan.Package, "chunks", zipfile_chunks),
}


def make_returns(count: int, folder: Path) -> list[Path]:
    config = load_config()
    maker = SampleMaker(config)
    samples = [maker.make(unit) for unit in many_units(config, count)]
    return write_samples(config, build_master(config), samples, folder)


def repack(source: Path, target: Path, edit=lambda name, data: data, extra: dict | None = None) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, edit(info.filename, old.read(info.filename)))
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def lie_about_size(path: Path, member: str, declared: int) -> Path:
    """Write `declared` as `member`'s uncompressed size in its central and local headers."""
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(member)
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(member)] != member.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    path.write_bytes(bytes(data))
    return path


def large_sheet(folder: Path) -> Path:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Số liệu")
    for row in range(1, 15_001):
        sheet.append([row, "Xã Bản Vược", 2.5, row * 2, "ghi chú"])
    workbook.save(folder / "large_sheet.xlsx")
    return folder / "large_sheet.xlsx"


def hostile_files(good: Path, folder: Path) -> dict[str, Path]:
    total = repack(good, folder / "bomb_total.xlsx")
    with (
        zipfile.ZipFile(total, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/media/image1.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(300):
            member.write(bytes(2**20))
    ratio = repack(good, folder / "bomb_ratio.xlsx", extra={"xl/media/image1.bin": bytes(2 * 2**20)})
    sheet = next(n for n in zipfile.ZipFile(good).namelist() if n.startswith("xl/worksheets/sheet"))

    def on_sheet(change):
        return lambda name, data: change(data) if name == sheet else data

    padded = repack(good, folder / "size_lies.xlsx", on_sheet(lambda data: data + bytes(2**21)))
    lying = lie_about_size(padded, sheet, 40)
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    far_cell = repack(good, folder / "far_cell.xlsx", on_sheet(lambda data: data.replace(b"</sheetData>", far)))
    return {"bomb_total": total, "bomb_ratio": ratio, "size_lies": lying, "far_cell": far_cell}


def time_per_file(action, paths: list[Path]) -> float:
    """CPU seconds per file: on a machine shared with other jobs, wall time measures them too."""
    start = time.process_time()
    for path in paths:
        action(path)
    return (time.process_time() - start) / len(paths)


def read_members(path: Path) -> None:
    with path.open("rb") as fp:
        package = zip_scan.Package(fp, zipfile.ZipFile(fp), DEFAULT_LIMITS)
        for info in package.infos:
            for _ in package.chunks(info.filename):
                pass


def findings_of(paths: list[Path]) -> list[tuple]:
    return [tuple((f.code, f.message) for f in inspect(path).findings) for path in paths]


def peak_kib(path: Path) -> float:
    tracemalloc.start()
    inspect(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def best_times(cases: dict[str, tuple], rounds: int) -> dict[tuple[str, str], float]:
    """(reader, case) → the best CPU seconds per file over `rounds`, the readers' order alternating."""
    best = {(reader, case): float("inf") for reader in READERS for case in cases}
    for round_number in range(rounds):
        order = list(READERS.items())
        for reader, patch in order if round_number % 2 == 0 else reversed(order):
            with patch():
                for case, (action, paths) in cases.items():
                    best[reader, case] = min(best[reader, case], time_per_file(action, paths))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_guard_"))
    try:
        returns = make_returns(arguments.returns, work / "returns")
        large = [large_sheet(work)]
        hostile = hostile_files(returns[0], work)
        cases = {
            "returns": (inspect, returns),
            "large_sheet": (inspect, large),
            "hostile": (inspect, list(hostile.values())),
            "read_members": (read_members, returns),
        }
        best = best_times(cases, arguments.rounds)
        results = {"returns": len(returns), "return_kib": round(returns[0].stat().st_size / 1024, 1)}
        findings = {}
        for reader, patch in READERS.items():
            with patch():
                findings[reader] = findings_of([*returns, *large, *hostile.values()])
                for case in cases:
                    results[f"{reader}_{case}_ms_per_file"] = round(best[reader, case] * 1000, 3)
                for name, path in hostile.items():
                    results[f"{reader}_{name}_peak_kib"] = round(peak_kib(path), 1)
        for case in cases:
            ratio = best["zipfile", case] / best["hand_inflater", case]
            results[f"zipfile_over_hand_inflater_{case}"] = round(ratio, 3)
        results["same_findings"] = findings["zipfile"] == findings["hand_inflater"]
        hostile_findings = findings["hand_inflater"][-len(hostile) :]
        results["hostile_codes"] = {
            name: [code for code, _ in codes] for name, codes in zip(hostile, hostile_findings, strict=True)
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report("guard", results)


if __name__ == "__main__":
    main()
