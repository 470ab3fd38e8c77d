"""`baocao collect --imap` against a real IMAP server (dovecot on loopback) loaded with units' replies."""

import hashlib
import imaplib
import json
import socket
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
import yaml

import addin.frontends.buttons as buttons
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master
from addin.outputs.control_workbook import build_control_workbook
from addin.stages import init_campaign
from tests.data.mail.make_samples import msg_bytes
from tests.imap_server import PASSWORD, USER
from tests.recording_ui import RecordingUI
from tests.run_cli import baocao as run_baocao

VN = timezone(timedelta(hours=7))
ISSUER = "tccb.sgddt@laocai.example"
ON_TIME, LATE = datetime(2019, 12, 16, 10, 0, tzinfo=VN), datetime(2019, 12, 20, 9, 30, tzinfo=VN)


def local(moment: datetime) -> str:
    """How the ledger stores a mail's Date: naive local time."""
    return moment.astimezone().replace(tzinfo=None).isoformat()


def mail(sender: str, subject: str, date: datetime, message_id: str, files=(), body="Kính gửi Sở.") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ISSUER, subject
    message["Date"], message["Message-ID"] = format_datetime(date), message_id
    message.set_content(body)
    for name, data, kind in files:
        maintype, subtype = kind.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def loaded(dovecot, tmp_path_factory):
    """A campaign whose config points at the server, and a mailbox of replies (returns made by the real code)."""
    root = tmp_path_factory.mktemp("imap")
    folder = init_campaign(root / "dot")
    config = folder.load_config()
    settings = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
    settings["mail"]["imap"] = {"host": "127.0.0.1", "port": dovecot.port, "security": "plain", "user": USER}
    folder.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    units = {unit.code: unit for unit in config.units}
    maker = SampleMaker(config, seed=5)
    codes = ["PGD080", "PGD082", "GDTX083", "PGD085", "PGD084"]
    paths = write_samples(config, build_master(config), [maker.make(units[code]) for code in codes], root / "made")
    returns = {code: path.read_bytes() for code, path in zip(codes, paths, strict=True)}
    tag = "RE: [bdg-2019/{}] Báo cáo tháng hành động vì bình đẳng giới"
    outlook = msg_bytes(
        tag.format("PGD085"),
        "pgd085@laocai.example",
        "Phòng GD&ĐT Bắc Hà",
        ON_TIME,
        "<outlook-pgd085@laocai.example>",
        [("Báo cáo Bắc Hà.xlsx", returns["PGD085"])],
    )
    messages = {
        "on_time": mail(
            "Phòng GD&ĐT TP Lào Cai <PGD080@laocai.example>",
            tag.format("PGD080"),
            ON_TIME,
            "<on-time-pgd080@laocai.example>",
            [("PGD080 báo cáo.xlsx", returns["PGD080"], XLSX)],
        ),
        "late": mail(
            "pgd082@laocai.example",
            tag.format("PGD082"),
            LATE,
            "<late-pgd082@laocai.example>",
            [("Bát Xát.xlsx", returns["PGD082"], XLSX)],
        ),
        "no_attachment": mail(
            "thpt-lc1@laocai.example",
            "Báo cáo sẽ gửi sau",
            ON_TIME,
            "<no-attachment@laocai.example>",
        ),
        "hostile": mail(
            "gdtx083@laocai.example",
            tag.format("GDTX083"),
            ON_TIME,
            "<hostile@laocai.example>",
            [("../../CON.xlsx", returns["GDTX083"], "application/octet-stream")],
        ),
        "outlook": mail(
            "Văn thư <vanthu@laocai.example>",
            "Fwd: báo cáo của Phòng GD&ĐT Bắc Hà",
            ON_TIME,
            "<forwarded-msg@laocai.example>",
            [("Báo cáo Bắc Hà.msg", outlook, "application/vnd.ms-outlook")],
        ),
        "other_sender": mail(
            "pgd089@laocai.example",
            tag.format("PGD089"),
            ON_TIME,
            "<sent-for-pgd084@laocai.example>",
            [("bao_cao.xlsx", returns["PGD084"], XLSX)],
        ),
    }
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(USER, PASSWORD)
    # The server's arrival time (INTERNALDATE) is the received time; here each mail arrives when it says.
    for name in ("on_time", "late", "no_attachment", "hostile", "outlook", "other_sender", "on_time"):
        arrival = imaplib.Time2Internaldate((LATE if name == "late" else ON_TIME).timestamp())
        client.append("INBOX", None, arrival, messages[name])
    client.logout()
    return folder, returns


def mailbox_state(port: int) -> list[bytes]:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    client.select("INBOX", readonly=True)
    _, data = client.fetch("1:*", "(FLAGS)")
    client.logout()
    return data


def baocao(*arguments: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    return run_baocao(*arguments, env={"BAOCAO_IMAP_PASSWORD": password})


@pytest.fixture(scope="module")
def collected(loaded, dovecot):
    folder, returns = loaded
    before = mailbox_state(dovecot.port)
    first = baocao("collect", str(folder.root), "--imap", "--json")
    assert first.returncode == 0, first.stderr
    second = baocao("collect", str(folder.root), "--imap", "--json")
    assert second.returncode == 0, second.stderr
    checked = baocao("check", str(folder.root), "--json")
    assert checked.returncode == 0, checked.stderr
    return folder, returns, json.loads(first.stdout), json.loads(second.stdout), before, json.loads(checked.stdout)


def test_each_return_is_recorded_with_sender_message_id_and_the_mails_date(collected, dovecot):
    folder, returns, first, _, _, _ = collected
    rows = sqlite3.connect(folder.ledger_path).execute(
        "SELECT original_name, sender, message_id, received_at, subject, source, sha256 FROM returns ORDER BY sender"
    )
    recorded = {row[6]: row[:6] for row in rows}
    source = f"imap://127.0.0.1:{dovecot.port}/INBOX"
    tag = "RE: [bdg-2019/{}] Báo cáo tháng hành động vì bình đẳng giới"
    by_hash = {code: hashlib.sha256(data).hexdigest() for code, data in returns.items()}
    assert recorded == {
        by_hash["PGD080"]: (
            "PGD080 báo cáo.xlsx",
            "pgd080@laocai.example",
            "<on-time-pgd080@laocai.example>",
            local(ON_TIME),
            tag.format("PGD080"),
            source,
        ),
        by_hash["PGD082"]: (
            "Bát Xát.xlsx",
            "pgd082@laocai.example",
            "<late-pgd082@laocai.example>",
            local(LATE),
            tag.format("PGD082"),
            source,
        ),
        by_hash["GDTX083"]: (
            "_CON.xlsx",
            "gdtx083@laocai.example",
            "<hostile@laocai.example>",
            local(ON_TIME),
            tag.format("GDTX083"),
            source,
        ),
        by_hash["PGD085"]: (
            "Báo cáo Bắc Hà.xlsx",
            "vanthu@laocai.example",
            "<forwarded-msg@laocai.example>",
            local(ON_TIME),
            "Fwd: báo cáo của Phòng GD&ĐT Bắc Hà",
            source,
        ),
        by_hash["PGD084"]: (
            "bao_cao.xlsx",
            "pgd089@laocai.example",
            "<sent-for-pgd084@laocai.example>",
            local(ON_TIME),
            tag.format("PGD089"),
            source,
        ),
    }
    assert len(first["new"]) == 5 and first["already_recorded"] == []


def test_the_duplicate_is_recorded_once_and_a_second_run_records_nothing(collected):
    folder, _, first, second, _, _ = collected
    assert len(first["mails"]) == 6 and first["mail_duplicates"] == 1
    assert second["new"] == [] and second["already_recorded"] == [] and second["mails"] == []
    # the second run asks the server only for mails after the last one read: nothing is downloaded again
    assert (first["mailbox_read"], second["mailbox_read"], second["mail_duplicates"]) == (7, 0, 0)
    messages = sqlite3.connect(folder.ledger_path).execute("SELECT count(*) FROM messages").fetchone()[0]
    assert messages == 6


def test_mail_without_attachment_is_listed_by_collect_and_status(collected):
    folder, _, first, _, _, _ = collected
    [listed] = first["mails_without_returns"]
    assert (listed["sender"], listed["subject"], listed["outcome"]) == (
        "thpt-lc1@laocai.example",
        "Báo cáo sẽ gửi sau",
        "no_attachment",
    )
    assert listed["date"] == local(ON_TIME)
    status = baocao("status", str(folder.root), "--json")
    assert json.loads(status.stdout)["mails_without_returns"] == [listed]
    text = baocao("status", str(folder.root))
    assert "thpt-lc1@laocai.example: «Báo cáo sẽ gửi sau»: không có tệp đính kèm" in text.stdout


def test_lateness_follows_the_servers_arrival_time_and_units_are_matched(collected):
    *_, checked = collected
    by_name = {result["original_name"]: result for result in checked}
    assert by_name["Bát Xát.xlsx"]["late"] is True
    assert "LATE" in [f["code"] for f in by_name["Bát Xát.xlsx"]["findings"]]
    assert [by_name[name]["late"] for name in ("PGD080 báo cáo.xlsx", "_CON.xlsx", "Báo cáo Bắc Hà.xlsx")] == [
        False,
        False,
        False,
    ]
    units = {name: result["unit_code"] for name, result in by_name.items()}
    assert units == {
        "PGD080 báo cáo.xlsx": "PGD080",
        "Bát Xát.xlsx": "PGD082",
        "_CON.xlsx": "GDTX083",
        "Báo cáo Bắc Hà.xlsx": "PGD085",
        "bao_cao.xlsx": "PGD084",
    }
    mismatch = {f["code"]: f["message"] for f in by_name["bao_cao.xlsx"]["findings"]}
    assert "SENDER_MISMATCH" in mismatch and "SUBJECT_TAG_MISMATCH" in mismatch
    assert "(PGD084)" in mismatch["SENDER_MISMATCH"] and "(PGD089)" in mismatch["SENDER_MISMATCH"]
    assert all("MISMATCH" not in f["code"] for f in by_name["PGD080 báo cáo.xlsx"]["findings"])


def test_the_mailbox_is_unchanged(collected, dovecot):
    *_, before, _ = collected
    after = mailbox_state(dovecot.port)
    assert after == before and len(after) == 7
    assert all(b"\\Seen" not in line for line in after)


def test_wrong_password_is_a_vietnamese_error_without_the_password(loaded):
    folder, _ = loaded
    wrong = "sai-mat-khau-8841"
    result = baocao("collect", str(folder.root), "--imap", password=wrong)
    assert result.returncode == 1
    assert "không chấp nhận tên đăng nhập «tccb» hoặc mật khẩu" in result.stderr
    assert wrong not in result.stdout + result.stderr and PASSWORD not in result.stdout + result.stderr


def test_refused_connection_and_missing_folder_are_explained(loaded, tmp_path):
    folder, _ = loaded
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    refused = baocao("collect", str(folder.root), "--imap", "--server", f"127.0.0.1:{closed}")
    assert refused.returncode == 1 and "từ chối kết nối" in refused.stderr
    other = init_campaign(tmp_path / "dot")
    settings = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
    settings["mail"]["imap"]["folder"] = "Báo cáo"
    other.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    missing = baocao("collect", str(other.root), "--imap")
    assert missing.returncode == 1 and "không có thư mục «Báo cáo»" in missing.stderr


def test_the_collect_button_reads_the_mailbox_set_in_config(loaded, tmp_path, monkeypatch):
    source, _ = loaded
    folder = init_campaign(tmp_path / "dot", source.config_path)
    ui = RecordingUI(build_control_workbook(folder).path)
    monkeypatch.setenv("BAOCAO_IMAP_PASSWORD", PASSWORD)
    buttons.collect_returns(ui)
    message, _, critical = ui.alerts[-1]
    assert not critical
    assert message.startswith("Đã nhận 5 tệp mới; 0 tệp đã có từ trước. Thư: 6 thư mới, 1 thư đã đọc từ trước.")
    assert "1 thư không có báo cáo dùng được" in message and "«Báo cáo sẽ gửi sau»: " in message
    assert "Đang đọc thư 7/7: thư 7…" in ui.statuses
    assert ui.counts["Tệp chờ kiểm tra"] == 5 and ui.counts["Thư không có báo cáo"] == 1
