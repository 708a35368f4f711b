"""The E0402 files of a period: built from what this system reports, compared with last time, and
where they go.

* :func:`build_files` — one validated XML file per 營業人 × 發票類別 × 字軌 with blanks: the
  blank runs (allocation − used numbers) of each group, merged and ascending;
* :func:`compare` — what changed against the files written last time for the period (the
  file when it is still in the folder, else the ranges the E0402 sheet lists);
* :func:`output_folder` — ``<Turnkey>/UpCast/B2PMESSAGE/E0402/SRC`` for a Turnkey root, else
  the folder itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..book.settings import MIG_VERSIONS, Settings
from ..domain.errors import Finding, InputError, Location, Severity
from ..domain.periods import Period

if TYPE_CHECKING:
    import pandas as pd

    from ..steps.blanks import UsedNumbers
    from ..steps.reporting import Reported
    from .base import Context

__all__ = ["E0402File", "build_files", "compare", "mig_version", "output_folder", "sheet_rows"]

SHEET = layout.sheet("E0402")
TABLE = layout.table("E0402")
SRC = ("UpCast", "B2PMESSAGE", "E0402", "SRC")


@dataclass
class E0402File:
    """One file to write: its Main fields, ranges (8-digit numbers) and bytes."""

    ban: str
    invoice_type: str
    track: str
    ranges: tuple[tuple[int, int], ...]
    name: str = ""
    data: bytes = b""
    sha256: str = ""
    change: str = ""
    change_lines: list[str] = field(default_factory=list)

    @property
    def blank_count(self) -> int:
        return sum(e - b + 1 for b, e in self.ranges)


def output_folder(ctx: Context, out_dir: str | Path | None, settings: Settings) -> tuple[Path, list[Finding]]:
    """Where the files go: ``<root>/UpCast/B2PMESSAGE/E0402/SRC`` for a Turnkey root, else the folder itself.

    The folder is ``out_dir``, else the sheet's 輸出資料夾, else 設定 Turnkey資料夾, else
    設定 輸出資料夾, else the one the accountant chooses.
    """
    findings: list[Finding] = []
    param = ctx.io.read_params(SHEET).get("out_dir")
    from_turnkey_setting = False
    chosen: Path | None = None
    for value in (out_dir, param):
        if value is not None and str(value).strip():
            chosen = Path(str(value).strip())
            break
    if chosen is None and settings.turnkey_dir is not None:
        chosen, from_turnkey_setting = settings.turnkey_dir, True
    if chosen is None:
        chosen = settings.output_dir
    if chosen is None:
        chosen = ctx.host.choose_folder("選擇 E0402 輸出資料夾（Turnkey 資料夾或任一資料夾）")
    if chosen is None:
        raise InputError("請指定 E0402 輸出資料夾（--out），或在[設定]填寫 Turnkey資料夾")
    root = chosen.expanduser()
    if (root / "UpCast").is_dir():
        return root.joinpath(*SRC), findings
    if from_turnkey_setting:
        findings.append(Finding(
            "e0402_not_turnkey", f"[設定] Turnkey資料夾 {root} 裡沒有 UpCast 資料夾：檔案直接寫入該資料夾，Turnkey 不會自動上傳",
            Location(sheet="設定", column="Turnkey資料夾"), Severity.WARNING))
    return root, findings


def _previous_ranges(row: pd.Series, current_folder: Path) -> tuple[tuple[int, int], ...] | None:
    """The ranges of the file written last time: from the file if it is still there, else from the sheet."""
    from ..mig import e0402
    from ..steps.blanks import parse_ranges

    name = str(row.get("檔案名稱") or "").strip()
    places = [Path(str(row.get("輸出位置") or "").strip()) / name, current_folder / name]
    sha = str(row.get("sha256") or "").strip()
    from .files import sha256_file

    for place in places:
        if name and place.is_file():
            try:
                if not sha or sha256_file(place) == sha:
                    return e0402.read(place).ranges
            except (InputError, OSError):
                pass
    return parse_ranges(row.get("空白區間"))


def _describe(ranges_: tuple[tuple[int, int], ...], limit: int = 5) -> str:
    from ..steps.blanks import format_ranges

    shown = ranges_[:limit]
    text = format_ranges([b for b, _ in shown], [e for _, e in shown])
    return text + (f" 等 {len(ranges_):,} 組" if len(ranges_) > limit else "")


def compare(files: list[E0402File], before: pd.DataFrame, folder: Path) -> list[str]:
    """Fill each file's 異動 and return the message lines for tracks that changed or disappeared."""
    from ..steps.blanks import range_changes

    previous = {str(r["檔案名稱"]).strip(): r for _, r in before.iterrows() if str(r.get("檔案名稱") or "").strip()}
    lines: list[str] = []
    for f in files:
        old = previous.pop(f.name, None)
        if old is None:
            f.change = "首次轉出" if not len(before) else "新增字軌"
            if len(before):
                lines.append(f"字軌 {f.track}：新增（上次沒有此字軌的檔案）")
            continue
        if str(old.get("sha256") or "").strip() == f.sha256:
            f.change = "無異動"
            continue
        prev = _previous_ranges(old, folder)
        if prev is None:
            f.change = "已變更（上次的區間無法比對）"
            lines.append(f"字軌 {f.track}：內容已變更（上次的檔案已不在輸出資料夾，無法逐區間比對）")
            continue
        added, removed = range_changes(prev, f.ranges)
        if not added and not removed:
            f.change = "區間相同"
            continue
        f.change = f"新增 {len(added):,} 組、移除 {len(removed):,} 組"
        detail = [f"新增 {_describe(added)}"] if added else []
        detail += [f"移除 {_describe(removed)}"] if removed else []
        lines.append(f"字軌 {f.track}：{'；'.join(detail)}")
    for name, old in previous.items():
        lines.append(f"字軌 {str(old.get('發票字軌') or '').strip() or name}：上次有空白號碼，本次沒有（不再產生檔案 {name}）")
    return lines


def mig_version(mig: str | None, settings: Settings) -> str:
    from ..mig.schema import normalize_version

    version = normalize_version(mig) if mig else settings.mig_version
    if version not in MIG_VERSIONS:
        raise InputError(f"MIG 版本應為 {'、'.join(MIG_VERSIONS)}", found=mig)
    return version


def build_files(owned: Reported, used: UsedNumbers, period: Period, head_ban: str, version: str) -> list[E0402File]:
    import numpy as np

    from ..domain.invoice_number import KEY_BASE
    from ..mig import e0402
    from ..steps.blanks import classify, segments
    from .files import sha256_bytes

    seg = segments(owned.group, owned.begin, owned.end)
    free, _ = classify(seg, used)
    run_group = seg.group[free.segment]
    order = np.argsort(run_group, kind="stable")  # runs are ascending by number within a group
    run_group, rb, re_ = run_group[order], free.begin[order] % KEY_BASE, free.end[order] % KEY_BASE
    cuts = np.flatnonzero(np.diff(run_group)) + 1
    files: list[E0402File] = []
    too_many: list[str] = []
    for g, b, e in zip(np.split(run_group, cuts), np.split(rb, cuts), np.split(re_, cuts), strict=True):
        if not g.size:
            continue
        ban, kind, track = owned.groups[int(g[0])]
        if b.size > e0402.MAX_RANGES:
            too_many.append(f"字軌 {track}（{b.size:,} 組）")
            continue
        files.append(E0402File(ban, kind, track, tuple(zip(b.tolist(), e.tolist(), strict=True))))
    if too_many:
        raise InputError(
            f"E0402 每個字軌最多 {e0402.MAX_RANGES:,} 組空白區間，{'、'.join(too_many)}超過上限，沒有產生任何檔案。"
            "這通常表示[發票資料]不完整（大量號碼看起來像跳號）：請先檢查[跳號作廢]與[漏上傳檢核]。")
    for f in files:
        try:
            f.data = e0402.build(head_ban=head_ban, branch_ban=f.ban, invoice_type=f.invoice_type,
                                 year_month=period.code, track=f.track, ranges=f.ranges, version=version)
        except InputError as exc:
            raise InputError(f"E0402 字軌 {f.track}：{exc}") from None
        f.name = e0402.file_name(branch_ban=f.ban, year_month=period.code, track=f.track, invoice_type=f.invoice_type)
        f.sha256 = sha256_bytes(f.data)
    files.sort(key=lambda f: f.name)
    return files


def sheet_rows(files: list[E0402File], period: Period, folder: Path) -> pd.DataFrame:
    import pandas as pd

    from ..steps.blanks import format_ranges

    return pd.DataFrame([{
        "序號": 0,
        "檔案名稱": f.name,
        "營業人統編": f.ban,
        "發票類別代號": f.invoice_type,
        "申報年月": period.code,
        "發票字軌": f.track,
        "區間數": len(f.ranges),
        "空白張數": f.blank_count,
        "空白區間": format_ranges([b for b, _ in f.ranges], [e for _, e in f.ranges]),
        "異動": f.change,
        "sha256": f.sha256,
        "期限": period.blank_deadline,
        "輸出位置": str(folder),
    } for f in files], columns=list(TABLE.headers))


