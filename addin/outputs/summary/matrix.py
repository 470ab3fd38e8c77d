"""Filling the matrix annex: an item per row (a task, say), a column per included unit grouped under its unit
group, each unit's answer in the cells, and optionally how many units gave one answer; printed a few units a page.
"""

import itertools
from datetime import datetime

import pandas
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.config import Annex, CampaignConfig
from addin.outputs.summary.cells import apply_style, delete_cells, merge_styled, style_of, write_value
from addin.outputs.summary.columns import annex_columns, count_choice_label, matrix_label_field
from addin.outputs.summary.facts import Facts, plain_value
from addin.outputs.summary.names import define, head_name, name_target
from addin.outputs.summary.table import DEFAULT_WIDTH, Table

MATRIX_UNITS_PER_PAGE = 8
# Printable width of landscape A4 with 0.5" margins is 1026 px at 96 dpi by Excel's column measure; LibreOffice
# draws the same columns about a fifth wider, so the scale is set for it (Excel then leaves a margin).
A4_LANDSCAPE_PIXELS = 800
A4_LANDSCAPE_POINTS_HIGH = 470  # printable height (595 pt less 0.6" margins and the footer)


def fill_matrix(workbook: Workbook, number: int, annex: Annex, facts: Facts, generated_at: datetime) -> None:
    config = facts.config
    table = Table(workbook, number)
    sheet = table.sheet
    _, (_, top, layout_last, bottom) = name_target(workbook, head_name(number))
    frame = facts.frame(annex.table)
    items = _matrix_items(config, annex, frame)
    values = _answers(annex, frame)
    units = [each.unit for each in facts.units if each.included]
    choice = count_choice_label(config, annex)
    last = 2 + len(units) + (choice is not None)
    pages = _matrix_pages([sum(each.included for each in group) for _, _, group in facts.groups()])
    page_last = last if len(pages) < 2 else 2 + pages[0]

    _draw_unit_columns(table, config, annex, facts, (top, bottom), (layout_last, page_last, last))
    styles = table.plain[:2] + [table.plain[2]] * len(units) + ([table.plain[-1]] if choice is not None else [])
    row = table.first
    for tt, key, label in items:
        cells = [values.get((unit.code, key)) for unit in units]
        counted = [sum(1 for value in cells if value == choice)] if choice is not None else []
        table.row(row, [tt, label, *cells, *counted], styles=styles)
        row += 1
    if not items:
        table.band(row, 1, "Chưa có số liệu.", table.plain[1], last=last)
        row += 1
    sheet.freeze_panes = f"C{table.first}"
    _paginate(sheet, pages, last, range(top, row))
    define(workbook, head_name(number), sheet, top, bottom, last)
    printed_last = table.finish(row - 1, stretch=(layout_last, page_last), last_column=last)
    if page_last < last:
        # Two print areas: the first page with the official header, titles and signature; then the remaining
        # unit columns of the data rows only, under the repeated header rows and beside the repeated TT and item.
        first_page = f"A1:{get_column_letter(page_last)}{printed_last}"
        rest = f"{get_column_letter(page_last + 1)}{table.first}:{get_column_letter(last)}{row - 1}"
        sheet.print_area = [first_page, rest]


def _answers(annex: Annex, frame: pandas.DataFrame | None) -> dict[tuple[str, str], str]:
    """(unit code, item key) → the unit's answer, the first one when a unit answered an item twice."""
    values: dict[tuple[str, str], str] = {}
    if frame is not None and not frame.empty:
        for code, key, value in frame.reindex(columns=["unit_code", annex.key, annex.value]).itertuples(
            index=False, name=None
        ):
            text = _key_text(value)
            if text:
                values.setdefault((str(code), _key_text(key)), text)
    return values


def _draw_unit_columns(
    table: Table,
    config: CampaignConfig,
    annex: Annex,
    facts: Facts,
    header_rows: tuple[int, int],
    columns: tuple[int, int, int],
) -> None:
    """The header's prototype unit column (3) becomes one column per included unit, grouped by unit group; the
    count column follows them. `columns`: the layout's last column, the first printed page's, the table's."""
    sheet = table.sheet
    top, bottom = header_rows
    layout_last, page_last, last = columns
    prototype = {
        "group": style_of(sheet.cell(row=top, column=3)),
        "unit": style_of(sheet.cell(row=bottom - 1, column=3)),
        "number": style_of(sheet.cell(row=bottom, column=3)),
        "count": style_of(sheet.cell(row=top, column=layout_last)),
        "count_number": style_of(sheet.cell(row=bottom, column=layout_last)),
    }
    unit_width, count_width = table.widths[2], table.widths[-1]
    for merged in list(sheet.merged_cells.ranges):
        if top <= merged.min_row <= bottom and merged.max_col >= 3:
            sheet.unmerge_cells(merged.coord)
    delete_cells(sheet, top, bottom, first_column=3)
    for merged in list(sheet.merged_cells.ranges):  # the header block and titles span the first printed page
        if merged.max_row < top and merged.max_col == layout_last and page_last != layout_last:
            sheet.unmerge_cells(merged.coord)
            sheet.merge_cells(
                start_row=merged.min_row, start_column=merged.min_col, end_row=merged.max_row, end_column=page_last
            )
    column = 3
    for _, group_name, group_units in facts.groups():
        chosen = [each.unit for each in group_units if each.included]
        if not chosen:
            continue
        table.put(top, column, group_name, prototype["group"], width=unit_width * len(chosen))
        for offset, unit in enumerate(chosen):
            for row in range(top + 1, bottom - 1):
                apply_style(sheet.cell(row=row, column=column + offset), prototype["group"])
            table.put(bottom - 1, column + offset, unit.short, prototype["unit"], width=unit_width * 0.8)
            apply_style(sheet.cell(row=bottom, column=column + offset), prototype["number"])
            sheet.column_dimensions[get_column_letter(column + offset)].width = unit_width
        for offset in range(1, len(chosen)):
            apply_style(sheet.cell(row=top, column=column + offset), prototype["group"])
        if len(chosen) > 1:
            merge_styled(sheet, top, column, top, column + len(chosen) - 1)
        column += len(chosen)
    if count_choice_label(config, annex) is not None:
        label = annex_columns(config, annex)[-1].label
        for row in range(top, bottom):
            apply_style(sheet.cell(row=row, column=last), prototype["count"])
        table.put(top, last, label, prototype["count"], width=count_width)
        apply_style(sheet.cell(row=bottom, column=last), prototype["count_number"])
        sheet.column_dimensions[get_column_letter(last)].width = count_width
        if bottom - 1 > top:
            merge_styled(sheet, top, last, bottom - 1, last)
    for index in range(3, last + 1):
        write_value(sheet.cell(row=bottom, column=index), f"({index})")


def _matrix_items(
    config: CampaignConfig, annex: Annex, frame: pandas.DataFrame | None
) -> list[tuple[object, str, str]]:
    """(TT, key, label) of each row of the matrix."""
    section = config.form.section(annex.table)
    key_field = section.field(annex.key)
    label_field = matrix_label_field(section, annex)
    if section.rows_from == "tasks" and key_field.prefill in ("task_code", "task_text"):
        items = []
        for index, task in enumerate(config.tasks, start=1):
            key = task.code if key_field.prefill == "task_code" else task.text
            label = task.text if label_field.prefill == "task_text" else key
            items.append((task.code if key_field.prefill == "task_code" else index, key, label))
        return items
    keys: list[str] = []
    if frame is not None and annex.key in frame.columns:
        for value in frame[annex.key]:
            key = _key_text(value)
            if key and key not in keys:
                keys.append(key)
    return [(index, key, key) for index, key in enumerate(keys, start=1)]


def _key_text(value) -> str:
    value = plain_value(value)
    return "" if value is None else str(value).strip()


def _matrix_pages(group_sizes: list[int]) -> list[int]:
    """How many unit columns each printed page of a matrix holds: at most MATRIX_UNITS_PER_PAGE, a page ending
    where a unit group ends when that still leaves it at least half full."""
    pages: list[int] = [0]
    for size in group_sizes:
        if pages[-1] + size > MATRIX_UNITS_PER_PAGE and pages[-1] >= MATRIX_UNITS_PER_PAGE // 2:
            pages.append(0)
        while size:
            room = MATRIX_UNITS_PER_PAGE - pages[-1]
            if room == 0:
                pages.append(0)
                continue
            placed = min(room, size)
            pages[-1] += placed
            size -= placed
    return [count for count in pages if count]


def _paginate(sheet: Worksheet, pages: list[int], last: int, rows: range) -> None:
    """Print a wide matrix a few units per page, with TT and the item text repeated on each page.

    One page wide, 40 units would be unreadable. Excel ignores manual page breaks under "fit to", so the breaks
    come with a fixed scale that lets the widest page fit the width of landscape A4 and, for a short list of
    items, a continuation page (header and item rows) its height.
    """
    if len(pages) < 2:
        return
    breaks = list(itertools.accumulate(pages[:-1], initial=2))[1:]
    for column in breaks:
        sheet.col_breaks.append(Break(id=column))

    def pixels(first: int, end: int) -> int:
        total = 0
        for column in range(first, end + 1):
            dimension = sheet.column_dimensions.get(get_column_letter(column))
            total += int((dimension.width if dimension is not None and dimension.width else DEFAULT_WIDTH) * 7 + 5)
        return total

    edges = [2, *breaks, last]
    widest = max(pixels(1, 2) + pixels(start + 1, end) for start, end in itertools.pairwise(edges))
    scale = 100 * A4_LANDSCAPE_PIXELS / widest
    if len(rows) <= 20:
        tall = sum(sheet.row_dimensions[row].height or 15 for row in rows)
        scale = min(scale, 100 * A4_LANDSCAPE_POINTS_HIGH / tall)
    sheet.sheet_properties.pageSetUpPr.fitToPage = False
    sheet.page_setup.scale = max(10, min(100, int(scale)))
    sheet.print_title_cols = "A:B"
