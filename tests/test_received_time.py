"""Received time is the Department's, not the sender's claim: INTERNALDATE, a saved mail's bounded Date:, file times.

The same mails arrive two ways, as saved .eml files (their file time is when they were saved) and through a real
IMAP server (dovecot, each appended with its arrival time as INTERNALDATE); both are collected by the CLI.
"""

import imaplib
import json
import os
from datetime import datetime

import pytest
import yaml

from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master
from addin.stages import init_campaign
from tests.imap_server import PASSWORD, USER
from tests.run_cli import baocao as run_baocao
from tests.test_imap import VN, XLSX, mail

TAG = "RE: [bdg-2019/{}] Báo cáo tháng hành động"
FORGED_FUTURE = datetime(2099, 1, 1, 8, 0, tzinfo=VN)
FIRST_ARRIVAL = datetime(2019, 12, 16, 10, 0, tzinfo=VN)
RESEND = datetime(2019, 12, 17, 9, 0, tzinfo=VN)  # the genuine resend: its Date: and its arrival agree
BEFORE_PERIOD = datetime(2019, 10, 1, 8, 0, tzinfo=VN)  # the period starts 15/11/2019, the deadline is 18/12/2019
AFTER_DEADLINE = datetime(2019, 12, 20, 14, 0, tzinfo=VN)


def local(moment: datetime) -> datetime:
    return moment.astimezone().replace(tzinfo=None)


def baocao(*arguments: str) -> dict | list:
    result = run_baocao(*arguments, env={"BAOCAO_IMAP_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    """PGD080's first return, its resend (other figures) and PGD082's return, made by the real template code."""
    folder = init_campaign(tmp_path_factory.mktemp("made") / "dot")
    config = folder.load_config()
    units = {unit.code: unit for unit in config.units}
    maker = SampleMaker(config, seed=11)
    samples = [maker.make(units["PGD080"]), maker.make(units["PGD080"]), maker.make(units["PGD082"])]
    paths = write_samples(config, build_master(config), samples, folder.root / "made", lambda s: f"{id(s)}.xlsx")
    first, resend, other = (path.read_bytes() for path in paths)
    assert first != resend
    return {"first": first, "resend": resend, "PGD082": other}


def mails(returns) -> list[tuple[bytes, datetime]]:
    """(mail, when the Department received it): a forged future Date:, a genuine resend, a Date: before the period."""
    return [
        (
            mail(
                "pgd080@laocai.example",
                TAG.format("PGD080"),
                FORGED_FUTURE,
                "<forged@x>",
                [("lan1.xlsx", returns["first"], XLSX)],
            ),
            FIRST_ARRIVAL,
        ),
        (
            mail(
                "pgd080@laocai.example",
                TAG.format("PGD080"),
                RESEND,
                "<resend@x>",
                [("lan2.xlsx", returns["resend"], XLSX)],
            ),
            RESEND,
        ),
        (
            mail(
                "pgd082@laocai.example",
                TAG.format("PGD082"),
                BEFORE_PERIOD,
                "<early-date@x>",
                [("batxat.xlsx", returns["PGD082"], XLSX)],
            ),
            AFTER_DEADLINE,
        ),
    ]


def campaign(root, dovecot=None, user=USER):
    folder = init_campaign(root)
    if dovecot:
        settings = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
        settings["mail"]["imap"] = {"host": "127.0.0.1", "port": dovecot.port, "security": "plain", "user": user}
        folder.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def from_saved_mails(returns, tmp_path_factory):
    root = tmp_path_factory.mktemp("eml")
    folder = campaign(root / "dot")
    saved = root / "thu_da_luu"
    saved.mkdir()
    for number, (raw, arrived) in enumerate(mails(returns)):
        path = saved / f"thu_{number}.eml"
        path.write_bytes(raw)
        os.utime(path, (arrived.timestamp(), arrived.timestamp()))  # saved when it arrived
    collected = baocao("collect", str(folder.root), "--from", str(saved), "--json")
    return folder, collected, baocao("check", str(folder.root), "--json"), baocao("status", str(folder.root), "--json")


@pytest.fixture(scope="module")
def from_mailbox(returns, dovecot, tmp_path_factory):
    folder = campaign(tmp_path_factory.mktemp("imap") / "dot", dovecot, user="nhan-gio")
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login("nhan-gio", PASSWORD)
    for raw, arrived in mails(returns):
        client.append("INBOX", None, imaplib.Time2Internaldate(arrived.timestamp()), raw)
    client.logout()
    collected = baocao("collect", str(folder.root), "--imap", "--json")
    return folder, collected, baocao("check", str(folder.root), "--json"), baocao("status", str(folder.root), "--json")


def by_name(checked: list[dict]) -> dict[str, dict]:
    return {result["original_name"]: result for result in checked}


def codes(result: dict) -> list[str]:
    return [finding["code"] for finding in result["findings"]]


@pytest.mark.parametrize("delivered", ["from_saved_mails", "from_mailbox"])
def test_a_forged_2099_date_does_not_beat_the_genuine_resend(delivered, request):
    _, collected, checked, status = request.getfixturevalue(delivered)
    received = {record["original_name"]: record["received_at"] for record in collected["new"]}
    assert received["lan1.xlsx"] == local(FIRST_ARRIVAL).isoformat()
    assert received["lan2.xlsx"] == local(RESEND).isoformat()
    claimed = {record["original_name"]: record["claimed_at"] for record in collected["new"]}
    assert claimed["lan1.xlsx"] == local(FORGED_FUTURE).isoformat()
    [pgd080] = [unit for unit in status["units"] if unit["unit_code"] == "PGD080"]
    resend = by_name(checked)["lan2.xlsx"]
    assert (pgd080["status"], pgd080["latest_file"], pgd080["counted_sha256"]) == (
        "valid",
        "lan2.xlsx",
        resend["sha256"],
    )
    assert pgd080["returns"] == 2 and pgd080["late"] is False


@pytest.mark.parametrize("delivered", ["from_saved_mails", "from_mailbox"])
def test_a_date_far_from_the_arrival_is_a_warning_naming_both(delivered, request):
    _, _, checked, _ = request.getfixturevalue(delivered)
    forged = by_name(checked)["lan1.xlsx"]
    [warning] = [f for f in forged["findings"] if f["code"] == "MAIL_DATE_DISAGREES"]
    assert warning["severity"] == "warning"
    assert f"Ngày ghi trong thư ({local(FORGED_FUTURE):%H:%M} 01/01/2099)" in warning["message"]
    assert f"Sở nhận ({local(FIRST_ARRIVAL):%H:%M} 16/12/2019)" in warning["message"]
    assert forged["status"] == "valid", "a warning only: the figures are not wrong"
    assert "MAIL_DATE_DISAGREES" not in codes(by_name(checked)["lan2.xlsx"])


def test_a_mail_dated_before_the_period_but_received_after_the_deadline_is_late(from_mailbox):
    _, collected, checked, status = from_mailbox
    early = by_name(checked)["batxat.xlsx"]
    assert early["received_at"] == local(AFTER_DEADLINE).isoformat()
    assert early["late"] is True and {"LATE", "MAIL_DATE_DISAGREES"} <= set(codes(early))
    [pgd082] = [unit for unit in status["units"] if unit["unit_code"] == "PGD082"]
    assert pgd082["late"] is True and pgd082["label"] == "Đạt (nộp muộn)"
    assert [m["date"] for m in collected["mails"] if m["message_id"] == "<early-date@x>"] == [
        local(AFTER_DEADLINE).isoformat()
    ]


def test_a_saved_mail_dated_before_the_campaign_counts_from_the_campaigns_start(from_saved_mails):
    """A saved file only bounds its Date: from above (when it was saved); below, the campaign's start bounds it."""
    _, _, checked, _ = from_saved_mails
    early = by_name(checked)["batxat.xlsx"]
    assert early["received_at"] == "2019-11-15T00:00:00"  # the period start: this dispatch names no day
    assert early["late"] is False and "MAIL_DATE_DISAGREES" in codes(early)


def test_a_plain_file_from_the_future_is_received_now(returns, tmp_path):
    folder = campaign(tmp_path / "dot")
    path = folder.inbox / "PGD080.xlsx"
    path.write_bytes(returns["first"])
    future = datetime(2099, 6, 1, 12, 0).timestamp()
    os.utime(path, (future, future))
    before = datetime.now().replace(microsecond=0)
    [record] = baocao("collect", str(folder.root), "--json")["new"]
    received = datetime.fromisoformat(record["received_at"])
    assert before <= received <= datetime.now()
    assert record["claimed_at"] is None
    [checked] = baocao("check", str(folder.root), "--json")
    assert checked["late"] is True and "MAIL_DATE_DISAGREES" not in codes(checked)
