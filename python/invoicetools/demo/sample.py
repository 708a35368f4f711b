"""Deterministic sample data for a fictitious company: allocation, machines, ERP register, platform status.

範例商行股份有限公司 (UBN 53212539, fictitious) has two 帳別 (A 門市, B 網路) and three
machines, period 114/01 ~ 114/02. About 20,000 invoices are issued in number order per
machine; planted problems: invoices that never reached the platform, failed uploads, a
cancellation not uploaded, an invoice the platform has but the ERP export lacks, and a
few skipped numbers (跳號). ``expected`` lists every planted problem so tests and the
demo can check that each step finds exactly them.

>>> data = generate()
>>> len(data.register) > 19_000, data.period
(True, '11402')
>>> sorted(data.expected)
['cancel_not_uploaded', 'failed', 'missing', 'platform_only', 'skipped']
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import invoice_number

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["COMPANY", "SampleData", "generate", "write_files"]

COMPANY = {"統一編號": "53212539", "公司名稱": "範例商行股份有限公司（示範）", "製表人": "王會計"}
PERIOD = "11402"
PERIOD_LABEL = "114/01 ~ 114/02"
FIRST_DAY = datetime.date(2025, 1, 1)
DAYS = 59  # Jan + Feb 2025

# (track, first booklet number, booklets) – the MOF allocation of the period (type 07)
ALLOCATION = (("KA", 12_340_000, 310), ("KB", 56_780_000, 160))
# (帳別, 機台號, 組數, 傳輸類別, 發票字軌, 已使用比例); KB keeps 20 booklets for another system
MACHINES = (
    ("A", "001", 200, "B2C", "KA", 0.93),
    ("A", "002", 110, "B2C", "KA", 0.90),
    ("B", "001", 140, "B2B", "KB", 0.95),
)
CUSTOMERS = (
    ("C001", "台北商事有限公司", "04595257"), ("C002", "新竹電子股份有限公司", "22099131"),
    ("C003", "台中精機有限公司", "84149961"), ("C004", "高雄海運股份有限公司", "10458575"),
    ("C005", "花蓮文創工作室", "12345675"), ("", "散客", ""), ("", "散客", ""), ("", "散客", ""),
)


@dataclass
class SampleData:
    period: str
    tracks: pd.DataFrame  # MOF allocation file rows
    machines: pd.DataFrame
    register: pd.DataFrame  # the ERP export with its planted problems
    register_fixed: pd.DataFrame  # after the accountant fixed the ERP export
    status: pd.DataFrame  # what the platform has (first download)
    status_fixed: pd.DataFrame  # after the missing/failed invoices were re-uploaded
    expected: dict[str, list[str]] = field(default_factory=dict)  # planted problems by kind → invoice numbers / ranges


def generate(seed: int = 11402) -> SampleData:
    """The sample period for ``seed``: the same seed gives the same data, byte for byte."""
    import numpy as np

    rng = np.random.default_rng(seed)
    issued, skipped = _issued_invoices(rng)
    return _plant_problems(issued, skipped, rng)


def _allocation_file() -> pd.DataFrame:
    """The MOF allocation file of the period (type 07): one row per track, booklets of 50 numbers."""
    import pandas as pd

    return pd.DataFrame(
        [
            {"營業人統編": COMPANY["統一編號"], "發票類別代號": "7", "發票類別": "一般稅額計算", "發票期別": PERIOD_LABEL,
             "發票字軌名稱": t, "發票起號": f"{b:08d}", "發票迄號": f"{b + n * 50 - 1:08d}"}
            for t, b, n in ALLOCATION
        ]
    )


def _machine_table() -> pd.DataFrame:
    """The 機台配號設定 the accountant keeps: each machine's 組數 and preferred track."""
    import pandas as pd

    return pd.DataFrame(
        [{"帳別": a, "機台號": m, "組數": n, "傳輸類別": kind, "交換範圍": "", "所屬年月": "", "發票字軌": t}
         for a, m, n, kind, t, _ in MACHINES]
    )


def _issued_invoices(rng: np.random.Generator) -> tuple[pd.DataFrame, list[str]]:
    """Every machine's invoices in the ERP export's order (not number order), and the numbers skipped (跳號)."""
    import numpy as np
    import pandas as pd

    # The allocation step hands each machine contiguous booklets of its preferred track, in table order.
    next_free = {t: b for t, b, _ in ALLOCATION}
    rows: list[pd.DataFrame] = []
    skipped: list[str] = []
    for account, _machine, count, kind, track, used_share in MACHINES:
        begin = next_free[track]
        size = count * 50
        next_free[track] = begin + size
        numbers, drop = _used_numbers(rng, begin, int(size * used_share))
        skipped += [f"{track}{begin + int(i):08d}" for i in drop]
        rows.append(_machine_invoices(rng, account, kind, track, numbers))
    full = pd.concat(rows, ignore_index=True)
    order = np.argsort(rng.random(len(full)))  # ERP exports are not in number order
    return full.iloc[order].reset_index(drop=True), skipped


def _used_numbers(
    rng: np.random.Generator, begin: int, used: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The numbers a machine issued from ``begin`` on (``used`` of them less the skipped ones), and the
    offsets skipped: three single numbers and a run of four, well inside the used part."""
    import numpy as np

    numbers = begin + np.arange(used)
    plant = rng.choice(np.arange(100, used - 100), size=3, replace=False)
    run_start = int(rng.integers(200, used - 200))
    drop = np.union1d(plant, np.arange(run_start, run_start + 4))
    keep = np.setdiff1d(np.arange(used), drop)
    return numbers[keep], drop


def _machine_invoices(
    rng: np.random.Generator, account: str, kind: str, track: str, numbers: npt.NDArray[np.int64]
) -> pd.DataFrame:
    """One machine's invoices as the ERP exports them, one row per number."""
    import numpy as np
    import pandas as pd

    n = numbers.size
    # issue dates rise with the number; times of day during opening hours
    day = np.sort(rng.integers(0, DAYS, n))
    seconds = rng.integers(9 * 3600, 21 * 3600, n)
    issued = pd.to_datetime(FIRST_DAY) + pd.to_timedelta(day, unit="D") + pd.to_timedelta(seconds, unit="s")
    cust = rng.integers(0, len(CUSTOMERS), n)
    if kind == "B2B":
        cust = rng.integers(0, 5, n)
    amount = rng.integers(50, 20_000, n)
    tax = np.round(amount * 0.05).astype(int)
    status = np.where(rng.random(n) < 0.02, "作廢", np.where(rng.random(n) < 0.003, "註銷", "開立"))
    return pd.DataFrame({
        "帳別": account,
        "發票號碼": [f"{track}{x:08d}" for x in numbers],
        "發票日期": issued.strftime("%Y/%m/%d"),
        "開立時間": issued.strftime("%H:%M:%S"),
        "客戶編號": [CUSTOMERS[c][0] for c in cust],
        "客戶名稱": [CUSTOMERS[c][1] for c in cust],
        "買方統編": [CUSTOMERS[c][2] for c in cust],
        "銷售人統編": COMPANY["統一編號"],
        "銷售額": amount,
        "稅額": tax,
        "總計": amount + tax,
        "狀態": status,
        "列印註記": np.where(rng.random(n) < 0.6, "Y", "N"),
        "轉檔日": (issued + pd.to_timedelta(1, unit="D")).strftime("%Y/%m/%d"),
        "門市": "總店" if account == "A" else "網路商店",
    })


def _plant_problems(issued: pd.DataFrame, skipped: list[str], rng: np.random.Generator) -> SampleData:
    """The register and the platform status with the planted problems (``expected``), and both after the fixes.

    Five live invoices never reach the platform, two fail, one is cancelled in the ERP but the
    platform still has it live, and the first skipped number is on the platform but not in the
    ERP export; the other skipped numbers stay skipped.
    """
    import pandas as pd

    live = issued.index[issued["狀態"] == "開立"].to_numpy()
    picks = rng.choice(live, size=8, replace=False)
    missing, failed, cancel_live = picks[:5], picks[5:7], picks[7:8]
    platform_only_number = skipped[0]
    expected = {
        "missing": sorted(issued.loc[missing, "發票號碼"]),
        "failed": sorted(issued.loc[failed, "發票號碼"]),
        "cancel_not_uploaded": sorted(issued.loc[cancel_live, "發票號碼"]),
        "platform_only": [platform_only_number],
        "skipped": sorted(skipped[1:]),
    }
    register = issued.copy()
    register.loc[cancel_live, "狀態"] = "作廢"  # cancelled in the ERP, the F0501 never sent
    status = _platform_status(issued)
    status.loc[failed, "狀態"] = "失敗"
    status.loc[cancel_live, "狀態"] = "已確認"
    platform_row = status.iloc[[0]].assign(發票號碼=platform_only_number)
    status_first = pd.concat([status.drop(index=missing), platform_row], ignore_index=True)

    # --- after the fixes: missing/failed re-uploaded, the cancellation sent, the ERP export completed
    fixed_status = status.copy()
    fixed_status.loc[failed, "狀態"] = "已確認"
    fixed_status.loc[cancel_live, "狀態"] = "作廢"
    fixed_status = pd.concat([fixed_status, platform_row], ignore_index=True)
    found = issued.iloc[[0]].assign(發票號碼=platform_only_number, 狀態="開立")
    register_fixed = pd.concat([register, found], ignore_index=True)
    return SampleData(PERIOD, _allocation_file(), _machine_table(), register, register_fixed, status_first,
                      fixed_status, expected)


def _platform_status(issued: pd.DataFrame) -> pd.DataFrame:
    """What the platform would list if every invoice had been uploaded the day after it was issued."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame({
        "發票號碼": issued["發票號碼"],
        "發票日期": issued["發票日期"],
        "狀態": np.where(issued["狀態"] == "作廢", "作廢", "已確認"),
        "上傳日期": (pd.to_datetime(issued["發票日期"]) + pd.to_timedelta(1, unit="D")).dt.strftime("%Y/%m/%d 10:00"),
    })


def write_files(data: SampleData, folder: Path) -> dict[str, Path]:
    """Write the inputs as an accountant gets them: Big5 CSV from the MOF platform and the ERP, UTF-8 elsewhere.

    The platform status comes as the platform's query gives it, one file per month of 發票日期
    (a folder per download: ``status import FOLDER`` reads both as one snapshot).
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "tracks": (folder / f"invnoapply_{data.period}.csv", data.tracks, "cp950"),
        "machines": (folder / "機台配號設定.csv", data.machines, "utf-8-sig"),
        "register": (folder / "ERP發票資料.csv", data.register, "cp950"),
        "register_fixed": (folder / "ERP發票資料_補正.csv", data.register_fixed, "cp950"),
    }
    out: dict[str, Path] = {}
    for key, (path, frame, encoding) in files.items():
        frame.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")
        out[key] = path
    for key, name, frame in (("status", "平台發票狀況", data.status),
                             ("status_fixed", "平台發票狀況_補傳後", data.status_fixed)):
        out[key] = _monthly_files(frame, folder / name)
    return out


def _monthly_files(status: pd.DataFrame, folder: Path) -> Path:
    """One status file per month of 發票日期 (``平台發票狀況_114年01月.csv`` …) in ``folder``."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    month = pd.to_datetime(status["發票日期"]).dt.to_period("M")
    for m, rows in status.groupby(month, sort=True):
        assert isinstance(m, pd.Period)
        path = folder / f"平台發票狀況_{m.year - 1911}年{m.month:02d}月.csv"
        rows.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return folder


def keys(numbers: list[str]) -> list[int]:
    """Invoice numbers → int64 keys (for tests comparing ranges)."""
    return [invoice_number.to_key(n) for n in numbers]
