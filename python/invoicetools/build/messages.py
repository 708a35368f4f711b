"""The Chinese texts the VBA shows, and the ASCII module ``addin/vba/InvoiceText.bas`` made from them.

VBA source must stay ASCII (the project's code page is 1252: Chinese in a module comes back
as mojibake), so each text becomes a function that spells it with ``ChrW()``:

>>> print(vba_expression("期限：3/10"))
ChrW(26399) & ChrW(38480) & ChrW(65306) & "3/10"
>>> print(vba_expression('a "b" c\\n'))
"a ""b"" c" & vbLf

``render_module()`` gives the module text; ``tests/build`` checks that the committed file is
up to date and LibreOffice checks that each function returns exactly the text below.
Regenerate with ``python -m invoicetools.build text-module``.

Placeholders ``{0}``, ``{1}`` are filled in by the VBA with ``Replace``.
"""

from __future__ import annotations

MODULE_NAME = "InvoiceText"

# function name (without the "Text" prefix) -> (zh-TW text, English gloss for the VBA comment)
MESSAGES: dict[str, tuple[str, str]] = {
    "Title": ("InvoiceTools 電子發票", "message box title"),
    "NoWorkbook": (
        "請先開啟 InvoiceTools 活頁簿（或切換到要處理的活頁簿），再按一次按鈕。",
        "no workbook is open",
    ),
    "PythonMissing": (
        "找不到 Python：{0}\n\n"
        "請在命令提示字元執行 invoicetools addin install（寫入 Python 的位置）；"
        "活頁簿的按鈕則讀取隱藏工作表 xlwings.conf 的 Interpreter_Win。仍然不行時，請把這個畫面截圖給 IT。",
        "the configured interpreter {0} does not exist",
    ),
    "PythonFailed": (
        "Python 沒有完成這個步驟，上一個視窗是技術訊息。\n\n"
        "請按[診斷]檢查安裝；如果仍然不行，請在技術訊息視窗按 Ctrl+C 複製內容，傳給 IT。",
        "Python exited with an error (xlwings showed the details)",
    ),
    "VbaError": (
        "InvoiceTools 巨集發生錯誤（{0}）：{1}\n\n"
        "請關閉 Excel 後重新開啟再試一次；如果仍然不行，請把這個畫面截圖給 IT。",
        "VBA run-time error {0}: {1}",
    ),
    "DeadlinePrefix": ("下次期限：", "ribbon label prefix"),
    "NoDeadline": ("未設定（按[行事曆]更新）", "ribbon label when the workbook has no deadline"),
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


def _function(key: str, text: str, gloss: str) -> list[str]:
    name = "Text" + key
    lines = [f"' {gloss}", f"Public Function {name}() As String", "    Dim s As String"]
    current: list[str] = []
    first = True

    def flush() -> None:
        nonlocal first
        joined = " & ".join(current)
        lines.append(f"    s = {joined}" if first else f"    s = s & {joined}")
        first = False
        current.clear()

    for piece in _pieces(text):
        if current and len(" & ".join([*current, piece])) > _LINE - 12:
            flush()
        current.append(piece)
    flush()
    lines += [f"    {name} = s", "End Function", ""]
    return lines


def render_module() -> str:
    """The text of ``addin/vba/InvoiceText.bas`` (LF line ends; the build stores CRLF)."""
    lines = [
        f'Attribute VB_Name = "{MODULE_NAME}"',
        "' Chinese texts of the InvoiceTools VBA, spelled with ChrW() so that the source stays ASCII.",
        "' Generated from invoicetools/build/messages.py (python -m invoicetools.build text-module);",
        "' do not edit by hand.",
        "Option Explicit",
        "",
    ]
    for key, (text, gloss) in MESSAGES.items():
        lines += _function(key, text, gloss)
    return "\n".join(lines)


def function_texts() -> dict[str, str]:
    """VBA function name -> the text it must return (for the LibreOffice check)."""
    return {"Text" + key: text for key, (text, _) in MESSAGES.items()}
