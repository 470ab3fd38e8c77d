"""Flagged cells the sheet XML does not hold (empty, never formatted), put in as the sheet streams.

`MissingCells.feed` takes the sheet in chunks of whole tags and gives them back with an empty `<c r="B7"
s="0"/>` for each flagged cell not there, in the place Excel requires (rows ascending, cells ascending in a
row), so that the colouring pass then finds it like any other cell. Only the rows holding a flagged cell
are looked into: such a row is held until its `</row>` (a row is at most 16,384 cells) and its cells'
columns read; a missing row is written before the next row or the end of `sheetData`. A row or cell
without its `r` address (rare; allowed) stops the insertion for the rest of the sheet: the cell then stays
uncoloured, still commented and listed.
"""

from __future__ import annotations

import re

ROW_MAX = 8 * 2**20  # a held row longer than this is passed on unchanged
_CELL_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_ROW_OR_END = re.compile(
    rb"<(?:([\w.-]+):)?row\b[^>]*?(/?)>|</(?:[\w.-]+:)?sheetData\s*>|<(?:[\w.-]+:)?sheetData\b[^>]*/>"
)
_SHEET_DATA = re.compile(rb"</?(?:[\w.-]+:)?sheetData\b")
_ROW_CLOSE = re.compile(rb"</(?:[\w.-]+:)?row\s*>")
_CELL = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])[^>]*>")
_R = re.compile(rb'\sr\s*=\s*"([A-Z]*)([0-9]+)"')


def _column(letters: str | bytes) -> int:
    number = 0
    for letter in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(letter) - 64
    return number


class MissingCells:
    def __init__(self, addresses):
        self.pending: dict[int, dict[int, str]] = {}
        for address in addresses:
            found = _CELL_ADDRESS.fullmatch(address)
            if found:
                self.pending.setdefault(int(found.group(2)), {})[_column(found.group(1))] = address
        self.held: bytes | None = None
        self.prefix = b""
        self.done = not self.pending

    def feed(self, data: bytes) -> bytes:
        if self.done:
            return data
        out, position = [], 0
        if self.held is not None:
            close = _ROW_CLOSE.search(data)
            if close is None:
                self.held += data
                if len(self.held) > ROW_MAX:
                    data, self.held, self.done = self.held, None, True
                    return data
                return b""
            out.append(self._row(self.held + data[: close.end()]))
            self.held, position = None, close.end()
        while not self.done:
            found = _ROW_OR_END.search(data, position)
            if found is None:
                out.append(data[position:])
                break
            out.append(data[position : found.start()])
            tag = found.group(0)
            if _SHEET_DATA.match(tag):  # the end of sheetData
                rows = self._rows_before(None)
                if tag.endswith(b"/>"):
                    name = tag[1:].split()[0].rstrip(b"/>")
                    tag = b"<" + name + b">" + rows + b"</" + name + b">"
                    rows = b""
                out.append(rows + tag + data[found.end() :])
                self.done = True
                return b"".join(out)
            self.prefix = found.group(1) + b":" if found.group(1) else b""
            number = _R.search(tag)
            if number is None or number.group(1):  # a row without its number
                out.append(data[found.start() :])
                self.done = True
                return b"".join(out)
            row = int(number.group(2))
            out.append(self._rows_before(row))
            if row not in self.pending:
                out.append(tag)
                position = found.end()
                continue
            if found.group(2):  # <row .../>: no cells
                opening = re.sub(rb'\sspans\s*=\s*"[^"]*"', b"", tag[:-2].rstrip()) + b">"
                out.append(opening + self._cells(self.pending.pop(row)) + b"</" + self.prefix + b"row>")
                position = found.end()
                continue
            close = _ROW_CLOSE.search(data, found.end())
            if close is None:
                self.held = data[found.start() :]
                return b"".join(out)
            out.append(self._row(data[found.start() : close.end()]))
            position = close.end()
        else:
            out.append(data[position:])
        return b"".join(out)

    def flush(self) -> bytes:
        held, self.held = self.held or b"", None
        return held

    def _cells(self, wanted: dict[int, str]) -> bytes:
        return b"".join(b'<%sc r="%s" s="0"/>' % (self.prefix, wanted[c].encode()) for c in sorted(wanted))

    def _rows_before(self, row: int | None) -> bytes:
        made = []
        for number in sorted(n for n in self.pending if row is None or n < row):
            cells = self._cells(self.pending.pop(number))
            made.append(b'<%srow r="%d">%s</%srow>' % (self.prefix, number, cells, self.prefix))
        if not self.pending and row is None:
            self.done = True
        return b"".join(made)

    def _row(self, text: bytes) -> bytes:
        """A whole row holding flagged cells, with the missing ones put in column order."""
        opening_end = text.index(b">") + 1
        row = int(_R.search(text[:opening_end]).group(2))
        wanted = self.pending.pop(row)
        cells = []
        for cell in _CELL.finditer(text, opening_end):
            address = _R.search(cell.group(0))
            if address is None or not address.group(1):
                self.done, self.pending = True, {}
                return text
            cells.append((_column(address.group(1)), cell.start()))
        present = {column for column, _ in cells}
        missing = {c: a for c, a in wanted.items() if c not in present}
        if not missing:
            return text
        close = _ROW_CLOSE.search(text, opening_end)
        pieces, position = [], opening_end
        for column in sorted(missing):
            at = next((start for c, start in cells if c > column), close.start())
            pieces.append(text[position:at] + self._cells({column: missing[column]}))
            position = at
        pieces.append(text[position:])
        opening = re.sub(rb'\sspans\s*=\s*"[^"]*"', b"", text[:opening_end])
        return opening + b"".join(pieces)
