"""vbaProject.bin from text, shaped on the pinned xlwings template's own vbaProject.bin.

xlwings' shipped templates (``quickstart_standalone.xlsm``, ``quickstart_addin_ribbon.xlam``)
are known to run in Excel for many users, so the project written here changes as little of
such a template as possible ([MS-OVBA] section numbers in brackets):

* the stream set stays: ``VBA/dir``, ``VBA/_VBA_PROJECT``, one stream per module,
  ``PROJECT``, ``PROJECTwm`` (2.2); ``_VBA_PROJECT`` is copied byte for byte (its version
  0xFFFF tells Office to ignore any cache and compile from source, 2.3.4.1), and the Compound
  File keeps the template's header version;
* the ``dir`` stream keeps every record of the template in the same order (2.3.4.2):
  project information and references byte for byte, apart from PROJECTNAME and the module
  count;
* a module the template has, with the same source (ThisWorkbook, the sheets, Dictionary), is
  copied whole: its stream (with the template's performance cache) and its dir records,
  MODULECOOKIE and MODULEOFFSET included; one the template has with another source (xlwings
  with our PROJECT_NAME, the add-in's ThisWorkbook with code) keeps its records and cookie and
  gets the new source at MODULEOFFSET 0 (no cache); a new module gets the record sequence of a
  template module of its kind, MODULEOFFSET 0 and MODULECOOKIE 0xFFFF (what [MS-OVBA] asks
  writers to use);
* modules the template has stay in its order; the caller places new ones
  (``order_like_template``);
* ``PROJECT`` keeps the template's lines (ID, CMG/DPB/GC protection state, host extender,
  the ``[Workspace]`` line of each module it keeps) and only replaces the module lines and
  ``Name=`` (2.3.1);
* each new module stream is the source text, compressed (2.4.1).

``invoicetools.build.template_diff`` lists every difference between a built project and the
template; ``addin/README.md`` names each one with its reason and the tests require exactly those.
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
NEW_MODULE_COOKIE = 0xFFFF  # [MS-OVBA] 2.3.4.2.3.2.7: "MUST be 0xFFFF on write"; Excel ignores it on read

MODULE_LINE_KEYS = ("Document", "Module", "Class", "BaseClass", "Package")


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
    """One VBA module as stored: ``code`` starts with its ``Attribute VB_Name`` line.

    Line ends are CRLF (as the VBA editor stores them), or LF throughout where xlwings'
    template stores a module so (its ``xlwings`` module): never mixed.
    """

    name: str
    kind: Kind
    code: str

    def __post_init__(self) -> None:
        if not self.code.startswith(f'Attribute VB_Name = "{self.name}"'):
            raise ValueError(f'module {self.name}: code must start with Attribute VB_Name = "{self.name}"')
        bare_lf = self.code.count("\n") - self.code.count("\r\n")
        if "\r\n" in self.code and bare_lf:
            raise ValueError(f"module {self.name}: mixed line ends (CRLF and LF)")
        if self.code.count("\r") != self.code.count("\r\n"):
            raise ValueError(f"module {self.name}: a bare CR line end")


@dataclass(frozen=True)
class TemplateModule:
    name: str
    kind: Kind
    records: tuple[Record, ...]
    source: str  # the stored source (after the template's performance cache)
    stream: bytes = b""  # the module stream as stored (performance cache, then compressed source)


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
    cfb_version: tuple[int, int] = (3, 0x3E)  # Compound File header: major, minor version

    def find(self, name: str) -> TemplateModule | None:
        return next((m for m in self.modules if m.name == name), None)

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
                TemplateModule(name, kinds[name], tuple(g), decompress(raw[offset:]).decode(codepage), raw)
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
            cfb_version=(int(ole.dll_version), int(ole.minor_version)),
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


def prototype(template: Project, module: Module) -> TemplateModule:
    """The template module whose dir records a module copies: itself, else one of its kind."""
    same = template.find(module.name)
    if same is not None and same.kind is module.kind:
        return same
    for m in template.modules:
        if m.kind is module.kind and m.name != "ThisWorkbook":
            return m
    for m in template.modules:
        if m.kind is module.kind:
            return m
    raise ValueError(f"the template has no {module.kind.value} module to copy for {module.name}")


def copied_whole(template: Project, module: Module) -> TemplateModule | None:
    """The template module that ``module`` is, unchanged (same name, kind and source), or None."""
    same = template.find(module.name)
    if same is not None and same.kind is module.kind and same.source == module.code:
        return same
    return None


def module_records(template: Project, module: Module) -> list[Record]:
    """The dir records of ``module`` (see the module docstring for the three cases)."""
    whole = copied_whole(template, module)
    if whole is not None:
        return list(whole.records)
    proto = prototype(template, module)
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
        elif r.id == MODULECOOKIE and not same:
            r = Record(r.id, NEW_MODULE_COOKIE.to_bytes(2, "little"))
        elif r.id in (MODULETYPE_PROCEDURAL, MODULETYPE_OTHER):
            r = Record(module.kind.type_record, b"")
        out.append(r)
    return out


def module_stream(template: Project, module: Module) -> bytes:
    whole = copied_whole(template, module)
    if whole is not None:
        return whole.stream
    return compress(module.code.encode(template.codepage))


def order_like_template(template: Project, modules: Sequence[Module], slot: str) -> list[Module]:
    """``modules`` in the template's order.

    Modules the template has keep its order; new standard and class modules take the place of
    the template module ``slot`` (xlwings' sample module, which we do not ship), in the order
    given; new document modules follow the template's last document module.
    """
    ours = {m.name: m for m in modules}
    known = {t.name for t in template.modules}
    new_code = [m for m in modules if m.name not in known and m.kind is not Kind.DOCUMENT]
    new_docs = [m for m in modules if m.name not in known and m.kind is Kind.DOCUMENT]
    last_doc = max(i for i, t in enumerate(template.modules) if t.kind is Kind.DOCUMENT)
    out: list[Module] = []
    for i, t in enumerate(template.modules):
        if t.name in ours:
            out.append(ours[t.name])
        if t.name == slot:
            out += new_code
        if i == last_doc:
            out += new_docs
    if len(out) != len(modules):
        raise ValueError(f"cannot place {sorted(set(ours) - {m.name for m in out})} (slot {slot!r})")
    return out


def _workspace_line(template: Project, name: str) -> str:
    """A module's ``[Workspace]`` line: the template's for a module it has, else the closed-window one."""
    for line in template.project_lines:
        if line.partition("=")[0] == name and template.find(name) is not None:
            return line
    return f"{name}=0, 0, 0, 0, C"


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
                out += [_workspace_line(template, m.name) for m in modules]
            continue
        if in_workspace and line:
            continue  # replaced above
        if key in MODULE_LINE_KEYS:
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
        streams["VBA/" + m.name] = module_stream(template, m)
    streams["PROJECT"] = "\r\n".join(_project_lines(template, modules, project_name)).encode(cp)
    streams["PROJECTwm"] = _project_wm(modules, cp)
    return cfb.write(streams, minor_version=template.cfb_version[1])
