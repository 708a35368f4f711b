"""Shared fixtures: the release build, the LibreOffice test variant and the harness runner."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from invoicetools.build import product
from invoicetools.build import sources as S
from invoicetools.build.vbaproject import Module

HERE = Path(__file__).parent
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The release build, written once per session."""
    return product.write(tmp_path_factory.mktemp("release"))


def stub_modules() -> dict[str, Module]:
    return {
        "xlwings": S.standard_module(HERE / "vba" / "xlwings_stub.bas"),
        "Dictionary": S.class_module(HERE / "vba" / "Dictionary_stub.cls"),
    }


@pytest.fixture(scope="session")
def test_variant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same build with xlwings' module replaced by a stub that records RunPython's command."""
    return product.write(tmp_path_factory.mktemp("lo-test"), replace=stub_modules())


def libreoffice_missing() -> str | None:
    if shutil.which("soffice") is None:
        return "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui python3-uno"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    if probe.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import uno: apt-get install python3-uno"
    return None


@pytest.fixture(scope="session")
def run_libreoffice(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """Run tests/build/lo_harness.py under the system python3 on a list of document specs."""
    reason = libreoffice_missing()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("lo-spec")

    def run(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        spec = folder / "spec.json"
        spec.write_text(json.dumps({"documents": documents}, ensure_ascii=False), encoding="utf-8")
        proc = subprocess.run(
            [SYSTEM_PYTHON, str(HERE / "lo_harness.py"), str(spec)], capture_output=True, timeout=180
        )
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        report = json.loads(proc.stdout)
        assert "error" not in report, report["error"]
        for doc in report["documents"]:
            assert "error" not in doc, doc
        docs: list[dict[str, Any]] = report["documents"]
        return docs

    return run
