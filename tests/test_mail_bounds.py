"""Hostile mails (issue 12, cases 1, 2, 4, 6): each is recorded once as past a bound of `mail.limits`, intake goes on.

The same mails come as saved `.eml` files in the inbox and from a real dovecot whose user has a UTF-8 password.
Sizes stay small: the bounds that matter are lowered in the campaign's config.
"""

import imaplib
import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml

from addin.config.model import MailLimits
from addin.intake.mail_files import MailUnreadable, parse_eml, read_mail_file
from addin.stages import init_campaign
from tests.imap_server import USER, start_dovecot
from tests.run_cli import baocao

MAIL = Path(__file__).parent / "data" / "mail"
WORKBOOK = (MAIL / "bang_tinh.xlsx").read_bytes()
VN = timezone(timedelta(hours=7))
DATE = format_datetime(datetime(2019, 12, 16, 9, 0, tzinfo=VN)).encode()
PASSWORD = "Mật-khẩu-2019"  # the README's own example
LIMITS = {"header_bytes": 4096, "parts": 50}  # lowered so the mails below stay small


def head(sender: str, subject: str, message_id: str) -> bytes:
    return f"From: {sender}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\nDate: ".encode() + DATE + b"\r\n"


def nested_parens() -> bytes:
    """About 450 bytes: 300+ nested comments in From: (CPython's parser recursed until RecursionError)."""
    sender = "Kẻ lạ <la@hostile.example> " + "(" * 330
    return head(sender, "Thư ngoặc lồng", "<paren@hostile.example>") + b"\r\nxin chao\r\n"


def deep_multipart(depth: int = 1000) -> bytes:
    raw = head("sau@hostile.example", "Thư lồng nhiều tầng", "<deep@hostile.example>") + b"MIME-Version: 1.0\r\n"
    for level in range(depth):
        raw += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
    raw += b"Content-Type: text/plain\r\n\r\nxin chao\r\n"
    for level in reversed(range(depth)):
        raw += b"--b%d--\r\n" % level
    return raw


def encoded_words(count: int = 300) -> bytes:
    """A Subject: of RFC 2047 encoded words (quadratic in CPython's header parser), past header_bytes = 4096."""
    words = "\r\n ".join("=?utf-8?b?QsOhbyBjw6Fv?=" for _ in range(count))
    return head("dai@hostile.example", words, "<words@hostile.example>") + b"\r\nxin chao\r\n"


def many_attachments(count: int = 2000) -> bytes:
    message = EmailMessage()
    message["From"], message["Subject"] = "rac@hostile.example", "Hai nghìn tệp"
    message["Message-ID"], message["Date"] = "<many@hostile.example>", DATE.decode()
    message.set_content("xin chao")
    for number in range(count):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"rac{number}.bin")
    return message.as_bytes()


def good_return() -> bytes:
    message = EmailMessage()
    message["From"], message["Subject"] = "pgd080@laocai.example", "Re: [bdg-2019/PGD080] báo cáo"
    message["Message-ID"], message["Date"] = "<good@laocai.example>", DATE.decode()
    message.set_content("Kính gửi Sở.")
    message.add_attachment(WORKBOOK, maintype="application", subtype="octet-stream", filename="bao_cao.xlsx")
    return message.as_bytes()


DEPTH = "thư lồng nhau quá 20 tầng (ngoặc trong tiêu đề hoặc phần lồng trong phần); giới hạn mail.limits.depth"
HOSTILE = {  # file name in the inbox: (mail, Message-ID, the bound the listing names)
    "1_ngoac.eml": (nested_parens(), "<paren@hostile.example>", DEPTH),
    "2_long.eml": (deep_multipart(), "<deep@hostile.example>", DEPTH),
    # its Message-ID lies past the header bound, unread: the mail is known by its content hash
    "3_tieu_de.eml": (
        encoded_words(),
        None,
        "thư phần tiêu đề dài hơn 4.096 byte; giới hạn mail.limits.header_bytes",
    ),
    "4_tep.eml": (
        many_attachments(),
        "<many@hostile.example>",
        "thư có hơn 50 phần (tệp đính kèm, nội dung); giới hạn mail.limits.parts",
    ),
}


def campaign_with_limits(root: Path, imap: dict | None = None):
    folder = init_campaign(root / "dot")
    settings = yaml.safe_load(folder.config_path.read_text(encoding="utf-8"))
    settings["mail"]["limits"] = LIMITS
    if imap:
        settings["mail"]["imap"] = imap
    folder.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def assert_refused_once(first: dict, second: dict, read_again: int) -> None:
    by_id = {mail["message_id"]: mail for mail in first["mails"]}
    by_sender = {mail["sender"]: mail for mail in first["mails"]}
    assert by_sender["dai@hostile.example"]["message_id"].startswith("<sha256-")
    for name, (_, message_id, bound) in HOSTILE.items():
        mail = by_id[message_id] if message_id else by_sender["dai@hostile.example"]
        assert mail["outcome"] == "over_limit", name
        assert mail["not_returns"] == [bound], name
    assert by_id["<paren@hostile.example>"]["sender"] == "la@hostile.example"
    assert by_id["<paren@hostile.example>"]["subject"] == "Thư ngoặc lồng"
    assert by_id["<deep@hostile.example>"]["sender"] == "sau@hostile.example"
    assert by_id["<good@laocai.example>"]["outcome"] == "returns"
    assert [record["original_name"] for record in first["new"]] == ["bao_cao.xlsx"]
    assert (second["mails"], second["new"], second["mail_duplicates"]) == ([], [], read_again)


def test_the_parser_never_raises_on_a_deep_mail_even_without_the_bounds():
    with pytest.raises(MailUnreadable):
        parse_eml(deep_multipart())


def test_saved_hostile_mails_are_recorded_once_and_the_good_one_after_them_is_collected(tmp_path):
    folder = campaign_with_limits(tmp_path)
    for name, (raw, _, _) in HOSTILE.items():
        (folder.inbox / name).write_bytes(raw)
    (folder.inbox / "9_tot.eml").write_bytes(good_return())
    first = baocao("collect", str(folder.root), "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = baocao("collect", str(folder.root), "--json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert_refused_once(json.loads(first.stdout), json.loads(second.stdout), read_again=5)
    status = baocao("status", str(folder.root), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert (
        "la@hostile.example: «Thư ngoặc lồng»: thư không được đọc vì vượt giới hạn an toàn: thư lồng nhau quá 20"
        in (status.stdout)
    )
    assert "giới hạn mail.limits.parts" in status.stdout


# ------------------------------------------------------------ the same over IMAP, with a UTF-8 password


@pytest.fixture(scope="module")
def utf8_dovecot():
    server = start_dovecot(password=PASSWORD)
    yield server
    server.stop()


def login(client: imaplib.IMAP4) -> None:
    credentials = b"\0" + USER.encode() + b"\0" + PASSWORD.encode()
    client.authenticate("PLAIN", lambda _challenge: credentials)


def password_pieces(password: str) -> list[str]:
    """Every run of four characters of the password with a letter in it (shorter runs, or "2019", are ordinary text)."""
    pieces = [password[start : start + 4] for start in range(len(password) - 3)]
    return [piece for piece in pieces if any(char.isalpha() for char in piece)]


def leaked(password: str, *texts: str) -> list[str]:
    return [piece for piece in password_pieces(password) for text in texts if piece in text]


def logs(*directories: Path) -> str:
    return "".join(log.read_text(encoding="utf-8") for d in directories for log in d.rglob("*.log"))


def test_imap_with_a_utf8_password_records_each_hostile_mail_once(utf8_dovecot, tmp_path):
    imap = {"host": "127.0.0.1", "port": utf8_dovecot.port, "security": "plain", "user": USER}
    folder = campaign_with_limits(tmp_path, imap)
    client = imaplib.IMAP4("127.0.0.1", utf8_dovecot.port)
    login(client)
    for raw in [raw for raw, _, _ in HOSTILE.values()] + [good_return()]:
        client.append("INBOX", None, imaplib.Time2Internaldate(datetime(2019, 12, 16, 9, 0, tzinfo=VN)), raw)
    client.logout()
    env = {"BAOCAO_IMAP_PASSWORD": PASSWORD}
    first = baocao("collect", str(folder.root), "--imap", "--json", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    second = baocao("collect", str(folder.root), "--imap", "--json", cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert_refused_once(json.loads(first.stdout), json.loads(second.stdout), read_again=0)
    assert (json.loads(first.stdout)["mailbox_read"], json.loads(second.stdout)["mailbox_read"]) == (5, 0)
    assert leaked(PASSWORD, first.stdout, first.stderr, second.stdout, logs(tmp_path)) == []
    rows = sqlite3.connect(folder.ledger_path).execute("SELECT count(*) FROM messages").fetchone()
    assert rows == (5,)


def test_a_wrong_utf8_password_is_refused_plainly_and_never_shown(utf8_dovecot, tmp_path):
    imap = {"host": "127.0.0.1", "port": utf8_dovecot.port, "security": "plain", "user": USER}
    folder = campaign_with_limits(tmp_path, imap)
    wrong = "Ngọc-Ẩn-2020-sai"  # no word of it appears in any message
    run = baocao("collect", str(folder.root), "--imap", cwd=tmp_path, env={"BAOCAO_IMAP_PASSWORD": wrong})
    assert run.returncode not in (0, 3), run.stderr
    assert f"không chấp nhận tên đăng nhập «{USER}» hoặc mật khẩu" in run.stdout + run.stderr
    assert leaked(wrong, run.stdout, run.stderr, logs(tmp_path)) == []


def test_ordinary_mails_are_within_the_default_bounds():
    samples = sorted(MAIL.glob("*.eml")) + sorted(MAIL.glob("*.msg"))
    assert samples
    assert [(path.name, read_mail_file(path.name, path.read_bytes()).refused) for path in samples] == [
        (path.name, None) for path in samples
    ]


def test_parts_are_counted_whatever_the_case_of_the_boundary():
    raw = many_attachments(60)
    boundary = re.search(rb'boundary="([^"]+)"', raw).group(1)
    item = read_mail_file("a.eml", raw.replace(boundary, b"MiXeD-Case-Boundary"), MailLimits(parts=50))
    assert (item.outcome, item.refused) == (
        "over_limit",
        "thư có hơn 50 phần (tệp đính kèm, nội dung); giới hạn mail.limits.parts",
    )
