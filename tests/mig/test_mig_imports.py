"""Import hygiene: the message modules do not pull in lxml/xmlschema until they do XML work."""

from __future__ import annotations

import subprocess
import sys


def test_message_modules_import_without_lxml() -> None:
    code = (
        "import sys; import invoicetools.mig, invoicetools.mig.e0401, invoicetools.mig.e0402, "
        "invoicetools.mig.e0501, invoicetools.mig.results, invoicetools.mig.specs, invoicetools.mig.xml_writer; "
        "heavy = sorted(m for m in ('lxml', 'xmlschema', 'pandas', 'numpy') if m in sys.modules); "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_xmlschema_is_not_loaded_by_validation() -> None:
    code = (
        "import sys; from invoicetools.mig import e0402; "
        "e0402.build(head_ban='12345675', branch_ban='12345675', invoice_type='07', year_month='11402', "
        "track='AB', ranges=[(1, 2)]); print('xmlschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
