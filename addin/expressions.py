"""Rule expressions: the small arithmetic language of `left`/`right` in config rules.

An expression is arithmetic (+ - * /, parentheses, numbers) over field names and the
campaign constants. It is parsed with Python's `ast` for checking and for translating into
an Excel formula; evaluating it on a return is done safely elsewhere (never with `eval`).
"""

import ast
from collections.abc import Callable
from dataclasses import dataclass

CONSTANTS = ("period_start", "period_end", "deadline")

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class ExpressionError(ValueError):
    """Vietnamese explanation of why an expression cannot be used."""


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.expr

    @property
    def names(self) -> list[str]:
        found = sorted((node.col_offset, node.id) for node in ast.walk(self.tree) if isinstance(node, ast.Name))
        return list(dict.fromkeys(name for _, name in found))

    def to_excel(self, reference: Callable[[str], str]) -> str:
        """The same arithmetic as an Excel formula; `reference` maps a name to a cell/range."""
        return _to_excel(self.tree, reference)


def parse_expression(text: str) -> Expression:
    try:
        tree = ast.parse(str(text).strip(), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"biểu thức «{text}» viết sai cú pháp") from error
    for node in ast.walk(tree):
        if not isinstance(
            node, ast.BinOp | ast.UnaryOp | ast.Name | ast.Constant | ast.operator | ast.unaryop | ast.Load
        ):
            raise ExpressionError(f"biểu thức «{text}» chỉ được dùng tên trường, số, + - * / và dấu ngoặc")
        if isinstance(node, ast.BinOp) and type(node.op) not in _OPERATORS:
            raise ExpressionError(f"biểu thức «{text}» chỉ được dùng các phép + - * /")
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.USub | ast.UAdd):
            raise ExpressionError(f"biểu thức «{text}» chỉ được dùng các phép + - * /")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, int | float)):
            raise ExpressionError(f"biểu thức «{text}» chỉ được chứa số, không chứa chữ trong ngoặc kép")
    return Expression(text=str(text), tree=tree)


def _to_excel(node: ast.expr, reference: Callable[[str], str]) -> str:
    if isinstance(node, ast.Name):
        return reference(node.id)
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.UnaryOp):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return f"{sign}({_to_excel(node.operand, reference)})"
    left = _to_excel(node.left, reference)
    right = _to_excel(node.right, reference)
    return f"({left}{_OPERATORS[type(node.op)]}{right})"
