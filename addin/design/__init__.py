"""The design workbook: a campaign's `config.yaml` as an Excel workbook staff fill in, and back.

`export` writes it, `importing` reads it back into a validated config (every problem with its sheet, row
and column), `yaml_write` writes `config.yaml` keeping its comments and key order.
"""
