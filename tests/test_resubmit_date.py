"""The date reminders and feedback ask for: the deadline, then `mail.resubmit_by`, then «sớm nhất có thể».

Mails are written as .eml drafts (the outbox channel) and read back with the stdlib parser, as a mail client would.
"""

import re
from datetime import date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from addin.channels.channel import OUTBOX
from addin.channels.sending import SENT, send_reminders
from addin.checking import check_campaign
from addin.config import ConfigError, load_config
from addin.demo.samples import SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import build_master
from addin.shipped import SHIPPED_CONFIG
from tests.mail_campaign import make_campaign
from tests.smtp_server import free_port

DEADLINE = date(2019, 12, 18)
RESUBMIT_BY = date(2019, 12, 27)
ASAP = "sớm nhất có thể"


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """One unit that sent a return with errors (gets feedback), one silent unit (gets a reminder)."""
    folder, config = make_campaign(tmp_path_factory.mktemp("hạn") / "dot", free_port())
    wrong, silent = config.units[0], config.units[1]
    sample = SampleMaker(config, seed=3).make(wrong, ["wrong_total"])
    sample.received_at = datetime(2019, 12, 12, 9)
    write_samples(config, build_master(config), [sample], folder.inbox)
    collect(folder)
    check_campaign(folder)
    return folder, wrong, silent


def set_resubmit_by(folder, value: str) -> None:
    text = folder.config_path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  resubmit_by:.*$", f"  resubmit_by: {value}".rstrip(), text)
    folder.config_path.write_text(text, encoding="utf-8")


def bodies_on(folder, wrong, silent, today: date) -> dict[str, str]:
    """The feedback and reminder mail bodies as composed on `today`."""
    report = send_reminders(folder, channel=OUTBOX, only=[wrong.code, silent.code], force=True, today=today)
    assert {(result.unit_code, result.kind, result.outcome) for result in report.results} == {
        (wrong.code, "feedback", SENT),
        (silent.code, "remind", SENT),
    }
    bodies = {}
    for result in report.results:
        message = BytesParser(policy=policy.default).parsebytes(Path(result.path).read_bytes())
        bodies[result.kind] = message.get_body(("plain",)).get_content()
    return bodies


def asked_dates(body: str) -> list[date]:
    return [datetime.strptime(text, "%d/%m/%Y").date() for text in re.findall(r"trước ngày (\d\d/\d\d/\d{4})", body)]


@pytest.mark.parametrize(
    ("resubmit_by", "today", "asked"),
    [
        ("", date(2019, 12, 10), "trước ngày 18/12/2019"),
        ("", DEADLINE, "trước ngày 18/12/2019"),
        ("2019-12-27", date(2019, 12, 10), "trước ngày 18/12/2019"),
        ("2019-12-27", date(2019, 12, 19), "trước ngày 27/12/2019"),
        ("27/12/2019", RESUBMIT_BY, "trước ngày 27/12/2019"),
        ("2019-12-27", date(2019, 12, 28), ASAP),
        ("", date(2019, 12, 19), ASAP),
        ("", date(2025, 3, 1), ASAP),
    ],
)
def test_reminder_and_feedback_never_ask_for_a_day_already_past(campaign, resubmit_by, today, asked):
    folder, wrong, silent = campaign
    set_resubmit_by(folder, resubmit_by)
    bodies = bodies_on(folder, wrong, silent, today)
    assert f"Đề nghị đơn vị điền và gửi lại {asked} bằng cách trả lời thư này" in bodies["remind"]
    assert f"Đề nghị đơn vị sửa và gửi lại {asked} bằng cách trả lời thư này" in bodies["feedback"]
    for body in bodies.values():
        assert all(day >= today for day in asked_dates(body)), body
        if today > DEADLINE:
            assert "18/12/2019" not in body, "the deadline is past: never named again"


def test_a_resubmit_date_before_the_deadline_is_refused_in_vietnamese(tmp_path):
    folder, _ = make_campaign(tmp_path / "dot", free_port())
    set_resubmit_by(folder, "2019-12-15")
    line = folder.config_path.read_text(encoding="utf-8").splitlines().index("  resubmit_by: 2019-12-15") + 1
    with pytest.raises(ConfigError) as caught:
        load_config(folder.config_path)
    assert caught.value.problems == [
        f"dòng {line} (mail.resubmit_by): hạn gửi lại 15/12/2019 trước hạn nộp 18/12/2019 (campaign.deadline); "
        "hạn gửi lại dùng cho thư gửi sau hạn nộp nên phải từ hạn nộp trở đi. Hãy sửa ngày hoặc bỏ mục này."
    ]


def test_the_shipped_config_documents_the_key_and_leaves_it_empty():
    config = load_config()
    assert config.mail.resubmit_by is None
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    assert "resubmit_by" in text and "{submit_by}" in text
