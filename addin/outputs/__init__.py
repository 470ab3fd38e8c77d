"""Outputs: the findings workbook, feedback copies, tidy data and the official summary."""
