"""File names that are valid everywhere: for the files baocao names, and for hostile names that arrive by mail.

One list of the device names Windows reserves serves all of them. Windows reserves such a name with any
extension and trailing spaces too ('con.txt', 'COM1 .xlsx'), so the check looks at the part before the
first dot.
"""

import re
import unicodedata

WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{kind}{number}" for kind in ("COM", "LPT") for number in "0123456789¹²³"}
)
FILE_STEM_MAX = 80
NAME_LIMIT = 100
FALLBACK_NAME = "tep_dinh_kem"
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')  # what Windows refuses in a file name
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


def is_windows_reserved(name: str) -> bool:
    return name.split(".")[0].strip().upper() in WINDOWS_RESERVED


def ascii_slug(text: str) -> str:
    """Vietnamese text as a plain ASCII file-name part: 'Phòng GD&ĐT Bát Xát' → 'Phong_GD_DT_Bat_Xat'."""
    text = text.replace("Đ", "D").replace("đ", "d")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_")


def safe_file_stem(text: str) -> str:
    """A file name stem that is valid on Windows, macOS and Linux and short enough for mail."""
    stem = ascii_slug(text)[:FILE_STEM_MAX].rstrip("_") or "tep"
    if is_windows_reserved(stem):
        stem = f"{stem}_"
    return stem


def readable_file_stem(text: str) -> str:
    """`text` as staff wrote it, Vietnamese letters and all, with each run of characters Windows refuses
    made one space: 'Phòng GD/ĐT Bát Xát' → 'Phòng GD ĐT Bát Xát'. Not checked for device names: put
    something before it (a unit code) or check `is_windows_reserved`."""
    return _FORBIDDEN.sub(" ", text).strip(" .")


def safe_name(name: str | None, limit: int = NAME_LIMIT) -> str:
    """A file name that is safe on Windows and POSIX: no folders, devices, reserved characters; never empty."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = _FORBIDDEN.sub("", "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")))
    text = text.rstrip(" .")
    match = _EXTENSION.search(text)
    extension = match.group(0) if match else ""
    stem = text[: len(text) - len(extension)].strip(" .")
    if not stem:
        stem = FALLBACK_NAME
    if is_windows_reserved(stem):
        stem = f"_{stem}"
    stem = stem[: max(1, limit - len(extension))].rstrip(" .") or FALLBACK_NAME[: max(1, limit - len(extension))]
    return f"{stem}{extension}"
