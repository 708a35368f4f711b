"""Golden E0402 files from the whole export (gaps voided, tails, owners) for MIG 4.1, 4.0 and 3.2.

Each golden file must byte-equal a fresh export of the fixed book and validate against the
official XSDs: the copies shipped in the package and, when the checkout has them, the
reference originals in ``../shared/reference/mig`` (with the leading-space name fix). After
an intended change of the output, regenerate them with::

    python tests/e0402/test_e0402_golden.py

and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gaps.gapbook import make_book, numbers
from invoicetools.actions.base import Context
from invoicetools.actions.e0402 import export_e0402
from invoicetools.actions.gaps import void_gaps
from invoicetools.actions.host import Host
from invoicetools.mig import schema

GOLDEN = Path(__file__).with_name("golden")
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "mig"
VERSIONS = ("4.1", "4.0", "3.2")
MACHINES = (
    ("A", "001", "KA", 12340000, 12340099),
    ("A", "002", "KA", 12340100, 12340199),
    ("B", "001", "KB", 56780000, 56780049),
    ("B", "002", "KC", 0, 49),  # a machine that issued nothing: the whole range is blank
)


def register() -> list[str]:
    """Skipped numbers inside used parts (one across a booklet boundary), tails, a fully used track."""
    return (numbers("KA", 12340000, 12340080, skip=(12340010, 12340011, 12340012, 12340048, 12340049, 12340050))
            + numbers("KA", 12340100, 12340150, skip=(12340120,))
            + numbers("KB", 56780000, 56780049))


def export(version: str, out: Path) -> list[Path]:
    reg = register()
    book = make_book(reg, reg, machines=MACHINES)
    ctx = Context(host=Host(confirm=lambda prompt: True), io=book)
    void_gaps(ctx)
    result = export_e0402(ctx, out_dir=out, mig=version)
    return sorted(o.path for o in result.outputs)


def golden_names(version: str) -> list[str]:
    return sorted(p.name for p in (GOLDEN / version).glob("*.xml"))


def reference_schema(version: str) -> object:
    from lxml import etree

    tree = etree.parse(str(REFERENCE / version / "E0402.xsd"))
    for doc in [tree]:
        for el in doc.getroot().iter("{http://www.w3.org/2001/XMLSchema}element"):
            if "name" in el.attrib:
                el.attrib["name"] = el.attrib["name"].strip()
    return etree.XMLSchema(tree)


@pytest.mark.parametrize("version", VERSIONS)
def test_export_equals_golden_bytes(tmp_path: Path, version: str) -> None:
    written = export(version, tmp_path)
    assert [p.name for p in written] == golden_names(version) == [
        "E0402_53212539_11402_KA_07.xml", "E0402_53212539_11402_KC_07.xml"]
    for path in written:
        assert path.read_bytes() == (GOLDEN / version / path.name).read_bytes(), path.name


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_files_validate_against_the_shipped_xsd(version: str) -> None:
    for name in golden_names(version):
        assert schema.validate("E0402", version, (GOLDEN / version / name).read_bytes()) == []


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference/mig is not in this checkout")
@pytest.mark.parametrize("version", VERSIONS)
def test_golden_files_validate_against_the_reference_xsd(version: str) -> None:
    from lxml import etree

    xsd = reference_schema(version)
    for name in golden_names(version):
        doc = etree.parse(str(GOLDEN / version / name))
        assert xsd.validate(doc), (name, xsd.error_log)  # type: ignore[attr-defined]
    assert (REFERENCE / version / "E0402.xsd").read_bytes() == (schema.XSD_DIR / version / "E0402.xsd").read_bytes()


def test_golden_content() -> None:
    from invoicetools.mig import e0402

    ka = e0402.read(GOLDEN / "4.1" / "E0402_53212539_11402_KA_07.xml")
    assert ka.ranges == ((12340010, 12340012), (12340048, 12340050), (12340081, 12340099),
                         (12340120, 12340120), (12340151, 12340199))
    kc = e0402.read(GOLDEN / "3.2" / "E0402_53212539_11402_KC_07.xml")
    assert kc.ranges == ((0, 49),) and kc.version == "3.2"


if __name__ == "__main__":  # regenerate
    import tempfile

    for v in VERSIONS:
        target = GOLDEN / v
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.xml"):
            old.unlink()
        with tempfile.TemporaryDirectory() as tmp:
            for p in export(v, Path(tmp)):
                (target / p.name).write_bytes(p.read_bytes())
                print(target / p.name)
