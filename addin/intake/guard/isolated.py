"""Reading a workbook the guard could not bound (.xls, .xlsb, .ods) with calamine in a child process.

The parent (`read_isolated`) runs this module as `python -m addin.intake.guard.isolated PATH
MEMORY_BYTES`; the child (`main`) caps its own memory, reads every worksheet and the defined
names, and writes them to stdout as JSON. Whatever calamine does to the child (a Rust abort, the
memory cap, an endless loop), the parent only sees an exit status, a timeout or bad JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from addin.intake.guard.findings import (
    MSG_ENCRYPTED,
    MSG_PARSER_CRASHED,
    MSG_PARSER_FAILED,
    MSG_PARSER_TIMEOUT,
    GuardError,
)

# The folder that holds the `addin` package: the child is given it, since its working directory
# (a campaign folder) is kept off its sys.path.
_IMPORT_ROOT = Path(__file__).resolve().parents[3]

_TAGGED = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda seconds: dt.timedelta(seconds=seconds),
}


def read_isolated(
    path: Path, timeout: float = 20.0, memory_bytes: int = 512 * 2**20, display_name: str | None = None
) -> dict:
    """Read every worksheet with python-calamine in a child process capped in memory and time.

    Returns {"sheets": {name: {"visible": "visible"|"hidden"|"veryhidden", "rows": [[value, ...], ...]}},
    "defined_names": {name: formula}}: rows as calamine's `to_python(skip_empty_area=False)` (grid[0][0]
    is A1; worksheets only); defined names as fastexcel gives them, Excel style ('Sheet'!$A$1) or ODF
    style ($'Sheet'.$A$1), without their scope (a sheet-local name may shadow a workbook one; {} if
    fastexcel cannot read them, the sheets still come back). The file's format is told from its
    bytes, not its extension. Raises GuardError with
    PARSER_CRASHED (the child died: a Rust abort, the memory cap), PARSER_TIMEOUT, PARSER_FAILED
    (calamine refused the file) or FILE_ENCRYPTED (calamine reports a password). The memory cap
    (RLIMIT_AS) applies where the `resource` module exists (Linux, macOS); on Windows only the timeout.
    """
    path = Path(path)
    name = display_name or path.name
    # -P: the working directory (a campaign folder) is not put on sys.path; PYTHONPATH still applies.
    command = [sys.executable, "-P", "-m", __name__, str(path), str(int(memory_bytes))]
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            env=_child_environment(),
            stdin=subprocess.DEVNULL,
            creationflags=flags,
        )
    except subprocess.TimeoutExpired as exc:
        seconds = f"{timeout:g}".replace(".", ",")
        raise GuardError(
            "PARSER_TIMEOUT", f"«{name}»: " + MSG_PARSER_TIMEOUT.format(seconds=seconds), f"timeout {timeout}s"
        ) from exc
    stderr_tail = completed.stderr.decode("utf-8", "replace")[-500:]
    try:
        if completed.returncode != 0:
            raise ValueError(f"exit status {completed.returncode}")
        out = json.loads(completed.stdout)
    except ValueError as exc:
        raise GuardError("PARSER_CRASHED", f"«{name}»: " + MSG_PARSER_CRASHED, f"{exc}; {stderr_tail}") from None
    if not out.get("ok"):
        detail = f"{out.get('error')}: {out.get('detail')}"
        if "password" in detail.lower() or "encrypt" in detail.lower():
            raise GuardError("FILE_ENCRYPTED", f"«{name}»: " + MSG_ENCRYPTED, detail)
        raise GuardError("PARSER_FAILED", f"«{name}»: " + MSG_PARSER_FAILED, detail)
    for sheet in out["sheets"].values():
        for row in sheet["rows"]:
            for index, value in enumerate(row):
                if isinstance(value, list):
                    row[index] = _TAGGED[value[0]](value[1])
    return {"sheets": out["sheets"], "defined_names": out.get("defined_names", {})}


def _child_environment() -> dict[str, str]:
    search_path = [str(_IMPORT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(search_path), "RUST_BACKTRACE": "0"}


# ----------------------------------------------------------------------------- the child


def main() -> None:
    path, limit = sys.argv[1], int(sys.argv[2])
    _cap_memory(limit)
    try:
        out = {"ok": True, "sheets": _read_sheets(path), "defined_names": {}}
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        out = {"ok": False, "error": type(exc).__name__, "detail": str(exc)[:1000]}
    if out["ok"]:
        try:  # python-calamine has no defined-names API; fastexcel (calamine too) has one
            out["defined_names"] = _read_defined_names(path)
        except Exception as exc:
            out["names_error"] = f"{type(exc).__name__}: {exc}"[:1000]
    sys.stdout.write(json.dumps(out))


def _cap_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: only the parent's timeout applies
        return
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _read_sheets(path: str) -> dict:
    from python_calamine import CalamineWorkbook

    with open(path, "rb") as handle:  # from_filelike tells the format from the bytes, from_path from the name
        workbook = CalamineWorkbook.from_filelike(handle)
    sheets = {}
    for meta in workbook.sheets_metadata:
        if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
            continue
        rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        visible = str(meta.visible).rsplit(".", 1)[-1].lower()
        sheets[meta.name] = {"visible": visible, "rows": [[_tagged(value) for value in row] for row in rows]}
    return sheets


def _tagged(value):
    """A cell value JSON can carry: dates and times become [type, ISO text] for the parent to rebuild."""
    if isinstance(value, dt.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, dt.date):
        return ["date", value.isoformat()]
    if isinstance(value, dt.time):
        return ["time", value.isoformat()]
    if isinstance(value, dt.timedelta):
        return ["timedelta", value.total_seconds()]
    return value


def _read_defined_names(path: str) -> dict[str, str]:
    import fastexcel

    with open(path, "rb") as handle:
        names = fastexcel.read_excel(handle.read()).defined_names()
    return {name.name: name.formula for name in names}


if __name__ == "__main__":
    main()
