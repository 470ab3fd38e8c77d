"""The checks on an OLE compound file (.xls, an encrypted xlsx, a Word or PowerPoint 97 file) with olefile."""

from __future__ import annotations

from typing import BinaryIO

import olefile

from addin.intake.guard.findings import MSG_ENCRYPTED, MSG_TRUNCATED, NOT_A_WORKBOOK_OLE, FindingList
from addin.intake.guard.formats import OLE_NAMES, FileKind

_FILEPASS = 0x002F  # the BIFF record that marks a password-protected .xls


def inspect_ole(fp: BinaryIO, found: FindingList) -> tuple[FileKind, bool, bool]:
    """(kind, has_macros, kind confirmed by the directory rather than guessed from raw bytes)."""
    fp.seek(0)
    try:
        compound = olefile.OleFileIO(fp)
        names = {path[0].lower(): path for path in compound.listdir(streams=True, storages=True) if len(path) == 1}
    except Exception:  # olefile raises assorted exception types on a hostile or damaged directory
        return _undirected(fp, found)
    if "encryptedpackage" in names and "encryptioninfo" in names:
        found.error("FILE_ENCRYPTED", MSG_ENCRYPTED)
        return FileKind.ENCRYPTED_OLE, False, True
    stream = names.get("workbook") or names.get("book")
    if stream is None:
        other = next((key for key in NOT_A_WORKBOOK_OLE if key and key in names), "")
        found.error("NOT_A_WORKBOOK", NOT_A_WORKBOOK_OLE[other])
        return FileKind.OLE_OTHER, False, True
    macros = "_vba_project_cur" in names or "_vba_project" in names
    try:
        start = compound.openstream(stream).read(256)
    except Exception:  # a stream whose chain runs off the file, loops, or points nowhere
        found.error("FILE_TRUNCATED", MSG_TRUNCATED)
        return FileKind.XLS, macros, True
    if _biff_encrypted(start):
        found.error("FILE_ENCRYPTED", MSG_ENCRYPTED)
    return FileKind.XLS, macros, True


def _undirected(fp: BinaryIO, found: FindingList) -> tuple[FileKind, bool, bool]:
    """A directory olefile cannot walk (calamine cannot either): still tell an encrypted package apart."""
    fp.seek(0)
    data = fp.read()
    if OLE_NAMES["EncryptedPackage"] in data:
        found.error("FILE_ENCRYPTED", MSG_ENCRYPTED)
        return FileKind.ENCRYPTED_OLE, False, False
    found.error("FILE_TRUNCATED", MSG_TRUNCATED)
    is_xls = OLE_NAMES["Workbook"] in data or OLE_NAMES["Book"] in data
    return FileKind.XLS if is_xls else FileKind.OLE_OTHER, False, False


def _biff_encrypted(data: bytes) -> bool:
    """FILEPASS among the first records of the globals substream (after BOF, maybe WriteProtect)."""
    pos = 0
    for _ in range(4):
        if pos + 4 > len(data):
            return False
        record = int.from_bytes(data[pos : pos + 2], "little")
        length = int.from_bytes(data[pos + 2 : pos + 4], "little")
        if record == _FILEPASS:
            return True
        pos += 4 + length
    return False
