"""Numbers no report can hold (9,99E+307, inf, nan): caught at the cell by check, and never able to stop summary."""

import csv
import json
import sqlite3

import pytest

from addin.demo.samples import SampleMaker
from addin.issue.unit_copies import build_templates
from addin.stages import init_campaign
from tests.run_cli import baocao
from tests.test_checking import cell_of, send


@pytest.fixture
def campaign(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    build_templates(folder)
    return folder


def sample_with_rows(config, unit, rows: int):
    sample = SampleMaker(config, seed=4).make(unit)
    activities = sample.tables["hoat_dong"]
    activities.extend(dict(activities[0]) for _ in range(rows - len(activities)))
    return sample


def checked_findings(folder) -> list[dict]:
    assert baocao("collect", str(folder.root)).returncode == 0
    done = baocao("check", str(folder.root), "--json")
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    return entry["findings"]


def test_huge_and_endless_numbers_get_an_error_at_their_cell(campaign):
    config = campaign.load_config()
    unit = config.units[0]
    sample = sample_with_rows(config, unit, 4)
    rows = sample.tables["hoat_dong"]
    rows[0]["tong"] = rows[1]["tong"] = 9.99e307  # Excel accepts 9.99E+307
    rows[2]["tong"] = "1" * 400  # text whose number is beyond any float: inf
    rows[3]["tong"] = "nan"
    sample.fields["kinh_phi_ho_tro"] = 2e15
    send(campaign, [sample])

    found = {(f["code"], f["cell"]): f for f in checked_findings(campaign)}

    for offset in (0, 1):
        finding = found[("NUMBER_TOO_LARGE", cell_of(campaign, unit, "bc_hoat_dong__tong", offset))]
        assert finding["severity"] == "error" and finding["row"] == offset + 1
        assert "9,99E+307" in finding["message"] and "1.000.000.000.000" in finding["message"]
        assert "Tổng số" in finding["message"] and finding["cell"] in finding["message"]
    for offset, typed in ((2, "1" * 400), (3, "nan")):
        finding = found[("NOT_A_NUMBER", cell_of(campaign, unit, "bc_hoat_dong__tong", offset))]
        assert finding["severity"] == "error" and typed in finding["message"]
    assert ("NUMBER_AS_TEXT", cell_of(campaign, unit, "bc_hoat_dong__tong", 2)) not in found  # no "read as inf"
    money = found[("NUMBER_TOO_LARGE", cell_of(campaign, unit, "bc_kinh_phi_ho_tro"))]
    assert "2E+15" in money["message"]


def test_a_huge_stored_value_is_left_out_and_named_and_summary_builds_the_rest(campaign):
    config = campaign.load_config()
    first, second = config.units[0], config.units[1]
    send(campaign, [sample_with_rows(config, first, 2), sample_with_rows(config, second, 2)])
    assert baocao("collect", str(campaign.root)).returncode == 0
    assert baocao("check", str(campaign.root)).returncode == 0
    _craft_stored_values(campaign, first.code)  # as an older check (without the bound) stored them

    done = baocao("summary", str(campaign.root), "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["counts"]["included"] == 2
    left_out = result["left_out"]
    assert len(left_out) == 3 and all(first.code in line and "Tổng số" in line for line in left_out[:2]), left_out
    assert any("Kinh phí" in line for line in left_out)
    with open(campaign.results / "du_lieu_csv" / "hoat_dong.csv", encoding="utf-8-sig") as handle:
        activities = list(csv.DictReader(handle))
    assert {row["unit_code"] for row in activities} == {first.code, second.code}
    first_rows = {int(row["row"]): row["tong"] for row in activities if row["unit_code"] == first.code}
    assert first_rows[1] == first_rows[2] == "" and all(first_rows[n].isdigit() for n in first_rows if n > 2)
    assert all(row["tong"].isdigit() for row in activities if row["unit_code"] == second.code)
    assert result["summary_workbook"]

    shown = baocao("summary", str(campaign.root))
    assert shown.returncode == 0 and f"Bỏ ra khỏi tổng hợp: {first.short} ({first.code})" in shown.stdout


def _craft_stored_values(folder, unit_code: str) -> None:
    with sqlite3.connect(folder.ledger_path) as db:
        sha256, data = db.execute("SELECT sha256, data FROM checks WHERE unit_code = ?", (unit_code,)).fetchone()
        stored = json.loads(data)
        stored["tables"]["hoat_dong"][0]["tong"] = 9.99e307
        stored["tables"]["hoat_dong"][1]["tong"] = 9.99e307
        stored["fields"]["kinh_phi_ho_tro"] = float("inf")  # json writes Infinity
        db.execute("UPDATE checks SET data = ? WHERE sha256 = ?", (json.dumps(stored), sha256))
