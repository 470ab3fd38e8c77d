"""The ledger is not trusted blindly: archive hashes are checked before use, `verify` finds what is wrong,
a lost ledger stops every command, and `rebuild` gives back the same campaign from the plain copies."""

import csv
import json
import os
import shutil
import stat
from datetime import datetime
from pathlib import Path

import pytest

from addin import stages
from addin.campaign import CampaignFolder
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master
from addin.journal import DECISIONS_FILE, INTAKE_JOURNAL
from addin.ledger import Ledger
from addin.standing import ACCEPT, REJECT
from tests.run_cli import baocao
from tests.sample_data import retype_unit_name

MAIL = Path(__file__).parent / "data" / "mail"


def deliver(folder, config, maker, plan: dict, when: datetime) -> None:
    """Returns for {unit: mistakes}, saved as «<code>_<label>.xlsx» in the inbox, then collected."""
    samples = []
    for unit, (label, mistakes) in plan.items():
        sample = maker.make(unit, mistakes)
        sample.received_at = when
        samples.append((sample, f"{unit.code}_{label}.xlsx"))
    names = {id(sample): name for sample, name in samples}
    write_samples(config, build_master(config), [s for s, _ in samples], folder.inbox, lambda s: names[id(s)])
    stages.collect(folder)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """Units valid, with errors, accepted and rejected by staff, two unchecked, a mail with a return and one
    without; the official summary written before the last two returns came."""
    folder = stages.init_campaign(tmp_path_factory.mktemp("integrity") / "dot")
    stages.make_templates(folder)
    config = folder.load_config()
    units, maker = config.units, SampleMaker(config, seed=11)
    first = {units[0]: ("lan1", []), units[1]: ("lan1", ["wrong_total"]), units[2]: ("lan1", ["wrong_total"])}
    deliver(folder, config, maker, {**first, units[3]: ("lan1", [])}, datetime(2019, 12, 10, 9))
    [doubtful] = write_samples(config, build_master(config), [maker.make(units[7])], folder.inbox, lambda _: "ten.xlsx")
    retype_unit_name(config, doubtful, units[8].name)  # waits for staff until confirmed below
    for name in ("tra_loi_pgd082.eml", "khong_dinh_kem.eml"):
        shutil.copyfile(MAIL / name, folder.inbox / name)
    stages.collect(folder)
    stages.check(folder)
    stages.decide(folder, units[2].code, ACCEPT, "Đã xác minh qua điện thoại")
    stages.decide(folder, units[3].code, REJECT, "Gửi nhầm số liệu năm trước")
    stages.decide(folder, units[7].code, ACCEPT, "Đơn vị ghi nhầm tên")  # a confirmation
    stages.summary(folder)
    deliver(folder, config, maker, {units[4]: ("moi", []), units[6]: ("moi", [])}, datetime(2019, 12, 12, 9))
    return folder, config


@pytest.fixture
def campaign(pristine, tmp_path):
    folder, config = pristine
    root = tmp_path / "dot"
    shutil.copytree(folder.root, root)
    return root, config


def cli_json(*arguments: str):
    done = baocao(*arguments, "--json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def archived(root: Path, unit_code: str, label: str) -> tuple[Path, str]:
    """The archive copy of a unit's return (by its original name) and its sha256."""
    with Ledger(root / "baocao.sqlite") as ledger:
        record = next(r for r in ledger.returns() if r.original_name == f"{unit_code}_{label}.xlsx")
    return root / record.archive_path, record.sha256


def tamper(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with path.open("ab") as stream:
        stream.write(b"\0")


def by_sha(files: list[dict]) -> dict[str, dict]:
    return {entry["sha256"]: entry for entry in files}


# ---------------------------------------------------------------- archive hashes before use


def test_an_edited_archive_file_is_an_error_and_the_batch_goes_on(campaign):
    root, config = campaign
    edited, edited_sha = archived(root, config.units[4].code, "moi")
    _, other_sha = archived(root, config.units[6].code, "moi")
    tamper(edited)
    code, files = cli_json("check", str(root))
    assert code == 0
    edited_file, other = by_sha(files)[edited_sha], by_sha(files)[other_sha]
    assert other["status"] == "valid", "the other unit's return is still checked"
    assert edited_file["status"] == "unusable" and edited_file["unit_code"] == config.units[4].code
    [finding] = edited_file["findings"]
    assert (finding["severity"], finding["code"]) == ("error", "ARCHIVE_CHANGED")
    assert f"«{config.units[4].code}_moi.xlsx»" in finding["message"] and config.units[4].short in finding["message"]
    assert "đã bị sửa sau khi nhận" in finding["message"]


def test_a_deleted_archive_file_is_an_error_and_once_restored_it_is_checked_again(campaign):
    root, config = campaign
    deleted, deleted_sha = archived(root, config.units[4].code, "moi")
    original = deleted.read_bytes()
    deleted.unlink()
    code, files = cli_json("check", str(root))
    assert code == 0
    assert by_sha(files)[archived(root, config.units[6].code, "moi")[1]]["status"] == "valid"
    [finding] = by_sha(files)[deleted_sha]["findings"]
    assert finding["code"] == "ARCHIVE_MISSING" and "không còn trong kho lưu trữ" in finding["message"]
    assert f"«{config.units[4].code}_moi.xlsx»" in finding["message"]

    deleted.write_bytes(original)
    code, files = cli_json("check", str(root))
    assert by_sha(files)[deleted_sha]["status"] == "valid" and by_sha(files)[deleted_sha]["findings"] == []


# ---------------------------------------------------------------- verify


def test_verify_says_an_intact_campaign_is_intact(campaign):
    root, _ = campaign
    code, report = cli_json("verify", str(root))
    assert (code, report["intact"], report["problems"]) == (0, True, [])
    assert report["archive_files"] == report["returns"] == 8 and report["decisions"] == 3
    done = baocao("verify", str(root))
    assert done.returncode == 0 and "Nguyên vẹn" in done.stdout


def test_verify_lists_every_problem_with_its_file_and_unit(campaign):
    root, config = campaign
    valid, _ = archived(root, config.units[0].code, "lan1")
    tamper(valid)
    missing, _ = archived(root, config.units[1].code, "lan1")
    missing.unlink()
    stray = root / "luu_tru" / "ab" / ("ab" + "0" * 62 + ".xlsx")
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"PK")
    code, report = cli_json("verify", str(root))
    assert code == 1 and not report["intact"]
    found = {(p["code"], p["file"], p["unit"]) for p in report["problems"]}
    unit0, unit1 = config.units[0], config.units[1]
    assert found == {
        ("ARCHIVE_CHANGED", f"{unit0.code}_lan1.xlsx", f"{unit0.code} {unit0.short}"),
        ("ARCHIVE_MISSING", f"{unit1.code}_lan1.xlsx", f"{unit1.code} {unit1.short}"),
        ("ARCHIVE_NOT_IN_LEDGER", stray.relative_to(root).as_posix(), None),
    }
    text = baocao("verify", str(root))
    assert text.returncode == 1 and f"{unit0.code}_lan1.xlsx" in text.stdout and "Có 3 vấn đề" in text.stdout


# ---------------------------------------------------------------- a lost ledger


def test_a_deleted_ledger_stops_status_and_summary_without_touching_the_tables(campaign):
    root, _ = campaign
    tables = sorted((root / "3_ket_qua").rglob("*.xlsx"))
    before = {path: path.stat().st_mtime_ns for path in tables}
    (root / "baocao.sqlite").unlink()
    for command in ("status", "summary", "check"):
        done = baocao(command, str(root))
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "Không tìm thấy sổ theo dõi baocao.sqlite" in done.stderr
        assert f"baocao rebuild {root}" in " ".join(done.stderr.split())
    assert not (root / "baocao.sqlite").exists()
    assert {path: path.stat().st_mtime_ns for path in tables} == before, "the official tables are not rewritten"
    code, report = cli_json("verify", str(root))
    assert code == 1 and [p["code"] for p in report["problems"]] == ["LEDGER_MISSING"]


def test_rebuild_gives_back_the_lost_ledger(campaign, tmp_path):
    root, config = campaign
    unchecked = {config.units[4].code, config.units[6].code}
    _, before = cli_json("status", str(root))
    assert {u["unit_code"]: u["status"] for u in before["units"]}[config.units[2].code] == "accepted_by_staff"
    assert {u["status"] for u in before["units"] if u["unit_code"] in unchecked} == {"unchecked"}
    expected_root = tmp_path / "du_kien"
    shutil.copytree(root, expected_root)  # the same ledger, checked: what the rebuilt one must say
    assert baocao("check", str(expected_root)).returncode == 0
    _, expected = cli_json("status", str(expected_root))
    _, expected_files = cli_json("check", str(expected_root))

    (root / "baocao.sqlite").unlink()
    done = baocao("rebuild", str(root))
    assert done.returncode == 0, done.stderr
    assert "8 tệp theo nhật ký nhận, 2 thư" in done.stdout and "3 quyết định của cán bộ" in done.stdout
    _, after = cli_json("status", str(root))
    _, after_files = cli_json("check", str(root))

    assert units_of(after, root) == units_of(expected, expected_root)
    confirmed = units_of(after, root)[config.units[7].code]
    assert (confirmed["status"], confirmed["decision"]["decision"]) == ("valid", "confirm")
    assert {k: v for k, v in units_of(before, root).items() if k not in unchecked} == {
        k: v for k, v in units_of(after, root).items() if k not in unchecked
    }
    assert files_of(after_files, root) == files_of(expected_files, expected_root)
    assert mails_of(after, root) == mails_of(before, root) and len(mails_of(before, root)) == 1
    assert cli_json("verify", str(root))[0] == 0


def units_of(status: dict, root: Path) -> dict:
    keys = ("status", "label", "latest_file", "sha256", "counted_sha256", "errors", "warnings", "returns", "decision")
    return {unit["unit_code"]: {key: unit[key] for key in keys} for unit in status["units"]}


def files_of(files: list[dict], root: Path) -> dict:
    def plain(entry):
        kept = {key: value for key, value in entry.items() if key != "findings"}
        kept["path"] = kept["path"].replace(str(root), "<dot>")
        return kept | {"findings": [(f["code"], f["cell"]) for f in entry["findings"]]}

    return {entry["sha256"]: plain(entry) for entry in files}


def mails_of(status: dict, root: Path) -> list:
    return [{**mail, "source": mail["source"].replace(str(root), "<dot>")} for mail in status["mails_without_returns"]]


def test_rebuild_keeps_an_existing_ledger_beside_the_new_one(campaign):
    root, _ = campaign
    _, before = cli_json("status", str(root))
    code, report = cli_json("rebuild", str(root))
    assert code == 0
    [kept] = report["moved_aside"]
    assert Path(kept).name.startswith("baocao.sqlite.cu-") and Path(kept).exists()
    _, after = cli_json("status", str(root))
    waiting = unchecked_of(before)
    assert len(waiting) == 2 and not unchecked_of(after), "every return is checked again"
    assert {k: v for k, v in units_of(after, root).items() if k not in waiting} == {
        k: v for k, v in units_of(before, root).items() if k not in waiting
    }


def unchecked_of(status: dict) -> set[str]:
    return {unit["unit_code"] for unit in status["units"] if unit["status"] == "unchecked"}


def test_rebuild_without_the_journal_records_archive_files_by_their_archive_name(campaign):
    root, config = campaign
    (root / "baocao.sqlite").unlink()
    (root / "luu_tru" / INTAKE_JOURNAL).unlink()
    code, report = cli_json("rebuild", str(root))
    assert code == 0 and report["from_journal"] == 0 and len(report["without_journal"]) == 8
    states = {unit["unit_code"]: unit["status"] for unit in report["units"]}
    assert states[config.units[2].code] == "accepted_by_staff" and states[config.units[3].code] == "rejected_by_staff"
    assert states[config.units[0].code] == "valid" and states[config.units[1].code] == "has_errors"
    text = baocao("status", str(root))
    assert text.returncode == 0
    assert (root / "luu_tru" / INTAKE_JOURNAL).exists(), "the files recorded now are journaled for next time"


# ---------------------------------------------------------------- the plain copies


def test_staff_decisions_are_appended_to_a_csv_excel_opens(campaign):
    root, config = campaign
    path = root / DECISIONS_FILE
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    done = baocao("accept", str(root), config.units[0].code, "--note", "Đã đối chiếu")
    assert done.returncode == 0, done.stderr
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["thoi_gian", "ma_don_vi", "sha256", "quyet_dinh", "ghi_chu", "nguoi_quyet_dinh"]
    assert [(row[1], row[3], row[4]) for row in rows[1:]] == [
        (config.units[2].code, "accept", "Đã xác minh qua điện thoại"),
        (config.units[3].code, "reject", "Gửi nhầm số liệu năm trước"),
        (config.units[7].code, "confirm", "Đơn vị ghi nhầm tên"),
        (config.units[0].code, "accept", "Đã đối chiếu"),
    ]
    assert rows[4][2] == archived(root, config.units[0].code, "lan1")[1] and rows[4][5]
    assert datetime.fromisoformat(rows[4][0]) <= datetime.now()


def test_the_intake_journal_has_every_return_and_mail_with_its_sender(campaign):
    root, _ = campaign
    lines = [json.loads(line) for line in (root / "luu_tru" / INTAKE_JOURNAL).read_text("utf-8").splitlines()]
    returns = [line for line in lines if line["kind"] == "return"]
    assert len({line["sha256"] for line in returns}) == 8
    mailed = next(line for line in returns if line["message_id"])
    assert mailed["sender"] == "pgd082@laocai.example" and mailed["subject"].startswith("RE: [bdg-2019/PGD082]")
    assert {"original_name", "received_at", "size", "detected_format", "archive_path", "recorded_at"} <= set(mailed)
    mails = [line for line in lines if line["kind"] == "message"]
    assert sorted(mail["outcome"] for mail in mails) == ["no_attachment", "returns"]
    assert os.path.exists(root / mailed["archive_path"])


def test_a_ledger_without_plain_copies_writes_them_on_first_use(campaign):
    """A ledger of an earlier release (or whose copies were deleted) gets its journal and decisions file back."""
    root, config = campaign
    (root / "luu_tru" / INTAKE_JOURNAL).unlink()
    (root / DECISIONS_FILE).unlink()
    assert baocao("status", str(root)).returncode == 0
    with (root / DECISIONS_FILE).open(encoding="utf-8-sig") as stream:
        assert [row["ma_don_vi"] for row in csv.DictReader(stream)] == [
            config.units[2].code,
            config.units[3].code,
            config.units[7].code,
        ]
    code, report = cli_json("verify", str(root))
    assert (code, report["problems"]) == (0, [])


def test_a_changed_archive_copy_fails_only_that_units_correction_mail(campaign):
    root, config = campaign
    unit = config.units[10]
    maker = SampleMaker(config, seed=12)
    deliver(CampaignFolder(root), config, maker, {unit: ("sai", ["wrong_total"])}, datetime(2019, 12, 11, 9))
    assert baocao("check", str(root)).returncode == 0
    [wrong] = [each for each in cli_json("status", str(root))[1]["units"] if each["unit_code"] == unit.code]
    assert wrong["status"] == "has_errors"
    tamper(archived(root, unit.code, "sai")[0])  # after its check: its marked-up copy cannot be made
    done = baocao("remind", str(root), "--outbox", "--json")
    assert done.returncode == 1, done.stderr
    results = {(r["unit_code"], r["kind"]): r for r in json.loads(done.stdout)["results"]}
    failed = results.pop((wrong["unit_code"], "feedback"))
    assert failed["outcome"] == "failed" and wrong["latest_file"] in failed["error"]
    assert "đã bị sửa sau khi nhận" in failed["error"]
    assert results and {r["outcome"] for r in results.values()} == {"sent"}, "every other unit's mail is written"
