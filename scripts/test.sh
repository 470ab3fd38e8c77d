#!/usr/bin/env bash
# Set everything up and run the whole test suite (the README's second command; CI runs it too).
set -euo pipefail
cd "$(dirname "$0")/.."

# LibreOffice headless is the second real client of every workbook baocao writes; poppler-utils
# (pdfinfo, pdftotext) reads the PDFs it prints; dovecot is the IMAP server `collect --imap` is tested
# against (started by the tests themselves, never as a system service).
missing=""
command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice-calc-nogui libreoffice-script-provider-python"
# Writer prints the báo cáo (.docx) to PDF; a LibreOffice with Calc alone has no swriter in its program folder.
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || [ -e /usr/lib/libreoffice/program/libswlo.so ] \
  || missing="$missing libreoffice-writer-nogui"
command -v pdfinfo >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || missing="$missing dovecot-imapd"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
    as_root=""; [ "$(id -u)" = 0 ] || as_root="sudo -n"
    export DEBIAN_FRONTEND=noninteractive
    $as_root apt-get update -qq
    # shellcheck disable=SC2086
    $as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "Thiếu$missing và không có quyền cài: các bài kiểm tra cần chúng sẽ bị bỏ qua." >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# tests/test_windows_bundle.py builds the Windows bundle (scripts/build_windows.sh → dist/baocao-windows-x64.zip)
# twice from the committed lock; its downloads (about 95 MB, from PyPI) stay in ~/.cache/baocao-windows.
exec .venv/bin/python -m pytest "$@"
