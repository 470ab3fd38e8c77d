"""What `baocao check` writes for people: the findings workbook and annotated copies to send back."""

import io
import os
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname

from addin.campaign import CampaignFolder
from addin.findings import SEVERITY_LABELS, WARNING, Finding
from addin.intake.guard.findings import MiB, megabytes_text
from addin.integrity import archive_problem
from addin.outputs.macro_free import NotRepackable, safe_view
from addin.outputs.marked_copy import ListingRow, can_patch, patched_copy
from addin.standing import LABELS, CampaignStanding, FileResult, State, UnitStanding
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.limits import cell_text
from addin.xlsx.names import safe_file_stem
from addin.xlsx.styles import BOX, FONT, HEADER_FILL, WRAP, fit_row_height

FINDINGS_WORKBOOK = "ket_qua_kiem_tra.xlsx"
FEEDBACK_DIR = "tra_lai_don_vi"
VIEW_DIR = "ban_xem"  # macro-free copies of units' workbooks, opened by the «Mở» links


# Marking up a copy (issue 12, case 12), by the workbook's unpacked size (`unpacked_bytes`, from the zip directory).
# openpyxl loads the whole workbook: measured ~16 MB of memory and ~0.7 s per MB of sheet XML
# (benchmarks/bench_markup.py: 74 MB took 49-55 s and 1.2 GB), so only small ones go through it (they keep a
# comment on each cell). Larger ones are patched in their XML, streamed (~50 MB and ~2.5 s for the same 74 MB).
# Past MARKUP_MAX (half the guard's 200 MB unpacked) none is made and a warning says so: the patch would still
# work, but such a copy would be too large to mail back.
MARKUP_OPENPYXL_MAX = 4 * MiB
MARKUP_MAX = 100 * MiB
MARKUP_SKIPPED, MARKUP_FAILED = "MARKUP_SKIPPED", "MARKUP_FAILED"
_LISTED = (
    "Các lỗi của tệp đã liệt kê đủ trong ket_qua_kiem_tra.xlsx (trang «Chi tiết»); thư trả lỗi («baocao remind») "
    "gửi đơn vị danh sách đó (tệp can_sua.txt) thay cho bản đánh dấu."
)
MSG_MARKUP_SKIPPED = (
    "Không tạo bản đánh dấu lỗi cho tệp «{name}» của {unit}: tệp khi giải nén lớn {size} MB, vượt giới hạn "
    "{limit} MB để đánh dấu. " + _LISTED
)
MSG_MARKUP_FAILED = (
    "Không tạo được bản đánh dấu lỗi cho tệp «{name}» của {unit}: cấu trúc bên trong tệp không cho phép đánh dấu "
    "an toàn. " + _LISTED
)

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
WARN_FILL = PatternFill("solid", fgColor="FFEB9C")
PROBLEM_STATES = (State.HAS_ERRORS, State.UNUSABLE, State.REJECTED_BY_STAFF)


def put_text(sheet, row: int, column: int, value) -> None:
    """Write a value that came from a return: text stays text, never a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    cell.font = Font(name=FONT, size=11)
    cell.alignment = WRAP
    cell.border = BOX


def _header(sheet, headers: list[tuple[str, float]]) -> None:
    for column, (label, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.fill, cell.border, cell.alignment = HEADER_FILL, BOX, Alignment(horizontal="center", wrap_text=True)
        sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def write_findings_workbook(folder: CampaignFolder, status: CampaignStanding) -> Path:
    workbook = openpyxl.Workbook()
    summary = workbook.active
    summary.title = "Tình hình nộp"
    _header(
        summary,
        [
            ("TT", 5),
            ("Mã", 12),
            ("Đơn vị", 34),
            ("Nhóm", 8),
            ("Tình trạng", 26),
            ("Tệp mới nhất", 34),
            ("Ngày nhận", 12),
            ("Số lỗi", 8),
            ("Số cảnh báo", 10),
            ("Số lần gửi", 9),
        ],
    )
    for index, unit_status in enumerate(status.units, start=1):
        _summary_row(summary, index + 1, index, unit_status)
    details = workbook.create_sheet("Chi tiết")
    _header(
        details,
        [
            ("Mã", 12),
            ("Đơn vị", 28),
            ("Tệp", 28),
            ("Mức độ", 9),
            ("Mã lỗi", 20),
            ("Nội dung", 70),
            ("Trang", 16),
            ("Ô", 7),
            ("Trường", 20),
            ("Dòng", 6),
            ("Mở tệp", 10),
        ],
    )
    names = {unit_status.unit.code: unit_status.unit.short for unit_status in status.units}
    row = 2
    current = [s.latest for s in status.units if s.latest] + status.unassigned
    for result in current:
        for finding in result.findings:
            values = [
                result.unit_code or "",
                names.get(result.unit_code or "", "(chưa xác định)"),
                result.record.original_name,
                SEVERITY_LABELS[finding.severity],
                finding.code,
                finding.message,
                finding.sheet or "",
                finding.cell or "",
                finding.field or "",
                finding.row,
            ]
            for column, value in enumerate(values, start=1):
                put_text(details, row, column, value)
            fit_row_height(details, row, finding.message, 70, minimum=15)
            if finding.severity == "error":
                details.cell(row=row, column=4).fill = BAD_FILL
            _link(details.cell(row=row, column=11), folder, result, finding.sheet, finding.cell)
            row += 1
    _history_sheet(workbook.create_sheet("Lịch sử nhận"), folder, status, names)
    target = folder.results / FINDINGS_WORKBOOK
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_bytes_atomically(target, buffer.getvalue())
    return target


def _history_sheet(sheet, folder: CampaignFolder, status: CampaignStanding, names: dict[str, str]) -> None:
    """Every file ever received, newest use marked: a resubmission supersedes, nothing disappears."""
    _header(
        sheet,
        [
            ("Mã", 12),
            ("Đơn vị", 28),
            ("Tệp", 30),
            ("Ngày nhận", 16),
            ("Lấy từ", 40),
            ("Kết quả", 16),
            ("Lỗi", 6),
            ("Cảnh báo", 9),
            ("Xác định đơn vị", 40),
            ("Sử dụng", 14),
            ("Mở tệp", 10),
        ],
    )
    counted = {id(unit.counted) for unit in status.units if unit.counted}
    newest = {id(unit.latest) for unit in status.units if unit.latest}
    for row, result in enumerate(status.files, start=2):
        check, record = result.check, result.record
        in_use = _use_of(result, counted, newest)
        if result.unit_code not in names:
            in_use = "Chưa rõ đơn vị"
        values = [
            result.unit_code or "",
            names.get(result.unit_code or "", ""),
            record.original_name,
            f"{record.received_at:%d/%m/%Y %H:%M}",
            record.source,
            LABELS[result.state],
            check.errors,
            check.warnings,
            check.identification,
            in_use,
        ]
        for column, value in enumerate(values, start=1):
            put_text(sheet, row, column, value)
        fit_row_height(sheet, row, f"{record.source}\n{check.identification}", 40, minimum=15)
        _link(sheet.cell(row=row, column=11), folder, result, None, None)


def _use_of(result: FileResult, counted: set[int], newest: set[int]) -> str:
    if id(result) in counted:
        return "Đang dùng"
    return "Mới nhất, chưa dùng được" if id(result) in newest else "Đã thay thế"


def _summary_row(sheet, row: int, index: int, unit_status: UnitStanding) -> None:
    latest = unit_status.latest
    values = [
        index,
        unit_status.unit.code,
        unit_status.unit.short,
        unit_status.unit.group_code,
        unit_status.label,
        latest.record.original_name if latest else "",
        f"{latest.record.received_at:%d/%m/%Y %H:%M}" if latest else "",
        latest.check.errors if latest else None,
        latest.check.warnings if latest else None,
        len(unit_status.history),
    ]
    for column, value in enumerate(values, start=1):
        put_text(sheet, row, column, value)
    if unit_status.state not in (State.VALID, State.ACCEPTED_BY_STAFF):
        sheet.cell(row=row, column=5).fill = BAD_FILL if unit_status.state in PROBLEM_STATES else WARN_FILL


def _link(cell, folder: CampaignFolder, result: FileResult, sheet: str | None, address: str | None) -> None:
    """«Mở»: for .xlsx/.xlsm a macro-free copy in ban_xem/ (never the unit's own file, which may carry macros);
    other kinds (.xls, .xlsb, .ods) open the archive copy, which carries the Mark-of-the-Web on Windows."""
    archived = folder.root / result.record.archive_path
    opened = archived
    if archived.suffix.lower() in (".xlsx", ".xlsm"):
        opened = safe_view(archived, folder.results / VIEW_DIR, result.record.sha256)
        if opened is None:  # damaged, over a bound, changed in the archive: nothing safe to open
            cell.value = "Không mở được"
            cell.font = Font(name=FONT, size=11)
            return
    relative = os.path.relpath(opened, folder.results).replace(os.sep, "/")
    target = relative + (f"#{quote_sheetname(sheet)}!{address}" if sheet and address else "")
    cell.hyperlink = target
    cell.value = "Mở"
    cell.font = Font(name=FONT, size=11, color="0563C1", underline="single")


def can_mark_up(unit_status: UnitStanding, root: Path | None = None) -> bool:
    """Whether the unit's latest return gets a marked-up copy: readable .xlsx/.xlsm with findings, and (given
    the campaign `root`) one that can be: sheets small enough (`MARKUP_MAX`), a package the XML patch can handle.

    A rejected file (broken, encrypted, another campaign's) has no cells worth marking."""
    latest = unit_status.latest
    if latest is None or not latest.findings or latest.check.status == State.UNUSABLE:
        return False
    if not latest.record.archive_path.endswith((".xlsx", ".xlsm")):
        return False
    if root is None:
        return True
    size = unpacked_bytes(root / latest.record.archive_path)
    return size <= MARKUP_MAX and (0 < size <= MARKUP_OPENPYXL_MAX or can_patch(root / latest.record.archive_path))


def unpacked_bytes(path: Path) -> int:
    """How large a workbook is unpacked (every part: sheets, shared strings, comments, images), from the zip
    directory alone; 0 when it cannot be read (the mark-up then says why)."""
    try:
        with zipfile.ZipFile(path) as package:
            return sum(info.file_size for info in package.infolist())
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return 0


class FeedbackCopies(list):
    """The marked-up copies written, and (`problems`) the units whose copy could not be made: an archive copy
    that cannot be used (error), or a workbook too large or too odd to mark up (warning)."""

    def __init__(self):
        super().__init__()
        self.problems: list[Finding] = []


def write_feedback_copies(folder: CampaignFolder, status: CampaignStanding) -> FeedbackCopies:
    """For each unit whose latest return has findings: its own workbook, bad cells marked (and commented)."""
    out = folder.results / FEEDBACK_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = FeedbackCopies()
    for unit_status in status.units:
        latest = unit_status.latest
        if not can_mark_up(unit_status):
            continue
        stem = f"{unit_status.unit.code}_{safe_file_stem(unit_status.unit.short)}_can_sua"
        target = out / f"{stem}_{latest.record.sha256[:8]}.xlsx"
        for older in out.glob(f"{stem}_*.xlsx"):
            if older != target:
                older.unlink()
        who = f"{unit_status.unit.code} {unit_status.unit.short}"
        damaged = archive_problem(folder.root, latest.record, who)
        if damaged:  # never mark up bytes that are not the ones the unit sent
            target.unlink(missing_ok=True)
            written.problems.append(damaged)
            continue
        if not target.exists():
            not_made = _mark_up(folder.root / latest.record.archive_path, target, latest, who)
            if not_made:
                written.problems.append(not_made)
                continue
        written.append(target)
    return written


def _mark_up(source: Path, target: Path, result: FileResult, who: str) -> Finding | None:
    """Write the marked-up copy: small workbooks through openpyxl (with a comment on each cell), larger ones
    patched in their XML (bounded memory), none past `MARKUP_MAX`; a warning says why none was made."""
    size = unpacked_bytes(source)
    name = result.record.original_name
    if size > MARKUP_MAX:
        text = MSG_MARKUP_SKIPPED.format(
            name=name, unit=who, size=megabytes_text(size), limit=megabytes_text(MARKUP_MAX)
        )
        return Finding(WARNING, MARKUP_SKIPPED, text)
    if 0 < size <= MARKUP_OPENPYXL_MAX:
        try:
            marked = annotated_copy(source, result)
        except Exception:  # openpyxl refuses some files calamine reads (assorted exception types): patch instead
            marked = None
        if marked is not None:
            write_bytes_atomically(target, marked)
            return None
    marks: dict[str, dict[str, bool]] = {}
    for finding in result.findings:
        if finding.sheet and finding.cell:
            cells = marks.setdefault(finding.sheet, {})
            cells[finding.cell.upper()] = cells.get(finding.cell.upper(), False) or finding.is_error
    listing = [
        ListingRow(SEVERITY_LABELS[f.severity], cell_text(f.message), f.sheet or "", f.cell or "")
        for f in result.findings
    ]
    try:
        patched_copy(source, target, marks, listing)
    except NotRepackable:
        return Finding(WARNING, MARKUP_FAILED, MSG_MARKUP_FAILED.format(name=name, unit=who))
    return None


def annotated_copy(source: Path, result: FileResult) -> bytes:
    workbook = openpyxl.load_workbook(source)
    by_cell: dict[tuple[str, str], list] = {}
    for finding in result.findings:
        if finding.sheet in workbook.sheetnames and finding.cell:
            by_cell.setdefault((finding.sheet, finding.cell), []).append(finding)
    for (sheet, address), findings in by_cell.items():
        cell = workbook[sheet][address]
        cell.fill = BAD_FILL if any(f.is_error for f in findings) else WARN_FILL
        text = "\n".join(f"{SEVERITY_LABELS[f.severity]}: {f.message.split(': ', 1)[-1]}" for f in findings)
        cell.comment = Comment(cell_text(text), "baocao", width=320, height=140)
    listing = workbook.create_sheet("Cần sửa", 0)
    _header(listing, [("Mức độ", 10), ("Nội dung", 90), ("Trang", 18), ("Ô", 8)])
    for row, finding in enumerate(result.findings, start=2):
        for column, value in enumerate(
            [SEVERITY_LABELS[finding.severity], finding.message, finding.sheet or "", finding.cell or ""], start=1
        ):
            put_text(listing, row, column, value)
        fit_row_height(listing, row, finding.message, 90, minimum=15)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
