"""How much room a text needs in a cell: its width in Times New Roman, its lines when wrapped, its row height.

Neither openpyxl nor a spreadsheet saved without Excel measures text, and LibreOffice does not re-measure rows
whose height is set, so every row that holds wrapped text gets its height from here. The widths are the
Times metrics (Times New Roman's are compatible) per 1000 em; a Vietnamese letter is as wide as its base
letter. Column widths are taken as Excel draws them (about 7 pixels a character): Excel on an office PC is
the narrowest of the programs units use (LibreOffice draws the same column wider), so a text measured here
fits everywhere.
"""

import itertools
import unicodedata
from functools import lru_cache

_REGULAR = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            *(444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333, 389, 278),
            *(500, 500, 722, 500, 500, 444, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722),
            *(722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611),
        ),
        strict=True,
    )
)
_BOLD = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            *(500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500, 556, 556, 444, 389, 333),
            *(556, 500, 722, 500, 500, 444, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722),
            *(778, 611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667),
        ),
        strict=True,
    )
)
_COMMON = {" ": 250, ",": 250, ".": 250, ":": 278, ";": 278, "-": 333, "(": 333, ")": 333, "/": 278, "&": 778}
_COMMON |= {"«": 500, "»": 500, "…": 1000, "—": 1000, "–": 500, "“": 444, "”": 444, "%": 833, "*": 500, "@": 921}
_HORN = 1.08  # ơ, ư: the horn makes the letter a little wider than its base
POINTS_PER_WIDTH = 5.25  # Excel: a column of width 1 is about 7 pixels = 5.25 pt
CELL_PADDING = 4.0  # points a cell keeps clear on its left and right together
SAFETY = 0.94  # share of a cell's room a measured line may fill (screen rounding, other fonts)


@lru_cache(maxsize=4096)
def _char_width(char: str, bold: bool) -> float:
    if char.isdigit():
        return 500
    if char in _COMMON:
        return _COMMON[char]
    table = _BOLD if bold else _REGULAR
    decomposed = unicodedata.normalize("NFD", char)
    base = {"đ": "d", "Đ": "D"}.get(char, decomposed[0])
    width = table.get(base, 556)
    return width * _HORN if "\u031b" in decomposed else width


def text_width(text: str, size: float = 12, bold: bool = False) -> float:
    """The width in points of `text` on one line, in Times New Roman of `size` points."""
    return sum(_char_width(char, bold) for char in text) * size / 1000


def cell_room(width: float) -> float:
    """The points a line of text may take in a (merged) cell `width` characters wide."""
    return max(1.0, (width * POINTS_PER_WIDTH - CELL_PADDING) * SAFETY)


def _words(text: str) -> list[str]:
    """The text's words, a lone dash kept with the word before it (a line never starts with «-»)."""
    words: list[str] = []
    for word in text.split():
        if words and word in ("-", "–", "—"):
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    return words


def wrapped_lines(text: str, width: float, size: float = 12, bold: bool = False) -> int:
    """How many lines `text` takes in a wrapping cell `width` characters wide (its own line breaks kept)."""
    room, space = cell_room(width), text_width(" ", size, bold)
    total = 0
    for paragraph in str(text).split("\n"):
        lines, used = 1, 0.0
        for word in _words(paragraph):
            word_width = text_width(word, size, bold)
            if used and used + space + word_width > room:
                lines, used = lines + 1, 0.0
            if word_width > room:  # a word longer than the cell is broken across lines
                extra = int(word_width // room)
                lines, used = lines + extra, word_width - extra * room
            else:
                used = used + space + word_width if used else word_width
        total += lines
    return total


def line_height(size: float = 12) -> float:
    """The height of one line of text, with room for Vietnamese capitals' stacked accents."""
    return 1.25 * size


def row_height(lines: int, size: float = 12, minimum: float = 0) -> float:
    """A row's height in points for `lines` lines of `size`-point text, never below `minimum`."""
    return max(minimum, round(lines * line_height(size) + 3, 2))


def fitted_height(texts: list[tuple[str, float, float, bool]], minimum: float = 0) -> float:
    """The row height that shows every (text, width, size, bold) of a row in full."""
    return max(
        [minimum] + [row_height(wrapped_lines(text, width, size, bold), size) for text, width, size, bold in texts]
    )


PREFERRED_BREAKS = ("HUYỆN", "THÀNH PHỐ", "THỊ XÃ", "TỈNH", "QUẬN", "XÃ", "TRƯỜNG")


def balanced_lines(text: str, room: float, size: float = 12, bold: bool = True) -> list[str]:
    """`text` in as few lines as fit `room` points, broken so the lines are even (no word left alone).

    Among the ways to break it into that many lines, one that starts lines at a place name («HUYỆN …») or
    after a dash is preferred, then the one whose longest line is shortest.
    """
    words = _words(" ".join(text.split()))
    if not words:
        return [""]
    widths = [text_width(word, size, bold) for word in words]
    space = text_width(" ", size, bold)

    def span(first: int, last: int) -> float:  # words first..last-1 on one line
        return sum(widths[first:last]) + space * (last - first - 1)

    def preferred(index: int) -> bool:  # a line starting at word `index` reads well
        rest = " ".join(words[index:]).upper()
        return words[index - 1].endswith("-") or any(rest.startswith(name + " ") for name in PREFERRED_BREAKS)

    count = len(words)
    for lines in range(1, count + 1):
        best = _best_breaks(count, lines, room, span, preferred)
        if best is not None:
            starts = [0, *best, count]
            return [" ".join(words[a:b]) for a, b in itertools.pairwise(starts)]
    return [" ".join(words)]


def _best_breaks(count: int, lines: int, room: float, span, preferred) -> list[int] | None:
    """The start of lines 2..n that fit `room`, ranked by (plain breaks, longest line); None when none fits."""
    best: tuple[tuple[int, float], list[int]] | None = None

    def search(start: int, left: int, chosen: list[int], plain: int, longest: float) -> None:
        nonlocal best
        if left == 1:
            width = span(start, count)
            if width <= room:
                key = (plain, max(longest, width))
                if best is None or key < best[0]:
                    best = (key, list(chosen))
            return
        for end in range(start + 1, count - left + 2):
            width = span(start, end)
            if width > room:
                break
            search(end, left - 1, [*chosen, end], plain + (not preferred(end)), max(longest, width))

    search(0, lines, [], 0, 0.0)
    return None if best is None else best[1]
