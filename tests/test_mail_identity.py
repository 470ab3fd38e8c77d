"""A mail is known by its Message-ID and by what it carries (issue 12, case 5).

A second mail reusing a Message-ID with another attachment is a new mail, not a duplicate; a mail without a
Message-ID is the same mail whether read over IMAP (CRLF, as the server stores it) or from a saved .eml
(LF line ends, headers the mail client adds).
"""

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from addin import ledger, ledger_schema
from tests.imap_server import PASSWORD
from tests.run_cli import baocao
from tests.test_imap_incremental import campaign, deliver

MAIL = Path(__file__).parent / "data" / "mail"
WORKBOOK = (MAIL / "bang_tinh.xlsx").read_bytes()
CORRECTED = WORKBOOK + b"\0"  # other bytes: the unit's corrected file
VN = timezone(timedelta(hours=7))


def reply(attachment: bytes, message_id: str | None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "pgd080@laocai.example", "tccb.sgddt@laocai.example"
    message["Subject"] = "Re: [bdg-2019/PGD080] báo cáo"
    message["Date"] = format_datetime(datetime(2019, 12, 16, 8, 30, tzinfo=VN))
    if message_id:
        message["Message-ID"] = message_id
    message.set_content("Kính gửi Sở.")
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="bao_cao.xlsx")
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def collect(folder, *extra: str) -> dict:
    done = baocao("collect", str(folder.root), "--json", *extra, env={"BAOCAO_IMAP_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def stored_mails(folder) -> list[tuple[str, int]]:
    with sqlite3.connect(folder.ledger_path) as db:
        return db.execute("SELECT message_id, returns FROM messages ORDER BY first_seen, rowid").fetchall()


def test_a_second_mail_reusing_a_message_id_with_another_attachment_is_kept(dovecot, tmp_path):
    folder = campaign(tmp_path, dovecot.port, "cung-ma")
    (folder.inbox / "1_lan_dau.eml").write_bytes(reply(WORKBOOK, "<same@pgd080>"))
    (folder.inbox / "2_sua_lai.eml").write_bytes(reply(CORRECTED, "<same@pgd080>"))
    first = collect(folder)
    assert [record["size"] for record in first["new"]] == [len(WORKBOOK), len(CORRECTED)]
    assert stored_mails(folder) == [("<same@pgd080>", 1), ("<same@pgd080>", 1)]
    again = collect(folder)
    assert (again["new"], again["mails"], again["mail_duplicates"]) == ([], [], 2)


def test_a_mail_without_message_id_read_over_imap_and_saved_is_recorded_once(dovecot, tmp_path):
    folder = campaign(tmp_path, dovecot.port, "khong-ma")
    raw = reply(WORKBOOK, None)
    deliver(dovecot.port, "khong-ma", raw)
    over_imap = collect(folder, "--imap")
    assert [mail["sender"] for mail in over_imap["mails"]] == ["pgd080@laocai.example"]
    # Thunderbird's "Save as": LF line ends, its own status header on top
    saved = b"X-Mozilla-Status: 0001\n" + raw.replace(b"\r\n", b"\n")
    (folder.inbox / "thu_da_luu.eml").write_bytes(saved)
    from_file = collect(folder)
    assert (from_file["mails"], from_file["mail_duplicates"]) == ([], 1)
    assert len(stored_mails(folder)) == 1
    assert (len(over_imap["new"]), from_file["new"]) == (1, [])


def test_mails_of_an_older_ledger_are_still_known_after_the_upgrade(tmp_path):
    path = tmp_path / "baocao.sqlite"
    old = sqlite3.connect(path, isolation_level=None)
    old.row_factory = sqlite3.Row
    old.executescript(ledger_schema.SCHEMA)
    for migration in ledger_schema.MIGRATIONS[:-1]:  # a ledger of the release before
        migration(old)
    old.execute(
        "INSERT INTO messages VALUES ('<old@x>', 'imap://h/INBOX', 'a@x', 's', NULL, 1, 1, 'returns', '[]', "
        "'2019-12-16T10:00:00', NULL)"
    )
    old.execute(f"PRAGMA user_version = {ledger_schema.SCHEMA_VERSION - 1}")
    old.close()
    with ledger.Ledger(path, rebuilding=True) as upgraded:
        assert [(m.message_id, m.content_hash) for m in upgraded.messages()] == [("<old@x>", "")]
        assert upgraded.has_message("<old@x>", "any content"), "recorded before contents were hashed: not read again"
        assert not upgraded.has_message("<new@x>", "")
