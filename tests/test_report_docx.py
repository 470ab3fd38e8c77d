"""The báo cáo (Word, NĐ 30/2020/NĐ-CP form) that `baocao summary` writes, read back with python-docx; its PDF
read with poppler; a staff-edited template kept across rebuilds.

One campaign: returns from most units (three missing, one late, one with a hostile proposal text), summarised
once by the real `baocao summary` with LibreOffice (the PDFs), then read back.
"""

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import docx
import pytest
import yaml
from docx.shared import Pt

from addin.config import ConfigError, load_config
from addin.config.model import DEFAULT_REPORT_SECTIONS, ReportSection
from addin.demo.samples import SampleMaker, write_samples
from addin.errors import BaocaoError
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.outputs.report.document import REPORT_TEMPLATE, build_report, report_file_name
from addin.outputs.report.pdf import SWITCH, write_pdfs
from addin.outputs.summary.form import place_date_text, written_date
from addin.outputs.summary.workbook import summary_file_name
from addin.shipped import SHIPPED_CONFIG, SHIPPED_LAYOUTS
from addin.stages import init_campaign, summary
from tests.libreoffice import soffice_path
from tests.run_cli import baocao
from tests.sample_data import SECOND_CONFIG
from tests.summary_grid import PL1, PL4, data_rows, grid

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HOSTILE = "{{ 7*7 }} <b>đề nghị</b> & {% if x %}"
MISSING = (2, 12, 30)  # positions in config.units of the units that send nothing
LATE = 5


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    soffice_path()  # LibreOffice is needed for the PDFs (skips here, fails in CI, when absent)
    folder = init_campaign(tmp_path_factory.mktemp("report") / "dot")
    config = folder.load_config()
    maker = SampleMaker(config, seed=13)
    samples = []
    for index, unit in enumerate(config.units):
        if index in MISSING:
            continue
        sample = maker.make(unit, late=index == LATE)
        sample.fields["de_xuat"] = f"Đề xuất riêng của {unit.code}: tăng kinh phí truyền thông."
        samples.append(sample)
    samples[0].fields["de_xuat"] = HOSTILE
    write_samples(config, build_master(config), samples, folder.inbox)
    collect(folder)
    run = baocao("summary", str(folder.root), env={SWITCH: None})
    assert run.returncode == 0, run.stdout + run.stderr
    results = folder.results
    return folder, config, samples, run.stdout, results / report_file_name(config)


def texts(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def body_between(document, start: str, end: str | None) -> list[str]:
    lines = texts(document)
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next((i for i, line in enumerate(lines) if end and line.startswith(end)), len(lines))
    return lines[first + 1 : last]


def listed(lines: list[str], text: str) -> bool:
    """`text` is an item of a list: «;» after it, or «.» when it is the list's last."""
    return f"{text};" in lines or f"{text}." in lines


def test_the_cli_names_the_report_and_the_pdfs(reported):
    folder, config, _, output, report = reported
    assert f"Báo cáo (Word, bản dự thảo để hoàn thiện): {report}" in output
    assert f"Bản PDF để ký số: {report.with_suffix('.pdf')}" in output
    assert f"Bản PDF để ký số: {(folder.results / summary_file_name(config)).with_suffix('.pdf')}" in output
    help_text = baocao("summary", "--help").stdout
    assert "bao_cao_<mã đợt>.docx" in help_text and "PDF" in help_text


def test_the_header_is_the_nd30_two_column_block_with_both_lines(reported):
    _, config, _, _, report = reported
    document = docx.Document(report)
    header = document.tables[0]
    left, right = header.cell(0, 0), header.cell(0, 1)
    assert [p.text for p in left.paragraphs if p.text] == [config.issuer.parent, config.issuer.name]
    assert [p.text for p in right.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert all(run.bold for run in left.paragraphs[1].runs) and not any(run.bold for run in left.paragraphs[0].runs)
    assert all(run.bold for p in right.paragraphs if p.text for run in p.runs)
    for cell in (left, right):  # the short line under the body's name, the solid line under the motto
        lines = [p for p in cell.paragraphs if p._p.find(f"{W}pPr/{W}pBdr/{W}top") is not None]
        assert len(lines) == 1 and lines[0].text == ""
        assert lines[0]._p.find(f"{W}pPr/{W}pBdr/{W}top").get(f"{W}val") == "single"
    borders = header._tbl.tblPr.find(f"{W}tblBorders")
    assert {edge.get(f"{W}val") for edge in borders} == {"nil"}, "the header table has no borders"
    assert header.cell(1, 0).text == config.summary.document_number == "Số: …/BC-SGDĐT"
    place_date = header.cell(1, 1).paragraphs[0]
    assert place_date.text == place_date_text(config) == "Lào Cai, ngày 19 tháng 12 năm 2019"
    assert all(run.italic for run in place_date.runs)


def test_title_body_font_signature_and_recipients(reported):
    _, config, _, _, report = reported
    document = docx.Document(report)
    lines = texts(document)
    assert lines[0] == config.campaign.report_title == "BÁO CÁO"
    assert lines[1] == config.campaign.report_subtitle
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)
    closing = document.tables[1]
    recipients = [p.text for p in closing.cell(0, 0).paragraphs if p.text]
    assert recipients == ["Nơi nhận:", "- UBND tỉnh (b/c);", "- Lãnh đạo Sở;", "- Lưu: VT, TCCB."]
    part = body_between(document, "1. Hoạt động", "2. Tình hình")
    assert part[-2].startswith("- III. Đơn vị trực thuộc Sở: ") and part[-2].endswith("."), "a list ends with «.»"
    assert part[-3].endswith(";")
    signature = [p.text for p in closing.cell(0, 1).paragraphs if p.text]
    assert signature == ["GIÁM ĐỐC", "Nguyễn Anh Ninh"]
    assert lines[-1].endswith("./.")


def test_every_task_is_in_part_two_with_its_count_and_examples(reported):
    _, config, samples, _, report = reported
    part = body_between(docx.Document(report), "II. KẾT QUẢ", "III. SỐ LIỆU")
    for task in config.tasks:
        at = part.index(f"Nhiệm vụ {task.code}: {task.text}")
        done = sum(s.tables["nhiem_vu"][int(task.code) - 1]["tinh_trang"] == "Đã thực hiện" for s in samples)
        assert part[at + 1].startswith(f"Kết quả: {done}/{len(samples)} đơn vị có số liệu báo cáo đã thực hiện")
        examples = []
        for line in part[at + 2 :]:
            if not line.startswith("- "):
                break
            examples.append(line)
        assert 1 <= len(examples) <= 3 if done else examples == []


def test_figures_equal_the_annexes_totals(reported):
    folder, config, _, _, report = reported
    workbook = folder.results / summary_file_name(config)
    _, last = data_rows(workbook, PL1, 1)
    total = [int(value) for value in grid(workbook, PL1)[last][2:7]]
    documents, activities, everyone, men, women = total
    lines = texts(docx.Document(report))
    assert any(line.startswith(f"Các đơn vị đã ban hành {documents:,} văn bản".replace(",", ".")) for line in lines)
    figures = next(line for line in lines if line.startswith("Toàn ngành: ") and "hoạt động" in line)
    numbers = [int(n.replace(".", "")) for n in re.findall(r"\d[\d.]*\d|\d", figures.split("(")[0])]
    assert numbers == [activities, everyone, men, women], figures
    _, last = data_rows(workbook, PL4, 4)
    expected, received, on_time, late, missing = (int(v) for v in grid(workbook, PL4)[last][2:7])
    submission = next(line for line in lines if line.startswith("Hạn gửi báo cáo"))
    assert (
        f"{expected} đơn vị phải báo cáo; đã báo cáo {received} (đúng hạn {on_time}, muộn {late}); "
        f"chưa báo cáo {missing};" in submission
    )
    assert (expected, missing, late) == (len(config.units), len(MISSING), 1)


def test_every_missing_unit_is_named(reported):
    _, config, _, _, report = reported
    names = "; ".join(config.units[index].name for index in MISSING)
    assert f"Các đơn vị chưa báo cáo ({len(MISSING)}): {names}." in texts(docx.Document(report))
    assert f"Các đơn vị báo cáo muộn (1): {config.units[LATE].name}." in texts(docx.Document(report))


def test_part_four_gathers_sections_v_and_vi_by_group_and_hostile_text_stays_text(reported):
    _, config, samples, _, report = reported
    part = body_between(docx.Document(report), "IV. ĐÁNH GIÁ", None)
    assert [line for line in part if re.match(r"^(I|II|III)\. ", line)] == [
        f"{group.code}. {group.name} ({sum(1 for s in samples if s.unit.group_code == group.code)}/{len(group.units)} "
        "đơn vị có số liệu):"
        for group in config.unit_groups
    ]
    for sample in samples[1:]:
        assert listed(part, f"- {sample.unit.short}: {sample.fields['de_xuat']}")
    assert listed(part, f"- {samples[0].unit.short}: {HOSTILE}"), "Jinja and XML in a return are printed as typed"
    checks = sum(s.fields["so_cuoc_kiem_tra"] for s in samples if s.unit.group_code == "I")
    figure = f"{checks:,}".replace(",", ".")
    assert any(line.startswith(f"- Số liệu kết quả: Số cuộc kiểm tra, giám sát đã tổ chức: {figure};") for line in part)


def test_no_checking_word_in_the_report(reported):
    document = docx.Document(reported[4])
    words = texts(document) + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = " ".join(words).casefold()
    for word in ("lỗi", "chấp nhận", "đạt"):
        assert not re.search(rf"(?<!\w){word}(?!\w)", text), word


def test_libreoffice_printed_the_report_and_the_annexes(reported):
    folder, config, _, _, report = reported
    pdf = report.with_suffix(".pdf")
    pages = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout)[1]
    )
    assert 2 <= pages <= 15
    printed = " ".join(subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout.split())
    for text in ("BÁO CÁO", "Độc lập - Tự do - Hạnh phúc", "Nơi nhận:", "Nguyễn Anh Ninh", "Nhiệm vụ 8:"):
        assert text in printed
    annexes = (folder.results / summary_file_name(config)).with_suffix(".pdf")
    assert b"%PDF" in annexes.read_bytes()[:8]


def test_a_staff_edited_template_survives_a_rebuild(reported, monkeypatch):
    folder, _, _, _, report = reported
    template = folder.layouts / REPORT_TEMPLATE
    edited = docx.Document(template)
    edited.styles["Normal"].font.name = "Arial"
    edited.add_paragraph("Ghi chú của Phòng TCCB: bản trình Giám đốc.")
    edited.save(template)
    before = template.read_bytes()
    monkeypatch.setenv(SWITCH, "0")
    result = summary(folder)
    assert template.read_bytes() == before, "the staff's template is never rewritten"
    rebuilt = docx.Document(result.report)
    assert rebuilt.styles["Normal"].font.name == "Arial"
    assert "Ghi chú của Phòng TCCB: bản trình Giám đốc." in texts(rebuilt)
    assert any(line.startswith("Nhiệm vụ 1: ") for line in texts(rebuilt)), "and still filled"
    assert result.pdfs == [] and not report.with_suffix(".pdf").exists(), "no PDF older than its báo cáo"


def test_without_libreoffice_summary_says_how_to_print(reported, tmp_path):
    folder, _, _, _, report = reported
    run = baocao("summary", str(folder.root), env={"PATH": str(tmp_path), SWITCH: None})
    assert run.returncode == 0, run.stderr
    assert "Lưu ý: Máy này chưa có LibreOffice nên chưa xuất được PDF để ký số" in run.stdout
    assert "File (Tệp) › Save As (Lưu thành) › kiểu PDF" in run.stdout
    assert report.exists() and not report.with_suffix(".pdf").exists()


def test_a_broken_template_is_named_with_what_to_do(reported, tmp_path):
    folder, config, *_ = reported
    layouts = tmp_path / "mau"
    layouts.mkdir()
    broken = docx.Document()
    broken.add_paragraph("{{ title ")
    broken.save(layouts / REPORT_TEMPLATE)
    from addin.outputs.merge import merge_campaign

    with pytest.raises(BaocaoError, match=r"Mẫu báo cáo .*bao_cao\.docx có thẻ .* viết sai.*Hãy sửa thẻ đó trong Word"):
        build_report(config, merge_campaign(folder, config), layouts, tmp_path / "out.docx")


def test_the_campaign_gets_the_shipped_template_at_init(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    assert (folder.layouts / REPORT_TEMPLATE).read_bytes() == (SHIPPED_LAYOUTS / REPORT_TEMPLATE).read_bytes()


def test_the_shipped_template_is_what_the_generator_makes():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    try:
        from make_report_template import template_bytes
    finally:
        sys.path.pop(0)
    assert template_bytes() == (SHIPPED_LAYOUTS / REPORT_TEMPLATE).read_bytes(), (
        "run `python scripts/make_report_template.py` and commit workbook_templates/bao_cao.docx"
    )


def test_report_sections_come_from_config(shipped_config, tmp_path):
    assert shipped_config.report_sections == list(DEFAULT_REPORT_SECTIONS)
    library = load_config(SECOND_CONFIG)  # a form without documents, tasks or activities: what it can feed
    assert [section.kind for section in library.report_sections] == ["heading", "submission"]
    text = SHIPPED_CONFIG.read_text(encoding="utf-8") + (
        "\nreport:\n  sections:\n    - {kind: submission, heading: I. TÌNH HÌNH BÁO CÁO}\n"
        "    - {kind: tasks, heading: II. NHIỆM VỤ, table: nhiem_vu, key: ma, value: tinh_trang, "
        "count_choice: xong, detail: ket_qua}\n"
    )
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"report\.sections\[1\]\.count_choice.*không có lựa chọn «xong»"):
        load_config(tmp_path / "config.yaml")
    (tmp_path / "config.yaml").write_text(text.replace("count_choice: xong", "count_choice: da_thuc_hien"))
    assert [section.heading for section in load_config(tmp_path / "config.yaml").report_sections] == [
        "I. TÌNH HÌNH BÁO CÁO",
        "II. NHIỆM VỤ",
    ]


def test_config_yaml_documents_the_default_sections():
    block = SHIPPED_CONFIG.read_text(encoding="utf-8").split("# report:\n", 1)[1]
    lines = [line[2:] for line in block.splitlines() if line.startswith("#   ")]
    sections = yaml.safe_load("\n".join(["report:", *lines]))["report"]["sections"]
    assert [ReportSection(**section) for section in sections] == list(DEFAULT_REPORT_SECTIONS)


def test_official_dates_have_the_leading_zeros_nd30_asks_for():
    assert written_date(date(2020, 2, 5)) == "ngày 05 tháng 02 năm 2020"
    assert written_date(date(2019, 3, 9)) == "ngày 09 tháng 3 năm 2019"
    assert written_date(date(2019, 12, 19)) == "ngày 19 tháng 12 năm 2019"


def test_libreoffice_past_its_time_is_stopped_and_said(reported, tmp_path, monkeypatch):
    monkeypatch.delenv(SWITCH, raising=False)
    source = tmp_path / "bao_cao.docx"
    source.write_bytes(reported[4].read_bytes())
    result = write_pdfs([source], timeout=1)
    assert result.files == [] and not source.with_suffix(".pdf").exists()
    assert result.note.startswith("LibreOffice không xuất được PDF cho bao_cao.docx (LibreOffice chạy quá 1 giây")
    assert "Tự xuất PDF như sau: mở tệp .docx bằng Word" in result.note
