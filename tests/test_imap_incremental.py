"""`collect --imap` reads only what is new, asks sizes first and never downloads a mail past the size bound.

Against a real dovecot: its own log says how many bytes each session sent, which is how "not downloaded" is
measured. The memory case runs `collect` in a child process whose address space is capped (RLIMIT_AS).
"""

import imaplib
import json
import os
import re
import resource
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import yaml

from addin.stages import init_campaign
from tests.imap_server import PASSWORD

MAIL = Path(__file__).parent / "data" / "mail"
WORKBOOK = (MAIL / "bang_tinh.xlsx").read_bytes()
VN = timezone(timedelta(hours=7))
ARRIVED = imaplib.Time2Internaldate(datetime(2019, 12, 16, 9, 0, tzinfo=VN))
SIZE_BOUND = 65_536  # mail.limits.message_bytes, lowered so the test mails stay small
TOO_LARGE = "thư lớn hơn 65.536 byte, không tải về; giới hạn mail.limits.message_bytes"


def reply(sender: str, message_id: str, attachment: bytes, name: str = "bao_cao.xlsx") -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, "tccb.sgddt@laocai.example"
    message["Subject"], message["Message-ID"] = f"Re: báo cáo của {sender}", message_id
    message["Date"] = format_datetime(datetime(2019, 12, 16, 8, 30, tzinfo=VN))
    message.set_content("Kính gửi Sở.")
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def header_bomb(words: int = 25_000) -> bytes:
    """About 600 KB of RFC 2047 encoded words in Subject: (CPython's header parser is quadratic on them)."""
    subject = "\r\n ".join("=?utf-8?b?QsOhbyBjw6Fv?=" for _ in range(words))
    head = f"From: bom@hostile.example\r\nMessage-ID: <bomb@hostile.example>\r\nSubject: {subject}\r\n"
    return head.encode() + b"\r\nx\r\n"


def campaign(root: Path, port: int, user: str, limits: dict | None = None):
    folder = init_campaign(root / "dot")
    settings = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
    settings["mail"]["imap"] = {"host": "127.0.0.1", "port": port, "security": "plain", "user": user}
    if limits:
        settings["mail"]["limits"] = limits
    folder.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def deliver(port: int, user: str, *mails: bytes, arrived: str = ARRIVED) -> None:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(user, PASSWORD)
    for raw in mails:
        client.append("INBOX", None, arrived, raw)
    client.logout()


def collect(folder, *extra: str, preexec=None) -> tuple[dict, subprocess.CompletedProcess]:
    done = subprocess.run(
        [sys.executable, "-m", "addin", "collect", str(folder.root), "--imap", "--json", *extra],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BAOCAO_IMAP_PASSWORD": PASSWORD, "COLUMNS": "120", "NO_COLOR": "1"},
        preexec_fn=preexec,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done


def bytes_sent(dovecot, user: str) -> list[int]:
    """What the server sent in each session of `user`, from its own log ("Logged out in=… out=N")."""
    log = (dovecot.root / "dovecot.log").read_text(encoding="utf-8", errors="replace")
    return [int(n) for n in re.findall(rf"imap\({re.escape(user)}\)<[^\n]*Logged out in=\d+ out=(\d+)", log)]


def test_a_mail_past_the_size_bound_is_listed_but_never_downloaded(dovecot, tmp_path):
    folder = campaign(tmp_path, dovecot.port, "lon", {"message_bytes": SIZE_BOUND})
    large = reply("pgd081@laocai.example", "<lon@laocai.example>", os.urandom(300_000))
    deliver(dovecot.port, "lon", large, reply("pgd080@laocai.example", "<tot@laocai.example>", WORKBOOK))
    first, _ = collect(folder)
    by_id = {mail["message_id"]: mail for mail in first["mails"]}
    skipped = by_id["<lon@laocai.example>"]
    assert (skipped["outcome"], skipped["not_returns"]) == ("over_limit", [TOO_LARGE])
    assert (skipped["sender"], skipped["subject"]) == ("pgd081@laocai.example", "Re: báo cáo của pgd081@laocai.example")
    assert [record["original_name"] for record in first["new"]] == ["bao_cao.xlsx"]
    assert bytes_sent(dovecot, "lon")[-1] < len(large) / 4, "the large mail was downloaded"
    listed = subprocess.run(
        [sys.executable, "-m", "addin", "status", str(folder.root)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert "pgd081@laocai.example" in listed.stdout and TOO_LARGE in listed.stdout.replace("\n", " ")


def test_only_new_mails_are_read_and_a_renumbered_folder_loses_nothing(dovecot, tmp_path):
    folder = campaign(tmp_path, dovecot.port, "moi")
    deliver(dovecot.port, "moi", reply("pgd080@laocai.example", "<a@x>", WORKBOOK))
    deliver(dovecot.port, "moi", reply("pgd082@laocai.example", "<b@x>", WORKBOOK + b"\0"))
    first, _ = collect(folder)
    assert (first["mailbox_read"], len(first["mails"])) == (2, 2)
    deliver(dovecot.port, "moi", reply("pgd084@laocai.example", "<c@x>", WORKBOOK + b"\0\0"))
    second, _ = collect(folder)
    assert (second["mailbox_read"], [m["message_id"] for m in second["mails"]]) == (1, ["<c@x>"])
    third, _ = collect(folder)
    assert (third["mailbox_read"], third["mails"], third["new"]) == (0, [], [])
    assert bytes_sent(dovecot, "moi")[-1] < 2_000, "nothing is downloaded when nothing is new"
    said = subprocess.run(
        [sys.executable, "-m", "addin", "collect", str(folder.root), "--imap"],
        capture_output=True,
        text=True,
        env={**os.environ, "BAOCAO_IMAP_PASSWORD": PASSWORD, "COLUMNS": "120", "NO_COLOR": "1"},
    )
    assert "Hộp thư: đã đọc 0 thư đến sau lần đọc trước." in said.stdout, said.stdout + said.stderr
    # The server renumbers the folder (a restored mailbox, a migrated server): all is read again, nothing doubled.
    maildir = dovecot.root / "mail" / "moi"
    for name in os.listdir(maildir):
        if name.startswith(("dovecot-uid", "dovecot.index")):
            (maildir / name).unlink()
    renumbered, _ = collect(folder)
    assert (renumbered["mailbox_read"], renumbered["mail_duplicates"], renumbered["mails"]) == (3, 3, [])


def test_a_read_since_a_date_does_not_hide_the_older_mails_from_the_next_run(dovecot, tmp_path):
    folder = campaign(tmp_path, dovecot.port, "tu-ngay")
    early = imaplib.Time2Internaldate(datetime(2019, 12, 10, 9, 0, tzinfo=VN))
    deliver(dovecot.port, "tu-ngay", reply("pgd080@laocai.example", "<early@x>", WORKBOOK), arrived=early)
    deliver(dovecot.port, "tu-ngay", reply("pgd082@laocai.example", "<late@x>", WORKBOOK + b"\0"))
    since, _ = collect(folder, "--since", "15/12/2019")
    assert [mail["message_id"] for mail in since["mails"]] == ["<late@x>"]
    everything, _ = collect(folder)
    assert ([mail["message_id"] for mail in everything["mails"]], everything["mail_duplicates"]) == (["<early@x>"], 1)
    assert collect(folder)[0]["mailbox_read"] == 0


def limited_memory(megabytes: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))

    return limit


def test_a_huge_attachment_and_a_header_bomb_stay_within_bounded_memory(dovecot, tmp_path):
    """The default bounds, a 60 MB attachment (200 MB in the benchmark) and a 600 KB header of encoded words:
    collect runs under a 1 GB address-space cap (downloading and parsing the attachment took 2.6 GB)."""
    folder = campaign(tmp_path, dovecot.port, "bom")
    huge = reply("pgd083@laocai.example", "<huge@laocai.example>", os.urandom(60 << 20))
    deliver(dovecot.port, "bom", huge, header_bomb(), reply("pgd080@laocai.example", "<tot@laocai.example>", WORKBOOK))
    del huge
    result, _ = collect(folder, preexec=limited_memory(1024))
    outcomes = {mail["message_id"]: (mail["outcome"], mail["not_returns"]) for mail in result["mails"]}
    assert outcomes["<huge@laocai.example>"] == (
        "over_limit",
        ["thư lớn hơn 20.971.520 byte (20 MB), không tải về; giới hạn mail.limits.message_bytes"],
    )
    assert outcomes["<bomb@hostile.example>"] == (
        "over_limit",
        ["thư phần tiêu đề dài hơn 32.768 byte; giới hạn mail.limits.header_bytes"],
    )
    assert [record["original_name"] for record in result["new"]] == ["bao_cao.xlsx"]
