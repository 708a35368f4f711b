"""Quote-prefixed twins of a workbook's cell styles, for text that a spreadsheet would read as a formula.

Excel marks a cell typed as ``'=1+1`` with the style flag ``quotePrefix="1"``: the cell
shows ``=1+1`` and stays text when it is edited and confirmed again. The file backend
writes imported text that starts with ``= + - @`` (or tab/CR) with such a style: the
cell's own style (column format, font, borders) plus the flag, added to ``xl/styles.xml``
once and found again on later writes (no style is ever added twice).

>>> xml = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
...        b'<cellXfs count="2"><xf numFmtId="0" fontId="0"/><xf numFmtId="49" fontId="1"/></cellXfs></styleSheet>')
>>> q = QuoteStyles(xml)
>>> q.get(1), q.get(None), q.get(1)
(2, 3, 2)
>>> new = q.styles_xml()
>>> b'<xf numFmtId="49" fontId="1" quotePrefix="1"/>' in new, b'count="4"' in new
(True, True)
>>> QuoteStyles(new).get(1), QuoteStyles(new).styles_xml() is None  # found again, nothing added
(2, True)
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["QuoteStyles"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_DECL = re.compile(rb'\s+xmlns(?::\w+)?="[^"]*"')  # a twin sits inside cellXfs: the namespace is declared there


class QuoteStyles:
    """Style index → its quote-prefixed twin, adding twins to ``styles.xml`` as they are asked for."""

    def __init__(self, styles_xml: bytes) -> None:
        from lxml import etree

        self._original = styles_xml
        self._root = etree.fromstring(styles_xml, etree.XMLParser(resolve_entities=False, no_network=True))
        xfs = self._root.find(f"{_NS}cellXfs")
        if xfs is None:
            xfs = etree.SubElement(self._root, f"{_NS}cellXfs")
        self._xfs = xfs
        self._list = [x for x in xfs if x.tag == f"{_NS}xf"]
        self._twins: dict[int, int] = {}
        self._by_key = {self._key(x): i for i, x in enumerate(self._list) if x.get("quotePrefix") in ("1", "true")}
        self.added = 0

    @staticmethod
    def _key(xf: etree._Element) -> bytes:
        """The xf with the flag set, canonical (attribute order and spelling do not matter)."""
        from lxml import etree

        twin = copy.deepcopy(xf)
        twin.set("quotePrefix", "1")
        return bytes(etree.tostring(twin, method="c14n", exclusive=False, with_comments=False,
                                    inclusive_ns_prefixes=None))

    def get(self, style: int | None) -> int:
        """The twin of ``style`` (``None``: the default style 0); a style that has the flag is its own twin."""
        index = style or 0
        if index in self._twins:
            return self._twins[index]
        if index >= len(self._list):
            index = 0
        xf = self._list[index]
        if xf.get("quotePrefix") in ("1", "true"):
            twin = index
        else:
            key = self._key(xf)
            if key not in self._by_key:
                new = copy.deepcopy(xf)
                new.set("quotePrefix", "1")
                self._xfs.append(new)
                self._list.append(new)
                self._by_key[key] = len(self._list) - 1
                self.added += 1
            twin = self._by_key[key]
        self._twins[style or 0] = twin
        return twin

    def prepare_all(self) -> None:
        """Make every style's twin now (for a package whose styles part is written before its sheets)."""
        for index in range(len(self._list)):
            self.get(index)

    def styles_xml(self) -> bytes | None:
        """The new ``styles.xml``, or ``None`` when no twin had to be added.

        The twins are spliced in before ``</cellXfs>`` and its count updated; every other byte
        of the part stays as it was.
        """
        from lxml import etree

        if not self.added:
            return None
        start = re.search(rb"<(?:\w+:)?cellXfs\b[^>]*?(/?)>", self._original)
        close = re.compile(rb"</(?:\w+:)?cellXfs>").search(self._original, start.end()) if start else None
        if start is None or start.group(1) or close is None:  # an unusual layout: write the whole part anew
            self._xfs.set("count", str(len(self._list)))
            return bytes(etree.tostring(self._root, xml_declaration=True, encoding="UTF-8", standalone=True))
        twins = b"".join(_NS_DECL.sub(b"", etree.tostring(x)) for x in self._list[-self.added:])
        opening = re.sub(rb'\bcount="\d+"', b'count="%d"' % len(self._list), start.group(0))
        o = self._original
        return o[: start.start()] + opening + o[start.end(): close.start()] + twins + o[close.start():]
