"""Realistic sample returns: unit templates filled the way units fill them, mistakes included.

Used by tests, benchmarks and the demo. Values are written straight into the template's
sheet XML at the cells its defined names point to (what a unit typing in Excel changes),
which keeps generating a thousand returns fast. Nothing here is specific to one campaign:
values follow each field's type and rules.
"""

import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter
from simpleeval import simple_eval

from addin.config import CampaignConfig, FormField, Section, UnitEntry
from addin.contract import field_name
from addin.expressions import parse_expression
from addin.intake.reading import parse_reference, workbook_layout
from addin.issue.unit_copies import MasterPackage, unit_file_name
from addin.rules.template_checks import excel_serial
from addin.vietnamese import unicode_to_legacy
from addin.xlsx.zip_parts import read_parts, write_parts

MISTAKES = (
    "wrong_total",
    "missing_required",
    "number_as_text",
    "date_as_text",
    "date_out_of_period",
    "not_in_list",
    "legacy_text",
)
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Lò", "Giàng", "Sùng"]
GIVEN = ["Thị Hoa", "Văn Minh", "Thị Lan", "Văn Hùng", "Thị Mai", "Văn Dũng", "Thị Thu", "A Páo", "Thị Hằng"]
POSITIONS = ["Trưởng phòng", "Phó trưởng phòng", "Hiệu trưởng", "Phó hiệu trưởng", "Giám đốc", "Chuyên viên"]
PLACES = ["Xã Bản Vược", "Thị trấn Phố Lu", "Xã Tả Van", "Hội trường đơn vị", "Nhà văn hóa thôn", "Sân trường"]
PARTNERS = ["Hội Liên hiệp Phụ nữ", "Đoàn Thanh niên", "Công đoàn", "Trạm Y tế xã", "Công an xã", ""]
TOPICS = [
    "Tuyên truyền về bình đẳng giới",
    "Nói chuyện chuyên đề phòng, chống bạo lực gia đình",
    "Tư vấn tâm lý cho học sinh nữ",
    "Giao lưu văn nghệ, thể thao",
    "Tọa đàm về vai trò của phụ nữ",
    "Phát thanh măng non chủ đề phòng chống xâm hại trẻ em",
]


@dataclass
class SampleReturn:
    unit: UnitEntry
    fields: dict[str, object] = field(default_factory=dict)
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    mistakes: list[str] = field(default_factory=list)
    received_at: datetime | None = None


class SampleMaker:
    def __init__(self, config: CampaignConfig, seed: int = 2019):
        self.config = config
        self.random = random.Random(seed)

    def make(self, unit: UnitEntry, mistakes: list[str] | tuple[str, ...] = (), late: bool = False) -> SampleReturn:
        sample = SampleReturn(unit)
        for section in self.config.form.sections:
            if section.kind == "fields":
                sample.fields.update({f.name: self.value(f) for f in section.input_fields})
                self._satisfy_rules(section, sample.fields)
            else:
                count = len(self.config.tasks) if section.rows_from else self._row_count(section)
                rows = [{f.name: self.value(f) for f in section.input_fields} for _ in range(count)]
                for row in rows:
                    self._satisfy_rules(section, row)
                sample.tables[section.name] = rows
        for mistake in mistakes:
            if self._inject(sample, mistake):
                sample.mistakes.append(mistake)
        sample.received_at = self._arrival(late)
        return sample

    def _row_count(self, section: Section) -> int:
        return min(section.rows, max(section.min_rows, self.random.randint(1, 6)))

    def value(self, form_field: FormField) -> object:
        pick = self.random.choice
        if form_field.type in ("integer", "decimal"):
            low = int(form_field.min) if form_field.min is not None else 0
            high = int(form_field.max) if form_field.max is not None else low + 150
            number = self.random.randint(low, min(high, low + 150))
            return number if form_field.type == "integer" else round(number + self.random.random(), 1)
        if form_field.type == "date":
            return self._date(form_field)
        if form_field.type == "select_one":
            return pick(self.config.form.choices[form_field.choices]).label
        if form_field.type == "email":
            return f"canbo{self.random.randint(1, 99)}@donvi.example"
        if form_field.type == "phone":
            return f"0214 {self.random.randint(3800, 3899)} {self.random.randint(100, 999)}"
        label = form_field.label.casefold()
        if "người" in label or "họ" in label:
            return f"{pick(SURNAMES)} {pick(GIVEN)}"
        if "chức" in label:
            return pick(POSITIONS)
        if "địa" in label:
            return pick(PLACES)
        if "phối hợp" in label:
            return pick(PARTNERS) or None
        if "số" in label and "hiệu" in label:
            return f"{self.random.randint(10, 300)}/KH-{self.random.choice(['PGDĐT', 'THPT', 'TT'])}"
        return pick(TOPICS)

    def _date(self, form_field: FormField) -> datetime:
        period = self.config.campaign.period
        start, end = (
            (period.start, period.end) if form_field.within_period else (period.start - timedelta(days=40), period.end)
        )
        day = start + timedelta(days=self.random.randint(0, (end - start).days))
        return datetime(day.year, day.month, day.day)

    def _satisfy_rules(self, section: Section, values: dict) -> None:
        """Make generated numbers obey the section's `left = right` rules (left a single field)."""
        for rule in self.config.rules:
            if rule.scope != section.name or rule.operator != "equal_to":
                continue
            left = parse_expression(rule.left)
            if len(left.names) != 1 or left.names[0] not in values:
                continue
            names = {name: values.get(name) or 0 for name in parse_expression(rule.right).names}
            values[left.names[0]] = simple_eval(rule.right, names=names)

    def _arrival(self, late: bool) -> datetime:
        deadline, end = self.config.campaign.deadline, self.config.campaign.period.end
        if late:
            day = deadline + timedelta(days=self.random.randint(1, 5))
        else:
            day = end + timedelta(days=self.random.randint(0, max(0, (deadline - end).days)))
        return datetime(day.year, day.month, day.day, self.random.randint(7, 17), self.random.randint(0, 59))

    # ------------------------------------------------------------ mistakes

    def _inject(self, sample: SampleReturn, mistake: str) -> bool:
        for section in self.config.form.sections:
            targets = [sample.fields] if section.kind == "fields" else sample.tables.get(section.name, [])
            for values in targets:
                if self._inject_into(section, values, mistake):
                    return True
        return False

    def _inject_into(self, section: Section, values: dict, mistake: str) -> bool:
        fields = [f for f in section.input_fields if f.name in values]
        if mistake == "wrong_total":
            for rule in self.config.rules:
                left = parse_expression(rule.left).names
                if rule.scope == section.name and rule.operator == "equal_to" and len(left) == 1:
                    values[left[0]] = (values.get(left[0]) or 0) + 5
                    return True
            return False
        chooser = {
            "missing_required": lambda f: f.required and section.kind == "fields",
            "number_as_text": lambda f: f.type == "integer",
            "date_as_text": lambda f: f.type == "date",
            "date_out_of_period": lambda f: f.type == "date" and f.within_period,
            "not_in_list": lambda f: f.type == "select_one",
            "legacy_text": lambda f: f.type == "text" and isinstance(values.get(f.name), str) and not f.prefill,
        }[mistake]
        target = next((f for f in fields if chooser(f)), None)
        if target is None:
            return False
        current = values[target.name]
        values[target.name] = {
            "missing_required": lambda: None,
            "number_as_text": lambda: f"{int(current or 0) + 1000:,}".replace(",", ".") + " người",
            "date_as_text": lambda: f"{current:%d/%m/%Y}",
            "date_out_of_period": lambda: current + timedelta(days=90),
            "not_in_list": lambda: "Hội thảo khoa học",
            "legacy_text": lambda: unicode_to_legacy(str(current), "TCVN3"),
        }[mistake]()
        return True


# ---------------------------------------------------------------- writing into a template


class TemplateFiller:
    """Writes values into a unit template's cells, found by its defined names."""

    def __init__(self, template: bytes):
        self.parts = read_parts(template)
        self.sheet_parts, names = workbook_layout(self.parts.__getitem__)
        self.names = {name: parse_reference(reference) for name, reference in names.items()}

    def fill(self, config: CampaignConfig, sample: SampleReturn) -> bytes:
        edits: dict[str, dict[str, object]] = {}
        for section in config.form.sections:
            if section.kind == "fields":
                for name, value in sample.fields.items():
                    if any(f.name == name for f in section.fields):
                        self._plan(edits, field_name(section, name), 0, value)
                continue
            for offset, row in enumerate(sample.tables.get(section.name, [])):
                for name, value in row.items():
                    self._plan(edits, field_name(section, name), offset, value)
        parts = dict(self.parts)
        for sheet, cells in edits.items():
            part = self.sheet_parts[sheet]
            parts[part] = _write_cells(parts[part].decode("utf-8"), cells).encode("utf-8")
        return write_parts(parts.items())

    def _plan(self, edits: dict, name: str, offset: int, value: object) -> None:
        area = self.names.get(name)
        if area is None or area.first_row + offset > area.last_row:
            return
        column = get_column_letter(area.first_column)
        edits.setdefault(area.sheet, {})[f"{column}{area.first_row + offset}"] = value


def _write_cells(xml: str, cells: dict[str, object]) -> str:
    def replace(match: re.Match) -> str:
        address, style = match.group(1), match.group(2) or ""
        value = cells[address]
        if value is None:
            return f'<c r="{address}"{style}/>'
        if isinstance(value, datetime | date):
            day = value.date() if isinstance(value, datetime) else value
            return f'<c r="{address}"{style}><v>{excel_serial(day)}</v></c>'
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f'<c r="{address}"{style}><v>{value}</v></c>'
        text = escape(str(value))
        return f'<c r="{address}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'

    addresses = "|".join(re.escape(address) for address in cells)
    pattern = re.compile(rf'<c r="({addresses})"( s="\d+")?[^>]*?(?:/>|>.*?</c>)', re.S)
    return pattern.sub(replace, xml)


def write_samples(
    config: CampaignConfig,
    master: bytes,
    samples: list[SampleReturn],
    out_dir: Path,
    file_name: Callable[[SampleReturn], str] | None = None,
) -> list[Path]:
    """Stamp each unit's template, fill it with its sample, and save it as the unit would send it."""
    package = MasterPackage(master, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for sample in samples:
        filled = TemplateFiller(package.stamp(sample.unit)).fill(config, sample)
        path = out_dir / (file_name(sample) if file_name else unit_file_name(sample.unit))
        path.write_bytes(filled)
        if sample.received_at:
            stamp = sample.received_at.timestamp()
            os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths
