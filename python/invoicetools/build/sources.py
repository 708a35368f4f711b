"""Where the build reads its inputs: ``addin/`` (ribbon, our VBA) and the pinned xlwings package.

xlwings' own VBA (``xlwings.bas``, ``xlwings_custom_addin.bas``, ``addin/Dictionary.cls``) and
its templates are read from the installed package at build time, never copied into this
repository. The package must be the pinned version: the VBA module is stamped with it
(DLL names, AppleScript file name) and must match the Python side.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from invoicetools.build.vbaproject import Kind, Module, Project

from .. import XLWINGS_VERSION  # one place for the pinned version
from ..domain.errors import InvoiceToolsError

CONF_PROJECT_NAME = "invoicetools"  # PROJECT_NAME in both xlwings modules: invoicetools.conf
MAIN_MODULE = "InvoiceTools"  # the parameterless Subs (layout.Action.vba_sub)
RIBBON_MODULE = "InvoiceRibbon"
TEXT_MODULE = "InvoiceText"
RIBBON_FILE = "customUI14.xml"

_CLASS_BASE = '"0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'


class BuildError(InvoiceToolsError):
    """The build cannot go on (wrong xlwings version, a source that breaks a rule …)."""


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def addin_dir() -> Path:
    """``addin/`` of the repository; else ``invoicetools/addin_src`` when the package ships a copy."""
    here = repo_root() / "addin"
    if (here / RIBBON_FILE).exists():
        return here
    shipped = Path(__file__).resolve().parents[1] / "addin_src"
    if (shipped / RIBBON_FILE).exists():
        return shipped
    raise BuildError(f"the add-in sources are missing: neither {here} nor {shipped}")


def vba_dir() -> Path:
    return addin_dir() / "vba"


def xlwings_dir() -> Path:
    """The installed xlwings package directory, after checking it is the pinned version."""
    try:
        version = importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError as exc:
        raise BuildError(f"xlwings {XLWINGS_VERSION} is not installed") from exc
    if version != XLWINGS_VERSION:
        raise BuildError(f"xlwings {version} is installed; the add-in is pinned to {XLWINGS_VERSION}")
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise BuildError("xlwings is installed but cannot be located")
    return Path(spec.origin).parent


def crlf(text: str) -> str:
    """Normalise line ends to CRLF (as the VBA editor stores them), ending with one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")


def check_ascii(name: str, text: str) -> None:
    for lineno, line in enumerate(text.splitlines(), 1):
        bad = [ch for ch in line if not (ch in "\t" or " " <= ch <= "~")]
        if bad:
            raise BuildError(f"{name}, line {lineno}: non-ASCII or control characters {bad!r}")


def standard_module(path: Path) -> Module:
    """A ``.bas`` file (VBA export format: first line ``Attribute VB_Name = "…"``)."""
    text = path.read_bytes().decode("cp1252")
    match = re.match(r'Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"', text)
    if not match:
        raise BuildError(f'{path}: the first line must be Attribute VB_Name = "<module>"')
    return Module(match.group(1), Kind.STANDARD, crlf(text))


def class_module(path: Path) -> Module:
    """A ``.cls`` export, stored the way the VBA editor stores a class module.

    The export header (``VERSION 1.0 CLASS`` … ``END``) goes, ``VB_Base`` follows ``VB_Name`` and
    ``VB_TemplateDerived``/``VB_Customizable`` follow ``VB_Exposed`` (as in xlwings' templates).
    """
    lines = crlf(path.read_bytes().decode("cp1252")).split("\r\n")
    if lines and lines[0].startswith("VERSION "):
        end = lines.index("END")
        lines = lines[end + 1 :]
    out: list[str] = []
    name = ""
    for line in lines:
        out.append(line)
        if line.startswith("Attribute VB_Name = "):
            name = line.split('"')[1]
            out.append(f"Attribute VB_Base = {_CLASS_BASE}")
        elif line.startswith("Attribute VB_Exposed = "):
            out += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    if not name:
        raise BuildError(f"{path}: no Attribute VB_Name line")
    return Module(name, Kind.CLASS, "\r\n".join(out))


def document_module(name: str, template: Project, code: str = "") -> Module:
    """A document module (ThisWorkbook or a sheet).

    Without ``code``, a module the template has is its stored text exactly (so the build copies
    it whole); a new sheet module gets the attribute lines of the template's sheet module. With
    ``code``: the template's attribute lines, then the code.
    """
    same = template.find(name)
    if same is not None and same.kind is Kind.DOCUMENT and not code.strip():
        return Module(name, Kind.DOCUMENT, same.source)
    if name == "ThisWorkbook":
        proto = template.module("ThisWorkbook")
    else:
        proto = next(m for m in template.modules if m.kind is Kind.DOCUMENT and m.name != "ThisWorkbook")
    attributes = [ln for ln in proto.source.split("\r\n") if ln.startswith("Attribute ")]
    attributes[0] = f'Attribute VB_Name = "{name}"'
    body = crlf(code) if code.strip() else ""
    return Module(name, Kind.DOCUMENT, "\r\n".join(attributes) + "\r\n" + body)


def document_code(path: Path) -> str:
    """The code of a document module file (comments and code, no attribute lines)."""
    text = crlf(path.read_bytes().decode("cp1252"))
    if any(ln.startswith(("Attribute ", "VERSION ")) for ln in text.split("\r\n")):
        raise BuildError(f"{path}: a document module file holds code only (the build adds the attributes)")
    return text


def _same_text(a: str, b: str, *, ignore_case: bool = False) -> bool:
    """Equal apart from line ends (and letter case: the VBA editor re-cases identifiers)."""
    a, b = a.replace("\r\n", "\n"), b.replace("\r\n", "\n")
    return a.lower() == b.lower() if ignore_case else a == b


def _project_name_line(name: str) -> str:
    return f'Public Const PROJECT_NAME As String = "{name}"'


def xlwings_module(template: Project, *, addin: bool) -> Module:
    """xlwings' VBA module as the template stores it, with PROJECT_NAME ``invoicetools``.

    The template's text must be the pinned package's ``xlwings_custom_addin.bas`` (add-in) or
    ``xlwings.bas`` (workbook), line ends aside: that checks that the templates and the module
    come from the same xlwings release. The only change is the PROJECT_NAME line, so that the
    add-in and the workbook both read the settings ``invoicetools.conf`` (sheet, folder file,
    ``%USERPROFILE%\\.invoicetools\\invoicetools.conf``) that ``invoicetools addin install`` writes.
    """
    path = xlwings_dir() / ("xlwings_custom_addin.bas" if addin else "xlwings.bas")
    package_text = path.read_bytes().decode("cp1252")
    stored = template.module("xlwings").source
    if not _same_text(stored, package_text):
        raise BuildError(f"the template's xlwings module is not {path} (line ends aside)")
    stamp = f'Public Const XLWINGS_VERSION As String = "{XLWINGS_VERSION}"'
    if stamp not in stored:
        raise BuildError(f"{path}: {stamp!r} not found")
    old = _project_name_line("myaddin" if addin else "xlwings")
    if stored.count(old) != 1:
        raise BuildError(f"the template's xlwings module: expected exactly one {old!r}")
    if not stored.startswith('Attribute VB_Name = "xlwings"'):
        raise BuildError(f"{path}: not the xlwings module")
    return Module("xlwings", Kind.STANDARD, stored.replace(old, _project_name_line(CONF_PROJECT_NAME)))


def dictionary_module(template: Project) -> Module:
    """xlwings' Dictionary class exactly as the template stores it.

    It must be the package's ``addin/Dictionary.cls`` (as the VBA editor stores a class module),
    line ends and letter case aside (the editor stored ``Err`` as ``err``).
    """
    stored = template.module("Dictionary").source
    package = class_module(xlwings_dir() / "addin" / "Dictionary.cls")
    if not _same_text(stored, package.code, ignore_case=True):
        raise BuildError("the template's Dictionary class is not the package's addin/Dictionary.cls")
    return Module("Dictionary", Kind.CLASS, stored)


@dataclass(frozen=True)
class Templates:
    """The pinned xlwings templates: the standalone workbook and the ribbon add-in."""

    xlsm: Path
    xlam: Path


def templates() -> Templates:
    folder = xlwings_dir()
    return Templates(folder / "quickstart_standalone.xlsm", folder / "quickstart_addin_ribbon.xlam")


def template_project(package: Path) -> Project:
    """The parsed vbaProject.bin inside an xlsm/xlam."""
    import zipfile

    from invoicetools.build.vbaproject import read_project

    with zipfile.ZipFile(package) as z:
        return read_project(z.read("xl/vbaProject.bin"))


# --------------------------------------------------------------------------------------------
# our VBA: the subset that both Excel and LibreOffice compile
# --------------------------------------------------------------------------------------------

_PROCEDURE = re.compile(
    r"^[ \t]*(?:(?:Public|Private|Friend)[ \t]+)?(?:Static[ \t]+)?"
    r"(Sub|Function|Property[ \t]+(?:Get|Let|Set))[ \t]+([A-Za-z][A-Za-z0-9_]*)[ \t]*\(([^)]*)\)",
    re.IGNORECASE | re.MULTILINE,
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^[ \t]*#", re.MULTILINE),
        "conditional compilation (#If/#Const): LibreOffice compiles every branch",
    ),
    (re.compile(r"\b(PtrSafe|LongPtr|LongLong)\b", re.IGNORECASE), "PtrSafe/LongPtr/LongLong"),
    (re.compile(r"^[ \t]*(?:(?:Public|Private)[ \t]+)?Enum\b", re.IGNORECASE | re.MULTILINE), "Enum"),
    (re.compile(r"\bDeclare\b", re.IGNORECASE), "Declare (needs PtrSafe in 64-bit Office)"),
)


def code_only(text: str) -> str:
    """``text`` without comments (``'`` outside string literals, ``Rem``)."""
    out = []
    for line in text.splitlines():
        in_string = False
        cut = len(line)
        for i, ch in enumerate(line):
            if ch == '"':
                in_string = not in_string
            elif ch == "'" and not in_string:
                cut = i
                break
        line = line[:cut]
        if re.match(r"^[ \t]*Rem\b", line, re.IGNORECASE):
            line = ""
        out.append(line)
    return "\n".join(out)


@dataclass(frozen=True)
class Procedure:
    kind: str  # Sub, Function, Property Get …
    name: str
    parameters: tuple[str, ...]


def procedures(text: str) -> list[Procedure]:
    found = []
    for m in _PROCEDURE.finditer(code_only(text)):
        params = tuple(p.strip() for p in m.group(3).split(",") if p.strip())
        found.append(Procedure(re.sub(r"[ \t]+", " ", m.group(1)), m.group(2), params))
    return found


def lint_vba(name: str, text: str) -> list[str]:
    """Rule breaks in one of our modules: ASCII only and the LibreOffice/Excel common subset."""
    problems = []
    try:
        check_ascii(name, text)
    except BuildError as exc:
        problems.append(str(exc))
    code = code_only(text)
    for pattern, what in _RULES:
        for m in pattern.finditer(code):
            lineno = code.count("\n", 0, m.start()) + 1
            problems.append(f"{name}, line {lineno}: {what}")
    names = [p.name.lower() for p in procedures(text) if not p.kind.startswith("Property")]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{name}: procedure {dup} is defined more than once")
    return problems
