"""The date printed on the báo cáo and its annexes comes from the campaign, never from the wall clock of a later day."""

from datetime import date

from addin.config import load_config
from addin.shipped import SHIPPED_CONFIG


def config_with(report_date: str | None = None):
    config = load_config(SHIPPED_CONFIG)
    chosen = date.fromisoformat(report_date) if report_date else None
    summary = config.summary.model_copy(update={"report_date": chosen})
    return config.model_copy(update={"summary": summary})


def test_a_past_campaign_is_dated_the_day_after_its_deadline():
    config = config_with()
    assert config.campaign.deadline == date(2019, 12, 18)
    assert config.report_date(today=date(2026, 12, 2)) == date(2019, 12, 19)


def test_a_current_campaign_is_dated_today():
    assert config_with().report_date(today=date(2019, 12, 20)) == date(2019, 12, 20)
    assert config_with().report_date(today=date(2019, 11, 20)) == date(2019, 11, 20)


def test_the_configured_date_wins():
    assert config_with("2019-12-23").report_date(today=date(2026, 12, 2)) == date(2019, 12, 23)
