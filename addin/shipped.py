"""Where the files shipped with baocao live: the default config, the default layouts, the VBA sources.

They stay at the repository's top level (staff and the README point there); this module is the one
place that knows it.
"""

from pathlib import Path

SHIPPED_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = SHIPPED_ROOT / "config.yaml"
SHIPPED_LAYOUTS = SHIPPED_ROOT / "workbook_templates"
SHIPPED_MACROS = SHIPPED_ROOT / "macros"
