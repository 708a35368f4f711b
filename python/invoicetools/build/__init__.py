"""Builds ``addin/InvoiceTools.xlam`` and ``workbook/InvoiceTools.xlsm`` from ``book.layout`` and ``addin/``.

Apart from the layers (DESIGN "Layers": excel/cli → actions → steps/sources/mig → book → domain):
build/ imports only book/ and domain/, no action, CLI or demo, and only cli/ imports it.
Developer tooling (the docs pictures) lives in scripts/.

``main(out_dir)`` is the ``invoicetools build`` entry point. The pieces:

* ``ovba_compression`` – MS-OVBA compression (module source, ``dir``);
* ``cfb`` – a small Compound File writer;
* ``vbaproject`` – vbaProject.bin shaped on the pinned xlwings template;
* ``template_diff`` – every difference from that template (listed in ``addin/README.md``);
* ``sources`` – ``addin/`` and the pinned xlwings package, VBA rules;
* ``messages`` – the Chinese texts of the VBA (``addin/vba/InvoiceText.bas``);
* ``ribbon`` – customUI14.xml validation and callbacks;
* ``workbook`` – the sheets (XlsxWriter); ``package`` – ribbon part, add-in type, fixed zip bytes;
* ``product`` – the two files;
* ``release`` (with ``release_check``, ``release_scripts``) – ``invoicetools build --release DIR``:
  the folder an office installs from offline.

Heavy imports (xlsxwriter, olefile, xmlschema, lxml) happen only inside the functions that
use them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["check_committed", "main", "new_workbook"]


def main(out_dir: Path | None = None) -> dict[str, Path]:
    """Build both files; return ``{"xlam": path, "xlsm": path}``.

    Without ``out_dir`` they go to ``addin/InvoiceTools.xlam`` and ``workbook/InvoiceTools.xlsm``
    in the repository; with it, both go into ``out_dir``. Two builds give identical bytes.
    """
    from invoicetools.build.product import write

    return write(out_dir)


def new_workbook(path: Path) -> Path:
    """Write a fresh InvoiceTools.xlsm (every sheet, buttons, VBA) to ``path`` (``invoicetools new``)."""
    from invoicetools.build.product import build_xlsm

    data = build_xlsm()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def check_committed(paths: dict[str, Path] | None = None) -> list[str]:
    """Problems with the committed ``addin/InvoiceTools.xlam`` and ``workbook/InvoiceTools.xlsm``:
    missing, or not byte-identical to a fresh build. Empty when both are current."""
    from invoicetools.build.product import build_xlam, build_xlsm, default_paths

    paths = default_paths() if paths is None else paths
    fresh = {"xlam": build_xlam, "xlsm": build_xlsm}
    problems = []
    for key, path in paths.items():
        if not path.exists():
            problems.append(f"{path} is missing")
        elif path.read_bytes() != fresh[key]():
            problems.append(f"{path} is not what the sources build")
    return problems
