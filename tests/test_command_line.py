"""The «Bước tiếp theo» hint is a command staff paste as it is: a folder with spaces is quoted for their shell."""

import shlex
import subprocess
import sys

from addin.command_line import command, shell_quote
from tests.run_cli import baocao
from tests.sample_data import SECOND_CONFIG


def test_windows_cmd_gets_double_quotes_only_where_needed():
    assert command("templates", r"C:\BaoCao\BDG2019", windows=True) == r"baocao templates C:\BaoCao\BDG2019"
    assert command("templates", r"C:\Báo cáo\Đợt 1", windows=True) == r'baocao templates "C:\Báo cáo\Đợt 1"'
    assert command("check", r"D:\Phòng TCCB&KT\dot", windows=True) == r'baocao check "D:\Phòng TCCB&KT\dot"'
    assert shell_quote("", windows=True) == '""'


def test_posix_shells_get_shlex_quoting():
    assert command("templates", "/srv/bao cao/dot 1", windows=False) == "baocao templates '/srv/bao cao/dot 1'"
    assert command("check", "/srv/dot", windows=False) == "baocao check /srv/dot"
    assert shlex.split(command("check", "/srv/it's here", windows=False)) == ["baocao", "check", "/srv/it's here"]


def test_the_printed_hint_runs_when_pasted_into_the_shell(tmp_path):
    folder = tmp_path / "Báo cáo thư viện" / "đợt 1"
    made = baocao("init", str(folder), "--config", str(SECOND_CONFIG))
    assert made.returncode == 0, made.stderr
    [hint] = [line for line in made.stdout.splitlines() if line.startswith("Bước tiếp theo: ")]
    pasted = hint.removeprefix("Bước tiếp theo: ")
    assert pasted == f"baocao templates '{folder}'"
    # the shell splits the pasted line back into exactly the words baocao needs
    words = shlex.split(pasted)
    assert words == ["baocao", "templates", str(folder)]
    ran = subprocess.run(
        ["bash", "-c", pasted.replace("baocao", f"{shlex.quote(sys.executable)} -m addin", 1)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert ran.returncode == 0, ran.stderr
    assert "Đã tạo 3 biểu mẫu đơn vị" in ran.stdout
