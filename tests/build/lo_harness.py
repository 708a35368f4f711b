"""LibreOffice harness for the build tests. Runs under the SYSTEM python3 (python3-uno), not the venv.

    /usr/bin/python3 lo_harness.py SPEC.json  ->  JSON report on stdout

It starts its own headless soffice (fresh profile in a temp dir, a free port), loads each
document of the spec, reports what LibreOffice sees and runs the spec's steps, then always
closes the documents and terminates soffice.

Spec: {"documents": [{"path": …, "filter": "Calc MS Excel 2007 VBA XML" | null,
                      "harness": "<Basic source of a module to insert, or empty>",
                      "steps": [step, …]}]}
Steps: {"op": "call", "module": M, "proc": P, "args": [...]}  -> the function's result
       {"op": "set", "cell": "ZZ1", "value": "..." | number | null}  (first sheet)
       {"op": "get", "cell": "ZZ1"}  -> the cell's string
       {"op": "add_name", "name": N, "cell": "A1", "value": "..."}  (first sheet)
Report per document: library, libraries, modules {name: source}, sheets [{name, code_name,
visible}], buttons [{sheet, label, events: [script URL]}], names {name: content}, results.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from typing import Any

# uno is imported inside the functions: pytest's --doctest-modules imports this file in the venv.


def _pv(name: str, value: Any) -> Any:
    from com.sun.star.beans import PropertyValue

    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _connect(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> Any:
    import uno
    from com.sun.star.connection import NoConnectException

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if proc.poll() is not None:
                raise RuntimeError(f"soffice exited with {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _cell_value(value: Any) -> str:
    return "" if value is None else str(value)


def _inspect(doc: Any) -> dict[str, Any]:
    libs = [n for n in doc.BasicLibraries.ElementNames if n != "Standard"]
    report: dict[str, Any] = {
        "libraries": list(doc.BasicLibraries.ElementNames),
        "library": libs[0] if libs else None,
    }
    modules: dict[str, str] = {}
    if libs:
        lib = doc.BasicLibraries.getByName(libs[0])
        for name in lib.ElementNames:
            modules[name] = lib.getByName(name)
    report["modules"] = modules
    sheets = []
    buttons = []
    for i in range(doc.Sheets.Count):
        sh = doc.Sheets.getByIndex(i)
        sheets.append({"name": sh.Name, "code_name": sh.CodeName, "visible": bool(sh.IsVisible)})
        forms = sh.DrawPage.Forms
        for f in range(forms.Count):
            form = forms.getByIndex(f)
            for c in range(form.Count):
                model = form.getByIndex(c)
                events = [e.ScriptCode for e in form.getScriptEvents(c)]
                label = getattr(model, "Label", "")
                buttons.append({"sheet": sh.Name, "label": label, "events": events})
    report["sheets"] = sheets
    report["buttons"] = buttons
    report["names"] = {n: doc.NamedRanges.getByName(n).Content for n in doc.NamedRanges.ElementNames}
    return report


def _run_steps(doc: Any, library: str, harness: str, steps: list[dict[str, Any]]) -> list[Any]:
    import uno

    lib = doc.BasicLibraries.getByName(library)
    if harness:
        info = uno.createUnoStruct("com.sun.star.script.ModuleInfo")
        info.ModuleType = 1  # NORMAL
        lib.insertModuleInfo("CiHarness", info)
        lib.insertByName("CiHarness", harness)
    sheet = doc.Sheets.getByIndex(0)
    provider = doc.getScriptProvider()
    results: list[Any] = []
    for step in steps:
        op = step["op"]
        try:
            if op == "call":
                url = (
                    f"vnd.sun.star.script:{library}.{step['module']}.{step['proc']}"
                    "?language=Basic&location=document"
                )
                out = provider.getScript(url).invoke(tuple(step.get("args", [])), (), ())
                results.append(out[0])
            elif op == "set":
                cell = sheet.getCellRangeByName(step["cell"])
                value = step.get("value")
                if value is None:
                    cell.setString("")
                elif isinstance(value, (int, float)):
                    cell.setValue(value)
                else:
                    cell.setString(value)
                results.append(None)
            elif op == "get":
                results.append(sheet.getCellRangeByName(step["cell"]).getString())
            elif op == "add_name":
                sheet.getCellRangeByName(step["cell"]).setString(step["value"])
                address = sheet.getCellRangeByName(step["cell"]).CellAddress
                ref = f"$'{sheet.Name}'.${step['cell'][0]}${step['cell'][1:]}"
                doc.NamedRanges.addNewByName(step["name"], ref, address, 0)
                results.append(None)
            else:
                results.append({"error": f"unknown op {op}"})
        except Exception as exc:  # reported, the test decides
            results.append({"error": f"{type(exc).__name__}: {exc}"})
    return results


def main() -> int:
    import uno

    with open(sys.argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    soffice = shutil.which("soffice")
    if not soffice:
        print(json.dumps({"error": "soffice not found"}))
        return 2
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    port = _free_port()
    proc = subprocess.Popen(
        [
            soffice,
            "--headless",
            "--invisible",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            "--nologo",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=socket,host=127.0.0.1,port={port};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    report: dict[str, Any] = {"documents": []}
    desktop = None
    try:
        ctx = _connect(port, proc)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for d in spec["documents"]:
            props = [_pv("Hidden", True), _pv("MacroExecutionMode", 4)]
            if d.get("filter"):
                props.append(_pv("FilterName", d["filter"]))
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(os.path.abspath(d["path"])), "_blank", 0, tuple(props)
            )
            if doc is None:
                report["documents"].append(
                    {"path": d["path"], "error": "LibreOffice could not load the file"}
                )
                continue
            try:
                r = _inspect(doc)
                if r["library"] and (d.get("steps") or d.get("harness")):
                    r["results"] = _run_steps(doc, r["library"], d.get("harness", ""), d.get("steps", []))
                r["path"] = d["path"]
                report["documents"].append(r)
            finally:
                doc.close(True)
    except Exception:
        report["error"] = traceback.format_exc()
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):
                desktop.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    json.dump(report, sys.stdout, ensure_ascii=False, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
