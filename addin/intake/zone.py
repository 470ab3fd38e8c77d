"""Mark-of-the-Web for archived returns: on Windows, Office opens a file marked as from the internet in
Protected View, with its macros blocked.

A unit's file comes from outside, but the archive copy is written by us, so Windows would take it for a
local file. `mark_from_internet` gives it the `Zone.Identifier` alternate data stream a browser or mail
client would (ZoneId=3, the Internet zone). Only NTFS (and ReFS) hold alternate streams: on FAT, exFAT or
many network shares the write fails, and that is ignored. Off Windows it does nothing.
"""

import os
from pathlib import Path

ON_WINDOWS = os.name == "nt"
ZONE_IDENTIFIER = "[ZoneTransfer]\r\nZoneId=3\r\n"


def mark_from_internet(path: Path) -> bool:
    """Give `path` the Internet zone's Zone.Identifier stream; True when written (only ever on Windows)."""
    if not ON_WINDOWS:
        return False
    try:
        with open(f"{path}:Zone.Identifier", "w", encoding="ascii", newline="") as stream:
            stream.write(ZONE_IDENTIFIER)
    except OSError:  # no alternate streams on this drive (FAT, exFAT, some network shares): nothing to do
        return False
    return True
