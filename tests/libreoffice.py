"""LibreOffice headless as the second client of every workbook: finding soffice, converting with it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice_path() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs it from Debian.")
    pytest.skip("LibreOffice is not installed here; .ci/run installs it for CI.")


def libreoffice_convert(source: Path, target_format: str, out_dir: Path) -> Path:
    """Open `source` in LibreOffice headless and save it as `target_format` (recalculating)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo_profile"
    command = [
        soffice_path(),
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        target_format,
        "--outdir",
        str(out_dir),
        str(source),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180)
    extension = target_format.split(":")[0]
    produced = out_dir / f"{source.stem}.{extension}"
    assert completed.returncode == 0 and produced.exists(), completed.stdout + completed.stderr
    return produced
