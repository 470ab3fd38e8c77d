"""Text from outside (units' returns, attachment names) made inert where a spreadsheet would run it.

Excel and LibreOffice treat a cell that starts with = + - @ (or tab / CR before one) as a formula,
both when opening a CSV and when a program writes the cell's value. The OWASP advice is followed:
such text gets a leading apostrophe, which both read as "this is text". Numbers are never touched.
"""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A CSV opened where the list separator is ";" (Vietnamese Windows) starts a new cell after each ";"
# even inside our quoted comma-separated field, so a trigger right after one is neutralised too.
_CELL_STARTS_INSIDE = re.compile(r"([;\n\r])(?=[=+\-@\t\r])")


def inert_csv_text(value):
    """A CSV cell value that no spreadsheet evaluates: text gets apostrophes where a cell could start."""
    if not isinstance(value, str):
        return value
    value = _CELL_STARTS_INSIDE.sub(r"\1'", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def excel_text_entry(value):
    """A value as typed into an Excel cell so that text stays exactly this text.

    Every text gets the apostrophe prefix: Excel stores the rest unchanged (no formula, no date or
    number guessing, "001" keeps its zeros) and reading the cell back gives the text without it.
    """
    return "'" + value if isinstance(value, str) and value else value
