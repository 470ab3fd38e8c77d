"""Reading one cell of the design workbook: what staff type, as Excel or LibreOffice stores it."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin.design.catalogue import ValueKind
from addin.design.cells import CellProblem, parse_cell
from addin.design.reading import clean


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_a_date_typed_day_first_iso_or_stored_as_a_date_reads_the_same(day):
    kind = ValueKind("date")
    for typed in (f"{day.day}/{day.month}/{day.year}", f"{day:%d/%m/%Y}", f"{day:%d.%m.%Y}", day.isoformat()):
        assert parse_cell(kind, clean(typed)) == day
    assert parse_cell(kind, clean(datetime(day.year, day.month, day.day))) == day


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_a_whole_number_stored_as_a_float_reads_as_an_int(number):
    assert parse_cell(ValueKind("int"), clean(float(number))) == number


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        (ValueKind("date"), "31/02/2019", "«31/02/2019» không phải ngày; hãy viết dạng 18/12/2019."),
        (ValueKind("int"), "12,5", "«12,5» không phải số nguyên."),
        (ValueKind("float"), "mười", "«mười» không phải số."),
        (ValueKind("bool", ("có", "không")), "chắc", "«chắc» không hợp lệ; hãy ghi «có» hoặc «không»."),
        (ValueKind("text", ("ssl", "plain")), "tls", "«tls» không dùng được ở đây; chỉ được là một trong: ssl, plain."),
        (
            ValueKind("groups"),
            "Số người tham gia",
            "«Số người tham gia» không đúng dạng «Nhãn: cột1, cột2» (mỗi nhóm một dòng).",
        ),
    ],
)
def test_a_cell_that_does_not_fit_says_why_in_vietnamese(kind, typed, message):
    with pytest.raises(CellProblem) as raised:
        parse_cell(kind, clean(typed))
    assert str(raised.value) == message


def test_what_staff_type_for_yes_lists_and_thousands():
    assert [parse_cell(ValueKind("bool"), clean(word)) for word in ("Có", "x", "TRUE", "không", 0)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert parse_cell(ValueKind("list"), clean(" a@x.vn; b@x.vn,\nc@x.vn ")) == ["a@x.vn", "b@x.vn", "c@x.vn"]
    assert parse_cell(ValueKind("int"), clean("1.045")) == 1045
    assert parse_cell(ValueKind("float"), clean("12,5")) == 12.5
    assert parse_cell(ValueKind("text"), clean("  Hoa\u0300  ")) == "Ho\u00e0"  # typed decomposed, read NFC
    assert clean("   ") is None
