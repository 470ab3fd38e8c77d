"""The one exception type whose message is meant for staff, and the log for every other one."""

import tempfile
import traceback
from datetime import datetime
from pathlib import Path

ERROR_LOG = "baocao-loi.log"


class BaocaoError(Exception):
    """A problem staff can fix; its message is Vietnamese and says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def write_error_log(directory: Path, error: BaseException, context: str) -> Path:
    """Append the traceback to `baocao-loi.log` in `directory` (or the temp folder); the log's path."""
    from addin import __version__

    text = f"--- {datetime.now():%Y-%m-%d %H:%M:%S} baocao {__version__}: {context}\n"
    text += "".join(traceback.format_exception(error))
    for folder in (directory, Path(tempfile.gettempdir())):
        log = folder / ERROR_LOG
        try:
            with log.open("a", encoding="utf-8") as stream:
                stream.write(text)
            return log
        except OSError:
            continue
    return log
