"""Whether the ledger can be trusted: the archive copy of a return is checked before use, the whole
campaign is verified (`baocao verify`), and a lost ledger is rebuilt from the archive and the plain
copies of addin/journal.py (`baocao rebuild`)."""

import shutil
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from addin import journal
from addin.campaign import CampaignFolder
from addin.command_line import command
from addin.errors import BaocaoError
from addin.findings import ERROR, Finding
from addin.intake.guard.formats import sniff
from addin.ledger import (
    ARCHIVE_CHANGED,
    ARCHIVE_MISSING,
    Decision,
    Ledger,
    MessageRecord,
    ReturnRecord,
    SendRecord,
    restore_send,
)
from addin.ledger_wait import LedgerBusy
from addin.progress import NullReporter, Reporter

VERIFY_ADVICE = "Chạy «baocao verify» để xem toàn bộ kho lưu trữ."


def archive_problem(root: Path, record: ReturnRecord, unit: str | None) -> Finding | None:
    """An error when the archive copy of `record` is gone or its bytes are no longer the ones received."""
    path = root / record.archive_path
    whose = f"của {unit}" if unit else "(chưa rõ đơn vị)"
    try:
        changed = journal.file_sha256(path) != record.sha256
    except OSError:
        message = (
            f"Tệp «{record.original_name}» {whose} không còn trong kho lưu trữ ({record.archive_path}): bản lưu "
            "đã bị xoá hoặc chuyển đi nên không dùng được. Nếu còn tệp gốc, chép lại đúng chỗ đó (hoặc bỏ vào "
            f"2_bao_cao_nhan rồi chạy «baocao collect») và chạy lại «baocao check»; nếu không, đề nghị đơn vị gửi lại. "
            f"{VERIFY_ADVICE}"
        )
        return Finding(ERROR, ARCHIVE_MISSING, message)
    if not changed:
        return None
    message = (
        f"Tệp «{record.original_name}» {whose} trong kho lưu trữ ({record.archive_path}) đã bị sửa sau khi nhận "
        "(mã SHA-256 không còn khớp) nên không dùng được: bản lưu không bao giờ được sửa. Nếu còn tệp gốc đơn vị "
        "gửi, xoá bản bị sửa, chép tệp gốc vào 2_bao_cao_nhan, chạy «baocao collect» rồi «baocao check»; nếu không, "
        f"đề nghị đơn vị gửi lại. {VERIFY_ADVICE}"
    )
    return Finding(ERROR, ARCHIVE_CHANGED, message)


def unit_label(config, code: str | None) -> str | None:
    unit = config.units_by_code.get(code or "")
    return f"{unit.code} {unit.short}" if unit else code


def archive_files(folder: CampaignFolder) -> list[Path]:
    """The archived returns on disk (the journal and unfinished copies left out)."""
    if not folder.archive.is_dir():
        return []
    return sorted(
        path for path in folder.archive.rglob("*") if path.is_file() and journal.ARCHIVED_NAME.match(path.name)
    )


# ---------------------------------------------------------------- verify


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str | None = None
    unit: str | None = None


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    archive_files: int = 0
    returns: int = 0
    decisions: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        counts = {"archive_files": self.archive_files, "returns": self.returns, "decisions": self.decisions}
        return {"intact": self.intact, **counts, "problems": [asdict(problem) for problem in self.problems]}


def verify_campaign(folder: CampaignFolder, reporter: Reporter | None = None) -> VerifyReport:
    """Every check of the campaign's records; nothing is changed."""
    reporter, config = reporter or NullReporter(), folder.load_config()
    on_disk = archive_files(folder)
    report = VerifyReport(archive_files=len(on_disk))
    if not folder.ledger_path.exists():
        if on_disk:
            report.problems.append(
                Problem(
                    "LEDGER_MISSING",
                    f"Không có sổ theo dõi {folder.ledger_path.name} dù kho lưu trữ có {len(on_disk)} tệp. "
                    f"Chạy «{command('rebuild', folder.root)}» để dựng lại sổ.",
                )
            )
        return report
    try:
        with Ledger(folder.ledger_path) as ledger:
            _verify_ledger(folder, config, ledger, on_disk, report, reporter)
    except LedgerBusy:
        raise  # held by someone else, not damaged: never advise a rebuild
    except (BaocaoError, sqlite3.DatabaseError) as error:
        message = getattr(error, "message", str(error))
        report.problems.append(Problem("LEDGER_UNREADABLE", f"{message} Có thể dựng lại sổ: «baocao rebuild»."))
    return report


def _verify_ledger(folder, config, ledger: Ledger, on_disk: list[Path], report: VerifyReport, reporter) -> None:
    problems = report.problems
    damage = [row[0] for row in ledger.connection.execute("PRAGMA integrity_check")]
    if damage != ["ok"]:
        problems.append(
            Problem(
                "LEDGER_CORRUPT",
                f"Sổ theo dõi {folder.ledger_path.name} bị hỏng ({'; '.join(damage[:3])}). Hãy sao lưu cả thư mục, "
                f"rồi chạy «{command('rebuild', folder.root)}» để dựng lại sổ (sổ cũ được giữ lại bên cạnh).",
            )
        )
    returns = ledger.returns()
    units = {record.sha256: unit_label(config, check.unit_code) for record, check in ledger.checks()}
    report.returns = len(returns)
    reporter.start(len(returns), "Đang kiểm tra kho lưu trữ")
    for record in returns:
        finding = archive_problem(folder.root, record, units.get(record.sha256))
        if finding:
            problems.append(Problem(finding.code, finding.message, record.original_name, units.get(record.sha256)))
        reporter.advance(record.original_name)
    reporter.finish()
    recorded = {record.archive_path for record in returns}
    for path in on_disk:
        relative = path.relative_to(folder.root).as_posix()
        if relative not in recorded:
            problems.append(
                Problem(
                    "ARCHIVE_NOT_IN_LEDGER",
                    f"Tệp {relative} nằm trong kho lưu trữ nhưng sổ theo dõi không ghi. "
                    f"Chạy «{command('rebuild', folder.root)}» để ghi lại sổ từ kho lưu trữ.",
                    relative,
                )
            )
    _verify_references(ledger, problems)
    decisions = ledger.decision_rows()
    report.decisions = len(decisions)
    _verify_journal(folder, ledger, returns, units, problems)
    _verify_decisions_file(folder, decisions, units, problems)


def _verify_references(ledger: Ledger, problems: list[Problem]) -> None:
    for table, code, what in (
        ("checks", "CHECK_UNKNOWN_RETURN", "kết quả kiểm tra"),
        ("decisions", "DECISION_UNKNOWN_RETURN", "quyết định của cán bộ"),
    ):
        orphans = ledger.connection.execute(
            f"SELECT DISTINCT sha256 FROM {table} WHERE sha256 NOT IN (SELECT sha256 FROM returns)"
        ).fetchall()
        for (sha256,) in orphans:
            problems.append(
                Problem(code, f"Sổ theo dõi có {what} cho tệp mã {sha256[:12]}… mà sổ không ghi đã nhận.", sha256)
            )


def _verify_journal(folder, ledger: Ledger, returns, units: dict, problems: list[Problem]) -> None:
    entries = journal.read_intake(folder.root)
    journaled: dict[str, dict] = {}
    for entry in entries:
        if entry.get("kind") == journal.RETURN:
            journaled.setdefault(entry["sha256"], entry)
    where = f"{journal.ARCHIVE_DIR}/{journal.INTAKE_JOURNAL}"
    for record in returns:
        entry, unit = journaled.pop(record.sha256, None), units.get(record.sha256)
        if entry is None:
            problems.append(
                Problem(
                    "RETURN_NOT_IN_JOURNAL",
                    f"Tệp «{record.original_name}» có trong sổ nhưng không có trong {where}.",
                    record.original_name,
                    unit,
                )
            )
        elif journal.record_from(ReturnRecord, entry) != record:
            problems.append(
                Problem(
                    "JOURNAL_DISAGREES",
                    f"Thông tin tệp «{record.original_name}» trong {where} khác với sổ theo dõi (tên, ngày nhận, "
                    "người gửi hoặc nơi lưu).",
                    record.original_name,
                    unit,
                )
            )
    for entry in journaled.values():
        problems.append(
            Problem(
                "JOURNAL_RETURN_NOT_IN_LEDGER",
                f"Tệp «{entry.get('original_name')}» có trong {where} nhưng sổ theo dõi không ghi. "
                f"Chạy «{command('rebuild', folder.root)}» để ghi lại.",
                entry.get("original_name"),
            )
        )
    journaled = [entry for entry in entries if entry.get("kind") == journal.MESSAGE]
    mails = {(entry["message_id"], entry.get("content_hash", "")) for entry in journaled}
    for message in ledger.messages():
        if (message.message_id, message.content_hash) not in mails:
            problems.append(
                Problem(
                    "MESSAGE_NOT_IN_JOURNAL",
                    f"Thư «{message.subject}» ({message.sender or 'không rõ người gửi'}) có trong sổ nhưng không có "
                    f"trong {where}.",
                    message.source,
                )
            )


def _verify_decisions_file(folder, decisions: list[Decision], units: dict, problems: list[Problem]) -> None:
    in_ledger = Counter(_decision_key(decision) for decision in decisions)
    in_file = Counter(_decision_key(decision) for decision in _file_decisions(folder))
    for key in (in_ledger - in_file) + (in_file - in_ledger):
        missing_from = journal.DECISIONS_FILE if in_ledger[key] > in_file[key] else "sổ theo dõi"
        when, unit_code, sha256, decision = key
        problems.append(
            Problem(
                "DECISION_FILE_DISAGREES",
                f"Quyết định «{decision}» của cán bộ lúc {when} cho đơn vị {unit_code} (tệp mã {sha256[:12]}…) "
                f"không có trong {missing_from}.",
                sha256,
                units.get(sha256) or unit_code,
            )
        )


def _decision_key(decision: Decision) -> tuple:
    return (decision.decided_at.isoformat(timespec="seconds"), decision.unit_code, decision.sha256, decision.decision)


def _file_decisions(folder: CampaignFolder) -> list[Decision]:
    return [
        Decision(
            row["ma_don_vi"],
            row["sha256"],
            row["quyet_dinh"],
            row.get("ghi_chu") or "",
            row.get("nguoi_quyet_dinh") or "",
            datetime.fromisoformat(row["thoi_gian"]),
        )
        for row in journal.read_decision_rows(folder.root)
    ]


# ---------------------------------------------------------------- rebuild


@dataclass
class RebuildReport:
    moved_aside: list[Path] = field(default_factory=list)  # the old ledger's files, kept beside it
    from_journal: int = 0  # returns put back with everything the journal says about them
    without_journal: list[str] = field(default_factory=list)  # archive files recorded with their file time only
    mails: int = 0
    sends: int = 0
    decisions: int = 0
    unknown_decisions: list[str] = field(default_factory=list)  # decisions on files neither archived nor journaled


def rebuild_ledger(folder: CampaignFolder, reporter: Reporter | None = None) -> RebuildReport:
    """A new ledger from the intake journal, the archive and the decisions file (the old one is moved aside)."""
    reporter, report = reporter or NullReporter(), RebuildReport()
    if not folder.config_path.exists():
        raise BaocaoError(f"{folder.root} không phải thư mục đợt báo cáo (thiếu config.yaml).")
    report.moved_aside = _move_aside(folder.ledger_path)
    entries = journal.read_intake(folder.root)
    on_disk = archive_files(folder)
    reporter.start(len(entries) + len(on_disk), "Đang dựng lại sổ theo dõi")
    with Ledger(folder.ledger_path, rebuilding=True) as ledger:
        known = _restore_journal(ledger, entries, report, reporter)
        for path in on_disk:
            if path.name.split(".")[0] not in known:
                ledger.record_return(_record_of_archive_file(folder, path))
                report.without_journal.append(path.relative_to(folder.root).as_posix())
                known.add(path.name.split(".")[0])
            reporter.advance(path.name)
        for decision in _file_decisions(folder):
            if decision.sha256 in known:
                ledger.restore_decision(decision)
                report.decisions += 1
            else:
                report.unknown_decisions.append(f"{decision.unit_code} {decision.decision} {decision.sha256[:12]}…")
    reporter.finish()
    return report


def _restore_journal(ledger: Ledger, entries: list[dict], report: RebuildReport, reporter: Reporter) -> set[str]:
    known: set[str] = set()
    for entry in entries:
        kind = entry.get("kind")
        if kind == journal.RETURN:
            ledger.restore_return(
                journal.record_from(ReturnRecord, entry), datetime.fromisoformat(entry["recorded_at"])
            )
            report.from_journal += entry["sha256"] not in known
            known.add(entry["sha256"])
        elif kind == journal.MESSAGE:
            ledger.restore_message(journal.record_from(MessageRecord, entry))
            report.mails += 1
        elif kind == journal.SEND:
            restore_send(ledger, journal.record_from(SendRecord, entry))
            report.sends += 1
        reporter.advance(kind or "")
    return known


def _record_of_archive_file(folder: CampaignFolder, path: Path) -> ReturnRecord:
    """What the archive alone tells of a file received before the journal existed: its name and file time."""
    with path.open("rb") as stream:
        head = stream.read(8192)
    stat = path.stat()
    return ReturnRecord(
        sha256=path.name.split(".")[0],
        original_name=path.name,
        source=path.relative_to(folder.root).as_posix(),
        received_at=datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0),
        size=stat.st_size,
        detected_format=str(sniff(head, path.name)),
        archive_path=path.relative_to(folder.root).as_posix(),
    )


def _move_aside(ledger_path: Path) -> list[Path]:
    """The ledger and its SQLite side files renamed `baocao.sqlite.cu-<time>…`, never overwritten."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    moved = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = ledger_path.with_name(ledger_path.name + suffix)
        if path.exists():
            target = ledger_path.with_name(f"{ledger_path.name}.cu-{stamp}{suffix}")
            shutil.move(path, target)
            moved.append(target)
    return moved
