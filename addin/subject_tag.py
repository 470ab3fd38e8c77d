"""The tag in every subject baocao sends, which replies keep: how a mail is matched to its unit."""

import re

_TAG = re.compile(r"\[([a-z0-9][a-z0-9_-]{0,39})/([A-Z0-9][A-Z0-9_-]{0,19})\]")


def subject_tag(campaign_id: str, unit_code: str) -> str:
    """`bdg-2019/PGD080`, shown in subjects as `[bdg-2019/PGD080]`."""
    return f"{campaign_id}/{unit_code}"


def find_subject_tag(subject: str, campaign_id: str) -> str | None:
    """The unit code of this campaign's tag in a (reply) subject, if there is one."""
    for match in _TAG.finditer(subject or ""):
        if match.group(1) == campaign_id:
            return match.group(2)
    return None


def campaign_tags(subject: str) -> list[tuple[str, str]]:
    """Every (campaign id, unit code) tag in a subject, of any campaign."""
    return [(match.group(1), match.group(2)) for match in _TAG.finditer(subject or "")]


def other_campaign_tag(subject: str, campaign_id: str) -> str | None:
    """`bdg-2020/PGD080` when the subject carries only tags of other campaigns (a reply that is not ours)."""
    tags = campaign_tags(subject)
    if not tags or any(campaign == campaign_id for campaign, _ in tags):
        return None
    return subject_tag(*tags[0])
