"""The steps `BaoCao.cmd` runs with the bundle's own Python (the Windows zip built by scripts/build_windows.sh).

    python -m addin.frontends.bundle_setup start --home BUNDLE [CAMPAIGN] [--no-open]
    python -m addin.frontends.bundle_setup run --home BUNDLE COMMAND [ARGUMENTS...]
    python -m addin.frontends.bundle_setup check-path PATH
    python -m addin.frontends.bundle_setup unblock FOLDER

`start` is the double-click: the bundle's folder must be a plain ASCII path outside OneDrive (xlwings' VBA uses
ANSI-only calls; OneDrive may keep files online only), the download mark is removed from the bundle's own files,
the campaign folder is found (given, remembered from last time, or asked for), `baocao workbook` builds
BaoCao.xlsm there with this very Python, and it is opened. It writes no registry value and no Trusted Location.
`run` is `BaoCao.cmd check` and the like: the baocao command, in the campaign folder used last time unless the
command window is already in one (every command's THƯ_MỤC defaults to the current folder).

Standard library only at module level, so each step runs before (and without) the rest of baocao.
"""

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HOME_VARIABLE = "BAOCAO_HOME"  # set by BaoCao.cmd to the bundle's folder
REMEMBERED = "dot_bao_cao.txt"  # in the bundle's folder: the campaign folder used last time
ZONE_STREAM = ":Zone.Identifier"  # Windows' download mark, an alternate data stream (see addin/intake/zone.py)
ONEDRIVE_VARIABLES = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")
EXAMPLE_HOME, EXAMPLE_CAMPAIGN = "C:\\baocao", "C:\\BaoCao\\Dot1"


def bundle_home() -> Path | None:
    """The bundle's folder (holding BaoCao.cmd and python\\), when this Python is the bundle's; else None."""
    if os.environ.get(HOME_VARIABLE):
        return Path(os.environ[HOME_VARIABLE]).resolve()
    candidate = Path(sys.executable).resolve().parent.parent
    return candidate if (candidate / "BaoCao.cmd").is_file() else None


def onedrive_root(path: Path) -> str | None:
    """The OneDrive folder `path` lies in (Windows' own variables, or a folder named «OneDrive…»), or None."""
    text = os.path.normcase(os.path.abspath(path))
    for variable in ONEDRIVE_VARIABLES:
        root = os.environ.get(variable)
        if root and (text == os.path.normcase(root) or text.startswith(os.path.normcase(root).rstrip("\\/") + os.sep)):
            return root
    parts = Path(os.path.abspath(path)).parts
    for index, part in enumerate(parts):
        if part.lower().startswith("onedrive"):
            return str(Path(*parts[: index + 1]))
    return None


def path_problems(path: Path, what: str, example: str) -> list[str]:
    """Why `path` cannot hold baocao (or a campaign), in Vietnamese; empty when it can."""
    problems = []
    text = os.path.abspath(path)
    if not text.isascii():
        odd = "".join(dict.fromkeys(char for char in text if not char.isascii()))
        problems.append(
            f"Đường dẫn {what} có chữ có dấu hoặc ký tự đặc biệt ({odd}): {text}\n"
            f"  Các nút bấm của Excel (xlwings) không chạy được ở đường dẫn như vậy. Hãy chuyển cả thư mục sang "
            f"đường dẫn chỉ có chữ không dấu, ví dụ {example}, rồi bấm đúp BaoCao.cmd ở đó."
        )
    cloud = onedrive_root(path)
    if cloud is not None:
        problems.append(
            f"{what.capitalize()} nằm trong OneDrive ({cloud}): {text}\n"
            "  OneDrive có thể chỉ giữ tệp trên mạng và đồng bộ giữa chừng. Hãy chuyển cả thư mục ra ngoài OneDrive, "
            f"ví dụ {example}, rồi bấm đúp BaoCao.cmd ở đó."
        )
    return problems


def unblock(folder: Path) -> int:
    """Remove the download mark (`Zone.Identifier`) from every file under `folder`, as Unblock-File does; the
    number removed. On Windows it is each file's alternate stream `NAME:Zone.Identifier`; a copy of such files on
    Linux (a WSL or Samba copy, and the tests) shows the stream as a file of that very name, removed the same way."""
    removed = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            if name.endswith(ZONE_STREAM):
                continue  # the mark itself, where a file system shows it as a file: removed with its owner
            try:
                os.remove(os.path.join(directory, name) + ZONE_STREAM)
            except OSError:  # no mark (the usual case), or a drive without streams
                continue
            removed += 1
    return removed


def remembered_campaign(home: Path) -> Path | None:
    try:
        text = (home / REMEMBERED).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return Path(text) if text and (Path(text) / "config.yaml").is_file() else None


def choose_campaign(home: Path, given: str | None, ask: Callable[[str], str] = input) -> Path | None:
    """The campaign folder: the one given (a folder dropped onto BaoCao.cmd), else last time's, else asked for.
    A folder without config.yaml becomes a new campaign (`baocao init`) once staff agree. None: nothing chosen."""
    if given:
        return Path(given.strip().strip('"'))
    remembered = remembered_campaign(home)
    if remembered is not None:
        print(f"Đợt báo cáo: {remembered} (đã dùng lần trước; muốn đổi thì kéo thư mục khác thả vào BaoCao.cmd).")
        return remembered
    print("Chưa chọn thư mục đợt báo cáo (thư mục có config.yaml; mỗi đợt một thư mục).")
    answer = ask(f"Gõ đường dẫn thư mục đợt báo cáo, ví dụ {EXAMPLE_CAMPAIGN}, rồi bấm Enter: ").strip().strip('"')
    return Path(answer) if answer else None


def start(home: Path, given: str | None, open_workbook: bool = True, ask: Callable[[str], str] = input) -> int:
    """The double-click. Exit codes: 0 done, 1 a problem staff can fix (said in Vietnamese)."""
    problems = path_problems(home, "thư mục baocao", EXAMPLE_HOME)
    if problems:
        return _stop(problems)
    removed = unblock(home)
    if removed:
        print(f"Đã gỡ dấu «tải từ Internet» khỏi {removed} tệp của baocao.")
    campaign = choose_campaign(home, given, ask)
    if campaign is None:
        return _stop(["Chưa có thư mục đợt báo cáo nào. Bấm đúp BaoCao.cmd lại và gõ đường dẫn thư mục."])
    campaign = Path(os.path.abspath(campaign))
    problems = path_problems(campaign, "thư mục đợt báo cáo", EXAMPLE_CAMPAIGN)
    if problems:
        return _stop(problems)
    if not (campaign / "config.yaml").is_file():
        if campaign.exists() and any(campaign.iterdir()):
            return _stop(
                [
                    f"Thư mục {campaign} không phải thư mục đợt báo cáo (không có config.yaml) và đã có tệp khác. "
                    "Hãy gõ đúng thư mục đợt báo cáo, hoặc một thư mục mới (chưa có hoặc rỗng) để tạo đợt mới."
                ]
            )
        answer = ask(f"Tạo đợt báo cáo mới ở {campaign} (từ cấu hình mẫu, sửa sau)? Gõ c (có) hoặc k (không): ")
        if answer.strip().lower() not in ("c", "co", "có", "y", "yes"):
            return _stop(["Chưa tạo gì. Bấm đúp BaoCao.cmd lại khi đã có thư mục đợt báo cáo."])
        if (code := _baocao("init", str(campaign))) != 0:
            return code
        print(f"Hãy sửa {campaign / 'config.yaml'} (tên đợt, đơn vị, biểu mẫu) cho đúng đợt của mình.")
    (home / REMEMBERED).write_text(str(campaign) + "\n", encoding="utf-8")
    if (code := _baocao("workbook", str(campaign))) != 0:
        return code
    workbook = campaign / "BaoCao.xlsm"
    if open_workbook and hasattr(os, "startfile"):
        os.startfile(workbook)  # Excel, as a double-click on the file would
        print(f"Đang mở {workbook} bằng Excel.")
    else:
        print(f"Mở bằng Excel: {workbook}")
    return 0


def run_command(home: Path, arguments: list[str]) -> int:
    """`BaoCao.cmd check …`: the baocao command, run where THƯ_MỤC defaults to the campaign staff work on."""
    here = Path.cwd()
    remembered = remembered_campaign(home)
    if not (here / "config.yaml").is_file() and remembered is not None:
        print(f"Đợt báo cáo: {remembered}")
        here = remembered
    return _baocao(*arguments, cwd=here)


def _baocao(*arguments: str, cwd: Path | None = None) -> int:
    """A `baocao` command with this same Python (the bundle's), in its own process."""
    return subprocess.run([sys.executable, "-m", "addin", *arguments], check=False, cwd=cwd).returncode


def _stop(problems: list[str]) -> int:
    for problem in problems:
        print(f"Lỗi: {problem}")
    return 1


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bundle_setup", description="Các bước của BaoCao.cmd.")
    steps = parser.add_subparsers(dest="step", required=True)
    begin = steps.add_parser("start")
    begin.add_argument("--home", type=Path, default=None)
    begin.add_argument("--no-open", action="store_true")
    begin.add_argument("campaign", nargs="?")
    command = steps.add_parser("run")
    command.add_argument("--home", type=Path, default=None)
    command.add_argument("arguments", nargs=argparse.REMAINDER)
    steps.add_parser("check-path").add_argument("path", type=Path)
    steps.add_parser("unblock").add_argument("folder", type=Path)
    options = parser.parse_args(arguments)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")  # the console shows Vietnamese either way; pipes get UTF-8
    if options.step == "check-path":
        problems = path_problems(options.path, "thư mục baocao", EXAMPLE_HOME)
        return _stop(problems) if problems else 0
    if options.step == "unblock":
        print(f"Đã gỡ dấu «tải từ Internet» khỏi {unblock(options.folder)} tệp.")
        return 0
    home = (options.home or bundle_home() or Path.cwd()).resolve()
    if options.step == "run":
        return run_command(home, options.arguments)
    try:
        return start(home, options.campaign, open_workbook=not options.no_open)
    except EOFError:
        return _stop(["Không nhận được câu trả lời. Hãy bấm đúp BaoCao.cmd và gõ câu trả lời rồi bấm Enter."])


if __name__ == "__main__":
    sys.exit(main())
