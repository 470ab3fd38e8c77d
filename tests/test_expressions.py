"""Rule expressions: only arithmetic over field names, translated faithfully to Excel."""

import pytest

from addin.expressions import ExpressionError, parse_expression


def test_names_and_excel_translation():
    expression = parse_expression("nam + nu * 2 - (tong / 4)")
    assert expression.names == ["nam", "nu", "tong"]
    assert expression.to_excel(lambda name: f"bc_{name}") == "((bc_nam+(bc_nu*2))-(bc_tong/4))"
    assert parse_expression("-nam").to_excel(str.upper) == "-(NAM)"
    assert parse_expression("5000").names == []


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('rm')",
        "nam.real",
        "max(nam, nu)",
        "nam ** 2",
        "'chữ'",
        "nam if nu else 0",
        "nam > nu",
        "nam +",
        "True",
    ],
)
def test_anything_but_arithmetic_is_refused(text):
    with pytest.raises(ExpressionError, match=f"biểu thức «{__import__('re').escape(text)}»"):
        parse_expression(text)
