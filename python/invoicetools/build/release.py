r"""``invoicetools build --release DIR``: a folder an office can install from, offline.

The folder holds the invoicetools wheel, the add-in and the workbook template built from the
sources, ``wheelhouse/`` with a win_amd64 (or pure-Python) wheel of every dependency for each
supported CPython, ``install.cmd``, ``uninstall.cmd``, ``安裝說明.txt`` and ``SHA256SUMS.txt``
(``release_scripts``); ``release_check.check_release`` must find nothing wrong before the
build counts as done.

Resolving for Windows on another system: pip evaluates environment markers for the machine
it runs on, even with ``--platform`` (so on Linux it drops ``pywin32; platform_system ==
"Windows"`` and keeps ``SecretStorage; sys_platform == "linux"``). :func:`resolve` therefore
asks pip (``install --dry-run --report``, binary wheels for win_amd64 and the target Python),
walks the result with *Windows* markers, keeps what is reachable and hands what is missing back
to pip as further requirements, until nothing is. The wheels are then fetched with
``pip download`` (pinned, ``--no-deps``) and checked against the sha256 pip reported. A
pure-Python dependency published as source only (oletools needs ``win_unicode_console`` on
Windows) is built into a ``none-any`` wheel; one that would need compiling is refused.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from invoicetools.build import release_check as RC
from invoicetools.build import release_scripts
from invoicetools.build.sources import BuildError, repo_root

__all__ = ["Pin", "build_release", "resolve"]

Pip = Callable[[Sequence[str]], str]  # runs pip with these arguments, returns its stdout


def run_pip(args: Sequence[str]) -> str:
    proc = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"pip {' '.join(args[:2])} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def _target(python: str) -> list[str]:
    abi = "cp" + python.replace(".", "")
    return ["--only-binary=:all:", "--platform", RC.PLATFORM, "--python-version", python,
            "--implementation", "cp", "--abi", abi]


@dataclass(frozen=True)
class Pin:
    name: str  # canonical
    version: str
    filename: str
    sha256: str
    requires: tuple[str, ...]
    requested: bool


def _pins(report: dict[str, object]) -> dict[str, Pin]:
    from packaging.utils import canonicalize_name

    out: dict[str, Pin] = {}
    items = report.get("install")
    assert isinstance(items, list)
    for item in items:
        meta, info = item["metadata"], item["download_info"]
        name = canonicalize_name(meta["name"])
        out[name] = Pin(name, meta["version"], info["url"].rsplit("/", 1)[-1],
                        info.get("archive_info", {}).get("hashes", {}).get("sha256", ""),
                        tuple(meta.get("requires_dist") or ()), bool(item.get("requested")))
    return out


def _windows_closure(pins: dict[str, Pin], python: str) -> tuple[dict[str, Pin], list[str]]:
    """The pins reachable from the requested ones with Windows markers, and requirements none meets."""
    from packaging.utils import canonicalize_name

    def find(req: Any) -> Pin | None:
        pin = pins.get(canonicalize_name(req.name))
        return pin if pin is not None and req.specifier.contains(pin.version, prereleases=True) else None

    reached, unmet = RC.follow([p for p in pins.values() if p.requested], lambda p: p.requires, find, python)
    missing = set()
    for _, req in unmet:
        req.marker = None
        missing.add(str(req))
    return {p.name: p for p in reached}, sorted(missing)


_NO_WHEEL = re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)")


def _pure_wheel(name: str, requirements: Sequence[str], into: Path, pip: Pip) -> None:
    """Build a wheel of a pure-Python package that is published as source only (e.g. oletools'
    Windows-only win_unicode_console); refuse one that would be compiled."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    spec = next((r for r in requirements if canonicalize_name(Requirement(r).name) == canonicalize_name(name)), name)
    with tempfile.TemporaryDirectory(prefix="invoicetools-sdist-") as tmp:
        pip(["wheel", "--no-deps", "--quiet", "--no-binary", ":all:", "--wheel-dir", tmp, spec])
        built = sorted(Path(tmp).glob("*.whl"))
        if len(built) != 1 or not built[0].name.endswith("-none-any.whl"):
            raise BuildError(f"{spec} has no {RC.PLATFORM} wheel and is not pure Python: {[b.name for b in built]}")
        shutil.copy2(built[0], into / built[0].name)


def resolve(requirements: Sequence[str], python: str, local_wheels: Path, *, pip: Pip = run_pip,
            rounds: int = 8) -> list[Pin]:
    """Every wheel CPython ``python`` on 64-bit Windows needs for ``requirements`` (see the module
    docstring). A pure-Python dependency published only as source is built into ``local_wheels``."""
    extra: list[str] = []
    missing: list[str] = []
    with tempfile.TemporaryDirectory(prefix="invoicetools-resolve-") as tmp:
        for _ in range(rounds):
            try:
                out = pip(["install", "--dry-run", "--ignore-installed", "--quiet", "--report", "-",
                           "--target", tmp, "--find-links", str(local_wheels), *_target(python),
                           *requirements, *extra])
            except BuildError as exc:
                m = _NO_WHEEL.search(str(exc))
                if not m:
                    raise
                _pure_wheel(m.group(1), extra, local_wheels, pip)
                continue
            keep, missing = _windows_closure(_pins(json.loads(out)), python)
            if not missing:
                return sorted(keep.values(), key=lambda p: p.name)
            new = [m for m in missing if m not in extra]
            if not new:
                raise BuildError(f"Python {python}: pip cannot meet {missing} for {RC.PLATFORM}")
            extra += new
    raise BuildError(f"Python {python}: requirements still missing after {rounds} rounds: {missing}")


def _download(pins: Iterable[Pin], python: str, wheelhouse: Path, pip: Pip) -> None:
    wanted = [p for p in pins if not (wheelhouse / p.filename).is_file()]
    if wanted:
        pip(["download", "--no-deps", "--quiet", "--dest", str(wheelhouse), *_target(python),
             *(f"{p.name}=={p.version}" for p in wanted)])
    for p in pins:
        path = wheelhouse / p.filename
        if not path.is_file():
            raise BuildError(f"pip download did not fetch {p.filename} for Python {python}")
        if p.sha256 and RC.sha256(path) != p.sha256:
            raise BuildError(f"{p.filename}: sha256 differs from what the index reported")


def _source_tree(into: Path) -> Path:
    """A copy of what the wheel is built from (pip builds in the tree it is given)."""
    root = repo_root()
    if not (root / "pyproject.toml").is_file():
        raise BuildError(f"{root} is not the InvoiceTools source folder: a release is built from a checkout")
    into.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "InvoiceTools.xlam")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(root / name, into / name)
    for name in ("python", "addin"):
        shutil.copytree(root / name, into / name, ignore=ignore)
    return into


def _build_wheel(out: Path, pip: Pip) -> Path:
    with tempfile.TemporaryDirectory(prefix="invoicetools-wheel-") as tmp:
        source = _source_tree(Path(tmp) / "src")
        pip(["wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)])
    wheels = sorted(out.glob("invoicetools-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one invoicetools wheel, found {[w.name for w in wheels]}")
    return wheels[0]


def _write_text_files(out: Path, wheel: Path, pythons: Sequence[str]) -> None:
    from invoicetools import __version__

    (out / "install.cmd").write_bytes(release_scripts.install_cmd(wheel.name, pythons).encode("ascii"))
    (out / "uninstall.cmd").write_bytes(release_scripts.uninstall_cmd().encode("ascii"))
    (out / RC.GUIDE).write_bytes(release_scripts.guide(wheel.name, __version__, pythons).encode("utf-8"))


def _write_sums(out: Path) -> None:
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != RC.SUMS)
    (out / RC.SUMS).write_text("".join(f"{RC.sha256(out / f)}  {f}\n" for f in files), encoding="utf-8")


def build_release(out: Path, pythons: Sequence[str] = RC.SUPPORTED_PYTHONS, *, pip: Pip = run_pip,
                  progress: Callable[[str], None] = lambda _: None) -> list[str]:
    """Build the release folder ``out`` (new or empty); return ``check_release``'s problems (none: done)."""
    from invoicetools.build.product import build_xlam, build_xlsm

    unknown = [v for v in pythons if v not in RC.SUPPORTED_PYTHONS]
    if unknown:
        raise BuildError(f"unsupported Python {unknown}; supported: {', '.join(RC.SUPPORTED_PYTHONS)}")
    if out.exists() and any(out.iterdir()):
        raise BuildError(f"{out} is not empty: a release folder is built from scratch")
    out.mkdir(parents=True, exist_ok=True)
    progress("wheel")
    wheel = _build_wheel(out, pip)
    progress("add-in and workbook")
    (out / "InvoiceTools.xlam").write_bytes(build_xlam())
    (out / "InvoiceTools.xlsm").write_bytes(build_xlsm())
    wheelhouse = out / RC.WHEELHOUSE
    wheelhouse.mkdir()
    for python in pythons:
        progress(f"wheelhouse for Python {python}")
        pins = [p for p in resolve([str(wheel)], python, wheelhouse, pip=pip) if p.filename != wheel.name]
        _download(pins, python, wheelhouse, pip)
    _write_text_files(out, wheel, pythons)
    _write_sums(out)
    return RC.check_release(out, pythons)
