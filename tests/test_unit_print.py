"""A unit's return as it prints: templates from `baocao templates`, filled as a unit fills them, rendered to PDF by
LibreOffice and read back with poppler (pdftotext), page by page and word by word.

Bounds stated here (measured: the shipped config's typical filled return prints on 7 pages, the blank template on
7; before, 13 pages of which 5 were empty activity and document grid):
- a typical return prints on at most 8 pages: «Hướng dẫn» 1, «Thông tin chung» 1, «Văn bản chỉ đạo» 1,
  «Hoạt động» 1, «Nhiệm vụ» at most 2, «Kiểm tra» 1; the blank template prints on at most 8 too;
- a return with 15 activities prints every one of them (the rows past the 10 drawn ones included) on ≤ 2 pages.
"""

import html
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from addin.config import load_config
from addin.demo.samples import SampleMaker, TemplateFiller
from addin.issue.print_layout import INITIAL_GRID_ROWS, MISSING_FILL
from addin.issue.text_fit import balanced_lines, row_height, text_width
from addin.issue.unit_copies import build_templates
from addin.shipped import SHIPPED_CONFIG
from addin.stages import init_campaign
from tests.libreoffice import soffice_path
from tests.workbook_access import name_targets

TYPICAL_PAGES, BLANK_PAGES = 8, 8
SIGNATURE = "NGƯỜI LẬP BÁO CÁO"
TASKS_HEADER = "Nhiệm vụ được giao"


def to_pdf(sources: list[Path], out_dir: Path) -> dict[str, Path]:
    """All `sources` converted by one LibreOffice run (its own profile); file stem → PDF."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed; scripts/test.sh names it")
    command = [soffice_path(), f"-env:UserInstallation=file://{out_dir / '.lo_profile'}", "--headless"]
    command += ["--norestore", "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, sources)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    produced = {source.stem: out_dir / f"{source.stem}.pdf" for source in sources}
    assert completed.returncode == 0 and all(p.exists() for p in produced.values()), completed.stderr
    return produced


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def page_lines(pdf: Path, page: int, left_of: float = 10_000) -> list[tuple[str, float, float, float]]:
    """The page's lines of words as (text, xMin, yMin, yMax), top to bottom; words on one baseline are a line.

    Only words ending left of `left_of` points are taken (the header's left half, say)."""
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    found = re.findall(pattern, bbox)
    words = [(float(a), float(b), float(d), html.unescape(t)) for a, b, c, d, t in found if float(c) < left_of]
    lines: list[list] = []
    for x, top, bottom, word in sorted(words, key=lambda w: (round(w[2], 0), w[0])):
        if lines and abs(lines[-1][3] - bottom) < 1.5:
            lines[-1][0].append((x, word))
            continue
        lines.append([[(x, word)], x, top, bottom])
    return [(" ".join(w for _, w in sorted(ws)), x, top, bottom) for ws, x, top, bottom in lines]


def sheet_pages(texts: list[str], marker: str) -> list[int]:
    """The pages showing `marker`; a form sheet's marker is looked for outside the instructions and the check."""
    own = ("HƯỚNG DẪN ĐIỀN BÁO CÁO", "KIỂM TRA BÁO CÁO TRƯỚC KHI GỬI", "Nội dung kiểm tra")
    return [i for i, text in enumerate(texts) if marker in text and (marker in own or not any(o in text for o in own))]


def row_scale(lines, sheet, number: str) -> float:
    """PDF points per sheet point: the distance from field row `number` («3.») to the next, over the row's height.

    Both rows are aligned to their top, so the distance between their texts is the first row's printed height.
    """
    following = f"{int(number.rstrip('.')) + 1}."
    first_y = next(top for text, _, top, _ in lines if text.startswith(f"{number} "))
    next_y = next(top for text, _, top, _ in lines if text.startswith(f"{following} "))
    row = next(cell.row for cell in sheet["A"] if cell.value == number)
    return (next_y - first_y) / sheet.row_dimensions[row].height


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """A fresh campaign's templates; the longest-named units' blank templates, a typical and a busy return, as PDF."""
    root = tmp_path_factory.mktemp("unit_print")
    folder = init_campaign(root / "dot")
    result = build_templates(folder)
    config = folder.load_config()
    files = dict(zip((unit.code for unit in config.units), result.unit_files, strict=True))
    longest = sorted(config.units, key=lambda unit: text_width(unit.name), reverse=True)[:3]
    work = root / "in"
    work.mkdir()
    sources = []
    for unit in longest:
        sources.append(work / f"blank_{unit.code}.xlsx")
        shutil.copyfile(files[unit.code], sources[-1])
    unit = longest[0]
    maker = SampleMaker(config)
    typical = maker.make(unit)
    sources.append(work / "typical.xlsx")
    sources[-1].write_bytes(TemplateFiller(files[unit.code].read_bytes()).fill(config, typical))
    busy = maker.make(unit)
    row = busy.tables["hoat_dong"][0]
    busy.tables["hoat_dong"] = [{**row, "noi_dung": f"Hoạt động thứ {n} của đơn vị"} for n in range(1, 16)]
    sources.append(work / "busy.xlsx")
    sources[-1].write_bytes(TemplateFiller(files[unit.code].read_bytes()).fill(config, busy))
    pdfs = to_pdf(sources, root / "pdf")
    return config, longest, sources, pdfs, typical


def test_a_typical_return_prints_no_empty_grid_and_few_pages(printed):
    _, _, _, pdfs, typical = printed
    texts = page_texts(pdfs["typical"])
    assert len(texts) <= TYPICAL_PAGES, f"{len(texts)} pages"
    assert len(sheet_pages(texts, "HƯỚNG DẪN ĐIỀN BÁO CÁO")) == 1
    assert len(sheet_pages(texts, "KIỂM TRA BÁO CÁO TRƯỚC KHI GỬI")) == 1
    assert len(sheet_pages(texts, "Số, ký hiệu văn bản")) == 1, "the documents table prints on one page"
    assert len(sheet_pages(texts, "Nội dung hoạt động")) == 1, "the activities table prints on one page"
    assert len(sheet_pages(texts, TASKS_HEADER)) <= 2
    activities = " ".join(texts[i] for i in sheet_pages(texts, "Nội dung hoạt động"))
    for row in typical.tables["hoat_dong"]:  # (a long text wraps over the next row: the filler sets no row height)
        assert f"{row['ngay']:%d/%m/%Y} {row['dia_diem']}" in activities


def test_the_blank_template_prints_few_pages(printed):
    _, longest, _, pdfs, _ = printed
    for unit in longest:
        texts = page_texts(pdfs[f"blank_{unit.code}"])
        assert len(texts) <= BLANK_PAGES, (unit.code, len(texts))
        assert len(sheet_pages(texts, "Nội dung hoạt động")) == 1


def test_every_row_in_use_prints_past_the_drawn_ones(printed):
    _, _, _, pdfs, _ = printed
    texts = page_texts(pdfs["busy"])
    pages = sheet_pages(texts, "Nội dung hoạt động")
    assert len(pages) <= 2
    printed_text = " ".join(texts[i] for i in pages)
    for n in range(1, 16):
        assert f"Hoạt động thứ {n} của đơn vị" in printed_text, n


def test_the_longest_unit_names_print_whole_and_unclipped(printed):
    _, longest, sources, pdfs, _ = printed
    for unit, source in zip(longest, sources, strict=False):
        pdf = pdfs[source.stem]
        texts = page_texts(pdf)
        [page] = sheet_pages(texts, "I. THÔNG TIN ĐƠN VỊ")
        sheet = openpyxl.load_workbook(source)["Thông tin chung"]
        name_lines = sheet["A4"].value.split("\n")
        assert " ".join(name_lines) == unit.name.upper()
        assert all(len(line.split()) >= 2 for line in name_lines), f"a word alone on a line: {name_lines}"
        lines = page_lines(pdf, page + 1)
        texts_only = [text for text, *_ in lines]
        # the header's left half: the parent body, then the name's lines, then «Số: …»
        left = page_lines(pdf, page + 1, left_of=290)
        parent = next(i for i, line in enumerate(left) if line[0] == unit.parent.upper())
        shown = left[parent + 1 : parent + 1 + len(name_lines)]
        assert [text for text, *_ in shown] == name_lines, texts_only[:12]
        assert left[parent + 1 + len(name_lines)][0].startswith("Số:")
        scale = row_scale(lines, sheet, "3.")
        block = shown[-1][3] - shown[0][2]
        assert block <= sheet.row_dimensions[4].height * scale, (unit.code, block, sheet.row_dimensions[4].height)
        # «Tên đơn vị»: the full name, its last line above the next row's text
        start = next(i for i, text in enumerate(texts_only) if text.startswith("1. Tên đơn vị"))
        after = next(i for i, text in enumerate(texts_only) if text.startswith("2. "))
        value = " ".join(texts_only[start:after]).replace("1. Tên đơn vị ", "", 1)
        assert value == unit.name
        assert lines[after - 1][3] <= lines[after][2] + 0.5, "the name's last line runs into the next row"


def test_the_instructions_show_every_line_whole(printed):
    _, _, sources, pdfs, _ = printed
    pdf, source = pdfs[sources[0].stem], sources[0]
    [page] = sheet_pages(page_texts(pdf), "HƯỚNG DẪN ĐIỀN BÁO CÁO")
    lines = page_lines(pdf, page + 1)
    guide = openpyxl.load_workbook(source)["Hướng dẫn"]
    text = " ".join(text for text, *_ in lines)
    for row in guide.iter_rows(min_col=1, max_col=1):
        if row[0].value:
            assert " ".join(str(row[0].value).split()) in text, row[0].value
    for upper, lower in itertools.pairwise(lines):  # a wrapped text's lines touch; a clipped row's run into the next
        assert lower[2] >= upper[3] - 3, f"«{upper[0]}» overlaps «{lower[0]}»"
    # the title (14 pt) within its row: word height against the row's height at the page's scale
    ys = {text.split(".")[0]: top for text, _, top, _ in lines if re.match(r"\d\. ", text)}
    rows = {str(c.value).split(".")[0]: c.row for c in guide["A"] if c.value and re.match(r"\d\. ", str(c.value))}
    scale = (ys["4"] - ys["3"]) / guide.row_dimensions[rows["3"]].height
    title = next(line for line in lines if line[0].startswith("HƯỚNG DẪN"))
    assert title[3] - title[2] <= guide.row_dimensions[1].height * scale


def test_the_signature_prints_with_the_last_rows(printed):
    _, longest, _, pdfs, _ = printed
    for stem in ("typical", f"blank_{longest[0].code}"):
        texts = page_texts(pdfs[stem])
        [page] = sheet_pages(texts, SIGNATURE)
        assert "VI. ĐỀ XUẤT, KIẾN NGHỊ" in texts[page] and "Đề xuất, kiến nghị" in texts[page]
        assert "V. SỐ LIỆU KẾT QUẢ" in texts[page] and "Số cuộc kiểm tra, giám sát đã tổ chức" in texts[page]
        tasks = sheet_pages(texts, TASKS_HEADER)
        assert page == max(tasks), "the signature ends the section it signs"


def test_the_tasks_header_repeats_on_every_page_the_table_spans(tmp_path):
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    tasks = re.search(r"\ntasks:\n(.*?)\n\n", text, re.S).group(1)
    more = re.sub(r'code: "(\d)"', lambda m: f'code: "{int(m.group(1)) + 8}"', tasks)
    config_path = tmp_path / "config.yaml"
    config_path.write_text(text.replace(tasks, f"{tasks}\n{more}"), encoding="utf-8")
    folder = init_campaign(tmp_path / "dot", config_path)
    result = build_templates(folder, units=load_config(config_path).units[:1])
    workbook = openpyxl.load_workbook(result.unit_files[0])
    assert workbook["Nhiệm vụ"].print_title_rows == "$4:$5"
    texts = page_texts(to_pdf(result.unit_files[:1], tmp_path / "pdf")[result.unit_files[0].stem])
    config = load_config(config_path)
    starts = [" ".join(task.text.split()[:4]) for task in config.tasks]
    spanned = [i for i, page in enumerate(texts) if any(start in page for start in starts)]
    assert len(spanned) >= 2, "16 tasks span more than one page"
    for index in spanned:
        assert TASKS_HEADER in texts[index] and "Kết quả cụ thể" in texts[index], index


def test_blank_required_cells_are_shaded(printed):
    config, _, sources, _, _ = printed
    workbook = openpyxl.load_workbook(sources[0])
    targets = name_targets(workbook)

    missing = MISSING_FILL.fgColor.rgb[-6:]

    def shading_rules(sheet_name: str, reference: str) -> list[str]:
        found = []
        for ranges, rules in workbook[sheet_name].conditional_formatting._cf_rules.items():
            if reference.replace("$", "") in str(ranges.sqref):
                shaded = [rule for rule in rules if rule.dxf and rule.dxf.fill and rule.dxf.fill.fgColor.rgb]
                found += [rule.formula[0] for rule in shaded if rule.dxf.fill.fgColor.rgb[-6:] == missing]
        return found

    for section in config.form.sections:
        for field in section.input_fields:
            if not field.required:
                continue
            name = f"bc_{field.name}" if section.kind == "fields" else f"bc_{section.name}__{field.name}"
            sheet_name, reference = targets[name]
            first = reference.replace("$", "").split(":")[0]
            if section.kind == "fields":
                assert shading_rules(sheet_name, first) == [f"LEN(TRIM({first}))=0"], field.name
            elif section.rows_from:
                assert shading_rules(sheet_name, reference) == [f"AND(TRUE,LEN(TRIM({first}))=0)"], field.name
            else:  # blank in a row in use
                [rule] = shading_rules(sheet_name, reference)
                assert rule.startswith("AND(") and rule.endswith(f",LEN(TRIM({first}))=0)"), rule
                if section.min_rows:  # or in the one row the table needs
                    assert f"ROW({first})-ROW(${first[0]}${first[1:]})<1" in rule, rule


def test_unused_rows_hold_nothing_that_prints(printed):
    _, _, sources, _, _ = printed
    sheet = openpyxl.load_workbook(sources[0])["Hoạt động"]
    targets = name_targets(sheet.parent)
    first = int(targets["bc_hoat_dong"][1].split(":")[0].lstrip("$ABCDEFGHI").replace("$", ""))
    last = int(targets["bc_hoat_dong"][1].split(":")[1].lstrip("$ABCDEFGHI").replace("$", ""))
    drawn = range(first, first + INITIAL_GRID_ROWS)
    for row in sheet.iter_rows(min_row=first, max_row=last, max_col=9):
        for cell in row:
            if cell.row in drawn:
                assert cell.border.left.style == "thin", cell.coordinate
            else:
                assert cell.value is None and cell.border.left.style is None, cell.coordinate
                assert cell.fill.fgColor.rgb in ("00000000", None), cell.coordinate


def test_unit_names_break_into_even_lines():
    assert balanced_lines("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN MƯỜNG KHƯƠNG", 208) == [
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "HUYỆN MƯỜNG KHƯƠNG",
    ]
    assert balanced_lines("TRƯỜNG THPT SỐ 1 HUYỆN SA PA", 208) == ["TRƯỜNG THPT SỐ 1 HUYỆN SA PA"]
    name = "TRUNG TÂM GIÁO DỤC NGHỀ NGHIỆP - GIÁO DỤC THƯỜNG XUYÊN HUYỆN MƯỜNG KHƯƠNG"
    assert balanced_lines(name, 208) == [
        "TRUNG TÂM GIÁO DỤC NGHỀ",
        "NGHIỆP - GIÁO DỤC THƯỜNG",
        "XUYÊN HUYỆN MƯỜNG KHƯƠNG",
    ]
    assert balanced_lines(name, 240) == [
        "TRUNG TÂM GIÁO DỤC NGHỀ NGHIỆP -",
        "GIÁO DỤC THƯỜNG XUYÊN",
        "HUYỆN MƯỜNG KHƯƠNG",
    ]


def test_a_master_made_for_shorter_names_is_made_again(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    assert not build_templates(folder, units=[]).master_rebuilt, "the shipped master fits the shipped names"
    longer = "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên và Hướng nghiệp huyện Mường Khương tỉnh Lào Cai"
    text = folder.config_path.read_text(encoding="utf-8")
    folder.config_path.write_text(text.replace("name: Trường THPT số 2 huyện Văn Bàn,", f"name: {longer},"), "utf-8")
    result = build_templates(folder)
    assert result.master_rebuilt and result.master_backup.exists()
    unit = next(unit for unit in folder.load_config().units if unit.name == longer)
    path = next(path for path in result.unit_files if path.name.startswith(unit.code))
    sheet = openpyxl.load_workbook(path)["Thông tin chung"]
    lines = sheet["A4"].value.split("\n")
    assert " ".join(lines) == longer.upper() and len(lines) == 5
    assert sheet.row_dimensions[4].height == row_height(5)
    assert not build_templates(folder, units=[]).master_rebuilt


def test_a_form_ending_with_a_growable_table_signs_before_it(second_campaign, tmp_path):
    """The signature never follows a table's empty rows: it ends the last sheet of fixed rows, and the table
    prints after it as an attached table (measured: 4 pages, before 5 with the signature alone on page 4)."""
    _, result = second_campaign
    texts = page_texts(to_pdf(result.unit_files[:1], tmp_path)[result.unit_files[0].stem])
    assert len(texts) <= 4, len(texts)
    [page] = sheet_pages(texts, SIGNATURE)
    assert "A. SỐ LIỆU CHUNG" in texts[page] and "Tổng số bản sách" in texts[page]
    assert "B. SÁCH MỚI BỔ SUNG" in texts[page + 1]


def test_a_signature_that_would_start_a_page_takes_the_last_rows_with_it():
    from openpyxl import Workbook

    from addin.issue.master_blocks import page_setup
    from addin.issue.print_layout import keep_signature_with_last_rows

    widths = [5, 60, 22, 50]  # landscape A4, as the «Nhiệm vụ» sheet

    def sheet_with(rows: int):
        sheet = Workbook().active
        page_setup(sheet, sum(widths))
        for row in range(3, 3 + rows):
            sheet.row_dimensions[row].height = 25
        return sheet

    sheet = sheet_with(20)  # 500 pt of rows: in Excel's layout (523 pt a page) the signature would start page 2
    keep_signature_with_last_rows(sheet, widths, 3, 28, [21, 21])
    assert [brk.id for brk in sheet.row_breaks.brk] == [20], "a break before the last two rows"
    sheet = sheet_with(8)
    keep_signature_with_last_rows(sheet, widths, 3, 16, [9, 9])
    assert sheet.row_breaks.brk == [], "all on one page: no break"
