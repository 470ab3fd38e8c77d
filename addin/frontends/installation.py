"""The installation check: one owner for the «Kiểm tra cài đặt» button and `baocao doctor`.

`installation_report` gathers what would stop the buttons on this PC (each problem says what to do, in
Vietnamese) and the facts support staff ask for first: which Python runs, from where, which xlwings the
package and the workbook's VBA are, the paths, write access, and the macro-security state Excel reads from
the registry. The registry is only ever read (winreg, on Windows); baocao writes no security setting.
"""

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import addin
from addin import __version__
from addin.campaign import CampaignFolder
from addin.errors import BaocaoError
from addin.frontends.bundle_setup import bundle_home, onedrive_root

REBUILD = "Hãy chạy lại lệnh «baocao workbook» để tạo lại BaoCao.xlsm."
OFFICE_VERSIONS = ("16.0", "15.0")  # 2016/2019/2021/365, 2013
# Defender's attack-surface rule «Block all Office applications from creating child processes» (xlwings starts cmd.exe).
ASR_RULES = r"SOFTWARE\Policies\Microsoft\Windows Defender\Windows Defender Exploit Guard\ASR\Rules"
ASR_OFFICE_CHILD = "d4f940ab-401b-4efc-aadc-ad5f3c50688a"
ASR_INTUNE = (r"SOFTWARE\Microsoft\PolicyManager\current\device\Defender", "AttackSurfaceReductionRules")  # "id=1|id=2"
VBA_WARNINGS = {
    1: "bật mọi macro (không an toàn; baocao không cần thế)",
    2: "tắt macro, có thông báo để bật",
    3: "chỉ chạy macro có chữ ký số",
    4: "tắt mọi macro, không thông báo",
}
ASR_STATES = {0: "tắt", 1: "chặn", 2: "chỉ ghi nhật ký (audit)", 6: "cảnh báo"}

# (hive, key, value name) -> the value, or None where absent; None for the whole reader off Windows.
RegistryReader = Callable[[str, str, str], object]


@dataclass
class InstallationReport:
    facts: list[tuple[str, str]] = field(default_factory=list)  # (what, value), printed as they come
    problems: list[str] = field(default_factory=list)  # what is wrong and what to do, one sentence or two each

    def lines(self) -> list[str]:
        width = max((len(label) for label, _ in self.facts), default=0)
        lines = [f"{label.ljust(width)} : {value}" for label, value in self.facts]
        if self.problems:
            lines += ["", f"Cần sửa {len(self.problems)} điều:", *(f"- {problem}" for problem in self.problems)]
        else:
            lines += ["", "Cài đặt ổn: các nút bấm dùng được trên máy này."]
        return lines


def installation_report(
    folder: CampaignFolder | None,
    build_info: dict[str, str] | None,
    workbook_path: str | None,
    registry: RegistryReader | None = None,
) -> InstallationReport:
    """Everything the button and `baocao doctor` report. `build_info` is BaoCao.xlsm's own record (None: no
    workbook), `workbook_path` where Excel has it open (a URL when opened from OneDrive/SharePoint)."""
    report = InstallationReport()
    facts, problems = report.facts, report.problems
    home = bundle_home()
    facts.append(("baocao", __version__))
    facts.append(("Python", f"{sys.version.split()[0]} ({sys.executable})"))
    facts.append(("Bộ cài", f"gói baocao cho Windows ở {home}" if home else "cài bằng pip (không phải gói .zip)"))
    facts.append(("xlwings (Python)", version("xlwings")))
    _workbook_checks(report, folder, build_info, workbook_path)
    paths = {"Python": sys.executable, "thư mục đợt báo cáo": str(folder.root) if folder else None}
    paths["thư mục tạm"] = tempfile.gettempdir()
    for label, path in paths.items():
        if path is not None and not path.isascii():
            problems.append(
                f"Đường dẫn {label} có chữ có dấu ({path}); xlwings không xử lý được. "
                "Hãy dùng thư mục chỉ có chữ không dấu, ví dụ C:\\BaoCao."
            )
    local = {"Python": sys.executable, **({"thư mục đợt báo cáo": str(folder.root)} if folder else {})}
    for label, path in local.items():
        if (cloud := onedrive_root(Path(path))) is not None:
            problems.append(
                f"{label.capitalize()} nằm trong OneDrive ({cloud}); tệp có thể chỉ còn trên mạng khi Excel cần. "
                "Hãy chuyển sang thư mục trên máy, ví dụ C:\\baocao (chương trình) và C:\\BaoCao (đợt báo cáo)."
            )
    _write_checks(report, folder)
    _macro_security(report, registry if registry is not None else windows_registry())
    return report


def _workbook_checks(
    report: InstallationReport, folder: CampaignFolder | None, info: dict[str, str] | None, workbook_path: str | None
) -> None:
    facts, problems = report.facts, report.problems
    if info is None:
        if folder is not None:
            facts.append(("BaoCao.xlsm", "chưa có"))
            problems.append(f"Chưa có tệp BaoCao.xlsm trong {folder.root}. Hãy chạy «baocao workbook {folder.root}».")
        return
    facts.append(("BaoCao.xlsm", workbook_path or "?"))
    facts.append(("xlwings (VBA trong BaoCao.xlsm)", info.get("xlwings_version") or "?"))
    facts.append(("Python các nút bấm chạy", info.get("interpreter") or "?"))
    if info.get("xlwings_version") != version("xlwings"):
        problems.append(
            f"Tệp BaoCao.xlsm được tạo với xlwings {info.get('xlwings_version') or '?'}, "
            f"máy này cài xlwings {version('xlwings')}. {REBUILD}"
        )
    if info.get("interpreter") and Path(info["interpreter"]) != Path(sys.executable):
        problems.append(f"Excel đang chạy Python {sys.executable}, khác với Python lúc tạo tệp. {REBUILD}")
    if workbook_path and "://" in workbook_path and folder is not None:
        problems.append(
            "BaoCao.xlsm đang mở từ OneDrive/SharePoint; baocao dùng thư mục đợt báo cáo "
            f"{folder.root}. Nên mở tệp từ thư mục đó trên máy."
        )


def _write_checks(report: InstallationReport, folder: CampaignFolder | None) -> None:
    """The campaign folder (every step writes there) and xlwings' TEMP DIR beside the install (BaoCao.xlsm's
    xlwings.conf points there)."""
    xlwings_temp = Path(addin.__file__).resolve().parent.parent / "tmp"
    targets = [("thư mục tạm của xlwings", xlwings_temp)]
    if folder is not None:
        targets.insert(0, ("thư mục đợt báo cáo", folder.root))
        report.facts.append(("Thư mục đợt báo cáo", str(folder.root)))
        try:
            folder.load_config()
        except BaocaoError as error:
            report.problems.append(error.message)
    writable = []
    for label, path in targets:
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / ".baocao_ghi_thu"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as error:
            report.problems.append(f"Không ghi được vào {label} {path} ({error.strerror}). Hãy xin quyền ghi.")
        else:
            writable.append(f"{label} ({path})")
    report.facts.append(("Ghi được vào", "; ".join(writable) or "không thư mục nào"))


# ---------------------------------------------------------------- macro security (read only)


def windows_registry() -> RegistryReader | None:
    """A reader of single registry values (HKCU/HKLM), or None off Windows."""
    try:
        import winreg
    except ImportError:
        return None

    def read(hive: str, key: str, name: str) -> object:
        root = winreg.HKEY_CURRENT_USER if hive == "HKCU" else winreg.HKEY_LOCAL_MACHINE
        try:
            with winreg.OpenKey(root, key, 0, winreg.KEY_READ) as opened:
                return winreg.QueryValueEx(opened, name)[0]
        except OSError:
            return None

    return read


def _macro_security(report: InstallationReport, read: RegistryReader | None) -> None:
    facts, problems = report.facts, report.problems
    if read is None:
        facts.append(("Bảo mật macro của Excel", "không đọc được: máy này không phải Windows"))
        return
    office, policy, own = OFFICE_VERSIONS[0], None, None
    for candidate in OFFICE_VERSIONS:  # the newest Office with a macro setting of its own, else the newest
        policy = read("HKCU", rf"Software\Policies\Microsoft\Office\{candidate}\Excel\Security", "VBAWarnings")
        own = read("HKCU", rf"Software\Microsoft\Office\{candidate}\Excel\Security", "VBAWarnings")
        if policy is not None or own is not None:
            office = candidate
            break
    setting, source = (policy, "chính sách của cơ quan") if policy is not None else (own, "Trust Center")
    level = int(setting) if isinstance(setting, int) else 2
    source = source if setting is not None else "mặc định của Excel"
    facts.append(("Bảo mật macro của Excel", f"{VBA_WARNINGS.get(level, level)} ({source}; Office {office})"))
    if level == 4:
        problems.append(
            f"Excel đang tắt mọi macro không thông báo ({source}), nên các nút của BaoCao.xlsm không chạy. "
            "Nhờ người quản trị cho phép macro «có thông báo» (Disable with notification); các lệnh "
            "«BaoCao.cmd check», «BaoCao.cmd summary»… vẫn làm được mọi bước không cần macro."
        )
    elif level == 3:
        problems.append(
            f"Excel chỉ chạy macro có chữ ký số ({source}); BaoCao.xlsm tạo trên máy không có chữ ký nên nút không "
            "chạy. Nhờ người quản trị; trong lúc chờ, dùng «BaoCao.cmd check», «BaoCao.cmd summary»…"
        )
    policies = rf"Software\Policies\Microsoft\Office\{office}\Excel\Security"
    blocked = read("HKCU", policies, "blockcontentexecutionfrominternet")
    if blocked is not None:
        shown = "có (BaoCao.xlsm tạo trên máy nên không bị chặn)" if blocked else "không"
        facts.append(("Chặn macro của tệp tải từ Internet", shown))
    rule = read("HKLM", ASR_RULES, ASR_OFFICE_CHILD)
    if rule is None and isinstance(managed := read("HKLM", *ASR_INTUNE), str):  # set through Intune instead
        rule = dict(pair.split("=", 1) for pair in managed.split("|") if "=" in pair).get(ASR_OFFICE_CHILD)
    state = int(rule) if isinstance(rule, int | str) and str(rule).isdigit() else None
    facts.append(("Defender: chặn Office tạo tiến trình con", ASR_STATES.get(state, "không đặt")))
    if state in (1, 6):
        problems.append(
            "Defender đang "
            + ("chặn" if state == 1 else "cảnh báo khi")
            + " Excel chạy chương trình khác (quy tắc «Block all Office applications from creating child processes»); "
            "các nút cần Excel chạy cmd.exe. Nhờ người quản trị thêm ngoại lệ cho thư mục baocao; trong lúc chờ, "
            "dùng «BaoCao.cmd check», «BaoCao.cmd summary»…"
        )
    addin_file = Path(os.environ.get("APPDATA", "")) / "Microsoft" / "Excel" / "XLSTART" / "xlwings.xlam"
    facts.append(("Add-in xlwings.xlam", "có cài (không cần)" if addin_file.is_file() else "không cài (không cần)"))
