"""`baocao summary` run before `baocao check`: the returns waiting are checked first, never shown as missing."""

import csv
import json

import pytest

import addin.frontends.buttons as buttons
from addin import stages
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master
from addin.outputs.control_workbook import build_control_workbook
from addin.outputs.merge import CSV_DIR, UNITS_TABLE
from addin.standing import State
from tests.recording_ui import RecordingUI
from tests.run_cli import baocao
from tests.summary_grid import PL4, grid


@pytest.fixture
def collected_not_checked(tmp_path):
    """A campaign with three good returns collected and no check run yet."""
    folder = stages.init_campaign(tmp_path / "dot")
    stages.make_templates(folder)
    config = folder.load_config()
    maker = SampleMaker(config, seed=7)
    senders = config.units[:3]
    write_samples(config, build_master(config), [maker.make(unit) for unit in senders], folder.inbox)
    collected = baocao("collect", str(folder.root), "--json")
    assert collected.returncode == 0, collected.stderr
    before = json.loads(baocao("status", str(folder.root), "--json").stdout)["units"]
    assert {unit["unit_code"]: unit["status"] for unit in before if unit["status"] != "missing"} == {
        unit.code: "unchecked" for unit in senders
    }
    return folder, config, senders


def test_summary_checks_the_waiting_returns_and_counts_their_units(collected_not_checked):
    folder, config, senders = collected_not_checked
    done = baocao("summary", str(folder.root), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    assert report["checked_first"] == 3
    counts = report["counts"]
    assert (counts["expected"], counts["included"], counts["missing"]) == (len(config.units), 3, len(config.units) - 3)
    assert (counts["valid"], counts["unchecked"]) == (3, 0)
    sender_names = {unit.short for unit in senders}
    assert not sender_names & set(report["missing"]) and len(report["missing"]) == len(config.units) - 3

    with (folder.results / CSV_DIR / f"{UNITS_TABLE}.csv").open(encoding="utf-8-sig") as table:
        rows = {row["unit_code"]: row for row in csv.DictReader(table)}
    for unit in senders:
        assert (rows[unit.code]["state"], rows[unit.code]["included"]) == (State.VALID, "True")
    assert sum(1 for row in rows.values() if row["state"] == State.MISSING) == len(config.units) - 3

    cells = {str(value) for row in grid(report["summary_workbook"], PL4) for value in row}
    assert not {unit.name for unit in senders} & cells, "a unit that sent its return is not listed as missing"
    assert {unit.name for unit in config.units[3:]} <= cells
    total = next(row for row in grid(report["summary_workbook"], PL4) if row[1] == "Tổng cộng")
    assert total[2:4] == [len(config.units), 3] and total[7] == 3

    status = json.loads(baocao("status", str(folder.root), "--json").stdout)["units"]
    assert {unit["unit_code"]: unit["status"] for unit in status if unit["status"] != "missing"} == {
        unit.code: "valid" for unit in senders
    }, "the check is recorded, as if «baocao check» had run"


def test_the_text_output_says_how_many_were_checked_first_and_only_once(collected_not_checked):
    folder, _, _ = collected_not_checked
    first = baocao("summary", str(folder.root))
    assert first.returncode == 0, first.stderr
    assert "Đã kiểm tra trước 3 tệp nhận mà chưa kiểm tra." in first.stdout
    assert "có số liệu trong tổng hợp 3 " in first.stdout and "Traceback" not in first.stderr

    again = baocao("summary", str(folder.root), "--json")
    assert json.loads(again.stdout)["checked_first"] == 0, "nothing left to check"
    assert json.loads(again.stdout)["counts"]["included"] == 3


def test_the_summary_button_checks_first_on_the_status_bar(collected_not_checked):
    folder, config, _ = collected_not_checked
    ui = RecordingUI(build_control_workbook(folder).path)
    buttons.make_summary(ui)
    progress = [text for text in ui.statuses if text and text.startswith("Đang kiểm tra ")]
    assert [text.split(":")[0] for text in progress] == [f"Đang kiểm tra {i}/3" for i in range(1, 4)]
    message, _, critical = ui.alerts[-1]
    assert message.startswith(
        f"Đã kiểm tra trước 3 tệp nhận mà chưa kiểm tra. Đã tổng hợp báo cáo của 3/{len(config.units)} đơn vị."
    )
    assert f"({len(config.units) - 3} chưa nộp, 0 có báo cáo còn lỗi" in message and not critical
