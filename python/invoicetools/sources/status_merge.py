"""Several platform status downloads as one snapshot: folders of status files, and the later status wins.

The platform's query runs per month or per invoice type, so an accountant holds several
files; ``status import`` takes several files and folders in one command, and one command is
one snapshot: the union of its sources.

* A **folder** gives every status file directly in it (CSV/TXT/TSV/xlsx/xlsm, by name), plus
  the Turnkey result files found under it; a **Turnkey folder** (one holding ``UpCast/`` or
  ``Unpack/``) gives its result files only. Other files are listed in a finding, never read
  silently; a status file that cannot be read stops the import with its place, as a single
  file would.
* The **same invoice in two sources** keeps the rows of one source: the one whose status is
  later by its own time (上傳日期) when every source gives one, else the later source (the
  order of the command line; in a folder, the order of the file names). The kept row's 說明
  says which status it replaced when the two differ, and a finding per pair of sources says
  how many invoices were resolved so. Rows of one source are never merged here (a SummaryResult
  may list an F0401 and its F0501): the check reduces them.

>>> import pandas as pd
>>> from invoicetools.sources.status import SHEET_COLUMNS, StatusImport
>>> def src(name, rows):
...     frame = pd.DataFrame(rows, columns=["發票號碼", "狀態", "上傳日期"]).reindex(columns=list(SHEET_COLUMNS))
...     return StatusImport(frame.astype(object).where(frame.notna(), None), name)
>>> jan = src("1月.csv", [["AB00000001", "處理中", None], ["AB00000002", "已上傳", None]])
>>> feb = src("2月.csv", [["AB00000001", "已上傳", None], ["AB00000003", "已上傳", None]])
>>> out = merge([jan, feb])
>>> out.frame[["發票號碼", "狀態", "說明"]].values.tolist()
[['AB00000002', '已上傳', None], ['AB00000001', '已上傳', '取代 1月.csv 的「處理中」（以較新的來源為準）'], ['AB00000003', '已上傳', None]]
>>> out.counts["重複發票"], [f.message for f in out.findings]
(1, ['「2月.csv」與「1月.csv」有 1 張相同的發票，已取較新的狀態；其中 1 張狀態不同，例如 AB00000001：處理中 → 已上傳'])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import Finding, InputError, Location, Severity

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from .status import StatusImport

__all__ = ["STATUS_FILE_SUFFIXES", "merge", "read_folder"]

# Files a folder is read for (.xls too: it is refused with its name, not passed over).
STATUS_FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
TURNKEY_DIRS = ("UpCast", "Unpack")
MAX_NAMES = 5


def _names(names: Sequence[str]) -> str:
    shown = "、".join(names[:MAX_NAMES])
    return shown + (f" 等 {len(names):,} 個" if len(names) > MAX_NAMES else "")


def _sorted_unique(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct values of a sorted array."""
    import numpy as np

    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _contested(keys: npt.NDArray[np.int64], src: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Rows whose invoice key (>= 0) is in two or more sources: one sort of the keys, no grouping by text."""
    import numpy as np

    valid = np.flatnonzero(keys >= 0)
    k, s = keys[valid], src[valid]
    order = np.lexsort((s, k))
    ks, ss = k[order], s[order]
    pair = np.r_[True, (ks[1:] != ks[:-1]) | (ss[1:] != ss[:-1])] if len(ks) else np.zeros(0, dtype=bool)
    pk = ks[pair]  # one entry per (key, source), sorted by key
    shared = _sorted_unique(pk[1:][pk[1:] == pk[:-1]])
    out = np.zeros(len(keys), dtype=bool)
    if len(shared):
        at = np.minimum(np.searchsorted(shared, k), len(shared) - 1)
        out[valid] = shared[at] == k
    return out


def _kept(key: npt.NDArray[np.int64], src: npt.NDArray[np.int64],
          time: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Of contested rows: the rows of the source that wins their key (vectorised: sorts, no grouping).

    ``time`` is the row's own time as int64 nanoseconds (NaT = the smallest int64). A key is won
    by the source with the latest time when every source of the key has one (ties: the later
    source), else by the later source.
    """
    import numpy as np

    nat = np.iinfo(np.int64).min  # NaT as int64
    order = np.lexsort((src, key))
    k, s, t = key[order], src[order], time[order]
    starts = np.flatnonzero(np.r_[True, (k[1:] != k[:-1]) | (s[1:] != s[:-1])])  # one per (key, source)
    pk, ps, pt = k[starts], s[starts], np.maximum.reduceat(t, starts)
    key_starts = np.flatnonzero(np.r_[True, pk[1:] != pk[:-1]])
    all_timed = np.minimum.reduceat((pt != nat).astype(np.int8), key_starts).astype(bool)
    rank = np.where(np.repeat(all_timed, np.diff(np.r_[key_starts, len(pk)])), pt, nat)
    best = np.lexsort((ps, rank, pk))  # by key, then time, then source: the last of each key wins
    last = best[np.r_[pk[best][1:] != pk[best][:-1], True]]
    win_key, win_src = pk[last], ps[last]
    return np.asarray(src == win_src[np.searchsorted(win_key, key)], dtype=bool)


def merge(imports: Sequence[StatusImport]) -> StatusImport:
    """The sources as one snapshot, in the order given (see the module docstring)."""
    import numpy as np
    import pandas as pd

    from ..domain.invoice_number import keys_from_strings
    from .status import SHEET_COLUMNS, StatusImport, count_states

    if len(imports) == 1:
        return imports[0]
    frames = [i.frame.reindex(columns=list(SHEET_COLUMNS)) for i in imports]
    frame = pd.concat(frames, ignore_index=True)
    src = np.repeat(np.arange(len(frames), dtype=np.int64), [len(f) for f in frames])
    findings = [f for i in imports for f in i.findings]
    numbers = frame["發票號碼"]
    keys, ok = keys_from_strings(numbers.astype("object").where(numbers.notna(), None))
    keys = np.where(ok, keys, -1).astype(np.int64)
    contested = _contested(keys, src)
    resolved = 0
    if contested.any():
        at = np.flatnonzero(contested)
        times = pd.to_datetime(frame["上傳日期"].iloc[at], errors="coerce", cache=False).to_numpy(dtype="datetime64[ns]")
        keep = _kept(keys[at], src[at], times.view(np.int64))
        sub = pd.DataFrame({"key": keys[at], "src": src[at], "at": at,
                            "state": frame["狀態"].iloc[at].astype("string").fillna("（無）").to_numpy()})
        resolved = len(_sorted_unique(np.sort(keys[at])))
        findings += _say(frame, sub[keep], sub[~keep], imports)
        frame = frame.drop(index=at[~keep])
    frame = frame.reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    counts: dict[str, int] = {}
    for i in imports:
        for k, v in i.counts.items():
            counts[k] = counts.get(k, 0) + v
    counts.update(count_states(frame))
    if resolved:
        counts["重複發票"] = resolved
    return StatusImport(frame, "、".join(i.source for i in imports), findings, counts)


def _say(frame: pd.DataFrame, kept: pd.DataFrame, dropped: pd.DataFrame,
         imports: Sequence[StatusImport]) -> list[Finding]:
    """Notes on the kept rows whose status differed, and one finding per (kept, replaced) pair of sources."""
    import pandas as pd

    from ..domain.invoice_number import from_key

    gone = dropped.drop_duplicates("key", keep="last").set_index("key")[["src", "state"]].add_suffix("_old")
    pairs = kept.drop_duplicates("key", keep="last").set_index("key").join(gone, how="inner")
    changed = pairs[pairs["state"] != pairs["state_old"]]
    if len(changed):
        names = pd.Series([i.source for i in imports], dtype="string")
        old = names.iloc[changed["src_old"].astype(int).to_numpy()].to_numpy()
        note = pd.Series("取代 " + old + " 的「" + changed["state_old"].to_numpy(dtype=object) + "」（以較新的來源為準）",
                         index=changed["at"].to_numpy())
        said = frame.loc[note.index, "說明"].astype("string").fillna("")
        frame.loc[note.index, "說明"] = (said + "；" + note).where(said != "", note).to_numpy(dtype=object)
    findings: list[Finding] = []
    for (new, old_src), group in pairs.groupby(["src", "src_old"], sort=True):
        differ = group[group["state"] != group["state_old"]]
        text = (f"「{imports[int(new)].source}」與「{imports[int(old_src)].source}」有 {len(group):,} 張相同的發票，"
                "已取較新的狀態")
        if len(differ):
            first = differ.index[0]
            text += (f"；其中 {len(differ):,} 張狀態不同，例如 {from_key(int(first))}："
                     f"{differ.at[first, 'state_old']} → {differ.at[first, 'state']}")
        findings.append(Finding("status_duplicate_resolved", text, Location(file=imports[int(new)].source),
                                Severity.INFO))
    return findings


def _status_files(folder: Path) -> tuple[list[Path], list[str]]:
    """Status files directly in ``folder`` (by name) and the names of the other files there."""
    files: list[Path] = []
    others: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.name.startswith((".", "~$")):  # hidden files, Office lock files
            continue
        if path.suffix.lower() in STATUS_FILE_SUFFIXES:
            files.append(path)
        elif path.suffix.lower() not in (".xml", ".summaryresult", ".processresult"):
            others.append(path.name)
    return files, others


def read_folder(folder: Path) -> StatusImport:
    """Every status file in ``folder`` and the Turnkey results under it, as one snapshot."""
    from .status import read_results_folder, read_status_path

    turnkey_root = any((folder / d).is_dir() for d in TURNKEY_DIRS)
    results = read_results_folder(folder)
    files, others = ([], []) if turnkey_root else _status_files(folder)
    sources = ([results] if results is not None else []) + [read_status_path(f) for f in files]
    if not sources:
        raise InputError(
            "資料夾裡沒有平台狀況檔（CSV／xlsx），也沒有 Turnkey 結果檔（SummaryResult／ProcessResult）；"
            "請選放平台下載檔的資料夾，或 Turnkey 的 Unpack 資料夾", where=Location(file=str(folder)))
    out = merge(sources)
    names = ([results.source] if results is not None else []) + [f.name for f in files]
    out.source = f"{folder.name}（{_names(names)}）" if files else out.source
    out.counts["檔案"] = len(files) + (results.counts.get("檔案", 0) if results is not None else 0)
    if others:
        out.findings.append(Finding(
            "status_folder_other_files", f"資料夾裡有 {len(others):,} 個不是狀況檔的檔案，未讀取：{_names(others)}",
            Location(file=str(folder)), Severity.INFO))
    return out
