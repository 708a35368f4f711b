"""The two deliverables: ``addin/InvoiceTools.xlam`` and ``workbook/InvoiceTools.xlsm``.

* ``InvoiceTools.xlam``: the ribbon (``customUI14.xml``), modules ThisWorkbook (ribbon label
  refresh), Dictionary, InvoiceTools (one Sub per button), InvoiceText, InvoiceRibbon, Sheet2
  (a note sheet, no settings) and xlwings (``xlwings_custom_addin.bas``: ActiveWorkbook);
  VBA project shaped on ``quickstart_addin_ribbon.xlam``.
* ``InvoiceTools.xlsm``: every sheet of the layout with sheet buttons, modules ThisWorkbook,
  Sheet1, InvoiceTools, InvoiceText, Sheet2..N, xlwings (standalone ``xlwings.bas``:
  ThisWorkbook) and Dictionary; VBA project shaped on ``quickstart_standalone.xlsm``. No
  ribbon: with the add-in installed its ribbon works on this workbook; without it, the sheet
  buttons do.

Both xlwings modules have PROJECT_NAME ``invoicetools``: the add-in and the workbook read the
same settings (``%USERPROFILE%\\.invoicetools\\invoicetools.conf``, written by
``invoicetools addin install``; the workbook's hidden sheet ``invoicetools.conf`` holds only
settings that are the same on every PC).

``replace`` swaps modules by name: the LibreOffice check builds a test variant whose
``xlwings`` module is a stub that records the command instead of starting Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from invoicetools.book import layout as L
from invoicetools.build import package, ribbon, vbaproject, workbook
from invoicetools.build import sources as S
from invoicetools.build.vbaproject import Module

ADDIN_PROJECT_NAME = "InvoiceToolsAddin"  # must differ from every module name (InvoiceTools is one)
XLAM_NAME = "InvoiceTools.xlam"
XLSM_NAME = "InvoiceTools.xlsm"

OUR_STANDARD_MODULES = (S.MAIN_MODULE, S.TEXT_MODULE)
ADDIN_ONLY_MODULES = (S.RIBBON_MODULE,)
ADDIN_WORKBOOK_CODE = "ThisWorkbook.xlam.cls"
# xlwings' sample module in each template (RunPython of a module named like the workbook): left
# out; our own modules take its place in the module order
XLSM_TEMPLATE_SAMPLE = "Module1"
XLAM_TEMPLATE_SAMPLE = "RibbonMyAddin"


def _our(name: str) -> Module:
    return S.standard_module(S.vba_dir() / f"{name}.bas")


def _check(modules: Sequence[Module], ours: Sequence[str]) -> None:
    problems = [p for m in modules if m.name in ours for p in S.lint_vba(m.name, m.code)]
    if problems:
        raise S.BuildError("VBA rule breaks:\n" + "\n".join(problems))


def _apply(modules: list[Module], replace: Mapping[str, Module] | None) -> list[Module]:
    if not replace:
        return modules
    unknown = set(replace) - {m.name for m in modules}
    if unknown:
        raise S.BuildError(f"cannot replace unknown modules {sorted(unknown)}")
    return [replace.get(m.name, m) for m in modules]


def xlsm_modules(template: vbaproject.Project, replace: Mapping[str, Module] | None = None) -> list[Module]:
    modules = [S.document_module("ThisWorkbook", template)]
    modules += [S.document_module(name, template) for name in workbook.code_names()]
    modules += [_our(name) for name in OUR_STANDARD_MODULES]
    modules += [S.xlwings_module(template, addin=False), S.dictionary_module(template)]
    _check(modules, OUR_STANDARD_MODULES)
    return _apply(vbaproject.order_like_template(template, modules, XLSM_TEMPLATE_SAMPLE), replace)


def xlam_modules(template: vbaproject.Project, replace: Mapping[str, Module] | None = None) -> list[Module]:
    this_workbook = S.document_module(
        "ThisWorkbook", template, S.document_code(S.vba_dir() / ADDIN_WORKBOOK_CODE)
    )
    modules = [this_workbook, S.document_module(workbook.ADDIN_CODE_NAME, template)]
    modules += [_our(name) for name in OUR_STANDARD_MODULES + ADDIN_ONLY_MODULES]
    modules += [S.xlwings_module(template, addin=True), S.dictionary_module(template)]
    _check(modules, (*OUR_STANDARD_MODULES, *ADDIN_ONLY_MODULES, "ThisWorkbook"))
    return _apply(vbaproject.order_like_template(template, modules, XLAM_TEMPLATE_SAMPLE), replace)


def xlsm_vba_project(replace: Mapping[str, Module] | None = None) -> bytes:
    template = S.template_project(S.templates().xlsm)
    return vbaproject.build(template, xlsm_modules(template, replace), template.name)


def xlam_vba_project(replace: Mapping[str, Module] | None = None) -> bytes:
    template = S.template_project(S.templates().xlam)
    return vbaproject.build(template, xlam_modules(template, replace), ADDIN_PROJECT_NAME)


def ribbon_xml() -> bytes:
    xml = (S.addin_dir() / S.RIBBON_FILE).read_bytes()
    ribbon.validate(xml)
    return xml


def build_xlsm(replace: Mapping[str, Module] | None = None) -> bytes:
    """The bytes of InvoiceTools.xlsm."""
    return package.finish(workbook.build_workbook(xlsm_vba_project(replace), L.SHEETS))


def build_xlam(replace: Mapping[str, Module] | None = None) -> bytes:
    """The bytes of InvoiceTools.xlam."""
    return package.finish(
        workbook.build_addin_workbook(xlam_vba_project(replace)), ribbon=ribbon_xml(), addin=True
    )


def default_paths() -> dict[str, Path]:
    return {"xlam": S.addin_dir() / XLAM_NAME, "xlsm": S.repo_root() / "workbook" / XLSM_NAME}


def write(out_dir: Path | None = None, replace: Mapping[str, Module] | None = None) -> dict[str, Path]:
    """Build both files into ``out_dir`` (default: ``addin/`` and ``workbook/`` of the repo)."""
    paths = default_paths() if out_dir is None else {"xlam": out_dir / XLAM_NAME, "xlsm": out_dir / XLSM_NAME}
    data = {"xlam": build_xlam(replace), "xlsm": build_xlsm(replace)}
    for key, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data[key])
        tmp.replace(path)
    return paths
