r"""Checks of a release folder (``invoicetools build --release DIR``): can an office PC install from it offline?

``check_release(folder)`` lists every problem (empty when the folder is fine):

* the files: exactly one ``invoicetools-*.whl``, ``InvoiceTools.xlam``, ``InvoiceTools.xlsm``,
  ``install.cmd``, ``uninstall.cmd``, ``安裝說明.txt``, ``SHA256SUMS.txt`` matching every file;
* the wheelhouse: for every supported Python (CPython on 64-bit Windows), every requirement of
  invoicetools, and of what it pulls in, evaluated with *Windows* markers (``sys_platform ==
  "win32"`` …, extras followed), is met by a wheel in ``wheelhouse/`` whose tags that Python
  installs; no wheel there is for another platform;
* the scripts: ASCII, CRLF line ends, and they run only what the folder holds: the commands are
  cmd built-ins, the ``py`` launcher (the one prerequisite, for ``-m venv``), and the venv the
  script makes; every ``%HERE%`` file exists; pip runs with ``--no-index`` from the wheelhouse.

>>> windows_markers("3.12")["sys_platform"], windows_markers("3.12")["python_full_version"]
('win32', '3.12.0')
>>> sorted(str(t) for t in target_tags("3.11") if t.platform == "win_amd64")[:2]
['cp311-abi3-win_amd64', 'cp311-cp311-win_amd64']
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from typing import Any, TypeVar

SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")  # CPython, 64-bit Windows (requires-python >= 3.11)
PLATFORM = "win_amd64"
WHEELHOUSE = "wheelhouse"
GUIDE = "安裝說明.txt"
SUMS = "SHA256SUMS.txt"
SCRIPTS = ("install.cmd", "uninstall.cmd")
FIXED_FILES = ("InvoiceTools.xlam", "InvoiceTools.xlsm", *SCRIPTS, GUIDE)

# what a script may run: cmd built-ins, the py launcher and the venv it makes from this folder
CMD_BUILTINS = {
    "@echo", "echo", "echo.", "setlocal", "endlocal", "set", "if", "for", "goto", "exit", "rem", "pause",
    "rmdir", "call", "title", "chcp", "(", ")",
}
LAUNCHER = "py"
VENV_PROGRAMS = ('"%VENV%\\Scripts\\python.exe"', '"%VENV%\\Scripts\\invoicetools.exe"')


def windows_markers(python: str) -> dict[str, str]:
    """The marker environment of CPython ``python`` on 64-bit Windows (PEP 508)."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "nt",
        "platform_machine": "AMD64",
        "platform_python_implementation": "CPython",
        "platform_release": "10",
        "platform_system": "Windows",
        "platform_version": "10.0.19045",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "win32",
    }


def target_tags(python: str) -> set[Any]:
    """The wheel tags pip on CPython ``python`` for win_amd64 installs."""
    from packaging import tags

    major, minor = (int(x) for x in python.split("."))
    abi = f"cp{major}{minor}"
    found = set(tags.cpython_tags((major, minor), abis=[abi, "abi3", "none"], platforms=[PLATFORM]))
    found |= set(tags.compatible_tags((major, minor), interpreter=abi, platforms=[PLATFORM]))
    return found


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str  # canonical
    version: Any  # packaging.version.Version
    tags: frozenset[Any]
    requires: tuple[str, ...]

    @staticmethod
    def read(path: Path) -> Wheel:
        from packaging.utils import canonicalize_name, parse_wheel_filename

        name, version, _build, tags = parse_wheel_filename(path.name)
        with zipfile.ZipFile(path) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
            headers = Parser().parsestr(z.read(meta).decode("utf-8"))
        return Wheel(path, canonicalize_name(name), version, frozenset(tags), tuple(headers.get_all("Requires-Dist") or ()))


T = TypeVar("T")


def follow(
    roots: Iterable[T],
    requires: Callable[[T], Iterable[str]],
    find: Callable[[Any], T | None],
    python: str,
) -> tuple[list[T], list[tuple[T, Any]]]:
    """Walk requirements from ``roots`` as pip on CPython ``python`` for 64-bit Windows would:
    markers evaluated for Windows, extras followed. ``find(requirement)`` gives what meets a
    requirement (or None). Returns what was reached and the (needer, requirement) pairs unmet."""
    from packaging.requirements import Requirement

    markers = windows_markers(python)
    reached: list[T] = []
    unmet: list[tuple[T, Any]] = []
    todo: list[tuple[T, frozenset[str]]] = [(r, frozenset()) for r in roots]
    seen: set[tuple[int, frozenset[str]]] = set()
    while todo:
        item, extras = todo.pop()
        if (id(item), extras) in seen:
            continue
        seen.add((id(item), extras))
        if item not in reached:
            reached.append(item)
        for line in requires(item):
            req = Requirement(line)
            if req.marker is not None and not any(
                req.marker.evaluate({**markers, "extra": extra}) for extra in (extras or {""})
            ):
                continue
            found = find(req)
            if found is None:
                unmet.append((item, req))
            else:
                todo.append((found, frozenset(req.extras)))
    return reached, unmet


def missing_requirements(root: Wheel, wheels: Iterable[Wheel], python: str) -> list[str]:
    """Requirements (followed from ``root`` with Windows markers) no wheel of ``wheels`` meets for ``python``."""
    from packaging.utils import canonicalize_name

    usable: dict[str, list[Wheel]] = {}
    tags = target_tags(python)
    for w in wheels:
        if w.tags & tags:
            usable.setdefault(w.name, []).append(w)

    def find(req: Any) -> Wheel | None:
        match = [w for w in usable.get(canonicalize_name(req.name), []) if req.specifier.contains(w.version, prereleases=True)]
        return max(match, key=lambda w: w.version) if match else None

    _, unmet = follow([root], lambda w: w.requires, find, python)
    return [f"Python {python}: {w.name} needs {req} — no {PLATFORM} wheel for it in {WHEELHOUSE}/" for w, req in unmet]


# --------------------------------------------------------------------------------------------
# scripts
# --------------------------------------------------------------------------------------------
def _logical_lines(text: str) -> list[tuple[int, str]]:
    return [(i, ln.strip()) for i, ln in enumerate(text.split("\r\n"), 1) if ln.strip()]


def script_problems(name: str, data: bytes, folder: Path, wheel_name: str) -> list[str]:
    problems = []
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return [f"{name}: not ASCII (cmd.exe reads scripts in the OEM code page)"]
    bare = text.replace("\r\n", "")
    if "\n" in bare or "\r" in bare or not text.endswith("\r\n"):
        problems.append(f"{name}: line ends must all be CRLF")
    for lineno, line in _logical_lines(text):
        problems += [f"{name}, line {lineno}: {p}" for p in _command_problems(line, folder, wheel_name)]
    return problems


def _commands(line: str) -> list[str]:
    """The commands of a line: split at && / || / |, after ``if …``/``for … do`` heads and parentheses."""
    out = []
    for part in re.split(r"&&|\|\||(?<![>|])\|(?![|])", line):
        part = part.strip().lstrip("(").strip()
        while True:
            m = re.match(r"(?i)^if\s+(?:not\s+)?(?:defined\s+\S+|exist\s+(?:\"[^\"]*\"|\S+)|errorlevel\s+\d+|\S+==\S+)\s*\(?\s*", part)
            n = re.match(r"(?i)^for\s+.*?\s+do\s*\(?\s*", part)
            if m and m.end() < len(part):
                part = part[m.end():]
            elif n:
                part = part[n.end():]
            else:
                break
        part = part.rstrip(")").strip()
        if part:
            out.append(part)
    return out


def _command_problems(line: str, folder: Path, wheel_name: str) -> list[str]:
    if re.match(r"(?i)^(rem\b|::|:\w)", line):
        return []
    problems = []
    echo = re.match(r"(?i)^@?echo\b", line)
    for command in ([] if echo else _commands(line)):
        word = command.split()[0].lower() if not command.startswith('"') else command.split('"')[1]
        head = command if command.startswith('"') else word
        if word in CMD_BUILTINS or head.lower() in CMD_BUILTINS:
            continue
        if word == LAUNCHER:
            if not re.match(r"py -(?:3\.\d+|%%\w|%\w+%)-64 (?:-m venv |-c )", command):
                problems.append(f"the py launcher only makes the venv (or probes a version): {command}")
            continue
        if not any(command.startswith(p) for p in VENV_PROGRAMS):
            problems.append(f"runs something the folder does not hold: {command}")
            continue
        if "pip install" in command and ("--no-index" not in command or f'"%HERE%{WHEELHOUSE}"' not in command):
            problems.append(f"pip must install offline from {WHEELHOUSE}/ (--no-index --find-links): {command}")
    if not echo and re.search(r"https?://", line):
        problems.append("reaches the internet")
    for ref in re.findall(r"%HERE%([^\"%\s]+)", line):
        if not (folder / ref).exists():
            problems.append(f"%HERE%{ref} is not in the folder")
        elif ref.endswith(".whl") and ref != wheel_name:
            problems.append(f"installs {ref}, the folder's wheel is {wheel_name}")
    return problems


# --------------------------------------------------------------------------------------------
# the folder
# --------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _sums_problems(folder: Path) -> list[str]:
    sums = folder / SUMS
    if not sums.is_file():
        return [f"{SUMS} is missing"]
    listed = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != SUMS}
    problems = [f"{SUMS}: {name} is not listed" for name in sorted(files - set(listed))]
    problems += [f"{SUMS}: {name} is listed but missing" for name in sorted(set(listed) - files)]
    problems += [f"{SUMS}: {name} does not match" for name in sorted(files & set(listed))
                 if sha256(folder / name) != listed[name]]
    return problems


def check_release(folder: Path, pythons: Iterable[str] = SUPPORTED_PYTHONS) -> list[str]:
    """Every problem of a release folder (see the module docstring); empty when it is fine."""
    problems = [f"{name} is missing" for name in FIXED_FILES if not (folder / name).is_file()]
    ours = sorted(folder.glob("invoicetools-*.whl"))
    if len(ours) != 1:
        return [*problems, f"expected one invoicetools-*.whl in {folder}, found {[p.name for p in ours]}"]
    root = Wheel.read(ours[0])
    house = sorted((folder / WHEELHOUSE).glob("*.whl"))
    wheels = [Wheel.read(p) for p in house]
    for w in wheels:
        platforms = {t.platform for t in w.tags}
        if platforms - {"any", PLATFORM}:
            problems.append(f"{WHEELHOUSE}/{w.path.name} is for {sorted(platforms - {'any'})}, not {PLATFORM}")
    for python in pythons:
        problems += missing_requirements(root, wheels, python)
    for name in SCRIPTS:
        if (folder / name).is_file():
            problems += script_problems(name, (folder / name).read_bytes(), folder, ours[0].name)
    guide = folder / GUIDE
    if guide.is_file():
        text = guide.read_bytes().decode("utf-8-sig")
        for needed in (*SCRIPTS, *(f"3.{v.split('.')[1]}" for v in pythons)):
            if needed not in text:
                problems.append(f"{GUIDE} does not mention {needed}")
    return problems + _sums_problems(folder)
