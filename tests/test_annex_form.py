"""The annexes in the official form (NĐ 30/2020): «Phụ lục I…» with the «Kèm theo Báo cáo số …» line, no số,
signature or «Nơi nhận» unless they stand alone, report wording only, the campaign's date, values as typed.

`baocao summary` runs on a campaign with real returns; the summary workbook is rendered to PDF by LibreOffice and
read back page by page with pdftotext. Page bounds (45 of 52 units reported, 8 tasks, ~170 activities):
PL1 ≤ 3 pages, PL2 ≤ 9, PL3 ≤ 20 (45 unit columns, 5 a page at ≥ 10 pt, two pages down), PL4 ≤ 2, charts 2.
"""

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.outputs.summary.form import written_date
from addin.stages import decide, init_campaign
from tests.libreoffice import libreoffice_convert
from tests.run_cli import baocao

CHECKING_WORDS = re.compile(r"\b(lỗi|chấp nhận|đạt)\b", re.IGNORECASE)
PAGE_BOUNDS = {"I": 3, "II": 9, "III": 20, "IV": 2, "V": 12, "VI": 2}  # V: 270 directive documents
ROMANS = ["I", "II", "III", "IV", "V", "VI"]


def _campaign(root: Path, standalone: bool) -> tuple[Path, object]:
    folder = init_campaign(root)
    if standalone:
        data = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
        data["summary"]["standalone_annexes"] = True
        folder.config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = folder.load_config()
    maker = SampleMaker(config, seed=13)
    chosen = [unit for index, unit in enumerate(config.units) if index % 7 != 3]
    samples = [maker.make(unit, late=index % 5 == 0) for index, unit in enumerate(chosen[1:])]
    typed = maker.make(chosen[0], ["not_in_list"])  # «Hội thảo khoa học» as the activity's Hình thức
    write_samples(config, build_master(config), [typed, *samples], folder.inbox)
    collect(folder)
    check_campaign(folder)
    decide(folder, chosen[0].code, "accept", "Đã xác minh với đơn vị")
    result = baocao("summary", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    return root, folder.load_config()


def _pages(pdf: Path) -> list[str]:
    count = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1]
    )
    return [
        subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        for page in range(1, count + 1)
    ]


def _by_annex(pages: list[str]) -> dict[str, list[str]]:
    """Pages grouped by the annex whose «Phụ lục …» heading opened them."""
    annexes: dict[str, list[str]] = {}
    current = None
    for text in pages:
        heading = re.search(r"Phụ lục (I|II|III|IV|V|VI)\b", text)
        if heading and heading[1] not in annexes:
            current = heading[1]
        annexes.setdefault(current, []).append(text)
    return annexes


def _word_sizes(pdf: Path, page: int) -> list[float]:
    """The printed size (pt) of each word of a page, from its box: the box is about 1.3 times the font size."""
    xml = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    boxes = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">', xml)
    return [(float(bottom) - float(top)) / 1.3 for top, bottom in boxes]


def _table_lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip() and not line.strip().startswith("Trang ")]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    root, config = _campaign(tmp_path_factory.mktemp("annex") / "dot", standalone=False)
    workbook = root / "3_ket_qua" / f"bang_tong_hop_{config.campaign.id}.xlsx"
    pdf = libreoffice_convert(workbook, "pdf", root / "pdf")
    return root, config, _by_annex(_pages(pdf)), pdf


def test_annexes_are_headed_phu_luc_with_the_kem_theo_line(rendered):
    _, config, annexes, _ = rendered
    assert list(annexes) == ROMANS
    caption = f"(Kèm theo Báo cáo số …/BC-SGDĐT ngày {written_date(config.report_date())[5:]} của Sở Giáo dục"
    for roman, pages in annexes.items():
        first = " ".join(pages[0].split())
        assert f"Phụ lục {roman}" in first
        assert caption in first, (roman, first[:300])


def test_annexes_carry_no_number_signature_or_recipients(rendered):
    _, config, annexes, _ = rendered
    for roman, pages in annexes.items():
        text = "\n".join(pages)
        assert "Số:" not in text and "Nơi nhận" not in text, roman
        assert config.summary.signer_name not in text and "CỘNG HÒA" not in text, roman


def test_page_counts_stay_within_bounds(rendered):
    _, _, annexes, _ = rendered
    counts = {roman: len(pages) for roman, pages in annexes.items()}
    assert all(counts[roman] <= bound for roman, bound in PAGE_BOUNDS.items()), counts


def test_no_page_ends_on_a_heading_and_our_breaks_are_the_only_ones(rendered):
    root, config, annexes, _ = rendered
    shorts = {unit.short for unit in config.units}
    groups = {f"{group.code} {group.name}" for group in config.unit_groups}
    for roman in ("I", "II"):
        for page in annexes[roman][:-1]:
            last = " ".join(_table_lines(page)[-1].split())
            assert last not in shorts, (roman, last)  # a unit's band in the activity list
            assert not any(last.startswith(group) for group in groups), (roman, last)  # a unit group's row
    import openpyxl

    workbook = openpyxl.load_workbook(root / "3_ket_qua" / f"bang_tong_hop_{config.campaign.id}.xlsx")
    for roman, annex in zip(("I", "II"), config.summary.annexes[:2], strict=True):
        breaks = len(workbook[annex.sheet].row_breaks.brk)
        assert len(annexes[roman]) == breaks + 1, "LibreOffice added no page break of its own"


def test_the_matrix_prints_at_10_pt_at_least_and_each_chart_whole_on_its_page(rendered):
    _, config, annexes, pdf = rendered
    first = sum(len(pages) for roman, pages in annexes.items() if ROMANS.index(roman) < 2) + 1
    for page in range(first, first + len(annexes["III"])):
        sizes = sorted(_word_sizes(pdf, page))
        assert sizes[len(sizes) // 10] >= 9.8, (page, sizes[: len(sizes) // 10 + 1])
    tokens = set(" ".join(annexes["III"]).replace("-", "- ").split())  # a break after a hyphen is a fair one
    for unit in [unit for index, unit in enumerate(config.units) if index % 7 != 3]:  # those that reported
        words = set(unit.short.replace("-", "- ").split())
        assert words <= tokens, (unit.short, words - tokens)  # every word whole: not broken inside, not clipped
    charts = annexes["VI"]
    assert len(charts) == 2
    assert "Số người tham gia theo nhóm đơn vị" in charts[0] and "Tình hình nộp báo cáo" in charts[1]


def test_tables_that_span_pages_repeat_their_header(rendered):
    _, _, annexes, _ = rendered
    for page in annexes["II"][1:]:
        assert "Nội dung hoạt động" in page and "Hình thức" in page
    for page in annexes["III"][1:]:
        assert "Nhiệm vụ được giao" in page
    for page in annexes["IV"][1:]:  # the list of units that did not report: no counts-table header above it
        assert "Số đơn vị phải báo cáo" not in page


def test_no_checking_word_in_any_annex(rendered):
    _, _, annexes, _ = rendered
    for roman, pages in annexes.items():
        found = CHECKING_WORDS.findall("\n".join(pages))
        assert not found, (roman, found)
    assert "Báo cáo muộn" in "\n".join(annexes["I"]) and "Chưa báo cáo" in "\n".join(annexes["I"])


def test_every_written_date_is_the_report_date(rendered):
    _, config, annexes, _ = rendered
    text = " ".join(" ".join("\n".join(pages).split()) for roman, pages in annexes.items())
    written = re.findall(r"ngày (\d+|…) tháng (\d+|…) năm (\d{4})", text)
    deadline = written_date(config.campaign.deadline)
    expected = written_date(config.report_date())
    assert written, "dates are written out"
    for day, month, year in written:
        assert f"ngày {day} tháng {month} năm {year}" in (expected, deadline), (day, month, year)
    assert f"Số liệu tính đến {expected}" in text
    assert not re.search(r"\d+ giờ \d+", text), "no wall-clock time"


def test_a_value_not_in_the_list_is_shown_as_typed(rendered):
    root, _, annexes, _ = rendered
    assert "Hội thảo khoa học" in " ".join(" ".join("\n".join(annexes["II"]).split()).split())
    with (root / "3_ket_qua" / "du_lieu_csv" / "hoat_dong.csv").open(encoding="utf-8-sig") as handle:
        kinds = [row["hinh_thuc"] for row in csv.DictReader(handle)]
    assert "Hội thảo khoa học" in kinds and "" not in kinds
    findings = baocao("check", str(root), "--json")
    assert "NOT_IN_LIST" in findings.stdout and "Hội thảo khoa học" in findings.stdout


def test_a_standalone_annex_has_the_header_lines_number_and_signature_on_its_last_page(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    root, config = _campaign(tmp_path / "dot", standalone=True)
    workbook = root / "3_ket_qua" / f"bang_tong_hop_{config.campaign.id}.xlsx"
    annexes = _by_annex(_pages(libreoffice_convert(workbook, "pdf", root / "pdf")))
    for roman in ("I", "II", "III", "IV"):
        pages = annexes[roman]
        assert sum("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page for page in pages) == 1, "the header on page 1 only"
        assert "Số: …/BC-SGDĐT" in pages[0] and "Độc lập - Tự do - Hạnh phúc" in pages[0]
        assert f"Lào Cai, {written_date(config.report_date())}" in " ".join(pages[0].split())
        assert "Kèm theo" not in pages[0]
        assert config.summary.signer_name in pages[-1] and "Nơi nhận" in pages[-1], roman
        assert all(config.summary.signer_name not in page for page in pages[:-1]), roman
        lines = [line for line in pages[-1].splitlines() if line.strip()]
        above = next(index for index, line in enumerate(lines) if "Nơi nhận" in line)
        assert above >= 2 and re.search(r"\d", " ".join(lines[:above])), "table rows above the signature"
    import openpyxl

    sheet = openpyxl.load_workbook(workbook)[config.summary.annexes[0].sheet]
    fonts = {sheet.cell(row=row, column=1).font.sz for row in (1, 2, 4)}
    assert fonts == {13}
    line_row = [sheet.cell(row=3, column=column).border.top.style for column in range(1, sheet.max_column + 1)]
    assert line_row.count("thin") >= 2, "a line under the issuing body and one under the motto"
