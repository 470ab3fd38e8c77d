"""Build hook: the wheel carries `config.yaml`, `workbook_templates/` and `macros/` as `addin/_shipped/`.

They stay at the repository's top level, where staff and the README point; `addin/shipped.py` finds the
packaged copy in a normal install and the top-level originals in an editable one (nothing is copied then).
The sdist takes them through MANIFEST.in. Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("config.yaml", "workbook_templates", "macros")


class BuildWithShippedFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "addin" / "_shipped"
        target.mkdir(parents=True, exist_ok=True)
        for name in SHIPPED:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True)
            else:
                shutil.copy2(ROOT / name, target / name)


setup(cmdclass={"build_py": BuildWithShippedFiles})
