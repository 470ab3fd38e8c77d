"""Shared fixtures: campaign folders built by the real code, and LibreOffice as a second client."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from addin.config import load_config
from addin.issue.unit_copies import build_templates
from addin.stages import init_campaign
from tests.smtp_server import server  # noqa: F401 -- the aiosmtpd fixture, for every test module

DATA = Path(__file__).parent / "data"
SECOND_CONFIG = DATA / "config_thu_vien.yaml"


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


@pytest.fixture(scope="session")
def shipped_config():
    return load_config()


@pytest.fixture(scope="session")
def campaign(tmp_path_factory):
    """A campaign folder from the shipped config with every unit's template built."""
    folder = init_campaign(tmp_path_factory.mktemp("campaign") / "dot_2019")
    result = build_templates(folder)
    return folder, result


@pytest.fixture(scope="session")
def second_campaign(tmp_path_factory):
    folder = init_campaign(tmp_path_factory.mktemp("campaign2") / "thu_vien", SECOND_CONFIG)
    result = build_templates(folder)
    return folder, result
