"""The package layout keeps its promises: no import cycle between modules or packages, no oversized module."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_layout.py"


def test_no_import_cycle_and_no_oversized_module():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout


def test_the_check_finds_a_cycle():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import check_layout
    finally:
        sys.path.remove(str(SCRIPT.parent))
    graph = {"addin.a": {"addin.b"}, "addin.b": {"addin.c"}, "addin.c": {"addin.a"}, "addin.d": {"addin.a"}}
    assert check_layout.cycles(graph) == [["addin.a", "addin.b", "addin.c"]]
    modules = {"addin.rules.x": {"addin.standing"}, "addin.standing": {"addin.rules.y"}, "addin.rules.y": set()}
    assert check_layout.cycles(modules) == [], "no cycle between modules..."
    assert check_layout.cycles(check_layout.package_graph(modules)) == [["addin.rules", "addin.standing"]]
