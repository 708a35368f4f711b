"""E0402 空白未使用字軌檔: one validated XML file per 營業人 × 發票類別 × 期別 × 字軌 of the period.

Blanks = the allocation this system owns − every used number (register any status, platform).
The voided 跳號 and the 未使用 tails of a track go into one file, merged and ascending; a
track with no blanks gets no file. What this system owns comes from 字軌配號 擁有者 (an
explicit owner wins; a blank owner is 本系統 when the booklet is assigned to a machine on
配號設定, else 其他系統) plus the 配號設定 ranges themselves. A track split between owners is
warned about: two E0402 uploads for one track replace each other on the platform.

The export refuses while a 跳號 is still 待確認 (it points at the 跳號作廢 sheet) unless
forced with a reason. Before writing, it compares with the files it wrote last time for the
period (the E0402 sheet and the files still in the output folder) and shows what changed;
in Excel that is a confirmation. Files are validated against the MIG XSD, written under a
temporary name and renamed, all or none, into ``<Turnkey>/UpCast/B2PMESSAGE/E0402/SRC``
when the folder is a Turnkey root, else into the folder itself. Names are deterministic and
a rerun gives byte-identical files.

The ERP screen asks for 申報年月 and the platform password before 轉出. Turnkey signs and
uploads with its own certificate, so the file hand-off needs no password; when a 加值中心 is
set in 設定, its login must be in the OS keyring: asked for once if missing and stored there,
never in the sheet, the log or a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..book.settings import MIG_VERSIONS, Settings, read_settings
from ..domain.errors import ExitCode, Finding, InputError, Location, RefusalError, Severity
from ..domain.periods import Period
from .base import ActionResult, Context, finish
from .gaps import (
    GapsRun,
    _range_keys,
    _records,
    _row_periods,
    _typed_subset,
    compute_gaps,
    resolve_period,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["STEP", "E0402File", "export_e0402", "output_folder", "owned_allocation"]

STEP = "E0402"
SHEET = layout.sheet("E0402")
TABLE = layout.table("E0402")
_TRACKS = layout.table("字軌配號")
_SRC = ("UpCast", "B2PMESSAGE", "E0402", "SRC")
_DIALOG_LINES = 20
_BLOCKING = ("gaps_overlap", "gaps_bad_range", "e0402_bad_track")  # allocation rows that could not be used


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


# ----------------------------------------------------------------------------------------------
# What this system owns
# ----------------------------------------------------------------------------------------------
def _invoice_type(value: str) -> str:
    text = value.strip()
    return {"7": "07", "8": "08"}.get(text, text)


@dataclass
class Owned:
    """Owned allocation per (ban, type, track) group, as key ranges, plus the warnings."""

    groups: list[tuple[str, str, str]]  # (ban, type, track) by group code
    group: npt.NDArray[np.int64]
    begin: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    findings: list[Finding]


def owned_allocation(ctx: Context, period: Period, settings: Settings, run: GapsRun) -> Owned:
    """The allocation this system reports: its parts of 字軌配號 + machine ranges 字軌配號 does not list.

    Owners come from ``steps.tracks.owner_of_ranges`` (the 配號 step's rule) with the machine
    ranges the gaps were computed on as the allocation (配號設定, or 字軌配號 in the fallback).
    """
    import numpy as np
    import pandas as pd

    from ..domain import ranges
    from ..domain.invoice_number import KEY_BASE, track_from_code
    from ..steps.blanks import overlap_pieces
    from ..steps.tracks import OWNER_OTHER, OWNER_SELF, owner_of_ranges

    findings: list[Finding] = []
    where = Location(file=ctx.io.name, sheet=_TRACKS.sheet)
    raw = ctx.io.read_table(_TRACKS)
    machines = run.machines.frame
    mb = machines["begin"].to_numpy(dtype=np.int64)
    me = machines["end"].to_numpy(dtype=np.int64)
    allocation = pd.DataFrame({
        "發票字軌": [track_from_code(int(b) // KEY_BASE) for b in mb.tolist()],
        "起號": [f"{int(b) % KEY_BASE:08d}" for b in mb.tolist()],
        "迄號": [f"{int(e) % KEY_BASE:08d}" for e in me.tolist()],
        "申報年月": period.code,
    })
    if raw.empty:
        parts = pd.DataFrame(columns=["營業人統編", "發票類別代號", "發票字軌", "擁有者", "begin_key", "end_key"])
    else:
        parts = owner_of_ranges(raw, allocation, period=period.code, where=where)
        typed_rows, _ = _typed_subset(ctx, _TRACKS, ("發票期別", "發票字軌名稱", "發票起號", "發票迄號", "申報年月"))
        row_period = _row_periods(typed_rows["申報年月"], None)
        row_period = row_period.where(row_period != "", _row_periods(typed_rows["發票期別"], None))
        rows = typed_rows[(row_period == period.code).to_numpy(dtype=bool)]
        _, _, ok = _range_keys(rows["發票字軌名稱"], rows["發票起號"], rows["發票迄號"])
        for row in rows.index[~ok][:200]:
            findings.append(Finding("e0402_bad_track", "字軌或起迄號不正確，此列未列入 E0402", where.with_row(int(row)),
                                    Severity.ERROR))
    company = settings.ubn or ""
    keys: dict[tuple[str, str, str], int] = {}
    group: list[int] = []
    begins: list[npt.NDArray[np.int64]] = []
    ends: list[npt.NDArray[np.int64]] = []

    def code(ban: object, kind: object, track: str) -> int:
        return keys.setdefault((_str(ban) or company, _invoice_type(_str(kind)) or "07", track), len(keys))

    pb_all = parts["begin_key"].to_numpy(dtype=np.int64)
    pe_all = parts["end_key"].to_numpy(dtype=np.int64)
    own = (parts["擁有者"] == OWNER_SELF).to_numpy(dtype=bool)
    order = np.argsort(pb_all, kind="stable")  # 字軌配號 parts are disjoint: sorted, a binary search finds one
    p_b, p_e = pb_all[order], pe_all[order]
    p_ban = parts["營業人統編"].to_numpy(object)[order]
    p_type = parts["發票類別代號"].to_numpy(object)[order]

    def part_of(key: int) -> int:
        i = int(np.searchsorted(p_b, key, "right")) - 1
        return i if i >= 0 and key <= p_e[i] else -1

    # numbers handed to a machine: the 配號設定 row's BAN and type (a branch holds its booklets), unless
    # 字軌配號 names another owner for them; the 字軌配號 row fills what the machine row leaves blank
    allowed_b, allowed_e = ranges.subtract(mb, me, pb_all[~own], pe_all[~own])
    at, xpb, xpe = overlap_pieces(mb, me, allowed_b, allowed_e)  # at: the machine row of each piece
    m_ban = machines["ban"].to_numpy(object)
    m_type = machines["type"].to_numpy(object)
    m_row = machines["row"].to_numpy(object)
    defaulted: set[str] = set()
    for i, b in zip(at.tolist(), xpb.tolist(), strict=True):  # one per machine row piece, not per number
        track = track_from_code(b // KEY_BASE)
        j = part_of(b)
        ban = _str(m_ban[i]) or (_str(p_ban[j]) if j >= 0 else "")
        kind = _invoice_type(_str(m_type[i])) or (_invoice_type(_str(p_type[j])) if j >= 0 else "")
        if not kind and track not in defaulted:
            defaulted.add(track)
            findings.append(Finding(
                "e0402_type_default", f"字軌 {track} 的發票類別代號空白，以 07（一般稅額）申報",
                run.machines.where.with_row(int(m_row[i]), "發票類別代號"), Severity.WARNING))
        group.append(code(ban, kind, track))
    begins.append(xpb.astype(np.int64))
    ends.append(xpe.astype(np.int64))
    # this system's parts of 字軌配號 that no machine holds: the 字軌配號 row's BAN and type
    rest_b, rest_e = ranges.subtract(pb_all[own], pe_all[own], mb, me)
    own_sorted = np.flatnonzero(own[order])
    at2, rpb, rpe = overlap_pieces(p_b[own_sorted], p_e[own_sorted], rest_b, rest_e)
    for j, b in zip(own_sorted[at2].tolist(), rpb.tolist(), strict=True):  # one per 字軌配號 part piece
        group.append(code(p_ban[j], p_type[j], track_from_code(b // KEY_BASE)))
    begins.append(rpb.astype(np.int64))
    ends.append(rpe.astype(np.int64))
    xb, xe = ranges.subtract(mb, me, pb_all, pe_all)  # machine numbers 字軌配號 does not list

    # a track split between owners: two E0402 uploads for one track replace each other
    by_track: dict[str, dict[str, int]] = {}
    for track, owner, n in zip(parts["發票字軌"].tolist(), parts["擁有者"].tolist(), (pe_all - pb_all + 1).tolist(),
                               strict=True):
        counts = by_track.setdefault(str(track), {})
        counts[str(owner)] = counts.get(str(owner), 0) + n
    for b, e in zip(xb.tolist(), xe.tolist(), strict=True):
        counts = by_track.setdefault(track_from_code(b // KEY_BASE), {})
        counts[OWNER_SELF] = counts.get(OWNER_SELF, 0) + (e - b + 1)
    for track, counts in sorted(by_track.items()):
        if len(counts) > 1 and OWNER_SELF in counts:
            shares = "、".join(f"{k} {v:,} 張" for k, v in counts.items())
            findings.append(Finding(
                "e0402_split_track",
                f"字軌 {track} 分屬不同申報者（{shares}）：同一字軌上傳兩次 E0402 會互相取代。"
                f"本系統只申報自己的部分；{OWNER_OTHER if OWNER_OTHER in counts else '其他申報者'}的空白號碼請由其申報，"
                "並協調由一方申報整個字軌（可在[字軌配號]的擁有者欄標明）",
                where, Severity.WARNING))
    if not group:
        empty = np.empty(0, np.int64)
        return Owned([], empty, empty.copy(), empty.copy(), findings)
    names = [k for k, _ in sorted(keys.items(), key=lambda kv: kv[1])]
    return Owned(names, np.asarray(group, dtype=np.int64), np.concatenate(begins), np.concatenate(ends), findings)


def _str(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value).strip()
    return "" if text in ("<NA>", "nan", "None") else text


# ----------------------------------------------------------------------------------------------
# Output folder, previous files, password
# ----------------------------------------------------------------------------------------------
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
        chosen = ctx.choose_folder("選擇 E0402 輸出資料夾（Turnkey 資料夾或任一資料夾）")
    if chosen is None:
        raise InputError("請指定 E0402 輸出資料夾（--out），或在[設定]填寫 Turnkey資料夾")
    root = chosen.expanduser()
    if (root / "UpCast").is_dir():
        return root.joinpath(*_SRC), findings
    if from_turnkey_setting:
        findings.append(Finding(
            "e0402_not_turnkey", f"[設定] Turnkey資料夾 {root} 裡沒有 UpCast 資料夾：檔案直接寫入該資料夾，Turnkey 不會自動上傳",
            Location(sheet="設定", column="Turnkey資料夾"), Severity.WARNING))
    return root, findings


def _previous(ctx: Context, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows of this period, rows of other periods) on the E0402 sheet."""
    raw = ctx.io.read_table(TABLE)
    if raw.empty or "申報年月" not in raw.columns:
        empty = raw.reindex(columns=list(TABLE.headers))
        return empty, empty
    raw = raw.reindex(columns=list(TABLE.headers))
    same = (_row_periods(raw["申報年月"], None) == period.code).to_numpy(dtype=bool)
    return raw[same], raw[~same]


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


def _compare(files: list[E0402File], before: pd.DataFrame, folder: Path) -> list[str]:
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


def _platform_login(ctx: Context, settings: Settings) -> tuple[str, list[Finding]]:
    """When a 加值中心 is set: make sure its login is in the OS keyring (ask once). Never returns a secret."""
    provider = settings.provider
    if not provider:
        return "", []
    from ..sources import credentials

    ubn = settings.require_ubn()
    try:
        if credentials.is_stored(provider, ubn):
            return f"{provider} 平台登入資訊：由系統密碼儲存區取得。", []
    except InputError as exc:
        return "", [Finding("e0402_keyring", f"無法讀取 {provider} 的登入資訊：{exc.message}",
                            Location(sheet="設定", column="登入資訊"), Severity.WARNING)]
    secret = ctx.ask_secret(f"請輸入 {provider} 平台密碼（會存入作業系統的密碼儲存區，不會寫入活頁簿）：")
    if not secret:
        return f"未輸入 {provider} 平台密碼：E0402 檔仍已寫入，請由 Turnkey 或平台上傳。", []
    try:
        credentials.save(credentials.Credentials(provider, ubn, password=secret))
    except InputError as exc:
        return "", [Finding("e0402_keyring", f"無法儲存 {provider} 的登入資訊：{exc.message}",
                            Location(sheet="設定", column="登入資訊"), Severity.WARNING)]
    return f"{provider} 平台密碼已存入系統密碼儲存區（不會寫入活頁簿）。", []


# ----------------------------------------------------------------------------------------------
# The action
# ----------------------------------------------------------------------------------------------
def _version(mig: str | None, settings: Settings) -> str:
    from ..mig.schema import normalize_version

    version = normalize_version(mig) if mig else settings.mig_version
    if version not in MIG_VERSIONS:
        raise InputError(f"MIG 版本應為 {'、'.join(MIG_VERSIONS)}", found=mig)
    return version


def _build_files(owned: Owned, run: GapsRun, period: Period, head_ban: str, version: str) -> list[E0402File]:
    import numpy as np

    from ..domain.invoice_number import KEY_BASE
    from ..mig import e0402
    from ..steps.blanks import classify, segments
    from .files import sha256_bytes

    seg = segments(owned.group, owned.begin, owned.end)
    free, _ = classify(seg, run.used)
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


def _rows(files: list[E0402File], period: Period, folder: Path) -> pd.DataFrame:
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


def export_e0402(
    ctx: Context,
    period: str | None = None,
    out_dir: str | Path | None = None,
    mig: str | None = None,
    *,
    dry_run: bool = False,
) -> ActionResult:
    """[轉出] / ``invoicetools e0402``: write the period's E0402 files and list them on the E0402 sheet."""

    settings = read_settings(ctx.io)
    p = resolve_period(period, settings, where="--period 或[E0402]的申報年月")
    version = _version(mig, settings)
    head_ban = settings.require_ubn()
    run = compute_gaps(ctx, p, None, settings)
    pending = run.result.pending
    forced = bool(ctx.force_reason)
    if len(pending) and not forced:
        n = int(pending["count"].sum())
        raise RefusalError(
            f"{p.label} 還有 {len(pending):,} 組、共 {n:,} 張跳號待確認，不能轉出 E0402：請到[跳號作廢]工作表確認，"
            "確定從未開立後按[確定]整批作廢；若確定要強制轉出，需提供原因（會寫入執行紀錄）。")
    owned = owned_allocation(ctx, p, settings, run)
    if run.machines.frame.empty and not owned.group.size:
        raise InputError(f"{p.label} 沒有配號資料：請先匯入[字軌配號]並在[配號設定]按[配號]")
    findings = run.findings + owned.findings
    broken = [f for f in findings if f.code in _BLOCKING]
    if broken and not forced:
        shown = "；".join(str(f) for f in broken[:3]) + (f"…共 {len(broken):,} 項" if len(broken) > 3 else "")
        raise RefusalError(f"配號資料有問題，E0402 可能不完整，沒有轉出：{shown}。請修正後再轉出，或加 --force 原因 強制轉出。")
    files = _build_files(owned, run, p, head_ban, version)
    folder, more = output_folder(ctx, out_dir, settings)
    findings += more
    before, others = _previous(ctx, p)
    changes = _compare(files, before, folder)
    rows = _rows(files, p, folder.resolve() if folder.exists() else folder)
    total = sum(f.blank_count for f in files)
    params: dict[str, object] = {"period": p.code, "mig": version, "out": str(folder)}
    counts = {"檔案": len(files), "區間": sum(len(f.ranges) for f in files), "空白張數": total}
    notes: list[str] = []
    if forced and len(pending):
        notes.append(f"強制轉出：仍有 {int(pending['count'].sum()):,} 張跳號待確認，已列為空白號碼。")
    if len(run.result.fix_erp):
        notes.append(f"平台有但[發票資料]缺漏的 {int(run.result.fix_erp['count'].sum()):,} 張不列入空白號碼；請補匯入 ERP 資料。")
    if changes:
        notes.append("與上次轉出相比：\n" + "\n".join(changes[:_DIALOG_LINES])
                     + (f"\n…另有 {len(changes) - _DIALOG_LINES:,} 項" if len(changes) > _DIALOG_LINES else ""))

    if not files:
        message = f"{p.label} 本系統負責申報的字軌沒有空白未使用號碼，不需要轉出 E0402。"
        if dry_run:
            return ActionResult(STEP, message, counts=counts, findings=findings, params=params, rows=[])
        _write_sheet(ctx, p, rows, others, message, folder)
        return finish(ctx, ActionResult(STEP, "\n".join([message, *notes]), counts=counts, findings=findings,
                                        params=params, rows=[]))

    summary = (f"{p.label}：{len(files):,} 個 E0402 檔（MIG {version}），共 {counts['區間']:,} 組、{total:,} 張空白號碼，"
               f"上傳期限 {p.blank_deadline:%Y/%m/%d}。")
    if dry_run:
        preview = rows.copy()
        preview["序號"] = range(1, len(preview) + 1)
        return ActionResult(STEP, "\n".join([f"預覽（沒有寫入任何檔案）：{summary}", *notes]), counts=counts,
                            findings=findings, params={**params, "dry_run": True}, rows=_records(preview))
    if changes and len(before):
        prompt = "\n".join([summary, *notes, "同一字軌再次上傳 E0402 會取代平台上先前的空白號碼。確定要轉出嗎？"])
        if not ctx.confirm(prompt):
            return ActionResult(STEP, "已取消，沒有寫入任何檔案。", params=params)
    login, login_findings = _platform_login(ctx, settings)
    findings += login_findings
    from .files import transaction

    with transaction() as tx:  # the files are taken back if the workbook cannot be written
        for f in files:
            tx.add(folder / f.name, f.data)
        outputs = tx.commit()
        rows["輸出位置"] = str(folder.resolve())
        message = f"已轉出 {summary}"
        written = _write_sheet(ctx, p, rows, others, message, folder)
        lines = [message, f"輸出位置：{folder.resolve()}", *notes, *([login] if login else [])]
        errors = any(f.severity is Severity.ERROR for f in findings)  # e.g. a voided number that is issued after all
        return finish(ctx, ActionResult(
            STEP, "\n".join(lines), exit_code=ExitCode.FINDINGS if errors else ExitCode.OK, counts=counts,
            findings=findings,
            outputs=outputs, params=params, rows=_records(written),
            next_step=("Turnkey 會自動上傳 SRC 資料夾中的檔案；上傳後請到平台確認結果。"
                       if folder.parts[-len(_SRC):] == _SRC else "請將檔案交給 Turnkey 或到平台上傳。"),
        ), files=tx)


def _write_sheet(ctx: Context, period: Period, rows: pd.DataFrame, others: pd.DataFrame, status: str,
                 folder: Path) -> pd.DataFrame:
    import pandas as pd

    frame = pd.concat([rows, others.reindex(columns=list(TABLE.headers))], ignore_index=True) if len(others) else rows
    frame = frame.copy()
    frame["序號"] = range(1, len(frame) + 1)
    frame = frame.astype(object).where(frame.notna(), None)
    ctx.io.write_table(TABLE, frame)
    ctx.io.write_params(SHEET, {"period": period.code})
    ctx.io.set_status(SHEET, status)
    return frame.iloc[: len(rows)]
