"""Zip post-processing of the XlsxWriter output: ribbon part, add-in content type, fixed bytes.

* ``customUI/customUI14.xml`` is added with a package relationship of type
  ``http://schemas.microsoft.com/office/2007/relationships/ui/extensibility`` (the Office 2010
  ribbon; no content-type override is needed, ``xml`` has a Default);
* for an ``.xlam`` the workbook part's content type becomes the add-in one;
* every member is rewritten with a fixed timestamp, attributes and compression, in a fixed
  order, so that the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile

RIBBON_PART = "customUI/customUI14.xml"
RIBBON_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RIBBON_REL_ID = "rIdInvoiceToolsRibbon"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLAM_MAIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _add_relationship(rels: bytes) -> bytes:
    text = rels.decode("utf-8")
    if RIBBON_REL_TYPE in text:
        raise ValueError("the package already has a ribbon relationship")
    rel = f'<Relationship Id="{RIBBON_REL_ID}" Type="{RIBBON_REL_TYPE}" Target="{RIBBON_PART}"/>'
    text, count = re.subn(r"</Relationships>\s*$", rel + "</Relationships>", text)
    if count != 1:
        raise ValueError("_rels/.rels has no closing </Relationships>")
    return text.encode("utf-8")


def _as_addin(content_types: bytes) -> bytes:
    text = content_types.decode("utf-8")
    if text.count(XLSM_MAIN) != 1:
        raise ValueError(f"[Content_Types].xml: expected one {XLSM_MAIN}")
    return text.replace(XLSM_MAIN, XLAM_MAIN).encode("utf-8")


def finish(package: bytes, *, ribbon: bytes | None = None, addin: bool = False) -> bytes:
    """Rewrite an XlsxWriter package: add the ribbon, make it an add-in, fix the zip bytes."""
    parts: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "[Content_Types].xml" and addin:
                data = _as_addin(data)
            elif info.filename == "_rels/.rels" and ribbon is not None:
                data = _add_relationship(data)
            parts.append((info.filename, data))
    if ribbon is not None:
        parts.append((RIBBON_PART, ribbon))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, data, compresslevel=6)
    return out.getvalue()
