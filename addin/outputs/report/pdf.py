"""PDFs for signing: the báo cáo and the annexes converted by LibreOffice headless, when it is installed.

The clerk signs PDFs with the Government CA tools. LibreOffice runs bounded in time, with a profile of its own
in a temporary folder (so it never attaches to an office suite staff have open, nor collides with another
run), and its PDFs are moved into place whole. Without LibreOffice, staff are told how to print to PDF.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from addin.xlsx.atomic import TEMPORARY_PREFIX, replace_file

TIMEOUT_SECONDS = 300
SWITCH = "BAOCAO_PDF"  # "0": write no PDF even where LibreOffice is installed (a slow machine; most tests)
WINDOWS_PLACES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)


@dataclass
class PdfResult:
    files: list[Path] = field(default_factory=list)  # the PDFs written, beside their sources
    note: str | None = None  # what staff should know: no LibreOffice (how to print), or what failed


def find_soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if sys.platform == "win32":
        return next((place for place in WINDOWS_PLACES if Path(place).exists()), None)
    return None


PRINT_ADVICE = (
    "Tự xuất PDF như sau: mở tệp .docx bằng Word, chọn File (Tệp) › Save As (Lưu thành) › kiểu PDF; mở tệp .xlsx "
    "bằng Excel, chọn File › Export (Xuất) › Create PDF/XPS, bấm Options (Tùy chọn) › Entire workbook (Toàn bộ sổ "
    "làm việc) › OK › Publish. Hoặc cài LibreOffice (miễn phí) rồi chạy lại «Tổng hợp» để PDF được lập tự động."
)


def how_to_print(sources: list[Path]) -> str:
    names = ", ".join(source.name for source in sources)
    return f"Máy này chưa có LibreOffice nên chưa xuất được PDF để ký số ({names}). {PRINT_ADVICE}"


def write_pdfs(sources: list[Path], timeout: float = TIMEOUT_SECONDS) -> PdfResult:
    """Each source converted to `<its name>.pdf` beside it; old PDFs of these sources are removed first, so a
    PDF never outlives the document it was printed from."""
    locked = []
    for source in sources:
        try:
            source.with_suffix(".pdf").unlink(missing_ok=True)
        except PermissionError:  # Windows: open in a PDF reader
            locked.append(source.with_suffix(".pdf").name)
    if locked:
        return PdfResult(
            note=f"Không in lại được {', '.join(locked)}: tệp đang mở (trình đọc PDF) hoặc không cho ghi. "
            "Hãy đóng tệp rồi chạy lại «Tổng hợp»; bản PDF cũ không còn khớp với báo cáo vừa lập."
        )
    if os.environ.get(SWITCH) == "0":
        return PdfResult(note=f"Không xuất PDF (biến môi trường {SWITCH}=0). {PRINT_ADVICE}")
    soffice = find_soffice()
    if soffice is None:
        return PdfResult(note=how_to_print(sources))
    with tempfile.TemporaryDirectory(prefix="baocao_pdf_") as work:
        out_dir, profile = Path(work) / "pdf", Path(work) / "profile"
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *(str(source) for source in sources),
        ]
        problem = _run(command, timeout)
        result = PdfResult()
        missing = []
        for source in sources:
            made = out_dir / f"{source.stem}.pdf"
            if made.exists() and made.stat().st_size > 0:
                target = source.with_suffix(".pdf")
                temporary = target.with_name(f"{TEMPORARY_PREFIX}{target.name}")
                shutil.move(made, temporary)
                replace_file(temporary, target)
                result.files.append(target)
            else:
                missing.append(source.name)
        if missing:
            result.note = (
                f"LibreOffice không xuất được PDF cho {', '.join(missing)}{problem}. Các tệp Word/Excel vẫn đầy đủ. "
                f"{PRINT_ADVICE}"
            )
        return result


def _run(command: list[str], timeout: float) -> str:
    """Run LibreOffice; on time out end it and everything it started. Returns what went wrong, or ""."""
    options = {"start_new_session": True} if os.name == "posix" else {}
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **options)
    except OSError as error:
        return f" (không chạy được {command[0]}: {error})"
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.communicate()
        return f" (LibreOffice chạy quá {int(timeout)} giây nên đã dừng)"
    if process.returncode:
        text = output.decode("utf-8", "replace").strip()[-300:]
        return f" (LibreOffice trả mã lỗi {process.returncode}: {text})"
    return ""
