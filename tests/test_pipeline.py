"""The whole pipeline: returns made from real templates → collect → check → accept → summary.

Totals in the official summary are re-read with python-calamine and compared with sums computed
straight from the returns that were sent, not from anything baocao computed.
"""

from datetime import datetime

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.outputs.summary.form import NOT_REPORTED, REPORTED_LATE
from addin.stages import decide, init_campaign, summary
from tests.summary_grid import PL1, data_rows, grid


def test_summary_totals_equal_the_sums_of_what_units_sent(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    config = folder.load_config()
    maker = SampleMaker(config, seed=21)
    units = config.units
    sent = {unit.code: maker.make(unit) for unit in units[:6] + units[9:13] + units[18:22]}
    wrong = maker.make(units[6], ["wrong_total"])
    old = maker.make(units[0])
    old.received_at, sent[units[0].code].received_at = datetime(2019, 12, 10, 8), datetime(2019, 12, 17, 8)
    write_samples(config, build_master(config), [*sent.values(), wrong], folder.inbox)
    write_samples(config, build_master(config), [old], folder.inbox / "cu", file_name=lambda s: "ban_cu.xlsx")
    collect(folder)
    check_campaign(folder)
    decide(folder, units[6].code, "accept", "Đã xác minh")
    sent[units[6].code] = wrong
    result = summary(folder)

    def figures(sample):
        activities = sample.tables["hoat_dong"]
        return [
            len(sample.tables["van_ban"]),
            len(activities),
            *(sum(row[name] for row in activities) for name in ("tong", "nam", "nu")),
        ]

    expected = {units_code: figures(sample) for units_code, sample in sent.items()}
    short_to_code = {unit.short: unit.code for unit in units}
    first, last = data_rows(result.summary_workbook, PL1, 1)
    rows = grid(result.summary_workbook, PL1)[first : last + 1]
    seen, groups, total = {}, {}, None
    for row in rows:
        label = str(row[1])
        if label in short_to_code:
            values = [int(v) if v != "" else None for v in row[2:7]]
            seen[short_to_code[label]] = (values, str(row[7]))
        elif str(row[0]) in ("I", "II", "III"):
            groups[str(row[0])] = [int(v) for v in row[2:7]]
        elif label == "Tổng cộng" or str(row[0]) == "Tổng cộng":
            total = [int(v) for v in row[2:7]]
    assert list(seen) == [unit.code for unit in units], "every unit, in config order"
    for code, values in expected.items():
        assert seen[code][0] == values, code
    assert seen[units[6].code][1] in ("", REPORTED_LATE), "accepted by staff: the report's words, no checking state"
    assert seen[units[7].code][0] == [None] * 5 and seen[units[7].code][1] == NOT_REPORTED
    for group in ("I", "II", "III"):
        members = [u.code for u in units if u.group_code == group and u.code in expected]
        assert groups[group] == [sum(expected[c][i] for c in members) for i in range(5)], group
    assert total == [sum(values[i] for values in expected.values()) for i in range(5)]
    assert result.merged.units.set_index("unit_code").loc[units[0].code, "file"] != "ban_cu.xlsx"
