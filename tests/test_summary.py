"""The official summary workbook: right totals in every viewer, official look, staff styling kept."""

import gc
import random
import re
import subprocess
import weakref
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas
import pytest
from openpyxl.styles import Font

from addin.config import CampaignConfig
from addin.outputs.summary.facts import Facts, MergedCampaign
from addin.outputs.summary.form import NOT_REPORTED, NOT_SUMMED, REPORTED, REPORTED_LATE
from addin.outputs.summary.layout_cache import SUMMARY_LAYOUT
from addin.outputs.summary.workbook import build_summary, summary_file_name
from tests.libreoffice import libreoffice_convert
from tests.summary_grid import CHARTS, PL1, PL2, PL3, PL4, data_rows, grid

GENERATED_AT = datetime(2019, 12, 19, 9, 30)
HOSTILE = ['=HYPERLINK("http://x","click")', "=1+1", "@SUM(1)", "+84 912", "-2+3"]


# ---------------------------------------------------------------- a merged campaign made by hand


def make_merged(
    config: CampaignConfig, seed: int = 2019, missing: int = 6, hostile: bool = False, most_activities: int = 6
) -> MergedCampaign:
    """Seeded random returns: `missing` units not received, one rejected, one with errors, one accepted with errors."""
    rng = random.Random(seed)
    units = config.units
    shuffled = list(range(len(units)))
    rng.shuffle(shuffled)
    states = ["valid"] * len(units)
    special = ["missing"] * missing + ["unusable", "has_errors", "accepted_by_staff"]
    for index, state in zip(shuffled, special, strict=False):
        states[index] = state
    deadline = datetime.combine(config.campaign.deadline, datetime.min.time()) + timedelta(hours=17)
    period = config.campaign.period
    unit_rows, sections = [], {section.name: [] for section in config.form.sections}
    kinds = config.form.choice_labels("hinh_thuc_hoat_dong")
    progress = config.form.choice_labels("tinh_trang")
    empty_activities_given = False
    hostile_given = not hostile
    for unit, state in zip(units, states, strict=True):
        received = state != "missing"
        late = rng.random() < 0.25 if received else None
        included = state in ("valid", "accepted_by_staff")
        unit_rows.append(
            {
                "order": unit.order,
                "unit_code": unit.code,
                "unit_name": unit.name,
                "unit_short": unit.short,
                "group_code": unit.group_code,
                "group_name": unit.group_name,
                "state": state,
                "included": included,
                "received_at": deadline + timedelta(hours=rng.randint(1, 60) * (1 if late else -1))
                if received
                else pandas.NaT,
                "late": late,
                "file": f"{unit.code}.xlsx" if received else None,
            }
        )
        if not included:
            continue
        base = {"unit_code": unit.code, "group_code": unit.group_code, "order": unit.order}
        day = lambda: period.start + timedelta(days=rng.randint(0, (period.end - period.start).days))  # noqa: E731
        sections["don_vi"].append(
            base
            | {
                "ten_don_vi": unit.name,
                "nguoi_bao_cao": "Nguyễn Thị Hoa",
                "chuc_vu": "Chuyên viên",
                "dien_thoai": "0912345678",
                "email": unit.email,
                "ngay_bao_cao": day(),
            }
        )
        for row in range(1, rng.randint(0, 3) + 1):
            sections["van_ban"].append(
                base
                | {
                    "row": row,
                    "so_ky_hieu": f"{row}/KH-{unit.code}",
                    "ngay_ban_hanh": day(),
                    "trich_yeu": f"Kế hoạch triển khai Tháng hành động số {row}",
                }
            )
        count = 0 if not empty_activities_given else rng.randint(0, most_activities)
        empty_activities_given = True
        for row in range(1, count + 1):
            men, women = rng.randint(0, 120), rng.randint(0, 200)
            values = {
                "noi_dung": f"HD-{unit.code}-{row} Tuyên truyền về bình đẳng giới và phòng, chống bạo lực gia đình",
                "hinh_thuc": rng.choice(kinds),
                "ngay": day(),
                "dia_diem": "Hội trường đơn vị",
                "co_quan_phoi_hop": rng.choice([None, "Hội Liên hiệp Phụ nữ", "Đoàn Thanh niên"]),
                "tong": men + women,
                "nam": men,
                "nu": women,
            }
            if row == 2:
                values["nu"], values["tong"] = float("nan"), float("nan")  # left blank by the unit
            if not hostile_given:
                values["noi_dung"], values["dia_diem"], values["co_quan_phoi_hop"] = HOSTILE[:3]
                hostile_given = True
            elif hostile and row == 1 and unit.order % 7 == 0:
                values["dia_diem"] = HOSTILE[3]
                values["co_quan_phoi_hop"] = HOSTILE[4]
            sections["hoat_dong"].append(base | {"row": row} | values)
        for row, task in enumerate(config.tasks, start=1):
            sections["nhiem_vu"].append(
                base
                | {
                    "row": row,
                    "ma": task.code,
                    "noi_dung": task.text,
                    "tinh_trang": rng.choice([*progress, progress[0], None]),
                    "ket_qua": "Đã triển khai đến toàn thể cán bộ",
                }
            )
        sections["chi_so"].append(
            base
            | {
                "so_cuoc_kiem_tra": rng.randint(0, 5),
                "so_tap_the_bieu_duong": rng.randint(0, 3),
                "so_ca_nhan_bieu_duong": rng.randint(0, 10),
                "so_phu_nu_duoc_ho_tro": rng.randint(0, 30),
                "so_tre_em_duoc_ho_tro": rng.randint(0, 30),
                "kinh_phi_ho_tro": round(rng.uniform(0, 5000), 1),
            }
        )
        sections["de_xuat"].append(base | {"de_xuat": "Đề nghị Sở tiếp tục tổ chức tập huấn."})
    frames = {}
    for section in config.form.sections:
        columns = ["unit_code", "group_code", "order"] + (["row"] if section.kind == "table" else [])
        frames[section.name] = pandas.DataFrame(
            sections[section.name], columns=columns + [each.name for each in section.fields]
        )
    return MergedCampaign(units=pandas.DataFrame(unit_rows), sections=frames)


# ---------------------------------------------------------------- reading the summary back


def by_unit_rows(path: Path, first: int, last: int) -> list[list]:
    rows = grid(path, PL1)[first : last + 1]
    return [[value for value in row[:8]] for row in rows]


def expected_figures(merged: MergedCampaign) -> dict[str, list[float]]:
    """Per included unit: documents, activities, participants (total, men, women), straight from the frames."""
    documents = merged.sections["van_ban"].groupby("unit_code").size()
    activities = merged.sections["hoat_dong"]
    counts = activities.groupby("unit_code").size()
    sums = activities.groupby("unit_code")[["tong", "nam", "nu"]].sum()
    figures = {}
    for code in merged.units.loc[merged.units["included"], "unit_code"]:
        figures[code] = [float(documents.get(code, 0)), float(counts.get(code, 0))] + [
            float(sums.loc[code, column]) if code in sums.index else 0.0 for column in ("tong", "nam", "nu")
        ]
    return figures


@pytest.fixture(scope="module")
def built(shipped_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("summary")
    merged = make_merged(shipped_config, hostile=True)
    out = build_summary(shipped_config, merged, folder / "layouts", folder / "out" / "tong_hop.xlsx", GENERATED_AT)
    return merged, out, folder


# ---------------------------------------------------------------- tests


def test_file_name_carries_the_campaign_id(shipped_config):
    assert summary_file_name(shipped_config) == "bang_tong_hop_bdg-2019.xlsx"


def test_facts_keep_their_answers_and_are_freed_with_them(shipped_config):
    facts = Facts(shipped_config, make_merged(shipped_config))
    texts = facts.values_by_unit("de_xuat.de_xuat")
    frame = facts.frame("de_xuat")
    assert texts == {code: list(rows["de_xuat"]) for code, rows in frame.groupby("unit_code")}
    assert facts.values_by_unit("de_xuat.de_xuat") is texts
    assert facts.row_counts("hoat_dong") is facts.row_counts("hoat_dong")
    freed = weakref.ref(facts)
    del facts
    gc.collect()
    assert freed() is None, "a Facts (and its frames) must not outlive its summary"


def test_by_unit_totals_subtotals_and_order(built, shipped_config):
    merged, out, _ = built
    first, last = data_rows(out, PL1, 1)
    rows = by_unit_rows(out, first, last)
    figures = expected_figures(merged)
    states = dict(zip(merged.units["unit_code"], merged.units["state"], strict=True))
    lates = dict(zip(merged.units["unit_code"], merged.units["late"], strict=True))

    groups, units, totals = [], [], []
    for row in rows:
        if row[1] == "Tổng cộng":
            totals.append(row)
        elif isinstance(row[0], str) and row[0]:
            groups.append(row)
        else:
            units.append(row)
    assert [row[0] for row in groups] == ["I", "II", "III"]
    assert [row[1] for row in groups] == [group.name for group in shipped_config.unit_groups]
    assert [row[1] for row in units] == [unit.short for unit in shipped_config.units]
    assert [row[0] for row in units] == list(range(1, len(shipped_config.units) + 1))
    assert len(totals) == 1 and rows[-1] is totals[0]

    for row, unit in zip(units, shipped_config.units, strict=True):
        if unit.code in figures:
            assert row[2:7] == figures[unit.code], unit.code
        else:
            assert row[2:7] == [""] * 5
            assert row[7] in ("Chưa báo cáo", f"{REPORTED}, {NOT_SUMMED}", f"{REPORTED_LATE}, {NOT_SUMMED}")
        if states[unit.code] in ("accepted_by_staff", "valid"):  # the report's words, never our checking states
            assert row[7] == (REPORTED_LATE if lates[unit.code] else "")
        if states[unit.code] == "missing":
            assert row[7] == NOT_REPORTED
    for group, row in zip(shipped_config.unit_groups, groups, strict=True):
        members = [unit.code for unit in group.units if unit.code in figures]
        assert row[2:7] == [sum(figures[code][i] for code in members) for i in range(5)]
    assert totals[0][2:7] == [sum(values[i] for values in figures.values()) for i in range(5)]
    activities = merged.sections["hoat_dong"]
    assert totals[0][2:7] == [
        len(merged.sections["van_ban"]),
        len(activities),
        activities["tong"].sum(),
        activities["nam"].sum(),
        activities["nu"].sum(),
    ]


def test_annex_headings_and_print_setup(built, shipped_config):
    _, out, _ = built
    workbook = openpyxl.load_workbook(out)
    annexes = shipped_config.summary.annexes
    assert workbook.sheetnames[: len(annexes)] == [annex.sheet for annex in annexes]
    assert workbook["_meta"].sheet_state == "veryHidden"
    caption = "(Kèm theo Báo cáo số …/BC-SGDĐT ngày 19 tháng 12 năm 2019 của Sở Giáo dục và Đào tạo)"
    for number, annex in enumerate(shipped_config.summary.annexes, start=1):
        sheet = workbook[annex.sheet]
        texts = [cell.value for row in sheet.iter_rows(max_row=5) for cell in row if cell.value]
        assert texts[:3] == [f"Phụ lục {['I', 'II', 'III', 'IV', 'V', 'VI'][number - 1]}", annex.title, caption]
        assert sheet["A1"].font.b and sheet["A1"].font.name == "Times New Roman" and sheet["A3"].font.i
        assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == "landscape"
        if annex.kind == "matrix":  # 44 units: a few per page, TT and item repeated on each page, at ≥ 10 pt
            assert sheet.print_title_cols == "$A:$B" and len(sheet.col_breaks.brk) >= 4
            assert 84 <= sheet.page_setup.scale <= 100
            assert isinstance(sheet.print_area, str) and sheet.print_area.count("!") == 1, "one print area"
        else:  # a fixed scale, so that the page breaks set where they belong hold
            assert not sheet.sheet_properties.pageSetUpPr.fitToPage and 40 <= sheet.page_setup.scale <= 100
        texts = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
        assert not any("Số:" in text or "CỘNG HÒA" in text for text in texts), "only the báo cáo has them"
        assert shipped_config.summary.signer_name not in texts and "Nơi nhận:" not in texts
        if annex.kind in ("by_unit", "listing", "matrix"):
            assert sheet.print_title_rows, annex.sheet
            assert sheet.freeze_panes
    pl1 = workbook[PL1]
    head = [pl1.cell(row=row, column=column).value for row in range(4, 9) for column in range(1, 9)]
    assert "Số người tham gia" in head and "(1)" in head and "(8)" in head
    assert {"Tổng số", "Nam", "Nữ", "Ghi chú"} <= set(head)


def test_libreoffice_recalculates_the_same_numbers_and_prints_landscape_a4(built, tmp_path):
    _, out, _ = built
    with ThreadPoolExecutor(2) as pool:
        resaved = pool.submit(libreoffice_convert, out, "xlsx", tmp_path / "xlsx")
        pdf = pool.submit(libreoffice_convert, out, "pdf", tmp_path / "pdf")
        resaved, pdf = resaved.result(), pdf.result()
    first, last = data_rows(out, PL1, 1)
    assert by_unit_rows(resaved, first, last) == by_unit_rows(out, first, last)
    for sheet in (PL3, PL4):
        assert grid(resaved, sheet) == grid(out, sheet)

    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "1000", str(pdf)], capture_output=True, text=True, check=True)
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info.stdout)
    assert len(sizes) >= 6
    assert all(abs(float(w) - 842) < 1 and abs(float(h) - 595) < 1 for w, h in sizes), [
        size for size in sizes if abs(float(size[0]) - 842) >= 1 or abs(float(size[1]) - 595) >= 1
    ]

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    listing_pages = [page for page in text.split("\f") if "HD-" in page]
    assert len(listing_pages) >= 2, "the listing should need several pages"
    assert all("Ngày tổ chức" in page for page in listing_pages), "header rows must repeat on every page"


def test_listing_every_activity_as_typed(built, shipped_config):
    merged, out, _ = built
    first, last = data_rows(out, PL2, 2)
    rows = grid(out, PL2)[first : last + 1]
    activities = merged.sections["hoat_dong"]
    listed = [row for row in rows if isinstance(row[0], float)]
    assert [row[0] for row in listed] == list(range(1, len(activities) + 1))
    order = {unit.code: unit.order for unit in shipped_config.units}
    expected = activities.assign(o=activities["unit_code"].map(order)).sort_values(["o", "row"])
    for row, (_, activity) in zip(listed, expected.iterrows(), strict=True):
        assert row[1] == activity["noi_dung"]
        assert row[2] == activity["hinh_thuc"]
        assert row[3] == activity["ngay"]
        assert row[6] == ("" if pandas.isna(activity["tong"]) else activity["tong"])
    shorts = [row[1] for row in rows if row[0] == "" and row[1] != "Tổng cộng"]
    with_rows = [unit.short for unit in shipped_config.units if unit.code in set(activities["unit_code"])]
    assert shorts == with_rows
    assert rows[-1][1] == "Tổng cộng" and rows[-1][6:9] == [activities[c].sum() for c in ("tong", "nam", "nu")]
    sheet = openpyxl.load_workbook(out)[PL2]
    assert sheet.cell(row=first + 2, column=4).number_format == "dd/mm/yyyy"


def test_hostile_text_from_a_return_stays_text(built):
    _, out, _ = built
    values = {value for row in grid(out, PL2) for value in row}
    assert set(HOSTILE) <= values
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def test_matrix_counts_units_with_the_choice(built, shipped_config):
    merged, out, _ = built
    first, last = data_rows(out, PL3, 3)
    rows = grid(out, PL3)
    header, top = rows[first - 2], rows[first - 3]
    included = [unit for unit in shipped_config.units if unit.code in set(merged.sections["nhiem_vu"]["unit_code"])]
    assert header[2 : 2 + len(included)] == [unit.short for unit in included]
    assert top[2 + len(included)] == "Số đơn vị đã thực hiện"
    assert top[2] == shipped_config.unit_groups[0].name
    tasks = merged.sections["nhiem_vu"]
    for task, row in zip(shipped_config.tasks, rows[first : last + 1], strict=True):
        assert row[0] == task.code and row[1] == task.text
        of_task = tasks[tasks["ma"] == task.code].set_index("unit_code")["tinh_trang"]
        assert row[2 : 2 + len(included)] == [
            "" if pandas.isna(of_task[unit.code]) else of_task[unit.code] for unit in included
        ]
        assert row[2 + len(included)] == (of_task == "Đã thực hiện").sum()


def test_submission_completeness_and_timeliness(built, shipped_config):
    merged, out, _ = built
    first, last = data_rows(out, PL4, 4)
    rows = grid(out, PL4)
    units = merged.units
    for group, row in zip([*shipped_config.unit_groups, None], rows[first : last + 1], strict=True):
        chosen = units if group is None else units[units["group_code"] == group.code]
        received = chosen[chosen["state"] != "missing"]
        late = int(received["late"].astype(bool).sum())
        expected = [
            len(chosen),
            len(received),
            len(received) - late,
            late,
            len(chosen) - len(received),
            int(chosen["included"].sum()),
        ]
        assert row[0] == ("" if group is None else group.code)
        assert row[1] == ("Tổng cộng" if group is None else group.name)
        assert row[2:8] == expected
        assert row[8] == pytest.approx(len(received) / len(chosen), abs=1e-6)
        assert row[9] == pytest.approx((len(received) - late) / len(chosen), abs=1e-6)
    text = [value for row in rows[last + 1 :] for value in row if value != ""]
    assert "DANH SÁCH ĐƠN VỊ CHƯA NỘP BÁO CÁO" in text
    missing = units.loc[units["state"] == "missing", "unit_name"].tolist()
    listed = [value for value in text if value in set(units["unit_name"])]
    assert listed == missing and len(missing) == 6
    assert any("tính đến ngày 19 tháng 12 năm 2019; hạn nộp" in str(value) for value in text), text


def test_charts_are_native_and_editable(built):
    _, out, _ = built
    with zipfile.ZipFile(out) as archive:
        charts = [name for name in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name)]
        assert len(charts) >= 2
        xml = " ".join(archive.read(name).decode("utf-8") for name in charts)
    assert "<barChart>" in xml and "<pieChart>" in xml
    assert "Biểu đồ" in xml  # the series reference the data table on the charts sheet
    rows = grid(out, CHARTS)
    labels = [row[0] for row in rows]
    assert {"Nộp đúng hạn", "Nộp muộn", "Chưa nộp"} <= set(labels)


def test_restyled_layout_keeps_its_styling_with_new_data(shipped_config, tmp_path):
    layouts = tmp_path / "layouts"
    first = build_summary(
        shipped_config, make_merged(shipped_config, seed=1), layouts, tmp_path / "a.xlsx", GENERATED_AT
    )
    layout = layouts / SUMMARY_LAYOUT
    workbook = openpyxl.load_workbook(layout)
    sheet = workbook[PL1]
    title = next(
        cell
        for row in sheet.iter_rows(max_row=10)
        for cell in row
        if cell.value == shipped_config.summary.annexes[0].title
    )
    title.value = "KẾT QUẢ ĐÃ SỬA TIÊU ĐỀ"
    title.font = Font(name="Arial", size=16, color="FF0000", bold=True)
    sheet.column_dimensions["B"].width = 51
    workbook.save(layout)

    merged = make_merged(shipped_config, seed=2, missing=3)
    second = build_summary(shipped_config, merged, layouts, tmp_path / "b.xlsx", GENERATED_AT)
    assert not list(layouts.glob("*.cu_*")), "a matching layout must not be rebuilt"
    sheet = openpyxl.load_workbook(second)[PL1]
    cell = sheet[title.coordinate]
    assert cell.value == "KẾT QUẢ ĐÃ SỬA TIÊU ĐỀ"
    assert (cell.font.name, cell.font.sz, cell.font.color.rgb) == ("Arial", 16, "00FF0000")
    assert sheet.column_dimensions["B"].width == 51
    start, end = data_rows(second, PL1, 1)
    totals = by_unit_rows(second, start, end)[-1]
    activities = merged.sections["hoat_dong"]
    assert totals[1] == "Tổng cộng" and totals[3:7] == [
        len(activities),
        *(activities[c].sum() for c in ("tong", "nam", "nu")),
    ]
    assert by_unit_rows(first, *data_rows(first, PL1, 1)) != by_unit_rows(second, start, end)


def test_a_changed_config_rebuilds_the_layout_and_keeps_the_old_one(shipped_config, tmp_path):
    layouts = tmp_path / "layouts"
    merged = make_merged(shipped_config, seed=3)
    build_summary(shipped_config, merged, layouts, tmp_path / "a.xlsx", GENERATED_AT)
    data = shipped_config.model_dump()
    data["summary"]["report_date"] = date(2019, 12, 20)  # a date is written on every build: no rebuild for it
    dated = build_summary(CampaignConfig.model_validate(data), merged, layouts, tmp_path / "b.xlsx", GENERATED_AT)
    assert not list(layouts.glob("bang_tong_hop.cu_*.xlsx"))
    assert any("ngày 20 tháng 12 năm 2019" in str(value) for row in grid(dated, PL1)[:5] for value in row)
    data["summary"]["annex_caption"] = "(Kèm theo Báo cáo số {so_hieu} ngày {ngay})"
    changed = CampaignConfig.model_validate(data)
    out = build_summary(changed, merged, layouts, tmp_path / "c.xlsx", GENERATED_AT)
    assert len(list(layouts.glob("bang_tong_hop.cu_*.xlsx"))) == 1
    caption = "(Kèm theo Báo cáo số …/BC-SGDĐT ngày 20 tháng 12 năm 2019)"
    assert caption in {value for row in grid(out, PL1)[:5] for value in row}


def test_building_twice_gives_the_same_values(built, shipped_config, tmp_path):
    merged, out, folder = built
    again = build_summary(shipped_config, merged, folder / "layouts", tmp_path / "again.xlsx", GENERATED_AT)
    for annex in shipped_config.summary.annexes:
        assert grid(again, annex.sheet) == grid(out, annex.sheet), annex.sheet
    assert len(list((folder / "layouts").iterdir())) == 1


def test_a_summary_open_in_excel_is_reported(built, shipped_config, tmp_path, monkeypatch):
    import os

    from addin.errors import BaocaoError

    merged, _, folder = built
    target = tmp_path / "locked.xlsx"
    target.write_bytes(b"old")

    def refuse(source, destination):
        raise PermissionError(13, "locked")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(BaocaoError, match="đang mở trong Excel"):
        build_summary(shipped_config, merged, folder / "layouts", target, GENERATED_AT)
    assert target.read_bytes() == b"old"
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".~tmp_")]


def test_dates_in_listing_are_real_dates(built):
    _, out, _ = built
    first, _ = data_rows(out, PL2, 2)
    dates = [row[3] for row in grid(out, PL2)[first:] if isinstance(row[3], date)]
    assert dates and all(isinstance(value, date) for value in dates)


def test_fast_sheet_writer_writes_what_openpyxl_writes(tmp_path):
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    from addin.outputs.summary.cells import write_value
    from addin.xlsx.fast_save import save_workbook_fast

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Thử"
    values = [" lề trái ", "=1+1", 5, 2.5, float("nan"), date(2019, 12, 1), datetime(2019, 12, 1, 8, 30), True, None]
    values += ["a & <b> \"c\" 'd'", "Nữ"]
    for row in range(1, 30):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            cell.font = Font(name="Times New Roman", bold=row % 2 == 0)
            write_value(cell, value)
    sheet.cell(row=3, column=6).number_format = "dd/mm/yyyy"
    sheet.row_dimensions[5].height = 33
    sheet.row_dimensions[40].height = 20  # a styled empty row
    sheet.merge_cells("A31:C31")
    sheet["A31"] = "gộp"
    sheet["B2"].hyperlink = "ban_xem/0123456789ab.xlsx#'Hoạt động'!C9"  # a file beside, as «Mở» links are
    sheet["C4"].hyperlink = Hyperlink(ref="C4", location="'Thử'!A1")  # a place in the workbook itself
    openpyxl_file, fast_file = tmp_path / "openpyxl.xlsx", tmp_path / "fast.xlsx"
    workbook.save(openpyxl_file)
    fast_file.write_bytes(save_workbook_fast(workbook, min_cells=1))
    assert grid(fast_file, "Thử") == grid(openpyxl_file, "Thử")
    assert grid(fast_file, "Thử")[0][:2] == [" lề trái ", "=1+1"]
    ours, theirs = openpyxl.load_workbook(fast_file)["Thử"], openpyxl.load_workbook(openpyxl_file)["Thử"]
    assert ours.dimensions == theirs.dimensions
    assert ours.row_dimensions[5].height == 33 and ours.row_dimensions[40].height == 20
    assert ours["B2"].value == theirs["B2"].value and ours["B2"].hyperlink.target == theirs["B2"].hyperlink.target
    assert ours["C4"].hyperlink.location == theirs["C4"].hyperlink.location == "'Thử'!A1"
    assert ours["B2"].hyperlink.target == "ban_xem/0123456789ab.xlsx#'Hoạt động'!C9"
    assert [str(merged) for merged in ours.merged_cells.ranges] == ["A31:C31"]
    assert ours["B2"].font.b and not ours["B3"].font.b and ours["F3"].number_format == "dd/mm/yyyy"
    assert ours["B1"].data_type == "s" and ours["G1"].is_date
    assert len(sheet._cells) > 300, "the workbook itself is left as it was"


def test_streamed_rows_read_back_as_the_same_cells_written_by_openpyxl(tmp_path):
    """The findings workbook's tables are streamed (RowStream): no cell objects, the same workbook."""
    from openpyxl.styles import PatternFill

    from addin.xlsx.fast_save import RowStream, save_workbook_fast, style_number

    rows = [
        ["Trường A", " lề ", datetime(2019, 12, 1, 8, 30), 3, 2.5, "=SUM(A1)", None, "Mở"],
        ['Trường <B> & "C"', "Nữ", None, 0, None, "chữ", True, "Không mở được"],
    ]
    looks = [Font(name="Times New Roman"), Font(name="Times New Roman", bold=True)]
    books = {}
    for way in ("openpyxl", "stream"):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Bảng"
        sheet["A1"], sheet["A1"].font = "Tiêu đề", Font(bold=True)
        stream = RowStream(workbook, sheet)
        scratch = workbook.create_sheet("nháp")
        numbers = []
        for index, font in enumerate(looks, start=1):
            cell = scratch.cell(row=1, column=index)
            cell.font, cell.fill, cell.number_format = font, PatternFill("solid", fgColor="FFC7CE"), "dd/mm/yyyy hh:mm"
            numbers.append((cell, style_number(workbook, cell)))
        for row, values in enumerate(rows, start=2):
            look, number = numbers[row % 2]
            if way == "stream":
                stream.add(row, [(value, number) for value in values], height=33 if row == 3 else None)
                stream.link(row, 8, f"ban_xem/{row}.xlsx#'Hoạt động'!C9")
                continue
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column)
                cell.value, cell._style = value, look._style
                if isinstance(value, str):
                    cell.data_type = "s"
            sheet.cell(row=row, column=8).hyperlink = f"ban_xem/{row}.xlsx#'Hoạt động'!C9"
        sheet.row_dimensions[3].height = 33
        workbook.remove(scratch)
        books[way] = tmp_path / f"{way}.xlsx"
        books[way].write_bytes(save_workbook_fast(workbook, streamed={sheet: stream} if way == "stream" else None))
        if way == "stream":  # the header and the two link carriers: the rows' values are in no cell object
            assert sorted(sheet._cells) == [(1, 1), (2, 8), (3, 8)]
    assert grid(books["stream"], "Bảng") == grid(books["openpyxl"], "Bảng")
    assert grid(books["stream"], "Bảng")[1][5:7] == ["=SUM(A1)", ""]
    ours, theirs = (openpyxl.load_workbook(books[way])["Bảng"] for way in ("stream", "openpyxl"))
    assert ours.dimensions == theirs.dimensions == "A1:H3"
    for place in ("A1", "A2", "C2", "B3", "H2", "H3"):
        assert (ours[place].font.b, ours[place].fill.fgColor.rgb, ours[place].number_format) == (
            theirs[place].font.b,
            theirs[place].fill.fgColor.rgb,
            theirs[place].number_format,
        ), place
    assert ours.row_dimensions[3].height == 33 and ours["C2"].is_date and ours["F2"].data_type == "s"
    assert [ours.cell(row=row, column=8).hyperlink.target for row in (2, 3)] == [
        "ban_xem/2.xlsx#'Hoạt động'!C9",
        "ban_xem/3.xlsx#'Hoạt động'!C9",
    ]


@pytest.mark.parametrize("own_merge", [False, True], ids=["only_streamed", "beside_the_sheets_own"])
def test_streamed_rows_carry_their_merged_ranges(tmp_path, own_merge):
    from addin.xlsx.fast_save import RowStream, save_workbook_fast

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Tiêu đề"
    if own_merge:
        sheet.merge_cells("A1:C1")
    stream = RowStream(workbook, sheet)
    for row in range(2, 6):
        stream.add(row, [(f"Đơn vị {row}", 0), (None, 0), (row, 0)])
        stream.merge(row, 1, 2)
    path = tmp_path / "gop.xlsx"
    path.write_bytes(save_workbook_fast(workbook, streamed={sheet: stream}))
    again = openpyxl.load_workbook(path).active
    expected = {f"A{row}:B{row}" for row in range(2, 6)} | ({"A1:C1"} if own_merge else set())
    assert {str(merged) for merged in again.merged_cells.ranges} == expected
    assert again["A4"].value == "Đơn vị 4" and again["C5"].value == 5
    converted = libreoffice_convert(path, "xlsx", tmp_path / "lo")
    assert {str(merged) for merged in openpyxl.load_workbook(converted).active.merged_cells.ranges} == expected


def test_a_config_without_annexes_is_explained(shipped_config, tmp_path):
    from addin.errors import BaocaoError

    data = shipped_config.model_dump()
    data["summary"]["annexes"] = []
    config = CampaignConfig.model_validate(data)
    with pytest.raises(BaocaoError, match="chưa có phụ lục nào"):
        build_summary(config, make_merged(config), tmp_path, tmp_path / "x.xlsx", GENERATED_AT)
