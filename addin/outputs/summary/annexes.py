"""Filling the plain table annexes: figures by unit (by_unit), one table's rows (listing), who has reported
(submission)."""

import math
from dataclasses import dataclass
from datetime import datetime

import pandas
from openpyxl import Workbook
from openpyxl.styles import Alignment

from addin.config import NUMERIC_TYPES, Annex, SummaryColumn
from addin.outputs.summary.cells import new_style, style_of
from addin.outputs.summary.facts import Facts, UnitFacts, as_number, plain_value, submission_counts
from addin.outputs.summary.form import report_note, written_date
from addin.outputs.summary.names import head_name, name_target
from addin.outputs.summary.table import TOTAL_LABEL, Table, streamed_or_plain
from addin.standing import State
from addin.xlsx.styles import font


def fill_by_unit(workbook: Workbook, number: int, annex: Annex, facts: Facts, generated_at: datetime) -> dict:
    """A row per unit under a bold row per group with its totals, and a bold grand total.

    Returns the rows written without cell objects, for `save_workbook_fast(streamed=…)` ({} if none were)."""
    table = streamed_or_plain(workbook, number)
    figures = [_by_unit_figure(facts, column) for column in annex.columns]

    def unit_figures(each: UnitFacts) -> list:
        return [figure.of(each.unit.code) for figure in figures]

    def totals(units: list[UnitFacts]) -> list:
        chosen = [each.unit.code for each in units if each.included]
        return [figure.total(chosen) for figure in figures]

    def coverage(units: list[UnitFacts]) -> str:
        return f"{sum(each.included for each in units)}/{len(units)} đơn vị có số liệu"

    row, running = table.first, 0
    for code, name, units in facts.groups():
        table.row(row, [code, name, *totals(units), coverage(units)], bold=True)
        table.headings.add(row)
        row += 1
        for each in units:
            running += 1
            values = unit_figures(each) if each.included else [None] * len(figures)
            table.row(row, [running, each.unit.short, *values, report_note(each)])
            row += 1
    table.row(row, [None, TOTAL_LABEL, *totals(facts.units), coverage(facts.units)], bold=True)
    table.finish(row)
    return table.rows()


@dataclass(frozen=True)
class _Figure:
    """One by-unit column's values per unit code; `summed`: its group and grand totals add them up (numbers)."""

    values: dict
    whole: bool
    summed: bool = True
    absent: object = 0  # what a unit with no entry shows: 0 rows / nothing summed, or a blank single field

    def of(self, code: str):
        value = self.values.get(code, self.absent)
        return _figure(value, self.whole) if self.summed and _is_number(value) else value

    def total(self, codes: list[str]):
        if not self.summed:
            return None  # a date or a text has no total
        numbers = [self.values.get(code) for code in codes]
        return as_number(math.fsum(value for value in numbers if _is_number(value)), self.whole)


def _is_number(value) -> bool:
    """A figure that adds up (a value a staff-accepted return left as text is shown as typed, never summed)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _by_unit_figure(facts: Facts, column: SummaryColumn) -> _Figure:
    if column.count_rows:
        return _Figure(facts.row_counts(column.count_rows), True)
    if column.sum:
        return _Figure(facts.column_sums(column.sum), facts.is_whole(column.sum))
    numeric = facts.field(column.value).type in NUMERIC_TYPES
    return _Figure(facts.single_values(column.value), facts.is_whole(column.value), numeric, None)


def _figure(value: float | None, whole: bool):
    return None if value is None else as_number(value, whole)  # None: the unit's form had no such field


def fill_listing(workbook: Workbook, number: int, annex: Annex, facts: Facts, generated_at: datetime) -> dict:
    """Every row of one table section, numbered, under a band naming each unit; totals where config asks.

    Returns the rows written without cell objects, for `save_workbook_fast(streamed=…)` ({} if none were)."""
    table = streamed_or_plain(workbook, number)
    section = facts.config.form.section(annex.table)
    names = [each.name for each in section.fields]
    frame = facts.frame(annex.table)
    row, running = table.first, 0
    shorts = {each.unit.code: each.unit.short for each in facts.units}
    if frame is not None and not frame.empty:
        frame = frame.reindex(columns=["unit_code", *names])
        current = None
        for record in frame.itertuples(index=False, name=None):
            code, values = record[0], record[1:]
            if code != current:
                current = code
                table.band(row, 2, shorts.get(code, str(code)), table.bold[1])
                table.put(row, 1, None, table.bold[0])
                table.headings.add(row)
                row += 1
            running += 1
            table.row(row, [running, *(plain_value(value) for value in values)])
            row += 1
    if running == 0:
        table.band(row, 1, "Chưa có số liệu.", table.plain[1])
        row += 1
    if section.totals:
        totals: list = [None, TOTAL_LABEL] + [None] * (len(names) - 1)
        for name in section.totals:
            position = names.index(name) + 1
            if position == 1:
                continue
            whole = section.field(name).type == "integer"
            values = pandas.to_numeric(frame[name], errors="coerce") if frame is not None and not frame.empty else []
            totals[position] = as_number(math.fsum(value for value in values if not pandas.isna(value)), whole)
        table.row(row, totals, bold=True)
        row += 1
    table.finish(row - 1)
    return table.rows()


def fill_submission(workbook: Workbook, number: int, annex: Annex, facts: Facts, generated_at: datetime) -> None:
    """Counts per group and in total, when they were counted, and the list of units that have not reported."""
    table = Table(workbook, number)
    sheet = table.sheet
    row = table.first
    for code, name, units in facts.groups():
        table.row(row, [code, name, *submission_counts(units)])
        row += 1
    table.row(row, [None, TOTAL_LABEL, *submission_counts(facts.units)], bold=True)
    data_last = row
    deadline = facts.config.campaign.deadline
    left = Alignment(horizontal="left", vertical="center")
    italic = new_style(sheet, font(italic=True), left)
    heading = new_style(sheet, font(bold=True), left)
    row += 2
    table.band(
        row,
        1,
        f"Số liệu tính đến {written_date(facts.config.report_date())}; hạn nộp báo cáo: {written_date(deadline)}.",
        italic,
    )
    missing = [each for each in facts.units if each.state == State.MISSING]
    row += 2
    table.band(row, 1, "DANH SÁCH ĐƠN VỊ CHƯA NỘP BÁO CÁO", heading)
    table.headings.update({row, row + 1})  # the list's title and its header row stay with its first unit
    if not missing:
        table.band(row + 1, 1, "Tất cả các đơn vị đã nộp báo cáo.", table.plain[1])
        table.finish(row + 1, data_last_row=data_last)
        return
    _, (_, head_top, _, _) = name_target(workbook, head_name(number))
    header_style = style_of(sheet.cell(row=head_top, column=1))
    row += 1
    table.put(row, 1, "TT", header_style)
    table.put(row, 2, "Nhóm đơn vị", header_style)
    table.band(row, 3, "Tên đơn vị", header_style)
    for index, each in enumerate(missing, start=1):
        row += 1
        table.put(row, 1, index, table.plain[0])
        table.put(row, 2, f"{each.unit.group_code}. {each.unit.group_name}", table.plain[1])
        table.band(row, 3, each.unit.name, table.plain[1])
    table.finish(row, data_last_row=data_last)
