"""Rebuild the shipped default layouts in `workbook_templates/` from the shipped config.

Run `python -m addin.frontends.layouts` after changing `config.yaml`; a test fails while they differ.
"""

from addin.config import load_config
from addin.issue.master import MASTER_NAME, build_master
from addin.outputs.summary.layout import build_layout
from addin.outputs.summary.layout_cache import SUMMARY_LAYOUT
from addin.shipped import SHIPPED_LAYOUTS
from addin.xlsx.atomic import write_bytes_atomically


def rebuild_shipped_layouts() -> None:
    config = load_config()
    write_bytes_atomically(SHIPPED_LAYOUTS / MASTER_NAME, build_master(config))
    write_bytes_atomically(SHIPPED_LAYOUTS / SUMMARY_LAYOUT, build_layout(config))


if __name__ == "__main__":
    rebuild_shipped_layouts()
