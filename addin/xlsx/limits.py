"""Excel's own limits, checked before we write rather than after Excel complains."""

import re
import unicodedata

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
CELL_TEXT_MAX = 32_767
DEFINED_NAME_MAX = 255
VALIDATION_LIST_MAX = 255
VALIDATION_TITLE_MAX = 32
VALIDATION_PROMPT_MAX = 255
VALIDATION_ERROR_MAX = 225
FILE_STEM_MAX = 80
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}


def sheet_name_problem(name: str) -> str | None:
    """Why Excel would refuse `name` as a sheet name (Vietnamese), or None."""
    if not name or not name.strip():
        return "tên trang tính không được để trống"
    if len(name) > SHEET_NAME_MAX:
        return f"tên trang tính «{name}» dài {len(name)} ký tự, Excel chỉ cho tối đa {SHEET_NAME_MAX}"
    bad = sorted(SHEET_NAME_FORBIDDEN & set(name))
    if bad:
        return f"tên trang tính «{name}» có ký tự Excel không cho phép: {' '.join(bad)}"
    if name.startswith("'") or name.endswith("'"):
        return f"tên trang tính «{name}» không được bắt đầu hay kết thúc bằng dấu '"
    if name.casefold() == "history":
        return "Excel dành riêng tên trang «History»"
    return None


def fit(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters with an ellipsis when it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cell_text(text: str) -> str:
    return fit(text, CELL_TEXT_MAX)


def ascii_slug(text: str) -> str:
    """Vietnamese text as a plain ASCII file-name part: 'Phòng GD&ĐT Bát Xát' → 'Phong_GD_DT_Bat_Xat'."""
    text = text.replace("Đ", "D").replace("đ", "d")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_")


def safe_file_stem(text: str) -> str:
    """A file name stem that is valid on Windows, macOS and Linux and short enough for mail."""
    stem = ascii_slug(text)[:FILE_STEM_MAX].rstrip("_") or "tep"
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    return stem
