"""Bringing returned files in: copy each byte for byte into the archive, then record it.

The archive is content-addressed (`luu_tru/ab/abcdef….xlsx`): the same bytes always land in
the same place, archive files are made read-only and never modified or deleted, and a file
is recorded in the ledger only after its copy is complete, so an interrupted run loses nothing.
"""

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from addin.campaign import CampaignFolder
from addin.errors import BaocaoError
from addin.guard import FileKind, sniff
from addin.ledger import Ledger, ReturnRecord
from addin.progress import NullReporter, Reporter

NOT_RETURNS = {"thumbs.db", ".ds_store", "desktop.ini"}
ARCHIVE_EXTENSIONS = {
    FileKind.XLSX: ".xlsx",
    FileKind.XLSM: ".xlsm",
    FileKind.XLSB: ".xlsb",
    FileKind.XLS: ".xls",
    FileKind.ODS: ".ods",
}
HEAD_BYTES = 8192


@dataclass
class CollectResult:
    new: list[ReturnRecord] = field(default_factory=list)
    already_recorded: list[ReturnRecord] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Arrival:
    """A file to bring in, with what is known of where and when it came from."""

    path: Path
    source: str
    received_at: datetime
    original_name: str
    sender: str | None = None
    message_id: str | None = None


def find_arrivals(location: Path) -> tuple[list[Arrival], list[Path]]:
    """Every candidate file under `location` (or the file itself), and the files that are not returns."""
    if not location.exists():
        raise BaocaoError(f"Không tìm thấy {location}. Hãy kiểm tra đường dẫn.")
    paths = [location] if location.is_file() else sorted(p for p in location.rglob("*") if p.is_file())
    arrivals, ignored = [], []
    for path in paths:
        if path.name.casefold() in NOT_RETURNS or path.name.startswith(".~tmp_"):
            ignored.append(path)
            continue
        received = datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
        arrivals.append(Arrival(path, str(path.resolve()), received, path.name))
    return arrivals, ignored


def collect(folder: CampaignFolder, source: Path | None = None, reporter: Reporter | None = None) -> CollectResult:
    reporter = reporter or NullReporter()
    arrivals, ignored = find_arrivals(source or folder.inbox)
    result = CollectResult(ignored=ignored)
    with Ledger(folder.ledger_path) as ledger:
        reporter.start(len(arrivals), "Đang nhận báo cáo")
        for arrival in arrivals:
            record = bring_in(folder, ledger, arrival)
            (result.new if record[1] else result.already_recorded).append(record[0])
            reporter.advance(arrival.original_name)
        reporter.finish()
    return result


def bring_in(folder: CampaignFolder, ledger: Ledger, arrival: Arrival) -> tuple[ReturnRecord, bool]:
    """Archive one file and record it; (record, True when these bytes are new to the ledger)."""
    sha256, size, head, archived = archive_file(folder, arrival.path, arrival.original_name)
    record = ReturnRecord(
        sha256=sha256,
        original_name=arrival.original_name,
        source=arrival.source,
        received_at=arrival.received_at,
        size=size,
        detected_format=str(sniff(head, arrival.original_name)),
        archive_path=archived.relative_to(folder.root).as_posix(),
        sender=arrival.sender,
        message_id=arrival.message_id,
    )
    return record, ledger.record_return(record)


def archive_file(folder: CampaignFolder, path: Path, original_name: str) -> tuple[str, int, bytes, Path]:
    """Copy `path` into the archive while hashing it; (sha256, size, first bytes, archive path)."""
    folder.archive.mkdir(parents=True, exist_ok=True)
    temporary = folder.archive / f".~tmp_{secrets.token_hex(8)}"
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with path.open("rb") as reader, temporary.open("wb") as writer:
            while chunk := reader.read(1 << 20):
                digest.update(chunk)
                writer.write(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                size += len(chunk)
            writer.flush()
            os.fsync(writer.fileno())
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise BaocaoError(
            f"Không đọc được tệp {path} ({error.strerror}). Tệp có thể đang mở; hãy đóng rồi chạy lại."
        ) from error
    sha256 = digest.hexdigest()
    extension = ARCHIVE_EXTENSIONS.get(sniff(head, original_name), ".bin")
    target = folder.archive / sha256[:2] / f"{sha256}{extension}"
    if target.exists():
        temporary.unlink()
    else:
        target.parent.mkdir(exist_ok=True)
        os.replace(temporary, target)
        target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return sha256, size, head, target
