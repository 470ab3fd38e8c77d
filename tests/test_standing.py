"""One standing per unit: every view of a campaign with units in every state says the same, unit by unit."""

import csv
import json
from datetime import datetime

import pytest

from addin import stages
from addin.channels.sending import WOULD_SEND
from addin.demo.samples import SampleMaker, write_samples
from addin.frontends.cli import run
from addin.issue.master import build_master
from addin.ledger import Ledger
from addin.outputs.control_panel import panel_for
from addin.outputs.merge import CSV_DIR, UNITS_TABLE
from addin.standing import ACCEPT, LABELS, REJECT, State, campaign_standing
from tests.sample_data import retype_unit_name
from tests.workbook_access import calamine_grid

SUBMISSION_SHEET = "PL4 Tình hình nộp"


def deliver(folder, config, samples, names):
    write_samples(config, build_master(config), samples, folder.inbox, file_name=lambda s: names[id(s)])
    stages.collect(folder)


@pytest.fixture(scope="module")
def every_state(tmp_path_factory):
    """A campaign whose first units stand in every state a return can put them in; the rest are missing."""
    folder = stages.init_campaign(tmp_path_factory.mktemp("standing") / "dot")
    stages.make_templates(folder)
    config = folder.load_config()
    units = config.units
    maker = SampleMaker(config, seed=21)
    first = {
        units[0]: maker.make(units[0]),
        units[1]: maker.make(units[1], ["wrong_total"]),
        units[2]: maker.make(units[2], ["wrong_total"]),
        units[3]: maker.make(units[3]),
        units[5]: maker.make(units[5]),
    }
    for sample in first.values():
        sample.received_at = datetime(2019, 12, 10, 9)
    deliver(folder, config, list(first.values()), {id(s): f"{u.code}_lan1.xlsx" for u, s in first.items()})
    misfiled = write_samples(
        config, build_master(config), [maker.make(units[7])], folder.inbox, lambda _: "ghi_ten.xlsx"
    )
    retype_unit_name(config, misfiled[0], units[8].name)  # the name of another unit typed into units[7]'s template
    broken = (folder.inbox / f"{units[0].code}_lan1.xlsx").read_bytes()[:4000]
    (folder.inbox / f"{units[4].code}_hong.xlsx").write_bytes(broken)
    stages.collect(folder)
    stages.check(folder)
    stages.decide(folder, units[2].code, ACCEPT, "Đã xác minh qua điện thoại")
    stages.decide(folder, units[3].code, REJECT, "Gửi nhầm số liệu của năm trước")

    resent = maker.make(units[5], ["wrong_total"])
    resent.received_at = datetime(2019, 12, 12, 9)
    deliver(folder, config, [resent], {id(resent): f"{units[5].code}_lan2.xlsx"})
    stages.check(folder)
    reminders = stages.remind(folder, dry_run=True)

    summary = stages.summary(folder)  # before the next return arrives: summary checks waiting returns first
    waiting = maker.make(units[6])
    deliver(folder, config, [waiting], {id(waiting): f"{units[6].code}_moi.xlsx"})
    expected = {
        units[0].code: State.VALID,
        units[1].code: State.HAS_ERRORS,
        units[2].code: State.ACCEPTED_BY_STAFF,
        units[3].code: State.REJECTED_BY_STAFF,
        units[4].code: State.UNUSABLE,
        units[5].code: State.HAS_ERRORS,  # its newest return has errors; the earlier good one still counts
        units[6].code: State.UNCHECKED,
        units[7].code: State.NEEDS_CONFIRMATION,
    }
    expected.update({unit.code: State.MISSING for unit in units[8:]})
    counted = {units[0].code, units[2].code, units[5].code}
    return folder, config, expected, counted, summary, reminders


def at_summary(config, expected):
    """The states the summary saw: the waiting return of units[6] arrived after it."""
    return {**expected, config.units[6].code: State.MISSING}


def test_the_campaign_really_has_every_state(every_state):
    _, _, expected, _, _, _ = every_state
    assert set(expected.values()) == set(State)


def test_status_json_gives_every_units_state_and_staff_decisions(every_state, capsys):
    folder, config, expected, counted, _, _ = every_state
    assert run(["status", str(folder.root), "--json"]) == 0
    units = json.loads(capsys.readouterr().out)["units"]
    assert {unit["unit_code"]: unit["status"] for unit in units} == expected
    with Ledger(folder.ledger_path) as ledger:
        counted_files = {code: ledger_sha for code, ledger_sha in _counted_files(ledger, counted)}
    assert {unit["unit_code"]: unit["counted_sha256"] for unit in units if unit["counted_sha256"]} == counted_files
    decisions = {unit["unit_code"]: unit["decision"] for unit in units if unit["decision"]}
    accepted, rejected = config.units[2].code, config.units[3].code
    assert set(decisions) == {accepted, rejected}
    assert (decisions[accepted]["decision"], decisions[accepted]["note"]) == ("accept", "Đã xác minh qua điện thoại")
    assert decisions[rejected]["decision"] == "reject" and decisions[rejected]["decided_by"]
    assert datetime.fromisoformat(decisions[rejected]["decided_at"]) <= datetime.now()


def _counted_files(ledger, codes):
    """The return the standing should use per unit: the newest valid or staff-accepted one."""
    decisions = ledger.decisions()
    newest = {}
    for record, check in ledger.checks():
        decision = decisions.get(record.sha256)
        usable = (check.status == "valid" and not decision) or (decision and decision.decision == "accept")
        if check.unit_code in codes and usable:
            newest[check.unit_code] = record.sha256
    return newest.items()


def test_the_panel_counts_and_rows_agree(every_state):
    folder, config, expected, _, _, _ = every_state
    panel = panel_for(config, folder, None)
    counts = dict(panel.counts)
    for state in State:
        assert counts[LABELS[state]] == list(expected.values()).count(state), state
    assert counts["Tệp chờ kiểm tra"] == 1
    assert {row[1]: row[3] for row in panel.unit_rows} == {code: _label_of(folder, code) for code in expected}
    for row in panel.unit_rows:
        assert row[3].startswith(LABELS[expected[row[1]]]), row


def _label_of(folder, code):
    return next(unit.label for unit in campaign_standing(folder).units if unit.unit.code == code)


def test_the_findings_workbook_shows_the_same_standing(every_state):
    folder, config, expected, _, summary, _ = every_state
    rows = calamine_grid(summary.findings_workbook, "Tình hình nộp")[1:]
    labels = {code: _label_of(folder, code) for code in expected}
    labels[config.units[6].code] = LABELS[State.MISSING]  # its return arrived after the summary
    assert {row[-1]: row[3] for row in rows} == labels
    assert "đang dùng bản nhận ngày 10/12/2019" in _label_of(folder, list(expected)[5])


def test_the_tidy_unit_table_agrees(every_state):
    folder, config, expected, counted, _, _ = every_state
    with (folder.results / CSV_DIR / f"{UNITS_TABLE}.csv").open(encoding="utf-8-sig") as table:
        rows = list(csv.DictReader(table))
    assert {row["unit_code"]: row["state"] for row in rows} == at_summary(config, expected)
    assert {row["unit_code"] for row in rows if row["included"] == "True"} == counted


def test_the_completeness_annex_agrees(every_state):
    _, config, expected, counted, summary, _ = every_state
    expected = at_summary(config, expected)
    cells = [str(value) for row in calamine_grid(summary.summary_workbook, SUBMISSION_SHEET) for value in row]
    names = {unit.code: unit.name for unit in config.units}
    listed = [value for value in cells if value in set(names.values())]
    assert listed == [names[code] for code, state in expected.items() if state == State.MISSING]
    total = next(row for row in calamine_grid(summary.summary_workbook, SUBMISSION_SHEET) if row[1] == "Tổng cộng")
    received = sum(1 for state in expected.values() if state != State.MISSING)
    assert total[2:4] == [len(expected), received]
    assert total[7] == len(counted), "units whose data is in the summary"


def test_reminders_go_to_missing_units_and_feedback_to_units_whose_newest_return_is_wrong(every_state):
    _, config, expected, _, _, reminders = every_state
    planned = {(result.unit_code, result.kind) for result in reminders.results if result.outcome == WOULD_SEND}
    units = config.units
    feedback = {units[1].code, units[4].code, units[5].code}
    missing_then = {code for code, state in expected.items() if state == State.MISSING} | {units[6].code}
    assert planned == {(code, "feedback") for code in feedback} | {(code, "remind") for code in missing_then}
