"""Staff restyle the campaign's summary layout, then change the config: `baocao summary` draws the layout again,
carries their styling over where the structure allows, and says what it rebuilt, why, where the old one is and
what it could not carry (CLI and the Excel button alike)."""

import json
from pathlib import Path

import openpyxl
from openpyxl.styles import Font, PatternFill

from addin.frontends import buttons
from addin.frontends.cli import run
from addin.outputs.control_workbook import build_control_workbook
from addin.outputs.summary.names import head_name
from addin.outputs.summary.workbook import summary_file_name
from addin.stages import init_campaign
from tests.recording_ui import RecordingUI

PL1, PL2 = "PL1 Theo đơn vị", "PL2 Danh sách hoạt động"
TITLE = "KẾT QUẢ CHỈ ĐẠO VÀ TỔ CHỨC HOẠT ĐỘNG THEO ĐƠN VỊ"
RED, YELLOW, GREEN = "FFC00000", "FFFFFF00", "FF00B050"


def header(workbook, number: int, sheet_name: str) -> dict[str, openpyxl.cell.Cell]:
    """Label -> its header cell (the lowest label row holding it), read by the layout's own defined name."""
    ((title, cells),) = workbook.defined_names[head_name(number)].destinations
    assert title == sheet_name
    rows = list(workbook[title][cells.replace("$", "")])[:-1]  # the "(1) (2) …" row is not a label
    found = {}
    for row in rows:
        for cell in row:
            if isinstance(cell.value, str):
                found[cell.value] = cell
    return found


def column_width(sheet, cell) -> float:
    return sheet.column_dimensions[cell.column_letter].width


def edit_config(folder, old: str, new: str) -> None:
    text = folder.config_path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    folder.config_path.write_text(text.replace(old, new), encoding="utf-8")


def summary(folder, capsys, *options: str) -> str:
    capsys.readouterr()
    assert run(["summary", str(folder.root), *options]) == 0
    return capsys.readouterr().out


def restyle_pl1(layout: Path) -> None:
    """What staff do in Excel: a header's font and fill, a column's width, a header text, the title, the tab."""
    workbook = openpyxl.load_workbook(layout)
    sheet = workbook[PL1]
    cells = header(workbook, 1, PL1)
    cells["Số hoạt động"].font = Font(name="Arial", size=13, bold=True, color=RED)
    cells["Số hoạt động"].fill = PatternFill("solid", fgColor=YELLOW)
    sheet.column_dimensions[cells["Ghi chú"].column_letter].width = 30
    cells["Số văn bản chỉ đạo"].value = "Số văn bản chỉ đạo đã ban hành"
    sheet.row_dimensions[cells["TT"].row].height = 45
    title = next(cell for row in sheet.iter_rows(max_row=10) for cell in row if cell.value == TITLE)
    title.value, title.font = "KẾT QUẢ CHỈ ĐẠO (ĐÃ SỬA)", Font(name="Arial", size=16, bold=True)
    sheet.sheet_properties.tabColor = GREEN
    workbook.save(layout)


def assert_pl1_styling_survived(path: Path) -> None:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[PL1]
    cells = header(workbook, 1, PL1)
    assert "Nam" not in cells and "Nữ" in cells, "the config's change is drawn"
    assert "Số văn bản chỉ đạo đã ban hành" in cells and "Số văn bản chỉ đạo" not in cells
    activities = cells["Số hoạt động"]
    assert (activities.font.name, activities.font.sz, activities.font.b) == ("Arial", 13, True)
    assert (activities.font.color.rgb, activities.fill.fgColor.rgb) == (RED, YELLOW)
    assert column_width(sheet, cells["Ghi chú"]) == 30
    assert cells["Ghi chú"].column_letter == "G", "the width follows its column, which moved left"
    assert sheet.row_dimensions[cells["TT"].row].height == 45
    title = [cell for row in sheet.iter_rows(max_row=10) for cell in row if cell.value == "KẾT QUẢ CHỈ ĐẠO (ĐÃ SỬA)"]
    assert len(title) == 1 and title[0].font.name == "Arial" and title[0].font.sz == 16
    assert sheet.sheet_properties.tabColor.rgb == GREEN
    untouched = cells["Số người tham gia"]
    assert untouched.font.name == "Times New Roman" and untouched.fill.fgColor.rgb != YELLOW


def test_a_restyled_layout_rebuilt_for_a_removed_column_keeps_its_styling_and_says_so(tmp_path, capsys):
    folder = init_campaign(tmp_path / "dot")
    layout = folder.layouts / "bang_tong_hop.xlsx"
    first = summary(folder, capsys)
    assert "tạo lại" not in first
    restyle_pl1(layout)
    edit_config(folder, "        - {label: Nam, group: Số người tham gia, sum: hoat_dong.nam}\n", "")

    out = summary(folder, capsys)

    [backup] = folder.layouts.glob("bang_tong_hop.cu_*.xlsx")
    assert (
        f"Lưu ý: Mẫu bảng tổng hợp {layout} đã được tạo lại. Lý do: đổi phụ lục «{PL1}» (summary.annexes); "
        f"«{PL1}»: bỏ cột «Số người tham gia / Nam».\n"
    ) in out
    assert f"Lưu ý: Mẫu cũ (với định dạng cán bộ đã sửa) được giữ nguyên ở {backup}.\n" in out
    assert (
        f"Lưu ý: Đã mang định dạng của mẫu cũ sang mẫu mới: «{PL1}»: định dạng 2 ô, độ rộng 1 cột, chiều cao 1 "
        "dòng, thiết lập trang (lề, màu thẻ trang, thu phóng), chữ đã sửa «Số văn bản chỉ đạo đã ban hành», "
        f"«KẾT QUẢ CHỈ ĐẠO (ĐÃ SỬA)»; «{PL2}», «PL3 Nhiệm vụ», «PL4 Tình hình nộp», «PL5 Văn bản chỉ đạo», "
        "«Biểu đồ»: không có gì cán bộ đã sửa, dùng mẫu mới.\n"
    ) in out
    assert "Không mang sang được" not in out
    assert_pl1_styling_survived(layout)
    assert_pl1_styling_survived(folder.results / summary_file_name(folder.load_config()))
    old = openpyxl.load_workbook(backup)
    assert "Nam" in header(old, 1, PL1), "the old layout is kept as staff left it"
    assert header(old, 1, PL1)["Số hoạt động"].fill.fgColor.rgb == YELLOW

    again = json.loads(summary(folder, capsys, "--json"))
    assert again["layout_rebuilt"] is None, "a layout matching the config is used as it is, and nothing is said"
    assert len(list(folder.layouts.glob("bang_tong_hop.cu_*.xlsx"))) == 1


def test_a_changed_form_section_says_which_and_what_staff_text_the_config_overrides(tmp_path, capsys):
    folder = init_campaign(tmp_path / "dot")
    layout = folder.layouts / "bang_tong_hop.xlsx"
    edit_config(folder, "place_date: Lào Cai, ngày … tháng", "place_date: Lào Cai, ngày 20 tháng")
    out = summary(folder, capsys)  # drawn by this run: it records what it drew
    assert "Lý do: mục summary.place_date đã đổi.\n" in out
    workbook = openpyxl.load_workbook(layout)
    cells = header(workbook, 2, PL2)
    cells["Hình thức"].fill = PatternFill("solid", fgColor=YELLOW)
    workbook[PL2].column_dimensions[cells["Nội dung hoạt động"].column_letter].width = 55
    cells["Địa bàn/địa điểm"].value = "Nơi tổ chức"
    workbook[PL2].column_dimensions[cells["Địa bàn/địa điểm"].column_letter].width = 33
    ((_, data_cells),) = workbook.defined_names["th_pl2_data"].destinations
    note = workbook[PL2].cell(int(data_cells.split("$")[-1]) + 2, 2, "Số liệu tạm tính đến ngày 20/12.")
    note.font = Font(name="Times New Roman", size=11, italic=True)  # a note staff add under the table
    workbook.save(layout)
    edit_config(folder, "        - {name: co_quan_phoi_hop, label: Cơ quan phối hợp, width: 24}\n", "")
    edit_config(folder, "label: Địa bàn/địa điểm,", "label: Địa điểm tổ chức,")

    result = json.loads(summary(folder, capsys, "--json"))["layout_rebuilt"]

    assert result["reasons"] == [
        "đổi phần «III. CÁC HOẠT ĐỘNG ĐÃ TỔ CHỨC» (hoat_dong) của biểu mẫu (form.sections)",
        f"«{PL2}»: cột «Địa bàn/địa điểm» nay là «Địa điểm tổ chức»",
        f"«{PL2}»: bỏ cột «Cơ quan phối hợp»",
    ]
    assert Path(result["old_layout"]).parent == folder.layouts and Path(result["old_layout"]).exists()
    assert result["not_carried"] == [f"«{PL2}»: tiêu đề cột «Nơi tổ chức» đã sửa (cấu hình nay ghi «Địa điểm tổ chức»)"]
    new = openpyxl.load_workbook(layout)
    cells = header(new, 2, PL2)
    assert "Nơi tổ chức" not in cells and "Địa điểm tổ chức" in cells and "Cơ quan phối hợp" not in cells
    assert cells["Hình thức"].fill.fgColor.rgb == YELLOW
    assert column_width(new[PL2], cells["Nội dung hoạt động"]) == 55
    assert column_width(new[PL2], cells["Địa điểm tổ chức"]) == 33, "the renamed column keeps its place's width"
    ((_, data_cells),) = new.defined_names["th_pl2_data"].destinations
    note = new[PL2].cell(int(data_cells.split("$")[-1]) + 2, 2)
    assert (note.value, note.font.sz, note.font.i) == ("Số liệu tạm tính đến ngày 20/12.", 11, True)


def test_the_summary_button_says_the_layout_was_rebuilt_why_and_where_the_old_one_is(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    ui = RecordingUI(build_control_workbook(folder).path)
    buttons.make_summary(ui)
    restyle_pl1(folder.layouts / "bang_tong_hop.xlsx")
    edit_config(folder, "        - {label: Nam, group: Số người tham gia, sum: hoat_dong.nam}\n", "")

    buttons.make_summary(ui)

    [backup] = folder.layouts.glob("bang_tong_hop.cu_*.xlsx")
    message = ui.alerts[-1][0]
    assert (
        f"Mẫu bảng tổng hợp {folder.layouts / 'bang_tong_hop.xlsx'} đã được tạo lại. Lý do: đổi phụ lục «{PL1}» "
        f"(summary.annexes); «{PL1}»: bỏ cột «Số người tham gia / Nam».\n"
        f"Mẫu cũ (với định dạng cán bộ đã sửa) được giữ nguyên ở {backup}.\n"
        "Đã mang định dạng của mẫu cũ sang mẫu mới: "
    ) in message
    assert_pl1_styling_survived(folder.layouts / "bang_tong_hop.xlsx")


def test_a_newer_drawing_stays_wherever_staff_did_not_touch_the_old_layout(tmp_path, capsys, monkeypatch):
    """baocao draws the layout differently (here: every font one point larger): only staff's own changes win."""
    from addin.outputs.summary import layout as drawing

    folder = init_campaign(tmp_path / "dot")
    summary(folder, capsys)
    restyle_pl1(folder.layouts / "bang_tong_hop.xlsx")
    drawn_font = drawing.font

    def larger(size: float = 12, **options):
        return drawn_font(size=size + 1, **options)

    monkeypatch.setattr(drawing, "font", larger)
    monkeypatch.setattr(drawing, "LAYOUT_VERSION", "thu")

    out = summary(folder, capsys)

    assert "Lý do: phiên bản baocao mới vẽ mẫu khác trước.\n" in out
    workbook = openpyxl.load_workbook(folder.layouts / "bang_tong_hop.xlsx")
    cells = header(workbook, 1, PL1)
    assert cells["Số hoạt động"].font.name == "Arial" and cells["Số hoạt động"].font.sz == 13, "staff's font"
    assert cells["Ghi chú"].font.name == "Times New Roman" and cells["Ghi chú"].font.sz == 13, "the newer drawing"
    assert cells["Số văn bản chỉ đạo đã ban hành"].font.sz == 13, "a text edit carries the text, not the old font"
    caption = next(c for row in workbook[PL1].iter_rows(max_row=10) for c in row if str(c.value).startswith("(Kèm"))
    assert caption.font.sz == 13


def test_a_layout_whose_table_name_staff_deleted_is_rebuilt_and_the_reason_named(tmp_path, capsys):
    folder = init_campaign(tmp_path / "dot")
    layout = folder.layouts / "bang_tong_hop.xlsx"
    workbook = openpyxl.load_workbook(layout)
    del workbook.defined_names[head_name(2)]
    workbook.save(layout)

    result = json.loads(summary(folder, capsys, "--json"))["layout_rebuilt"]

    assert result["reasons"] == ["mẫu cũ thiếu tên vùng th_pl2_head"]
    assert result["layout"] == str(layout) and Path(result["old_layout"]).exists()
    assert header(openpyxl.load_workbook(layout), 2, PL2)["Hình thức"].value == "Hình thức"


def test_an_unreadable_layout_is_rebuilt_kept_and_said(tmp_path, capsys):
    folder = init_campaign(tmp_path / "dot")
    layout = folder.layouts / "bang_tong_hop.xlsx"
    layout.write_bytes(b"not a workbook")

    out = summary(folder, capsys)

    backup = folder.layouts / "bang_tong_hop.cu_khong_doc_duoc.xlsx"
    assert backup.read_bytes() == b"not a workbook"
    assert f"Lưu ý: Mẫu bảng tổng hợp {layout} đã được tạo lại. Lý do: tệp mẫu cũ không mở được.\n" in out
    assert f"Lưu ý: Mẫu cũ (với định dạng cán bộ đã sửa) được giữ nguyên ở {backup}.\n" in out
    assert "Lưu ý: Không mang sang được: toàn bộ định dạng (tệp cũ không mở được)." in out


def test_a_long_record_of_the_drawing_is_split_across_meta_rows_and_read_back(tmp_path, capsys, monkeypatch):
    from addin.outputs.summary import layout_carry

    monkeypatch.setattr(layout_carry, "CHUNK", 700)  # as a wide form's record would exceed a cell's 32,767
    folder = init_campaign(tmp_path / "dot")
    layout = folder.layouts / "bang_tong_hop.xlsx"
    edit_config(folder, "place_date: Lào Cai, ngày … tháng", "place_date: Lào Cai, ngày 20 tháng")
    summary(folder, capsys)
    meta = {row[0]: row[1] for row in openpyxl.load_workbook(layout)["_meta"].iter_rows(values_only=True)}
    assert {"shape:1:1", "shape:1:2", "shape:1:3"} <= set(meta)
    assert max(len(str(value)) for value in meta.values()) <= 700
    restyle_pl1(layout)
    edit_config(folder, "        - {label: Nam, group: Số người tham gia, sum: hoat_dong.nam}\n", "")

    result = json.loads(summary(folder, capsys, "--json"))["layout_rebuilt"]

    assert result["reasons"] == [f"đổi phụ lục «{PL1}» (summary.annexes)", f"«{PL1}»: bỏ cột «Số người tham gia / Nam»"]
    assert result["carried"][-1] == (
        f"«{PL2}», «PL3 Nhiệm vụ», «PL4 Tình hình nộp», «PL5 Văn bản chỉ đạo», «Biểu đồ»: "
        "không có gì cán bộ đã sửa, dùng mẫu mới"
    )
    assert_pl1_styling_survived(layout)


def test_a_layout_without_a_record_of_its_drawing_still_carries_and_finds_a_renamed_sheet(tmp_path, capsys):
    """A layout an older baocao drew (no record in `_meta`, not the shipped one): every look it has is carried."""
    from addin.outputs.summary.layout import build_layout

    folder = init_campaign(tmp_path / "dot")
    layout = folder.layouts / "bang_tong_hop.xlsx"
    edit_config(folder, "place_date: Lào Cai, ngày … tháng", "place_date: Lào Cai, ngày 20 tháng")
    layout.write_bytes(build_layout(folder.load_config()))
    workbook = openpyxl.load_workbook(layout)
    header(workbook, 1, PL1)["Số hoạt động"].fill = PatternFill("solid", fgColor=YELLOW)
    workbook[PL1].title = "Phụ lục I"
    for name in workbook.defined_names.values():  # as Excel does on a rename (openpyxl does not)
        name.attr_text = name.attr_text.replace(f"'{PL1}'!", "'Phụ lục I'!")
    workbook.save(layout)
    edit_config(folder, "        - {label: Nam, group: Số người tham gia, sum: hoat_dong.nam}\n", "")

    result = json.loads(summary(folder, capsys, "--json"))["layout_rebuilt"]

    assert result["reasons"] == [f"«{PL1}»: bỏ cột «Số người tham gia / Nam»"]
    assert result["not_carried"] == [f"«{PL1}»: tên trang đã đổi thành «Phụ lục I» (mẫu mới dùng tên trong cấu hình)"]
    cells = header(openpyxl.load_workbook(layout), 1, PL1)
    assert cells["Số hoạt động"].fill.fgColor.rgb == YELLOW and "Nam" not in cells
