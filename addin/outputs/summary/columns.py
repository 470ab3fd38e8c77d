"""The table columns each kind of annex has, as config defines them: label, width, header group, format."""

from dataclasses import dataclass, field

from openpyxl.styles import Alignment

from addin.config import Annex, CampaignConfig, FormField, Section, SummaryColumn
from addin.xlsx.styles import CENTER, DEFAULT_WIDTHS, NUMBER_FORMATS

TEXT = Alignment(vertical="center", wrap_text=True)
NUMBER = Alignment(horizontal="right", vertical="center")
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
CHART_WIDTHS = [36, 14, 14, 14, 3, 11, 11, 11, 11, 11, 11, 11, 11]  # the charts sheet: tables left, charts right


@dataclass(frozen=True)
class Column:
    label: str
    width: float
    group: str = ""  # the label of the header cell above it, shared by neighbouring columns of the same group
    number_format: str = "General"
    align: Alignment = field(default=TEXT)


def annex_columns(config: CampaignConfig, annex: Annex) -> list[Column]:
    """The table columns an annex's layout draws (empty for charts)."""
    tt = Column("TT", 5, align=CENTER)
    if annex.kind == "by_unit":
        figures = [_by_unit_column(config, column) for column in annex.columns]
        return [tt, Column("Đơn vị", 34), *figures, Column("Ghi chú", 24)]
    if annex.kind == "listing":
        section = config.form.section(annex.table)
        groups = {name: group.label for group in section.header_groups for name in group.fields}
        return [tt] + [
            Column(
                each.label,
                each.width or DEFAULT_WIDTHS[each.type],
                groups.get(each.name, ""),
                NUMBER_FORMATS.get(each.type, "General"),
                NUMBER if each.type in ("integer", "decimal") else CENTER if each.type == "date" else TEXT,
            )
            for each in section.fields
        ]
    if annex.kind == "matrix":
        section = config.form.section(annex.table)
        columns = [
            Column("TT", 6, align=CENTER),
            Column(matrix_label_field(section, annex).label, 50),
            Column("(tên đơn vị)", 11.5, "Đơn vị", align=CENTER),
        ]
        choice = count_choice_label(config, annex)
        if choice is not None:
            columns.append(Column(f"Số đơn vị {choice[:1].lower()}{choice[1:]}", 14, "", COUNT_FORMAT, NUMBER))
        return columns
    if annex.kind == "submission":
        return [
            tt,
            Column("Nhóm đơn vị", 32),
            Column("Số đơn vị phải báo cáo", 12, "", COUNT_FORMAT, NUMBER),
            Column("Tổng số", 10, "Đã nộp báo cáo", COUNT_FORMAT, NUMBER),
            Column("Đúng hạn", 10, "Đã nộp báo cáo", COUNT_FORMAT, NUMBER),
            Column("Muộn", 10, "Đã nộp báo cáo", COUNT_FORMAT, NUMBER),
            Column("Chưa nộp", 10, "", COUNT_FORMAT, NUMBER),
            Column("Đã tổng hợp số liệu", 12, "", COUNT_FORMAT, NUMBER),
            Column("Đã nộp", 10, "Tỷ lệ so với số phải báo cáo", PERCENT_FORMAT, NUMBER),
            Column("Đúng hạn", 10, "Tỷ lệ so với số phải báo cáo", PERCENT_FORMAT, NUMBER),
        ]
    return []


def _by_unit_column(config: CampaignConfig, column: SummaryColumn) -> Column:
    """A figure column: a count or a sum (a number, right-aligned), or a single field's value as its type shows."""
    if not column.value:
        return Column(column.label, 12, column.group, _figure_format(config, column.sum), NUMBER)
    section, name = column.value.split(".")
    field_type = config.form.section(section).field(name).type
    if field_type in ("integer", "decimal"):
        return Column(column.label, 12, column.group, NUMBER_FORMATS[field_type], NUMBER)
    if field_type == "date":
        return Column(column.label, 12, column.group, NUMBER_FORMATS["date"], CENTER)
    return Column(column.label, 20, column.group)


def _figure_format(config: CampaignConfig, dotted: str | None) -> str:
    if not dotted:
        return COUNT_FORMAT
    table, name = dotted.split(".")
    return NUMBER_FORMATS.get(config.form.section(table).field(name).type, COUNT_FORMAT)


def matrix_label_field(section: Section, annex: Annex) -> FormField:
    """The matrix's item label: the field prefilled with the task text, else the key itself."""
    return next((each for each in section.fields if each.prefill == "task_text"), section.field(annex.key))


def count_choice_label(config: CampaignConfig, annex: Annex) -> str | None:
    """The label of the choice a matrix counts per item ("Đã thực hiện"), or None when it counts nothing."""
    if not annex.count_choice:
        return None
    value_field = config.form.section(annex.table).field(annex.value)
    options = config.form.choices.get(value_field.choices or "", [])
    return next((option.label for option in options if option.name == annex.count_choice), annex.count_choice)
