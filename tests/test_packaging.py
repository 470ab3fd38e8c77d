"""A normal (non-editable) install works from any folder: the wheel carries the config, layouts and macros.

The wheel is built the way `python -m build` builds it (an sdist first, the wheel from the sdist), from a
copy of the repository, and installed into a folder of its own; only the dependencies come from the
running venv.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.campaign import CampaignFolder
from addin.issue.master import MASTER_NAME
from addin.outputs.control_panel import CONF_SHEET
from addin.outputs.control_workbook import CONTROL_WORKBOOK
from addin.outputs.report.document import REPORT_TEMPLATE
from addin.outputs.summary.layout_cache import SUMMARY_LAYOUT

REPOSITORY = Path(__file__).resolve().parent.parent
NOT_BUILT_FROM = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "tests", "benchmarks"
)
SHIPPED = "addin/_shipped/"
IN_THE_WHEEL = {
    f"{SHIPPED}config.yaml",
    f"{SHIPPED}workbook_templates/{MASTER_NAME}",
    f"{SHIPPED}workbook_templates/{SUMMARY_LAYOUT}",
    f"{SHIPPED}workbook_templates/{REPORT_TEMPLATE}",
    f"{SHIPPED}macros/BaoCao.bas",
}


def run(*command: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def builds_wheels_offline() -> bool:
    """setuptools builds wheels by itself from 70.1 on (the test extra asks for it); before, it needs `wheel`."""
    major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("build")
    source, dist = work / "src", work / "dist"
    shutil.copytree(REPOSITORY, source, ignore=NOT_BUILT_FROM)
    run(sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_sdist({str(dist)!r})", cwd=source)
    [sdist] = dist.glob("*.tar.gz")
    # Without a wheel-capable setuptools here, pip fetches the build requirements as `pip install .` does.
    isolation = ["--no-build-isolation"] if builds_wheels_offline() else []
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(dist), str(sdist), cwd=work)
    [built] = dist.glob("*.whl")
    return built


def test_the_wheel_carries_the_config_the_layouts_and_the_macros(wheel):
    with zipfile.ZipFile(wheel) as package:
        assert set(package.namelist()) >= IN_THE_WHEEL


def test_the_installed_wheel_runs_the_demo_from_any_folder(wheel, tmp_path):
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel), cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "120", "NO_COLOR": "1"}
    where = "import addin, addin.shipped; print(addin.__file__); print(addin.shipped.SHIPPED_ROOT)"
    found = run(sys.executable, "-c", where, cwd=elsewhere, env=env).stdout.split()
    assert [Path(path).is_relative_to(site) for path in found] == [True, True], "the repository is not used"

    demo = run(sys.executable, "-m", "addin", "demo", str(tmp_path / "d"), "--json", cwd=elsewhere, env=env)
    folder = CampaignFolder(Path(json.loads(demo.stdout)["campaign_dir"]))
    assert folder.config_path.read_bytes() == (REPOSITORY / "config.yaml").read_bytes()
    assert {MASTER_NAME, SUMMARY_LAYOUT} <= {path.name for path in folder.layouts.iterdir()}
    assert any(folder.outgoing.glob("*.xlsx")), "the units' templates"
    assert any(folder.results.iterdir())
    control = load_workbook(folder.root / CONTROL_WORKBOOK, read_only=True)
    settings = dict(row[:2] for row in control[CONF_SHEET].iter_rows(values_only=True))
    installed_at = Path(settings["PYTHONPATH"]).resolve()
    assert installed_at == site.resolve(), "Excel's Python imports baocao from where it is installed"
