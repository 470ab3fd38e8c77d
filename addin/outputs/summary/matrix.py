"""Filling the matrix annex: an item per row (a task, say), a column per included unit grouped under its unit
group, each unit's answer in the cells, and optionally how many units gave one answer; printed a few units a page.
"""

import itertools
import math
from datetime import datetime

import pandas
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, ColBreak
from openpyxl.worksheet.worksheet import Worksheet

from addin.config import Annex, CampaignConfig
from addin.outputs.summary.cells import apply_style, delete_cells, merge_styled, style_of, write_value
from addin.outputs.summary.columns import annex_columns, count_choice_label, matrix_label_field
from addin.outputs.summary.facts import Facts, plain_value
from addin.outputs.summary.form import HEADER_ROWS, draw_header, draw_signature, fill_placeholders, placeholder_values
from addin.outputs.summary.names import define, head_name, name_target
from addin.outputs.summary.pages import PIXELS_PER_WIDTH, PRINTABLE_PIXELS, column_pixels, paginate
from addin.outputs.summary.table import Table, streamed_or_plain, word_lines
from addin.xlsx.styles import fit_row_height

MIN_SCALE = 84  # Times New Roman 12 printed at 84 % is 10 pt: the fewest units a page holds follow from it
MIN_UNITS_PER_PAGE = 3
SIGNATURE_WIDTH = 52  # column width «Nơi nhận» and the signer need side by side
BOLD_WIDTH_PER_CHAR = 1.45  # column width a character of a bold unit name takes, capitals included
ITEM_CHARS_PER_UNIT = 0.95  # characters of Times New Roman 12 a unit of column width holds, on the safe side
# Printable width of landscape A4 with 0.5" margins, in pixels at 96 dpi; columns are measured as LibreOffice
# prints them (pages.PIXELS_PER_WIDTH), wider than Excel does, so Excel leaves a margin.
A4_LANDSCAPE_PIXELS = PRINTABLE_PIXELS["landscape"]


def fill_matrix(workbook: Workbook, number: int, annex: Annex, facts: Facts, generated_at: datetime) -> dict:
    """Items down, units across (in printed blocks of columns), each unit's answer; returns the rows written
    without cell objects, for `save_workbook_fast(streamed=…)`."""
    config = facts.config
    table = streamed_or_plain(workbook, number)
    sheet = table.sheet
    _, (_, top, layout_last, bottom) = name_target(workbook, head_name(number))
    frame = facts.frame(annex.table)
    items = _matrix_items(config, annex, frame)
    values = _answers(annex, frame)
    units = [each.unit for each in facts.units if each.included]
    choice = count_choice_label(config, annex)
    last = 2 + len(units) + (choice is not None)
    longest = max((len(word) for unit in units for word in unit.short.split()), default=0)
    table.widths[2] = max(table.widths[2], BOLD_WIDTH_PER_CHAR * longest + 0.5)  # no name broken inside a word
    per_page = _units_per_page(sheet, table.widths[2])
    sizes = [sum(each.included for each in group) for _, _, group in facts.groups()]
    slots = math.ceil(table.widths[-1] / table.widths[2]) if choice is not None else 0  # the count column's room
    pages = min(_matrix_pages(sizes, per_page, slots), _matrix_pages(sizes, per_page, slots, by_group=False), key=len)
    if config.summary.standalone_annexes and len(pages) > 1:  # the last page holds the signature: room for it
        needed = math.ceil(
            max(0.0, SIGNATURE_WIDTH - (table.widths[-1] if choice is not None else 0)) / table.widths[2]
        )
        take = min(needed - pages[-1], pages[-2] - 1)
        if take > 0:
            pages[-2:] = [pages[-2] - take, pages[-1] + take]
    page_last = last if len(pages) < 2 else 2 + pages[0]

    breaks = list(itertools.accumulate(pages[:-1], initial=2))[1:]  # the last column of each page but the last
    _draw_unit_columns(table, config, annex, facts, (top, bottom), (layout_last, page_last, last), breaks)
    styles = table.plain[:2] + [table.plain[2]] * len(units) + ([table.plain[-1]] if choice is not None else [])
    row = table.first
    for tt, key, label in items:
        cells = [values.get((unit.code, key)) for unit in units]
        counted = [sum(1 for value in cells if value == choice)] if choice is not None else []
        table.row(row, [tt, label, *cells, *counted], styles=styles)
        if isinstance(label, str):  # wrapped at words, as LibreOffice does: a long task never clipped
            needed = 15.75 * word_lines(label, table.widths[1], ITEM_CHARS_PER_UNIT) + 4
            table.raise_height(row, needed)
        row += 1
    if not items:
        table.band(row, 1, "Chưa có số liệu.", table.plain[1], last=last)
        row += 1
    sheet.freeze_panes = f"C{table.first}"
    define(workbook, head_name(number), sheet, top, bottom, last)
    # One print area: the titles (and, standing alone, the header and signature) over the first page's columns;
    # every page repeats the header rows, TT and the item.
    end = table.finish(row - 1, stretch=(layout_last, page_last), last_column=last, pages=False)
    _paginate(sheet, pages, last)
    sheet.print_title_rows = f"{top}:{bottom}"
    signature = None
    if config.summary.standalone_annexes and end > row - 1:
        signature = (row, end)
        if len(pages) > 1:
            signature = _sign_on_the_last_page(
                table, config, signature, last - (pages[-1] + (choice is not None)) + 1, last
            )
    # rows down the page: the signature kept with the last rows (LibreOffice would break inside it)
    paginate(
        sheet,
        last,
        signature[1] if signature else row - 1,
        (top, bottom),
        set(),
        signature,
        sheet.page_setup.scale,
        table.streamed_heights(),
    )
    return table.rows()


def _sign_on_the_last_page(table: Table, config: CampaignConfig, rows: tuple[int, int], first: int, last: int):
    """A matrix printed in several column blocks: the signature goes under the last block, and the pages run
    across before down, so that it prints on the last page."""
    sheet = table.sheet
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row >= rows[0]:
            sheet.unmerge_cells(merged.coord)
    delete_cells(sheet, rows[0], rows[1])
    widths = [table.column_width(column) for column in range(first, last + 1)]
    end = draw_signature(sheet, config, rows[0] + 1, widths, first)
    sheet.print_area = f"A1:{get_column_letter(last)}{max(end, rows[1])}"
    sheet.page_setup.pageOrder = "overThenDown"
    return rows[0], max(end, rows[1])


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
    breaks: list[int],
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
    if config.summary.standalone_annexes and page_last < last:
        # The document header over the first page: the issuing body over A:B (repeated beside every page's rows,
        # so on the first page of each block of units too: the unit columns of one page are too narrow for both
        # halves of the header at 10 pt), the national title over the page's unit columns.
        widths = table.widths[:2] + [unit_width] * (page_last - 2)
        for merged in list(sheet.merged_cells.ranges):
            if merged.max_row <= HEADER_ROWS:
                sheet.unmerge_cells(merged.coord)
        delete_cells(sheet, 1, HEADER_ROWS)
        draw_header(sheet, config, widths)
        fill_placeholders(sheet, 1, HEADER_ROWS, placeholder_values(config))
    for merged in list(sheet.merged_cells.ranges):  # the header block and titles span the first printed page
        if merged.max_row < top and merged.max_col == layout_last and page_last != layout_last:
            sheet.unmerge_cells(merged.coord)
            start = merged.min_col
            if page_last < last and start == 1 and merged.min_row == merged.max_row:
                # A title over C.. only: the columns A:B repeated on later pages must not show a piece of it.
                source, target = sheet.cell(row=merged.min_row, column=1), sheet.cell(row=merged.min_row, column=3)
                apply_style(target, style_of(source))
                target.value, target.data_type, source.value, start = source.value, source.data_type, None, 3
                if isinstance(target.value, str):
                    span = table.widths[2] * (page_last - 2)
                    fit_row_height(sheet, merged.min_row, target.value, span * 0.85, minimum=20)
            sheet.merge_cells(
                start_row=merged.min_row, start_column=start, end_row=merged.max_row, end_column=page_last
            )
    column = 3
    for group_code, group_name, group_units in facts.groups():
        chosen = [each.unit for each in group_units if each.included]
        if not chosen:
            continue
        for offset, unit in enumerate(chosen):
            for row in range(top + 1, bottom - 1):
                apply_style(sheet.cell(row=row, column=column + offset), prototype["group"])
            table.put(bottom - 1, column + offset, unit.short, prototype["unit"], fit=False)
            apply_style(sheet.cell(row=bottom, column=column + offset), prototype["number"])
            sheet.column_dimensions[get_column_letter(column + offset)].width = unit_width
        for offset in range(1, len(chosen)):
            apply_style(sheet.cell(row=top, column=column + offset), prototype["group"])
        # the group's name over its columns on each printed page it spans, not cut by the page's edge
        edges = sorted(
            {column, column + len(chosen)} | {end + 1 for end in breaks if column <= end < column + len(chosen) - 1}
        )
        segments = list(itertools.pairwise(edges))
        room = max(stop - start for start, stop in segments) * unit_width  # the widest part sets the row's height
        lines = word_lines(group_name, room)
        for start, stop in segments:
            # a narrower part shows the group's code when its name would need a taller row than the widest part
            fits = word_lines(group_name, unit_width * (stop - start)) <= lines
            table.put(top, start, group_name if fits else f"Nhóm {group_code}", prototype["group"], fit=False)
            if stop - start > 1:
                merge_styled(sheet, top, start, top, stop - 1)
        sheet.row_dimensions[top].height = max(sheet.row_dimensions[top].height or 0, 15.75 * lines + 6)
        column += len(chosen)
    names = [each.unit.short for each in facts.units if each.included]
    lines = max((word_lines(name, unit_width) for name in names), default=1)
    sheet.row_dimensions[bottom - 1].height = max(sheet.row_dimensions[bottom - 1].height or 0, 15.75 * lines + 6)
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


def _units_per_page(sheet: Worksheet, unit_width: float) -> int:
    """As many unit columns as fit beside TT and the item at MIN_SCALE."""
    room = A4_LANDSCAPE_PIXELS * 100 / MIN_SCALE - column_pixels(sheet, 1, 2)
    return max(MIN_UNITS_PER_PAGE, int(room // (unit_width * PIXELS_PER_WIDTH)))


def _matrix_pages(group_sizes: list[int], per_page: int, slots: int = 0, by_group: bool = True) -> list[int]:
    """How many unit columns each printed page of a matrix holds: at most `per_page`, a page ending where a unit
    group ends (`by_group`) when that still leaves it at least half full; the last page keeps `slots` units' room
    for the count column."""
    pages: list[int] = [0]
    for size in group_sizes:
        if by_group and pages[-1] + size > per_page and pages[-1] >= per_page // 2:
            pages.append(0)
        while size:
            room = per_page - pages[-1]
            if room == 0:
                pages.append(0)
                continue
            placed = min(room, size)
            pages[-1] += placed
            size -= placed
    pages = [count for count in pages if count]
    overflow = pages[-1] + slots - per_page if pages else 0
    if 0 < overflow < pages[-1]:
        pages[-1:] = [pages[-1] - overflow, overflow]
    return pages


def _paginate(sheet: Worksheet, pages: list[int], last: int) -> None:
    """Print a wide matrix a few units per page, with TT and the item text repeated on each page, at a fixed scale
    (Excel ignores manual page breaks under "fit to") that lets the widest page fit the width of landscape A4:
    never below MIN_SCALE, which set how many units a page holds. Rows that do not fit a page's height go on to
    the next page down, under the repeated header rows."""
    breaks = list(itertools.accumulate(pages[:-1], initial=2))[1:]
    sheet.col_breaks = ColBreak(brk=[Break(id=column) for column in breaks])  # append checks the whole list each time
    edges = [2, *breaks, last]
    widest = max(
        column_pixels(sheet, 1, 2) + column_pixels(sheet, start + 1, end) for start, end in itertools.pairwise(edges)
    )
    sheet.sheet_properties.pageSetUpPr.fitToPage = False
    sheet.page_setup.scale = max(10, min(100, int(100 * A4_LANDSCAPE_PIXELS / widest)))
    sheet.print_title_cols = "A:B"
