"""The package layout's promises: no import cycle inside `addin/`, between modules or between its packages
(so the packages read as one pipeline, top to bottom), and no module over the size limit.

Run `python scripts/check_layout.py`; it prints what breaks a promise and exits 1, else says OK.
Imports inside functions count too: a cycle hidden in a function is still a cycle.
"""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "addin"
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The `addin` modules this file imports (a `from package import module` names the module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph = {name: imports_of(path, modules) - {name} for name, path in files.items()}
    for name in graph:  # a package's __init__ is imported with any of its modules; it imports nothing here
        graph[name] -= {package for package in graph if name.startswith(f"{package}.") and not graph[package]}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same imports between the parts right under `addin/` (a subpackage or a top-level module)."""

    def part(module: str) -> str:
        return ".".join(module.split(".")[:2])

    parts: dict[str, set[str]] = {}
    for module, targets in graph.items():
        parts.setdefault(part(module), set()).update(part(target) for target in targets)
    return {name: targets - {name} for name, targets in parts.items()}


def oversized() -> list[tuple[str, int]]:
    sizes = {module_name(path): len(path.read_text(encoding="utf-8").splitlines()) for path in PACKAGE.rglob("*.py")}
    return sorted((name, lines) for name, lines in sizes.items() if lines > MAX_LINES)


def main() -> int:
    graph = import_graph()
    problems = [f"import cycle: {' -> '.join(group)}" for group in cycles(graph)]
    problems += [f"packages import each other: {', '.join(group)}" for group in cycles(package_graph(graph))]
    problems += [f"{name}: {lines} lines (limit {MAX_LINES})" for name, lines in oversized()]
    print("\n".join(problems) or "OK: no import cycle between modules or packages, no module over the limit")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
