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
MAX_LENGTH = 1000  # characters: far beyond any real rule, and short enough to parse without deep recursion
MAX_DEPTH = 50  # nesting of brackets and operators: evaluating and translating to Excel recurse this deep


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
    text = str(text)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"biểu thức «{text[:40]}…» dài {len(text)} ký tự, quá giới hạn {MAX_LENGTH}; hãy chia thành nhiều quy tắc"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"biểu thức «{_shown(text)}» viết sai cú pháp hoặc lồng quá sâu") from error
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(
            f"biểu thức «{_shown(text)}» lồng quá sâu (quá {MAX_DEPTH} tầng ngoặc hoặc phép tính); "
            "hãy viết gọn lại hoặc chia thành nhiều quy tắc"
        )
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


def _shown(text: str) -> str:
    return text if len(text) <= 80 else f"{text[:40]}…"


def _depth(tree: ast.expr) -> int:
    """How deep the tree nests, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
    return deepest


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
