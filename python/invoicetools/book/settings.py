"""The 設定 sheet: company, default 帳別, period, MIG version, folders, provider, preparer.

>>> from invoicetools.book.memory import MemoryBook
>>> book = MemoryBook.new()
>>> s = read_settings(book)
>>> s.mig_version, s.ubn
('4.1', None)
>>> write_settings(book, {"統一編號": "04595257", "申報年月": "114/01 ~ 114/02"})
>>> s = read_settings(book)
>>> s.ubn, s.period.code
('04595257', '11402')
>>> write_settings(book, {"不存在": "x"})
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InputError: 沒有這個設定項目「不存在」；可用的項目：統一編號、公司名稱、帳別、申報年月、MIG版本、Turnkey資料夾、輸出資料夾、加值中心、加值中心網址、製表人、登入資訊
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..domain import periods, ubn
from ..domain.errors import InputError, Location
from ..domain.periods import Period
from . import layout
from .io import WorkbookIO

__all__ = ["MIG_VERSIONS", "OTHER_SYSTEMS", "Settings", "read_settings", "write_settings"]

MIG_VERSIONS = ("4.1", "4.0", "3.2")
_TABLE = layout.table("設定")
_LABELS = tuple(label for label, _, _ in layout.SETTING_KEYS)


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, str | None]
    workbook: str = ""

    def _get(self, label: str) -> str | None:
        v = self.values.get(label)
        return None if v is None or str(v).strip() == "" else str(v).strip()

    def _where(self, label: str) -> Location:
        return Location(file=self.workbook, sheet="設定", column=label)

    @property
    def ubn(self) -> str | None:
        raw = self._get("統一編號")
        if raw is None:
            return None
        try:
            return ubn.validate(raw)
        except InputError as exc:
            raise InputError(f"[設定] 統一編號：{exc.message}", where=self._where("統一編號"), found=raw) from None

    def require_ubn(self) -> str:
        value = self.ubn
        if value is None:
            raise InputError("請先在[設定]填寫公司統一編號", where=self._where("統一編號"))
        return value

    @property
    def company(self) -> str:
        return self._get("公司名稱") or ""

    @property
    def account(self) -> str | None:
        return self._get("帳別")

    @property
    def period(self) -> Period | None:
        raw = self._get("申報年月")
        if raw is None:
            return None
        try:
            return periods.parse(raw)
        except InputError as exc:
            raise InputError(f"[設定] 申報年月：{exc.message}", where=self._where("申報年月"), found=raw) from None

    @property
    def mig_version(self) -> str:
        raw = self._get("MIG版本") or "4.1"
        if raw in ("4", "3.20", "4.00", "4.10"):  # Excel keeps 4.0 as the number 4
            raw = f"{float(raw):.1f}"
        if raw not in MIG_VERSIONS:
            raise InputError("[設定] MIG版本應為 4.1、4.0 或 3.2", where=self._where("MIG版本"), found=raw)
        return raw

    @property
    def turnkey_dir(self) -> Path | None:
        raw = self._get("Turnkey資料夾")
        return Path(raw) if raw else None

    @property
    def output_dir(self) -> Path | None:
        raw = self._get("輸出資料夾")
        return Path(raw) if raw else None

    @property
    def provider(self) -> str | None:
        raw = self._get("加值中心")
        return raw.lower() if raw else None

    @property
    def provider_url(self) -> str | None:
        return self._get("加值中心網址")

    @property
    def preparer(self) -> str:
        return self._get("製表人") or ""

    @property
    def other_systems(self) -> bool | None:
        """其他系統開立發票: whether booklets given to no machine of ours are issued by another system
        (True), by this one (False), or nobody has said yet (None)."""
        raw = self._get(OTHER_SYSTEMS)
        if raw is None:
            return None
        answer = _YES_NO.get(raw.strip().lower())
        if answer is None:
            raise InputError(f"[設定] {OTHER_SYSTEMS}應為 是 或 否（或留空：尚未決定）", where=self._where(OTHER_SYSTEMS),
                             found=raw)
        return answer


OTHER_SYSTEMS = "其他系統開立發票"
_YES_NO = {"是": True, "y": True, "yes": True, "true": True, "1": True,
           "否": False, "n": False, "no": False, "false": False, "0": False}


def read_settings(io: WorkbookIO) -> Settings:
    frame = io.read_table(_TABLE)
    values: dict[str, str | None] = {}
    if "項目" in frame.columns and "設定值" in frame.columns:
        for key, value in zip(frame["項目"].tolist(), frame["設定值"].tolist(), strict=True):
            if key is None or (isinstance(key, float) and key != key):
                continue
            text = None if value is None or (isinstance(value, float) and value != value) else str(value)
            if text is not None and text.endswith(".0") and text[:-2].isdigit():
                text = text[:-2]  # a number typed into the sheet (e.g. a UBN without its format)
            values[str(key).strip()] = text
    return Settings(values, io.name)


def write_settings(io: WorkbookIO, updates: Mapping[str, str | None]) -> None:
    """Set 設定 values by label; unknown labels are refused with the list of known ones."""
    import pandas as pd

    unknown = [k for k in updates if k not in _LABELS]
    if unknown:
        raise InputError(f"沒有這個設定項目「{'、'.join(unknown)}」；可用的項目：{'、'.join(_LABELS)}")
    frame = io.read_table(_TABLE)
    rows = {str(k).strip(): i for i, k in zip(frame.index, frame["項目"].tolist(), strict=True) if k is not None}
    frame = frame.copy()
    for label, value in updates.items():
        if label in rows:
            frame.at[rows[label], "設定值"] = value
        else:
            note = next(n for lbl, _, n in layout.SETTING_KEYS if lbl == label)
            frame = pd.concat([frame, pd.DataFrame([[label, value, note]], columns=frame.columns[:3])])
    io.write_table(_TABLE, frame.reindex(columns=list(_TABLE.headers)))
