"""Excel's own limits, checked before we write rather than after Excel complains."""

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
CELL_TEXT_MAX = 32_767
DEFINED_NAME_MAX = 255
VALIDATION_LIST_MAX = 255
VALIDATION_TITLE_MAX = 32
VALIDATION_PROMPT_MAX = 255
VALIDATION_ERROR_MAX = 225


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
