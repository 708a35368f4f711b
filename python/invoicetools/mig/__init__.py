"""MIG messages out and in (電子發票 MIG 3.2 / 4.0 / 4.1), always checked against the XSD.

Layer (DESIGN.md "Layers"): ``mig/`` sits beside ``steps`` and ``sources``, below
``actions`` and above ``book``/``domain``; it imports only :mod:`invoicetools.domain`
(values, typed errors).

Out (bytes, deterministic, validated before they are returned):

* :mod:`.e0402` — 空白未使用字軌檔 ``BranchTrackBlank``: ``build(...)``, ``file_name(...)``
* :mod:`.e0401` — 分支機構配號檔 ``BranchTrack``: ``build(...)``, ``file_name(...)``

Each is declared once (a dataclass whose fields name their elements, in order) and written
by the one writer, :mod:`.xml_writer`; :mod:`._message` holds what the two share (the
common ``Main`` fields, write-and-validate, parse-back).

In (values with the file and line they came from; errors in zh-TW):

* :mod:`.e0501` — 營業人電子發票配號檔, bare or in a Turnkey envelope →
  ``domain.records.TrackAllocation``; ``iter_e0501_folder`` walks a Turnkey folder
* :mod:`.results` — Turnkey ``SummaryResult`` / ``ProcessResult``; ``to_status_records``
* :mod:`.e0402` / :mod:`.e0401` ``parse`` read their own messages back

Underneath:

* :mod:`.specs` — which XSD, namespace and root belong to which message and version (no lxml)
* :mod:`.schema` — the XSDs compiled once (lxml, ``@name`` whitespace stripped),
  ``validate`` / ``assert_valid`` with readable zh-TW errors (:mod:`._xsd_errors`)
* :mod:`.safe_xml` — the only XML parser of the package: no DOCTYPE, no entities, no network

The XSDs ship in ``xsd/`` (provenance in ``xsd/PROVENANCE.md``). Importing the message
modules is cheap: lxml is imported when the first document is built or read.
"""

__all__ = ["e0401", "e0402", "e0501", "results", "safe_xml", "schema", "specs", "xml_writer"]
