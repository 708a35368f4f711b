"""Every difference between a built VBA project and the xlwings template it is shaped on.

``compare(built, template)`` returns one :class:`Difference` per difference, each with a stable
``key`` (``"module added: InvoiceTools"``, ``"project name"``, ``"module source: xlwings"`` …).
``addin/README.md`` lists the keys each build is allowed, with the reason for each; the tests
require the two lists to be equal, so a difference nobody wrote down fails the build tests and
so does a listed one that went away.

What is compared ([MS-OVBA] 2.2, 2.3): the Compound File header version, the streams that are
not module streams, ``_VBA_PROJECT``, the ``dir`` records (project information and references
byte for byte; the module count; each module's records and stream), the module order, and the
``PROJECT`` and ``PROJECTwm`` streams. A module the template also has must be stored exactly as
the template stores it (stream and records, cookie included) unless its source changed; then
only its MODULEOFFSET may differ (0: the new source is stored without a cache). A new module
must carry the records of a template module of its kind, MODULEOFFSET 0 and MODULECOOKIE 0xFFFF.

>>> compress_sheet_runs(["InvoiceTools", "Sheet3", "Sheet4", "Sheet5", "Sheet7"])
['InvoiceTools', 'Sheet3..Sheet5', 'Sheet7']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from invoicetools.build import vbaproject as V


@dataclass(frozen=True)
class Difference:
    key: str  # stable name of the difference, as listed in addin/README.md
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.key}: {self.detail}" if self.detail else self.key


def compress_sheet_runs(names: Iterable[str]) -> list[str]:
    """Names in order, with runs of three or more consecutive ``SheetN`` written ``SheetA..SheetB``."""
    out: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if len(run) >= 3:
            out.append(f"Sheet{run[0]}..Sheet{run[-1]}")
        else:
            out.extend(f"Sheet{n}" for n in run)
        run.clear()

    for name in names:
        m = re.fullmatch(r"Sheet(\d+)", name)
        if m and (not run or int(m.group(1)) == run[-1] + 1):
            run.append(int(m.group(1)))
            continue
        flush()
        if m:
            run.append(int(m.group(1)))
        else:
            out.append(name)
    flush()
    return out


def _container(built: V.Project, template: V.Project) -> list[Difference]:
    diffs = []
    if built.cfb_version != template.cfb_version:
        diffs.append(Difference("CFB header version", f"{built.cfb_version} != {template.cfb_version}"))
    module_b = {"VBA/" + m.name for m in built.modules}
    module_t = {"VBA/" + m.name for m in template.modules}
    other_b = sorted(s for s in built.streams if s not in module_b)
    other_t = sorted(s for s in template.streams if s not in module_t)
    if other_b != other_t:
        diffs.append(Difference("stream set", f"{other_b} != {other_t}"))
    for missing in sorted(module_b - set(built.streams)):
        diffs.append(Difference("stream set", f"module stream {missing} is missing"))
    if built.vba_project != template.vba_project:
        diffs.append(Difference("_VBA_PROJECT", f"{built.vba_project.hex()} != {template.vba_project.hex()}"))
    return diffs


def _dir_head(built: V.Project, template: V.Project) -> list[Difference]:
    diffs = []
    if [r.id for r in built.head] != [r.id for r in template.head]:
        return [Difference("dir head record ids", "the project information/reference records differ")]
    for rb, rt in zip(built.head, template.head, strict=True):
        if rb == rt:
            continue
        if rb.id == V.PROJECTNAME:
            diffs.append(Difference("project name", f"{template.name} -> {built.name}"))
        elif rb.id == V.PROJECTMODULES:
            count = int.from_bytes(rb.data, "little")
            if count != len(built.modules):
                diffs.append(Difference("module count", f"PROJECTMODULES {count}, {len(built.modules)} modules"))
        else:
            diffs.append(Difference(f"dir head record {rb.id:#06x}", f"{rb.data!r} != {rt.data!r}"))
    if built.tail != template.tail:
        diffs.append(Difference("dir tail", f"{built.tail} != {template.tail}"))
    return diffs


def _record_value(records: Sequence[V.Record], rid: int) -> int:
    return int.from_bytes(V._record(records, rid).data, "little")


def _new_module(m: V.TemplateModule, template: V.Project) -> list[Difference]:
    proto = V.prototype(template, V.Module(m.name, m.kind, f'Attribute VB_Name = "{m.name}"\r\n'))
    names = {V.MODULENAME, V.MODULENAMEUNICODE, V.MODULESTREAMNAME, V.MODULESTREAMNAMEUNICODE}
    expected = {
        V.MODULEDOCSTRING: b"",
        V.MODULEDOCSTRINGUNICODE: b"",
        V.MODULEOFFSET: (0).to_bytes(4, "little"),
        V.MODULECOOKIE: V.NEW_MODULE_COOKIE.to_bytes(2, "little"),
    }
    ok = [r.id for r in m.records] == [r.id for r in proto.records]
    for rb, rt in zip(m.records, proto.records, strict=False):
        if rb.id in names:
            continue
        want = expected.get(rb.id, rt.data)
        ok = ok and rb.data == want
    return [] if ok else [Difference(f"module records: {m.name}", f"not the records of {proto.name} for a new module")]


def _kept_module(m: V.TemplateModule, t: V.TemplateModule) -> list[Difference]:
    if m.kind is not t.kind:
        return [Difference(f"module kind: {m.name}", f"{t.kind.value} -> {m.kind.value}")]
    if m.source == t.source:
        diffs = []
        if m.records != t.records:
            diffs.append(Difference(f"module records: {m.name}", "not the template's records"))
        if m.stream != t.stream:
            diffs.append(Difference(f"module stream: {m.name}", "not the template's stream"))
        return diffs
    diffs = [Difference(f"module source: {m.name}")]
    strip = V.MODULEOFFSET
    if [r for r in m.records if r.id != strip] != [r for r in t.records if r.id != strip]:
        diffs.append(Difference(f"module records: {m.name}", "not the template's records"))
    if _record_value(m.records, V.MODULEOFFSET) != 0:
        diffs.append(Difference(f"module records: {m.name}", "MODULEOFFSET is not 0 for a changed source"))
    return diffs


def _modules(built: V.Project, template: V.Project) -> list[Difference]:
    diffs: list[Difference] = []
    kept = [m.name for m in built.modules if template.find(m.name) is not None]
    added = [m.name for m in built.modules if template.find(m.name) is None]
    removed = [t.name for t in template.modules if built.find(t.name) is None]
    diffs += [Difference(f"module removed: {name}") for name in removed]
    diffs += [Difference(f"module added: {name}") for name in compress_sheet_runs(added)]
    if kept != [t.name for t in template.modules if t.name in kept]:
        diffs.append(Difference("module order", f"{kept}"))
    for m in built.modules:
        t = template.find(m.name)
        diffs += _new_module(m, template) if t is None else _kept_module(m, t)
    return diffs


def _project_stream(built: V.Project, template: V.Project) -> list[Difference]:
    diffs: list[Difference] = []

    def split(p: V.Project) -> tuple[list[str], list[str], dict[str, str], str]:
        modules, other, workspace, name = [], [], {}, ""
        in_workspace = False
        names = {m.name for m in p.modules}
        for line in p.project_lines:
            key, _, value = line.partition("=")
            if line.startswith("["):
                in_workspace = line == "[Workspace]"
                other.append(line)
            elif in_workspace and key in names:
                workspace[key] = value
            elif key in V.MODULE_LINE_KEYS:
                modules.append(line)
            elif key == "Name":
                name = line
            else:
                other.append(line)
        return modules, other, workspace, name

    mod_b, other_b, ws_b, name_b = split(built)
    _, other_t, ws_t, name_t = split(template)
    kinds = {V.Kind.DOCUMENT: "Document={}/&H00000000", V.Kind.STANDARD: "Module={}", V.Kind.CLASS: "Class={}"}
    if mod_b != [kinds[m.kind].format(m.name) for m in built.modules]:
        diffs.append(Difference("PROJECT module lines", "not one line per module, in module order"))
    if name_b != name_t and name_b != f'Name="{built.name}"':
        diffs.append(Difference("PROJECT Name", f"{name_b} does not name the project {built.name}"))
    if other_b != other_t:
        diffs.append(Difference("PROJECT lines", f"{other_b} != {other_t}"))
    for m in built.modules:
        want = ws_t.get(m.name) if template.find(m.name) is not None else "0, 0, 0, 0, C"
        if ws_b.get(m.name) != want:
            diffs.append(Difference(f"PROJECT [Workspace]: {m.name}", f"{ws_b.get(m.name)!r} != {want!r}"))
    wm = b"".join(
        m.name.encode(built.codepage) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in built.modules
    ) + b"\0\0"
    if built.project_wm != wm:
        diffs.append(Difference("PROJECTwm", "not the module names of the project"))
    return diffs


def compare(built: V.Project, template: V.Project) -> list[Difference]:
    """Every difference between ``built`` and ``template`` (see the module docstring)."""
    return (
        _container(built, template)
        + _dir_head(built, template)
        + _modules(built, template)
        + _project_stream(built, template)
    )


def keys(differences: Iterable[Difference]) -> list[str]:
    """The distinct keys, in order."""
    return list(dict.fromkeys(d.key for d in differences))
