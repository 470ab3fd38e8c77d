"""The rules of a config that span several keys: dates, units, form, rules, summary, mail.

Each check yields `(key path, Vietnamese message)`; loading adds the line in the file.
"""

import re
import string
from collections.abc import Iterator

import re2

from addin.config.model import (
    MAIL_PLACEHOLDERS,
    NUMERIC_TYPES,
    Annex,
    CampaignConfig,
    FormField,
    Section,
    SummaryColumn,
    compile_pattern,
    report_section_problems,
)
from addin.contract import NAME_PREFIX
from addin.expressions import CONSTANTS, ExpressionError, parse_expression
from addin.xlsx.limits import DEFINED_NAME_MAX, sheet_name_problem

KeyPath = tuple[str | int, ...]  # ("form", "sections", 0, "name")
Problem = tuple[KeyPath, str]


def format_path(where: KeyPath) -> str:
    """A key path as written in messages: `unit_groups[0].units[2].email`."""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(gốc)"


def semantic_problems(config: CampaignConfig) -> Iterator[Problem]:
    yield from _date_problems(config)
    yield from _task_problems(config)
    yield from _unit_problems(config)
    yield from _form_problems(config)
    yield from _rule_problems(config)
    yield from _summary_problems(config)
    yield from _mail_problems(config)
    yield from _report_problems(config)


def _date_problems(config: CampaignConfig) -> Iterator[Problem]:
    period, deadline = config.campaign.period, config.campaign.deadline
    if period.end < period.start:
        yield (
            ("campaign", "period", "end"),
            (f"ngày kết thúc {period.end:%d/%m/%Y} trước ngày bắt đầu {period.start:%d/%m/%Y}."),
        )
    if deadline < period.end:
        yield (
            ("campaign", "deadline"),
            (
                f"hạn nộp {deadline:%d/%m/%Y} trước ngày kết thúc đợt {period.end:%d/%m/%Y}; "
                "hạn nộp phải từ ngày kết thúc đợt trở đi."
            ),
        )


def _task_problems(config: CampaignConfig) -> Iterator[Problem]:
    """Each task code once: a return's task rows, the matrix annex and `task:` fields are matched by it."""
    first_seen: dict[str, int] = {}
    for t, task in enumerate(config.tasks):
        folded = task.code.casefold()
        if folded in first_seen:
            other = format_path(("tasks", first_seen[folded]))
            yield (
                ("tasks", t, "code"),
                f"mã nhiệm vụ «{task.code}» bị trùng với nhiệm vụ {other}; mỗi nhiệm vụ cần mã nhiệm vụ riêng.",
            )
        else:
            first_seen[folded] = t


def _unit_problems(config: CampaignConfig) -> Iterator[Problem]:
    first_seen: dict[str, dict[str, KeyPath]] = {"code": {}, "short": {}}
    labels = {"code": "mã đơn vị", "short": "tên ngắn"}
    for g, group in enumerate(config.unit_groups):
        for u, unit in enumerate(group.units):
            for key in ("code", "short"):
                value = getattr(unit, key)
                where = ("unit_groups", g, "units", u, key)
                folded = value.casefold()
                if folded in first_seen[key]:
                    other = format_path(first_seen[key][folded][:-1])
                    yield (
                        where,
                        f"{labels[key]} «{value}» bị trùng với đơn vị {other}; mỗi đơn vị cần {labels[key]} riêng.",
                    )
                else:
                    first_seen[key][folded] = where
            yield from _address_problems(unit, ("unit_groups", g, "units", u), first_seen.setdefault("email", {}))
            if not (unit.parent or group.parent):
                yield (
                    ("unit_groups", g, "units", u),
                    ("chưa có cơ quan chủ quản (parent) cho quốc hiệu bên trái: ghi parent ở đơn vị hoặc ở nhóm."),
                )


def _address_problems(unit, where: tuple, first_seen: dict) -> Iterator[Problem]:
    """Each address must look like one and belong to one unit only (the sender then says which unit wrote)."""
    places = [(("email",), unit.email)] + [(("emails", e), address) for e, address in enumerate(unit.emails)]
    for place, address in places:
        if not _looks_like_email(address):
            yield (*where, *place), f"địa chỉ thư «{address}» không hợp lệ."
            continue
        folded = address.strip().casefold()
        if folded in first_seen:
            other = format_path(first_seen[folded])
            yield (
                (*where, *place),
                (
                    f"địa chỉ thư «{address}» đã là của đơn vị {other}; mỗi địa chỉ chỉ thuộc một đơn vị "
                    "(thư gửi từ địa chỉ đó mới biết được là của đơn vị nào)."
                ),
            )
        else:
            first_seen[folded] = where


def _looks_like_email(address: str) -> bool:
    return re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address) is not None


def _form_problems(config: CampaignConfig) -> Iterator[Problem]:
    form = config.form
    section_names: set[str] = set()
    single_fields: set[str] = set()
    growable_sheets: dict[str, int] = {}
    for s, section in enumerate(form.sections):
        where = ("form", "sections", s)
        if section.name in section_names:
            yield (*where, "name"), f"tên phần «{section.name}» bị trùng."
        section_names.add(section.name)
        problem = sheet_name_problem(section.sheet)
        if problem:
            yield (*where, "sheet"), problem + "."
        if section.sheet.casefold() in ("hướng dẫn", "kiểm tra", "_meta"):
            yield (*where, "sheet"), f"tên trang «{section.sheet}» đã dành cho trang của hệ thống; hãy đặt tên khác."
        yield from _section_shape_problems(config, section, where)
        names_here: set[str] = set()
        for f, field in enumerate(section.fields):
            field_where = (*where, "fields", f)
            if field.name in names_here:
                yield (*field_where, "name"), f"tên trường «{field.name}» bị trùng trong phần «{section.name}»."
            names_here.add(field.name)
            if section.kind == "fields":
                if field.name in single_fields:
                    yield (
                        (*field_where, "name"),
                        f"tên trường «{field.name}» đã dùng ở phần khác; tên trường đơn phải khác nhau.",
                    )
                single_fields.add(field.name)
            yield from _field_problems(config, section, field, field_where)
        if section.is_growable_table:
            growable_sheets.setdefault(section.sheet, s)
    for s, section in enumerate(form.sections):
        first = growable_sheets.get(section.sheet)
        if first is not None and s > first:
            yield (
                ("form", "sections", s, "sheet"),
                (
                    f"trang «{section.sheet}» đã có bảng «{form.sections[first].name}» nhiều dòng; "
                    "bảng đó phải là phần cuối cùng của trang (để đơn vị chèn thêm dòng). "
                    "Hãy đặt phần này ở trang khác."
                ),
            )
    table_names = {section.name for section in form.sections if section.kind == "table"}
    for name in sorted(table_names & single_fields):
        yield ("form", "sections"), f"«{name}» vừa là tên bảng vừa là tên trường; hãy đổi một trong hai."
    for list_name, options in form.choices.items():
        if not options:
            yield (
                ("form", "choices", list_name),
                f"danh sách lựa chọn «{list_name}» chưa có lựa chọn nào; hãy thêm các dòng "
                "- {name: ..., label: ...} hoặc xoá danh sách.",
            )
    yield from _accepted_version_problems(config)


def _accepted_version_problems(config: CampaignConfig) -> Iterator[Problem]:
    """Each listed version once. Versions never issued are found at check time (the history is in the folder)."""
    seen: set[str] = set()
    for v, version in enumerate(config.form.accept_versions or []):
        if version in seen:
            yield ("form", "accept_versions", v), f"phiên bản «{version}» được ghi hai lần."
        seen.add(version)


def _section_shape_problems(config: CampaignConfig, section: Section, where: KeyPath) -> Iterator[Problem]:
    if section.kind == "fields":
        for key in ("rows", "min_rows", "rows_from", "header_groups", "totals"):
            if key in section.model_fields_set:
                yield (*where, key), f"mục «{key}» chỉ dùng cho phần dạng bảng (kind: table)."
        return
    if section.rows_from == "tasks" and not config.tasks:
        yield (*where, "rows_from"), "bảng lấy dòng từ danh sách nhiệm vụ (tasks) nhưng cấu hình chưa có nhiệm vụ nào."
    if section.rows_from is None and section.rows < 1:
        yield (*where, "rows"), "bảng cần số dòng để đơn vị nhập (rows), ví dụ rows: 200."
    if section.min_rows > max(section.rows, len(config.tasks) if section.rows_from else 0):
        yield (*where, "min_rows"), "số dòng tối thiểu lớn hơn số dòng của bảng."
    names = [field.name for field in section.fields]
    for g, group in enumerate(section.header_groups):
        unknown = [name for name in group.fields if name not in names]
        if unknown:
            yield (
                (*where, "header_groups", g, "fields"),
                f"không có cột «{', '.join(unknown)}» trong bảng «{section.name}».",
            )
            continue
        positions = sorted(names.index(name) for name in group.fields)
        if positions != list(range(positions[0], positions[0] + len(positions))):
            yield (*where, "header_groups", g, "fields"), "các cột của một nhóm tiêu đề phải đứng liền nhau."
    for t, name in enumerate(section.totals):
        if name not in names:
            yield (*where, "totals", t), f"không có cột «{name}» trong bảng «{section.name}»."
        elif section.field(name).type not in NUMERIC_TYPES:
            yield (*where, "totals", t), f"cột «{name}» không phải cột số nên không cộng được."
    longest = max(len(f"{NAME_PREFIX}{section.name}__{name}") for name in names)
    if longest > DEFINED_NAME_MAX:
        yield (*where, "name"), "tên phần và tên cột quá dài cho tên vùng của Excel."


def _field_problems(config: CampaignConfig, section: Section, field: FormField, where: KeyPath) -> Iterator[Problem]:
    choices = config.form.choices
    if field.type == "select_one" and not field.choices:
        yield (*where, "choices"), "trường chọn từ danh sách (select_one) cần ghi tên danh sách lựa chọn (choices)."
    if field.choices and field.choices not in choices:
        known = ", ".join(choices) or "(chưa có danh sách nào)"
        yield (
            (*where, "choices"),
            f"không có danh sách lựa chọn «{field.choices}» trong form.choices; các danh sách có: {known}.",
        )
    if field.choices and field.type != "select_one":
        yield (*where, "choices"), "chỉ trường kiểu select_one mới dùng danh sách lựa chọn."
    if (field.min is not None or field.max is not None) and field.type not in NUMERIC_TYPES:
        yield (*where, "type"), "giới hạn min/max chỉ dùng cho trường số (integer, decimal)."
    if field.min is not None and field.max is not None and field.min > field.max:
        yield (*where, "min"), f"min ({field.min:g}) lớn hơn max ({field.max:g})."
    if field.within_period and field.type != "date":
        yield (*where, "within_period"), "within_period chỉ dùng cho trường ngày (type: date)."
    if field.pattern is not None:
        try:
            compile_pattern(field.pattern)
        except re2.error:
            yield (
                (*where, "pattern"),
                f"mẫu kiểm tra «{field.pattern}» viết sai hoặc dùng cú pháp không hỗ trợ (biểu thức chính quy RE2: "
                "không dùng tham chiếu ngược như \\1 hay điều kiện nhìn trước/nhìn sau như (?=...)). Hãy sửa lại mẫu.",
            )
    if field.prefill in ("task_code", "task_text") and section.rows_from != "tasks":
        yield (*where, "prefill"), "chỉ bảng lấy dòng từ nhiệm vụ (rows_from: tasks) mới điền sẵn mã/nội dung nhiệm vụ."
    if field.prefill in ("unit_name", "unit_code") and section.kind != "fields":
        yield (*where, "prefill"), "tên/mã đơn vị chỉ điền sẵn vào trường đơn (phần kind: fields)."
    if field.task is not None and field.task not in {task.code for task in config.tasks}:
        yield (*where, "task"), f"không có nhiệm vụ mã «{field.task}» trong danh sách tasks."
    for label_list, options in choices.items():
        labels = [option.label.casefold() for option in options]
        if len(labels) != len(set(labels)) and field.choices == label_list:
            yield ("form", "choices", label_list), "hai lựa chọn trong danh sách trùng nhãn (label)."


def _rule_problems(config: CampaignConfig) -> Iterator[Problem]:
    sections = {section.name: section for section in config.form.sections}
    seen: set[str] = set()
    for r, rule in enumerate(config.rules):
        where = ("rules", r)
        if rule.name in seen:
            yield (*where, "name"), f"tên quy tắc «{rule.name}» bị trùng."
        seen.add(rule.name)
        section = sections.get(rule.scope)
        if section is None:
            yield (*where, "scope"), f"không có phần «{rule.scope}» trong form; các phần có: {', '.join(sections)}."
            continue
        known = {field.name: field for field in section.fields}
        for side in ("left", "right"):
            try:
                expression = parse_expression(getattr(rule, side))
            except ExpressionError as error:
                yield (*where, side), f"{error}."
                continue
            for name in expression.names:
                if name in CONSTANTS:
                    continue
                if name not in known:
                    yield (
                        (*where, side),
                        (
                            f"quy tắc dùng trường «{name}» không có trong phần «{rule.scope}»; "
                            f"các trường có: {', '.join(known)}."
                        ),
                    )
                elif known[name].type not in (*NUMERIC_TYPES, "date"):
                    yield (*where, side), f"trường «{name}» không phải số hay ngày nên không tính toán được."


def _summary_problems(config: CampaignConfig) -> Iterator[Problem]:
    tables = {section.name: section for section in config.form.sections if section.kind == "table"}
    sheets: set[str] = set()
    for a, annex in enumerate(config.summary.annexes):
        where = ("summary", "annexes", a)
        problem = sheet_name_problem(annex.sheet)
        if problem:
            yield (*where, "sheet"), problem + "."
        if annex.sheet.casefold() in sheets:
            yield (*where, "sheet"), f"tên trang «{annex.sheet}» bị trùng."
        sheets.add(annex.sheet.casefold())
        yield from _annex_key_problems(annex, where)
        if annex.table:
            yield from _table_reference_problems(config, annex.table, (*where, "table"))
        for c, column in enumerate(annex.columns):
            yield from _summary_column_problems(config, column, (*where, "columns", c))
        for s, item in enumerate(annex.series):
            table, column = item.split(".")
            if table not in tables or column not in {f.name for f in tables[table].fields}:
                yield (*where, "series", s), f"không có cột «{item}» (dạng bảng.cột) trong form."
            elif tables[table].field(column).type not in NUMERIC_TYPES:
                yield (*where, "series", s), f"cột «{item}» không phải cột số nên không cộng được."
        if annex.kind in ("listing", "matrix") and annex.table is None:
            yield where, f"phụ lục dạng {annex.kind} cần ghi bảng nguồn (table)."
        if annex.kind == "by_unit" and not annex.columns:
            yield (
                where,
                "phụ lục dạng by_unit cần ít nhất một cột (columns), ví dụ: "
                "columns: [{label: Số bản sách, value: so_lieu.so_ban_sach}].",
            )
        if annex.kind == "matrix" and annex.table in tables:
            names = {f.name for f in tables[annex.table].fields}
            for key in ("key", "value"):
                if getattr(annex, key) not in names:
                    yield (*where, key), f"phụ lục dạng matrix cần cột «{key}» có trong bảng «{annex.table}»."


# the keys each kind of annex reads; another key given is a mistake (it would be silently ignored)
_ANNEX_KEYS = {
    "by_unit": {"columns"},
    "listing": {"table"},
    "matrix": {"table", "key", "value", "count_choice"},
    "submission": set(),
    "charts": {"series"},
}


def _annex_key_problems(annex: Annex, where: KeyPath) -> Iterator[Problem]:
    for key in ("columns", "table", "key", "value", "count_choice", "series"):
        if key in annex.model_fields_set and key not in _ANNEX_KEYS[annex.kind]:
            used = ", ".join(sorted(_ANNEX_KEYS[annex.kind]))
            reads = f"ngoài kind, sheet, title chỉ dùng: {used}" if used else "chỉ dùng kind, sheet, title"
            yield (*where, key), f"mục «{key}» không dùng cho phụ lục dạng {annex.kind} ({reads}); hãy xoá mục này."


def _table_reference_problems(config: CampaignConfig, name: str, where: KeyPath) -> Iterator[Problem]:
    """A table named where rows are counted or listed: a single-fields section has no rows."""
    sections = {section.name: section for section in config.form.sections}
    tables = ", ".join(each.name for each in config.form.sections if each.kind == "table") or "(chưa có bảng nào)"
    if name not in sections:
        yield where, f"không có bảng «{name}» trong form; các bảng có: {tables}."
    elif sections[name].kind != "table":
        yield (
            where,
            f"«{name}» là phần trường đơn (kind: fields), không phải bảng: không có dòng để đếm hay liệt kê; "
            f"các bảng có: {tables}. Để hiện giá trị một trường của phần này theo đơn vị, hãy dùng phụ lục by_unit "
            f"với cột value: {name}.<tên trường>.",
        )


def _summary_column_problems(config: CampaignConfig, column: SummaryColumn, where: KeyPath) -> Iterator[Problem]:
    """A by-unit column has one source: rows counted, a number column or field summed, or a single field's value."""
    given = [key for key in ("count_rows", "sum", "value") if getattr(column, key)]
    if len(given) != 1:
        now = f"đang ghi cả {' và '.join(given)}" if given else "chưa ghi mục nào"
        yield (
            where,
            f"cột «{column.label}» cần đúng một nguồn số liệu: count_rows (đếm số dòng của một bảng), sum (cộng một "
            f"cột số hay một trường số) hoặc value (giá trị một trường đơn của từng đơn vị); {now}.",
        )
        return
    if column.count_rows:
        yield from _table_reference_problems(config, column.count_rows, (*where, "count_rows"))
        return
    key = given[0]
    dotted = getattr(column, key)
    found = yield from _dotted_problems(config, dotted, (*where, key))
    if found is None:
        return
    section, field = found
    if key == "sum" and field.type not in NUMERIC_TYPES:
        if section.kind == "fields":
            yield (
                (*where, key),
                f"trường «{dotted}» không phải số nên không cộng được; để hiện giá trị của từng đơn vị, hãy ghi "
                f"value: {dotted} thay cho sum.",
            )
        else:
            yield (*where, key), f"cột «{dotted}» không phải cột số nên không cộng được."
    if key == "value" and section.kind == "table":
        yield (
            (*where, key),
            f"«{dotted}» là cột của bảng «{section.name}» (mỗi đơn vị nhiều dòng) nên không có một giá trị cho mỗi "
            f"đơn vị; hãy ghi sum: {dotted} (cộng cột) hoặc count_rows: {section.name} (đếm dòng).",
        )


def _dotted_problems(config: CampaignConfig, dotted: str, where: KeyPath):
    """Yield what is wrong with a "section.field" reference; return (section, field) when it names one."""
    name, field_name = dotted.split(".")
    sections = {section.name: section for section in config.form.sections}
    section = sections.get(name)
    if section is None:
        yield where, f"«{dotted}»: không có phần «{name}» trong form; các phần có: {', '.join(sections)}."
        return None
    fields = [field.name for field in section.fields]
    if field_name not in fields:
        yield where, f"«{dotted}»: phần «{name}» không có trường «{field_name}»; các trường có: {', '.join(fields)}."
        return None
    return section, section.field(field_name)


def _mail_problems(config: CampaignConfig) -> Iterator[Problem]:
    known = ", ".join("{" + name + "}" for name in MAIL_PLACEHOLDERS)
    for kind in ("send", "remind", "feedback"):
        for part in ("subject", "body"):
            text = getattr(getattr(config.mail, kind), part)
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            except ValueError:
                yield ("mail", kind, part), "dấu ngoặc nhọn { } không khớp; muốn viết chính dấu { thì gõ {{."
                continue
            for name in sorted(names - MAIL_PLACEHOLDERS.keys()):
                yield ("mail", kind, part), f"không có chỗ điền «{{{name}}}». Các chỗ điền dùng được: {known}."
    for kind in ("smtp", "imap"):
        server = getattr(config.mail, kind)
        if server.host and not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]", server.host):
            yield ("mail", kind, "host"), f"tên máy chủ thư «{server.host}» không hợp lệ."
    for d, domain in enumerate(config.mail.trusted_domains):
        if not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", domain.strip()):
            yield ("mail", "trusted_domains", d), f"«{domain}» không phải tên miền thư (ví dụ: laocai.edu.vn)."
    resubmit_by, deadline = config.mail.resubmit_by, config.campaign.deadline
    if resubmit_by is not None and resubmit_by < deadline:
        yield (
            ("mail", "resubmit_by"),
            (
                f"hạn gửi lại {resubmit_by:%d/%m/%Y} trước hạn nộp {deadline:%d/%m/%Y} (campaign.deadline); "
                "hạn gửi lại dùng cho thư gửi sau hạn nộp nên phải từ hạn nộp trở đi. Hãy sửa ngày hoặc bỏ mục này."
            ),
        )
    if config.mail.sender and not _looks_like_email(config.mail.sender):
        yield ("mail", "sender"), f"địa chỉ thư «{config.mail.sender}» không hợp lệ."


def _report_problems(config: CampaignConfig) -> Iterator[Problem]:
    for index, section in enumerate(config.report.sections or []):
        for key, message in report_section_problems(config, section):
            yield ("report", "sections", index, *(key if isinstance(key, tuple) else (key,))), message
