"""What `baocao check` writes for people: the findings workbook and annotated copies to send back."""

import hashlib
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig
from addin.findings import SEVERITY_LABELS, WARNING, Finding
from addin.intake.guard.findings import MiB, megabytes_text
from addin.integrity import archive_problem
from addin.outputs.macro_free import NotRepackable, safe_view
from addin.outputs.marked_copy import (
    LISTING_COLUMNS,
    NO_HEADING,
    ListingHeading,
    ListingRow,
    can_patch,
    cell_location,
    heading_height,
    patched_copy,
)
from addin.parallel import map_in_order
from addin.standing import LABELS, CampaignStanding, FileResult, State, UnitStanding
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.fast_save import RowStream, save_workbook_fast, style_number
from addin.xlsx.limits import cell_text
from addin.xlsx.names import safe_file_stem
from addin.xlsx.page import set_up_a4
from addin.xlsx.styles import BOX, FONT, HEADER_FILL, WRAP, fit_row_height
from addin.xlsx.zip_parts import unpacked_bytes

FINDINGS_WORKBOOK = "ket_qua_kiem_tra.xlsx"
FEEDBACK_DIR = "tra_lai_don_vi"
VIEW_DIR = "ban_xem"  # macro-free copies of units' workbooks, opened by the «Mở» links


# Marking up a copy (issue 12, case 12), by the workbook's unpacked size (`unpacked_bytes`, from the zip directory).
# openpyxl loads the whole workbook: measured ~16 MB of memory and ~0.7 s per MB of sheet XML
# (benchmarks/bench_markup.py: 74 MB took 49-55 s and 1.2 GB). Every copy is patched in its XML, streamed
# (~50 MB and ~2.5 s for the same 74 MB), comments included; openpyxl only takes a small one the patch refuses.
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
TEXT_FONT = Font(name=FONT, size=11)
LINK_FONT = Font(name=FONT, size=11, color="0563C1", underline="single")


DATE_FORMAT = "dd/mm/yyyy hh:mm"
SIDE_MARGIN = 0.4  # inches, left and right
MIN_PRINT_SCALE = 91  # percent: the 11 pt text prints at 10 pt or more
# Vietnamese first; the codes (the unit's, the finding's) in narrow columns at the end.
SUBMISSION_COLUMNS = (
    ("TT", 5),
    ("Đơn vị", 30),
    ("Nhóm", 7),
    ("Tình trạng", 26),
    ("Tệp mới nhất", 26),
    ("Ngày nhận", 16),
    ("Số lỗi", 7),
    ("Số cảnh báo", 9),
    ("Số lần gửi", 8),
    ("Mã đơn vị", 10),
)
DETAIL_COLUMNS = (
    ("Đơn vị", 18),
    ("Tệp", 15),
    ("Mức độ", 9),
    ("Nội dung", 44),
    ("Trang", 12),
    ("Ô", 6),
    ("Trường", 14),
    ("Dòng", 6),
    ("Mở tệp", 7),
    ("Mã đơn vị", 9),
    ("Mã lỗi", 12),
)
HISTORY_COLUMNS = (
    ("Đơn vị", 19),
    ("Tệp", 16),
    ("Ngày nhận", 16),
    ("Lấy từ", 22),
    ("Kết quả", 13),
    ("Lỗi", 5),
    ("Cảnh báo", 9),
    ("Xác định đơn vị", 24),
    ("Sử dụng", 12),
    ("Mở tệp", 7),
    ("Mã đơn vị", 9),
)


def print_scale(widths: Sequence[float], landscape: bool = True, side_margin: float = SIDE_MARGIN) -> int:
    """The percentage a sheet of these column widths (characters) is shrunk to fit one A4 page's width.

    A column of width w takes about 7w + 5 pixels (Calibri 11, the workbook's default font, has 7-pixel digits;
    the 5 is the cell padding, counted in full here so the estimate errs small), 3/4 point each; the page
    gives 297 mm (landscape) less the side margins.
    """
    paper = (297 if landscape else 210) / 25.4
    printable = (paper - 2 * side_margin) * 72
    columns = sum(7 * width + 5 for width in widths) * 0.75
    return min(100, math.floor(100 * printable / columns))


def put_text(sheet, row: int, column: int, value) -> None:
    """Write a value that came from a return: text stays text, never a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    cell.font = TEXT_FONT
    cell.alignment = WRAP
    cell.border = BOX


class _Looks:
    """The few cell looks of the findings workbook, each registered once in the workbook's styles; its tables'
    rows are streamed (`RowStream`) with these style numbers, with no cell objects."""

    def __init__(self, workbook):
        scratch = workbook.create_sheet("_looks")
        self.numbers: dict[str, int] = {}
        for name, fill, number_format, font in (
            ("text", None, None, TEXT_FONT),
            ("date", None, DATE_FORMAT, TEXT_FONT),
            ("bad", BAD_FILL, None, TEXT_FONT),
            ("warn", WARN_FILL, None, TEXT_FONT),
            ("link", None, None, LINK_FONT),
        ):
            cell = scratch.cell(row=1, column=len(self.numbers) + 1)
            cell.font, cell.alignment, cell.border = font, WRAP, BOX
            if fill is not None:
                cell.fill = fill
            if number_format is not None:
                cell.number_format = number_format
            self.numbers[name] = style_number(workbook, cell)
        workbook.remove(scratch)

    def row(
        self,
        stream: RowStream,
        row: int,
        values: Sequence,
        columns: Sequence[tuple[str, float]],
        looks: dict[int, str],
        link: tuple[int, str | None] | None = None,
    ) -> None:
        """A table row of `values` (text stays text), the date columns and fills as `looks` {column: look}, and
        the row's height fitted to its longest wrapped text (LibreOffice does not re-measure rows). `link`:
        (column, what it opens), the column styled as a link when it opens something."""
        column_linked, target = link or (0, None)
        if target is not None:
            looks = {**looks, column_linked: "link"}
        lines, cells = 1, []
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):
                value = cell_text(value)
                lines = max(lines, wrapped_lines(value, columns[column - 1][1]))
            cells.append((value, self.numbers[looks.get(column, "text")]))
        stream.add(row, cells, 15.75 * lines + 3 if lines > 1 else 15)
        if target is not None:
            stream.link(row, column_linked, target)


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide: words go whole onto a line when
    they fit, a word longer than a line (a file name, a path, a code) is broken across lines as Excel and
    LibreOffice do."""
    fits = max(1, int(width * 1.05))
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0
        for word in paragraph.replace("/", "/ ").split(" "):
            size = len(word)
            if used and used + 1 + size <= fits:
                used += 1 + size
                continue
            if used:
                lines += 1
            lines += max(0, math.ceil(size / fits) - 1)
            used = size % fits or (fits if size else 0)
        total += lines
    return total


class _Relative:
    """Paths as staff read them: relative to the campaign folder, never the machine's full folder names."""

    def __init__(self, root: Path):
        self.prefixes = sorted({str(root), str(root.resolve())}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for prefix in self.prefixes:
            text = text.replace(prefix + os.sep, "").replace(prefix, ".")
        return text


def _header(sheet, headers: Sequence[tuple[str, float]]) -> None:
    """The table's header row (repeated on every printed page); A4 landscape fitted to the width only."""
    for column, (label, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.fill, cell.border = HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    set_up_a4(sheet, landscape=True, title_rows=(1, 1), side_margin=SIDE_MARGIN)


def write_findings_workbook(folder: CampaignFolder, status: CampaignStanding) -> Path:
    relative = _Relative(folder.root)
    workbook = openpyxl.Workbook()
    looks, links = _Looks(workbook), _Links(folder)
    summary = workbook.active
    summary.title = "Tình hình nộp"
    streams = {sheet: RowStream(workbook, sheet) for sheet in (summary, workbook.create_sheet("Chi tiết"))}
    _header(summary, SUBMISSION_COLUMNS)
    for index, unit_status in enumerate(status.units, start=1):
        _summary_row(streams[summary], index + 1, index, unit_status, looks)
    details = workbook["Chi tiết"]
    _header(details, DETAIL_COLUMNS)
    names = {unit_status.unit.code: unit_status.unit.short for unit_status in status.units}
    row = 2
    current = [s.latest for s in status.units if s.latest] + status.unassigned
    for result in current:
        for finding in result.findings:
            target = links.target(result, finding.sheet, finding.cell)
            values = [
                names.get(result.unit_code or "", "(chưa xác định)"),
                result.record.original_name,
                SEVERITY_LABELS[finding.severity],
                relative(finding.message),
                finding.sheet or "",
                finding.cell or "",
                finding.field or "",
                finding.row,
                _link_text(target),
                result.unit_code or "",
                finding.code,
            ]
            special = {3: "bad"} if finding.severity == "error" else {}
            looks.row(streams[details], row, values, DETAIL_COLUMNS, special, link=(9, target))
            row += 1
    history = workbook.create_sheet("Lịch sử nhận")
    streams[history] = RowStream(workbook, history)
    _history_sheet(streams[history], status, names, relative, looks, links)
    target = folder.results / FINDINGS_WORKBOOK
    write_bytes_atomically(target, save_workbook_fast(workbook, streamed=streams))
    return target


def _history_sheet(
    stream: RowStream, status: CampaignStanding, names: dict[str, str], relative: _Relative, looks: _Looks, links
) -> None:
    """Every file ever received, newest use marked: a resubmission supersedes, nothing disappears."""
    _header(stream.sheet, HISTORY_COLUMNS)
    counted = {id(unit.counted) for unit in status.units if unit.counted}
    newest = {id(unit.latest) for unit in status.units if unit.latest}
    for row, result in enumerate(status.files, start=2):
        check, record = result.check, result.record
        in_use = _use_of(result, counted, newest)
        if result.unit_code not in names:
            in_use = "Chưa rõ đơn vị"
        target = links.target(result, None, None)
        values = [
            names.get(result.unit_code or "", ""),
            record.original_name,
            record.received_at,
            relative(record.source),
            LABELS[result.state],
            check.errors,
            check.warnings,
            relative(check.identification),
            in_use,
            _link_text(target),
            result.unit_code or "",
        ]
        special = {3: "date"} if record.received_at is not None else {}
        looks.row(stream, row, values, HISTORY_COLUMNS, special, link=(10, target))


def _use_of(result: FileResult, counted: set[int], newest: set[int]) -> str:
    if id(result) in counted:
        return "Đang dùng"
    return "Mới nhất, chưa dùng được" if id(result) in newest else "Đã thay thế"


def _summary_row(stream: RowStream, row: int, index: int, unit_status: UnitStanding, looks: _Looks) -> None:
    latest = unit_status.latest
    values = [
        index,
        unit_status.unit.short,
        unit_status.unit.group_code,
        unit_status.label,
        latest.record.original_name if latest else "",
        latest.record.received_at if latest else None,
        latest.check.errors if latest else None,
        latest.check.warnings if latest else None,
        len(unit_status.history),
        unit_status.unit.code,
    ]
    special = {6: "date"} if values[5] is not None else {}
    if unit_status.state not in (State.VALID, State.ACCEPTED_BY_STAFF):
        special[4] = "bad" if unit_status.state in PROBLEM_STATES else "warn"
    looks.row(stream, row, values, SUBMISSION_COLUMNS, special)


class _Links:
    """«Mở»: for .xlsx/.xlsm a macro-free copy in ban_xem/ (never the unit's own file, which may carry macros);
    other kinds (.xls, .xlsb, .ods) open the archive copy, which carries the Mark-of-the-Web on Windows. Each
    file's copy is looked up (or made) once, however many of its findings link to it."""

    def __init__(self, folder: CampaignFolder):
        self.folder = folder
        self.opened: dict[tuple[str, str], str | None] = {}

    def _opened(self, result: FileResult) -> str | None:
        """The file the link opens, relative to the results folder (with /), or None when none is safe."""
        key = (result.record.archive_path, result.record.sha256)
        if key not in self.opened:
            opened = archived = self.folder.root / result.record.archive_path
            if archived.suffix.lower() in (".xlsx", ".xlsm"):
                opened = safe_view(archived, self.folder.results / VIEW_DIR, result.record.sha256)
            relative = None if opened is None else os.path.relpath(opened, self.folder.results)
            self.opened[key] = None if relative is None else relative.replace(os.sep, "/")
        return self.opened[key]

    def target(self, result: FileResult, where: str | None, address: str | None) -> str | None:
        """What «Mở» opens for a finding at `where`!`address` (both None: the file); None when nothing is safe to
        open (damaged, over a bound, changed in the archive)."""
        opened = self._opened(result)
        if opened is None:
            return None
        return opened + (f"#{quote_sheetname(where)}!{address}" if where and address else "")


def _link_text(target: str | None) -> str:
    return "Không mở được" if target is None else "Mở"


def owes_correction(unit_status: UnitStanding) -> bool:
    """The unit's newest return has errors or cannot be used, and staff did not accept it as it is: the unit gets
    a correction mail. A return with warnings only owes nothing (its warnings are notes, never errors)."""
    latest = unit_status.latest
    if latest is None or unit_status.state in (State.UNCHECKED, State.ACCEPTED_BY_STAFF):
        return False
    return latest.check.status in (State.HAS_ERRORS, State.UNUSABLE) or latest.state == State.HAS_ERRORS


def can_mark_up(unit_status: UnitStanding, root: Path | None = None) -> bool:
    """Whether the unit gets a marked-up copy: it owes a correction for errors found in its latest return, a
    readable .xlsx/.xlsm, and (given the campaign `root`) one that can be marked: sheets small enough
    (`MARKUP_MAX`), a package the XML patch can handle.

    A rejected file (broken, encrypted, another campaign's) has no cells worth marking; a return with warnings
    only gets no copy at all."""
    latest = unit_status.latest
    if not owes_correction(unit_status) or latest.check.status == State.UNUSABLE:
        return False
    if not any(finding.is_error for finding in latest.findings):
        return False
    if not latest.record.archive_path.endswith((".xlsx", ".xlsm")):
        return False
    if root is None:
        return True
    size = unpacked_bytes(root / latest.record.archive_path)
    return size <= MARKUP_MAX and (0 < size <= MARKUP_OPENPYXL_MAX or can_patch(root / latest.record.archive_path))


class FeedbackCopies(list):
    """The marked-up copies written, and (`problems`) the units whose copy could not be made: an archive copy
    that cannot be used (error), or a workbook too large or too odd to mark up (warning). `owed`: how many
    units have errors to mark (each gets a copy, or a problem says why not)."""

    def __init__(self):
        super().__init__()
        self.problems: list[Finding] = []
        self.owed = 0

    def text(self) -> str:
        """«Đã lập 3 bản đánh dấu lỗi cho 3 đơn vị có lỗi, ở …», and how many units with errors have none (the
        `problems` say why). Units with warnings only get no copy and are not counted."""
        where = f", ở {self[0].parent}" if self else ""
        said = f"Đã lập {len(self)} bản đánh dấu lỗi cho {self.owed} đơn vị có lỗi{where}."
        if self.owed > len(self):
            said += (
                f" {self.owed - len(self)} đơn vị có lỗi không có bản đánh dấu (xem lưu ý): thư báo lỗi gửi danh "
                "sách lỗi thay thế."
            )
        return said


def feedback_heading(config: CampaignConfig, unit_status: UnitStanding, resubmit: str) -> ListingHeading:
    """The lines above the «Cần sửa» table: the unit, the campaign, the file, and the date to send it back by.

    `resubmit` is what the correction mail says after «gửi lại» («trước ngày 20/12/2019», «sớm nhất có thể»):
    the caller takes it from `channels.compose.submit_by`, its one owner, so copy and mail agree."""
    latest = unit_status.latest
    errors = sum(1 for finding in latest.findings if finding.is_error)
    notes = len(latest.findings) - errors
    counted = f"{errors} lỗi phải sửa (ô tô đỏ)"
    if notes:
        counted += f" và {notes} lưu ý (ô tô vàng: đề nghị xem lại, không bắt buộc sửa)"
    return ListingHeading(
        f"BÁO CÁO CẦN SỬA: {unit_status.unit.name}",
        (
            f"Đợt báo cáo: {config.campaign.name}",
            f"Tệp «{latest.record.original_name}» nhận ngày {latest.record.received_at:%d/%m/%Y}: {counted}.",
            f"Hạn gửi lại: đề nghị đơn vị sửa các lỗi và gửi lại {resubmit} bằng cách trả lời thư báo lỗi "
            "(giữ nguyên tiêu đề thư).",
            f"Bấm vào địa chỉ ô (cột «{LISTING_COLUMNS[3][0]}») để đến ô cần sửa.",
        ),
    )


def listing_rows(result: FileResult) -> list[ListingRow]:
    """The findings of the «Cần sửa» table: errors first, then the warnings, each in the order found."""
    ordered = sorted(result.findings, key=lambda finding: not finding.is_error)
    return [ListingRow(SEVERITY_LABELS[f.severity], cell_text(f.message), f.sheet or "", f.cell or "") for f in ordered]


def write_feedback_copies(
    folder: CampaignFolder, status: CampaignStanding, resubmit: str, config: CampaignConfig | None = None
) -> FeedbackCopies:
    """For each unit with errors to correct: its own workbook, bad cells marked (and commented), a first sheet
    «Cần sửa» listing them under a heading with the unit, the campaign and `resubmit` (see `feedback_heading`).

    A copy is reused while its return and its heading are the same; a new day's deadline words make a new one."""
    config = config or folder.load_config()
    out = folder.results / FEEDBACK_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = FeedbackCopies()
    to_make: list[tuple[Path, Path, FileResult, str, ListingHeading]] = []
    earlier: dict[str, list[Path]] = {}  # listed once: a glob per unit would read the folder once per unit
    for path in out.glob("*_can_sua_*.xlsx"):
        earlier.setdefault(path.name.rsplit("_", 1)[0], []).append(path)
    for unit_status in status.units:
        latest = unit_status.latest
        if not can_mark_up(unit_status):
            continue
        written.owed += 1
        heading = feedback_heading(config, unit_status, resubmit)
        stem = f"{unit_status.unit.code}_{safe_file_stem(unit_status.unit.short)}_can_sua"
        digest = hashlib.sha256("\0".join([latest.record.sha256, heading.title, *heading.lines]).encode())
        target = out / f"{stem}_{digest.hexdigest()[:8]}.xlsx"
        for older in earlier.get(stem, ()):  # an earlier copy for another return or other words
            if older != target:
                older.unlink()
        who = f"{unit_status.unit.code} {unit_status.unit.short}"
        damaged = archive_problem(folder.root, latest.record, who)
        if damaged:  # never mark up bytes that are not the ones the unit sent
            target.unlink(missing_ok=True)
            written.problems.append(damaged)
            continue
        if not target.exists():
            to_make.append((folder.root / latest.record.archive_path, target, latest, who, heading))
        written.append(target)
    # each copy is its own file's work (8 ms or so): many are made on every core
    for (_, target, *_), not_made in zip(to_make, map_in_order(_mark_up_one, to_make), strict=True):
        if not_made:
            written.remove(target)
            written.problems.append(not_made)
    return written


def _mark_up_one(job: tuple[Path, Path, FileResult, str, ListingHeading]) -> Finding | None:
    return _mark_up(*job)


def _mark_up(source: Path, target: Path, result: FileResult, who: str, heading: ListingHeading) -> Finding | None:
    """Write the marked-up copy, patched in its XML (colours, a comment on each cell, the listing; bounded
    memory); a small workbook the patch refuses goes through openpyxl instead; none past `MARKUP_MAX`. A
    warning says why none was made."""
    size = unpacked_bytes(source)
    name = result.record.original_name
    if size > MARKUP_MAX:
        text = MSG_MARKUP_SKIPPED.format(
            name=name, unit=who, size=megabytes_text(size), limit=megabytes_text(MARKUP_MAX)
        )
        return Finding(WARNING, MARKUP_SKIPPED, text)
    marks, notes = cell_marks(result.findings)
    try:
        patched_copy(source, target, marks, listing_rows(result), heading=heading, notes=notes)
        return None
    except NotRepackable:
        pass
    if 0 < size <= MARKUP_OPENPYXL_MAX:
        try:
            write_bytes_atomically(target, annotated_copy(source, result, heading))
            return None
        except Exception:  # openpyxl refuses some files calamine reads (assorted exception types)
            pass
    return Finding(WARNING, MARKUP_FAILED, MSG_MARKUP_FAILED.format(name=name, unit=who))


def cell_marks(findings: Sequence[Finding]) -> tuple[dict[str, dict[str, bool]], dict[str, dict[str, str]]]:
    """For the patch: {sheet: {cell: is an error}} to colour, and {sheet: {cell: comment}}, the comment one
    line per finding on the cell («Lỗi: …»)."""
    marks: dict[str, dict[str, bool]] = {}
    notes: dict[str, dict[str, str]] = {}
    for finding in findings:
        if finding.sheet and finding.cell:
            address = finding.cell.upper().replace("$", "")
            cells = marks.setdefault(finding.sheet, {})
            cells[address] = cells.get(address, False) or finding.is_error
            line = f"{SEVERITY_LABELS[finding.severity]}: {finding.message.split(': ', 1)[-1]}"
            sheet_notes = notes.setdefault(finding.sheet, {})
            sheet_notes[address] = cell_text(f"{sheet_notes[address]}\n{line}" if address in sheet_notes else line)
    return marks, notes


def annotated_copy(source: Path, result: FileResult, heading: ListingHeading = NO_HEADING) -> bytes:
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
    title = "Cần sửa"
    for number in range(2, 1000):  # a unit may send back the marked copy it received: its old listing stays
        if title.casefold() not in {name.casefold() for name in workbook.sheetnames}:
            break
        title = f"Cần sửa ({number})"
    _listing(workbook.create_sheet(title, 0), heading, listing_rows(result))
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = False
    workbook.active = 0
    workbook.active.sheet_view.tabSelected = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _listing(sheet, heading: ListingHeading, rows: list[ListingRow]) -> None:
    """The «Cần sửa» sheet of the openpyxl copy, as `marked_copy.listing_sheet` draws it in the XML patch."""
    last = len(LISTING_COLUMNS)
    lines = [(heading.title, True), *((line, False) for line in heading.lines)] if heading.title else []
    for number, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=cell_text(text))
        cell.data_type = "s"
        cell.font = Font(name=FONT, size=14 if bold else 12, bold=bold)
        cell.alignment = Alignment(vertical="center" if bold else "top", wrap_text=True)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=last)
        sheet.row_dimensions[number].height = heading_height(text, bold)
    top = heading.rows + 1
    for column, (label, width) in enumerate(LISTING_COLUMNS, start=1):
        cell = sheet.cell(row=top, column=column, value=label)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.fill, cell.border = HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = width
    sheet.row_dimensions[top].height = 20
    sheet.freeze_panes = f"A{top + 1}"
    set_up_a4(sheet, landscape=True, title_rows=(top, top))
    for row, item in enumerate(rows, start=top + 1):
        for column, value in enumerate((item.severity, item.message, item.sheet, item.cell), start=1):
            put_text(sheet, row, column, value)
        fit_row_height(sheet, row, item.message, LISTING_COLUMNS[1][1], minimum=15)
        if item.sheet and item.cell:
            link = sheet.cell(row=row, column=4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=cell_location(item.sheet, item.cell))
            link.font = Font(name=FONT, size=11, color="0563C1", underline="single")
