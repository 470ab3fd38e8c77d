"""Accepted returns → tidy tables: one row per unit, per document, per activity, per task…

Per unit, the newest usable return counts: one without errors, or one staff accepted anyway
(`baocao accept`). A return staff rejected (`baocao reject`) ends the search: the unit then has
no data. Typed values come from the ledger, stored when the return was checked, so merging a
thousand returns reads no workbook at all. Units without usable data are kept, never dropped.
"""

import getpass
import io
from datetime import date, datetime
from pathlib import Path

import pandas
import xlsxwriter

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig, Section
from addin.errors import BaocaoError
from addin.issue.templates import write_bytes_atomically
from addin.ledger import Decision, Ledger
from addin.outputs.summary.facts import MergedCampaign
from addin.rules.checking import ACCEPTED, NOT_RECEIVED, REJECTED, FileResult, campaign_status

ACCEPTED_WITH_ERRORS = "accepted_with_errors"
INCLUDED = (ACCEPTED, ACCEPTED_WITH_ERRORS)
TIDY_WORKBOOK = "du_lieu_tong_hop.xlsx"
CSV_DIR = "du_lieu_csv"
UNITS_TABLE = "00_don_vi"  # starts with a digit, so no form section (a lowercase identifier) can take it


def merge_campaign(folder: CampaignFolder, config: CampaignConfig | None = None) -> MergedCampaign:
    config = config or folder.load_config()
    status = campaign_status(folder, config, with_findings=False)
    with Ledger(folder.ledger_path) as ledger:
        decisions = ledger.decisions()
        chosen = {s.unit.code: _usable(s.history, decisions) for s in status.units}
        data = {code: ledger.check_data(result.record.sha256) for code, (_, result) in chosen.items() if result}
    unit_rows = []
    for unit_status in status.units:
        unit = unit_status.unit
        state, used = chosen[unit.code]
        decision = decisions.get(used.record.sha256) if used else None
        arrived = used or unit_status.latest
        unit_rows.append(
            {
                "order": unit.order,
                "unit_code": unit.code,
                "unit_name": unit.name,
                "unit_short": unit.short,
                "group_code": unit.group_code,
                "group_name": unit.group_name,
                "state": state or (unit_status.state if unit_status.latest else NOT_RECEIVED),
                "included": bool(used),
                "received_at": arrived.record.received_at if arrived else None,
                "late": arrived.check.late if arrived else None,
                "file": used.record.original_name if used else None,
                "sha256": used.record.sha256 if used else None,
                "errors": used.check.errors if used else None,
                "warnings": used.check.warnings if used else None,
                "decision_note": decision.note if decision else None,
            }
        )
    units = pandas.DataFrame(unit_rows)
    included = units[units["included"]]
    sections = {section.name: _section_frame(config, section, included, data) for section in config.form.sections}
    return MergedCampaign(units, sections)


def _usable(history: list[FileResult], decisions: dict[str, Decision]) -> tuple[str | None, FileResult | None]:
    """(state, the return whose data counts) searching newest first."""
    for result in reversed(history):
        decision = decisions.get(result.record.sha256)
        if decision and decision.decision == "reject":
            return REJECTED, None
        if result.check.status == ACCEPTED:
            return ACCEPTED, result
        if decision and decision.decision == "accept" and result.check.status != REJECTED:
            return ACCEPTED_WITH_ERRORS, result
    return None, None


def _section_frame(
    config: CampaignConfig, section: Section, included: pandas.DataFrame, data: dict
) -> pandas.DataFrame:
    labels = {
        form_field.name: {choice.name: choice.label for choice in config.form.choices[form_field.choices]}
        for form_field in section.fields
        if form_field.type == "select_one"
    }
    kinds = {form_field.name: form_field.type for form_field in section.fields}
    rows = []
    for unit in included.itertuples():
        stored = data.get(unit.unit_code) or {}
        base = {"unit_code": unit.unit_code, "group_code": unit.group_code, "order": unit.order}
        if section.kind == "fields":
            values = stored.get("fields", {})
            rows.append({**base, **{name: _typed(values.get(name), kinds[name], labels.get(name)) for name in kinds}})
            continue
        for row in stored.get("tables", {}).get(section.name, []):
            typed = {name: _typed(row.get(name), kinds[name], labels.get(name)) for name in kinds}
            rows.append({**base, "row": row.get("_row"), **typed})
    columns = ["unit_code", "group_code", "order"] + ([] if section.kind == "fields" else ["row"]) + list(kinds)
    return pandas.DataFrame(rows, columns=columns)


def _typed(value, kind: str, labels: dict | None):
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(str(value)[:10])
    if labels is not None:
        return labels.get(value, value)
    return value


# ---------------------------------------------------------------- staff decisions


def decide(folder: CampaignFolder, unit_code: str, decision: str, note: str) -> Decision:
    """Record staff's accept/reject of a unit's latest return (who and when are recorded too)."""
    config = folder.load_config()
    code = unit_code.strip().upper()
    if code not in {unit.code for unit in config.units}:
        raise BaocaoError(f"Không có đơn vị mã «{unit_code}» trong cấu hình. Xem mã ở lệnh «baocao status».")
    unit_status = next(s for s in campaign_status(folder, config).units if s.unit.code == code)
    if unit_status.latest is None:
        raise BaocaoError(f"Đơn vị {unit_status.unit.short} chưa gửi báo cáo nào (hoặc chưa chạy «baocao check»).")
    if decision == "accept" and unit_status.latest.check.status == REJECTED:
        raise BaocaoError(
            f"Tệp mới nhất của {unit_status.unit.short} không đọc được hoặc không đúng biểu mẫu nên không thể "
            "chấp nhận; hãy đề nghị đơn vị gửi lại."
        )
    record = Decision(
        code, unit_status.latest.record.sha256, decision, note, _who(), datetime.now().replace(microsecond=0)
    )
    with Ledger(folder.ledger_path) as ledger:
        ledger.record_decision(record)
    return record


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account): still record something
        return "không rõ"


# ---------------------------------------------------------------- tidy outputs


def write_tidy(folder: CampaignFolder, config: CampaignConfig, merged: MergedCampaign) -> tuple[Path, Path]:
    """One workbook of plain tables and one CSV per table, for anyone who analyses further.

    Pre-filled text (the unit's name, a task's full text) is left out: it repeats what the unit code
    and the task code already say, and the unit table and the config hold it once.
    """
    frames = {UNITS_TABLE: merged.units}
    for section in config.form.sections:
        repeated = [f.name for f in section.fields if f.prefill in ("unit_name", "task_text")]
        frames[section.name] = merged.sections[section.name].drop(columns=repeated)
    buffer = _excel_bytes(frames)
    workbook = folder.results / TIDY_WORKBOOK
    write_bytes_atomically(workbook, buffer)
    csv_dir = folder.results / CSV_DIR
    for name, frame in frames.items():
        write_bytes_atomically(csv_dir / f"{name}.csv", frame.to_csv(index=False).encode("utf-8-sig"))
    return workbook, csv_dir


def _excel_bytes(frames: dict[str, pandas.DataFrame]) -> bytes:
    """Plain tables written row by row with XlsxWriter (pandas' to_excel is ~10× slower per cell).

    Text from returns stays text: XlsxWriter is told never to turn strings into formulas or links.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "dd/mm/yyyy",
            "in_memory": True,
        },
    )
    bold = workbook.add_format({"bold": True})
    for name, frame in frames.items():
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, list(frame.columns), bold)
        columns = [_plain_values(frame[name]) for name in frame.columns]
        for number, row in enumerate(zip(*columns, strict=True), start=1):
            sheet.write_row(number, 0, row)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))
    workbook.close()
    return buffer.getvalue()


def _plain_values(column: pandas.Series) -> list:
    """A column as plain Python values XlsxWriter understands, blanks as None."""
    if pandas.api.types.is_datetime64_any_dtype(column):
        return [None if value is pandas.NaT else value.to_pydatetime() for value in column]
    values = column.tolist()
    if pandas.api.types.is_integer_dtype(column) or pandas.api.types.is_bool_dtype(column):
        return values
    return [None if value is None or value != value else value for value in values]
