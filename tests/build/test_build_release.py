"""Issue 17 item 8: the release folder an office installs from offline (``invoicetools build --release``).

* ``check_release`` on folders made here from small wheels: a good one passes, and each way a
  folder can be wrong (a Windows-only dependency missing, a wheel for one Python only, a Linux
  wheel, an extra not followed, scripts with LF, Chinese, a download, pip with the index, a
  file the folder lacks, a changed file) is reported;
* ``resolve``'s loop with a scripted pip (what it asks pip, what it adds for Windows markers,
  the pure-Python wheel it builds for a source-only dependency);
* against PyPI: the real dependencies of invoicetools resolve for CPython 3.13 on win_amd64
  with their Windows-only packages; and (slow) the whole folder is built once for Python 3.11
  with the command and passes the check.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from invoicetools.build import release
from invoicetools.build import release_check as RC
from invoicetools.build.sources import BuildError
from invoicetools.cli import main


# --- a folder made of small wheels ------------------------------------------------------------
def _wheel(folder: Path, filename: str, requires: Sequence[str] = ()) -> Path:
    name, version = filename.split("-")[:2]
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    path = folder / filename
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name}-{version}.dist-info/METADATA", meta)
        z.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return path


OURS = "invoicetools-0.1.0-py3-none-any.whl"
PYTHONS = ("3.11", "3.12")


def _make_folder(folder: Path) -> Path:
    folder.mkdir()
    house = folder / RC.WHEELHOUSE
    house.mkdir()
    _wheel(folder, OURS, ["alpha>=1", 'winonly; sys_platform == "win32"', 'linuxonly; sys_platform == "linux"',
                          "beta[fast]>=2", 'old-backport; python_version < "3.12"'])
    _wheel(house, "alpha-1.0-cp311-cp311-win_amd64.whl")
    _wheel(house, "alpha-1.0-cp312-cp312-win_amd64.whl")
    _wheel(house, "winonly-1.0-py3-none-any.whl")
    _wheel(house, "beta-2.0-py3-none-any.whl", ['gamma; extra == "fast"', 'delta; extra == "slow"'])
    _wheel(house, "gamma-1.0-cp311-abi3-win_amd64.whl")
    _wheel(house, "old_backport-1.0-py3-none-any.whl")
    (folder / "InvoiceTools.xlam").write_bytes(b"xlam")
    (folder / "InvoiceTools.xlsm").write_bytes(b"xlsm")
    release._write_text_files(folder, folder / OURS, PYTHONS)
    release._write_sums(folder)
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return _make_folder(tmp_path / "release")


def _resum(folder: Path) -> None:
    (folder / RC.SUMS).unlink()
    release._write_sums(folder)


def test_a_good_folder_passes(folder: Path) -> None:
    assert RC.check_release(folder, PYTHONS) == []


@pytest.mark.parametrize(("change", "expected"), [
    (lambda f: (f / RC.WHEELHOUSE / "winonly-1.0-py3-none-any.whl").unlink(), "needs winonly"),
    (lambda f: (f / RC.WHEELHOUSE / "alpha-1.0-cp312-cp312-win_amd64.whl").unlink(), "Python 3.12: invoicetools needs alpha"),
    (lambda f: (f / RC.WHEELHOUSE / "gamma-1.0-cp311-abi3-win_amd64.whl").unlink(), "beta needs gamma"),
    (lambda f: (f / RC.WHEELHOUSE / "old_backport-1.0-py3-none-any.whl").unlink(), "Python 3.11: invoicetools needs old-backport"),
    (lambda f: _wheel(f / RC.WHEELHOUSE, "numpy-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"), "not win_amd64"),
    (lambda f: (f / "uninstall.cmd").unlink(), "uninstall.cmd is missing"),
])
def test_each_wheelhouse_problem_is_found(folder: Path, change: object, expected: str) -> None:
    assert callable(change)
    change(folder)
    _resum(folder)
    problems = RC.check_release(folder, PYTHONS)
    assert any(expected in p for p in problems), problems
    # what is not needed is not asked for: delta (extra "slow"), linuxonly (Linux), old-backport on 3.12
    assert not any(word in p for p in problems for word in ("delta", "linuxonly", "3.12: invoicetools needs old"))


def _edit_install(folder: Path, old: str, new: str, *, encoding: str = "ascii") -> None:
    path = folder / "install.cmd"
    text = path.read_bytes().decode("ascii")
    assert old in text
    path.write_bytes(text.replace(old, new).encode(encoding))
    _resum(folder)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("exit /b 0\r\n", "exit /b 0\n", "CRLF"),
    ("echo.", "echo 安裝完成", "not ASCII"),
    ("echo.", "curl -o x.whl https://example.com/x.whl", "runs something the folder does not hold"),
    ("--no-index ", "", "offline"),
    (f'"%HERE%{OURS}"', '"%HERE%invoicetools-0.2.0-py3-none-any.whl"', "not in the folder"),
    ('py -%PYVER%-64 -m venv "%VENV%"', 'py -%PYVER%-64 -m pip install requests', "py launcher only"),
    ("echo.", "powershell -Command Invoke-WebRequest", "runs something"),
])
def test_each_script_problem_is_found(folder: Path, old: str, new: str, expected: str) -> None:
    _edit_install(folder, old, new, encoding="utf-8")
    problems = RC.check_release(folder, PYTHONS)
    assert any(expected in p and p.startswith("install.cmd") for p in problems), problems


def test_a_changed_file_or_a_guide_without_a_version_is_found(folder: Path) -> None:
    (folder / "InvoiceTools.xlam").write_bytes(b"another add-in")
    assert f"{RC.SUMS}: InvoiceTools.xlam does not match" in RC.check_release(folder, PYTHONS)
    guide = folder / RC.GUIDE
    guide.write_bytes(guide.read_bytes().replace(b"3.12", b"3.1x"))
    _resum(folder)
    assert f"{RC.GUIDE} does not mention 3.12" in RC.check_release(folder, PYTHONS)


def test_scripts_and_guide_as_written(folder: Path) -> None:
    for name in RC.SCRIPTS:
        data = (folder / name).read_bytes()
        assert data.isascii() and b"\n" not in data.replace(b"\r\n", b"")
    install = (folder / "install.cmd").read_text(encoding="ascii")
    assert f'"%HERE%{OURS}"' in install and "--no-index" in install and "addin install" in install
    assert "for %%V in (3.12 3.11) do (" in install  # newest supported Python first
    assert "addin uninstall" in (folder / "uninstall.cmd").read_text(encoding="ascii")
    guide = (folder / RC.GUIDE).read_bytes()
    assert guide.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Notepad shows the Chinese
    text = guide.decode("utf-8-sig")
    assert "install.cmd" in text and "XLSTART" in text and "D4F940AB-401B-4EFC-AADC-AD5F3C50688A" in text


# --- resolve, with a scripted pip ----------------------------------------------------------------
def _report(*items: tuple[str, str, str, list[str], bool]) -> str:
    return json.dumps({"install": [
        {"metadata": {"name": n, "version": v, "requires_dist": r},
         "download_info": {"url": f"https://files.example/{f}", "archive_info": {"hashes": {"sha256": "ab" * 32}}},
         "requested": req}
        for n, v, f, r, req in items
    ]})


def test_resolve_adds_what_windows_needs_and_builds_a_pure_wheel(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    top = ("app", "1.0", "app-1.0-py3-none-any.whl",
           ['pywin32>=300; platform_system == "Windows"', 'SecretStorage; sys_platform == "linux"', "oleutil"], True)
    oleutil = ("oleutil", "2.0", "oleutil-2.0-py3-none-any.whl", ['win-console; platform_system == "Windows"'], False)
    linux = ("SecretStorage", "3.5", "secretstorage-3.5-py3-none-any.whl", [], False)
    pywin32 = ("pywin32", "311", "pywin32-311-cp312-cp312-win_amd64.whl", [], False)
    console = ("win-console", "0.5", "win_console-0.5-py3-none-any.whl", [], False)

    def pip(args: Sequence[str]) -> str:
        calls.append(list(args))
        if args[0] == "wheel":
            _wheel(Path(args[args.index("--wheel-dir") + 1]), "win_console-0.5-py3-none-any.whl")
            return ""
        asked = set(args)
        if "win-console" in asked and not any(p.name.startswith("win_console") for p in tmp_path.iterdir()):
            raise BuildError("ERROR: No matching distribution found for win-console")
        if "pywin32>=300" in asked:
            return _report(top, oleutil, linux, pywin32, console)
        return _report(top, oleutil, linux)

    pins = release.resolve(["app"], "3.12", tmp_path, pip=pip)
    assert [p.name for p in pins] == ["app", "oleutil", "pywin32", "win-console"]  # no SecretStorage
    first = calls[0]
    for option in ("--dry-run", "--report", "--only-binary=:all:", "--find-links"):
        assert option in first
    assert first[first.index("--platform") + 1] == "win_amd64"
    assert first[first.index("--python-version") + 1] == "3.12" and first[first.index("--abi") + 1] == "cp312"
    wheel = next(c for c in calls if c[0] == "wheel")
    assert "--no-binary" in wheel and "win-console" in wheel
    assert (tmp_path / "win_console-0.5-py3-none-any.whl").is_file()


def test_resolve_refuses_a_source_only_package_that_would_be_compiled(tmp_path: Path) -> None:
    def pip(args: Sequence[str]) -> str:
        if args[0] == "wheel":
            _wheel(Path(args[args.index("--wheel-dir") + 1]), "fastc-1.0-cp311-cp311-linux_x86_64.whl")
            return ""
        if "fastc" in args:
            raise BuildError("ERROR: No matching distribution found for fastc")
        return _report(("app", "1.0", "app-1.0-py3-none-any.whl", ['fastc; os_name == "nt"'], True))

    with pytest.raises(BuildError, match="not pure Python"):
        release.resolve(["app"], "3.11", tmp_path, pip=pip)


def test_release_refuses_a_folder_in_use_and_unknown_pythons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "old.txt").write_text("x")
    assert main(["build", "--release", str(used)]) == 2
    err = capsys.readouterr().err
    assert "無法建立安裝資料夾" in err and "not empty" in err
    with pytest.raises(BuildError, match="not empty"):
        release.build_release(used)
    with pytest.raises(BuildError, match="unsupported Python"):
        release.build_release(tmp_path / "new", ("3.10",))


# --- against PyPI ----------------------------------------------------------------------------------
def _pypi_reachable() -> bool:
    import httpx

    try:
        return httpx.get("https://pypi.org/simple/pip/", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


needs_pypi = pytest.mark.skipif(not _pypi_reachable(), reason="PyPI is not reachable")


@needs_pypi
def test_the_real_dependencies_resolve_for_windows(tmp_path: Path) -> None:
    """invoicetools' own requirements for CPython 3.13 on 64-bit Windows, from this Linux box."""
    import importlib.metadata

    from packaging.requirements import Requirement

    requirements = [r for r in importlib.metadata.requires("invoicetools") or []
                    if Requirement(r).marker is None]
    pins = release.resolve(requirements, "3.13", tmp_path)
    names = {p.name for p in pins}
    assert {"xlwings", "pandas", "numpy", "pyarrow", "lxml", "keyring", "oletools"} <= names
    assert {"pywin32", "pywin32-ctypes", "tzdata"} <= names  # Windows-only: pip on Linux would drop them
    assert not names & {"secretstorage", "jeepney"}  # Linux-only: dropped
    tags = RC.target_tags("3.13")
    for p in pins:
        from packaging.utils import parse_wheel_filename

        assert set(parse_wheel_filename(p.filename)[3]) & tags, p.filename


@pytest.fixture(scope="session")
def real_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole release folder, built once per session with the command, for Python 3.11."""
    if not _pypi_reachable():
        pytest.skip("PyPI is not reachable")
    out = tmp_path_factory.mktemp("release") / "InvoiceTools-release"
    assert main(["build", "--release", str(out), "--python", "3.11"]) == 0
    return out


@pytest.mark.slow
def test_the_release_folder_holds_everything_an_office_needs(real_release: Path) -> None:
    assert RC.check_release(real_release, ("3.11",)) == []
    names = {p.name for p in (real_release / RC.WHEELHOUSE).glob("*.whl")}
    assert any(n.startswith("pywin32-") and n.endswith("-cp311-cp311-win_amd64.whl") for n in names)
    assert any(n.startswith("win_unicode_console-") and n.endswith("-none-any.whl") for n in names)
    ours = next(real_release.glob("invoicetools-*.whl"))
    with zipfile.ZipFile(ours) as z:
        shipped = {n for n in z.namelist() if "/addin_src/" in n}
        assert "invoicetools/addin_src/customUI14.xml" in shipped  # the wheel can build workbooks
    from invoicetools.build.product import build_xlam

    assert (real_release / "InvoiceTools.xlam").read_bytes() == build_xlam()
    listed = (real_release / RC.SUMS).read_text(encoding="utf-8")
    assert "wheelhouse/" in listed and RC.GUIDE in listed


def test_wheel_metadata_reader(tmp_path: Path) -> None:
    path = _wheel(tmp_path, "a_b-1.2-cp311-abi3-win_amd64.whl", ["c>=1"])
    w = RC.Wheel.read(path)
    assert (w.name, str(w.version), w.requires) == ("a-b", "1.2", ("c>=1",))
    assert {str(t) for t in w.tags} == {"cp311-abi3-win_amd64"}
