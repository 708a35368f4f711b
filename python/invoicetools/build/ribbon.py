"""The ribbon XML (``addin/customUI14.xml``): schema validation and the callbacks it names."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from invoicetools.build.sources import BuildError, addin_dir

NS = "http://schemas.microsoft.com/office/2009/07/customui"
CALLBACK_ATTRIBUTES = (
    "onAction",
    "getLabel",
    "onLoad",
    "getEnabled",
    "getVisible",
    "getScreentip",
    "getSupertip",
    "getImage",
    "getPressed",
    "getKeytip",
    "getShowLabel",
    "loadImage",
)


def schema_path() -> Path:
    return addin_dir() / "schemas" / "customui14.xsd"


@functools.cache
def _schema() -> object:
    import xmlschema

    return xmlschema.XMLSchema(str(schema_path()))


def validate(xml: bytes) -> None:
    """Raise BuildError listing every schema error of a customUI14 document."""
    import xmlschema

    schema = _schema()
    assert isinstance(schema, xmlschema.XMLSchema)
    errors = [f"{e.path}: {e.reason}" for e in schema.iter_errors(xml.decode("utf-8"))]
    if errors:
        raise BuildError("customUI14.xml does not match the customUI schema:\n" + "\n".join(errors))


@dataclass(frozen=True)
class Control:
    tag: str  # element name without namespace: button, labelControl, group …
    id: str
    attributes: dict[str, str]
    group: str  # label of the enclosing group ("" outside groups)


def controls(xml: bytes) -> list[Control]:
    """Every element with an ``id`` (and the root), in document order."""
    from lxml import etree

    root = etree.fromstring(xml)
    out: list[Control] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments
        tag = etree.QName(el).localname
        group = ""
        for anc in el.iterancestors():
            if etree.QName(anc).localname == "group":
                group = anc.get("label", "")
                break
        if el.get("id") is not None or el is root:
            out.append(Control(tag, el.get("id", ""), dict(el.attrib), group))
    return out


def callbacks(xml: bytes) -> dict[str, str]:
    """``{"<control id>.<attribute>": "<Module.Procedure>"}`` for every callback attribute."""
    found: dict[str, str] = {}
    for c in controls(xml):
        for attr in CALLBACK_ATTRIBUTES:
            if attr in c.attributes:
                found[f"{c.id or c.tag}.{attr}"] = c.attributes[attr]
    return found
