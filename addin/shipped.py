"""Where the files shipped with baocao live: the default config, the default layouts, the VBA sources.

They stay at the repository's top level (staff and the README point there). A wheel carries a copy
inside the package, `addin/_shipped/` (made by setup.py); an editable install or a plain checkout has
none and uses the repository's own. This module is the one place that knows it.
"""

from importlib.resources import files
from pathlib import Path

_PACKAGED = files("addin") / "_shipped"

SHIPPED_ROOT = Path(str(_PACKAGED)) if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = SHIPPED_ROOT / "config.yaml"
SHIPPED_LAYOUTS = SHIPPED_ROOT / "workbook_templates"
SHIPPED_MACROS = SHIPPED_ROOT / "macros"
