"""Where each unit stands: one state, its Vietnamese label, and the return that counts, decided once.

Every view (status, the control panel, the findings workbook, reminders, the merge and every annex of
the summary) reads the standing computed here from the ledger; none re-derives it.

- A return's own state is its check outcome (`valid`, `has_errors`, `unusable`, `needs_confirmation`),
  or staff's decision on it (`accepted_by_staff`, `rejected_by_staff`).
- A unit's state is the state of its newest return; `missing` without one, `unchecked` while its newest
  return waits to be checked.
- The return that counts is the newest `valid` or `accepted_by_staff` one: a newer return with errors, or
  one waiting for staff to confirm its unit, does not throw away an earlier good one; a staff rejection ends
  the search (the unit then has no data). A return whose unit was in doubt and that staff rejected is
  left out of the unit's standing: it never was the unit's.
- A return belongs to the unit staff decided it for, else to the unit its check found.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig, UnitEntry
from addin.findings import Finding
from addin.intake.mail_files import OTHER_CAMPAIGN
from addin.ledger import CheckRecord, Decision, Ledger, MessageRecord, ReturnRecord
from addin.rules.identify import UnitIdentifier
from addin.rules.validation import NOT_THIS_CAMPAIGN, CheckedReturn


class State(StrEnum):
    MISSING = "missing"
    UNCHECKED = "unchecked"
    VALID = "valid"
    HAS_ERRORS = "has_errors"
    UNUSABLE = "unusable"
    NEEDS_CONFIRMATION = "needs_confirmation"
    ACCEPTED_BY_STAFF = "accepted_by_staff"
    REJECTED_BY_STAFF = "rejected_by_staff"


LABELS = {
    State.MISSING: "Chưa nộp",
    State.UNCHECKED: "Chờ kiểm tra",
    State.VALID: "Đạt",
    State.HAS_ERRORS: "Có lỗi",
    State.UNUSABLE: "Không dùng được",
    State.NEEDS_CONFIRMATION: "Chờ xác nhận",
    State.ACCEPTED_BY_STAFF: "Cán bộ chấp nhận (dù còn lỗi)",
    State.REJECTED_BY_STAFF: "Cán bộ không nhận",
}
COUNTED = frozenset({State.VALID, State.ACCEPTED_BY_STAFF})  # a return in one of these states is used
HAS_A_RETURN = COUNTED | {State.UNCHECKED}  # a unit in one of these states needs no (new) template
# Staff decisions, as the ledger stores them. CONFIRM: a return waiting for confirmation is this unit's, and
# its own check outcome stands (an accept of such a return with errors is an ACCEPT for that unit).
ACCEPT, REJECT, CONFIRM = "accept", "reject", "confirm"


def check_outcome(checked: CheckedReturn) -> State:
    """A checked return's own state, before any staff decision."""
    if not checked.readable or checked.unit_code is None:
        return State.UNUSABLE
    if checked.needs_confirmation:
        return State.NEEDS_CONFIRMATION
    return State.HAS_ERRORS if any(finding.is_error for finding in checked.findings) else State.VALID


@dataclass
class FileResult:
    """One checked return as the ledger has it, with staff's latest decision on it."""

    record: ReturnRecord
    check: CheckRecord
    findings: list[Finding]
    decision: Decision | None = None

    @property
    def unit_code(self) -> str | None:
        """The unit staff decided it is for, else the one the check found."""
        return self.decision.unit_code if self.decision else self.check.unit_code

    @property
    def state(self) -> State:
        if self.decision is None:
            return State(self.check.status)
        if self.decision.decision == CONFIRM:
            return State.HAS_ERRORS if self.check.errors else State.VALID
        return State.ACCEPTED_BY_STAFF if self.decision.decision == ACCEPT else State.REJECTED_BY_STAFF

    @property
    def was_doubtful(self) -> bool:
        """Its check left its unit for staff to confirm."""
        return self.check.status == State.NEEDS_CONFIRMATION

    def as_json(self) -> dict:
        return {
            "path": self.record.source,
            "archive_path": self.record.archive_path,
            "original_name": self.record.original_name,
            "sha256": self.record.sha256,
            "unit_code": self.unit_code,
            "status": self.check.status,
            "state": self.state.value,
            "late": self.check.late,
            "received_at": self.record.received_at.isoformat(),
            "identification": self.check.identification,
            "findings": [finding.as_dict() for finding in self.findings],
        }


@dataclass
class UnitStanding:
    unit: UnitEntry
    state: State
    late: bool | None  # None while nothing was received
    latest: FileResult | None  # the unit's newest checked return
    counted: FileResult | None  # the return whose data is used, if any
    history: list[FileResult] = field(default_factory=list)  # every checked return of the unit, oldest first
    waiting: list[ReturnRecord] = field(default_factory=list)  # received, not yet checked with the current config

    @property
    def decision(self) -> Decision | None:
        return self.latest.decision if self.latest and self.state != State.UNCHECKED else None

    @property
    def received_at(self):
        shown = self.counted or self.latest
        if self.state == State.UNCHECKED or shown is None:
            return self.waiting[-1].received_at if self.waiting else None
        return shown.record.received_at

    def _timed(self, config: CampaignConfig) -> "UnitStanding":
        """Late or not, by the return the state speaks of: the waiting one, else the one used, else the newest."""
        if self.received_at is not None:
            self.late = self.received_at.date() > config.campaign.deadline
        return self

    @property
    def label(self) -> str:
        """The state in words, with timing and, when an earlier return is used, which one."""
        text = LABELS[self.state]
        if self.late is not None:
            timing = "nộp muộn" if self.late else "đúng hạn"
            text += f", {timing}" if text.endswith(")") else f" ({timing})"
        if self.counted and self.counted is not self.latest:
            text += f"; đang dùng bản nhận ngày {self.counted.record.received_at:%d/%m/%Y}"
        return text

    def as_json(self) -> dict:
        latest, decision = self.latest, self.decision
        return {
            "unit_code": self.unit.code,
            "unit_name": self.unit.name,
            "group": self.unit.group_code,
            "status": self.state.value,
            "label": self.label,
            "late": self.late,
            "latest_file": latest.record.original_name if latest else None,
            "sha256": latest.record.sha256 if latest else None,
            "counted_sha256": self.counted.record.sha256 if self.counted else None,
            "errors": latest.check.errors if latest else 0,
            "warnings": latest.check.warnings if latest else 0,
            "returns": len(self.history),
            "waiting": len(self.waiting),
            "decision": _decision_json(decision) if decision else None,
        }


@dataclass
class CampaignStanding:
    units: list[UnitStanding]
    unassigned: list[FileResult]  # checked returns no unit could be found for
    files: list[FileResult]  # every checked return, oldest first
    waiting: list[ReturnRecord]  # every return waiting to be checked (its unit may not be known yet)
    unusable_mails: list[MessageRecord] = field(default_factory=list)  # mails that brought no return
    other_campaign: list[FileResult] = field(default_factory=list)  # returns whose _meta names another campaign
    other_campaign_mails: list[MessageRecord] = field(default_factory=list)  # mails tagged for another campaign

    def count(self, state: State) -> int:
        return sum(1 for unit in self.units if unit.state == state)

    def counts_text(self) -> str:
        """«5 đạt, 2 có lỗi, 45 chưa nộp»: units per state, in the order of the states, none left out but zeros."""
        return ", ".join(f"{self.count(state)} {LABELS[state].lower()}" for state in State if self.count(state))

    def in_state(self, *states: State) -> list[UnitStanding]:
        return [unit for unit in self.units if unit.state in states]


def campaign_standing(
    folder: CampaignFolder, config: CampaignConfig | None = None, with_findings: bool = True
) -> CampaignStanding:
    """Every unit's standing, in config order, from the ledger alone."""
    config = config or folder.load_config()
    with Ledger(folder.ledger_path) as ledger:
        decisions = ledger.decisions()
        findings = ledger.all_findings() if with_findings else {}
        files = [
            FileResult(record, check, findings.get(record.sha256, []), decisions.get(record.sha256))
            for record, check in ledger.checks()
        ]
        waiting = ledger.returns_to_check(config.check_fingerprint)
        mails = ledger.messages(without_returns=True)
    unusable_mails = [mail for mail in mails if mail.outcome != OTHER_CAMPAIGN]
    other_mails = [mail for mail in mails if mail.outcome == OTHER_CAMPAIGN]
    codes = {unit.code for unit in config.units}
    checked_unit = {result.record.sha256: result.unit_code for result in files}
    history: dict[str, list[FileResult]] = {code: [] for code in codes}
    for result in files:
        if result.unit_code in codes:
            history[result.unit_code].append(result)
    pending: dict[str, list[ReturnRecord]] = {code: [] for code in codes}
    identifier = UnitIdentifier(config)
    for record in waiting:
        # Until it is checked, a new return's unit is what its envelope (sender, subject tag, file name) says.
        code = checked_unit.get(record.sha256) or identifier.identify_envelope(record).unit_code
        if code in codes:
            pending[code].append(record)
    units = [_standing(unit, history[unit.code], pending[unit.code], config) for unit in config.units]
    not_ours = [result for result in files if result.check.identification.startswith(NOT_THIS_CAMPAIGN)]
    other = {result.record.sha256 for result in not_ours}
    unassigned = [r for r in files if r.unit_code not in codes and r.record.sha256 not in other]
    return CampaignStanding(units, unassigned, files, waiting, unusable_mails, not_ours, other_mails)


def _standing(
    unit: UnitEntry, history: list[FileResult], waiting: list[ReturnRecord], config: CampaignConfig
) -> UnitStanding:
    # A return whose unit was in doubt and that staff rejected never was this unit's: it does not speak for it.
    own = [result for result in history if not (result.was_doubtful and result.state == State.REJECTED_BY_STAFF)]
    latest = own[-1] if own else None
    counted = _counted(own)
    if waiting and (latest is None or waiting[-1].received_at >= latest.record.received_at):
        state = State.UNCHECKED
    else:
        state = latest.state if latest else State.MISSING
    return UnitStanding(unit, state, None, latest, counted, history, waiting)._timed(config)


def _counted(history: list[FileResult]) -> FileResult | None:
    for result in reversed(history):
        if result.state == State.REJECTED_BY_STAFF:
            return None
        if result.state in COUNTED:
            return result
    return None


def _decision_json(decision: Decision) -> dict:
    return {
        "decision": decision.decision,
        "note": decision.note,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at.isoformat(),
    }


def still_to_report(
    folder: CampaignFolder, config: CampaignConfig, units: list[UnitEntry]
) -> tuple[list[UnitEntry], list[UnitEntry]]:
    """(the units that still need a template, those whose return is in hand); all of them before any came."""
    if not folder.ledger_path.exists():
        return units, []
    in_hand = {each.unit.code for each in campaign_standing(folder, config, False).units if each.state in HAS_A_RETURN}
    return [unit for unit in units if unit.code not in in_hand], [unit for unit in units if unit.code in in_hand]
