"""Office files built byte by byte for tests: a zip repacked member by member, a minimal OLE compound file."""

import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl.utils import get_column_letter

END, FREE, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CUSTOM_UI = (
    b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui" onLoad="Ribbon_Load">'
    b'<ribbon><tabs><tab id="t" label="x"><group id="g" label="y"><button id="b" label="z" onAction="Chay"/>'
    b"</group></tab></tabs></ribbon></customUI>"
)


def vba_project() -> bytes:
    """A VBA project Excel wrote: the one in xlwings' quickstart workbook."""
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm") as package:
        return package.read("xl/vbaProject.bin")


def as_xlsm(xlsx: Path, target: Path) -> Path:
    """`xlsx` as Excel saves it macro-enabled: a VBA project (signed), a ribbon customisation, every part wired."""

    def edit(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(XLSX_MAIN.encode(), XLSM_MAIN.encode()).replace(
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                b'<Override PartName="/xl/vbaProjectSignature.bin" '
                b'ContentType="application/vnd.ms-office.vbaProjectSignature"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                b'Target="vbaProject.bin"/></Relationships>',
            )
        if name == "_rels/.rels":
            return data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdUi" Type="http://schemas.microsoft.com/office/2007/relationships/ui/'
                b'extensibility" Target="customUI/customUI14.xml"/></Relationships>',
            )
        return data

    signature_rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProjectSignature" '
        b'Target="vbaProjectSignature.bin"/></Relationships>'
    )
    extra = {
        "xl/vbaProject.bin": vba_project(),
        "xl/_rels/vbaProject.bin.rels": signature_rels,
        "xl/vbaProjectSignature.bin": b"\x00" * 64,
        "customUI/customUI14.xml": CUSTOM_UI,
    }
    return repack(xlsx, target, edit, extra=extra)


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid compound file (v3, 512-byte sectors); streams padded to 4 KiB stay out of the mini stream."""
    streams = {name: data.ljust(4096, b"\x00") for name, data in streams.items()}
    dir_sectors = -(-(1 + len(streams)) // 4)
    fat = [0xFFFFFFFD] + [i + 2 if i < dir_sectors - 1 else END for i in range(dir_sectors)]
    body, starts = b"", {}
    for name, data in streams.items():
        count = -(-len(data) // 512)
        starts[name] = len(fat)
        fat += [len(fat) + j + 1 if j < count - 1 else END for j in range(count)]
        body += data.ljust(count * 512, b"\x00")
    assert len(fat) <= 128

    def entry(name: str, kind: int, start: int, size: int, right: int = NOSTREAM, child: int = NOSTREAM) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        links = struct.pack("<HBBIII", len(raw), kind, 1, NOSTREAM, right, child)
        return raw.ljust(64, b"\x00") + links + bytes(36) + struct.pack("<IQ", start, size)

    names = list(streams)
    directory = entry("Root Entry", 5, END, 0, child=1 if names else NOSTREAM)
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else NOSTREAM
        directory += entry(name, 2, starts[name], len(streams[name]), right=right)
    header = (
        OLE_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + b"\xff" * (4 * 108)
    )
    fat_sector = b"".join(struct.pack("<I", value) for value in fat).ljust(512, b"\xff")
    return header + fat_sector + directory.ljust(dir_sectors * 512, b"\x00") + body


def repack(
    source: Path,
    target: Path,
    edit: Callable[[str, bytes], bytes | None] = lambda name, data: data,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Copy a zip member by member through `edit` (None drops the member), then add `extra` members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = edit(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def with_big_sheet(source: Path, target: Path, rows: int, columns: int, name: str = "Phụ lục") -> Path:
    """`source` (an .xlsx) with one more worksheet of `rows` x `columns` numbers, streamed into the zip member
    by member (never built in memory), wired into workbook.xml, its relationships and content types."""
    rng = random.Random(rows * 7919 + columns)
    letters = [get_column_letter(column) for column in range(1, columns + 1)]

    def wire(member: str, data: bytes) -> bytes:
        if member == "xl/workbook.xml":
            declare = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
            sheet = f'<sheet {declare} name="{name}" sheetId="900" r:id="rIdBig"/></sheets>'
            return data.replace(b"</sheets>", sheet.encode("utf-8"))
        if member == "xl/_rels/workbook.xml.rels":
            rel = (
                '<Relationship Id="rIdBig" Target="worksheets/big.xml" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            )
            return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
        if member == "[Content_Types].xml":
            override = (
                '<Override PartName="/xl/worksheets/big.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            )
            return data.replace(b"</Types>", override.encode() + b"</Types>")
        return data

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, wire(info.filename, old.read(info.filename)))
        with new.open("xl/worksheets/big.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="A1:{letters[-1]}{rows}"/><sheetData>'.encode()
            )
            for row in range(1, rows + 1):
                cells = "".join(f'<c r="{letter}{row}"><v>{rng.randint(0, 10**6)}</v></c>' for letter in letters)
                sheet.write(f'<row r="{row}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
    return target
