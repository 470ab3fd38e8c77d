"""Two campaigns (bdg-2019, bdg-2020) read ONE shared mailbox (dovecot): each takes only its own returns.

A reply tagged for the other campaign is recorded once as «không thuộc đợt này» and nothing of it is archived;
an untagged reply carrying the other campaign's template (its `_meta`) is archived, but at check time it belongs
to no unit. Neither ever becomes a unit's return, counts in a standing, or triggers a reminder or feedback.
"""

import imaplib
import json
import sqlite3
from datetime import datetime

import pytest
import yaml

from addin.demo.samples import SampleMaker, write_samples
from addin.integrity import archive_files
from addin.issue.master import build_master
from addin.stages import init_campaign, make_templates
from tests.imap_server import PASSWORD, USER, start_dovecot
from tests.run_cli import baocao as run_baocao
from tests.test_imap import VN, XLSX, mail

ARRIVAL = datetime(2019, 12, 16, 10, 0, tzinfo=VN)
SUBJECT = "RE: [{}/{}] Báo cáo tháng hành động"


def baocao(*arguments: str) -> str:
    result = run_baocao(*arguments, env={"BAOCAO_IMAP_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    return result.stdout


def campaign(root, campaign_id: str, port: int):
    folder = init_campaign(root)
    settings = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
    settings["campaign"]["id"] = campaign_id
    settings["mail"]["imap"] = {"host": "127.0.0.1", "port": port, "security": "plain", "user": USER}
    folder.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    make_templates(folder)
    return folder


def made_returns(folder, wanted: dict[str, list[str]]) -> dict[str, bytes]:
    """Each unit's return on this campaign's own template (`_meta` names the campaign); `wanted` gives mistakes."""
    config = folder.load_config()
    units = {unit.code: unit for unit in config.units}
    maker = SampleMaker(config, seed=3)
    samples = [maker.make(units[code], mistakes) for code, mistakes in wanted.items()]
    paths = write_samples(config, build_master(config), samples, folder.root / "mau_lam_san")
    return {code: path.read_bytes() for code, path in zip(wanted, paths, strict=True)}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    server = start_dovecot()
    root = tmp_path_factory.mktemp("two")
    old = campaign(root / "bdg-2019", "bdg-2019", server.port)
    new = campaign(root / "bdg-2020", "bdg-2020", server.port)
    old_returns = made_returns(old, {"PGD080": [], "PGD082": []})
    new_returns = made_returns(new, {"PGD080": [], "PGD082": [], "PGD084": ["wrong_total"]})
    messages = [
        ("pgd080", SUBJECT.format("bdg-2019", "PGD080"), "<2019-pgd080@x>", old_returns["PGD080"]),
        ("pgd082", SUBJECT.format("bdg-2019", "PGD082"), "<2019-pgd082@x>", old_returns["PGD082"]),
        ("pgd080", SUBJECT.format("bdg-2020", "PGD080"), "<2020-pgd080@x>", new_returns["PGD080"]),
        ("pgd084", SUBJECT.format("bdg-2020", "PGD084"), "<2020-pgd084@x>", new_returns["PGD084"]),
        ("pgd082", "Báo cáo của Phòng GD&ĐT Bát Xát", "<untagged-2020-pgd082@x>", new_returns["PGD082"]),
    ]
    client = imaplib.IMAP4("127.0.0.1", server.port)
    client.login(USER, PASSWORD)
    for minute, (sender, subject, message_id, data) in enumerate(messages):
        arrived = ARRIVAL.replace(minute=minute)  # in this order: every 2020 reply arrives after the 2019 ones
        raw = mail(f"{sender}@laocai.example", subject, arrived, message_id, [("bao_cao.xlsx", data, XLSX)])
        client.append("INBOX", None, imaplib.Time2Internaldate(arrived.timestamp()), raw)
    client.logout()
    runs = {}
    for folder in (old, new):
        run = runs[folder.root.name] = {"folder": folder}
        if folder is old:  # staff read collect's words; the second run is the same with --json
            run["text"] = baocao("collect", str(folder.root), "--imap")
            run["again"] = json.loads(baocao("collect", str(folder.root), "--imap", "--json"))
        else:
            run["first"] = json.loads(baocao("collect", str(folder.root), "--imap", "--json"))
            run["again"] = json.loads(baocao("collect", str(folder.root), "--imap", "--json"))
        baocao("check", str(folder.root))
        run["status"] = json.loads(baocao("status", str(folder.root), "--json"))
        run["reminders"] = json.loads(baocao("remind", str(folder.root), "--dry-run", "--json"))
    yield runs
    server.stop()


def states(status: dict) -> dict[str, str]:
    return {unit["unit_code"]: unit["status"] for unit in status["units"] if unit["status"] != "missing"}


def test_each_campaign_takes_only_its_own_tagged_replies(shared):
    first_2020 = shared["bdg-2020"]["first"]
    assert sorted(r["message_id"] for r in first_2020["new"]) == [
        "<2020-pgd080@x>",
        "<2020-pgd084@x>",
        "<untagged-2020-pgd082@x>",  # no tag: only its _meta can tell, at check time
    ]
    assert [m["message_id"] for m in first_2020["other_campaign_mails"]] == ["<2019-pgd080@x>", "<2019-pgd082@x>"]
    assert all(m["outcome"] == "other_campaign" and m["returns"] == 0 for m in first_2020["other_campaign_mails"])
    assert first_2020["mails_without_returns"] == []
    ledger_2019 = sqlite3.connect(shared["bdg-2019"]["folder"].ledger_path)
    assert sorted(row[0] for row in ledger_2019.execute("SELECT message_id FROM returns")) == [
        "<2019-pgd080@x>",
        "<2019-pgd082@x>",
        "<untagged-2020-pgd082@x>",
    ]


def test_collect_lists_the_other_campaigns_mails_in_words(shared):
    text = shared["bdg-2019"]["text"]
    assert "Đã nhận 3 tệp mới" in text
    assert "Không thuộc đợt này (2; không tính cho đơn vị nào, không gửi nhắc):" in text
    assert "pgd080@laocai.example: «RE: [bdg-2020/PGD080] Báo cáo tháng hành động»" in text
    assert "pgd084@laocai.example: «RE: [bdg-2020/PGD084] Báo cáo tháng hành động»" in text
    assert "không có báo cáo dùng được" not in text


def test_a_mail_of_the_other_campaign_is_recorded_once_and_nothing_of_it_archived(shared):
    for name in ("bdg-2019", "bdg-2020"):
        folder, again = shared[name]["folder"], shared[name]["again"]
        assert (again["new"], again["already_recorded"], again["mails"]) == ([], [], [])
        assert again["mailbox_read"] == 0 and again["other_campaign_mails"] == []
        ledger = sqlite3.connect(folder.ledger_path)
        assert ledger.execute("SELECT count(*) FROM messages WHERE outcome = 'other_campaign'").fetchone() == (2,)
        assert ledger.execute("SELECT count(*) FROM returns").fetchone() == (3,)
        assert len(archive_files(folder)) == 3


def test_status_shows_the_right_units_states(shared):
    status_2019, status_2020 = shared["bdg-2019"]["status"], shared["bdg-2020"]["status"]
    assert states(status_2019) == {"PGD080": "valid", "PGD082": "valid"}
    assert states(status_2020) == {"PGD080": "valid", "PGD082": "valid", "PGD084": "has_errors"}
    [pgd082] = [unit for unit in status_2019["units"] if unit["unit_code"] == "PGD082"]
    assert pgd082["returns"] == 1, "the 2020 template it sent later is not one of its returns here"
    assert status_2020["other_campaign"] == [] and len(status_2020["other_campaign_mails"]) == 2


def test_a_file_whose_meta_names_another_campaign_is_listed_apart_with_wrong_campaign(shared):
    folder, status = shared["bdg-2019"]["folder"], shared["bdg-2019"]["status"]
    [other] = status["other_campaign"]
    assert other["unit_code"] is None and other["state"] == "unusable"
    assert [f["code"] for f in other["findings"]] == ["WRONG_CAMPAIGN"]
    assert "«bdg-2020»" in other["findings"][0]["message"]
    assert status["unassigned"] == []
    assert [m["message_id"] for m in status["other_campaign_mails"]] == ["<2020-pgd080@x>", "<2020-pgd084@x>"]
    assert status["mails_without_returns"] == []
    text = baocao("status", str(folder.root))
    assert "Không thuộc đợt này (3; không tính cho đơn vị nào, không gửi nhắc):" in text
    assert "tệp «bao_cao.xlsx» 16/12/2019" in text and "biểu mẫu của đợt «bdg-2020» (theo _meta)" in text
    assert "chưa xác định được đơn vị" not in text


def test_reminders_say_nothing_wrong_to_units_whose_return_is_correct(shared):
    planned = {
        name: {result["unit_code"]: result["kind"] for result in shared[name]["reminders"]["results"]}
        for name in ("bdg-2019", "bdg-2020")
    }
    for name in planned:
        assert {"PGD080", "PGD082"}.isdisjoint(planned[name]), name
    assert [code for code, kind in planned["bdg-2020"].items() if kind == "feedback"] == ["PGD084"]
    assert "feedback" not in planned["bdg-2019"].values()
    assert planned["bdg-2019"]["PGD084"] == "remind", "PGD084 sent nothing for 2019: the 2020 error is not its"
