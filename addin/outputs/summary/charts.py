"""Filling the charts annex: small tables drawn by code on every build, each with its chart beside it (a bar
chart of the configured series per unit group, a pie of who has reported)."""

import math
from datetime import datetime

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak

from addin.config import Annex, CampaignConfig
from addin.outputs.summary.cells import apply_style, drop_charts, new_style, write_value
from addin.outputs.summary.columns import CHART_WIDTHS, COUNT_FORMAT, NUMBER
from addin.outputs.summary.facts import Facts, as_number, submission_counts
from addin.outputs.summary.names import data_name, define, name_target
from addin.outputs.summary.pages import fixed_scale
from addin.outputs.summary.table import DEFAULT_WIDTH, TOTAL_LABEL, cut_rows
from addin.xlsx.styles import BOX, CENTER, HEADER_FILL, fit_row_height, font

CHART_SIZE = (17, 8.5)  # width, height in cm


def fill_charts(workbook: Workbook, number: int, annex: Annex, facts: Facts, generated_at: datetime) -> None:
    config = facts.config
    sheet, (_, first, _, _) = name_target(workbook, data_name(number))
    cut_rows(sheet, first)
    drop_charts(sheet)
    header = new_style(sheet, font(bold=True), CENTER, fill=HEADER_FILL, border=BOX)
    text = new_style(sheet, font(), Alignment(vertical="center", wrap_text=True), border=BOX)
    bold_text = new_style(sheet, font(bold=True), Alignment(vertical="center", wrap_text=True), border=BOX)
    value = new_style(sheet, font(), NUMBER, COUNT_FORMAT, border=BOX)
    bold_value = new_style(sheet, font(bold=True), NUMBER, COUNT_FORMAT, border=BOX)
    title = new_style(sheet, font(bold=True), Alignment(vertical="center"))

    def put(row: int, column: int, content, style: StyleArray) -> None:
        cell = sheet.cell(row=row, column=column)
        apply_style(cell, style)
        write_value(cell, content)
        if isinstance(content, str):
            dimension = sheet.column_dimensions.get(get_column_letter(column))
            width = dimension.width if dimension and dimension.width else DEFAULT_WIDTH
            fit_row_height(sheet, row, content, width, 18)

    row = first
    charts = 0
    breaks: list[int] = []
    if annex.series:
        labels = [_series_label(config, dotted) for dotted in annex.series]
        heading = _series_heading(config, annex.series)
        put(row, 1, f"{charts + 1}. {heading} theo nhóm đơn vị", title)
        header_row = row + 1
        put(header_row, 1, "Nhóm đơn vị", header)
        for offset, label in enumerate(labels):
            put(header_row, 2 + offset, label, header)
        sums = [(facts.column_sums(dotted), facts.is_whole(dotted)) for dotted in annex.series]
        row = header_row
        for code, name, units in facts.groups():
            row += 1
            put(row, 1, f"{code}. {name}", text)
            chosen = [each.unit.code for each in units if each.included]
            for offset, (values, whole) in enumerate(sums):
                put(row, 2 + offset, as_number(math.fsum(values.get(c) or 0 for c in chosen), whole), value)
        put(row + 1, 1, TOTAL_LABEL, bold_text)
        for offset, (values, whole) in enumerate(sums):
            total = as_number(math.fsum(values.get(c) or 0 for c in facts.included), whole)
            put(row + 1, 2 + offset, total, bold_value)
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "col", "clustered", 0
        chart.title = f"{heading} theo nhóm đơn vị"
        chart.add_data(
            Reference(sheet, min_col=2, max_col=1 + len(labels), min_row=header_row, max_row=row),
            titles_from_data=True,
        )
        chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=row))
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.width, chart.height = CHART_SIZE
        sheet.add_chart(chart, f"F{first}")
        charts += 1
        row = max(row + 3, first + 19)
        breaks.append(row - 1)  # each chart prints whole on its page, beside its table

    counts = submission_counts(facts.units)
    put(row, 1, f"{charts + 1}. Tình hình nộp báo cáo", title)
    header_row = row + 1
    put(header_row, 1, "Tình hình nộp", header)
    put(header_row, 2, "Số đơn vị", header)
    statuses = [("Nộp đúng hạn", counts[2]), ("Nộp muộn", counts[3]), ("Chưa nộp", counts[4])]
    for offset, (label, count) in enumerate(statuses, start=1):
        put(header_row + offset, 1, label, text)
        put(header_row + offset, 2, count, value)
    put(header_row + 4, 1, "Số đơn vị phải báo cáo", bold_text)
    put(header_row + 4, 2, counts[0], bold_value)
    pie = PieChart()
    pie.title = "Tình hình nộp báo cáo"
    pie.add_data(Reference(sheet, min_col=2, min_row=header_row, max_row=header_row + 3), titles_from_data=True)
    pie.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + 3))
    pie.dataLabels = DataLabelList()
    pie.dataLabels.showVal = pie.dataLabels.showPercent = True
    pie.dataLabels.showSerName = pie.dataLabels.showCatName = pie.dataLabels.showLegendKey = False
    pie.width, pie.height = CHART_SIZE
    sheet.add_chart(pie, f"F{row}")
    last_row = max(header_row + 5, row + 18)
    for each in range(first, last_row + 1):
        if sheet.row_dimensions[each].height is None:
            sheet.row_dimensions[each].height = 18
    define(workbook, data_name(number), sheet, first, last_row, len(CHART_WIDTHS))
    sheet.print_area = f"A1:{get_column_letter(len(CHART_WIDTHS))}{last_row}"
    fixed_scale(sheet, len(CHART_WIDTHS))  # manual breaks hold only without "fit to page"
    sheet.row_breaks = RowBreak()
    for end in breaks:
        sheet.row_breaks.append(Break(id=end))


def _series_label(config: CampaignConfig, dotted: str) -> str:
    table, name = dotted.split(".")
    return config.form.section(table).field(name).label


def _series_heading(config: CampaignConfig, series: list[str]) -> str:
    """What the series measure together: their shared header group ("Số người tham gia"), else their labels."""
    groups = set()
    for dotted in series:
        table, name = dotted.split(".")
        section = config.form.section(table)
        groups.add(next((group.label for group in section.header_groups if name in group.fields), None))
    if len(groups) == 1 and None not in groups:
        return groups.pop()
    return ", ".join(_series_label(config, dotted) for dotted in series)
