"""Check every recorded return not yet checked with the current config, and record the outcome in the ledger."""

import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

from python_calamine import CalamineError

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig
from addin.findings import ERROR, Finding, count
from addin.intake.guard.findings import GuardError
from addin.intake.guard.inspection import inspect
from addin.intake.reading import read_workbook
from addin.integrity import archive_problem, unit_label
from addin.ledger import CheckRecord, Ledger, ReturnRecord
from addin.progress import NullReporter, Reporter
from addin.rules.identify import UnitEvidence
from addin.rules.validation import CheckedReturn, ReturnChecker
from addin.standing import FileResult, check_outcome


def check_one(folder: CampaignFolder, checker: ReturnChecker, record: ReturnRecord) -> CheckedReturn:
    """Guard, read and check one archived return; never raises for a bad file."""
    path = folder.root / record.archive_path
    damaged = archive_problem(folder.root, record, unit_label(checker.config, _envelope_unit(checker, record)))
    if damaged:
        return _unreadable(checker, record, [damaged])
    guard = inspect(path, record.original_name)
    guard_findings = [Finding(f.severity, f.code, _sentence(f.message)) for f in guard.findings]
    if not guard.readable:
        return _unreadable(checker, record, guard_findings)
    try:
        contents = read_workbook(path, guard.kind, checker.config)
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


def _envelope_unit(checker: ReturnChecker, record: ReturnRecord) -> str | None:
    return checker.identifier.identify(_envelope(record)).unit_code


def _envelope(record: ReturnRecord) -> UnitEvidence:
    return UnitEvidence(record.original_name, sender=record.sender, subject=record.subject)


def _unreadable(checker: ReturnChecker, record: ReturnRecord, findings: list[Finding]) -> CheckedReturn:
    identity = checker.identifier.identify(_envelope(record))
    late = record.received_at.date() > checker.config.campaign.deadline
    return CheckedReturn(identity.unit_code, identity.how, findings, late=late, readable=False)


def check_campaign(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    reporter: Reporter | None = None,
    parallel_from: int | None = None,
) -> list[FileResult]:
    """Check every return not yet checked with the current config; the results of this run.

    From `parallel_from` files on (default `PARALLEL_FROM`), a pool of processes does the checking.
    """
    parallel_from = PARALLEL_FROM if parallel_from is None else parallel_from
    config = config or folder.load_config()
    reporter = reporter or NullReporter()
    units = {unit.code: unit for unit in config.units}
    done = []
    with Ledger(folder.ledger_path) as ledger:
        pending = ledger.returns_to_check(config.check_fingerprint)
        reporter.start(len(pending), "Đang kiểm tra")
        for record, checked in _checked_in_order(folder, config, pending, parallel_from):
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
        reporter.finish()
    return done


PARALLEL_FROM = 40
_worker: dict = {}


def _checked_in_order(folder: CampaignFolder, config: CampaignConfig, pending: list[ReturnRecord], parallel_from: int):
    """(record, checked) pairs in order; many files are checked by a pool of processes, one per core.

    Each file is independent and most of the work is Python, so two cores nearly halve a large
    batch. A pool that breaks (a worker killed) leaves the rest to be checked here, one by one.
    """
    workers = min(os.cpu_count() or 1, 4)
    if len(pending) < parallel_from or workers < 2:
        checker = ReturnChecker(config)
        yield from ((record, check_one(folder, checker, record)) for record in pending)
        return
    finished = 0
    try:
        with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(folder, config)) as pool:
            for record, checked in zip(pending, pool.map(_check_in_worker, pending, chunksize=8), strict=False):
                finished += 1
                yield record, checked
    except BrokenProcessPool:
        checker = ReturnChecker(config)
        yield from ((record, check_one(folder, checker, record)) for record in pending[finished:])


def _start_worker(folder: CampaignFolder, config: CampaignConfig) -> None:
    _worker["folder"], _worker["checker"] = folder, ReturnChecker(config)


def _check_in_worker(record: ReturnRecord) -> CheckedReturn:
    return check_one(_worker["folder"], _worker["checker"], record)
