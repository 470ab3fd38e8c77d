"""Changing the form mid-campaign: returns on an earlier issued version stay usable, read with their own form.

One campaign, through the real CLI: four units return on version 1; staff add a field, a table column and a
rule and bump to version 2; another unit returns on version 2; then version 1 stops being accepted; then an
optional field is added without a bump. The exact figures of the version-1 units are compared before and after.
"""

import csv
import json
import shutil
from datetime import datetime

import pytest

from addin.config import ConfigError, load_config
from addin.demo.samples import SampleMaker, write_samples
from addin.form_history import history_dir
from addin.issue.master import build_master
from addin.stages import init_campaign
from tests.run_cli import baocao
from tests.summary_grid import PL1, data_rows, grid

NEW_FIELD = "{name: so_lop_tap_huan, label: Số lớp tập huấn đã tổ chức, type: integer, min: 0}"
NEW_COLUMN = "{name: so_tre_em, label: Trong đó trẻ em, type: integer, min: 0}"
NEW_RULE = """  - name: co_lop_tap_huan
    scope: chi_so
    left: so_lop_tap_huan
    operator: greater_than
    right: "0"
    missing_value_strategy: never_skip
    message: Phải có ít nhất một lớp tập huấn.
"""
WARNING_CODE = "FIELDS_NOT_IN_OLD_FORM"


def edit_config(folder, *replacements: tuple[str, str]) -> None:
    text = folder.config_path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    folder.config_path.write_text(text, encoding="utf-8")


def version_2(folder) -> None:
    edit_config(
        folder,
        ('version: "1"', 'version: "2"'),
        ("        - {name: kinh_phi_ho_tro,", f"        - {NEW_FIELD}\n        - {{name: kinh_phi_ho_tro,"),
        (
            "        - {name: nu, label: Nữ, type: integer, min: 0, required: true}\n",
            f"        - {{name: nu, label: Nữ, type: integer, min: 0, required: true}}\n        - {NEW_COLUMN}\n",
        ),
        ("\n# Báo cáo tổng hợp gửi UBND tỉnh", f"{NEW_RULE}\n# Báo cáo tổng hợp gửi UBND tỉnh"),
        ("sum: hoat_dong.nu}\n", "sum: hoat_dong.nu}\n        - {label: Trẻ em, sum: hoat_dong.so_tre_em}\n"),
    )


def send_returns(folder, config, samples, stem: str) -> None:
    write_samples(config, build_master(config), samples, folder.inbox, file_name=lambda s: f"{s.unit.code}_{stem}.xlsx")
    assert baocao("collect", str(folder.root)).returncode == 0


def cli_json(*arguments: str):
    result = baocao(*arguments, "--json")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def findings_by_unit(checked: list[dict]) -> dict[str, list[tuple[str, str]]]:
    return {each["unit_code"]: [(f["severity"], f["code"]) for f in each["findings"]] for each in checked}


def tidy_rows(folder, table: str) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    with open(folder.results / "du_lieu_csv" / f"{table}.csv", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["unit_code"], []).append(row)
    return rows


def pl1_figures(summary_json: dict, config) -> dict[str, list]:
    """Per unit code, its figures in the by-unit annex (every column between the unit's name and the note)."""
    path = summary_json["summary_workbook"]
    first, last = data_rows(path, PL1, 1)
    short_to_code = {unit.short: unit.code for unit in config.units}
    return {short_to_code[row[1]]: row[2:-1] for row in grid(path, PL1)[first : last + 1] if row[1] in short_to_code}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """Every step of the story, run once; each test looks at one part of what came out."""
    folder = init_campaign(tmp_path_factory.mktemp("versions") / "dot")
    assert baocao("templates", str(folder.root)).returncode == 0
    v1 = folder.load_config()
    units = v1.units
    maker = SampleMaker(v1, seed=5)
    old_samples = [maker.make(unit) for unit in units[:4]]
    for sample in old_samples:
        sample.received_at = datetime(2019, 12, 10, 9)
    send_returns(folder, v1, old_samples, "v1")
    steps = {"check_v1": cli_json("check", str(folder.root)), "summary_v1": cli_json("summary", str(folder.root))}
    steps["pl1_v1"] = pl1_figures(steps["summary_v1"], v1)
    steps["tidy_v1"] = {table: tidy_rows(folder, table) for table in ("hoat_dong", "chi_so", "van_ban")}

    version_2(folder)
    v2 = folder.load_config()
    steps["check_v2"] = cli_json("check", str(folder.root))
    steps["status_v2"] = cli_json("status", str(folder.root))
    steps["summary_v2"] = cli_json("summary", str(folder.root))
    steps["pl1_v2"] = pl1_figures(steps["summary_v2"], v2)
    steps["tidy_v2"] = {table: tidy_rows(folder, table) for table in ("hoat_dong", "chi_so", "van_ban")}
    steps["templates"] = baocao("templates", str(folder.root))
    steps["templates_json"] = cli_json("templates", str(folder.root))

    new = SampleMaker(v2, seed=6).make(units[4])
    new.fields["so_lop_tap_huan"] = 3
    for row in new.tables["hoat_dong"]:
        row["so_tre_em"] = 7
    new.received_at = datetime(2019, 12, 11, 9)
    send_returns(folder, v2, [new], "v2")
    steps["check_both"] = cli_json("check", str(folder.root))
    steps["summary_both"] = cli_json("summary", str(folder.root))
    steps["pl1_both"] = pl1_figures(steps["summary_both"], v2)
    steps["tidy_both"] = {table: tidy_rows(folder, table) for table in ("hoat_dong", "chi_so", "van_ban")}

    edit_config(folder, ('version: "2"', 'version: "2"\n  accept_versions: ["2"]'))
    steps["check_not_accepted"] = cli_json("check", str(folder.root))
    steps["summary_not_accepted"] = cli_json("summary", str(folder.root))

    edit_config(
        folder,
        ('  accept_versions: ["2"]\n', ""),
        (
            "        - {name: kinh_phi_ho_tro,",
            "        - {name: ghi_chu, label: Ghi chú}\n        - {name: kinh_phi_ho_tro,",
        ),
    )
    steps["check_no_bump"] = cli_json("check", str(folder.root))
    return folder, v1, v2, units, old_samples, new, steps


def test_old_returns_stay_valid_after_the_bump_with_one_warning_naming_the_new_fields(campaign):
    _, _, _, units, _, _, steps = campaign
    assert {code: f for code, f in findings_by_unit(steps["check_v1"]).items()} == {u.code: [] for u in units[:4]}
    after = steps["check_v2"]
    assert {each["unit_code"]: each["status"] for each in after} == {u.code: "valid" for u in units[:4]}
    for each in after:
        assert [(f["severity"], f["code"]) for f in each["findings"]] == [("warning", WARNING_CODE)]
        message = each["findings"][0]["message"]
        assert "chưa có trong mẫu cũ (phiên bản «1»)" in message
        assert "«Số lớp tập huấn đã tổ chức»" in message and "«Trong đó trẻ em»" in message
    status = {unit["unit_code"]: unit for unit in steps["status_v2"]["units"]}
    for unit in units[:4]:
        assert (status[unit.code]["status"], status[unit.code]["errors"], status[unit.code]["warnings"]) == (
            "valid",
            0,
            1,
        )


def test_the_form_history_keeps_each_issued_version_as_a_plain_file(campaign):
    folder = campaign[0]
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(history_dir(folder).glob("*.json"))]
    versions = sorted(record["version"] for record in records)
    assert versions == ["1", "2", "2"], "version 1, version 2, and version 2 after the optional field"
    first = next(record for record in records if record["version"] == "1")
    hoat_dong = next(s for s in first["contract"]["form"]["sections"] if s["name"] == "hoat_dong")
    assert "so_tre_em" not in {field["name"] for field in hoat_dong["fields"]}


def test_the_summary_of_the_old_units_is_the_same_before_and_after_the_bump(campaign):
    _, _, _, units, old_samples, _, steps = campaign
    codes = [unit.code for unit in units[:4]]
    assert steps["summary_v1"]["counts"]["included"] == steps["summary_v2"]["counts"]["included"] == 4
    before, after = steps["pl1_v1"], steps["pl1_v2"]
    assert {code: before[code] for code in codes} == {code: after[code][:5] for code in codes}
    assert {code: after[code][5] for code in codes} == {code: "" for code in codes}, "«Trẻ em»: blank, not 0"
    for sample in old_samples:
        activities = sample.tables["hoat_dong"]
        expected = [len(sample.tables["van_ban"]), len(activities)]
        expected += [sum(row[name] for row in activities) for name in ("tong", "nam", "nu")]
        assert [int(value) for value in after[sample.unit.code][:5]] == expected
    for table in ("hoat_dong", "chi_so", "van_ban"):
        old_rows, new_rows = steps["tidy_v1"][table], steps["tidy_v2"][table]
        for code in codes:
            trimmed = [
                {k: v for k, v in row.items() if k not in ("so_tre_em", "so_lop_tap_huan")} for row in new_rows[code]
            ]
            assert trimmed == old_rows[code], (table, code)


def test_templates_after_the_change_go_only_to_units_still_needing_a_return(campaign):
    folder, _, _, units, _, _, steps = campaign
    said = steps["templates"].stdout
    assert steps["templates"].returncode == 0
    assert "Không tạo lại biểu mẫu cho 4 đơn vị đã có báo cáo đang được dùng" in said
    for unit in units[:4]:
        assert unit.short in said
    made = steps["templates_json"]
    assert made["skipped"] == [unit.code for unit in units[:4]]
    assert len(made["unit_files"]) == len(units) - 4
    forced = cli_json("templates", str(folder.root), "--only", units[0].code)
    assert forced["skipped"] == [] and len(forced["unit_files"]) == 1


def test_a_return_on_version_2_merges_with_the_old_ones(campaign):
    _, _, _, units, _, new, steps = campaign
    files = {each["unit_code"]: each for each in steps["check_both"]}
    assert (files[units[4].code]["status"], files[units[4].code]["findings"]) == ("valid", [])
    assert [files[unit.code]["status"] for unit in units[:4]] == ["valid"] * 4
    assert steps["summary_both"]["counts"]["included"] == 5
    chi_so, hoat_dong = steps["tidy_both"]["chi_so"], steps["tidy_both"]["hoat_dong"]
    assert [row["so_lop_tap_huan"] for row in chi_so[units[4].code]] == ["3"]
    assert {row["so_tre_em"] for row in hoat_dong[units[4].code]} == {"7"}
    for unit in units[:4]:
        assert [row["so_lop_tap_huan"] for row in chi_so[unit.code]] == [""], "blank, not a zero"
        assert {row["so_tre_em"] for row in hoat_dong[unit.code]} == {""}
    after = steps["pl1_both"]
    assert {u.code: after[u.code] for u in units[:4]} == {u.code: steps["pl1_v2"][u.code] for u in units[:4]}
    assert int(after[units[4].code][1]) == len(new.tables["hoat_dong"])
    assert int(after[units[4].code][5]) == 7 * len(new.tables["hoat_dong"])


def test_a_version_no_longer_accepted_makes_its_returns_unusable_and_says_what_to_do(campaign):
    _, _, _, units, _, _, steps = campaign
    files = {each["unit_code"]: each for each in steps["check_not_accepted"]}
    for unit in units[:4]:
        assert files[unit.code]["status"] == "unusable"
        [finding] = files[unit.code]["findings"]
        assert (finding["severity"], finding["code"]) == ("error", "FORM_VERSION_NOT_ACCEPTED")
        assert "phiên bản «1»" in finding["message"] and "phiên bản đang dùng: «2»" in finding["message"]
        assert "chép số liệu sang biểu mẫu mới" in finding["message"]
    assert (files[units[4].code]["status"], files[units[4].code]["findings"]) == ("valid", [])
    assert steps["summary_not_accepted"]["counts"]["included"] == 1


def test_an_optional_field_added_without_a_bump_gives_warnings_not_errors(campaign):
    _, _, _, units, _, _, steps = campaign
    files = {each["unit_code"]: each for each in steps["check_no_bump"]}
    assert {code: each["status"] for code, each in files.items()} == {u.code: "valid" for u in units[:5]}
    for unit in units[:5]:
        [finding] = files[unit.code]["findings"]
        assert (finding["severity"], finding["code"]) == ("warning", WARNING_CODE)
        assert "«Ghi chú»" in finding["message"]
    assert "«Trong đó trẻ em»" in files[units[0].code]["findings"][0]["message"]
    assert "«Trong đó trẻ em»" not in files[units[4].code]["findings"][0]["message"]


def test_without_history_a_missing_optional_field_warns_and_a_missing_required_one_is_an_error(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    assert baocao("templates", str(folder.root)).returncode == 0
    config = folder.load_config()
    send_returns(folder, config, [SampleMaker(config, seed=8).make(config.units[0])], "cu")
    shutil.rmtree(history_dir(folder))  # a campaign begun before form history was kept
    edit_config(
        folder,
        (
            "        - {name: kinh_phi_ho_tro,",
            "        - {name: ghi_chu, label: Ghi chú}\n"
            "        - {name: so_diem_truong, label: Số điểm trường, type: integer, required: true}\n"
            "        - {name: kinh_phi_ho_tro,",
        ),
    )
    assert load_config(folder.config_path).form.version == "1"
    [checked] = cli_json("check", str(folder.root))
    found = {finding["code"]: finding for finding in checked["findings"]}
    assert checked["status"] == "has_errors"
    assert sorted((f["severity"], code) for code, f in found.items()) == [
        ("error", "NAMES_MISSING"),
        ("warning", WARNING_CODE),
        ("warning", "TEMPLATE_OUTDATED"),
    ]
    assert "«Ghi chú»" in found[WARNING_CODE]["message"] and "Số điểm" not in found[WARNING_CODE]["message"]
    assert "bc_so_diem_truong" in found["NAMES_MISSING"]["message"]
    edit_config(folder, ('version: "1"', 'version: "1"\n  accept_versions: ["1", "9"]'))
    refused = baocao("check", str(folder.root))
    assert refused.returncode == 1
    assert "form.accept_versions" in refused.stderr and "«9» chưa từng được phát hành" in refused.stderr


def test_a_version_listed_twice_in_accept_versions_is_a_config_error(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    edit_config(folder, ('version: "1"', 'version: "1"\n  accept_versions: ["1", "1"]'))
    with pytest.raises(ConfigError) as raised:
        load_config(folder.config_path)
    assert "form.accept_versions[1]" in str(raised.value) and "phiên bản «1» được ghi hai lần" in str(raised.value)
