"""The look shared by every workbook baocao writes (official documents use Times New Roman)."""

from openpyxl.styles import Alignment, Border, PatternFill, Side

FONT = "Times New Roman"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
