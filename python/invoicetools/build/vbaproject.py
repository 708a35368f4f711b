"""vbaProject.bin from text, shaped on the pinned xlwings template's own vbaProject.bin.

xlwings' shipped templates (``quickstart_standalone.xlsm``, ``quickstart_addin_ribbon.xlam``)
are known to run in Excel for many users, so the project written here changes as little of
such a template as possible ([MS-OVBA] section numbers in brackets):

* the stream set stays: ``VBA/dir``, ``VBA/_VBA_PROJECT``, one stream per module,
  ``PROJECT``, ``PROJECTwm`` (2.2); ``_VBA_PROJECT`` is copied byte for byte (its version
  0xFFFF tells Office to ignore any cache and compile from source, 2.3.4.1);
* the ``dir`` stream keeps every record of the template in the same order (2.3.4.2):
  project information and references byte for byte, apart from PROJECTNAME and the module
  count; each module gets the record sequence of the template module of the same kind
  (the same module when it is one of xlwings' own), with its names, MODULEOFFSET 0 (no
  performance cache, the source starts the stream) and MODULECOOKIE 0xFFFF (the value the
  specification asks writers to use);
* ``PROJECT`` keeps the template's lines (ID, CMG/DPB/GC protection state, host extender)
  and only replaces the module lines, ``Name=`` and the ``[Workspace]`` lines (2.3.1);
* each module stream is the source text, compressed (2.4.1), line ends CRLF.

``compare()`` lists every difference between a built project and the template; the tests
require that only the intended ones remain.
"""

from __future__ import annotations

import enum
import io
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from invoicetools.build import cfb
from invoicetools.build.ovba_compression import compress, decompress

# dir record ids ([MS-OVBA] 2.3.4.2)
PROJECTNAME = 0x0004
PROJECTCODEPAGE = 0x0003
PROJECTVERSION = 0x0009
PROJECTMODULES = 0x000F
PROJECTCOOKIE = 0x0013
MODULENAME = 0x0019
MODULENAMEUNICODE = 0x0047
MODULESTREAMNAME = 0x001A
MODULESTREAMNAMEUNICODE = 0x0032
MODULEDOCSTRING = 0x001C
MODULEDOCSTRINGUNICODE = 0x0048
MODULEOFFSET = 0x0031
MODULECOOKIE = 0x002C
MODULETYPE_PROCEDURAL = 0x0021
MODULETYPE_OTHER = 0x0022  # document and class modules
MODULE_TERMINATOR = 0x002B
DIR_TERMINATOR = 0x0010

_MODULE_LINE_KEYS = ("Document", "Module", "Class", "BaseClass", "Package")


class Kind(enum.Enum):
    DOCUMENT = "document"
    STANDARD = "standard"
    CLASS = "class"

    @property
    def type_record(self) -> int:
        return MODULETYPE_PROCEDURAL if self is Kind.STANDARD else MODULETYPE_OTHER


@dataclass(frozen=True)
class Record:
    id: int
    data: bytes

    def dump(self) -> bytes:
        # PROJECTVERSION says size 4 but carries 6 bytes (major u32, minor u16)
        size = 4 if self.id == PROJECTVERSION else len(self.data)
        return struct.pack("<HI", self.id, size) + self.data


@dataclass(frozen=True)
class Module:
    """One VBA module as stored: ``code`` starts with its ``Attribute VB_Name`` line."""

    name: str
    kind: Kind
    code: str

    def __post_init__(self) -> None:
        if not self.code.startswith(f'Attribute VB_Name = "{self.name}"'):
            raise ValueError(f'module {self.name}: code must start with Attribute VB_Name = "{self.name}"')
        if "\r\n" not in self.code and "\n" in self.code:
            raise ValueError(f"module {self.name}: line ends must be CRLF")


@dataclass(frozen=True)
class TemplateModule:
    name: str
    kind: Kind
    records: tuple[Record, ...]
    source: str  # the stored source (after the template's performance cache)


@dataclass(frozen=True)
class Project:
    """A parsed vbaProject.bin (the template, or one we built)."""

    head: tuple[Record, ...]  # PROJECTINFORMATION, PROJECTREFERENCES, PROJECTMODULES, PROJECTCOOKIE
    modules: tuple[TemplateModule, ...]
    tail: tuple[Record, ...]  # the dir terminator
    project_lines: tuple[str, ...]  # the PROJECT stream, line by line
    project_wm: bytes
    vba_project: bytes  # the _VBA_PROJECT stream
    streams: tuple[str, ...]  # every stream path, in directory order
    codepage: str = field(default="cp1252")

    @property
    def name(self) -> str:
        return _record(self.head, PROJECTNAME).data.decode(self.codepage)

    def module(self, name: str) -> TemplateModule:
        for m in self.modules:
            if m.name == name:
                return m
        raise KeyError(name)


def _record(records: Iterable[Record], rid: int) -> Record:
    for r in records:
        if r.id == rid:
            return r
    raise KeyError(f"no dir record {rid:#06x}")


def parse_dir(data: bytes) -> list[Record]:
    """Split a decompressed ``dir`` stream into records (id, data)."""
    records: list[Record] = []
    pos = 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == PROJECTVERSION:
            size = 6
        records.append(Record(rid, bytes(data[pos + 6 : pos + 6 + size])))
        pos += 6 + size
    return records


def dump_dir(records: Iterable[Record]) -> bytes:
    return b"".join(r.dump() for r in records)


def _codepage(head: Sequence[Record]) -> str:
    return "cp" + str(int.from_bytes(_record(head, PROJECTCODEPAGE).data, "little"))


def read_project(blob: bytes) -> Project:
    """Parse a vbaProject.bin (CFB) into its dir records, module sources and streams."""
    import olefile  # comes with oletools

    ole = olefile.OleFileIO(io.BytesIO(blob))
    try:
        records = parse_dir(decompress(ole.openstream("VBA/dir").read()))
        first_module = next(i for i, r in enumerate(records) if r.id == MODULENAME)
        head = tuple(records[:first_module])
        codepage = _codepage(head)
        groups: list[list[Record]] = []
        tail: list[Record] = []
        current: list[Record] = []
        for r in records[first_module:]:
            if r.id == DIR_TERMINATOR:
                tail = [r]
                break
            current.append(r)
            if r.id == MODULE_TERMINATOR:
                groups.append(current)
                current = []
        project_text = ole.openstream("PROJECT").read().decode(codepage)
        kinds = _kinds_from_project(project_text.splitlines())
        modules = []
        for g in groups:
            name = _record(g, MODULENAME).data.decode(codepage)
            stream = _record(g, MODULESTREAMNAME).data.decode(codepage)
            offset = int.from_bytes(_record(g, MODULEOFFSET).data, "little")
            raw = ole.openstream("VBA/" + stream).read()
            modules.append(
                TemplateModule(name, kinds[name], tuple(g), decompress(raw[offset:]).decode(codepage))
            )
        streams = tuple("/".join(p) for p in ole.listdir(streams=True, storages=False))
        return Project(
            head=head,
            modules=tuple(modules),
            tail=tuple(tail),
            project_lines=tuple(project_text.split("\r\n")),
            project_wm=ole.openstream("PROJECTwm").read(),
            vba_project=ole.openstream("VBA/_VBA_PROJECT").read(),
            streams=streams,
            codepage=codepage,
        )
    finally:
        ole.close()


def _kinds_from_project(lines: Iterable[str]) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for line in lines:
        key, _, value = line.partition("=")
        if key == "Document":
            kinds[value.split("/")[0]] = Kind.DOCUMENT
        elif key == "Module":
            kinds[value] = Kind.STANDARD
        elif key == "Class":
            kinds[value] = Kind.CLASS
    return kinds


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------


def _prototype(template: Project, module: Module) -> TemplateModule:
    """The template module whose dir records a new module copies: itself, else one of its kind."""
    for m in template.modules:
        if m.name == module.name and m.kind is module.kind:
            return m
    for m in template.modules:
        if m.kind is module.kind and m.name != "ThisWorkbook":
            return m
    for m in template.modules:
        if m.kind is module.kind:
            return m
    raise ValueError(f"the template has no {module.kind.value} module to copy for {module.name}")


def module_records(template: Project, module: Module) -> list[Record]:
    proto = _prototype(template, module)
    cp = template.codepage
    same = proto.name == module.name
    out: list[Record] = []
    for r in proto.records:
        if r.id in (MODULENAME, MODULESTREAMNAME):
            r = Record(r.id, module.name.encode(cp))
        elif r.id in (MODULENAMEUNICODE, MODULESTREAMNAMEUNICODE):
            r = Record(r.id, module.name.encode("utf-16-le"))
        elif r.id in (MODULEDOCSTRING, MODULEDOCSTRINGUNICODE) and not same:
            r = Record(r.id, b"")
        elif r.id == MODULEOFFSET:
            r = Record(r.id, (0).to_bytes(4, "little"))
        elif r.id == MODULECOOKIE:
            r = Record(r.id, (0xFFFF).to_bytes(2, "little"))
        elif r.id in (MODULETYPE_PROCEDURAL, MODULETYPE_OTHER):
            r = Record(module.kind.type_record, b"")
        out.append(r)
    return out


def _project_lines(template: Project, modules: Sequence[Module], project_name: str) -> list[str]:
    module_lines = []
    for m in modules:
        if m.kind is Kind.DOCUMENT:
            module_lines.append(f"Document={m.name}/&H00000000")
        elif m.kind is Kind.STANDARD:
            module_lines.append(f"Module={m.name}")
        else:
            module_lines.append(f"Class={m.name}")
    out: list[str] = []
    in_workspace = False
    inserted = False
    for line in template.project_lines:
        key = line.partition("=")[0]
        if line.startswith("["):
            in_workspace = line == "[Workspace]"
            out.append(line)
            if in_workspace:
                out += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
            continue
        if in_workspace and line:
            continue  # replaced above
        if key in _MODULE_LINE_KEYS:
            if not inserted:
                out += module_lines
                inserted = True
            continue
        if key == "Name":
            out.append(f'Name="{project_name}"')
            continue
        out.append(line)
    if not inserted:
        raise ValueError("template PROJECT stream has no module lines")
    return out


def _project_wm(modules: Sequence[Module], codepage: str) -> bytes:
    out = b"".join(m.name.encode(codepage) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules)
    return out + b"\0\0"


def build(template: Project, modules: Sequence[Module], project_name: str) -> bytes:
    """A vbaProject.bin holding ``modules`` (in this order), shaped on ``template``."""
    names = [m.name for m in modules]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"duplicate module names: {names}")
    if project_name.lower() in {n.lower() for n in names}:
        raise ValueError(f"project name {project_name!r} must differ from every module name")
    cp = template.codepage
    head = []
    for r in template.head:
        if r.id == PROJECTNAME:
            r = Record(r.id, project_name.encode(cp))
        elif r.id == PROJECTMODULES:
            r = Record(r.id, len(modules).to_bytes(2, "little"))
        head.append(r)
    records = head + [r for m in modules for r in module_records(template, m)] + list(template.tail)
    streams: dict[str, bytes] = {
        "VBA/dir": compress(dump_dir(records)),
        "VBA/_VBA_PROJECT": template.vba_project,
    }
    for m in modules:
        streams["VBA/" + m.name] = compress(m.code.encode(cp))
    streams["PROJECT"] = "\r\n".join(_project_lines(template, modules, project_name)).encode(cp)
    streams["PROJECTwm"] = _project_wm(modules, cp)
    return cfb.write(streams)


# --------------------------------------------------------------------------------------------
# comparing with the template
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    where: str
    detail: str


def _normalise_module(records: Sequence[Record]) -> list[tuple[int, bytes | None]]:
    """Record ids in order, with the data of records that are meant to stay the same."""
    varying = {
        MODULENAME,
        MODULENAMEUNICODE,
        MODULESTREAMNAME,
        MODULESTREAMNAMEUNICODE,
        MODULEDOCSTRING,
        MODULEDOCSTRINGUNICODE,
        MODULEOFFSET,
        MODULECOOKIE,
    }
    return [(r.id, None if r.id in varying else r.data) for r in records]


def compare(built: Project, template: Project) -> list[Difference]:
    """Every difference between ``built`` and ``template`` beyond the intended ones.

    Intended: the project name, the module list (names, sources, count) and, per module, its
    names, docstring, offset (0) and cookie. Everything else must be equal: the stream set
    apart from module streams, the dir head records byte for byte, each module's record id
    sequence (and the data of its fixed records) equal to the template module of its kind,
    the dir tail, ``_VBA_PROJECT``, and the PROJECT lines that are not about modules or name.
    """
    diffs: list[Difference] = []
    module_streams_b = {"VBA/" + m.name for m in built.modules}
    module_streams_t = {"VBA/" + m.name for m in template.modules}
    other_b = [s for s in built.streams if s not in module_streams_b]
    other_t = [s for s in template.streams if s not in module_streams_t]
    if sorted(other_b) != sorted(other_t):
        diffs.append(Difference("streams", f"{sorted(other_b)} != {sorted(other_t)}"))
    for missing in sorted(module_streams_b - set(built.streams)):
        diffs.append(Difference("streams", f"module stream {missing} is missing"))
    if built.vba_project != template.vba_project:
        diffs.append(Difference("_VBA_PROJECT", f"{built.vba_project.hex()} != {template.vba_project.hex()}"))
    if [r.id for r in built.head] != [r.id for r in template.head]:
        diffs.append(Difference("dir head", "record ids differ"))
    for rb, rt in zip(built.head, template.head, strict=False):
        if rb.id in (PROJECTNAME, PROJECTMODULES):
            continue
        if rb != rt:
            diffs.append(Difference(f"dir head record {rb.id:#06x}", f"{rb.data!r} != {rt.data!r}"))
    if built.tail != template.tail:
        diffs.append(Difference("dir tail", f"{built.tail} != {template.tail}"))
    for m in built.modules:
        proto = _prototype(template, Module(m.name, m.kind, f'Attribute VB_Name = "{m.name}"\r\n'))
        if _normalise_module(m.records) != _normalise_module(proto.records):
            diffs.append(Difference(f"module {m.name}", f"records differ from template module {proto.name}"))
        offset = int.from_bytes(_record(m.records, MODULEOFFSET).data, "little")
        if offset != 0:
            diffs.append(Difference(f"module {m.name}", f"MODULEOFFSET {offset} (expected 0: no cache)"))
    lines_b = [ln for ln in built.project_lines if not _module_or_name_line(ln, built)]
    lines_t = [ln for ln in template.project_lines if not _module_or_name_line(ln, template)]
    if lines_b != lines_t:
        diffs.append(Difference("PROJECT", f"{lines_b} != {lines_t}"))
    return diffs


def _module_or_name_line(line: str, project: Project) -> bool:
    key = line.partition("=")[0]
    return key in _MODULE_LINE_KEYS or key == "Name" or key in {m.name for m in project.modules}
