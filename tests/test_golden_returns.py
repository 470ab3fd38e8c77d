"""Hand-made messy returns (tests/data/returns): each must give exactly the findings written for it."""

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from addin.checking import check_campaign
from addin.intake.collect import collect
from addin.stages import init_campaign

RETURNS = Path(__file__).parent / "data" / "returns"
EXPECTED = json.loads((RETURNS / "expected.json").read_text(encoding="utf-8"))
ON_TIME = datetime(2019, 12, 16, 10, 0).timestamp()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = init_campaign(tmp_path_factory.mktemp("golden") / "dot")
    for name in EXPECTED:
        copy = folder.inbox / name
        shutil.copyfile(RETURNS / name, copy)
        os.utime(copy, (ON_TIME, ON_TIME))
    collect(folder)
    return {result.record.original_name: result for result in check_campaign(folder)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_messy_return_gives_exactly_its_findings(results, name):
    expected, result = EXPECTED[name], results[name]
    found = [[f.severity, f.code, f.sheet, f.cell, f.row] for f in result.findings]
    assert found == expected["findings"]
    assert (result.check.unit_code, result.check.status) == (expected["unit"], expected["status"])
    assert all(f.message[0].isupper() or f.message.startswith(f"«{name}»") for f in result.findings)
    assert all(f.message.endswith(".") for f in result.findings)
