"""RunPython entry points: one thin, parameterless function per button (see ``book.layout.ACTIONS``).

The top of the layers (DESIGN "Layers": excel/cli → actions → steps/sources/mig → book →
domain): ``RunPython "import invoicetools.excel as x; x.check_upload()"`` finds every entry
point here by a plain import. Each gets the calling workbook through xlwings, makes Excel
the action's host (``host.excel_host``), runs the same action as the CLI and shows the
result in a message box; nothing raises into Excel (``_entry.run_in_excel``). The area
modules import their actions inside the functions, so a click pays only for its own.
"""

from __future__ import annotations

from ._entry import run_in_excel
from .calendar import calendar_refresh
from .e0402 import e0402_export
from .forecast import forecast_update
from .gaps import gaps_check, gaps_unvoid, gaps_void
from .review import export_pdf, export_xlsx
from .settings import diagnose, settings_open
from .tracks import e0401_export, tracks_allocate, tracks_fetch, tracks_import
from .upload import check_upload, invoices_import, status_download

__all__ = [
    "calendar_refresh",
    "check_upload",
    "diagnose",
    "e0401_export",
    "e0402_export",
    "export_pdf",
    "export_xlsx",
    "forecast_update",
    "gaps_check",
    "gaps_unvoid",
    "gaps_void",
    "invoices_import",
    "run_in_excel",
    "settings_open",
    "status_download",
    "tracks_allocate",
    "tracks_fetch",
    "tracks_import",
]
