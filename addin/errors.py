"""The one exception type whose message is meant for staff, and the log for every other one."""

import tempfile
import traceback
from datetime import datetime
from pathlib import Path

ERROR_LOG = "baocao-loi.log"
USER_LOG_FOLDER = Path.home() / ".baocao"  # when no campaign folder is known: never the current directory


class BaocaoError(Exception):
    """A problem staff can fix; its message is Vietnamese and says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def write_error_log(directory: Path | None, error: BaseException, context: str) -> Path:
    """Append the traceback to `baocao-loi.log` in `directory` (else ~/.baocao, else the temp folder); its path."""
    from addin import __version__

    text = f"--- {datetime.now():%Y-%m-%d %H:%M:%S} baocao {__version__}: {context}\n"
    try:
        text += "".join(traceback.format_exception(error))
    except Exception:  # e.g. a MemoryError or RecursionError again while formatting: keep what is cheap
        text += f"{type(error).__name__}: (không ghi được chi tiết)\n"
    folders = [folder for folder in (directory, USER_LOG_FOLDER, Path(tempfile.gettempdir())) if folder]
    for folder in folders:
        log = folder / ERROR_LOG
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as stream:
                stream.write(text)
            return log
        except OSError:
            continue
    return log
