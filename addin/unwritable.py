"""A full disk or a folder that may not be written: the user's to fix, so it is said in Vietnamese, with where."""

import errno
import tempfile
from pathlib import Path

DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def unwritable_reason(error: OSError) -> str | None:
    """Why a folder cannot take a file, in words for staff; None when the error is something else."""
    if error.errno in DISK_FULL:
        return "ổ đĩa đã đầy (hoặc hết dung lượng được phép)"
    if error.errno in READ_ONLY:
        return "thư mục chỉ cho đọc, không cho ghi (hoặc tài khoản này không có quyền ghi)"
    return None


def unwritable_message(error: OSError, campaign_root: Path | None) -> str | None:
    """What staff read when a write failed deep inside a library (no file name known to us); None if not ours."""
    reason = unwritable_reason(error)
    if reason is None:
        return None
    where = Path(error.filename).parent if error.filename else None
    places = [str(where)] if where else [str(campaign_root or "thư mục đợt báo cáo"), tempfile.gettempdir()]
    return (
        f"Không ghi được tệp: {reason}. Hãy giải phóng chỗ trống hoặc cho phép ghi vào "
        f"{' và '.join(places)} rồi chạy lại; dữ liệu đã nhận không bị mất."
    )
