"""baocao: spreadsheet-first reporting for Vietnamese government offices."""

__version__ = "0.1.0"
