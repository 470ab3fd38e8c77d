"""Vietnamese text as units send it: NFC, legacy 8-bit fonts (TCVN3, VNI), numbers, dates, unit names.

The TCVN3/VNI tables are our own: PyPI has no small, well-kept converter. The closest, viparse (a
beta document loader for RAG pipelines), keeps its charmaps and detector in internal modules with no
stable API; the NLP toolkits (underthesea, pyvi) do not convert legacy fonts. The tables below are
generated from the letters and round-trip tested (tests/test_vietnamese.py, hypothesis); what is ours
to decide is how a whole workbook's text and fonts settle the encoding (addin/rules/legacy_text.py).
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

LegacyEncoding = Literal["TCVN3", "VNI"]


def nfc(text: str) -> str:
    """Unicode NFC with outer whitespace removed (inner spacing is kept as typed)."""
    return unicodedata.normalize("NFC", text).strip()


# --- Vietnamese letters ---------------------------------------------------------------------------

_TONES = "\u0301\u0300\u0309\u0303\u0323"  # combining sắc, huyền, hỏi, ngã, nặng
_SAC, _NANG = _TONES[0], _TONES[4]
_LOWER_LETTERS = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in ("", *_TONES)] + ["đ"]
_ACCENTED_LETTERS = [c for c in _LOWER_LETTERS if not c.isascii()]
_VIETNAMESE_LETTERS = frozenset(_LOWER_LETTERS + [c.upper() for c in _LOWER_LETTERS])


def _strip_tones(text: str) -> tuple[str, str]:
    """(text without its tone marks, the tone marks found), both NFC; 'ă', 'ô', 'ư'... keep their shape."""
    decomposed = unicodedata.normalize("NFD", text)
    tones = "".join(c for c in decomposed if c in _TONES)
    plain = "".join(c for c in decomposed if c not in _TONES)
    return unicodedata.normalize("NFC", plain), tones


# A Vietnamese syllable: onset? + vowel nucleus + final consonant?, as the spelling allows them together: a
# nucleus ending in a glide takes no final, -nh/-ch follow only a/ê/i/y, -ng/-c never follow ê/i/y.
_SYLLABLE = re.compile(
    "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?(?:"
    "(?P<glided>iêu|yêu|oai|oao|oay|oeo|uây|uôi|ươi|ươu|uya|uyu|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|ưa|ưi|ưu)"
    "|(?:uyê|iê|yê|uô|ươ|oă|uâ|ă|â)(?:ng|[cmnpt])"
    "|(?:oa|a)(?:ch|ng|nh|[cmnpt])?"
    "|(?:uê|uy|ê|i|y)(?:ch|nh|[mnpt])?"
    "|(?:oe|uơ|e|o|ô|ơ|u|ư)(?:ng|[cmnpt])?)"
)
_SYLLABLE_LETTERS = frozenset(_LOWER_LETTERS) | set("bcdghklmnpqrstvx")


def _is_syllable(word: str) -> bool:
    word = word.casefold()
    plain, tones = _strip_tones(word)
    match = _SYLLABLE.fullmatch(plain)
    if len(tones) > 1 or not match or not _SYLLABLE_LETTERS.issuperset(word):
        return False
    if match["glided"] and _strip_tones(word[-1])[1]:
        return False  # the tone never sits on the final glide: "hải", "mùa", not "haỉ", "muà"
    # A syllable closed by a stop (-c, -ch, -p, -t) only takes the sắc or nặng tone.
    return not plain.endswith(("c", "ch", "p", "t")) or tones in (_SAC, _NANG)


# --- Legacy encodings -----------------------------------------------------------------------------

# TCVN3 ("ABC", TCVN 5712:1993 VN3; fonts .VnTime, .VnArial): one byte per letter, read as Latin-1.
# Only Ă Â Đ Ê Ô Ơ Ư have capital codes: other capitals are the same bytes shown in a .VnTimeH font,
# so TCVN3 cannot tell "Á" from "á"; decoding gives lowercase and encoding lowers those capitals.
_TCVN3_UNICODE = "áàảãạăắằẳẵặâấầẩẫậđéèẻẽẹêếềểễệíìỉĩịóòỏõọôốồổỗộơớờởỡợúùủũụưứừửữựýỳỷỹỵĂÂĐÊÔƠƯ"
_TCVN3_BYTES = "¸µ¶·¹¨¾»¼½Æ©ÊÇÈÉË®ÐÌÎÏÑªÕÒÓÔÖÝ×ØÜÞãßáâä«èåæçé¬íêëìîóïñòô\xadøõö÷ùýúûüþ¡¢§£¤¥¦"
_TCVN3_DECODE = {ord(b): u for u, b in zip(_TCVN3_UNICODE, _TCVN3_BYTES, strict=True)}
_TCVN3_ENCODE = {ord(u): b for u, b in zip(_TCVN3_UNICODE, _TCVN3_BYTES, strict=True)}
_TCVN3_ENCODE |= {
    ord(c.upper()): _TCVN3_ENCODE[ord(c)] for c in _ACCENTED_LETTERS if ord(c.upper()) not in _TCVN3_ENCODE
}

# VNI (VNI-Windows; fonts VNI-Times...): a base letter followed by a mark character, e.g. "a"+"ù" = á,
# "e"+"ä" = ệ; a few letters have one code of their own (ơ "ô", ư "ö", đ "ñ", the i's, ỵ "î").
_VNI_TONE = dict(zip(_TONES, "ùøûõï", strict=True))  # after a, e, o, u, y, ơ, ư
_VNI_CIRCUMFLEX = dict(zip(("", *_TONES), "âáàåãä", strict=True))  # â ê ô, toneless or with a tone
_VNI_BREVE = dict(zip(("", *_TONES), "êéèúüë", strict=True))  # ă
_VNI_I = dict(zip(("", *_TONES), "iíìæóò", strict=True))


def _vni_code(letter: str) -> str:
    """The VNI spelling of one lowercase Vietnamese letter."""
    if letter == "đ":
        return "ñ"
    base, tones = _strip_tones(letter)
    if base == "i":
        return _VNI_I[tones]
    if letter == "ỵ":
        return "î"
    if base in "âêô":
        return unicodedata.normalize("NFD", base)[0] + _VNI_CIRCUMFLEX[tones]
    if base == "ă":
        return "a" + _VNI_BREVE[tones]
    return {"ơ": "ô", "ư": "ö"}.get(base, base) + (_VNI_TONE[tones] if tones else "")


_VNI_ENCODE = {c: _vni_code(c) for c in _ACCENTED_LETTERS} | {
    c.upper(): _vni_code(c).upper() for c in _ACCENTED_LETTERS
}
_VNI_DECODE = {code: letter for letter, code in _VNI_ENCODE.items()}
_VNI_CODES = re.compile("|".join(map(re.escape, sorted(_VNI_DECODE, key=len, reverse=True))))


def _decode(text: str, encoding: LegacyEncoding) -> str:
    if encoding == "TCVN3":
        return text.translate(_TCVN3_DECODE)
    return _VNI_CODES.sub(lambda m: _VNI_DECODE[m.group()], text)


def legacy_to_unicode(text: str, encoding: LegacyEncoding) -> str:
    """Text typed in a TCVN3 or VNI font (read as Latin-1 letters) back to Unicode; `nfc` applied."""
    return nfc(_decode(unicodedata.normalize("NFC", text), encoding))


def unicode_to_legacy(text: str, encoding: LegacyEncoding) -> str:
    """What `text` looks like when typed in a TCVN3 or VNI font. Other characters are kept as they are."""
    text = unicodedata.normalize("NFC", text)
    if encoding == "TCVN3":
        return text.translate(_TCVN3_ENCODE)
    return "".join(_VNI_ENCODE.get(c, c) for c in text)


# Letters that legacy bytes read as Latin-1 can never produce: their presence means Unicode text.
_BEYOND_LATIN1 = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
_WORD = re.compile(r"[^\s!-@\[-`{-~]+")  # runs of letters and non-ASCII signs (TCVN3 uses "¸", "µ", ...)
_MIN_SCORE = 2


def _has_vowel(word: str) -> bool:
    return any(c in "aăâeêioôơuưy" for c in _strip_tones(word.casefold())[0])


def _legacy_score(words: list[str], encoding: LegacyEncoding) -> int:
    score = 0
    for word in words:
        if word.isascii() or _is_syllable(word):
            continue
        decoded = _decode(word, encoding)
        if len(decoded) < 2 or not _has_vowel(decoded):
            continue  # a lone letter or an abbreviation such as "ĐT" tells nothing
        if not _is_syllable(decoded):
            score -= 1
        elif any(not c.isascii() and c not in _VIETNAMESE_LETTERS for c in word):
            score += 2
        else:
            score += 1
    return score


def _verdict(words: list[str]) -> LegacyEncoding | None:
    foreign = sum(1 for w in words if w.isascii() and _has_vowel(w) and not _is_syllable(w))
    tcvn3, vni = _legacy_score(words, "TCVN3"), _legacy_score(words, "VNI")
    if max(tcvn3, vni) < max(_MIN_SCORE, foreign + 1) or tcvn3 == vni:
        return None
    return "TCVN3" if tcvn3 > vni else "VNI"


def detect_legacy(text: str) -> LegacyEncoding | None:
    """Which legacy font `text` was typed in, or None for Unicode (or anything we cannot tell)."""
    # Why this scoring: TCVN3/VNI text read as Unicode is Latin-1 look-alikes, and both share code points with
    # French, German and each other, so single characters prove little. We look at words instead: a word
    # counts for an encoding when it is not a Vietnamese syllable as written but becomes one once decoded;
    # double when it holds a character real Vietnamese never has ("ViÖt", "Vieät"), single otherwise (French
    # "où" is also VNI "ó"). A word that decoding leaves non-Vietnamese ("Müller", "café") counts against.
    # One double word is enough, with a strict lead over the other encoding (a tie, "Bö" = TCVN3 "bử" = VNI
    # "bư", is no answer) and over the plain ASCII words that are not Vietnamese ("Il a dû partir").
    text = unicodedata.normalize("NFC", text)
    return None if _BEYOND_LATIN1.search(text) else _verdict(_WORD.findall(text))


def detect_legacy_pooled(texts: Iterable[str]) -> LegacyEncoding | None:
    """The legacy font a body of texts (a sheet, a workbook) was typed in, judged on all of them at once.

    Texts holding letters beyond Latin-1 are Unicode and stay out of the pool, so a workbook whose dropdown
    cells are Unicode and whose typed cells are VNI is judged on the typed cells. Pooled, the short strings
    that say nothing alone ("Vuõ Thò Lan") and the ties between the two fonts are settled by the rest.
    """
    words = []
    for text in texts:
        text = unicodedata.normalize("NFC", text)
        if not _BEYOND_LATIN1.search(text):
            words += _WORD.findall(text)
    return _verdict(words)


def fix_legacy(text: str) -> tuple[str, LegacyEncoding | None]:
    """(Unicode text, the legacy encoding found) or (text unchanged, None) when it is not legacy text."""
    encoding = detect_legacy(text)
    return (text, None) if encoding is None else (legacy_to_unicode(text, encoding), encoding)


def convert_typed_in(text: str, encoding: LegacyEncoding) -> str | None:
    """`text` from a sheet typed in `encoding`, in Unicode; None when the text is Unicode already.

    The sheet's encoding decides the words that tell nothing alone ("Thò" is a word as written and as
    VNI "Thị"; "PGD§T" has no vowel). A text stays as written when it holds letters beyond Latin-1, or
    when decoding turns more of its words into non-words than it turns non-words into Vietnamese
    (Unicode "Hòa Bình" in a TCVN3 sheet would read "Hũa Bỡnh"; "Müller" would read "Mỹller").
    """
    text = unicodedata.normalize("NFC", text)
    if _BEYOND_LATIN1.search(text) or _decode(text, encoding) == text:
        return None
    gained = lost = 0
    for word in _WORD.findall(text):
        decoded = _decode(word, encoding)
        if decoded != word:
            before, after = _is_syllable(word), _is_syllable(decoded)
            gained += after and not before
            lost += not after and _has_vowel(decoded)  # decoding made a non-word ("Müller" → "Mỹller")
    return None if lost > gained else legacy_to_unicode(text, encoding)


# Characters legacy fonts use for letters that real Vietnamese (or plain ASCII) never has: one left in a
# text after conversion means the text was not (only) in the encoding it was converted from.
_LEGACY_SIGNS = frozenset(
    c for c in _TCVN3_BYTES + "".join(_VNI_DECODE) if not c.isascii() and c not in _VIETNAMESE_LETTERS
)


def is_unicode_text(text: str) -> bool:
    """Whether `text` holds letters no legacy font read as Latin-1 can give (ă, đ, ơ, ư, ạ...): Unicode."""
    return bool(_BEYOND_LATIN1.search(unicodedata.normalize("NFC", text)))


def unreadable_words(text: str) -> list[str]:
    """The words of a converted text that still look like mojibake: legacy font characters left («Vi®t»),
    or accented letters that make no Vietnamese syllable («Vieật», VNI text converted as TCVN3)."""
    return [
        word
        for word in _WORD.findall(unicodedata.normalize("NFC", text))
        if _LEGACY_SIGNS.intersection(word) or (not word.isascii() and _has_vowel(word) and not _is_syllable(word))
    ]


def font_encoding(font_name: str | None) -> LegacyEncoding | None:
    """The legacy encoding a font stands for: .VnTime, .VnArial, .VnTimeH... are TCVN3; VNI-Times... VNI."""
    name = (font_name or "").strip().upper()
    if name.startswith(".VN"):
        return "TCVN3"
    if name.startswith("VNI"):
        return "VNI"
    return None


ENCODING_NAMES: dict[LegacyEncoding, str] = {"TCVN3": "TCVN3 (ABC)", "VNI": "VNI"}


# --- Numbers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedNumber:
    value: float
    note: str | None  # None for a clean number; else what was ignored or interpreted, for staff to see


_NUMBER = re.compile(
    r"(?:(?<![0-9])[-−+])?"  # a sign, unless it joins two numbers ("15-20")
    r"(?:[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])(?:[.,][0-9]+)?"  # 1 234 567,5 (spaces group thousands)
    r"|[0-9]+(?:[.,][0-9]+)*)"
)
_NOTE_DECIMAL_DOT = "dấu «.» được hiểu là dấu thập phân"


def _grouped(body: str, separator: str) -> bool:
    """Whether `body` is digits grouped by threes with `separator` (1.234.567)."""
    first, *rest = body.split(separator)
    return 1 <= len(first) <= 3 and not first.startswith("0") and all(len(g) == 3 for g in rest)


def _number_value(body: str) -> tuple[float, str | None] | None:
    if body.isdigit():
        return float(body), None
    if any(c in body for c in " \u00a0\u202f"):  # spaces group the thousands: "." or "," is the decimal point
        return float(re.sub(r"[ \u00a0\u202f]", "", body).replace(",", ".")), None
    if "." in body and "," in body:  # both: the last one is the decimal separator
        decimal_sep = "." if body.rfind(".") > body.rfind(",") else ","
        thousands_sep = "," if decimal_sep == "." else "."
        integer, decimal = body.rsplit(decimal_sep, 1)
        if decimal_sep in integer or not _grouped(integer, thousands_sep):
            return None
        return float(integer.replace(thousands_sep, "") + "." + decimal), None
    if body.count(",") == 1:
        return float(body.replace(",", ".")), None
    separator = "." if "." in body else ","
    if _grouped(body, separator):
        return float(body.replace(separator, "")), None
    if body.count(".") == 1:
        return float(body), _NOTE_DECIMAL_DOT
    return None


def parse_vn_number(text: str) -> ParsedNumber | None:
    """One number written the Vietnamese way ("1.234,5"); None when there is no number or more than one."""
    text = nfc(text)
    found = list(_NUMBER.finditer(text))
    if len(found) != 1:
        return None
    match = found[0]
    sign = -1 if match.group()[0] in "-−" else 1
    parsed = _number_value(match.group().lstrip("-−+"))
    if parsed is None:
        return None
    value, note = parsed
    dropped = [part for part in (text[: match.start()].strip(), text[match.end() :].strip()) if part]
    notes = ([note] if note else []) + (["bỏ chữ " + ", ".join(f"«{part}»" for part in dropped)] if dropped else [])
    return ParsedNumber(sign * value, "; ".join(notes) or None)


# --- Dates ----------------------------------------------------------------------------------------

_EXCEL_DAY_ZERO = date(1899, 12, 30)  # 1900 date system, for serials after 1 March 1900
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})")
_DATE_IN_WORDS = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")


def parse_vn_date(value: object) -> date | None:
    """A date from a cell: date/datetime, an Excel serial number, or day-first text; None if not a valid date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _EXCEL_DAY_ZERO + timedelta(days=int(value)) if 20000 <= value <= 80000 else None
    if not isinstance(value, str):
        return None
    text = re.sub(r"^ngày\s*", "", nfc(value).lower())
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
        year += 2000 if len(match[4]) == 2 else 0
    elif match := _DATE_IN_WORDS.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- Unit names -----------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "gdđt": "giáo dục và đào tạo",
    "gd": "giáo dục",
    "đt": "đào tạo",
    "pgd": "phòng giáo dục",
    "sgd": "sở giáo dục",
    "gdnn": "giáo dục nghề nghiệp",
    "gdtx": "giáo dục thường xuyên",
    "mn": "mầm non",
    "mg": "mẫu giáo",
    "th": "tiểu học",
    "thcs": "trung học cơ sở",
    "thpt": "trung học phổ thông",
    "pt": "phổ thông",
    "ptdtnt": "phổ thông dân tộc nội trú",
    "ptdtbt": "phổ thông dân tộc bán trú",
    "dtnt": "dân tộc nội trú",
    "dtbt": "dân tộc bán trú",
    "cđ": "cao đẳng",
    "ubnd": "ủy ban nhân dân",
    "tp": "thành phố",
    "tx": "thị xã",
}
_CONNECTORS = re.compile(r"\s*[&+/\-–—]\s*")  # "GD&ĐT", "GDNN - GDTX", "Giáo dục - Đào tạo" all mean "và"
# Tone on the first vowel of a final oa/oe/uy ("hòa", "thủy") moves to the second ("hoà", "thuỷ").
_NEW_STYLE_TONE = re.compile(f"([ou])([{_TONES}])((?<=o.)[ae]|(?<=u.)y)(?![\u0300-\u036f])")


@lru_cache(maxsize=8192)
def fold_name(text: str) -> str:
    """A key to compare unit names: case, spacing, punctuation, tone placement and abbreviations ignored."""
    text = nfc(text).casefold().replace("ð", "đ").replace("ɖ", "đ")  # Icelandic/African D typed for Đ
    words = re.sub(r"[\W_]+", " ", _CONNECTORS.sub(" và ", text)).split()
    expanded = []
    for index, word in enumerate(words):
        if word == "tt":  # "TT GDNN-GDTX" opens with Trung tâm; "TT Phố Lu" inside a name is a thị trấn
            expanded.append("trung tâm" if index == 0 else "thị trấn")
        else:
            expanded.append(str(int(word)) if word.isdecimal() else _ABBREVIATIONS.get(word, word))
    folded = " ".join(expanded).removeprefix("trường ")
    return unicodedata.normalize("NFC", _NEW_STYLE_TONE.sub(r"\1\3\2", unicodedata.normalize("NFD", folded)))


_ADMINISTRATIVE = re.compile(r"\b(?:huyện|thành phố|thị xã)\b")


def _without_administrative(folded: str) -> str:
    return " ".join(_ADMINISTRATIVE.sub(" ", folded).split())


_CLOSE_ENOUGH, _CLEAR_LEAD = 92, 4


class UnitNames:
    """The units' names folded once and indexed by each way `match` compares them, so that naming a unit
    costs about the same among 50 units as among 10,000 (a scan of every name per return did not)."""

    def __init__(self, units: Sequence[tuple[str, Sequence[str]]]):
        self.names: list[tuple[str, str]] = []  # (folded name, code), each name of each unit
        self.exact: dict[str, set[str]] = {}
        self.plain: dict[str, set[str]] = {}  # without «huyện», «thành phố», «thị xã»
        self.by_word: dict[str, set[int]] = {}  # word → the names (their index in `names`) holding it
        for code, unit_names in units:
            for name in dict.fromkeys(fold_name(name) for name in unit_names):
                plain = _without_administrative(name)
                self.exact.setdefault(name, set()).add(code)
                self.plain.setdefault(plain, set()).add(code)
                for word in set(plain.split()):
                    self.by_word.setdefault(word, set()).add(len(self.names))
                self.names.append((name, code))

    def match(self, text: str) -> str | None:
        """The code of the one unit `text` names; None when no unit or several fit equally.

        Tried in turn, the first that fits any unit decides: the same name; the same without «huyện»,
        «thành phố», «thị xã»; a shortened name (every word typed is in the unit's name: «PGD Bảo Yên»);
        a name with a slip of the keyboard (rapidfuzz, clearly closer to one unit than to any other).
        """
        key = fold_name(text)
        plain = _without_administrative(key)
        for codes in (self.exact.get(key), self.plain.get(plain), self._holding_every_word(plain)):
            if codes:
                return next(iter(codes)) if len(codes) == 1 else None
        return self._closest_spelling(key)

    def _holding_every_word(self, plain: str) -> set[str]:
        """Units with a name holding every word typed: three words at least, so that a bare place name
        like «Bản Vược» does not count as a shortened name."""
        words = set(plain.split())
        if len(words) <= 2:
            return set()
        holders = set.intersection(*(self.by_word.get(word, set()) for word in words))
        return {self.names[index][1] for index in holders}

    def _closest_spelling(self, key: str) -> str | None:
        choices = [name for name, _ in self.names]
        near = process.extract(key, choices, scorer=fuzz.ratio, limit=None, score_cutoff=_CLOSE_ENOUGH - _CLEAR_LEAD)
        best: dict[str, float] = {}
        for _, score, index in near:
            code = self.names[index][1]
            best[code] = max(best.get(code, 0), score)
        scores = sorted(((score, code) for code, score in best.items()), reverse=True)
        if not scores or scores[0][0] < _CLOSE_ENOUGH:
            return None
        if len(scores) > 1 and scores[1][0] > scores[0][0] - _CLEAR_LEAD:
            return None
        return scores[0][1]
