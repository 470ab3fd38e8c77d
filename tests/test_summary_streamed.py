"""The long annexes written straight as XML, without cell objects: the same workbook, cell for cell, as openpyxl's
cells give (values, types, styles, merged cells, row heights, page breaks, print set-up)."""

import functools
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.styles import Font

from addin.outputs.summary import table
from addin.outputs.summary import workbook as summary_workbook
from addin.outputs.summary.workbook import build_summary
from addin.xlsx import fast_save
from addin.xlsx.fast_save import SheetRows, save_workbook_with_rows
from tests.test_summary import GENERATED_AT, make_merged


def _everything(path) -> dict:
    """All a reader sees of a workbook, sheet by sheet."""
    workbook = openpyxl.load_workbook(path)
    seen = {}
    for sheet in workbook.worksheets:
        cells = {
            place: (
                type(cell).__name__,
                cell.value,
                cell.data_type,
                *(repr(getattr(cell, part)) for part in ("font", "fill", "border", "alignment", "protection")),
                cell.number_format,
            )
            for place, cell in sheet._cells.items()
        }
        seen[sheet.title] = {
            "cells": cells,
            "merged": sorted(str(merged) for merged in sheet.merged_cells.ranges),
            "heights": {row: dict(dimension) for row, dimension in sheet.row_dimensions.items() if dict(dimension)},
            "dimension": sheet.dimensions,
            "print": (sheet.print_area, sheet.print_title_rows, sheet.print_title_cols, sheet.freeze_panes),
            "breaks": ([b.id for b in sheet.row_breaks.brk], [b.id for b in sheet.col_breaks.brk]),
            "page": (dict(sheet.page_setup), repr(sheet.sheet_properties.pageSetUpPr)),
        }
    seen["names"] = {name: str(defined.value) for name, defined in workbook.defined_names.items()}
    return seen


def _both_ways(config, merged, folder, monkeypatch) -> tuple:
    """The summary built with the long annexes streamed, then with every annex in openpyxl cells; every sheet
    saved by the fast writer both times (openpyxl's own writer differs in ways a reader does not see)."""
    everywhere = functools.partial(fast_save.save_workbook_with_rows, min_cells=1)
    monkeypatch.setattr(summary_workbook, "save_workbook_with_rows", everywhere)
    streamed = build_summary(config, merged, folder / "a", folder / "streamed.xlsx", GENERATED_AT)
    monkeypatch.setattr(table, "writes_fast", lambda workbook, sheet: False)
    cells = build_summary(config, merged, folder / "b", folder / "cells.xlsx", GENERATED_AT)
    return streamed, cells


@pytest.mark.parametrize("hostile", [False, True])
def test_streamed_annexes_are_what_openpyxl_cells_give(shipped_config, tmp_path, monkeypatch, hostile):
    merged = make_merged(shipped_config, hostile=hostile, most_activities=9)
    streamed, cells = _both_ways(shipped_config, merged, tmp_path, monkeypatch)
    ours, theirs = _everything(streamed), _everything(cells)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == theirs[name], name


def test_streamed_rows_join_the_sheet_cells_and_merges(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["A4"] = "Tiêu đề", "Ký tên"
    sheet["A1"].font = Font(bold=True)
    rows = {
        2: '<row r="2" ht="30" customHeight="1"><c r="A2" t="inlineStr"><is><t>Đơn vị 1</t></is></c></row>'.encode(),
        3: b'<row r="3"><c r="A3"><v>7</v></c><c r="C3" t="b"><v>1</v></c></row>',
    }
    path = tmp_path / "rows.xlsx"
    path.write_bytes(save_workbook_with_rows(workbook, {sheet: SheetRows(rows, 3, ["A2:C2"])}))
    back = openpyxl.load_workbook(path).active
    assert [[cell.value for cell in row] for row in back.iter_rows()] == [
        ["Tiêu đề", None, None],
        ["Đơn vị 1", None, None],
        [7, None, True],
        ["Ký tên", None, None],
    ]
    assert back["A1"].font.b and back.row_dimensions[2].height == 30
    assert [str(merged) for merged in back.merged_cells.ranges] == ["A2:C2"]  # the sheet had none of its own
    assert back.dimensions == "A1:C4"

    sheet.merge_cells("A4:B4")  # now it has one: ours join it
    path.write_bytes(save_workbook_with_rows(workbook, {sheet: SheetRows(rows, 3, ["A2:C2"])}))
    assert sorted(str(merged) for merged in openpyxl.load_workbook(path).active.merged_cells.ranges) == [
        "A2:C2",
        "A4:B4",
    ]


def test_dates_and_truth_values_get_the_number_format_openpyxl_gives(tmp_path, monkeypatch, shipped_config):
    """A date in a column whose prototype is not a date format is shown as a date, as openpyxl's cells do."""
    merged = make_merged(shipped_config)
    frame = merged.sections["hoat_dong"]
    frame["dia_diem"] = frame["dia_diem"].astype(object)  # a text column (General format)
    frame.loc[frame.index[:3], "dia_diem"] = [date(2019, 12, 2), datetime(2019, 12, 3, 8, 15), True]
    streamed, cells = _both_ways(shipped_config, merged, tmp_path, monkeypatch)
    assert _everything(streamed) == _everything(cells)
    listing = openpyxl.load_workbook(streamed)["PL2 Danh sách hoạt động"]
    shown = {cell.value: cell.number_format for row in listing.iter_rows(min_col=5, max_col=5) for cell in row}
    assert shown[datetime(2019, 12, 2)] != "General" and shown[datetime(2019, 12, 3, 8, 15)] != "General"
    assert shown[True] == "General"
