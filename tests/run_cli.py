"""The real `baocao` command, run as a subprocess the way staff run it."""

import os
import subprocess
import sys
from pathlib import Path


def baocao(*arguments: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real `baocao` command; `env` adds variables to the environment (None removes one)."""
    environment = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", **(env or {})}
    environment = {name: value for name, value in environment.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-m", "addin", *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=180,
    )
