#!/usr/bin/env bash
# Build dist/baocao-windows-x64.zip (Windows x64 bundle: Python 3.12, every dependency, baocao, BaoCao.cmd) on Linux.
#   bash scripts/build_windows.sh            build from the committed lock (scripts/windows/requirements-win.txt)
#   bash scripts/build_windows.sh --lock     re-resolve that lock for Windows (uv from PyPI), then stop
# Downloads are cached in ~/.cache/baocao-windows ($BAOCAO_WIN_CACHE) and checked by hash on every build.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-}"
[ -n "$python" ] || { [ -x .venv/bin/python ] && python=.venv/bin/python; } || python=python3
exec "$python" scripts/windows/build_bundle.py "$@"
