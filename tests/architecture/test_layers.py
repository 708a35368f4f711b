"""The house rules of ../shared/DESIGN.md "Layers", checked on every module's imports.

Arrows only point down this list: excel/cli → actions → steps → sources → mig → book → domain
(steps, sources and mig are one tier; within it the list order holds). Apart from the list:

* ``build/`` builds the .xlsm/.xlam: it imports only book/, domain/ and the package root,
  and only cli/ imports it (the ``build``, ``new`` and ``addin`` commands); no action does.
* ``demo/`` is sample data: it imports only domain/; only cli/ (the demo command) imports it.
* the package root (``invoicetools/__init__.py``: the version numbers) is for everyone.

Every import counts — at the top, inside a function, or for type checking only — because a
lazy import is still an arrow. A new package must be placed here before it can be used.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "invoicetools"
RANK = {"excel": 0, "cli": 0, "actions": 1, "steps": 2, "sources": 3, "mig": 4, "book": 5, "domain": 6}
APART = {
    "build": {"imports": {"book", "domain"}, "imported_by": {"cli"}},
    "demo": {"imports": {"domain"}, "imported_by": {"cli"}},
}
LAYER_LINE = "excel/cli → actions → steps/sources/mig → book → domain"


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path))
    return out


def _imports(name: str, path: Path) -> list[tuple[int, str]]:
    """(line, module) of every invoicetools import of the file, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [_submodule_or(target, a.name) for a in node.names]
            else:
                names = [node.module or ""]
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, n) for line, n in found if n == "invoicetools" or n.startswith("invoicetools.")]


def _submodule_or(package: str, name: str) -> str:
    """``package.name`` when that is a module or package (``from .. import steps``), else ``package``."""
    folder = PACKAGE.parent.joinpath(*package.split("."))
    is_module = (folder / name).is_dir() or (folder / f"{name}.py").is_file()
    return f"{package}.{name}" if is_module else package


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _wrong(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported`` (None when it may)."""
    a, b = _area(importer), _area(imported)
    if b in ("", a) or (a == "" and b == ""):
        return None
    if a == "":
        return "the package root imports nothing of the layers"
    for name, rule in APART.items():
        if b == name and a not in rule["imported_by"]:
            return f"only {', '.join(sorted(rule['imported_by']))} may import {name}/"
        if a == name and b not in rule["imports"]:
            return f"{name}/ may import only {', '.join(sorted(rule['imports']))}"
    if a in APART or b in APART:
        return None
    if a not in RANK or b not in RANK:
        return f"{a or b}/ is not placed in the layer list (tests/architecture/test_layers.py)"
    if RANK[a] < RANK[b]:
        return None
    return f"{a}/ may not import {b}/: arrows point down excel/cli → actions → steps → sources → mig → book → domain"


def test_every_import_points_down_the_layer_list() -> None:
    problems = []
    for name, path in _modules():
        for line, imported in _imports(name, path):
            why = _wrong(name, imported)
            if why:
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {name} → {imported}: {why}")
    assert problems == []


@pytest.mark.parametrize(("importer", "imported", "allowed"), [
    ("invoicetools.excel.upload", "invoicetools.actions.upload_check", True),
    ("invoicetools.actions.gaps", "invoicetools.steps.gaps", True),
    ("invoicetools.sources.status", "invoicetools.mig.results", True),
    ("invoicetools.steps.allocation", "invoicetools.book.io", True),
    ("invoicetools.cli.build", "invoicetools.build", True),
    ("invoicetools.book.xlwings_io", "invoicetools.actions.base", False),
    ("invoicetools.excel._entry", "invoicetools.cli._common", False),
    ("invoicetools.actions.batch", "invoicetools.cli", False),
    ("invoicetools.actions.doctor", "invoicetools.build.product", False),
    ("invoicetools.build.docs", "invoicetools.actions.export", False),
    ("invoicetools.demo.sample", "invoicetools.book.layout", False),
    ("invoicetools.mig.e0402", "invoicetools.steps.blanks", False),
    ("invoicetools.domain.ranges", "invoicetools.book.io", False),
    ("invoicetools.newthing.x", "invoicetools.domain.ranges", False),
])
def test_the_rule_itself(importer: str, imported: str, allowed: bool) -> None:
    """The checker says no to the arrows this house once had, and yes to the ones it wants."""
    assert (_wrong(importer, imported) is None) is allowed


@pytest.mark.parametrize("package", sorted({n for n, p in _modules() if p.name == "__init__.py" and n.count(".") == 1}))
def test_each_package_says_where_it_stands(package: str) -> None:
    """Each package's docstring carries DESIGN's layer line, so a reader knows what it may import."""
    path = PACKAGE.parent.joinpath(*package.split(".")) / "__init__.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    area = _area(package)
    if area in APART:
        assert "DESIGN" in doc and "Layers" in doc, package
    else:
        assert LAYER_LINE in doc, package
