"""When the Department received a return: its own clock's time, never the sender's claim alone (DESIGN §9).

- a mail read from a mailbox: the server's arrival time (IMAP INTERNALDATE);
- a saved mail (.eml, .msg): its `Date:`, but never later than the file's own time (it cannot have
  arrived after it was saved) nor earlier than the campaign's start;
- any other file: its modification time, never in the future.

Every time is naive local time, as the ledger stores `received_at`.
"""

from datetime import date, datetime, time, timedelta

from addin.config import CampaignConfig
from addin.vietnamese import parse_vn_date

CLAIM_TOLERANCE = timedelta(days=1)  # a mail's Date: further than this from its arrival is worth a warning


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


def campaign_start(config: CampaignConfig) -> date:
    """The dispatch's date when its `date_text` names a whole day (ngày 05 tháng 12 năm 2024), else the period start."""
    return parse_vn_date(config.campaign.dispatch.date_text) or config.campaign.period.start


def file_received(modified: datetime) -> datetime:
    """A plain file: its modification time, but a clock set in the future cannot make it arrive later than now."""
    return min(modified, now())


def saved_mail_received(claimed: datetime | None, saved: datetime, start: date) -> datetime:
    """A saved mail: its `Date:` bounded by the campaign's start and the time the file was saved."""
    if claimed is None:
        return file_received(saved)
    earliest = datetime.combine(start, time())
    return min(max(claimed, earliest), file_received(saved))


def mailbox_received(arrived: datetime | None, claimed: datetime | None, start: date) -> datetime:
    """A mailbox message: the server's arrival time; without one, its `Date:` bounded by the start and now."""
    if arrived is not None:
        return arrived
    return saved_mail_received(claimed, now(), start)


def claim_disagrees(claimed: datetime | None, received: datetime) -> bool:
    return claimed is not None and abs(claimed - received) > CLAIM_TOLERANCE
