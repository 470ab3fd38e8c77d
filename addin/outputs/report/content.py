"""What the báo cáo says: the template's variables, its body section by section, from the same merged data the
annexes read (`Facts`), never from a standing of its own.

Every section is `{"heading", "level", "paragraphs": [{"kind": "body" | "item", "text"}]}`; the template draws a
body paragraph or a «- » item for each. Which sections, in which order, fed by which form names: `config.report`.
"""

import math
import re
from datetime import date

import pandas

from addin.config import CampaignConfig
from addin.config.model import ReportSection
from addin.outputs.summary.facts import Facts, MergedCampaign, UnitFacts, submission_counts
from addin.outputs.summary.form import place_date_text, roman
from addin.standing import State

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def number_text(value: float | int | None) -> str:
    """A figure as Vietnamese write it: 4.567 and 12,5."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "0"
    if float(value).is_integer():
        return f"{round(value):,}".replace(",", ".")
    whole, _, fraction = f"{value:,.2f}".rstrip("0").partition(".")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def clean(text) -> str:
    """Text from a return as one line of a Word paragraph: no control characters, no line breaks."""
    text = _NOT_IN_XML.sub("", str(text))
    return " ".join(text.split())


def report_context(config: CampaignConfig, merged: MergedCampaign, today: date | None = None) -> dict:
    """Every variable of the báo cáo template (listed in README, «Báo cáo (Word)»)."""
    facts = Facts(config, merged)
    issuer, options, campaign = config.issuer, config.summary, config.campaign
    counts = dict(
        zip(
            ("expected", "received", "on_time", "late", "missing", "included"),
            submission_counts(facts.units)[:6],
            strict=True,
        )
    )
    recipients = list(options.recipients)
    title = campaign.report_title
    subtitle = campaign.report_subtitle or (options.title if options.title != title else "")
    return {
        "parent": issuer.parent,
        "issuer_name": issuer.name,
        "issuer_short": issuer.short_name,
        "national_title": config.document_header.national_title,
        "motto": config.document_header.motto,
        "number": options.document_number or "Số: …/BC",
        "place_date": place_date_text(config, today),
        "report_date": f"{config.report_date(today):%d/%m/%Y}",
        "title": title,
        "subtitle": subtitle,
        "campaign_name": campaign.name,
        "campaign_id": campaign.id,
        "introduction": _introduction(config),
        "sections": [_section(section, facts) for section in config.report_sections],
        "closing": f"Trên đây là báo cáo kết quả {_lower_first(campaign.name)} của {issuer.short_name}./.",
        "recipients": [
            text.rstrip(";.") + ("." if index == len(recipients) - 1 else ";") for index, text in enumerate(recipients)
        ],
        "signer_title": options.signer_title or issuer.signer_title,
        "signer_name": options.signer_name or issuer.signer_name,
        "figures": counts,
    }


def _introduction(config: CampaignConfig) -> str:
    dispatch, issuer = config.campaign.dispatch, config.issuer
    subject = re.sub(r"^\s*V/v\s+", "về việc ", dispatch.subject, flags=re.IGNORECASE)
    when = f" ({dispatch.date_text})" if dispatch.date_text else ""
    return (
        f"Thực hiện Công văn số {dispatch.number}{when} của {issuer.short_name} {subject}, {issuer.short_name} "
        "báo cáo kết quả như sau:"
    )


def _lower_first(text: str) -> str:
    """«Tháng hành động…» → «tháng hành động…», «Nữ» → «nữ»; «UBND…» stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def _section(section: ReportSection, facts: Facts) -> dict:
    writers = {
        "heading": lambda section, facts: [],
        "directives": _directives,
        "tasks": _tasks,
        "activities": _activities,
        "submission": _submission,
        "texts": _texts,
    }
    paragraphs = writers[section.kind](section, facts)
    for index, paragraph in enumerate(paragraphs):  # a list's last item ends with «.», the others with «;»
        last = index + 1 == len(paragraphs) or paragraphs[index + 1]["kind"] != "item"
        if paragraph["kind"] == "item" and last and paragraph["text"].endswith(";"):
            paragraph["text"] = paragraph["text"][:-1] + "."
    return {"heading": section.heading, "level": section.level, "paragraphs": paragraphs}


def body(text: str) -> dict:
    return {"kind": "body", "text": text}


def item(text: str) -> dict:
    return {"kind": "item", "text": text}


def _with_data(units: list[UnitFacts]) -> str:
    return f"{sum(each.included for each in units)}/{len(units)} đơn vị có số liệu"


def annex_reference(facts: Facts, table: str) -> str:
    """«Phụ lục I, II»: the annexes that count or list the rows of `table` (numbered as in summary.annexes)."""
    numbers = []
    for number, annex in enumerate(facts.config.summary.annexes, start=1):
        fed = [column.count_rows or (column.sum or "").split(".")[0] for column in annex.columns]
        if annex.table == table or table in fed:
            numbers.append(roman(number))
    return f"Phụ lục {', '.join(numbers)}" if numbers else ""


def _directives(section: ReportSection, facts: Facts) -> list[dict]:
    counts = facts.row_counts(section.table)
    total = sum(counts.get(each.unit.code, 0) for each in facts.units if each.included)
    issuing = sum(1 for each in facts.units if each.included and counts.get(each.unit.code, 0))

    def in_group(units: list[UnitFacts]) -> str:
        group_total = sum(counts.get(each.unit.code, 0) for each in units if each.included)
        return f"{number_text(group_total)} văn bản ({_with_data(units)})"

    paragraphs = _by_group(
        facts,
        f"Các đơn vị đã ban hành {number_text(total)} văn bản chỉ đạo, hướng dẫn triển khai "
        f"({issuing} đơn vị có văn bản; {_with_data(facts.units)}). Theo nhóm đơn vị:",
        in_group,
    )
    reference = annex_reference(facts, section.table)
    if reference:
        paragraphs.append(body(f"Số văn bản của từng đơn vị và danh sách văn bản tại {reference} kèm theo."))
    return paragraphs


def _by_group(facts: Facts, lead: str, in_group) -> list[dict]:
    """A lead paragraph, then one item per unit group: «I. Phòng Giáo dục và Đào tạo: <in_group(its units)>;»."""
    return [body(lead)] + [item(f"{code}. {name}: {in_group(units)};") for code, name, units in facts.groups()]


def _tasks(section: ReportSection, facts: Facts) -> list[dict]:
    config = facts.config
    table = config.form.section(section.table)
    choices = config.form.choices[table.field(section.value).choices]
    done = next(choice.label for choice in choices if choice.name == section.count_choice)
    frame = facts.frame(section.table)
    shorts = {each.unit.code: each.unit.short for each in facts.units}
    reporting = len(facts.included)
    paragraphs = []
    for task in config.tasks:
        rows = frame[frame[section.key].astype(str) == task.code] if frame is not None and not frame.empty else None
        states = rows[section.value].value_counts().to_dict() if rows is not None else {}
        paragraphs.append(body(f"Nhiệm vụ {task.code}: {clean(task.text)}"))
        others = "; ".join(
            f"{choice.label.lower()}: {states[choice.label]}"
            for choice in choices
            if choice.name != section.count_choice and states.get(choice.label)
        )
        paragraphs.append(
            body(
                f"Kết quả: {states.get(done, 0)}/{reporting} đơn vị có số liệu báo cáo {done.lower()}"
                + (f" ({others})." if others else ".")
                + _indicators(config, facts, task.code)
            )
        )
        if rows is not None and section.examples:
            examples = rows[(rows[section.value] == done) & rows[section.detail].notna()]
            seen: set[str] = set()
            for record in examples.itertuples(index=False):
                code, text = record.unit_code, clean(getattr(record, section.detail))
                if text and code not in seen:
                    seen.add(code)
                    paragraphs.append(item(f"{shorts.get(code, code)}: {text};"))
                if len(seen) == section.examples:
                    break
    return paragraphs


def _indicators(config: CampaignConfig, facts: Facts, task_code: str) -> str:
    """« Số cuộc kiểm tra…: 45.» for the number fields the form ties to the task (field `task:`)."""
    parts = []
    for form_section in config.form.sections:
        for form_field in form_section.fields:
            if form_field.task == task_code and form_field.type in ("integer", "decimal"):
                parts.append(f"{form_field.label}: {number_text(_total(facts, form_section.name, form_field.name))}")
    return (" " + "; ".join(parts) + ".") if parts else ""


def _total(facts: Facts, table: str, name: str, units: list[UnitFacts] | None = None) -> float:
    """The sum over included units, as the annexes' totals sum it."""
    sums = facts.column_sums(f"{table}.{name}")
    chosen = [each.unit.code for each in (units if units is not None else facts.units) if each.included]
    return math.fsum(sums.get(code) or 0 for code in chosen)


def _activities(section: ReportSection, facts: Facts) -> list[dict]:
    form = facts.config.form

    def figures(units: list[UnitFacts]) -> str:
        counts = facts.row_counts(section.table)
        activities = sum(counts.get(each.unit.code, 0) for each in units if each.included)
        parts: list[list[str]] = [[f"{number_text(activities)} hoạt động"]]
        last_group = None
        for dotted in section.sums:  # «số người tham gia: tổng số 120, nam 50, nữ 70»
            table, name = dotted.split(".")
            source = form.section(table)
            group = next((g.label for g in source.header_groups if name in g.fields), "")
            value = number_text(_total(facts, table, name, units))
            if group and group == last_group:
                parts[-1].append(f"{_lower_first(source.field(name).label)} {value}")
            elif group:
                parts.append([f"{_lower_first(group)}: {_lower_first(source.field(name).label)} {value}"])
            else:
                parts.append([f"{source.field(name).label}: {value}"])
            last_group = group
        return "; ".join(", ".join(part) for part in parts)

    paragraphs = _by_group(
        facts, f"Toàn ngành: {figures(facts.units)} ({_with_data(facts.units)}). Theo nhóm đơn vị:", figures
    )
    reference = annex_reference(facts, section.table)
    if reference:
        paragraphs.append(body(f"Số liệu chi tiết tại {reference} kèm theo."))
    return paragraphs


def _submission(section: ReportSection, facts: Facts) -> list[dict]:
    def counts(units: list[UnitFacts]) -> str:
        expected, received, on_time, late, missing, included = submission_counts(units)[:6]
        return (
            f"{expected} đơn vị phải báo cáo; đã báo cáo {received} (đúng hạn {on_time}, muộn {late}); "
            f"chưa báo cáo {missing}; số liệu của {included} đơn vị được tổng hợp"
        )

    deadline = facts.config.campaign.deadline
    paragraphs = _by_group(
        facts, f"Hạn gửi báo cáo: {deadline:%d/%m/%Y}. Toàn ngành: {counts(facts.units)}. Theo nhóm:", counts
    )
    missing = [each for each in facts.units if each.state == State.MISSING]
    if missing:
        names = "; ".join(each.unit.name for each in missing)
        paragraphs.append(body(f"Các đơn vị chưa báo cáo ({len(missing)}): {names}."))
    else:
        paragraphs.append(body("Tất cả các đơn vị đã gửi báo cáo."))
    late = [each for each in facts.units if each.late and each.state != State.MISSING]
    if late:
        paragraphs.append(body(f"Các đơn vị báo cáo muộn ({len(late)}): {'; '.join(e.unit.name for e in late)}."))
    return paragraphs


def _texts(section: ReportSection, facts: Facts) -> list[dict]:
    """Per group: the totals of the number fields and each unit's text, of the form sections named."""
    form = facts.config.form
    paragraphs = []
    for code, name, units in facts.groups():
        paragraphs.append(body(f"{code}. {name} ({_with_data(units)}):"))
        for section_name in section.sections:
            source = form.section(section_name)
            numbers = [f for f in source.fields if f.type in ("integer", "decimal")]
            texts = [f for f in source.fields if f.type == "text" and f.is_input]
            if numbers:
                totals = "; ".join(
                    f"{each.label}: {number_text(_total(facts, section_name, each.name, units))}" for each in numbers
                )
                paragraphs.append(item(f"{_without_number(source.label)}: {totals};"))
            by_unit = [facts.values_by_unit(f"{section_name}.{text.name}") for text in texts]
            for each in units:
                values = (value for column in by_unit for value in column.get(each.unit.code, []))
                said = [clean(value) for value in values if _has_text(value)]
                if said:
                    paragraphs.append(item(f"{each.unit.short}: {'; '.join(said)};"))
    return paragraphs


def _has_text(value) -> bool:
    return value is not None and not (isinstance(value, float) and pandas.isna(value)) and bool(clean(value))


def _without_number(label: str) -> str:
    """«V. SỐ LIỆU KẾT QUẢ» → «Số liệu kết quả»."""
    text = re.sub(r"^\s*[IVXLC]+\.\s*", "", label)
    return text[:1].upper() + text[1:].lower() if text.isupper() else text
