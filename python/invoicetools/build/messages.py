"""The texts the VBA shows, and the ASCII module ``addin/vba/InvoiceText.bas`` made from them.

VBA source must stay ASCII (the project's code page is 1252: Chinese in a module comes back
as mojibake), so each Chinese text becomes a function that spells it with ``ChrW()``:

>>> print(vba_expression("期限：3/10"))
ChrW(26399) & ChrW(38480) & ChrW(65306) & "3/10"
>>> print(vba_expression('a "b" c\\n'))
"a ""b"" c" & vbLf

A message box is another matter: VBA's ``MsgBox`` hands its text to Windows in the system's
ANSI code page ("language for non-Unicode programs"), so on a PC whose code page has no
Chinese (cp1252 on an English Windows) every Chinese character shows as ``?``. Each message-box
text therefore also has an ASCII (English) version: ``Text<Key>()`` returns the Chinese text
when it survives a round trip through the ANSI code page (``StrConv`` to and from
``vbFromUnicode``: no ``Declare`` needed, so nothing 64-bit Office or LibreOffice cannot
compile) and the ASCII one otherwise; ``Zh<Key>()`` always returns the Chinese. The ribbon's
label texts have no ASCII version: the ribbon shows Unicode.

>>> MESSAGES["Title"].ascii
'InvoiceTools'
>>> sorted(k for k, m in MESSAGES.items() if m.ascii is None)
['DeadlinePrefix', 'NoDeadline']

``render_module()`` gives the module text; ``tests/build`` checks that the committed file is
up to date and LibreOffice checks that each function returns exactly the text below.
Regenerate with ``python -m invoicetools.build text-module``.

Placeholders ``{0}``, ``{1}`` are filled in by the VBA with ``Replace``: in the failure
messages ``{0}`` is the VBA error number.
"""

from __future__ import annotations

from dataclasses import dataclass

MODULE_NAME = "InvoiceText"
ASR_RULE = "Block all Office applications from creating child processes"
ASR_RULE_ID = "D4F940AB-401B-4EFC-AADC-AD5F3C50688A"  # Microsoft Defender ASR rule GUID
VENV_PYTHONW = r"%LOCALAPPDATA%\InvoiceTools\venv\Scripts\pythonw.exe"


@dataclass(frozen=True)
class Message:
    zh: str  # zh-TW, what the accountant sees
    gloss: str  # English, for the VBA comment
    ascii: str | None = None  # for a message box where the ANSI code page has no Chinese; None: ribbon text


_CLI_MEANWHILE = "在那之前，每個步驟都可以在命令提示字元用 invoicetools 指令完成（使用說明第 12 節）。"
_CLI_MEANWHILE_EN = "Until then, every step can be run with the invoicetools command in a Command Prompt."

MESSAGES: dict[str, Message] = {
    "Title": Message("InvoiceTools 電子發票", "message box title", "InvoiceTools"),
    "NoWorkbook": Message(
        "請先開啟 InvoiceTools 活頁簿（或切換到要處理的活頁簿），再按一次按鈕。",
        "no workbook is open",
        "Please open the InvoiceTools workbook (or switch to the workbook to work on), "
        "then click the button again.",
    ),
    "PythonMissing": Message(
        "找不到 Python：{0}\n\n"
        "請在命令提示字元執行 invoicetools addin install（把 Python 的位置寫入 "
        "%USERPROFILE%\\.invoicetools\\invoicetools.conf；功能區和工作表上的按鈕都讀這個檔）。"
        "仍然不行時，請把這個畫面截圖給 IT。",
        "the configured interpreter {0} does not exist",
        "Python was not found: {0}\n\n"
        "Run 'invoicetools addin install' in a Command Prompt: it writes the Python location to "
        "%USERPROFILE%\\.invoicetools\\invoicetools.conf, which the ribbon and the sheet buttons both read. "
        "If that does not help, send a screenshot of this message to IT.",
    ),
    "PythonFailed": Message(
        "Python 沒有完成這個步驟，上一個視窗是技術訊息。\n\n"
        "請按[診斷]檢查安裝；如果仍然不行，請在技術訊息視窗按 Ctrl+C 複製內容，傳給 IT。",
        "Python exited with an error (xlwings showed the details)",
        "Python did not finish this step; the previous window shows the technical message.\n\n"
        "Click the Diagnose button to check the installation; if that does not help, press Ctrl+C "
        "in the technical window and send the text to IT.",
    ),
    "VbaError": Message(
        "InvoiceTools 巨集發生錯誤（{0}）：{1}\n\n"
        "請關閉 Excel 後重新開啟再試一次；如果仍然不行，請把這個畫面截圖給 IT。",
        "VBA run-time error {0}: {1}",
        "InvoiceTools macro error ({0}): {1}\n\n"
        "Close Excel, open it again and retry; if it happens again, send a screenshot of this message to IT.",
    ),
    "ChildProcessBlocked": Message(
        "Windows 的安全性設定不允許 Excel 啟動 Python（VBA 錯誤 {0}：權限被拒）。\n\n"
        f"通常是 Microsoft Defender 的攻擊面縮小 (ASR) 規則「{ASR_RULE}」"
        f"（規則 ID {ASR_RULE_ID}）。請把這個畫面交給 IT：需要允許 Excel 啟動 "
        "C:\\Windows\\System32\\cmd.exe 與 InvoiceTools 的 pythonw.exe"
        "（為這條規則加上排除，或對這台電腦改為稽核模式）。\n\n" + _CLI_MEANWHILE,
        "error 70 from xlwings' WScript.Run: Defender's ASR rule blocks Office child processes",
        "Windows security settings do not allow Excel to start Python (VBA error {0}: Permission denied).\n\n"
        f"This is usually the Microsoft Defender attack surface reduction rule \"{ASR_RULE}\" "
        f"(rule ID {ASR_RULE_ID}). Show this message to IT: Excel must be allowed to start "
        "C:\\Windows\\System32\\cmd.exe and InvoiceTools' pythonw.exe (an exclusion for this rule, "
        "or audit mode on this PC).\n\n" + _CLI_MEANWHILE_EN,
    ),
    "PolicyBlocked": Message(
        "公司的群組原則封鎖了 Excel 要啟動的程式（VBA 錯誤 {0}）。\n\n"
        "這是 AppLocker 或軟體限制原則。請把這個畫面交給 IT：需要允許 "
        f"C:\\Windows\\System32\\cmd.exe 與 InvoiceTools 的 Python（{VENV_PYTHONW}）執行。\n\n"
        + _CLI_MEANWHILE,
        "error 0x800704EC: AppLocker or a software restriction policy blocks cmd.exe",
        "A group policy of your company blocks the program Excel tries to start (VBA error {0}).\n\n"
        "This is AppLocker or a software restriction policy. Show this message to IT: "
        f"C:\\Windows\\System32\\cmd.exe and InvoiceTools' Python ({VENV_PYTHONW}) must be allowed to run.\n\n"
        + _CLI_MEANWHILE_EN,
    ),
    "ShellUnavailable": Message(
        "Excel 無法建立 WScript.Shell（VBA 錯誤 {0}），所以無法啟動 Python。\n\n"
        "通常是公司原則停用了 Windows Script Host，或防毒軟體封鎖了它。請把這個畫面交給 IT："
        "需要允許 Office 巨集使用 WScript.Shell。\n\n" + _CLI_MEANWHILE,
        "error 429: CreateObject(\"WScript.Shell\") failed",
        "Excel cannot create WScript.Shell (VBA error {0}), so it cannot start Python.\n\n"
        "Usually a company policy turned off Windows Script Host, or antivirus software blocks it. "
        "Show this message to IT: Office macros must be allowed to use WScript.Shell.\n\n" + _CLI_MEANWHILE_EN,
    ),
    "NoPythonOutput": Message(
        "Excel 啟動了命令提示字元，但沒有拿到 Python 的執行結果（VBA 錯誤 {0}）。\n\n"
        "常見原因：暫存資料夾 {1} 不存在或無法寫入；或公司原則停用了命令提示字元。"
        "請在命令提示字元執行 invoicetools doctor 檢查；仍然不行時，請把這個畫面交給 IT。",
        "error 53/75/76 reading xlwings' log file: no log in the temp folder {1}",
        "Excel started the Command Prompt but got no result from Python (VBA error {0}).\n\n"
        "Common causes: the temp folder {1} is missing or not writable, or a company policy turned off "
        "the Command Prompt. Run 'invoicetools doctor' in a Command Prompt; if that does not help, "
        "show this message to IT.",
    ),
    "SettingsUnreadable": Message(
        "InvoiceTools 的設定檔無法讀取（VBA 錯誤 {0}）：{1}\n\n"
        "請在命令提示字元執行 invoicetools addin install 重新寫入。活頁簿的資料夾裡若有 "
        "invoicetools.conf，請確認每一行都是 \"名稱\",\"值\"。",
        "error 62 from xlwings' Input #: a settings file line is not \"KEY\",\"VALUE\"",
        "InvoiceTools cannot read its settings file (VBA error {0}): {1}\n\n"
        "Run 'invoicetools addin install' in a Command Prompt to write it again. If the workbook's folder "
        "holds an invoicetools.conf, every line must be \"NAME\",\"VALUE\".",
    ),
    "DeadlinePrefix": Message("下次期限：", "ribbon label prefix"),
    "NoDeadline": Message("未設定（按[行事曆]更新）", "ribbon label when the workbook has no deadline"),
}

_LINE = 88


def _pieces(text: str) -> list[str]:
    pieces: list[str] = []
    literal = ""
    for ch in text:
        if ch == "\n" or not (" " <= ch <= "~"):
            if literal:
                pieces.append('"' + literal.replace('"', '""') + '"')
                literal = ""
            pieces.append("vbLf" if ch == "\n" else f"ChrW({ord(ch)})")
        else:
            literal += ch
    if literal:
        pieces.append('"' + literal.replace('"', '""') + '"')
    return pieces or ['""']


def vba_expression(text: str) -> str:
    """One VBA string expression for ``text`` (ASCII only)."""
    return " & ".join(_pieces(text))


def _split_literals(pieces: list[str], width: int) -> list[str]:
    """Long string literals cut into pieces of at most ``width`` characters (VBA lines are short)."""
    out: list[str] = []
    for piece in pieces:
        if not piece.startswith('"') or len(piece) <= width:
            out.append(piece)
            continue
        body = piece[1:-1]
        cut = 0
        while cut < len(body):
            end = min(cut + width - 2, len(body))
            if body[end - 1 : end] == '"' and body[end : end + 1] == '"':
                end -= 1  # never split a doubled quote
            out.append('"' + body[cut:end] + '"')
            cut = end
    return out


def _assign(text: str) -> list[str]:
    """Lines ``s = …`` / ``s = s & …`` that build ``text`` in the variable ``s``."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        joined = " & ".join(current)
        lines.append(f"    s = {joined}" if not lines else f"    s = s & {joined}")
        current.clear()

    for piece in _split_literals(_pieces(text), _LINE - 12):
        if current and len(" & ".join([*current, piece])) > _LINE - 12:
            flush()
        current.append(piece)
    flush()
    return lines


def _function(name: str, text: str, gloss: str, *, result: str | None = None) -> list[str]:
    lines = [f"' {gloss}", f"Public Function {name}() As String", "    Dim s As String", *_assign(text)]
    lines += [f"    {name} = {result or 's'}", "End Function", ""]
    return lines


_HELPERS = [
    "' True when the system's ANSI code page can show text: MsgBox converts to that code page and",
    "' shows ? for every character it lacks (StrConv with vbFromUnicode uses the same code page).",
    "Public Function AnsiShows(ByVal text As String) As Boolean",
    "    On Error GoTo Failed",
    "    AnsiShows = (StrConv(StrConv(text, vbFromUnicode), vbUnicode) = text)",
    "    Exit Function",
    "Failed:",
    "    AnsiShows = False",
    "End Function",
    "",
    "' text where the ANSI code page can show it, else fallback (ASCII)",
    "Public Function PickText(ByVal text As String, ByVal fallback As String) As String",
    "    If AnsiShows(text) Then",
    "        PickText = text",
    "    Else",
    "        PickText = fallback",
    "    End If",
    "End Function",
    "",
]


def render_module() -> str:
    """The text of ``addin/vba/InvoiceText.bas`` (LF line ends; the build stores CRLF)."""
    lines = [
        f'Attribute VB_Name = "{MODULE_NAME}"',
        "' Texts of the InvoiceTools VBA. Chinese is spelled with ChrW() so that the source stays",
        "' ASCII; message-box texts fall back to English where the ANSI code page has no Chinese.",
        "' Generated from invoicetools/build/messages.py (python -m invoicetools.build text-module);",
        "' do not edit by hand.",
        "Option Explicit",
        "",
        *_HELPERS,
    ]
    for key, m in MESSAGES.items():
        if m.ascii is None:
            lines += _function(f"Text{key}", m.zh, m.gloss)
        else:
            lines += _function(f"Text{key}", m.ascii, f"{m.gloss} (English where Chinese cannot be shown)",
                               result=f"PickText(Zh{key}(), s)")
            lines += _function(f"Zh{key}", m.zh, m.gloss)
    return "\n".join(lines)


def function_texts() -> dict[str, str]:
    """``Text<Key>`` -> the text it returns on a PC whose ANSI code page shows Chinese."""
    return {"Text" + key: m.zh for key, m in MESSAGES.items()}


def fallback_texts() -> dict[str, str]:
    """``Text<Key>`` -> the text it returns where the ANSI code page has no Chinese."""
    return {"Text" + key: m.zh if m.ascii is None else m.ascii for key, m in MESSAGES.items()}


def chinese_functions() -> dict[str, str]:
    """``Zh<Key>`` -> its Chinese text (message-box texts only)."""
    return {"Zh" + key: m.zh for key, m in MESSAGES.items() if m.ascii is not None}
