"""An action asks the workbook and the host what the protocols promise, never what they are.

Issue 13: ``prefetch``/``read_columns`` were found with ``getattr`` and Excel-only abilities by
``isinstance`` on a backend. Both are gone; this keeps them gone: no module above book/ tests a
workbook backend's class or probes an attribute of a workbook or host by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "invoicetools"
ABOVE_BOOK = ("actions", "steps", "sources", "mig", "cli", "excel")
BACKENDS = {"FileBook", "XlwingsBook", "MemoryBook", "SavedWorkbook", "WorkbookIO", "Host"}
HANDLES = {"io", "host", "book"}  # ctx.io, ctx.host, self.io, io, book …


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)) or not node.args:
            continue
        where = f"{path.relative_to(path.parents[2])}:{node.lineno}"
        if node.func.id == "isinstance" and len(node.args) == 2:
            kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            if any(_name(k) in BACKENDS for k in kinds):
                found.append(f"{where}: isinstance on a workbook backend or host")
        if node.func.id in ("getattr", "hasattr") and _name(node.args[0]) in HANDLES:
            found.append(f"{where}: {node.func.id} probing a workbook or host")
    return found


@pytest.mark.parametrize("area", ABOVE_BOOK)
def test_no_backend_class_tests_and_no_attribute_probing(area: str) -> None:
    offences = [o for path in sorted((PACKAGE / area).rglob("*.py")) for o in _offences(path)]
    assert offences == []


def test_the_scan_finds_both_kinds(tmp_path: Path) -> None:
    sample = tmp_path / "invoicetools" / "actions" / "probe.py"
    sample.parent.mkdir(parents=True)
    sample.write_text("def f(ctx):\n    if isinstance(ctx.io, FileBook):\n        pass\n"
                      "    return getattr(ctx.io, 'prefetch', None)\n", encoding="utf-8")
    assert len(_offences(sample)) == 2
