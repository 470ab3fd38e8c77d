"""The small kit every workbook writer shares."""
