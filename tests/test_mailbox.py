"""Saved mails (.eml, Outlook .msg) → returns: parsing, safe attachment names, collect and unit matching."""

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path, PureWindowsPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin import ledger, ledger_schema
from addin.checking import check_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.intake.mail_files import MailUnreadable, parse_eml, parse_msg, read_mail_file
from addin.issue.master import build_master
from addin.stages import init_campaign
from addin.standing import State, campaign_standing
from addin.xlsx.names import NAME_LIMIT, safe_name
from tests.data.mail.make_samples import msg_bytes

MAIL = Path(__file__).parent / "data" / "mail"
WORKBOOK = (MAIL / "bang_tinh.xlsx").read_bytes()
VN = timezone(timedelta(hours=7))
RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{kind}{n}" for kind in ("COM", "LPT") for n in range(10)}


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=VN).astimezone().replace(tzinfo=None)


def sample(name: str):
    return read_mail_file(name, (MAIL / name).read_bytes())


# ------------------------------------------------------------ parsing the saved samples


def test_reply_with_encoded_subject_and_rfc2231_filename():
    item = sample("tra_loi_pgd082.eml")
    assert item.message_id == "<CAF+reply-pgd082-0001@mail.laocai.example>"
    assert item.sender == "pgd082@laocai.example"
    assert item.subject == "RE: [bdg-2019/PGD082] Báo cáo tháng hành động vì bình đẳng giới: Phòng GD&ĐT Bát Xát"
    assert item.date == local(2019, 12, 17, 9, 15, 42)
    assert [(a.name, a.data, a.is_return) for a in item.attachments] == [
        ("Báo cáo tháng hành động Bát Xát.xlsx", WORKBOOK, True)
    ]
    assert item.outcome == "returns"


def test_mail_without_attachment_or_message_id():
    raw = (MAIL / "khong_dinh_kem.eml").read_bytes()
    item = parse_eml(raw)
    assert item.message_id.startswith("<sha256-") and len(item.message_id) == len("<sha256-@baocao>") + 64
    assert item.message_id == parse_eml(raw).message_id
    assert (item.sender, item.subject) == ("thpt-lc1@laocai.example", "Báo cáo của THPT số 1 (gửi sau)")
    assert item.date == local(2019, 12, 18, 16, 5)
    assert (item.attachments, item.outcome) == ([], "no_attachment")


def test_hostile_file_names_are_made_safe():
    item = sample("ten_tep_doc_hai.eml")
    assert [(a.name, a.is_return) for a in item.attachments] == [
        ("_CON.xlsx", True),
        ("baocao.pdf", False),
        ("Bản chụp công văn.pdf", False),
    ]
    assert item.attachments[0].data == WORKBOOK
    assert item.not_returns == ["baocao.pdf", "Bản chụp công văn.pdf"]


def test_forwarded_message_yields_its_attachment():
    item = sample("chuyen_tiep.eml")
    assert (item.sender, item.subject) == (
        "vanthu@laocai.example",
        "Fwd: [bdg-2019/PGD086] Báo cáo của Phòng GD&ĐT Bảo Thắng",
    )
    assert item.date == local(2019, 12, 16, 14, 20)
    assert [(a.name, a.data) for a in item.attachments] == [("Báo cáo Bảo Thắng.xlsx", WORKBOOK)]


def test_outlook_msg():
    item = sample("outlook_pgd085.msg")
    assert item.message_id == "<outlook-pgd085-0001@laocai.example>"
    assert item.sender == "pgd085@laocai.example"
    assert item.subject == "RE: [bdg-2019/PGD085] Báo cáo tháng hành động vì bình đẳng giới: Phòng GD&ĐT Bắc Hà"
    assert item.date == datetime(2019, 12, 16, 2, 30, tzinfo=UTC).astimezone().replace(tzinfo=None)
    assert [(a.name, a.is_return) for a in item.attachments] == [("Báo cáo Bắc Hà.xlsx", True), ("chữ ký.png", False)]
    assert item.attachments[0].data == WORKBOOK


def test_msg_attached_to_an_eml_is_unpacked():
    outlook = msg_bytes(
        "Báo cáo", "a@b.example", "A", datetime(2019, 12, 1, tzinfo=VN), "<m@b>", [("x.xlsx", WORKBOOK)]
    )
    message = EmailMessage()
    message["From"], message["Subject"], message["Date"] = (
        "vanthu@laocai.example",
        "Fwd",
        format_datetime(datetime(2019, 12, 2, 8, 0, tzinfo=VN)),
    )
    message.set_content("xem tệp đính kèm")
    message.add_attachment(outlook, maintype="application", subtype="vnd.ms-outlook", filename="thư.msg")
    item = parse_eml(message.as_bytes())
    assert [(a.name, a.data, a.is_return) for a in item.attachments] == [("x.xlsx", WORKBOOK, True)]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x01garbage",
        b"From: x\r\nSubject: =?utf-8?B?###?=\r\nDate: not a date\r\n\r\nbody",
        b"\xd0\xcf\x11\xe0",
    ],
)
def test_garbage_never_crashes(raw):
    try:
        item = read_mail_file("x.eml", raw)
    except MailUnreadable:
        pass
    else:
        assert item.date is None and item.attachments == []


def test_unreadable_msg_is_reported_not_raised():
    with pytest.raises(MailUnreadable):
        parse_msg(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))


# ------------------------------------------------------------ safe names


@given(st.text(max_size=400))
def test_safe_name_is_always_safe(name):
    safe = safe_name(name)
    assert safe and len(safe) <= NAME_LIMIT
    assert not any(char in safe for char in '/\\<>:"|?*') and all(ord(char) >= 32 for char in safe)
    assert safe.split(".")[0].strip().upper() not in RESERVED
    assert not safe.endswith((".", " ")) and safe not in (".", "..")
    assert PureWindowsPath(safe).name == safe


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300))
def test_safe_name_keeps_the_extension(stem):
    safe = safe_name(f"{stem}.xlsx")
    assert safe.endswith(".xlsx") and len(safe) <= NAME_LIMIT


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../CON.xlsx", "_CON.xlsx"),
        ("C:\\Users\\x\\lpt1.xls", "_lpt1.xls"),
        ("báo cáo .xlsx. ", "báo cáo.xlsx"),
        (".xlsx", "tep_dinh_kem.xlsx"),
        ("", "tep_dinh_kem"),
        ("..", "tep_dinh_kem"),
        ("a\x00b\x1fc.xlsx", "abc.xlsx"),
        ("x" * 300 + ".xlsx", "x" * (NAME_LIMIT - 5) + ".xlsx"),
    ],
)
def test_safe_name_examples(name, safe):
    assert safe_name(name) == safe


# ------------------------------------------------------------ collect from saved mails


def test_collect_from_a_folder_of_saved_mails(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    for name in ("tra_loi_pgd082.eml", "khong_dinh_kem.eml", "ten_tep_doc_hai.eml", "chuyen_tiep.eml"):
        shutil.copyfile(MAIL / name, folder.inbox / name)
    (folder.inbox / "Outlook").mkdir()
    shutil.copyfile(MAIL / "outlook_pgd085.msg", folder.inbox / "Outlook" / "RE báo cáo.msg")
    result = collect(folder)
    # The four spreadsheets are the same bytes: one return, three more sightings.
    assert (len(result.new), len(result.already_recorded)) == (1, 3)
    assert result.new[0].message_id and result.new[0].sender
    assert len(result.mails) == 5 and result.mail_duplicates == 0
    assert [(m.sender, m.outcome) for m in result.unusable_mails] == [("thpt-lc1@laocai.example", "no_attachment")]
    again = collect(folder, tmp_path / "dot" / "2_bao_cao_nhan" / "tra_loi_pgd082.eml")
    assert (again.new, again.mails, again.mail_duplicates) == ([], [], 1)
    stored = sqlite3.connect(folder.ledger_path).execute("SELECT not_returns FROM messages WHERE sender LIKE 'gdtx%'")
    assert json.loads(stored.fetchone()[0]) == ["baocao.pdf", "Bản chụp công văn.pdf"]
    assert [m.subject for m in campaign_standing(folder).unusable_mails] == ["Báo cáo của THPT số 1 (gửi sau)"]


def test_unreadable_mail_file_is_listed_not_lost(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    (folder.inbox / "hong.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    result = collect(folder)
    assert [(m.outcome, m.source) for m in result.mails] == [("unreadable", str((folder.inbox / "hong.msg").resolve()))]
    assert [m.outcome for m in campaign_standing(folder).unusable_mails] == ["unreadable"]


# ------------------------------------------------------------ which unit sent it


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    folder = init_campaign(tmp_path_factory.mktemp("match") / "dot")
    config = folder.load_config()
    units = {unit.code: unit for unit in config.units}
    maker = SampleMaker(config, seed=9)
    made = write_samples(
        config, build_master(config), [maker.make(units[c]) for c in ("PGD080", "PGD086")], folder.root / "made"
    )
    return folder, {code: path.read_bytes() for code, path in zip(("PGD080", "PGD086"), made, strict=True)}


def eml(sender: str, subject: str, attachment: bytes, name: str = "bao_cao.xlsx") -> bytes:
    message = EmailMessage()
    message["From"], message["Subject"] = sender, subject
    message["Date"] = format_datetime(datetime(2019, 12, 16, 9, 0, tzinfo=VN))
    message["Message-ID"] = f"<{abs(hash((sender, subject, name)))}@test>"
    message.set_content("Kính gửi Sở.")
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def test_meta_wins_over_sender_and_tag_with_warnings(returns, tmp_path):
    folder, made = returns
    (folder.inbox / "a.eml").write_bytes(eml("PGD082@LAOCAI.example", "Re: [bdg-2019/PGD083] báo cáo", made["PGD080"]))
    collect(folder)
    [result] = check_campaign(folder)
    assert result.check.unit_code == "PGD080"
    found = {f.code: f.message for f in result.findings if "MISMATCH" in f.code}
    assert set(found) == {"SENDER_MISMATCH", "SUBJECT_TAG_MISMATCH"}
    assert "Phòng GD&ĐT TP Lào Cai (PGD080)" in found["SENDER_MISMATCH"]
    assert "Phòng GD&ĐT Bát Xát (PGD082)" in found["SENDER_MISMATCH"]
    assert "«[bdg-2019/PGD083]»" in found["SUBJECT_TAG_MISMATCH"] and "(PGD083)" in found["SUBJECT_TAG_MISMATCH"]
    assert all(f.message.endswith(".") and f.message[0].isupper() for f in result.findings)


def test_sender_then_tag_identify_a_return_without_meta(returns, tmp_path):
    _, made = returns
    folder = init_campaign(tmp_path / "dot")
    stripped = strip_meta(made["PGD086"])
    (folder.inbox / "a.eml").write_bytes(eml("pgd086@laocai.example", "Báo cáo", stripped, "a.xlsx"))
    (folder.inbox / "b.eml").write_bytes(eml("ca.nhan@gmail.example", "Re: [bdg-2019/PGD086] x", stripped, "b.xlsx"))
    collect(folder)
    results = {r.record.original_name: r for r in check_campaign(folder)}
    assert {name: r.check.unit_code for name, r in results.items()} == {"a.xlsx": "PGD086"}
    assert results["a.xlsx"].check.identification == "Theo địa chỉ người gửi «pgd086@laocai.example»."
    assert "META_MISSING" in [f.code for f in results["a.xlsx"].findings]


def test_without_meta_the_file_names_the_unit_and_an_unknown_sender_must_be_confirmed(returns, tmp_path):
    _, made = returns
    folder = init_campaign(tmp_path / "dot")
    stripped = strip_meta(made["PGD086"])
    (folder.inbox / "b.eml").write_bytes(eml("ca.nhan@gmail.example", "Re: [bdg-2019/PGD086] x", stripped, "b.xlsx"))
    collect(folder)
    [result] = check_campaign(folder)
    assert (result.check.unit_code, result.state) == ("PGD086", State.NEEDS_CONFIRMATION)
    typed = "Phòng Giáo dục và Đào tạo huyện Bảo Thắng"  # the name cell, still in the file
    assert result.check.identification == f"Theo tên đơn vị ghi trong tệp «{typed}». Chờ cán bộ xác nhận."
    assert [f.code for f in result.findings if f.code.startswith(("SENDER", "META"))] == [
        "META_MISSING",
        "SENDER_UNKNOWN",
    ]


def strip_meta(workbook: bytes) -> bytes:
    """The workbook with its unit code gone from `_meta` (as when data is copied into another file)."""
    source, out = zipfile.ZipFile(io.BytesIO(workbook)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename).replace(b"PGD086", b"XXX999"))
    return out.getvalue()


def test_cli_collect_from_saved_mails_lists_mails_without_return(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    shutil.copyfile(MAIL / "khong_dinh_kem.eml", tmp_path / "khong_dinh_kem.eml")
    result = subprocess.run(
        [sys.executable, "-m", "addin", "collect", str(folder.root), "--from", str(tmp_path / "khong_dinh_kem.eml")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "120", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "1 thư không có báo cáo dùng được" in result.stdout
    assert "thpt-lc1@laocai.example: «Báo cáo của THPT số 1 (gửi sau)»: không có tệp đính kèm" in result.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "addin", "collect", str(folder.root), "--server", "x:1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert usage.returncode == 1 and "chỉ dùng cùng --imap" in usage.stderr


def test_a_ledger_from_before_mail_is_migrated(tmp_path):
    path = tmp_path / "baocao.sqlite"
    old = sqlite3.connect(path)
    before_mail = ledger_schema.SCHEMA.replace(
        "recorded_at TEXT NOT NULL,\n    subject TEXT", "recorded_at TEXT NOT NULL"
    )
    old.executescript(before_mail)
    old.execute("DROP TABLE messages")
    old.execute("INSERT INTO returns VALUES ('ab', 'a.xlsx', 'x', '2019-12-16T10:00', 1, 'xlsx', 'p', NULL, NULL, 'n')")
    old.commit()
    old.close()
    with ledger.Ledger(path) as migrated:
        assert [(r.sha256, r.subject) for r in migrated.returns()] == [("ab", None)]
        assert migrated.messages() == [] and not migrated.has_message("<x@y>", "")
