"""Ship the add-in sources (addin/: ribbon XML, VBA, customUI schemas) inside the package as
``invoicetools/addin_src`` so that an installed wheel can build workbooks (``invoicetools new``).
Everything else is configured in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("customUI14.xml", "vba", "schemas")


class BuildWithAddinSources(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "invoicetools" / "addin_src"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name in SHIPPED:
            src = ROOT / "addin" / name
            if src.is_dir():
                shutil.copytree(src, target / name)
            elif src.exists():
                shutil.copy2(src, target / name)


setup(cmdclass={"build_py": BuildWithAddinSources})
