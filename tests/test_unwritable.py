"""A full disk or a folder that cannot be written is the user's to fix: say which folder, never «Lỗi bất ngờ»."""

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from addin import stages
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master

NOBODY = 65534


@pytest.fixture(scope="module")
def checked_campaign(tmp_path_factory):
    folder = stages.init_campaign(tmp_path_factory.mktemp("unwritable") / "dot")
    config = folder.load_config()
    maker = SampleMaker(config, seed=3)
    write_samples(config, build_master(config), [maker.make(unit) for unit in config.units[:4]], folder.inbox)
    stages.collect(folder)
    stages.check(folder)
    return folder


def run_limited(arguments: list[str], file_size: int | None = None, as_nobody: bool = False):
    """`baocao …` in a child whose files may not grow past `file_size` bytes (a disk that fills up)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [sys.executable, "-m", "addin", *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=limit if file_size else None,
        user=NOBODY if as_nobody else None,
    )


def test_a_full_disk_during_summary_names_the_folder(checked_campaign, tmp_path):
    root = tmp_path / "dot"
    shutil.copytree(checked_campaign.root, root)
    done = run_limited(["summary", str(root)], file_size=20_000)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Lỗi bất ngờ" not in done.stderr
    assert "ổ đĩa đã đầy" in done.stderr and str(root) in done.stderr.replace("\n", "")
    assert run_limited(["status", str(root)]).returncode == 0, "nothing received was lost"


def test_a_full_disk_during_check_names_the_folder(checked_campaign, tmp_path):
    root = tmp_path / "dot"
    shutil.copytree(checked_campaign.root, root)
    (root / "3_ket_qua" / "ket_qua_kiem_tra.xlsx").unlink()
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("Lào Cai", "Lào Cai ", 1), encoding="utf-8")
    done = run_limited(["check", str(root)], file_size=4_000)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Lỗi bất ngờ" not in done.stderr and "ổ đĩa đã đầy" in done.stderr


def test_a_full_disk_while_building_the_control_workbook_is_said_plainly(checked_campaign, tmp_path):
    root = tmp_path / "dot"
    shutil.copytree(checked_campaign.root, root)
    done = run_limited(["workbook", str(root)], file_size=40_000)  # the ledger opens; BaoCao.xlsm is larger
    assert done.returncode == 1, done.stdout + done.stderr
    message = done.stderr.replace("\n", "")
    assert "Lỗi bất ngờ" not in message and "ổ đĩa đã đầy" in message and str(root) in message
    assert not (root / "BaoCao.xlsm").exists(), "no half-written workbook"


def test_a_read_only_results_folder_is_named(checked_campaign):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the child as another user (permission bits do not bind root)")
    try:
        subprocess.run([sys.executable, "-c", "0"], user=NOBODY, check=True, timeout=60)
    except (PermissionError, subprocess.CalledProcessError):
        pytest.skip(f"{sys.executable} is not readable by another user here (a Python under /root)")
    base = Path(tempfile.mkdtemp(prefix="baocao-ro-"))
    try:
        root = base / "dot"
        shutil.copytree(checked_campaign.root, root)
        for path in [base, *root.rglob("*"), root]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        results = root / "3_ket_qua"
        for path in results.rglob("*"):
            path.chmod(0o555 if path.is_dir() else 0o444)
        results.chmod(0o555)
        done = run_limited(["summary", str(root)], as_nobody=True)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Lỗi bất ngờ" not in done.stderr
        assert "chỉ cho đọc" in done.stderr and "3_ket_qua" in done.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)
