"""The workbook layout: every sheet, table, column, parameter cell and button, declared once
(the kinds of thing declared are ``book.layout_types``).

The template builder, the readers, the writers, the ribbon/VBA checks and the docs all
use these declarations; nothing else in the code names a cell or a header. Columns are
always found by header, never by position.

Each sheet holds at most one Excel table. A sheet's parameters (the inputs of its step,
as on the ERP screen: 帳別, 申報年月, 發票日期 …) sit above the table as label/value
pairs, the status message on its own row, the buttons to the right of the parameters.

>>> sheet("漏上傳檢核").table.headers[:4]
('序號', '帳別', '資料申報年月', '發票日期')
>>> [s.name for s in SHEETS if s.role is Role.INPUT]
['字軌配號', '機台配號設定', '發票資料', '平台狀況']
>>> action("check_upload").vba_sub, action("check_upload").function
('CheckUpload', 'check_upload')
>>> sheet("發票資料").table.first_data_row
5
"""

from __future__ import annotations

from .layout_types import Action, Button, Column, Kind, Param, Role, Sheet, Table, column_letter

__all__ = [
    "ACTIONS",
    "FONT",
    "NEXT_DEADLINE_NAME",
    "SHEETS",
    "Action",
    "Button",
    "Column",
    "Kind",
    "Param",
    "Role",
    "Sheet",
    "Table",
    "action",
    "column_letter",
    "sheet",
    "table",
]

FONT = "微軟正黑體"
NEXT_DEADLINE_NAME = "InvoiceTools_NextDeadline"  # defined name the ribbon label reads on open
WORKBOOK_MARKER_NAME = "InvoiceTools_Version"  # defined name: the layout version of a workbook
LAYOUT_VERSION = "1"



# --------------------------------------------------------------------------------------------
# Actions (ribbon + sheet buttons). Order = ribbon order.
# --------------------------------------------------------------------------------------------
ACTIONS: tuple[Action, ...] = (
    Action("tracks_import", "tracks_import", "TracksImport", "手動匯入", "配號",
           "匯入財政部配號檔（CSV/xlsx）或 Turnkey E0501", "FileOpen", "I",
           cli="invoicetools tracks import FILE --book BOOK"),
    Action("tracks_fetch", "tracks_fetch", "TracksFetch", "自動匯入", "配號",
           "[F9] 下載&轉入：從加值中心下載本期或全年配號", "RefreshAll", "F",
           supertip="登入資訊存在 Windows 認證管理員，工作表上只顯示是否已儲存。",
           cli="invoicetools tracks fetch --book BOOK --provider ecpay"),
    Action("tracks_allocate", "tracks_allocate", "TracksAllocate", "配號", "配號",
           "依機台配號設定，把 50 張一組的發票分配給各帳別與機台", "FillSeries", "A",
           cli="invoicetools tracks allocate --book BOOK"),
    Action("forecast_update", "forecast_update", "ForecastUpdate", "預估組數", "配號",
           "依各機台歷史用量建議下期組數，並警告會在期末前用完的機台（18 日前調整）", "ChartTrendline", "T",
           cli="invoicetools forecast --book BOOK"),
    Action("e0401_export", "e0401_export", "E0401Export", "轉出E0401", "配號",
           "產生分支機構配號檔 E0401 到 Turnkey 資料夾", "XmlExport", "B",
           cli="invoicetools tracks e0401 --book BOOK"),
    Action("invoices_import", "invoices_import", "InvoicesImport", "匯入發票資料", "漏上傳檢核",
           "匯入 ERP 開立發票資料（CSV/xlsx）到[發票資料]", "GetExternalDataFromText", "M",
           cli="invoicetools invoices import FILE --book BOOK"),
    Action("status_download", "status_download", "StatusDownload", "下載平台發票狀況", "漏上傳檢核",
           "取得平台上的發票狀況：狀況檔、Turnkey 結果或加值中心", "GetExternalDataFromWeb", "D",
           cli="invoicetools status import FILE_OR_DIR --book BOOK"),
    Action("check_upload", "check_upload", "CheckUpload", "查詢", "漏上傳檢核",
           "[F10] 速查：列出漏上傳、上傳失敗、作廢未上傳與重號", "FindDialogExcel", "Q",
           cli="invoicetools check-upload --book BOOK --period 11302"),
    Action("gaps_check", "gaps_check", "GapsCheck", "檢查", "跳號作廢",
           "列出每台機台已用範圍內的異常跳號", "ErrorChecking", "G",
           cli="invoicetools gaps --book BOOK --period 11302"),
    Action("gaps_void", "gaps_void", "GapsVoid", "整批作廢", "跳號作廢",
           "確認後把列出的跳號一次標為已作廢（寫入執行紀錄）", "ReviewDeleteComment", "V",
           cli="invoicetools gaps --book BOOK --period 11302 --void"),
    Action("gaps_unvoid", "gaps_unvoid", "GapsUnvoid", "取消作廢", "跳號作廢",
           "把本期已作廢的跳號改回待確認（寫入執行紀錄）", "Undo", "U",
           cli="invoicetools gaps --book BOOK --period 11302 --unvoid"),
    Action("e0402_export", "e0402_export", "E0402Export", "轉出", "E0402",
           "產生空白未使用字軌檔 E0402（通過 XSD 驗證）到 Turnkey 資料夾", "FileSaveAs", "E",
           cli="invoicetools e0402 --book BOOK --period 11302 --out DIR"),
    Action("export_pdf", "export_pdf", "ExportPdf", "匯出PDF", "審閱",
           "把選定的工作表匯出成 PDF 供審閱", "FileSaveAsPdfOrXps", "P",
           cli="invoicetools export --book BOOK --pdf OUT.pdf"),
    Action("export_xlsx", "export_xlsx", "ExportXlsx", "匯出xlsx", "審閱",
           "匯出只有數值的 xlsx（含公司、期別、製表人、時間）", "FileSaveAsExcelXlsx", "X",
           cli="invoicetools export --book BOOK --xlsx OUT.xlsx"),
    Action("calendar_refresh", "calendar_refresh", "CalendarRefresh", "行事曆", "設定",
           "更新本期與下期的重要日期與剩餘天數", "FunctionsDateTimeInsertGallery", "C",
           cli="invoicetools calendar --book BOOK"),
    Action("settings_open", "settings_open", "SettingsOpen", "設定", "設定",
           "加值中心登入資訊：存入 Windows 認證管理員（工作表只顯示是否已儲存）", "ControlProperties", "S",
           cli="invoicetools tracks login --book BOOK --provider ecpay"),
    Action("diagnose", "diagnose", "Diagnose", "診斷", "設定",
           "檢查 Python、版本、巨集與 Turnkey 資料夾，並說明如何修正", "Help", "H",
           cli="invoicetools doctor"),
)


def _btn(key: str, cell: str, caption: str | None = None) -> Button:
    return Button(key, caption or action(key).label, cell)


def action(key: str) -> Action:
    for a in ACTIONS:
        if a.key == key:
            return a
    raise KeyError(key)


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------
C, ID, D, DT, N, M, B = Kind.TEXT, Kind.ID, Kind.DATE, Kind.DATETIME, Kind.INT, Kind.MONEY, Kind.BOOL

SETTING_KEYS: tuple[tuple[str, str, str], ...] = (
    # label, default, note
    ("統一編號", "", "公司統一編號（8 碼）；E0402 的 HeadBan"),
    ("公司名稱", "", "顯示在報表表頭"),
    ("帳別", "", "沒有[配號設定]時跳號檢查所用的帳別；步驟工作表的帳別留空表示全部帳別"),
    ("申報年月", "", "本期，例如 11402 或 114/01 ~ 114/02"),
    ("MIG版本", "4.1", "4.1（預設）、4.0 或 3.2"),
    ("Turnkey資料夾", "", "例如 C:\\EINVTurnkey；E0401/E0402 寫入其 UpCast"),
    ("輸出資料夾", "", "沒有 Turnkey 時，檔案寫到這裡"),
    ("加值中心", "", "例如 ecpay（綠界）"),
    ("加值中心網址", "", "留空使用正式環境網址"),
    ("製表人", "", "顯示在匯出報表的表頭"),
    ("其他系統開立發票", "", "沒有分配給機台、也沒填擁有者的字軌由誰申報空白：否＝本系統（E0402 會列入）；是＝其他系統；留空＝轉出 E0402 前必須決定"),
    ("登入資訊", "未儲存", "只顯示是否已存入 Windows 認證管理員，不顯示密碼"),
)

# 設定 rows whose value comes from a list (a drop-down on the 設定值 cell)
SETTING_CHOICES: dict[str, tuple[str, ...]] = {
    "MIG版本": ("4.1", "4.0", "3.2"),
    "其他系統開立發票": ("否", "是"),
}

_SETTINGS = Sheet(
    "設定", Role.SETTINGS, "設定",
    hint="請填寫藍色欄位；密碼與金鑰不會存在活頁簿中。",
    table=Table("tblSettings", "設定", 4, (
        Column("項目", C, 18, required=True),
        Column("設定值", ID, 36, required=True),
        Column("說明", C, 60),
    )),
    buttons=(_btn("settings_open", "E1", "儲存登入資訊"), _btn("diagnose", "G1")),
    landscape=False,
)

_TRACKS = Sheet(
    "字軌配號", Role.INPUT, "字軌配號（財政部配號檔）",
    hint="按[手動匯入]選擇配號檔，或[自動匯入]從加值中心下載；字軌與號碼請勿修改，[擁有者]可填 本系統、其他系統 或加值中心名稱。",
    table=Table("tblTracks", "字軌配號", 4, (
        Column("營業人統編", ID, 12, required=True, aliases=("統一編號", "統編", "Ban")),
        Column("發票類別代號", ID, 8, required=True, aliases=("類別代號", "InvoiceType")),
        Column("發票類別", C, 14),
        Column("發票期別", C, 18, required=True, aliases=("期別", "YearMonth")),
        Column("發票字軌名稱", ID, 8, required=True, aliases=("字軌", "發票字軌", "InvoiceTrack")),
        Column("發票起號", ID, 11, required=True, aliases=("起號", "InvoiceBeginNo")),
        Column("發票迄號", ID, 11, required=True, aliases=("迄號", "InvoiceEndNo")),
        Column("機台號碼", ID, 10, aliases=("機台號", "機台")),
        Column("申報年月", ID, 9),
        Column("組數", N, 7),
        Column("擁有者", C, 12, note="本系統 / 其他系統 / 加值中心名稱", choices=("本系統", "其他系統")),
        Column("來源", C, 28),
        Column("匯入時間", DT, 17),
    )),
    buttons=(_btn("tracks_import", "F1"), _btn("tracks_fetch", "H1")),
)

_MACHINES = Sheet(
    "機台配號設定", Role.INPUT, "機台配號設定",
    hint="每列一台機台：帳別、機台號、組數（50 張一組）；發票字軌可留空。",
    table=Table("tblMachines", "機台配號設定", 4, (
        Column("帳別", ID, 8, required=True),
        Column("機台號", ID, 10, required=True, aliases=("機台號碼", "機台")),
        Column("組數", N, 12, required=True, aliases=("組數(50張一組)",)),
        Column("傳輸類別", C, 10, note="B2C / B2B"),
        Column("交換範圍", C, 10),
        Column("所屬年月", ID, 10, note="申報年月，例如 11402；留空表示每期適用"),
        Column("發票字軌", ID, 9, note="指定字軌（可留空）"),
        Column("分支機構統編", ID, 12, aliases=("分支統編", "BranchBan"),
               note="分支機構的統一編號；填寫時此機台的配號可轉出 E0401（留空表示總公司自用）"),
    )),
    buttons=(_btn("tracks_allocate", "F1"),),
    landscape=False,
)

_ALLOCATION = Sheet(
    "配號設定", Role.RESULT, "配號設定",
    hint="每年 1、3、5、7、9、11 月：先匯入配號檔，再按[配號]分配給各帳別與機台。",
    params=(
        Param("account", "帳別", 3, ID),
        Param("period", "申報年月", 4, ID, note="例如 11402"),
        Param("all_year", "下載全年資料", 5, B, "否", choices=("是", "否")),
        Param("reuse_counts", "按當期數量配號", 6, B, "否", choices=("是", "否")),
    ),
    status_row=7,
    table=Table("tblAllocation", "配號設定", 9, (
        Column("帳別", ID, 8),
        Column("機台號", ID, 10),
        Column("發票字軌", ID, 9),
        Column("起號", ID, 11),
        Column("迄號", ID, 11),
        Column("組數", N, 7),
        Column("申報年月", ID, 9),
        Column("發票類別代號", ID, 8),
        Column("營業人統編", ID, 12),
        Column("傳輸類別", C, 10),
        Column("交換範圍", C, 10),
        Column("預估下期組數", N, 12, note="依歷史用量建議的下期組數（含安全量）"),
        Column("預估說明", C, 44, note="用量趨勢；目前速度是否會在期末前用完"),
    )),
    buttons=(_btn("tracks_import", "D3"), _btn("tracks_fetch", "F3"), _btn("tracks_allocate", "H3"),
             _btn("e0401_export", "J3"), _btn("forecast_update", "L3")),
)

_INVOICES = Sheet(
    "發票資料", Role.INPUT, "發票資料（ERP 開立發票）",
    hint="按[匯入發票資料]，或直接貼上 ERP 匯出的資料（含標題列）；欄位依標題辨認，順序不拘。",
    table=Table("tblInvoices", "發票資料", 4, (
        Column("帳別", ID, 8, aliases=("帳別代號",)),
        Column("發票號碼", ID, 12, required=True, aliases=("發票號", "發票字軌號碼", "InvoiceNumber")),
        Column("發票日期", D, 11, required=True, aliases=("開立日期", "InvoiceDate")),
        Column("開立時間", C, 9, aliases=("發票時間", "InvoiceTime")),
        Column("客戶編號", ID, 11, aliases=("客戶代號",)),
        Column("客戶名稱", C, 20, aliases=("買方名稱", "客戶簡稱")),
        Column("買方統編", ID, 10, aliases=("買受人統編", "客戶統編", "買方統一編號")),
        Column("銷售人統編", ID, 10, aliases=("賣方統編", "銷售人統一編號")),
        Column("銷售額", M, 11, aliases=("未稅金額",)),
        Column("稅額", M, 9),
        Column("總計", M, 11, aliases=("總額", "含稅金額", "發票金額")),
        Column("狀態", C, 7, aliases=("發票狀態",), note="開立 / 作廢 / 註銷"),
        Column("列印註記", C, 8, aliases=("列印",)),
        Column("轉檔日", D, 11, aliases=("轉檔日期",)),
    ), keep_extra_columns=True),
    buttons=(_btn("invoices_import", "F1"),),
)

_PLATFORM = Sheet(
    "平台狀況", Role.INPUT, "平台狀況（下載平台發票狀況）",
    hint="按[下載平台發票狀況]：狀況檔、Turnkey 結果（SummaryResult/ProcessResult）或加值中心。",
    params=(
        Param("downloaded_at", "下載時間", 3, DT),
        Param("source", "來源", 4, C),
    ),
    table=Table("tblPlatform", "平台狀況", 6, (
        Column("發票號碼", ID, 12, required=True, aliases=("發票號", "InvoiceNumber", "ReferenceNumber")),
        Column("狀態", C, 9, required=True, aliases=("上傳狀態", "處理狀態", "STATUS")),
        Column("發票日期", D, 11, aliases=("InvoiceDate",)),
        Column("上傳日期", DT, 17, aliases=("上傳時間", "處理時間")),
        Column("原始狀態", C, 12),
        Column("說明", C, 30),
        Column("來源", C, 28),
    )),
    buttons=(_btn("status_download", "F1"),),
)

_UPLOAD_CHECK = Sheet(
    "漏上傳檢核", Role.RESULT, "發票資料漏上傳檢核",
    hint="資料檢核前，請先執行[下載平台發票狀況]",
    params=(
        Param("account", "帳別", 3, ID),
        Param("period", "資料申報年月", 4, ID, note="例如 11302 或 113 01~02"),
        Param("date_from", "發票日期", 5, D),
        Param("date_to", "至", 6, D),
    ),
    status_row=7,
    table=Table("tblUploadCheck", "漏上傳檢核", 9, (
        Column("序號", N, 6),
        Column("帳別", ID, 7),
        Column("資料申報年月", ID, 10),
        Column("發票日期", D, 11),
        Column("發票號碼", ID, 12),
        Column("客戶編號", ID, 11),
        Column("客戶名稱", C, 20),
        Column("銷售人統編", ID, 10),
        Column("列印註記", C, 8),
        Column("轉檔日", D, 11),
        Column("問題", C, 11),
        Column("期限", DT, 17),
        Column("說明", C, 36),
    )),
    buttons=(_btn("status_download", "D3"), _btn("check_upload", "G3", "查詢（速查）")),
)

_GAPS = Sheet(
    "跳號作廢", Role.RESULT, "異常跳號整批作廢",
    hint="先完成[漏上傳檢核]；按[檢查]列出跳號，確認後按[確定]整批作廢。",
    params=(
        Param("account", "帳別", 3, ID),
        Param("period", "申報年月", 4, ID),
    ),
    status_row=7,
    table=Table("tblGaps", "跳號作廢", 9, (
        Column("序號", N, 6),
        Column("帳別", ID, 7),
        Column("機台號", ID, 9),
        Column("發票字軌", ID, 8),
        Column("起號", ID, 11),
        Column("迄號", ID, 11),
        Column("張數", N, 8),
        Column("類型", C, 8, note="跳號 / 未使用"),
        Column("處理", C, 10, note="待確認 / 已作廢 / 待補ERP資料"),
        Column("原因", C, 30, note="平台有此發票（ERP 資料缺漏）或從未開立"),
        Column("申報年月", ID, 9),
    )),
    buttons=(_btn("gaps_check", "D3"), _btn("gaps_void", "F3", "確定"), _btn("gaps_unvoid", "H3")),
)

_E0402 = Sheet(
    "E0402", Role.RESULT, "E0402 空白未使用發票檔",
    hint="輸入申報年月後按[轉出]；密碼由 Windows 認證管理員取得，不存在活頁簿中。",
    params=(
        Param("period", "申報年月", 3, ID),
        Param("out_dir", "輸出資料夾", 4, C, note="留空使用[設定]的 Turnkey資料夾"),
    ),
    status_row=7,
    table=Table("tblE0402", "E0402", 9, (
        Column("序號", N, 6),
        Column("檔案名稱", C, 36),
        Column("營業人統編", ID, 10),
        Column("發票類別代號", ID, 8),
        Column("申報年月", ID, 9),
        Column("發票字軌", ID, 8),
        Column("區間數", N, 7),
        Column("空白張數", N, 9),
        Column("空白區間", C, 40),
        Column("異動", C, 24, note="與上次轉出相比增減的區間"),
        Column("sha256", C, 20),
        Column("期限", D, 11),
        Column("輸出位置", C, 40),
    )),
    buttons=(_btn("e0402_export", "D3"),),
)

_CALENDAR = Sheet(
    "行事曆", Role.RESULT, "電子發票行事曆",
    hint="本期與下期的重要日期；按[行事曆]更新剩餘天數。",
    params=(
        Param("today", "今天", 3, D),
        Param("next_deadline", "下一個期限", 4, C),
    ),
    status_row=6,
    table=Table("tblCalendar", "行事曆", 8, (
        Column("日期", D, 11),
        Column("星期", C, 5),
        Column("剩餘天數", N, 8),
        Column("期別", ID, 8),
        Column("事項", C, 24),
        Column("該做的事", C, 50),
        Column("狀態", C, 10),
    )),
    buttons=(_btn("calendar_refresh", "D3"),),
)

_FINDINGS = Sheet(
    "檢核訊息", Role.RESULT, "檢核訊息",
    hint="各步驟找到的資料問題，含來源檔案/工作表與列號；重新執行該步驟時更新。",
    table=Table("tblFindings", "檢核訊息", 4, (
        Column("步驟", C, 12),
        Column("嚴重度", C, 7),
        Column("代碼", C, 18),
        Column("檔案", C, 24),
        Column("工作表", C, 12),
        Column("列", N, 7),
        Column("欄位", C, 12),
        Column("訊息", C, 60),
    )),
)

_LOG = Sheet(
    "執行紀錄", Role.LOG, "執行紀錄",
    hint="每次執行都會新增一列：時間、使用者、步驟、參數、筆數、輸出檔與 sha256。",
    table=Table("tblLog", "執行紀錄", 4, (
        Column("時間", DT, 17),
        Column("使用者", C, 12),
        Column("步驟", C, 14),
        Column("參數", C, 36),
        Column("筆數", C, 28),
        Column("結果", C, 36),
        Column("輸出檔案", C, 40),
        Column("sha256", C, 40),
        Column("版本", C, 10),
    )),
)

_CONF = Sheet(
    "invoicetools.conf", Role.HIDDEN, "invoicetools.conf",
    landscape=False,
)

SHEETS: tuple[Sheet, ...] = (
    _SETTINGS, _ALLOCATION, _TRACKS, _MACHINES, _INVOICES, _PLATFORM, _UPLOAD_CHECK, _GAPS, _E0402,
    _CALENDAR, _FINDINGS, _LOG, _CONF,
)
_BY_NAME = {s.name: s for s in SHEETS}


def sheet(name: str) -> Sheet:
    return _BY_NAME[name]


def table(sheet_name: str) -> Table:
    t = _BY_NAME[sheet_name].table
    if t is None:
        raise KeyError(f"sheet {sheet_name!r} has no table")
    return t


# xlwings settings on the hidden sheet "invoicetools.conf" (column A key, column B value; xlwings'
# VBA module, PROJECT_NAME invoicetools, reads it before the user's settings file). Only settings
# that are the same on every PC: the Python location is not here (it is in the user's
# %USERPROFILE%\.invoicetools\invoicetools.conf written by `invoicetools addin install`, which a
# key on this sheet would shadow). See notes/addin.md and addin/README.md.
XLWINGS_CONF: tuple[tuple[str, str], ...] = (
    ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),  # OneDrive/SharePoint books; no .py beside the book shadows ours
    ("USE UDF SERVER", "False"),  # RunPython starts Python itself (no xlwings DLL needed)
)
