"""Check every recorded return not yet checked with the current config, and record the outcome in the ledger."""

import functools
import zipfile
from datetime import datetime
from pathlib import Path

from python_calamine import CalamineError

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig
from addin.contract import Meta
from addin.findings import ERROR, Finding, count
from addin.form_history import FormHistory, accepted_versions, added_labels, contract_config, record_issued
from addin.intake.guard.findings import GuardError
from addin.intake.guard.inspection import inspect
from addin.intake.reading import read_workbook, sheets_read
from addin.integrity import archive_problem, unit_label
from addin.ledger import CheckRecord, Ledger, ReturnRecord
from addin.parallel import PARALLEL_FROM, map_in_order
from addin.progress import NullReporter, Reporter
from addin.rules.validation import CheckedReturn, EarlierForm, ReturnChecker
from addin.standing import FileResult, check_outcome


class Checkers:
    """One ReturnChecker per form contract a return may be on: the current form's, and each earlier issued
    form's (read from the campaign's form history), built when a return on it first comes."""

    def __init__(self, folder: CampaignFolder, config: CampaignConfig):
        self.current = ReturnChecker(config)
        self.history = FormHistory(folder)
        self.accepted = accepted_versions(config, self.history)
        self._earlier: dict[tuple, ReturnChecker] = {}

    def for_meta(self, meta: dict[str, str]) -> ReturnChecker:
        """The checker of the contract a return's `_meta` names; the current one unless an earlier form was issued."""
        current = self.current.config
        key = (meta.get(Meta.FORM_ID), meta.get(Meta.FORM_VERSION), meta.get(Meta.FORM_FINGERPRINT))
        issued = None if key[2] == current.form_fingerprint else self.history.lookup(*key)
        if issued is None:
            return self.current
        if key not in self._earlier:
            earlier = EarlierForm(
                version=issued.version,
                current_version=current.form.version,
                added=added_labels(current.form, issued.form),
                accepted=issued.version in self.accepted,
            )
            self._earlier[key] = ReturnChecker(contract_config(current, issued), earlier)
        return self._earlier[key]


def check_one(folder: CampaignFolder, checkers: Checkers, record: ReturnRecord) -> CheckedReturn:
    """Guard, read and check one archived return with its own form's contract; never raises for a bad file."""
    path = folder.root / record.archive_path
    checker = checkers.current
    damaged = archive_problem(
        folder.root, record, unit_label(checker.config, checker.identifier.identify_envelope(record).unit_code)
    )
    if damaged:
        return _unreadable(checker, record, [damaged])
    guard = inspect(path, record.original_name, sheets_read=sheets_read)
    guard_findings = [Finding(f.severity, f.code, _sentence(f.message)) for f in guard.findings]
    if not guard.readable:
        return _unreadable(checker, record, guard_findings)
    try:
        contents = read_workbook(path, guard.kind, checker.config, guard.workbook)
        checker = checkers.for_meta(contents.meta)
        if checker is not checkers.current:  # an earlier form: read again by its own names
            contents = read_workbook(path, guard.kind, checker.config, guard.workbook)
    except GuardError as error:
        return _unreadable(checker, record, [*guard_findings, Finding(ERROR, error.code, _sentence(error.message))])
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, CalamineError) as error:
        message = (
            f"«{record.original_name}»: không đọc được nội dung tệp ({type(error).__name__}). "
            "Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi gửi lại."
        )
        return _unreadable(checker, record, [*guard_findings, Finding(ERROR, "FILE_UNREADABLE", message)])
    checked = checker.check(
        contents,
        record.received_at,
        record.original_name,
        record.sender,
        record.subject,
        _folder_of(record),
        record.claimed_at,
    )
    checked.findings[:0] = guard_findings
    return checked


def _folder_of(record: ReturnRecord) -> str | None:
    """The folder a file dropped outside mail was found in (a weak clue to its unit)."""
    if record.message_id or record.sender:
        return None
    return Path(record.source).parent.name or None


def _sentence(message: str) -> str:
    return message if message.endswith(".") else f"{message}."


def _unreadable(checker: ReturnChecker, record: ReturnRecord, findings: list[Finding]) -> CheckedReturn:
    identity = checker.identifier.identify_envelope(record)
    late = record.received_at.date() > checker.config.campaign.deadline
    return CheckedReturn(identity.unit_code, identity.how, findings, late=late, readable=False)


def check_campaign(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    reporter: Reporter | None = None,
    parallel_from: int | None = None,
    workers: int | None = None,
) -> list[FileResult]:
    """Check every return not yet checked with the current config; the results of this run.

    From `parallel_from` files on (default `PARALLEL_FROM`), a pool of processes does the checking
    (`pool_size`; `workers` sets their number instead, 1 for none).
    """
    parallel_from = PARALLEL_FROM if parallel_from is None else parallel_from
    config = config or folder.load_config()
    reporter = reporter or NullReporter()
    record_issued(folder, config)  # a campaign begun before form history was kept: its current form, at least
    checkers = Checkers(folder, config)  # here, so a wrong `form.accept_versions` stops the run before any work
    with Ledger(folder.ledger_path) as ledger:
        pending = ledger.returns_to_check(config.check_fingerprint)
        reporter.start(len(pending), "Đang kiểm tra")
        with ledger.grouped():
            done = _check_and_record(folder, checkers, ledger, pending, reporter, parallel_from, workers)
        reporter.finish()
    return done


def _check_and_record(
    folder: CampaignFolder,
    checkers: Checkers,
    ledger: Ledger,
    pending: list[ReturnRecord],
    reporter: Reporter,
    parallel_from: int,
    workers: int | None,
) -> list[FileResult]:
    config, done = checkers.current.config, []
    units = config.units_by_code
    for record, checked in _checked_in_order(folder, checkers, pending, parallel_from, workers):
        errors, warnings = count(checked.findings)
        check = CheckRecord(
            sha256=record.sha256,
            config_fingerprint=config.check_fingerprint,
            unit_code=checked.unit_code,
            status=check_outcome(checked),
            errors=errors,
            warnings=warnings,
            late=checked.late,
            identification=checked.identification,
            checked_at=datetime.now().replace(microsecond=0),
        )
        ledger.record_check(check, checked.findings, {"fields": checked.fields, "tables": checked.tables})
        done.append(FileResult(record, check, checked.findings))
        unit = units.get(checked.unit_code or "")
        reporter.advance(unit.short if unit else record.original_name)
    return done


_worker: dict = {}


def _checked_in_order(
    folder: CampaignFolder,
    checkers: Checkers,
    pending: list[ReturnRecord],
    parallel_from: int,
    workers: int | None = None,
):
    """(record, checked) pairs in order; many files are checked by a pool of processes, one per core.

    Each file is independent and most of the work is Python, so two cores nearly halve a large
    batch. A pool that breaks (a worker killed) leaves the rest to be checked here, one by one.
    """
    here = functools.partial(check_one, folder, checkers)
    config = checkers.current.config
    checked = map_in_order(_check_in_worker, pending, parallel_from, workers, here, _start_worker, (folder, config))
    yield from zip(pending, checked, strict=True)


def _start_worker(folder: CampaignFolder, config: CampaignConfig) -> None:
    _worker["folder"], _worker["checkers"] = folder, Checkers(folder, config)


def _check_in_worker(record: ReturnRecord) -> CheckedReturn:
    return check_one(_worker["folder"], _worker["checkers"], record)
