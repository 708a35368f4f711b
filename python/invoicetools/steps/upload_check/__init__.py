"""漏上傳檢核: the ERP register against the platform status, vectorised on int64 invoice keys.

Inputs are plain frames (built by ``sources.register.register_input`` and
``sources.status.platform_input``); nothing here reads a file or a sheet.

* **register** – one row per register row: ``key`` (int64 invoice key, -1 when the number
  is unusable), ``row`` (where it came from), ``issued`` (issue date-time, NaT when
  unknown), ``timed`` (the time of day is known), ``status`` (:class:`RegisterStatus`),
  ``b2b`` (the buyer has a UBN), ``帳別`` and the display columns of the result sheet
  (``發票號碼``, ``客戶編號``, ``客戶名稱``, ``銷售人統編``, ``列印註記``, ``轉檔日``).
* **platform** – one row per status record: ``key``, ``state`` (:class:`State`), ``date``
  (發票日期 on the platform), ``time`` (upload time), ``detail`` (the platform's words),
  ``row``. Several records of one invoice reduce to one: a record that puts the invoice
  on the platform (uploaded or cancelled) beats a failure, a failure beats "in progress";
  among equals the latest upload time wins, then the later record.
* **allocation** – the period's allocation (``steps.allocation.PeriodAllocation``): which
  numbers it holds, and the 帳別 of the machine range that holds a number.

Rules (DESIGN "Step semantics"): the rows checked are the register rows whose 發票日期 is
in the period ∩ [date_from, date_to] and whose 帳別 (the register's, else the account of
the machine range that holds the number) is ``account`` when one is given. Per invoice number
(its first row that is not 註銷, else its first row):

=====================  =========================================================
platform               outcome
=====================  =========================================================
nothing                未上傳 (any register status)
pending (處理中)        no row: counted (``UploadCheck.pending``); download again later
failed                 上傳失敗
live, register 作廢    作廢未上傳
cancelled, reg. 開立   平台已作廢 (the platform cancelled what the ERP has live)
=====================  =========================================================

Each rule is one function of ``checks`` run from ``checks.CHECKS`` over the one join of
``join``; ``reconcile.check`` assembles the rows. Plus: 重號 for every checked row whose number has two or more rows in the register that
are not 註銷 (a 註銷 row and its re-issue are one invoice); 不在配號範圍 for numbers outside
the period's allocation (skipped with an INFO finding when there is no allocation);
平台有帳上無 for invoices the platform holds (uploaded or cancelled) that are nowhere in the
register, dated in the range (or undated but inside the period's allocation), with the
帳別 of the machine range that holds the number. 期限 (upload problems only): issue time + 48 h,
or + 7 days when the buyer has a UBN; with no time of day, the end of that later day.

>>> import pandas as pd, datetime as dt
>>> from invoicetools.domain import periods
>>> reg = register_frame(["AB00000001", "AB00000002", "AB00000002"], ["2024-01-05"] * 3)
>>> plat = platform_frame(["AB00000001", "AB00000009"], [State.ON_PLATFORM] * 2, ["2024-01-05"] * 2)
>>> out = check(reg, plat, None, scope=Scope(periods.parse("11302")), now=dt.datetime(2024, 3, 1))
>>> out.rows[["發票號碼", "問題"]].values.tolist()
[['AB00000002', '未上傳'], ['AB00000002', '重號'], ['AB00000002', '重號'], ['AB00000009', '平台有帳上無']]
>>> out.counts["未上傳"], out.overdue
(1, 1)
"""

from __future__ import annotations

from .frames import platform_frame, register_frame
from .model import DISPLAY_COLUMNS, HEADERS, PROBLEMS, RegisterStatus, Scope, State, UploadCheck
from .reconcile import check

__all__ = [
    "DISPLAY_COLUMNS",
    "HEADERS",
    "PROBLEMS",
    "RegisterStatus",
    "Scope",
    "State",
    "UploadCheck",
    "check",
    "platform_frame",
    "register_frame",
]
