"""What goes back to units, and what staff read (issue 13, items 8 and 9).

A campaign where three units sent returns with errors (one of them with a warning too), two sent returns with
warnings only and one a clean return; the real `baocao check` and `baocao remind --outbox` run on it:

- marked-up copies and correction mails go to the three units with errors only, and the CLI says «3»;
- a warning is a note («Lưu ý») in the mail, never a numbered error; a unit with warnings only gets no mail;
- each «Cần sửa» sheet has a title (the unit, the campaign), the date to send back by exactly as the mail says
  it, and each finding's cell address links to that cell, in the openpyxl copy and the XML-patched one alike;
- the findings workbook has real dates, Vietnamese columns first and the codes last, paths relative to the
  campaign folder, and prints on A4 landscape at 10 pt or more (measured in LibreOffice's PDF).
"""

import html
import re
import shutil
import subprocess
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from statistics import median

import openpyxl
import pytest

from addin.campaign import CampaignFolder
from addin.channels.sending import NOTES_HEADING
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.outputs import findings_workbook
from addin.outputs.findings_workbook import DATE_FORMAT, FEEDBACK_DIR, FINDINGS_WORKBOOK, print_scale
from addin.stages import init_campaign
from addin.standing import State, campaign_standing
from tests.libreoffice import libreoffice_convert
from tests.run_cli import baocao

RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
ASKED = "trước ngày 31/12/2099"  # mail.resubmit_by below: a date still ahead whenever the test runs
MISTAKES = {
    0: ["wrong_total"],
    1: ["missing_required"],
    2: ["wrong_total", "date_as_text"],  # an error and a warning
    3: ["date_as_text"],  # a warning only
    4: ["legacy_text"],  # a warning only
    5: [],
}
WITH_ERRORS, WARNINGS_ONLY = (0, 1, 2), (3, 4)
LISTING_HEADER = ["Mức độ", "Nội dung", "Trang", "Ô"]


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    folder = init_campaign(tmp_path_factory.mktemp("phan_hoi") / "dot")
    build_templates(folder)
    text = folder.config_path.read_text(encoding="utf-8")
    folder.config_path.write_text(re.sub(r"(?m)^  resubmit_by:.*$", "  resubmit_by: 2099-12-31", text), "utf-8")
    config = folder.load_config()
    maker = SampleMaker(config, seed=5)
    samples = [maker.make(config.units[index], mistakes) for index, mistakes in MISTAKES.items()]
    write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), samples, folder.inbox)
    said = {}
    for command in (["collect"], ["check"], ["remind", "--outbox"]):
        done = baocao(*command, str(folder.root))
        assert done.returncode == 0, done.stdout + done.stderr
        said[command[0]] = " ".join(done.stdout.split())
    return folder, config, said


def mails_of(folder) -> dict[str, object]:
    parse = BytesParser(policy=policy.default).parsebytes
    return {path.stem: parse(path.read_bytes()) for path in (folder.outgoing / "thu_nhac").glob("*.eml")}


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def attachment(message, suffix: str) -> bytes:
    [part] = [part for part in message.iter_attachments() if part.get_filename().endswith(suffix)]
    return part.get_content()


def test_copies_and_correction_mails_go_only_to_units_with_errors_and_the_counts_say_so(campaign):
    folder, config, said = campaign
    standing = campaign_standing(folder)
    with_errors = [unit.unit.code for unit in standing.units if unit.state == State.HAS_ERRORS]
    assert with_errors == [config.units[index].code for index in WITH_ERRORS]
    warned = [unit for unit in standing.units if unit.state == State.VALID and unit.latest.findings]
    assert [unit.unit.code for unit in warned] == [config.units[index].code for index in WARNINGS_ONLY]

    copies = sorted(path.name.split("_")[0] for path in (folder.results / FEEDBACK_DIR).iterdir())
    assert copies == with_errors, "no copy for a unit with warnings only"
    out = folder.results / FEEDBACK_DIR
    assert f"Đã lập 3 bản đánh dấu lỗi cho 3 đơn vị có lỗi, ở {out}." in said["check"]

    mails = mails_of(folder)
    corrections = sorted(code for code, message in mails.items() if "Báo cáo cần sửa" in str(message["subject"]))
    assert corrections == with_errors
    assert not {config.units[index].code for index in (*WARNINGS_ONLY, 5)} & set(mails), "their returns stand"
    silent = len(config.units) - len(MISTAKES)
    assert (
        f"Tổng: {3 + silent} đơn vị (3 thư báo lỗi cần sửa kèm 3 bản đánh dấu lỗi, {silent} thư nhắc nộp)"
        in (said["remind"])
    )


def test_warnings_are_notes_in_the_mail_never_errors(campaign):
    folder, config, _ = campaign
    mails = mails_of(folder)
    standing = {unit.unit.code: unit for unit in campaign_standing(folder).units}
    both = config.units[2]
    findings = standing[both.code].latest.findings
    [error] = [finding for finding in findings if finding.is_error]
    [warning] = [finding for finding in findings if not finding.is_error]
    body = body_of(mails[both.code])
    assert [line for line in body.splitlines() if re.match(r"\d+\. ", line)] == [f"1. {error.message}"]
    notes = body.split(NOTES_HEADING, 1)[1].strip().split("\n\n")[0]
    assert notes == f"- {warning.message}"
    assert body.index("1. ") < body.index("Lưu ý (không phải lỗi")
    listing = attachment(mails[both.code], "can_sua.txt")
    listing = listing.decode("utf-8-sig") if isinstance(listing, bytes) else listing
    assert f"{NOTES_HEADING}\r\n- {warning.message}" in listing.replace("\ufeff", "")
    only_errors = body_of(mails[config.units[0].code])
    assert "Lưu ý" not in only_errors


def check_listing(book, unit, config, findings, asked: str) -> None:
    """The «Cần sửa» sheet: first and active, titled with the unit and campaign, the mail's deadline, and each
    finding's address linking to its cell (marked red for an error, yellow for a warning)."""
    sheet = book.worksheets[0]
    assert sheet.title == "Cần sửa" and book.active.title == "Cần sửa"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    top = rows.index(LISTING_HEADER)
    heading = [row[0] for row in rows[:top]]
    assert heading[0] == f"BÁO CÁO CẦN SỬA: {unit.name}" and sheet["A1"].font.b
    assert f"Đợt báo cáo: {config.campaign.name}" in heading
    [deadline] = [line for line in heading if line.startswith("Hạn gửi lại")]
    assert f" gửi lại {asked} bằng cách trả lời thư báo lỗi" in deadline
    listed = []
    for number, row in enumerate(rows[top + 1 :], start=top + 2):
        severity, message, where, address = row
        link = sheet.cell(number, 4).hyperlink
        quoted = where.replace("'", "''")
        assert link is not None and link.location == f"'{quoted}'!{address}" and not link.target, row
        marked = book[where][address].fill.fgColor.rgb[-6:]  # openpyxl writes "00FFC7CE", the patch "FFFFC7CE"
        assert marked == (RED if severity == "Lỗi" or (where, address) in errors_at(findings) else YELLOW)[-6:], row
        listed.append((severity, message, where, address))
    assert listed == [
        ({"error": "Lỗi", "warning": "Cảnh báo"}[f.severity], f.message, f.sheet, f.cell)
        for f in sorted(findings, key=lambda f: not f.is_error)
    ], "errors first, then the warnings"


def errors_at(findings) -> set[tuple[str, str]]:
    return {(finding.sheet, finding.cell) for finding in findings if finding.is_error}


def test_each_marked_copy_has_a_title_the_mails_deadline_and_a_link_to_each_cell(campaign, tmp_path):
    folder, config, _ = campaign
    mails = mails_of(folder)
    standing = {unit.unit.code: unit for unit in campaign_standing(folder).units}
    for index in WITH_ERRORS:
        unit = config.units[index]
        body = body_of(mails[unit.code])
        asked = re.search(r"gửi lại (trước ngày \d\d/\d\d/\d{4}|sớm nhất có thể)", body).group(1)
        assert asked == ASKED
        sent = tmp_path / f"{unit.code}.xlsx"
        sent.write_bytes(attachment(mails[unit.code], "_cần sửa.xlsx"))
        check_listing(openpyxl.load_workbook(sent), unit, config, standing[unit.code].latest.findings, asked)


def test_the_xml_patched_copy_has_the_same_heading_and_links(campaign, tmp_path, monkeypatch):
    """Past the openpyxl bound the copy is patched in its XML: same heading, same links, kept by LibreOffice."""
    source, config, _ = campaign
    shutil.copytree(source.root, tmp_path / "dot")
    folder = CampaignFolder(tmp_path / "dot")
    shutil.rmtree(folder.results / FEEDBACK_DIR)
    monkeypatch.setattr(findings_workbook, "MARKUP_OPENPYXL_MAX", 0)
    standing = campaign_standing(folder)
    copies = findings_workbook.write_feedback_copies(folder, standing, ASKED)
    assert len(copies) == copies.owed == 3 and copies.problems == []
    by_code = {unit.unit.code: unit for unit in standing.units}
    for copy in copies:
        unit = config.units[[u.code for u in config.units].index(copy.name.split("_")[0])]
        book = openpyxl.load_workbook(copy)
        assert book.worksheets[0].print_title_rows is not None
        check_listing(book, unit, config, by_code[unit.code].latest.findings, ASKED)
    both = config.units[2]
    [copy] = [path for path in copies if path.name.startswith(both.code)]
    resaved = openpyxl.load_workbook(libreoffice_convert(copy, "xlsx", tmp_path / "lo"))
    rows = [[cell.value for cell in row] for row in resaved.worksheets[0].iter_rows()]
    top = rows.index(LISTING_HEADER)
    locations = [resaved.worksheets[0].cell(top + 2 + n, 4).hyperlink for n in range(len(rows) - top - 1)]
    assert [link.location.replace("$", "") for link in locations] == [
        f"'{row[2]}'!{row[3]}" for row in rows[top + 1 :]
    ], "LibreOffice keeps each link to its cell"


HEADINGS = {
    "Tình hình nộp": ("TT", "Mã đơn vị"),
    "Chi tiết": ("Đơn vị", "Mã lỗi"),
    "Lịch sử nhận": ("Đơn vị", "Mã đơn vị"),
}


def test_the_findings_workbook_has_real_dates_codes_last_and_no_full_paths(campaign):
    folder, _, _ = campaign
    book = openpyxl.load_workbook(folder.results / FINDINGS_WORKBOOK)
    assert book.sheetnames == list(HEADINGS)
    standing = campaign_standing(folder)
    for sheet in book.worksheets:
        header = [cell.value for cell in sheet[1]]
        assert (header[0], header[-1]) == HEADINGS[sheet.title]
        last = sheet.column_dimensions[openpyxl.utils.get_column_letter(len(header))].width
        assert last <= 12, "the codes take a narrow last column"
        cells = [cell for row in sheet.iter_rows() for cell in row]
        texts = [cell.value for cell in cells if isinstance(cell.value, str)]
        for root in {str(folder.root), str(folder.root.resolve())}:
            assert not [text for text in texts if root in text], "no full folder path"
        assert not [text for text in texts if text.startswith("/")]
        for column, name in enumerate(header, start=1):
            if name == "Ngày nhận":
                dates = [sheet.cell(row, column) for row in range(2, sheet.max_row + 1)]
                filled = [cell for cell in dates if cell.value is not None]
                assert filled and all(isinstance(cell.value, datetime) for cell in filled)
                assert {cell.number_format for cell in filled} == {DATE_FORMAT}
    summary = book["Tình hình nộp"]
    received = {row[-1].value: row[5].value for row in summary.iter_rows(min_row=2)}
    for unit in standing.units:
        if unit.latest:
            assert received[unit.unit.code] == unit.latest.record.received_at
    details = book["Chi tiết"]
    codes = [row[-1].value for row in details.iter_rows(min_row=2)]
    expected = [f.code for unit in standing.units if unit.latest for f in unit.latest.findings]
    assert codes == expected
    assert all(row[-1].value not in [cell.value for cell in row[:-1]] for row in details.iter_rows(min_row=2))
    history = book["Lịch sử nhận"]
    sources = [row[3].value for row in history.iter_rows(min_row=2)]
    assert sources and all(source.startswith(f"{folder.inbox.name}/") for source in sources), sources


def test_the_findings_workbook_prints_landscape_at_10_points_or_more(campaign, tmp_path):
    folder, _, _ = campaign
    path = folder.results / FINDINGS_WORKBOOK
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
        widths = [
            sheet.column_dimensions[openpyxl.utils.get_column_letter(n)].width for n in range(1, sheet.max_column + 1)
        ]
        scale = print_scale(widths, side_margin=sheet.page_margins.left)
        assert scale >= 91, (sheet.title, scale, sum(widths))  # 11 pt × 91 % = 10 pt
        assert all(cell.alignment.wrap_text for cell in sheet[2] if cell.value), "long texts wrap"

    pdf = libreoffice_convert(path, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    for heading in ("Tình trạng", "Ngày nhận", "Nội dung", "Mức độ", "Xác định đơn vị", "Mã lỗi"):
        assert heading in text, heading
    assert re.search(r"\d\d/\d\d/2019 \d\d:\d\d", text), "dates print as dd/mm/yyyy hh:mm"

    # How this LibreOffice draws: a word's box height per point of font size, and a column's points per
    # character of width (its fallback for the workbook's default font sets it), from a probe at 100 %.
    probe = openpyxl.Workbook()
    probe.active["A1"], probe.active["B1"] = "Tình trạng", "x"
    probe.active["A1"].font = openpyxl.styles.Font(name="Times New Roman", size=10)
    probe.active.column_dimensions["A"].width = 40
    probe.save(tmp_path / "mau.xlsx")
    [words] = word_boxes(libreoffice_convert(tmp_path / "mau.xlsx", "pdf", tmp_path / "pdf")).values()
    box_per_point = (words[0][3] - words[0][1]) / 10
    points_per_char = (words[-1][0] - words[0][0]) / 40
    printed = {}
    for page in word_boxes(pdf).values():
        said = " ".join(word[4] for word in page)
        title = next(name for name, marker in SHEET_MARKERS.items() if marker in said)
        printed.setdefault(title, []).append(median(word[3] - word[1] for word in page) / box_per_point)
    printable = (297 / 25.4 - 2 * book.worksheets[0].page_margins.left) * 72
    for sheet in book.worksheets:
        widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJK"[: sheet.max_column]]
        expected = 11 * min(1, printable / (sum(widths) * points_per_char))
        for size in printed[sheet.title]:  # LibreOffice shrinks the sheet as the widths say: the model holds
            assert abs(size - expected) / expected < 0.05, (sheet.title, size, expected, points_per_char)
        if points_per_char <= 7 * 0.75 * 1.05:  # metric-compatible fonts (Carlito / Calibri): measure it directly
            assert min(printed[sheet.title]) >= 10, (sheet.title, printed)


SHEET_MARKERS = {"Tình hình nộp": "Nhóm", "Chi tiết": "Mã lỗi", "Lịch sử nhận": "Xác định"}


def word_boxes(pdf: Path) -> dict[int, list[tuple[float, float, float, float, str]]]:
    """Every word's box (xMin, yMin, xMax, yMax, text) on each page, from pdftotext -bbox."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = {}
    for number, page in enumerate(xhtml.split("<page ")[1:], start=1):
        found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)
        pages[number] = [(*map(float, box[:4]), html.unescape(box[4])) for box in found]
    return pages
