"""Front ends: the `baocao` command, the Excel buttons and the control workbook they live in."""
