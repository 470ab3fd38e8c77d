"""Vietnamese text: NFC, legacy TCVN3/VNI fonts, numbers and dates written the Vietnamese way, unit names."""

import string
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.vietnamese import (
    ParsedNumber,
    UnitNames,
    convert_typed_in,
    detect_legacy,
    detect_legacy_pooled,
    fix_legacy,
    fold_name,
    font_encoding,
    legacy_to_unicode,
    nfc,
    parse_vn_date,
    parse_vn_number,
    unicode_to_legacy,
    unreadable_words,
)

VOWELS = "aáàảãạăắằẳẵặâấầẩẫậeéèẻẽẹêếềểễệiíìỉĩịoóòỏõọôốồổỗộơớờởỡợuúùủũụưứừửữựyýỳỷỹỵ"
LETTERS = VOWELS + "đ" + "bcdghklmnpqrstvx"
ALPHABET = LETTERS + LETTERS.upper() + string.digits + string.punctuation + " "
TCVN3_CAPITALS = "ĂÂĐÊÔƠƯ"  # the only capitals TCVN3 has codes for


def tcvn3_capitals_lowered(text: str) -> str:
    """What survives TCVN3: a capital letter with a mark but no TCVN3 code of its own becomes lowercase."""
    return "".join(c.lower() if c.isupper() and not c.isascii() and c not in TCVN3_CAPITALS else c for c in text)


# --- NFC ---


def test_nfc_composes_and_strips_outer_whitespace_only():
    decomposed = unicodedata.normalize("NFD", "  Phòng  Giáo dục\u00a0")
    assert nfc(decomposed) == "Phòng  Giáo dục"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


# --- Legacy fonts ---

SAMPLES = [
    ("ViÖt Nam", "TCVN3", "Việt Nam"),
    ("Phßng Gi¸o dôc vµ §µo t¹o", "TCVN3", "Phòng Giáo dục và Đào tạo"),
    ("Tr\xadêng THCS B¶n XÌo", "TCVN3", "Trường THCS Bản Xèo"),
    ("Vieät Nam", "VNI", "Việt Nam"),
    ("Phoøng Giaùo duïc vaø Ñaøo taïo", "VNI", "Phòng Giáo dục và Đào tạo"),
    ("ÑAÏI HOÏC QUOÁC GIA", "VNI", "ĐẠI HỌC QUỐC GIA"),
]


@pytest.mark.parametrize(("legacy", "encoding", "unicode"), SAMPLES)
def test_known_legacy_text_converts_to_unicode(legacy, encoding, unicode):
    assert legacy_to_unicode(legacy, encoding) == unicode
    assert unicodedata.is_normalized("NFC", legacy_to_unicode(legacy, encoding))


@pytest.mark.parametrize(("legacy", "encoding", "unicode"), SAMPLES)
def test_known_legacy_text_is_detected_and_fixed(legacy, encoding, unicode):
    assert detect_legacy(legacy) == encoding
    assert fix_legacy(legacy) == (unicode, encoding)


def test_unicode_to_legacy_spells_each_font():
    assert unicode_to_legacy("Việt Nam", "TCVN3") == "ViÖt Nam"
    assert unicode_to_legacy("Việt Nam", "VNI") == "Vieät Nam"
    assert unicode_to_legacy("Đại học Ưu Ơn", "TCVN3") == "§¹i häc ¦u ¥n"
    assert unicode_to_legacy("ĐẠI HỌC", "VNI") == "ÑAÏI HOÏC"


def test_tcvn3_has_no_codes_for_most_capitals_so_they_come_back_lowercase():
    assert unicode_to_legacy("PHÒNG", "TCVN3") == "PHßNG"
    assert legacy_to_unicode("PHßNG", "TCVN3") == "PHòNG"
    assert legacy_to_unicode(unicode_to_legacy("ĐÀO TẠO Ấy", "TCVN3"), "TCVN3") == "ĐàO TạO ấy"


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
def test_every_vietnamese_letter_survives_the_round_trip(encoding):
    letters = LETTERS + LETTERS.upper()
    expected = tcvn3_capitals_lowered(letters) if encoding == "TCVN3" else letters
    for letter, want in zip(letters, expected, strict=True):
        assert legacy_to_unicode(unicode_to_legacy(letter, encoding), encoding) == want, letter


@pytest.mark.parametrize(
    "text",
    [
        "Phòng Giáo dục và Đào tạo",
        "Phòng Giáo",
        "Hoà Bình",
        "Trường THPT số 1 Bát Xát",
        "Hello world, total 15",
        "café",
        "Müller",
        "naïve",
        "Ökologie",
        "Grüße aus Köln",
        "Le café de Noël à Montréal",
        "Où est la gare ?",
        "Il a dû partir",
        "Herr Müller wohnt in München",
        "El niño y la niña",
        "12,5 %",
        "1.234.567",
        "nguyen.van.a@gmail.com",
        "0912 345 678",
        "© 2019",
        "3 × 4 = 12",
        "",
    ],
)
def test_unicode_english_french_german_numbers_and_emails_are_not_legacy(text):
    assert detect_legacy(text) is None
    assert fix_legacy(text) == (text, None)


def test_a_legacy_word_that_is_also_a_unicode_word_is_left_alone():
    # "số" in TCVN3 is "sè", a possible Unicode syllable: alone, nothing shows it is legacy text.
    assert unicode_to_legacy("số", "TCVN3") == "sè"
    assert detect_legacy("sè") is None


def test_a_tie_between_the_two_fonts_is_no_answer():
    assert detect_legacy("Bö") is None  # TCVN3 "bử" or VNI "bư"


@settings(max_examples=200)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_tcvn3_round_trip(text):
    assert legacy_to_unicode(unicode_to_legacy(text, "TCVN3"), "TCVN3") == nfc(tcvn3_capitals_lowered(text))


@settings(max_examples=200)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_vni_round_trip(text):
    assert legacy_to_unicode(unicode_to_legacy(text, "VNI"), "VNI") == nfc(text)


# Detection reads words, so sentences are built from real words (each one, in any case, tells the two fonts
# apart; a word like "số", whose TCVN3 form "sè" is itself a Unicode word, cannot help and is left out).
WORD_LIST = """
phòng giáo dục đào tạo trường huyện xã nhân dân tỉnh lào học viên người tháng năm ngày báo cáo tổng lượng
đẳng giới hành động nữ kết quả thực hiện hoạch công văn quyết tuyên truyền cán sở bắc hà bát xát mường khương
bàn bảo yên thắng mầm tiểu thông nội thường xuyên nghiệp khuyết tật tiên nguyễn hằng ngoài lên hoạt luyện kỹ
năng toàn bạo lực đình xâm hại yêu thương ước biểu mẫu đơn khỏe mạnh nước rượu quyển giữa việt thủy hòa hoà mới
đạt được cuộc lượt
"""
WORDS = WORD_LIST.split()
SEPARATORS = [" ", ", ", " - ", " (12) ", ": ", " Cai ", " THCS "]


@st.composite
def vietnamese_sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=8))
    text = ""
    for word in words:
        case = draw(st.sampled_from([str.lower, str.title, str.upper]))
        text += case(word) + draw(st.sampled_from(SEPARATORS))
    return text


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
@settings(max_examples=100)
@given(text=vietnamese_sentences())
def test_legacy_sentences_are_detected(encoding, text):
    legacy = unicode_to_legacy(text, encoding)
    assert detect_legacy(legacy) == encoding
    assert detect_legacy(text) is None


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
@settings(max_examples=100)
@given(words=st.lists(st.sampled_from(WORDS), min_size=3, max_size=12))
def test_short_cells_pooled_are_decided_by_the_whole_body_of_text(encoding, words):
    cells = [unicode_to_legacy(word, encoding) for word in words]
    assert detect_legacy_pooled(cells) == encoding
    assert detect_legacy_pooled(words) is None


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
@settings(max_examples=100)
@given(text=vietnamese_sentences())
def test_text_typed_in_the_sheets_encoding_converts_back_and_reads_clean(encoding, text):
    legacy = unicode_to_legacy(text, encoding)
    converted = convert_typed_in(legacy, encoding)
    want = nfc(tcvn3_capitals_lowered(text) if encoding == "TCVN3" else text)
    assert (converted or nfc(legacy)) == want
    assert unreadable_words(want) == []


def test_unicode_text_in_a_legacy_sheet_is_left_as_written():
    assert convert_typed_in("Trường THCS Bản Xèo", "VNI") is None  # letters beyond Latin-1: Unicode
    assert convert_typed_in("Hòa Bình", "TCVN3") is None  # TCVN3 would read "Hũa Bỡnh"
    assert convert_typed_in("Müller", "TCVN3") is None  # decoding makes no Vietnamese word
    assert convert_typed_in("51/KH-PGDÑT", "VNI") == "51/KH-PGDĐT"  # no vowel: the sheet decides


def test_mojibake_left_after_conversion_is_found():
    assert unreadable_words("Tuyên truyền tại Vieọt Nam") == ["Vieọt"]
    assert unreadable_words("Vi®t Nam") == ["Vi®t"]
    assert unreadable_words("Phòng Giáo dục và Đào tạo Hòa Bình, 51/KH-PGDĐT") == []


@pytest.mark.parametrize(
    ("font", "encoding"),
    [(".VnTime", "TCVN3"), (".VnArialH", "TCVN3"), ("VNI-Times", "VNI"), ("Times New Roman", None), (None, None)],
)
def test_legacy_fonts_name_their_encoding(font, encoding):
    assert font_encoding(font) == encoding


# --- Numbers ---


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234", 1234),
        ("1.234.567", 1234567),
        ("12,5", 12.5),
        ("1.234,5", 1234.5),
        (" 7 ", 7),
        ("-3", -3),
        ("−3,5", -3.5),
        ("1 234", 1234),
        ("1\u00a0234", 1234),
        ("1 234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567),
        ("12,345", 12.345),
        ("0", 0),
        ("1234", 1234),
    ],
)
def test_clean_numbers(text, value):
    assert parse_vn_number(text) == ParsedNumber(value, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 người", ParsedNumber(15, "bỏ chữ «người»")),
        ("15người", ParsedNumber(15, "bỏ chữ «người»")),
        ("12,5%", ParsedNumber(12.5, "bỏ chữ «%»")),
        ("10.000 đồng", ParsedNumber(10000, "bỏ chữ «đồng»")),
        ("khoảng 10 lượt", ParsedNumber(10, "bỏ chữ «khoảng», «lượt»")),
        ("1.5", ParsedNumber(1.5, "dấu «.» được hiểu là dấu thập phân")),
        ("1234.567", ParsedNumber(1234.567, "dấu «.» được hiểu là dấu thập phân")),
        ("2.5 ng", ParsedNumber(2.5, "dấu «.» được hiểu là dấu thập phân; bỏ chữ «ng»")),
    ],
)
def test_numbers_with_something_ignored_or_interpreted_carry_a_note(text, expected):
    assert parse_vn_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "15-20", "15 - 20", "khoảng 10 đến 20", "20/11/2019", "1.23.4", "12 34"])
def test_no_number_or_two_numbers_is_none(text):
    assert parse_vn_number(text) is None


@settings(max_examples=200)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integers_with_dot_thousands_round_trip(number):
    assert parse_vn_number(f"{number:,}".replace(",", ".")) == ParsedNumber(number, None)


@settings(max_examples=200)
@given(
    st.integers(min_value=0, max_value=10**9), st.text(alphabet=string.digits, min_size=1, max_size=6), st.booleans()
)
def test_decimals_with_comma_round_trip(integer, decimals, negative):
    sign = "-" if negative else ""
    parsed = parse_vn_number(sign + f"{integer:,}".replace(",", ".") + "," + decimals)
    assert parsed == ParsedNumber(float(f"{sign}{integer}.{decimals}"), None)


# --- Dates ---


@pytest.mark.parametrize(
    "value",
    [
        datetime(2019, 11, 20, 14, 30),
        date(2019, 11, 20),
        43789,
        43789.6,
        "20/11/2019",
        "20-11-2019",
        "20.11.2019",
        "20/11/19",
        "2019-11-20",
        "ngày 20 tháng 11 năm 2019",
        "20 tháng 11 năm 2019",
        "Ngày 20 Tháng 11 Năm 2019",
        " 20 / 11 / 2019 ",
    ],
)
def test_dates_are_day_first(value):
    assert parse_vn_date(value) == date(2019, 11, 20)


def test_date_with_ngay_prefix_and_short_day():
    assert parse_vn_date("Ngày 5/12/2019") == date(2019, 12, 5)


@pytest.mark.parametrize(
    "value", ["31/11/2019", "29/02/2019", "hôm qua", "20/11-2019", "", 100, 99999, True, None, 1.5]
)
def test_invalid_dates_are_none(value):
    assert parse_vn_date(value) is None


@settings(max_examples=200)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_round_trip(day):
    for text in (
        day.strftime("%d/%m/%Y"),
        day.strftime("%d-%m-%Y"),
        f"{day.day}/{day.month}/{day.year}",
        f"ngày {day.day} tháng {day.month} năm {day.year}",
    ):
        assert parse_vn_date(text) == day, text
    serial = (day - date(1899, 12, 30)).days
    if 20000 <= serial <= 80000:
        assert parse_vn_date(serial) == day


# --- Unit names ---


@pytest.mark.parametrize(
    "names",
    [
        [
            "Phòng GD&ĐT Bát Xát",
            "phòng gd & đt bát xát",
            "Phòng GDĐT Bát Xát",
            "Phòng  Giáo dục và Đào tạo Bát Xát",
            "Phòng Giáo dục - Đào tạo Bát Xát",
        ],
        [
            "TT GDNN-GDTX Sa Pa",
            "Trung tâm GDNN - GDTX Sa Pa",
            "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên Sa Pa",
        ],
        [
            "THPT số 1 Bát Xát",
            "Trường THPT số 1 Bát Xát",
            "Trường Trung học phổ thông số 1 Bát Xát",
            "THPT số 01 Bát Xát",
        ],
        ["PTDTNT THCS&THPT Bắc Hà", "Trường Phổ thông Dân tộc nội trú THCS và THPT Bắc Hà"],
        ["TP Lào Cai", "TP. Lào Cai", "thành phố Lào Cai"],
        ["Hoà Bình", "Hòa Bình", "HOÀ BÌNH"],
        ["Thuỷ", "Thủy"],
        ["UBND xã Bản Vược", "Ủy ban nhân dân xã Bản Vược", "Uỷ ban nhân dân xã Bản Vược"],
        ["Đoàn", "\u00d0oàn", unicodedata.normalize("NFD", "Đoàn")],
    ],
)
def test_spellings_of_the_same_unit_fold_equal(names):
    assert len({fold_name(name) for name in names}) == 1, [fold_name(name) for name in names]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("THPT số 1 Bát Xát", "THPT so 1 Bat Xat"),  # diacritics matter
        ("Phòng GD&ĐT Bát Xát", "Phòng Giáo dục và Đào tạo huyện Bát Xát"),  # "huyện" is kept
        ("xã Bản Vược", "Bản Vược"),
        ("thị xã Sa Pa", "Sa Pa"),
        ("Trường TH TT Phố Lu", "Trường TH Trung tâm Phố Lu"),  # TT inside a name is a thị trấn
    ],
)
def test_different_names_fold_different(one, other):
    assert fold_name(one) != fold_name(other)


def test_fold_name_is_a_plain_key():
    assert fold_name("Trường THCS&THPT Sa Pa") == "trung học cơ sở và trung học phổ thông sa pa"
    assert fold_name("TT GDNN-GDTX Sa Pa") == "trung tâm giáo dục nghề nghiệp và giáo dục thường xuyên sa pa"


UNITS = [
    ("PGD082", ["Phòng Giáo dục và Đào tạo huyện Bát Xát", "Phòng GD&ĐT Bát Xát"]),
    ("PGD080", ["Phòng Giáo dục và Đào tạo thành phố Lào Cai"]),
    ("THPT01", ["Trường THPT số 1 Bát Xát"]),
    ("TTSAPA", ["Trung tâm GDNN-GDTX thị xã Sa Pa"]),
    ("XABV", ["UBND xã Bản Vược"]),
]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Phòng GD&ĐT Bát Xát", "PGD082"),
        ("phòng giáo dục và đào tạo huyện bát xát", "PGD082"),
        ("Phòng GD-ĐT huyện Bát Xát", "PGD082"),
        ("Phòng GD&ĐT TP Lào Cai", "PGD080"),
        ("Phòng GD&ĐT Lào Cai", "PGD080"),  # found once "thành phố" is set aside on both sides
        ("THPT số 1 Bát Xát", "THPT01"),
        ("TT GDNN - GDTX Sa Pa", "TTSAPA"),
        ("Uỷ ban nhân dân xã Bản Vược", "XABV"),
        ("Phòng GD&ĐT Bắc Hà", None),
        ("Bản Vược", None),  # "xã" is not set aside
    ],
)
def test_match_unit(text, code):
    assert UnitNames(UNITS).match(text) == code


def test_match_unit_never_guesses_between_two_units():
    units = [("H", ["Phòng GD&ĐT huyện Lào Cai"]), ("TP", ["Phòng GD&ĐT thành phố Lào Cai"])]
    assert UnitNames(units).match("Phòng GD&ĐT Lào Cai") is None
    assert UnitNames(units).match("Phòng GD&ĐT TP Lào Cai") == "TP"
    assert UnitNames([("A", ["Phòng GD&ĐT"]), ("B", ["Phòng GDĐT"])]).match("Phòng GD&ĐT") is None
