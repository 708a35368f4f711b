"""Golden E0402 files from the whole export (gaps voided, tails, owners) for MIG 4.1, 4.0 and 3.2.

Each golden file must byte-equal a fresh export of the fixed book and validate against the
official XSDs twice: through ``mig.schema`` and through a plain lxml compile of the same files
(with the leading-space name fix) that shares no code with it. The XSDs travel with the
repository (``python/invoicetools/mig/xsd``, copied byte for byte from the project's reference
set); their sha256 is pinned in its ``PROVENANCE.md``, so no test needs ``../shared``. After
an intended change of the output, regenerate them with::

    python tests/e0402/test_e0402_golden.py

and review the diff.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from gaps.gapbook import make_book, numbers
from invoicetools.actions.base import Context
from invoicetools.actions.e0402 import export_e0402
from invoicetools.actions.gaps import void_gaps
from invoicetools.actions.host import Host
from invoicetools.mig import schema

GOLDEN = Path(__file__).with_name("golden")
# The official XSDs as copied into the repository (provenance and sha256 in PROVENANCE.md there).
REFERENCE = schema.XSD_DIR
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


def pinned_sha256(relative: str) -> str:
    """The sha256 PROVENANCE.md records for an XSD copied from the reference set."""
    text = (REFERENCE / "PROVENANCE.md").read_text(encoding="utf-8")
    found = re.search(rf"^\| `{re.escape(relative)}` \|.*\| `([0-9a-f]{{64}})` \|$", text, re.M)
    assert found, f"{relative} is not listed in PROVENANCE.md"
    return found.group(1)


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_files_validate_against_the_reference_xsd(version: str) -> None:
    from lxml import etree

    xsd = reference_schema(version)
    for name in golden_names(version):
        doc = etree.parse(str(GOLDEN / version / name))
        assert xsd.validate(doc), (name, xsd.error_log)  # type: ignore[attr-defined]
    data = (REFERENCE / version / "E0402.xsd").read_bytes()
    assert hashlib.sha256(data).hexdigest() == pinned_sha256(f"{version}/E0402.xsd")


def test_the_independent_validator_rejects_a_broken_golden_file() -> None:
    """The plain-lxml check is a real check: a golden file with a bad YearMonth fails it."""
    from lxml import etree

    name = golden_names("4.1")[0]
    broken = (GOLDEN / "4.1" / name).read_bytes().replace(b"<YearMonth>11402<", b"<YearMonth>11401<")
    assert b"11401" in broken
    assert not reference_schema("4.1").validate(etree.fromstring(broken))  # type: ignore[attr-defined]


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
