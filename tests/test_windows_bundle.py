"""The Windows bundle (scripts/build_windows.sh): built here, on Linux, from the committed lock, then read back.

Nothing here runs Windows or Excel. What can run does: the build itself (twice, to show the same lock gives the
same files), every distribution's own metadata in the zip against the lock, the interpreter's hashes against the
pin, BaoCao.cmd's structure, and the Python steps BaoCao.cmd calls, taken from the bundle and run by this Python.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from addin.config import load_config
from addin.frontends.cli_doctor import read_build_info
from addin.frontends.installation import installation_report

REPO = Path(__file__).resolve().parent.parent
WINDOWS = REPO / "scripts" / "windows"
TOP, SITE = "baocao/", "baocao/python/Lib/site-packages/"
SOURCE_ONLY = {"red-black-tree-mod", "win-unicode-console"}


def build(out: Path) -> Path:
    """One build, as CI runs it; downloads stay in the usual cache (~/.cache/baocao-windows), checked by hash."""
    subprocess.run([sys.executable, str(WINDOWS / "build_bundle.py"), "--out", str(out)], check=True, cwd=REPO)
    return out / "baocao-windows-x64.zip"


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The bundle as CI ships it: `bash scripts/build_windows.sh`, writing dist/baocao-windows-x64.zip."""
    env = {**os.environ, "PYTHON": sys.executable}
    subprocess.run(["bash", str(REPO / "scripts" / "build_windows.sh")], check=True, cwd=REPO, env=env)
    return REPO / "dist" / "baocao-windows-x64.zip"


@pytest.fixture(scope="session")
def members(bundle) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(bundle) as archive:
        return {info.filename: info for info in archive.infolist()}


def read(bundle: Path, name: str) -> bytes:
    with zipfile.ZipFile(bundle) as archive:
        return archive.read(name)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    text = (WINDOWS / "requirements-win.txt").read_text(encoding="utf-8")
    return {normalise(name): version for name, version in re.findall(r"^([A-Za-z0-9][\w.-]*)==(\S+)", text, re.M)}


# ---------------------------------------------------------------- the build


def test_the_same_lock_builds_the_same_files(bundle, members, tmp_path):
    again = build(tmp_path / "second")
    with zipfile.ZipFile(again) as archive:
        second = {info.filename: info for info in archive.infolist()}
    assert sorted(second) == sorted(members)
    changed = [name for name in members if members[name].CRC != second[name].CRC]
    assert changed == []
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(bundle.read_bytes()).digest()


def test_the_lock_pins_what_pyproject_asks_for():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = locked()
    wanted = [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["keyring"]]
    outside = [str(req) for req in wanted if not req.specifier.contains(pins.get(normalise(req.name), "0"))]
    assert outside == []
    # The Windows-only distributions a Linux resolution would drop are there.
    assert {"pywin32", "pywin32-ctypes", "colorama", *SOURCE_ONLY} <= set(pins)


def test_every_locked_distribution_is_in_the_bundle_for_windows(bundle, members):
    found, tags = {}, {}
    for name in members:
        if re.fullmatch(rf"{re.escape(SITE)}[^/]+\.dist-info/METADATA", name):
            metadata = Parser().parsestr(read(bundle, name).decode("utf-8"))
            key = normalise(metadata["Name"])
            found[key] = metadata["Version"]
            wheel = Parser().parsestr(read(bundle, name.replace("METADATA", "WHEEL")).decode("utf-8"))
            tags[key] = wheel.get_all("Tag")
    expected = {**locked(), "baocao": "0.1.0", "pip": found.get("pip")}
    assert found == expected
    not_windows = {}
    for key, wheel_tags in tags.items():
        for tag in wheel_tags:
            python, abi, platform = tag.split("-")
            pure = platform == "any" and abi == "none" and python.startswith("py")
            windows = platform == "win_amd64" and ((python == "cp312" and abi == "cp312") or abi == "abi3")
            if not (pure or windows):
                not_windows[key] = tag
    assert not_windows == {}
    assert tags["pywin32"] == ["cp312-cp312-win_amd64"]


def test_no_linux_binary_and_every_windows_binary_is_one(bundle, members):
    linux = [name for name in members if re.search(r"\.so(\.\d+)*$", name)]
    assert linux == []
    with zipfile.ZipFile(bundle) as archive:
        elf = [name for name in members if archive.open(name).read(4) == b"\x7fELF"]
        binaries = [name for name in members if name.lower().endswith((".pyd", ".dll", ".exe"))]
        not_pe = [name for name in binaries if archive.open(name).read(2) != b"MZ"]
    assert elf == [] and not_pe == []
    assert f"{SITE}xlwings64-0.37.8.dll" in members  # the DLL xlwings' VBA declares
    assert {f"{SITE}pywin32.pth", f"{SITE}pywin32_system32/pywintypes312.dll"} <= set(members)


def test_python_exe_and_pythonw_exe_match_the_pin(bundle, members):
    pin = tomllib.loads((WINDOWS / "python-pin.toml").read_text(encoding="utf-8"))
    for exe in ("python.exe", "pythonw.exe"):
        digest = hashlib.sha256(read(bundle, f"{TOP}python/{exe}")).hexdigest()
        assert digest == pin[f"{exe.replace('.', '_')}_sha256"]
    assert read(bundle, f"{TOP}python/BUILD").decode().strip() == pin["standalone_build"]
    assert f"{TOP}python/python312.dll" in members
    manifest = json.loads(read(bundle, f"{TOP}bundle.json"))
    assert manifest["python"] == {"version": "3.12.13", "from": "pycc-python==3.12.13.post2"}
    assert manifest["lock_sha256"] == hashlib.sha256((WINDOWS / "requirements-win.txt").read_bytes()).hexdigest()


def test_no_record_of_the_build_machine_in_the_bundle(bundle, members):
    origins = [name for name in members if name.endswith("direct_url.json")]
    assert origins == [f"{SITE}pip-26.1.1.dist-info/direct_url.json"]  # part of the pinned Python, as it comes
    assert [name for name in members if not name.startswith(TOP) or "/bin/" in name] == []


# ---------------------------------------------------------------- BaoCao.cmd


def test_baocao_cmd_structure(bundle, members):
    raw = read(bundle, f"{TOP}BaoCao.cmd")
    assert raw.isascii() and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only, as cmd.exe needs
    text = raw.decode("ascii")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "@echo off"
    code = [line for line in lines if line and not line.lower().startswith("rem ")]
    assert sum(line.count("(") for line in code) == sum(line.count(")") for line in code)
    labels = {line[1:].lower() for line in code if line.startswith(":")}
    assert {target.lower() for target in re.findall(r"\bgoto\s+(\w+)", text, re.I)} <= labels
    # Every file it names is in the bundle.
    named = {name.replace("\\", "/") for name in re.findall(r"%~dp0([\w\\.]+)", text)}
    assert named == {"python/python.exe", "thong_bao/thieu_python.txt", "thong_bao/khong_chay_python.txt"}
    assert {f"{TOP}{name}" for name in named} <= set(members)
    for message in ("thieu_python.txt", "khong_chay_python.txt"):
        assert "baocao" in read(bundle, f"{TOP}thong_bao/{message}").decode("utf-8")
    # What it runs: the setup step, else any baocao command with the bundle's Python; nothing else.
    assert '"%BAOCAO_PY%" -m addin.frontends.bundle_setup start --home "%BAOCAO_HOME%." %1' in lines
    assert '"%BAOCAO_PY%" -m addin.frontends.bundle_setup run --home "%BAOCAO_HOME%." %*' in lines
    commands = {line.split()[0].strip('"').lower() for line in code if not line.startswith((":", "(", ")"))}
    assert commands <= {"@echo", "setlocal", "chcp", "set", "if", "type", "pause", "exit", "%baocao_py%"}
    for forbidden in ("powershell", "reg ", "reg.exe", "vbawarnings", "accessvbom", "trustrecords", "trusted"):
        assert forbidden not in "\n".join(code).lower(), forbidden


@pytest.fixture(scope="session")
def bundle_addin(bundle, tmp_path_factory) -> Path:
    """The bundle's own `addin` package, unpacked alone: what BaoCao.cmd's Python would import."""
    root = tmp_path_factory.mktemp("bundle_addin")
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            if name.startswith(f"{SITE}addin/"):
                archive.extract(name, root)
    return root / SITE


def setup_step(bundle_addin: Path, *arguments: str, answers: str = "", env: dict | None = None, flags=()):
    """`python -m addin.frontends.bundle_setup …` with the bundle's addin first on the path, answers on stdin."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("OneDrive", "BAOCAO_"))}
    environment.update({"PYTHONPATH": str(bundle_addin), **(env or {})})
    return subprocess.run(
        [sys.executable, *flags, "-m", "addin.frontends.bundle_setup", *arguments],
        input=answers,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        cwd=bundle_addin,
    )


def test_the_path_check_refuses_accents_and_onedrive(bundle_addin, tmp_path):
    plain = tmp_path / "baocao"
    plain.mkdir()
    # Only the standard library: the checks run without site-packages (-S), before any of baocao's dependencies.
    done = setup_step(bundle_addin, "check-path", str(plain), flags=("-S",))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")

    accented = tmp_path / "Tài liệu" / "baocao"
    done = setup_step(bundle_addin, "check-path", str(accented))
    assert done.returncode == 1
    assert done.stdout == (
        f"Lỗi: Đường dẫn thư mục baocao có chữ có dấu hoặc ký tự đặc biệt (àệ): {accented}\n"
        "  Các nút bấm của Excel (xlwings) không chạy được ở đường dẫn như vậy. Hãy chuyển cả thư mục sang "
        "đường dẫn chỉ có chữ không dấu, ví dụ C:\\baocao, rồi bấm đúp BaoCao.cmd ở đó.\n"
    )

    cloud = tmp_path / "OneDrive - So GDDT"
    done = setup_step(bundle_addin, "check-path", str(cloud / "baocao"), env={"OneDrive": str(cloud)})
    assert done.returncode == 1
    assert done.stdout == (
        f"Lỗi: Thư mục baocao nằm trong OneDrive ({cloud}): {cloud / 'baocao'}\n"
        "  OneDrive có thể chỉ giữ tệp trên mạng và đồng bộ giữa chừng. Hãy chuyển cả thư mục ra ngoài OneDrive, "
        "ví dụ C:\\baocao, rồi bấm đúp BaoCao.cmd ở đó.\n"
    )


def downloaded_bundle(home: Path) -> list[Path]:
    """A bundle folder as Explorer leaves it after «Extract All» of a downloaded zip: each file marked. On Linux the
    mark is the file `NAME:Zone.Identifier`, as a copy of an NTFS file with that stream shows up (WSL, Samba)."""
    files = [home / "BaoCao.cmd", home / "python" / "python.exe", home / "python" / "Lib" / "x.py"]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"MZ")
        Path(f"{path}:Zone.Identifier").write_text("[ZoneTransfer]\r\nZoneId=3\r\n", encoding="ascii")
    return files


def test_unblock_removes_every_download_mark_and_nothing_else(bundle_addin, tmp_path):
    home = tmp_path / "baocao"
    files = downloaded_bundle(home)
    done = setup_step(bundle_addin, "unblock", str(home))
    assert done.returncode == 0 and done.stdout == "Đã gỡ dấu «tải từ Internet» khỏi 3 tệp.\n"
    assert sorted(path for path in home.rglob("*") if path.is_file()) == sorted(files)
    assert all(path.read_bytes() == b"MZ" for path in files)
    assert setup_step(bundle_addin, "unblock", str(home)).stdout == "Đã gỡ dấu «tải từ Internet» khỏi 0 tệp.\n"


def test_first_double_click_asks_for_the_campaign_and_builds_the_workbook(bundle_addin, tmp_path):
    home = tmp_path / "baocao"
    downloaded_bundle(home)
    campaign = tmp_path / "BaoCao" / "Dot1"
    done = setup_step(bundle_addin, "start", "--home", str(home), "--no-open", answers=f"{campaign}\nc\n")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.startswith(
        "Đã gỡ dấu «tải từ Internet» khỏi 3 tệp của baocao.\n"
        "Chưa chọn thư mục đợt báo cáo (thư mục có config.yaml; mỗi đợt một thư mục).\n"
        "Gõ đường dẫn thư mục đợt báo cáo, ví dụ C:\\BaoCao\\Dot1, rồi bấm Enter: "
        f"Tạo đợt báo cáo mới ở {campaign} (từ cấu hình mẫu, sửa sau)? Gõ c (có) hoặc k (không): "
    )
    assert f"Hãy sửa {campaign / 'config.yaml'} (tên đợt, đơn vị, biểu mẫu) cho đúng đợt của mình.\n" in out
    assert out.endswith(f"Mở bằng Excel: {campaign / 'BaoCao.xlsm'}\n")
    assert (home / "dot_bao_cao.txt").read_text(encoding="utf-8") == f"{campaign}\n"
    with zipfile.ZipFile(campaign / "BaoCao.xlsm") as workbook:  # a real macro workbook, built by the bundle's addin
        assert "xl/vbaProject.bin" in workbook.namelist()
    info = read_build_info(campaign / "BaoCao.xlsm")
    assert info["interpreter"] == sys.executable  # the buttons run the Python that ran BaoCao.cmd's step
    assert info["campaign_dir"] == str(campaign)

    # The next double-click asks nothing: last time's campaign.
    again = setup_step(bundle_addin, "start", "--home", str(home), "--no-open")
    assert again.returncode == 0
    assert again.stdout.startswith(
        f"Đợt báo cáo: {campaign} (đã dùng lần trước; muốn đổi thì kéo thư mục khác thả vào BaoCao.cmd).\n"
    )
    # `BaoCao.cmd status` from anywhere: the same campaign, the real baocao command and its exit code.
    status = setup_step(bundle_addin, "run", "--home", str(home), "status", "--json")
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(f"Đợt báo cáo: {campaign}\n")
    units = json.loads(status.stdout.split("\n", 1)[1])["units"]
    assert len(units) == len(load_config(campaign / "config.yaml").units) and units[0]["status"] == "missing"
    wrong = setup_step(bundle_addin, "run", "--home", str(home), "accept")
    assert wrong.returncode == 2 and "Lỗi:" in wrong.stderr


def test_a_campaign_folder_with_accents_is_refused_before_anything_is_written(bundle_addin, tmp_path):
    home = tmp_path / "baocao"
    home.mkdir()
    campaign = tmp_path / "Báo cáo"
    done = setup_step(bundle_addin, "start", "--home", str(home), "--no-open", answers=f"{campaign}\n")
    assert done.returncode == 1
    assert f"Lỗi: Đường dẫn thư mục đợt báo cáo có chữ có dấu hoặc ký tự đặc biệt (á): {campaign}\n" in done.stdout
    assert "ví dụ C:\\BaoCao\\Dot1" in done.stdout
    assert not campaign.exists() and not (home / "dot_bao_cao.txt").exists()


def test_no_answer_at_the_prompt_stops_with_what_to_do(bundle_addin, tmp_path):
    home = tmp_path / "baocao"
    home.mkdir()
    done = setup_step(bundle_addin, "start", "--home", str(home), "--no-open", answers="")
    assert done.returncode == 1
    assert done.stdout.endswith(
        "Lỗi: Không nhận được câu trả lời. Hãy bấm đúp BaoCao.cmd và gõ câu trả lời rồi bấm Enter.\n"
    )


# ---------------------------------------------------------------- baocao doctor


def doctor(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("BAOCAO_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "addin", "doctor", *arguments],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
    )


def test_doctor_prints_the_installation_check(campaign, tmp_path):
    folder, _ = campaign
    done = doctor(str(folder.root), cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    facts = dict(line.split(" : ", 1) for line in lines if " : " in line)
    assert {key.strip(): value for key, value in facts.items()} == {
        "baocao": "0.1.0",
        "Python": f"{sys.version.split()[0]} ({sys.executable})",
        "Bộ cài": "cài bằng pip (không phải gói .zip)",
        "xlwings (Python)": "0.37.8",
        "BaoCao.xlsm": "chưa có",
        "Thư mục đợt báo cáo": str(folder.root),
        "Ghi được vào": f"thư mục đợt báo cáo ({folder.root}); thư mục tạm của xlwings ({REPO / 'tmp'})",
        "Bảo mật macro của Excel": "không đọc được: máy này không phải Windows",
    }
    assert lines[-2:] == [
        "Cần sửa 1 điều:",
        f"- Chưa có tệp BaoCao.xlsm trong {folder.root}. Hãy chạy «baocao workbook {folder.root}».",
    ]


def test_doctor_reads_the_workbook_it_checks(tmp_path):
    subprocess.run([sys.executable, "-m", "addin", "init", str(tmp_path / "dot")], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "addin", "workbook", str(tmp_path / "dot")], check=True, capture_output=True)
    done = doctor("--json", cwd=tmp_path / "dot")  # the current folder is the campaign
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert report["problems"] == []
    assert report["facts"]["xlwings (VBA trong BaoCao.xlsm)"] == "0.37.8"
    assert report["facts"]["Python các nút bấm chạy"] == sys.executable
    assert report["facts"]["BaoCao.xlsm"] == str(tmp_path / "dot" / "BaoCao.xlsm")


def registry(values: dict) -> callable:
    """Registry values as Windows would answer `winreg.QueryValueEx` (winreg cannot run here)."""
    return lambda hive, key, name: values.get((hive, key, name))


def test_macro_security_read_from_the_registry_says_what_to_do():
    policy = r"Software\Policies\Microsoft\Office\16.0\Excel\Security"
    asr = r"SOFTWARE\Policies\Microsoft\Windows Defender\Windows Defender Exploit Guard\ASR\Rules"
    report = installation_report(None, None, None, registry({}))
    default = "tắt macro, có thông báo để bật (mặc định của Excel; Office 16.0)"
    assert ("Bảo mật macro của Excel", default) in report.facts
    assert ("Defender: chặn Office tạo tiến trình con", "không đặt") in report.facts
    assert report.problems == []

    report = installation_report(
        None,
        None,
        None,
        registry(
            {
                ("HKCU", policy, "VBAWarnings"): 4,
                ("HKCU", policy, "blockcontentexecutionfrominternet"): 1,
                ("HKLM", asr, "d4f940ab-401b-4efc-aadc-ad5f3c50688a"): "1",
            }
        ),
    )
    assert ("Bảo mật macro của Excel", "tắt mọi macro, không thông báo (chính sách của cơ quan; Office 16.0)") in (
        report.facts
    )
    assert ("Chặn macro của tệp tải từ Internet", "có (BaoCao.xlsm tạo trên máy nên không bị chặn)") in report.facts
    assert report.problems == [
        "Excel đang tắt mọi macro không thông báo (chính sách của cơ quan), nên các nút của BaoCao.xlsm không chạy. "
        "Nhờ người quản trị cho phép macro «có thông báo» (Disable with notification); các lệnh "
        "«BaoCao.cmd check», «BaoCao.cmd summary»… vẫn làm được mọi bước không cần macro.",
        "Defender đang chặn Excel chạy chương trình khác (quy tắc «Block all Office applications from creating "
        "child processes»); các nút cần Excel chạy cmd.exe. Nhờ người quản trị thêm ngoại lệ cho thư mục baocao; "
        "trong lúc chờ, dùng «BaoCao.cmd check», «BaoCao.cmd summary»…",
    ]
