"""Print a benchmark's figures and keep them in benchmarks/out/<name>.json."""

import json
from pathlib import Path

OUT = Path(__file__).parent / "out"


def report(name: str, results: dict) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    width = max(map(len, results)) + 2
    for key, value in results.items():
        print(f"{key:{width}} {value}")
