"""Merging: the newest usable return per unit, staff decisions, tidy tables that anyone can analyse."""

import zipfile
from datetime import datetime

import pandas
import pytest

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.errors import BaocaoError
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.outputs.merge import merge_campaign, write_tidy
from addin.stages import decide, init_campaign
from tests.workbook_access import calamine_grid


@pytest.fixture
def folder(tmp_path):
    return init_campaign(tmp_path / "dot")


def deliver(folder, samples, names=None):
    config = folder.load_config()
    file_name = (lambda s: names[id(s)]) if names else None
    write_samples(config, build_master(config), samples, folder.inbox, file_name=file_name)
    collect(folder)
    check_campaign(folder)


def states(merged):
    return dict(zip(merged.units["unit_code"], merged.units["state"], strict=True))


def test_units_are_all_kept_and_data_comes_from_usable_returns(folder):
    config = folder.load_config()
    maker = SampleMaker(config, seed=8)
    good, wrong = maker.make(config.units[0]), maker.make(config.units[1], ["wrong_total"])
    deliver(folder, [good, wrong])
    merged = merge_campaign(folder, config)
    assert len(merged.units) == len(config.units)
    assert list(merged.units["unit_code"]) == [unit.code for unit in config.units]
    assert states(merged)["PGD080"] == "valid" and states(merged)["PGD082"] == "has_errors"
    assert states(merged)["PGD083"] == "missing"
    activities = merged.sections["hoat_dong"]
    assert set(activities["unit_code"]) == {"PGD080"}
    expected = pandas.DataFrame(good.tables["hoat_dong"])
    assert list(activities["tong"]) == list(expected["tong"])
    assert list(activities["hinh_thuc"]) == list(expected["hinh_thuc"]), "choices come back as their labels"
    assert activities["ngay"].map(type).eq(datetime.now().date().__class__).all()
    tasks = merged.sections["nhiem_vu"]
    assert list(tasks["ma"]) == [task.code for task in config.tasks]
    assert set(tasks.columns) >= {"unit_code", "group_code", "order", "row"}


def test_a_text_repeated_by_many_returns_is_held_once(folder):
    """Each return's data is read apart: its task texts are fresh copies that merging must not keep (memory)."""
    config = folder.load_config()
    maker = SampleMaker(config, seed=8)
    deliver(folder, [maker.make(unit) for unit in config.units[:3]])
    tasks = merge_campaign(folder, config).sections["nhiem_vu"]
    texts = [text for text in tasks["noi_dung"] if isinstance(text, str)]
    assert len(texts) == 3 * len(config.tasks)
    assert len({id(text) for text in texts}) == len(set(texts))


def test_resubmission_replaces_and_a_broken_resubmission_keeps_the_good_one(folder):
    config = folder.load_config()
    unit = config.units[0]
    maker = SampleMaker(config, seed=9)
    first, second, third = maker.make(unit), maker.make(unit), maker.make(unit, ["wrong_total"])
    first.received_at, second.received_at, third.received_at = (datetime(2019, 12, d, 9) for d in (10, 12, 14))
    deliver(folder, [first], {id(first): "a.xlsx"})
    deliver(folder, [second], {id(second): "b.xlsx"})
    merged = merge_campaign(folder, config)
    assert merged.units.loc[0, "file"] == "b.xlsx"
    assert list(merged.sections["hoat_dong"]["tong"]) == [row["tong"] for row in second.tables["hoat_dong"]]
    deliver(folder, [third], {id(third): "c.xlsx"})
    merged = merge_campaign(folder, config)
    assert merged.units.loc[0, "file"] == "b.xlsx", "the newest return WITHOUT errors counts"
    assert states(merged)[unit.code] == "has_errors", "the unit stands as its newest return does"


def test_staff_accept_and_reject_are_recorded_and_applied(folder):
    config = folder.load_config()
    maker = SampleMaker(config, seed=10)
    deliver(folder, [maker.make(config.units[0], ["wrong_total"]), maker.make(config.units[1])])
    decision = decide(folder, "pgd080", "accept", "Số liệu đã xác minh qua điện thoại").decision
    assert (decision.unit_code, decision.decision, decision.decided_by) == ("PGD080", "accept", decision.decided_by)
    decide(folder, "PGD082", "reject", "Gửi nhầm đơn vị")
    merged = merge_campaign(folder, config)
    assert states(merged)["PGD080"] == "accepted_by_staff"
    assert merged.units.loc[0, "decision_note"] == "Số liệu đã xác minh qua điện thoại"
    assert states(merged)["PGD082"] == "rejected_by_staff"
    assert set(merged.sections["hoat_dong"]["unit_code"]) == {"PGD080"}
    with pytest.raises(BaocaoError, match="chưa gửi báo cáo nào"):
        decide(folder, "PGD083", "accept", "")
    with pytest.raises(BaocaoError, match="Không có đơn vị mã «XYZ»"):
        decide(folder, "XYZ", "accept", "")


def test_merging_twice_gives_the_same_tables(folder):
    config = folder.load_config()
    maker = SampleMaker(config, seed=12)
    deliver(folder, [maker.make(unit) for unit in config.units[:4]])
    first, second = merge_campaign(folder, config), merge_campaign(folder, config)
    pandas.testing.assert_frame_equal(first.units, second.units)
    for name in first.sections:
        pandas.testing.assert_frame_equal(first.sections[name], second.sections[name])


def test_tidy_workbook_and_csv_keep_hostile_text_as_text(folder):
    config = folder.load_config()
    sample = SampleMaker(config, seed=13).make(config.units[0])
    sample.tables["hoat_dong"][0]["noi_dung"] = '=HYPERLINK("http://x","click")'
    sample.tables["hoat_dong"][0]["dia_diem"] = "@SUM(1)"
    deliver(folder, [sample])
    workbook, csv_dir = write_tidy(folder, config, merge_campaign(folder, config))
    grid = calamine_grid(workbook, "hoat_dong")
    header = grid[0]
    assert grid[1][header.index("noi_dung")] == '=HYPERLINK("http://x","click")'
    assert grid[1][header.index("dia_diem")] == "@SUM(1)"
    with zipfile.ZipFile(workbook) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets"))
    frame = pandas.read_csv(csv_dir / "00_don_vi.csv", encoding="utf-8-sig")
    assert list(frame["unit_code"]) == [unit.code for unit in config.units]
