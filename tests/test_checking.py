"""collect + check + status on a real campaign folder, returns made from the real templates."""

import json
import os
import shutil
from datetime import datetime

import pytest

from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, TemplateFiller, write_samples
from addin.intake.collect import collect
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import MasterPackage, build_templates
from addin.ledger import Ledger
from addin.outputs.findings_workbook import (
    FEEDBACK_DIR,
    FINDINGS_WORKBOOK,
    write_feedback_copies,
    write_findings_workbook,
)
from addin.stages import init_campaign
from addin.standing import campaign_standing
from tests.office_files import compound_file, repack
from tests.run_cli import baocao
from tests.workbook_access import calamine_grid


@pytest.fixture
def folder(tmp_path):
    campaign = init_campaign(tmp_path / "dot")
    build_templates(campaign)
    return campaign


def master_of(folder) -> bytes:
    return (folder.layouts / MASTER_NAME).read_bytes()


def send(folder, samples, **kwargs):
    config = folder.load_config()
    return write_samples(config, master_of(folder), samples, folder.inbox, **kwargs)


def findings_of(folder, unit_code):
    status = campaign_standing(folder)
    [unit_status] = [s for s in status.units if s.unit.code == unit_code]
    return unit_status, [(f.severity, f.code, f.cell, f.row) for f in unit_status.latest.findings]


def cell_of(folder, unit, name, offset=0):
    filler = TemplateFiller(MasterPackage(master_of(folder), folder.layouts).stamp(unit))
    area = filler.names[name]
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(area.first_column)}{area.first_row + offset}"


def test_clean_returns_are_valid_and_the_rest_missing(folder):
    config = folder.load_config()
    maker = SampleMaker(config)
    send(folder, [maker.make(unit) for unit in config.units[:3]])
    collected = collect(folder)
    assert len(collected.new) == 3
    check_campaign(folder)
    status = campaign_standing(folder)
    states = [(s.unit.code, s.state, s.late) for s in status.units[:4]]
    assert states == [
        ("PGD080", "valid", False),
        ("PGD082", "valid", False),
        ("PGD083", "valid", False),
        ("PGD084", "missing", None),
    ]
    assert status.units[0].latest.findings == []


def test_each_mistake_gets_its_exact_finding(folder):
    config = folder.load_config()
    unit = config.units[1]
    maker = SampleMaker(config, seed=7)
    sample = maker.make(unit, ["wrong_total", "missing_required", "not_in_list", "date_out_of_period"])
    send(folder, [sample])
    collect(folder)
    check_campaign(folder)
    unit_status, found = findings_of(folder, unit.code)
    assert unit_status.state == "has_errors"
    assert ("error", "TONG_BANG_NAM_CONG_NU", cell_of(folder, unit, "bc_hoat_dong__tong"), 1) in found
    assert ("error", "REQUIRED_MISSING", cell_of(folder, unit, "bc_nguoi_bao_cao"), None) in found
    assert ("error", "NOT_IN_LIST", cell_of(folder, unit, "bc_hoat_dong__hinh_thuc"), 1) in found
    assert ("error", "DATE_OUT_OF_PERIOD", cell_of(folder, unit, "bc_hoat_dong__ngay"), 1) in found
    assert len(found) == 4, found


def test_text_numbers_dates_and_legacy_text_are_read_with_warnings(folder):
    config = folder.load_config()
    unit = config.units[2]
    sample = SampleMaker(config, seed=3).make(unit, ["number_as_text", "date_as_text", "legacy_text"])
    send(folder, [sample])
    collect(folder)
    check_campaign(folder)
    _, found = findings_of(folder, unit.code)
    codes = sorted(code for _, code, _, _ in found)
    assert "NUMBER_AS_TEXT" in codes and "DATE_AS_TEXT" in codes and "LEGACY_ENCODING" in codes
    assert all(severity == "warning" or code == "TONG_BANG_NAM_CONG_NU" for severity, code, _, _ in found)


def test_late_return_is_late_not_an_error(folder):
    config = folder.load_config()
    unit = config.units[0]
    send(folder, [SampleMaker(config).make(unit, late=True)])
    collect(folder)
    check_campaign(folder)
    unit_status, found = findings_of(folder, unit.code)
    assert (unit_status.state, unit_status.late) == ("valid", True)
    assert found == [("warning", "LATE", None, None)]


def test_same_bytes_twice_are_recorded_once_and_archive_is_byte_identical(folder, tmp_path):
    config = folder.load_config()
    [path] = send(folder, [SampleMaker(config).make(config.units[0])])
    copy_dir = folder.inbox / "thu_muc_con"
    copy_dir.mkdir()
    shutil.copy2(path, copy_dir / "ban_sao.xlsx")
    result = collect(folder)
    assert len(result.new) == 1 and len(result.already_recorded) == 1
    archived = folder.root / result.new[0].archive_path
    assert archived.read_bytes() == path.read_bytes()
    assert not os.access(archived, os.W_OK) or os.geteuid() == 0
    assert collect(folder).new == [], "a second collect records nothing new"


def test_resubmission_supersedes_and_history_is_kept(folder):
    config = folder.load_config()
    unit = config.units[0]
    maker = SampleMaker(config, seed=11)
    first = maker.make(unit, ["wrong_total"])
    first.received_at = datetime(2019, 12, 16, 9, 0)
    send(folder, [first], file_name=lambda s: "lan1.xlsx")
    collect(folder)
    check_campaign(folder)
    assert campaign_standing(folder).units[0].state == "has_errors"
    second = maker.make(unit)
    second.received_at = datetime(2019, 12, 17, 9, 0)
    send(folder, [second], file_name=lambda s: "lan2.xlsx")
    collect(folder)
    check_campaign(folder)
    unit_status = campaign_standing(folder).units[0]
    assert unit_status.state == "valid"
    assert [r.record.original_name for r in unit_status.history] == ["lan1.xlsx", "lan2.xlsx"]
    from addin.outputs.findings_workbook import write_findings_workbook

    history = calamine_grid(write_findings_workbook(folder, campaign_standing(folder)), "Lịch sử nhận")
    assert [(row[1], row[4], row[8]) for row in history[1:]] == [
        ("lan1.xlsx", "Có lỗi", "Đã thay thế"),
        ("lan2.xlsx", "Đạt", "Đang dùng"),
    ]


def test_config_change_rechecks_everything(folder):
    config = folder.load_config()
    send(folder, [SampleMaker(config).make(config.units[0])])
    collect(folder)
    assert len(check_campaign(folder)) == 1
    assert check_campaign(folder) == [], "nothing new to check"
    text = folder.config_path.read_text(encoding="utf-8").replace("deadline: 2019-12-18", "deadline: 2019-12-16")
    folder.config_path.write_text(text, encoding="utf-8")
    assert len(check_campaign(folder)) == 1


def test_findings_workbook_and_feedback_copy(folder):
    from addin.outputs.findings_workbook import write_feedback_copies, write_findings_workbook

    config = folder.load_config()
    unit = config.units[1]
    send(folder, [SampleMaker(config, seed=5).make(unit, ["wrong_total"])])
    collect(folder)
    check_campaign(folder)
    status = campaign_standing(folder)
    workbook = write_findings_workbook(folder, status)
    assert workbook == folder.results / FINDINGS_WORKBOOK
    summary = calamine_grid(workbook, "Tình hình nộp")
    assert summary[2][1:4] == [unit.short, unit.group_code, "Có lỗi (đúng hạn)"] and summary[2][-1] == unit.code
    details = calamine_grid(workbook, "Chi tiết")
    assert details[0][-1] == "Mã lỗi" and details[1][-1] == "TONG_BANG_NAM_CONG_NU", "the code comes last"
    [copy] = write_feedback_copies(folder, status, "sớm nhất có thể")
    assert copy.parent.name == FEEDBACK_DIR
    import openpyxl

    annotated = openpyxl.load_workbook(copy)
    assert annotated.sheetnames[0] == "Cần sửa"
    bad = annotated["Hoạt động"][cell_of(folder, unit, "bc_hoat_dong__tong")]
    assert bad.comment is not None and "Tổng số người tham gia phải bằng" in bad.comment.text


def test_json_check_output(folder):
    config = folder.load_config()
    send(folder, [SampleMaker(config).make(config.units[0], ["wrong_total"])])
    assert baocao("collect", str(folder.root)).returncode == 0
    done = baocao("check", str(folder.root), "--json")
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    assert set(entry) >= {"path", "sha256", "unit_code", "status", "findings"}
    assert entry["unit_code"] == "PGD080" and entry["status"] == "has_errors"
    assert set(entry["findings"][0]) == {"severity", "code", "message", "sheet", "cell", "field", "row"}


def test_ledger_is_a_real_sqlite_file(folder):
    config = folder.load_config()
    send(folder, [SampleMaker(config).make(config.units[0])])
    collect(folder)
    with Ledger(folder.ledger_path) as ledger:
        [record] = ledger.returns()
    assert record.detected_format == "xlsx" and record.size > 0


def test_hostile_and_broken_files_each_get_their_finding_and_the_batch_goes_on(folder):
    config = folder.load_config()
    [good] = send(folder, [SampleMaker(config).make(config.units[0])])
    inbox = folder.inbox
    (inbox / "rong.xlsx").write_bytes(b"")
    (inbox / "~$PGD082_Phong_GD_DT_Bat_Xat.xlsx").write_bytes(b"\x0bNguyen Hoa" + bytes(150))
    (inbox / "PGD083_bao_cao.xlsx").write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    (inbox / "PGD084_tai_do.xlsx").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    encrypted = compound_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x10" * 64})
    (inbox / "PGD085_co_mat_khau.xlsx").write_bytes(encrypted)

    def far_cell(name, data):
        if name == "xl/worksheets/sheet4.xml":
            return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
        return data

    repack(good, inbox / "PGD086_o_xa.xlsx", far_cell)
    collect(folder)
    results = {result.record.original_name: result for result in check_campaign(folder)}
    codes = {name: [(f.severity, f.code) for f in result.findings] for name, result in results.items()}
    assert codes["rong.xlsx"] == [("error", "FILE_EMPTY")]
    assert codes["~$PGD082_Phong_GD_DT_Bat_Xat.xlsx"] == [("error", "LOCK_FILE")]
    assert codes["PGD083_bao_cao.xlsx"] == [("error", "FORMAT_HTML")]
    assert codes["PGD084_tai_do.xlsx"] == [("error", "FILE_TRUNCATED")]
    assert codes["PGD085_co_mat_khau.xlsx"] == [("error", "FILE_ENCRYPTED")]
    assert codes["PGD086_o_xa.xlsx"] == [("error", "SHEET_TOO_LARGE")]
    assert results[good.name].check.status == "valid"
    assert {name: result.check.status for name, result in results.items() if name != good.name} == dict.fromkeys(
        codes.keys() - {good.name}, "unusable"
    )
    assert results["PGD083_bao_cao.xlsx"].check.unit_code == "PGD083", "a broken file is still traced to its unit"
    status = campaign_standing(folder)
    assert [s.state for s in status.units[2:6]] == ["unusable"] * 4
    assert write_findings_workbook(folder, status).exists()
    assert write_feedback_copies(folder, status, "sớm nhất có thể") == [], "an unusable file has no cells to mark"
