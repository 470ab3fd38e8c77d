"""Config patterns run on RE2: a pattern with nested quantifiers cannot hang a check; RE2-less syntax is refused."""

import json
import os
import subprocess
import sys

from addin.demo.samples import SampleMaker
from addin.issue.unit_copies import build_templates
from addin.stages import init_campaign
from tests.run_cli import baocao
from tests.test_checking import cell_of, send
from tests.test_config import problems_of, variant

POSITION_FIELD = "- {name: chuc_vu, label: Chức vụ, required: true}"
LETTERS_ONLY = r"^([a-zA-Z]+\s?)*$"  # nested quantifiers: backtracking regex engines take 2^n steps to fail


def test_nested_quantifier_pattern_checks_fast_and_finds_the_mismatch(tmp_path):
    config_path, _ = variant(
        tmp_path,
        POSITION_FIELD,
        f"- {{name: chuc_vu, label: Chức vụ, required: true, pattern: '{LETTERS_ONLY}', "
        "constraint_message: Chức vụ chỉ gồm chữ cái không dấu.}",
    )
    folder = init_campaign(tmp_path / "dot", config_path)
    build_templates(folder)
    config = folder.load_config()
    unit = config.units[0]
    sample = SampleMaker(config).make(unit)
    sample.fields["chuc_vu"] = "Chuyenvienphutrachcongtacbinhdanggioinu!"  # 39 letters, then one that fails
    send(folder, [sample])
    assert baocao("collect", str(folder.root)).returncode == 0

    # a generous limit the backtracking engine would exceed by hours; not a timing assertion
    done = subprocess.run(
        [sys.executable, "-m", "addin", "check", str(folder.root), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    mismatches = [f for f in entry["findings"] if f["code"] == "PATTERN_MISMATCH"]
    assert [(f["severity"], f["cell"]) for f in mismatches] == [("error", cell_of(folder, unit, "bc_chuc_vu"))]
    assert "Chức vụ chỉ gồm chữ cái không dấu." in mismatches[0]["message"]


def test_a_value_that_matches_the_pattern_has_no_finding(tmp_path):
    config_path, _ = variant(tmp_path, POSITION_FIELD, POSITION_FIELD.replace("}", f", pattern: '{LETTERS_ONLY}'}}"))
    folder = init_campaign(tmp_path / "dot", config_path)
    build_templates(folder)
    config = folder.load_config()
    sample = SampleMaker(config).make(config.units[0])
    sample.fields["chuc_vu"] = "Chuyen vien phu trach"
    send(folder, [sample])
    assert baocao("collect", str(folder.root)).returncode == 0
    done = baocao("check", str(folder.root), "--json")
    [entry] = json.loads(done.stdout)
    assert not [f for f in entry["findings"] if f["code"] == "PATTERN_MISMATCH"]


def test_a_pattern_re2_cannot_run_is_a_config_error(tmp_path):
    lookahead = r"^(?=.*\d)[A-Z0-9]+$"  # Python's re takes it; RE2 has no look-arounds
    path, _ = variant(tmp_path, POSITION_FIELD, POSITION_FIELD.replace("}", f", pattern: '{lookahead}'}}"))
    [problem] = problems_of(path)
    assert "chuc_vu" in problem or "pattern" in problem
    assert lookahead in problem and "RE2" in problem and "Hãy sửa lại mẫu" in problem
