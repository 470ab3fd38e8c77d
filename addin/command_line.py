"""A `baocao …` command as staff paste it into their shell: paths with spaces (or other special characters) quoted
the way that shell reads them — double quotes for Windows' cmd.exe (and PowerShell), `shlex.quote` elsewhere."""

import os
import re
import shlex
from pathlib import Path

# characters that split a word or mean something to cmd.exe / PowerShell; a word without them needs no quotes
_WINDOWS_SPECIAL = re.compile(r"""[\s&|<>()^%!,;=`'$@{}\[\]+~#]""")


def shell_quote(word: str | Path, windows: bool | None = None) -> str:
    """One word of a command line, quoted if the shell would otherwise split or interpret it."""
    text = str(word)
    if windows is None:
        windows = os.name == "nt"
    if not windows:
        return shlex.quote(text)
    if text and not _WINDOWS_SPECIAL.search(text) and '"' not in text:
        return text
    return '"' + text.replace('"', '""') + '"'  # a Windows path cannot hold ", but a typed word might


def command(*words: str | Path, windows: bool | None = None) -> str:
    """`baocao` and its words as one line to paste: `command("check", folder)` → `baocao check "C:\\Báo cáo\\Đợt 1"`."""
    return " ".join(["baocao", *(shell_quote(word, windows) for word in words)])
