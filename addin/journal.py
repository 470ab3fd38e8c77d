"""The plain, append-only copy of what the ledger holds, so a lost ledger can be rebuilt.

- `luu_tru/nhat_ky_nhan.jsonl`: one JSON object per line for every return, mail and send the ledger
  records (`kind` says which; the other keys are the record's own fields, so new columns flow through).
- `quyet_dinh_can_bo.csv`: every staff decision (accept, reject, confirm), UTF-8 with BOM so Excel opens it.

Both are only ever appended to. The ledger writes them right after its transaction commits.
"""

import csv
import dataclasses
import hashlib
import io
import json
import re
import typing
from datetime import datetime
from pathlib import Path

from addin.command_line import command
from addin.errors import BaocaoError

ARCHIVE_DIR = "luu_tru"
INTAKE_JOURNAL = "nhat_ky_nhan.jsonl"
DECISIONS_FILE = "quyet_dinh_can_bo.csv"
DECISION_COLUMNS = ("thoi_gian", "ma_don_vi", "sha256", "quyet_dinh", "ghi_chu", "nguoi_quyet_dinh")
RETURN, MESSAGE, SEND = "return", "message", "send"
ARCHIVED_NAME = re.compile(r"^[0-9a-f]{64}(\.[a-z]+)?$")  # a return's archive copy: its sha256 and extension


def intake_journal(campaign_root: Path) -> Path:
    return campaign_root / ARCHIVE_DIR / INTAKE_JOURNAL


def decisions_file(campaign_root: Path) -> Path:
    return campaign_root / DECISIONS_FILE


def refuse_if_lost(path: Path) -> None:
    """A missing ledger beside a non-empty archive was lost: never start again from an empty one."""
    archive = path.parent / ARCHIVE_DIR
    kept = archive.is_dir() and any(item.is_file() and ARCHIVED_NAME.match(item.name) for item in archive.rglob("*"))
    if kept or intake_journal(path.parent).is_file():
        raise BaocaoError(
            f"Không tìm thấy sổ theo dõi {path.name} trong {path.parent}, nhưng kho lưu trữ {ARCHIVE_DIR}/ "
            "đã có tệp: sổ đã bị xoá hoặc chuyển đi. baocao dừng lại để không lập kết quả từ một sổ trống "
            "(mọi đơn vị sẽ thành «chưa nộp», mọi quyết định của cán bộ sẽ mất). Nếu còn bản sao của sổ, hãy chép "
            f"trả về chỗ cũ; nếu không, chạy «{command('rebuild', path.parent)}» để dựng lại sổ từ kho lưu trữ, "
            f"nhật ký nhận ({ARCHIVE_DIR}/{INTAKE_JOURNAL}) và {DECISIONS_FILE}."
        )


def journal_lines(records: list[tuple[str, object, dict]]) -> str:
    """Lines for (kind, dataclass record, extra keys such as when the ledger recorded it)."""
    return "".join(
        json.dumps({"kind": kind, **dataclasses.asdict(record), **extra}, ensure_ascii=False, default=_iso) + "\n"
        for kind, record, extra in records
    )


def append_intake(campaign_root: Path, records: list[tuple[str, object, dict]]) -> None:
    _append(intake_journal(campaign_root), journal_lines(records), "")


def append_decisions(campaign_root: Path, decisions: list) -> None:
    """Append decisions (addin.ledger.Decision) as CSV rows; the header (with BOM) when the file is new."""
    path = decisions_file(campaign_root)
    rows = [
        (d.decided_at.isoformat(timespec="seconds"), d.unit_code, d.sha256, d.decision, d.note, d.decided_by)
        for d in decisions
    ]
    _append(path, _csv_text(rows), _csv_text([DECISION_COLUMNS]))


def read_intake(campaign_root: Path) -> list[dict]:
    """Every journal line as a dict (a torn last line from a crash is skipped), in the order written."""
    path = intake_journal(campaign_root)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def read_decision_rows(campaign_root: Path) -> list[dict]:
    path = decisions_file(campaign_root)
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return [row for row in csv.DictReader(stream) if row.get("sha256")]


def record_from(record_type: type, entry: dict):
    """A ledger dataclass from a journal line: known fields only, ISO times turned back into datetimes."""
    hints = typing.get_type_hints(record_type)
    values = {}
    for field in dataclasses.fields(record_type):
        if field.name not in entry:
            continue
        value = entry[field.name]
        if isinstance(value, str) and "datetime" in str(hints[field.name]):
            value = datetime.fromisoformat(value)
        values[field.name] = value
    return record_type(**values)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (raises OSError when it cannot be read)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _iso(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _after_torn_line(path: Path) -> str:
    """A line break when a crash left the last line unfinished, so the next line stays whole."""
    with path.open("rb") as stream:
        stream.seek(-1, 2)
        return "" if stream.read(1) == b"\n" else "\n"


def _append(path: Path, text: str, header: str) -> None:
    if not text:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        encoding = "utf-8-sig" if new and path.suffix == ".csv" else "utf-8"
        with path.open("a", encoding=encoding, newline="") as stream:
            stream.write((header if new else _after_torn_line(path)) + text)
    except OSError as error:
        raise BaocaoError(
            f"Đã ghi vào sổ theo dõi nhưng không ghi được bản sao {path} ({error.strerror}). "
            "Hãy đóng tệp đó nếu đang mở bằng Excel, kiểm tra ổ đĩa còn chỗ, rồi chạy «baocao verify»."
        ) from error
