"""baocao: spreadsheet-first reporting for Vietnamese government offices."""

import os

# python-docx (the báo cáo) brings lxml, and openpyxl switches its XML reader and writer to lxml when it finds it:
# a full disk then raises lxml's SerialisationError (no OSError, so not said plainly), and returns would be parsed
# by another parser than the one they were tested with. openpyxl stays on the standard library's XML, as before.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
