"""`baocao check` and `baocao status`: every recorded return checked, and where each unit stands."""

import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime

from python_calamine import CalamineError

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig, UnitEntry
from addin.findings import ERROR, Finding, count
from addin.intake.guard import GuardError, inspect
from addin.intake.reading import read_workbook
from addin.ledger import CheckRecord, Ledger, MessageRecord, ReturnRecord
from addin.progress import NullReporter, Reporter
from addin.rules.validation import CheckedReturn, ReturnChecker

ACCEPTED, HAS_ERRORS, REJECTED, NOT_RECEIVED = "accepted", "has_errors", "rejected", "not_received"
STATE_LABELS = {
    ACCEPTED: "Đạt",
    HAS_ERRORS: "Có lỗi, cần sửa",
    REJECTED: "Không dùng được",
    NOT_RECEIVED: "Chưa nhận",
}


@dataclass
class FileResult:
    record: ReturnRecord
    check: CheckRecord
    findings: list[Finding]


@dataclass
class UnitStatus:
    unit: UnitEntry
    state: str
    late: bool | None = None
    latest: FileResult | None = None
    history: list[FileResult] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.state == NOT_RECEIVED:
            return STATE_LABELS[NOT_RECEIVED]
        timing = "nộp muộn" if self.late else "đúng hạn"
        return f"{STATE_LABELS[self.state]} ({timing})"


@dataclass
class CampaignStatus:
    units: list[UnitStatus]
    unassigned: list[FileResult]
    files: list[FileResult]
    unusable_mails: list[MessageRecord] = field(default_factory=list)  # mails that brought no return


def check_one(folder: CampaignFolder, checker: ReturnChecker, record: ReturnRecord) -> CheckedReturn:
    """Guard, read and check one archived return; never raises for a bad file."""
    path = folder.root / record.archive_path
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
    checked = checker.check(contents, record.received_at, record.original_name, record.sender, record.subject)
    checked.findings[:0] = guard_findings
    return checked


def _sentence(message: str) -> str:
    return message if message.endswith(".") else f"{message}."


def _unreadable(checker: ReturnChecker, record: ReturnRecord, findings: list[Finding]) -> CheckedReturn:
    clues = checker.mail_clues(record.sender, record.subject)
    code = clues[0].code if clues else checker.code_from_file_name(record.original_name)
    how = f"Theo tên tệp «{record.original_name}»." if code else "Không xác định được."
    if clues:
        how = f"{clues[0].basis[0].upper()}{clues[0].basis[1:]}."
    late = record.received_at.date() > checker.config.campaign.deadline
    return CheckedReturn(code, how, findings, late=late, readable=False)


def state_of(checked: CheckedReturn) -> str:
    if not checked.readable or checked.unit_code is None:
        return REJECTED
    return HAS_ERRORS if any(f.is_error for f in checked.findings) else ACCEPTED


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
                status=state_of(checked),
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


def campaign_status(
    folder: CampaignFolder, config: CampaignConfig | None = None, with_findings: bool = True
) -> CampaignStatus:
    """Per unit in config order: its latest return (a newer one supersedes older ones) and its state."""
    config = config or folder.load_config()
    with Ledger(folder.ledger_path) as ledger:
        files = [
            FileResult(record, check, ledger.findings(record.sha256) if with_findings else [])
            for record, check in ledger.checks()
        ]
        unusable_mails = ledger.messages(without_returns=True)
    by_unit: dict[str, list[FileResult]] = {}
    unassigned = []
    for result in files:
        if result.check.unit_code in {unit.code for unit in config.units}:
            by_unit.setdefault(result.check.unit_code, []).append(result)
        else:
            unassigned.append(result)
    statuses = []
    for unit in config.units:
        history = by_unit.get(unit.code, [])
        if not history:
            statuses.append(UnitStatus(unit, NOT_RECEIVED))
            continue
        latest = history[-1]
        statuses.append(UnitStatus(unit, latest.check.status, latest.check.late, latest, history))
    return CampaignStatus(statuses, unassigned, files, unusable_mails)


def file_result_json(result: FileResult) -> dict:
    return {
        "path": result.record.source,
        "archive_path": result.record.archive_path,
        "original_name": result.record.original_name,
        "sha256": result.record.sha256,
        "unit_code": result.check.unit_code,
        "status": result.check.status,
        "late": result.check.late,
        "received_at": result.record.received_at.isoformat(),
        "identification": result.check.identification,
        "findings": [finding.as_dict() for finding in result.findings],
    }
