"""The long annexes written straight as XML, without cell objects: the same workbook, cell for cell, as openpyxl's
cells give (values, types, styles, merged cells, row heights, page breaks, print set-up)."""

import functools
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from addin.outputs.summary import table
from addin.outputs.summary import workbook as summary_workbook
from addin.outputs.summary.workbook import build_summary
from addin.xlsx import fast_save
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
    everywhere = functools.partial(fast_save.save_workbook_fast, min_cells=1)
    monkeypatch.setattr(summary_workbook, "save_workbook_fast", everywhere)
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


def test_rows_spooled_to_a_temporary_file_give_the_same_workbook(tmp_path, monkeypatch, shipped_config):
    """A long annex's rows go to a temporary file past fast_save.SPOOL_BYTES: read back, the same bytes."""
    merged = make_merged(shipped_config, most_activities=9)
    in_memory = build_summary(shipped_config, merged, tmp_path / "a", tmp_path / "memory.xlsx", GENERATED_AT)
    monkeypatch.setattr(fast_save, "SPOOL_BYTES", 1)
    spooled = build_summary(shipped_config, merged, tmp_path / "b", tmp_path / "spooled.xlsx", GENERATED_AT)
    assert _parts(spooled) == _parts(in_memory)


def _parts(path) -> dict:
    """Every part of the package but its properties (they carry the time it was saved)."""
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name != "docProps/core.xml"}


@pytest.mark.parametrize("spool_bytes", [1, fast_save.SPOOL_BYTES], ids=["in_a_file", "in_memory"])
def test_a_row_stream_gives_its_rows_back_in_order_and_refuses_one_out_of_order(monkeypatch, spool_bytes):
    monkeypatch.setattr(fast_save, "SPOOL_BYTES", spool_bytes)
    workbook = openpyxl.Workbook()
    stream = fast_save.RowStream(workbook, workbook.active)
    for row in (2, 3, 5):
        stream.add(row, [(f"Đơn vị {row}", 0), (row, 0)])
    partly = stream.rows_xml()
    next(partly)
    partly.close()  # a save stopped half-way: rows added after it still go at the end
    stream.add(6, [("Tổng cộng", 0)])
    assert [row for row, _ in stream.rows_xml()] == [2, 3, 5, 6]
    assert (
        dict(stream.rows_xml())[5]
        == '<row r="5"><c r="A5" t="inlineStr"><is><t>Đơn vị 5</t></is></c><c r="B5"><v>5</v></c></row>'.encode()
    )
    with pytest.raises(ValueError, match="row 4 written after row 6"):
        stream.add(4, [("muộn", 0)])
