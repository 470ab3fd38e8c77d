"""`baocao send` and `baocao remind` against a real SMTP server (aiosmtpd on 127.0.0.1, with login).

Every message is read back with the stdlib parser (`policy.default`), as a mail client would: the
recipient, the Vietnamese subject, the body, the attachment's Vietnamese name and its bytes.
"""

import json
import shutil
import sqlite3
import ssl
import subprocess
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller

from addin.campaign import open_campaign
from addin.channels.channel import SMTP
from addin.channels.compose import SEND, Attachment, as_bytes, compose, mail_values, plan_message
from addin.channels.sending import SENT, send_reminders, send_templates
from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.errors import BaocaoError
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.issue.unit_copies import unit_file_name
from addin.mail_servers import Server, parse_server
from addin.stages import decide, init_campaign
from tests.mail_campaign import make_campaign
from tests.run_cli import baocao as run_baocao
from tests.smtp_server import PASSWORD, USER, Mailbox, free_port

NULL_KEYRING = "keyring.backends.null.Keyring"

VIETNAMESE_PASSWORD = "Mật-khẩu-thử-7f3Q9z"
DEADLINE = "18/12/2019"


def baocao(*arguments: str, password: str | None = PASSWORD, cwd: Path | None = None, env: dict | None = None):
    """The real command, with the SMTP password (or none) in its environment and no OS keyring."""
    mail_env = {"COLUMNS": "200", "BAOCAO_SMTP_PASSWORD": password, "PYTHON_KEYRING_BACKEND": NULL_KEYRING}
    return run_baocao(*arguments, cwd=cwd, env={**mail_env, **(env or {})})


def sends(folder) -> list[dict]:
    with sqlite3.connect(folder.ledger_path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM sends ORDER BY id")]


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def assert_password_nowhere(*places: str | bytes | Path, password: str = PASSWORD) -> None:
    needles = [password.encode("utf-8"), password.encode("utf-16-le")]
    for place in places:
        if isinstance(place, Path):
            files = [p for p in place.rglob("*") if p.is_file()] if place.is_dir() else [place]
            data = b"".join(path.read_bytes() for path in files if path.exists())
        else:
            data = place.encode("utf-8") if isinstance(place, str) else place
        assert not any(needle in data for needle in needles), place if isinstance(place, Path) else "output"


# ---------------------------------------------------------------- send over SMTP


def test_every_unit_receives_its_own_template_exactly_once(tmp_path, server):
    folder, config = make_campaign(tmp_path / "dot", server.port)
    done = baocao("send", str(folder.root), "--smtp", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["counts"] == {"sent": len(config.units), "skipped": 0, "failed": 0, "would_send": 0}
    assert len(server.messages) == len(config.units) and set(server.logins) <= {"LOGIN", "PLAIN"}

    received = server.parsed()
    assert sorted(received) == sorted(unit.email for unit in config.units), "one message per unit, to its address"
    ledger = {row["unit_code"]: row for row in sends(folder)}
    for unit in config.units:
        message = received[unit.email]
        assert [a.addr_spec for a in message["to"].addresses] == [unit.email]
        assert message["to"].addresses[0].display_name == unit.short
        assert message["from"].addresses[0].display_name == "Sở GD&ĐT Lào Cai - Phòng TCCB"
        assert str(message["subject"]) == f"[bdg-2019/{unit.code}] …/SGDĐT-TCCB: biểu mẫu báo cáo của {unit.short}"
        body = message.get_body(("plain",)).get_content()
        assert unit.name in body and DEADLINE in body
        template = (folder.outgoing / unit_file_name(unit)).read_bytes()
        assert attachments(message) == {f"{unit.code}_{unit.short}.xlsx": template}
        part = next(message.iter_attachments())
        assert str(make_header(decode_header(part.get_param("name")))) == f"{unit.code}_{unit.short}.xlsx"
        row = ledger[unit.code]
        assert (row["kind"], row["channel"], row["result"], row["recipient"]) == ("send", "smtp", "sent", unit.email)
        assert row["message_id"] == message["message-id"]

    bat_xat = received["pgd082@laocai.example"]
    assert str(bat_xat["subject"]) == "[bdg-2019/PGD082] …/SGDĐT-TCCB: biểu mẫu báo cáo của Phòng GD&ĐT Bát Xát"
    assert list(attachments(bat_xat)) == ["PGD082_Phòng GD&ĐT Bát Xát.xlsx"]

    again = baocao("send", str(folder.root), "--smtp", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(server.messages) == len(config.units), "a rerun sends nothing twice"
    assert f"bỏ qua {len(config.units)}" in again.stdout and "đã gửi đúng thư này" in again.stdout
    assert_password_nowhere(done.stdout, done.stderr, again.stdout, again.stderr, folder.root, tmp_path)


def test_a_refused_address_fails_only_that_unit_and_a_rerun_sends_only_it(tmp_path, server):
    folder, _ = make_campaign(tmp_path / "dot", server.port)
    codes = ["PGD082", "PGD083", "THPT-CHUYEN"]
    only = [argument for code in codes for argument in ("--only", code)]
    server.refuse.add("pgd083@laocai.example")

    first = baocao("send", str(folder.root), "--smtp", *only)
    assert first.returncode == 1
    assert sorted(rcpt[0] for rcpt, _ in server.messages) == ["pgd082@laocai.example", "thpt-chuyen@laocai.example"]
    lines = {line.split(" ", 1)[0]: line for line in first.stdout.splitlines()}
    assert "máy chủ thư từ chối địa chỉ pgd083@laocai.example (550" in lines["PGD083"]
    assert "đã gửi tới" in lines["PGD082"] and "đã gửi tới" in lines["THPT-CHUYEN"]
    assert "1 đơn vị chưa gửi được" in " ".join(first.stderr.split()) and "Traceback" not in first.stderr
    failed = [row for row in sends(folder) if row["result"] == "failed"]
    assert [(row["unit_code"], row["message_id"] is not None) for row in failed] == [("PGD083", True)]
    assert "từ chối địa chỉ" in failed[0]["error"]

    server.refuse.clear()
    second = baocao("send", str(folder.root), "--smtp", *only, "--json")
    assert second.returncode == 0, second.stderr
    outcomes = {result["unit_code"]: result["outcome"] for result in json.loads(second.stdout)["results"]}
    assert outcomes == {"PGD082": "skipped", "PGD083": "sent", "THPT-CHUYEN": "skipped"}
    assert sorted(rcpt[0] for rcpt, _ in server.messages) == [
        "pgd082@laocai.example",
        "pgd083@laocai.example",
        "thpt-chuyen@laocai.example",
    ], "each unit once"

    forced = baocao("send", str(folder.root), "--smtp", "--only", "pgd082", "--force")
    assert forced.returncode == 0, forced.stderr
    assert [rcpt[0] for rcpt, _ in server.messages].count("pgd082@laocai.example") == 2
    assert [row["result"] for row in sends(folder)].count("sent") == 4
    assert_password_nowhere(first.stdout + first.stderr, second.stdout, forced.stdout, folder.root)


def test_a_server_that_stops_part_way_stops_the_batch_and_a_rerun_goes_on(tmp_path, server):
    folder, config = make_campaign(tmp_path / "dot", server.port)
    server.limit = 5
    first = baocao("send", str(folder.root), "--smtp", "--json")
    assert first.returncode == 1
    assert "tạm ngừng nhận thư (421" in " ".join(first.stderr.split()) and "Traceback" not in first.stderr
    outcomes = [result["outcome"] for result in json.loads(first.stdout)["results"]]
    assert outcomes == ["sent"] * 5 + ["failed"] and len(server.messages) == 5
    assert [row["result"] for row in sends(folder)] == ["sent"] * 5 + ["failed"]

    server.limit = None
    second = baocao("send", str(folder.root), "--smtp")
    assert second.returncode == 0, second.stderr
    assert sorted(rcpt[0] for rcpt, _ in server.messages) == sorted(unit.email for unit in config.units)
    assert f"đã gửi {len(config.units) - 5}, bỏ qua 5" in second.stdout


def test_dry_run_sends_and_writes_nothing(tmp_path, server):
    folder, config = make_campaign(tmp_path / "dot", server.port)
    shown = baocao("send", str(folder.root), "--smtp", "--dry-run", "--only", "PGD084", password=None)
    assert shown.returncode == 0, shown.stderr
    assert "sẽ gửi tới pgd084@laocai.example, đính kèm PGD084_Phòng GD&ĐT Si Ma Cai.xlsx" in shown.stdout
    assert "Chưa gửi, chưa ghi gì" in shown.stdout
    outbox = baocao("send", str(folder.root), "--dry-run", "--json")
    assert outbox.returncode == 0, outbox.stderr
    assert json.loads(outbox.stdout)["counts"]["would_send"] == len(config.units)
    assert server.messages == [] and sends(folder) == []
    assert not (folder.outgoing / "thu_gui").exists()


def test_server_down_is_one_vietnamese_message_and_exit_code_1(tmp_path):
    folder, _ = make_campaign(tmp_path / "dot", free_port())
    done = baocao("send", str(folder.root), "--smtp", cwd=tmp_path)
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert "Không kết nối được máy chủ thư 127.0.0.1:" in message and "chạy lại" in message
    assert "Traceback" not in done.stderr + done.stdout and sends(folder) == []
    assert_password_nowhere(done.stdout, done.stderr, folder.root, tmp_path)


def test_a_refused_login_stops_the_batch_without_showing_the_password(tmp_path, server):
    folder, _ = make_campaign(tmp_path / "dot", server.port)
    wrong = "sai-" + PASSWORD
    done = baocao("send", str(folder.root), "--smtp", password=wrong)
    assert done.returncode == 1 and server.messages == []
    assert f"không nhận đăng nhập của {USER} (535" in " ".join(done.stderr.split())
    assert wrong not in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_without_a_password_staff_are_told_which_variable_to_set(tmp_path, server):
    folder, _ = make_campaign(tmp_path / "dot", server.port)
    done = baocao("send", str(folder.root), "--smtp", password=None)
    assert done.returncode == 1 and server.messages == []
    message = " ".join(done.stderr.split())
    assert "Hãy đặt biến môi trường BAOCAO_SMTP_PASSWORD" in message and "setx BAOCAO_SMTP_PASSWORD" in message


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [("smtp.gmail.com:587", "smtp.gmail.com", 587), (" [::1]:993 ", "::1", 993), ("127.0.0.1:25", "127.0.0.1", 25)],
)
def test_one_parser_reads_host_and_port(text, host, port):
    assert parse_server(text) == Server(host, port)


@pytest.mark.parametrize("text", ["smtp.gmail.com", "smtp.gmail.com:0", "smtp.gmail.com:70000", "[::zz]:993", "::1:25"])
def test_a_server_without_a_usable_port_is_refused_naming_it(text):
    with pytest.raises(BaocaoError, match="dạng MÁY_CHỦ:CỔNG") as refused:
        parse_server(text)
    assert f"«{text}»" in refused.value.message


def test_server_option_overrides_the_configured_host_and_port(tmp_path, server):
    folder, _ = make_campaign(tmp_path / "dot", free_port())
    done = baocao("send", str(folder.root), "--server", f"127.0.0.1:{server.port}", "--only", "PGD085")
    assert done.returncode == 0, done.stderr
    assert [rcpt for rcpt, _ in server.messages] == [["pgd085@laocai.example"]]
    bad = baocao("send", str(folder.root), "--server", "khong co cong")
    assert bad.returncode == 1 and "dạng MÁY_CHỦ:CỔNG" in " ".join(bad.stderr.split())


@pytest.mark.parametrize("entry", [("baocao", f"smtp:{USER}@127.0.0.1"), ("baocao-smtp", USER)], ids=["new", "old"])
def test_the_password_can_come_from_the_os_keyring(tmp_path, server, monkeypatch, entry):
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.stored = {entry: PASSWORD}

        def get_password(self, service, username):
            return self.stored.get((service, username))

        def set_password(self, service, username, password):
            self.stored[(service, username)] = password

        def delete_password(self, service, username):
            self.stored.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.delenv("BAOCAO_SMTP_PASSWORD", raising=False)
    try:
        folder, _ = make_campaign(tmp_path / "dot", server.port)
        report = send_templates(folder, channel=SMTP, only=["PGD086"])
    finally:
        keyring.set_keyring(previous)
    assert [result.outcome for result in report.results] == [SENT] and server.logins
    assert [rcpt for rcpt, _ in server.messages] == [["pgd086@laocai.example"]]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the client trusts it only through SSL_CERT_FILE)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
    command = ["openssl", *request.split(), "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_ssl_and_starttls_log_in_over_a_verified_connection(tmp_path, certificate, security):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    # aiosmtpd counts only STARTTLS as TLS for AUTH, so on implicit TLS it is told AUTH may go ahead.
    tls = {"ssl_context": context, "auth_require_tls": False} if security == "ssl" else {"tls_context": context}
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=box.authenticate, **tls)
    controller.start()
    try:
        folder, _ = make_campaign(tmp_path / "dot", controller.port, security)
        untrusted = baocao("send", str(folder.root), "--smtp", "--only", "PGD088")
        trusted = baocao("send", str(folder.root), "--smtp", "--only", "PGD088", env={"SSL_CERT_FILE": str(cert)})
    finally:
        controller.stop()
    assert untrusted.returncode == 1 and "chứng chỉ của máy chủ" in " ".join(untrusted.stderr.split())
    assert trusted.returncode == 0, trusted.stderr
    assert box.logins and [rcpt for rcpt, _ in box.messages] == [["pgd088@laocai.example"]]


# ---------------------------------------------------------------- outbox (.eml)


def test_outbox_writes_eml_drafts_that_parse_back(tmp_path):
    folder, config = make_campaign(tmp_path / "dot", free_port())
    done = baocao("send", str(folder.root), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    outbox = folder.outgoing / "thu_gui"
    assert sorted(path.name for path in outbox.iterdir()) == sorted(f"{unit.code}.eml" for unit in config.units)
    assert f"Các thư ở {outbox}" in done.stdout
    for unit in config.units:
        message = BytesParser(policy=policy.default).parsebytes((outbox / f"{unit.code}.eml").read_bytes())
        assert message["x-unsent"] == "1"
        assert message["to"].addresses[0].addr_spec == unit.email
        assert str(message["subject"]).startswith(f"[bdg-2019/{unit.code}] ")
        assert message["message-id"].endswith("@laocai.example>")
        template = (folder.outgoing / unit_file_name(unit)).read_bytes()
        assert attachments(message) == {f"{unit.code}_{unit.short}.xlsx": template}
    rows = sends(folder)
    assert {(row["channel"], row["result"]) for row in rows} == {("outbox", "sent")} and len(rows) == len(config.units)
    again = baocao("send", str(folder.root), "--only", "PGD080")
    assert "bỏ qua, đã gửi đúng thư này" in again.stdout and len(sends(folder)) == len(config.units)
    assert_password_nowhere(done.stdout, done.stderr, again.stdout, outbox, folder.root, tmp_path)


def test_sending_before_templates_exist_says_to_make_them(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    done = baocao("send", str(folder.root))
    assert done.returncode == 1
    assert "Hãy chạy «baocao templates" in " ".join(done.stderr.split()) and "Traceback" not in done.stderr


def test_a_password_with_vietnamese_letters_logs_in(tmp_path, server):
    server.password = VIETNAMESE_PASSWORD
    folder, _ = make_campaign(tmp_path / "dot", server.port)
    done = baocao("send", str(folder.root), "--smtp", "--only", "PGD087", password=VIETNAMESE_PASSWORD, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert server.logins == ["PLAIN"] and [rcpt for rcpt, _ in server.messages] == [["pgd087@laocai.example"]]
    assert_password_nowhere(done.stdout, done.stderr, folder.root, tmp_path, password=VIETNAMESE_PASSWORD)


def test_long_vietnamese_names_decode_intact(tmp_path):
    """Names far longer than one RFC 2047 word: every header still decodes to the exact text."""
    _, config = make_campaign(tmp_path / "dot", free_port())
    unit = config.units[10]
    long_short = "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện Mường Khương (cơ sở 2), tỉnh Lào Cai"
    unit = type(unit)(**{**unit.__dict__, "short": long_short})
    name = "PGD_Tên tệp rất dài của đơn vị Trường Phổ thông Dân tộc nội trú THCS&THPT huyện Mường Khương.xlsx"
    plan = plan_message(config, unit, SEND, [b"x"], [name], list)
    raw = as_bytes(compose(config, plan, [Attachment(name, b"bytes")], draft=False))
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = BytesParser(policy=policy.default).parsebytes(raw)
    subject = config.mail.send.subject.format(**mail_values(config, unit, name))
    assert str(message["subject"]) == subject
    assert attachments(message) == {name: b"bytes"}
    assert message["to"].addresses[0].addr_spec == unit.email


# ---------------------------------------------------------------- remind


def test_remind_goes_to_units_not_heard_from_and_units_with_errors(tmp_path, server):
    folder, config = make_campaign(tmp_path / "dot", server.port)
    units = config.units
    maker = SampleMaker(config, seed=5)
    samples = [maker.make(units[0]), maker.make(units[1], ["wrong_total"]), maker.make(units[2], ["wrong_total"])]
    samples += [maker.make(unit) for unit in units[3:40]]
    write_samples(config, build_master(config), samples, folder.inbox)
    collect(folder)
    check_campaign(folder)
    decide(folder, units[2].code, "accept", "Đã gọi điện xác minh")

    shown = baocao("remind", str(folder.root), "--smtp", "--dry-run", "--json")
    assert shown.returncode == 0, shown.stderr
    planned = {result["unit_code"]: result["kind"] for result in json.loads(shown.stdout)["results"]}
    silent = {unit.code for unit in units[40:]}
    assert planned == {**dict.fromkeys(silent, "remind"), units[1].code: "feedback"}
    assert server.messages == []

    done = baocao("remind", str(folder.root), "--smtp")
    assert done.returncode == 0, done.stderr
    received = server.parsed()
    assert sorted(received) == sorted([unit.email for unit in units[40:]] + [units[1].email])

    for unit in units[40:]:
        message = received[unit.email]
        assert str(message["subject"]) == f"[bdg-2019/{unit.code}] Nhắc nộp báo cáo: {unit.short}"
        body = message.get_body(("plain",)).get_content()
        assert "chưa nhận được báo cáo" in body and unit.name in body
        assert "gửi lại sớm nhất có thể" in body and DEADLINE not in body, "sent after the 2019 deadline"
        assert attachments(message) == {
            f"{unit.code}_{unit.short}.xlsx": (folder.outgoing / unit_file_name(unit)).read_bytes()
        }

    wrong = received[units[1].email]
    assert str(wrong["subject"]) == f"[bdg-2019/{units[1].code}] Báo cáo cần sửa: {units[1].short}"
    body = wrong.get_body(("plain",)).get_content()
    files = attachments(wrong)
    workbook_name = f"{units[1].code}_{units[1].short}_cần sửa.xlsx"
    assert sorted(files) == sorted([workbook_name, "can_sua.txt"])
    listing = (
        files["can_sua.txt"].decode("utf-8-sig") if isinstance(files["can_sua.txt"], bytes) else files["can_sua.txt"]
    )
    assert "1. " in body and "1. " in listing
    first_problem = next(line for line in body.splitlines() if line.startswith("1. "))
    assert first_problem.strip() in listing
    (tmp_path / "annotated.xlsx").write_bytes(files[workbook_name])
    annotated = openpyxl.load_workbook(tmp_path / "annotated.xlsx")
    assert annotated.sheetnames[0] == "Cần sửa"
    rows = [[cell.value for cell in row] for row in annotated["Cần sửa"].iter_rows()]
    top = rows.index(["Mức độ", "Nội dung", "Trang", "Ô"])
    assert rows[top + 1][1] in body

    again = baocao("remind", str(folder.root), "--smtp", "--json")
    assert again.returncode == 0, again.stderr
    assert {result["outcome"] for result in json.loads(again.stdout)["results"]} == {"skipped"}
    assert len(server.messages) == len(received), "nothing twice"
    kinds = {row["unit_code"]: row["kind"] for row in sends(open_campaign(folder.root))}
    assert kinds[units[1].code] == "feedback" and kinds[units[45].code] == "remind"


def test_a_return_that_cannot_be_opened_gets_a_fresh_template_back(tmp_path, server, monkeypatch):
    folder, config = make_campaign(tmp_path / "dot", server.port)
    monkeypatch.setenv("BAOCAO_SMTP_PASSWORD", PASSWORD)
    unit = config.units[0]
    [good] = write_samples(config, build_master(config), [SampleMaker(config).make(unit)], folder.inbox)
    good.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    collect(folder)
    check_campaign(folder)
    report = send_reminders(folder, channel=SMTP, only=[unit.code])
    assert [(result.kind, result.outcome) for result in report.results] == [("feedback", SENT)]
    message = server.parsed()[unit.email]
    files = attachments(message)
    template = f"{unit.code}_{unit.short}.xlsx"
    assert sorted(files) == sorted([template, "can_sua.txt"])
    assert files[template] == (folder.outgoing / unit_file_name(unit)).read_bytes()
    body = message.get_body(("plain",)).get_content()
    assert f"Tệp đính kèm {template} là báo cáo" in body and "biểu mẫu mới để điền lại" in body


def test_remind_refuses_while_returns_are_unchecked(tmp_path):
    folder, config = make_campaign(tmp_path / "dot", free_port())
    write_samples(config, build_master(config), [SampleMaker(config).make(config.units[0])], folder.inbox)
    collect(folder)
    done = baocao("remind", str(folder.root))
    assert done.returncode == 1 and "baocao check" in done.stderr


def test_smtp_pauses_between_messages_not_after_the_last(tmp_path, server, monkeypatch):
    folder, _ = make_campaign(tmp_path / "dot", server.port)
    monkeypatch.setenv("BAOCAO_SMTP_PASSWORD", PASSWORD)
    pauses = []
    monkeypatch.setattr("addin.channels.sending.time.sleep", pauses.append)
    report = send_templates(folder, channel=SMTP, only=["PGD080", "PGD082", "PGD083"], pause=2.5)
    assert report.count(SENT) == 3 and pauses == [2.5, 2.5]


@pytest.mark.parametrize("command", ["send", "remind"])
def test_mail_commands_have_vietnamese_help(command):
    done = baocao(command, "--help")
    assert done.returncode == 0
    assert "Cách dùng: baocao" in done.stdout and "Xem hướng dẫn này rồi thoát." in done.stdout
    for option in ("--outbox", "--smtp", "--server", "--only", "--dry-run", "--force", "--pause", "--json"):
        assert option in done.stdout
