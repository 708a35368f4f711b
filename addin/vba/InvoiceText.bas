Attribute VB_Name = "InvoiceText"
' Texts of the InvoiceTools VBA. Chinese is spelled with ChrW() so that the source stays
' ASCII; message-box texts fall back to English where the ANSI code page has no Chinese.
' Generated from invoicetools/build/messages.py (python -m invoicetools.build text-module);
' do not edit by hand.
Option Explicit

' True when the system's ANSI code page can show text: MsgBox converts to that code page and
' shows ? for every character it lacks (StrConv with vbFromUnicode uses the same code page).
Public Function AnsiShows(ByVal text As String) As Boolean
    On Error GoTo Failed
    AnsiShows = (StrConv(StrConv(text, vbFromUnicode), vbUnicode) = text)
    Exit Function
Failed:
    AnsiShows = False
End Function

' text where the ANSI code page can show it, else fallback (ASCII)
Public Function PickText(ByVal text As String, ByVal fallback As String) As String
    If AnsiShows(text) Then
        PickText = text
    Else
        PickText = fallback
    End If
End Function

' message box title (English where Chinese cannot be shown)
Public Function TextTitle() As String
    Dim s As String
    s = "InvoiceTools"
    TextTitle = PickText(ZhTitle(), s)
End Function

' message box title
Public Function ZhTitle() As String
    Dim s As String
    s = "InvoiceTools " & ChrW(38651) & ChrW(23376) & ChrW(30332) & ChrW(31080)
    ZhTitle = s
End Function

' no workbook is open (English where Chinese cannot be shown)
Public Function TextNoWorkbook() As String
    Dim s As String
    s = "Please open the InvoiceTools workbook (or switch to the workbook to work o"
    s = s & "n), then click the button again."
    TextNoWorkbook = PickText(ZhNoWorkbook(), s)
End Function

' no workbook is open
Public Function ZhNoWorkbook() As String
    Dim s As String
    s = ChrW(35531) & ChrW(20808) & ChrW(38283) & ChrW(21855) & " InvoiceTools "
    s = s & ChrW(27963) & ChrW(38913) & ChrW(31807) & ChrW(65288) & ChrW(25110)
    s = s & ChrW(20999) & ChrW(25563) & ChrW(21040) & ChrW(35201) & ChrW(34389)
    s = s & ChrW(29702) & ChrW(30340) & ChrW(27963) & ChrW(38913) & ChrW(31807)
    s = s & ChrW(65289) & ChrW(65292) & ChrW(20877) & ChrW(25353) & ChrW(19968)
    s = s & ChrW(27425) & ChrW(25353) & ChrW(37397) & ChrW(12290)
    ZhNoWorkbook = s
End Function

' the configured interpreter {0} does not exist (English where Chinese cannot be shown)
Public Function TextPythonMissing() As String
    Dim s As String
    s = "Python was not found: {0}" & vbLf & vbLf
    s = s & "Run 'invoicetools addin install' in a Command Prompt: it writes the Python"
    s = s & " location to %USERPROFILE%\.invoicetools\invoicetools.conf, which the ribb"
    s = s & "on and the sheet buttons both read. If that does not help, send a screensh"
    s = s & "ot of this message to IT."
    TextPythonMissing = PickText(ZhPythonMissing(), s)
End Function

' the configured interpreter {0} does not exist
Public Function ZhPythonMissing() As String
    Dim s As String
    s = ChrW(25214) & ChrW(19981) & ChrW(21040) & " Python" & ChrW(65306) & "{0}"
    s = s & vbLf & vbLf & ChrW(35531) & ChrW(22312) & ChrW(21629) & ChrW(20196)
    s = s & ChrW(25552) & ChrW(31034) & ChrW(23383) & ChrW(20803) & ChrW(22519)
    s = s & ChrW(34892) & " invoicetools addin install" & ChrW(65288) & ChrW(25226)
    s = s & " Python " & ChrW(30340) & ChrW(20301) & ChrW(32622) & ChrW(23531)
    s = s & ChrW(20837) & " %USERPROFILE%\.invoicetools\invoicetools.conf" & ChrW(65307)
    s = s & ChrW(21151) & ChrW(33021) & ChrW(21312) & ChrW(21644) & ChrW(24037)
    s = s & ChrW(20316) & ChrW(34920) & ChrW(19978) & ChrW(30340) & ChrW(25353)
    s = s & ChrW(37397) & ChrW(37117) & ChrW(35712) & ChrW(36889) & ChrW(20491)
    s = s & ChrW(27284) & ChrW(65289) & ChrW(12290) & ChrW(20173) & ChrW(28982)
    s = s & ChrW(19981) & ChrW(34892) & ChrW(26178) & ChrW(65292) & ChrW(35531)
    s = s & ChrW(25226) & ChrW(36889) & ChrW(20491) & ChrW(30059) & ChrW(38754)
    s = s & ChrW(25130) & ChrW(22294) & ChrW(32102) & " IT" & ChrW(12290)
    ZhPythonMissing = s
End Function

' Python exited with an error (xlwings showed the details) (English where Chinese cannot be shown)
Public Function TextPythonFailed() As String
    Dim s As String
    s = "Python did not finish this step; the previous window shows the technical m"
    s = s & "essage." & vbLf & vbLf
    s = s & "Click the Diagnose button to check the installation; if that does not help"
    s = s & ", press Ctrl+C in the technical window and send the text to IT."
    TextPythonFailed = PickText(ZhPythonFailed(), s)
End Function

' Python exited with an error (xlwings showed the details)
Public Function ZhPythonFailed() As String
    Dim s As String
    s = "Python " & ChrW(27794) & ChrW(26377) & ChrW(23436) & ChrW(25104)
    s = s & ChrW(36889) & ChrW(20491) & ChrW(27493) & ChrW(39519) & ChrW(65292)
    s = s & ChrW(19978) & ChrW(19968) & ChrW(20491) & ChrW(35222) & ChrW(31383)
    s = s & ChrW(26159) & ChrW(25216) & ChrW(34899) & ChrW(35338) & ChrW(24687)
    s = s & ChrW(12290) & vbLf & vbLf & ChrW(35531) & ChrW(25353) & "[" & ChrW(35386)
    s = s & ChrW(26039) & "]" & ChrW(27298) & ChrW(26597) & ChrW(23433) & ChrW(35037)
    s = s & ChrW(65307) & ChrW(22914) & ChrW(26524) & ChrW(20173) & ChrW(28982)
    s = s & ChrW(19981) & ChrW(34892) & ChrW(65292) & ChrW(35531) & ChrW(22312)
    s = s & ChrW(25216) & ChrW(34899) & ChrW(35338) & ChrW(24687) & ChrW(35222)
    s = s & ChrW(31383) & ChrW(25353) & " Ctrl+C " & ChrW(35079) & ChrW(35069)
    s = s & ChrW(20839) & ChrW(23481) & ChrW(65292) & ChrW(20659) & ChrW(32102) & " IT"
    s = s & ChrW(12290)
    ZhPythonFailed = s
End Function

' VBA run-time error {0}: {1} (English where Chinese cannot be shown)
Public Function TextVbaError() As String
    Dim s As String
    s = "InvoiceTools macro error ({0}): {1}" & vbLf & vbLf
    s = s & "Close Excel, open it again and retry; if it happens again, send a screensh"
    s = s & "ot of this message to IT."
    TextVbaError = PickText(ZhVbaError(), s)
End Function

' VBA run-time error {0}: {1}
Public Function ZhVbaError() As String
    Dim s As String
    s = "InvoiceTools " & ChrW(24040) & ChrW(38598) & ChrW(30332) & ChrW(29983)
    s = s & ChrW(37679) & ChrW(35492) & ChrW(65288) & "{0}" & ChrW(65289) & ChrW(65306)
    s = s & "{1}" & vbLf & vbLf & ChrW(35531) & ChrW(38364) & ChrW(38281) & " Excel "
    s = s & ChrW(24460) & ChrW(37325) & ChrW(26032) & ChrW(38283) & ChrW(21855)
    s = s & ChrW(20877) & ChrW(35430) & ChrW(19968) & ChrW(27425) & ChrW(65307)
    s = s & ChrW(22914) & ChrW(26524) & ChrW(20173) & ChrW(28982) & ChrW(19981)
    s = s & ChrW(34892) & ChrW(65292) & ChrW(35531) & ChrW(25226) & ChrW(36889)
    s = s & ChrW(20491) & ChrW(30059) & ChrW(38754) & ChrW(25130) & ChrW(22294)
    s = s & ChrW(32102) & " IT" & ChrW(12290)
    ZhVbaError = s
End Function

' error 70 from xlwings' WScript.Run: Defender's ASR rule blocks Office child processes (English where Chinese cannot be shown)
Public Function TextChildProcessBlocked() As String
    Dim s As String
    s = "Windows security settings do not allow Excel to start Python (VBA error {0"
    s = s & "}: Permission denied)." & vbLf & vbLf
    s = s & "This is usually the Microsoft Defender attack surface reduction rule ""Blo"
    s = s & "ck all Office applications from creating child processes"" (rule ID D4F940"
    s = s & "AB-401B-4EFC-AADC-AD5F3C50688A). Show this message to IT: Excel must be al"
    s = s & "lowed to start C:\Windows\System32\cmd.exe and InvoiceTools' pythonw.exe ("
    s = s & "an exclusion for this rule, or audit mode on this PC)." & vbLf & vbLf
    s = s & "Until then, every step can be run with the invoicetools command in a Comma"
    s = s & "nd Prompt."
    TextChildProcessBlocked = PickText(ZhChildProcessBlocked(), s)
End Function

' error 70 from xlwings' WScript.Run: Defender's ASR rule blocks Office child processes
Public Function ZhChildProcessBlocked() As String
    Dim s As String
    s = "Windows " & ChrW(30340) & ChrW(23433) & ChrW(20840) & ChrW(24615)
    s = s & ChrW(35373) & ChrW(23450) & ChrW(19981) & ChrW(20801) & ChrW(35377)
    s = s & " Excel " & ChrW(21855) & ChrW(21205) & " Python" & ChrW(65288) & "VBA "
    s = s & ChrW(37679) & ChrW(35492) & " {0}" & ChrW(65306) & ChrW(27402) & ChrW(38480)
    s = s & ChrW(34987) & ChrW(25298) & ChrW(65289) & ChrW(12290) & vbLf & vbLf
    s = s & ChrW(36890) & ChrW(24120) & ChrW(26159) & " Microsoft Defender "
    s = s & ChrW(30340) & ChrW(25915) & ChrW(25802) & ChrW(38754) & ChrW(32302)
    s = s & ChrW(23567) & " (ASR) " & ChrW(35215) & ChrW(21063) & ChrW(12300)
    s = s & "Block all Office applications from creating child processes" & ChrW(12301)
    s = s & ChrW(65288) & ChrW(35215) & ChrW(21063)
    s = s & " ID D4F940AB-401B-4EFC-AADC-AD5F3C50688A" & ChrW(65289) & ChrW(12290)
    s = s & ChrW(35531) & ChrW(25226) & ChrW(36889) & ChrW(20491) & ChrW(30059)
    s = s & ChrW(38754) & ChrW(20132) & ChrW(32102) & " IT" & ChrW(65306) & ChrW(38656)
    s = s & ChrW(35201) & ChrW(20801) & ChrW(35377) & " Excel " & ChrW(21855)
    s = s & ChrW(21205) & " C:\Windows\System32\cmd.exe " & ChrW(33287)
    s = s & " InvoiceTools " & ChrW(30340) & " pythonw.exe" & ChrW(65288) & ChrW(28858)
    s = s & ChrW(36889) & ChrW(26781) & ChrW(35215) & ChrW(21063) & ChrW(21152)
    s = s & ChrW(19978) & ChrW(25490) & ChrW(38500) & ChrW(65292) & ChrW(25110)
    s = s & ChrW(23565) & ChrW(36889) & ChrW(21488) & ChrW(38651) & ChrW(33126)
    s = s & ChrW(25913) & ChrW(28858) & ChrW(31293) & ChrW(26680) & ChrW(27169)
    s = s & ChrW(24335) & ChrW(65289) & ChrW(12290) & vbLf & vbLf & ChrW(22312)
    s = s & ChrW(37027) & ChrW(20043) & ChrW(21069) & ChrW(65292) & ChrW(27599)
    s = s & ChrW(20491) & ChrW(27493) & ChrW(39519) & ChrW(37117) & ChrW(21487)
    s = s & ChrW(20197) & ChrW(22312) & ChrW(21629) & ChrW(20196) & ChrW(25552)
    s = s & ChrW(31034) & ChrW(23383) & ChrW(20803) & ChrW(29992) & " invoicetools "
    s = s & ChrW(25351) & ChrW(20196) & ChrW(23436) & ChrW(25104) & ChrW(65288)
    s = s & ChrW(20351) & ChrW(29992) & ChrW(35498) & ChrW(26126) & ChrW(31532) & " 12 "
    s = s & ChrW(31680) & ChrW(65289) & ChrW(12290)
    ZhChildProcessBlocked = s
End Function

' error 0x800704EC: AppLocker or a software restriction policy blocks cmd.exe (English where Chinese cannot be shown)
Public Function TextPolicyBlocked() As String
    Dim s As String
    s = "A group policy of your company blocks the program Excel tries to start (VB"
    s = s & "A error {0})." & vbLf & vbLf
    s = s & "This is AppLocker or a software restriction policy. Show this message to I"
    s = s & "T: C:\Windows\System32\cmd.exe and InvoiceTools' Python (%LOCALAPPDATA%\In"
    s = s & "voiceTools\venv\Scripts\pythonw.exe) must be allowed to run." & vbLf & vbLf
    s = s & "Until then, every step can be run with the invoicetools command in a Comma"
    s = s & "nd Prompt."
    TextPolicyBlocked = PickText(ZhPolicyBlocked(), s)
End Function

' error 0x800704EC: AppLocker or a software restriction policy blocks cmd.exe
Public Function ZhPolicyBlocked() As String
    Dim s As String
    s = ChrW(20844) & ChrW(21496) & ChrW(30340) & ChrW(32676) & ChrW(32068)
    s = s & ChrW(21407) & ChrW(21063) & ChrW(23553) & ChrW(37782) & ChrW(20102)
    s = s & " Excel " & ChrW(35201) & ChrW(21855) & ChrW(21205) & ChrW(30340)
    s = s & ChrW(31243) & ChrW(24335) & ChrW(65288) & "VBA " & ChrW(37679) & ChrW(35492)
    s = s & " {0}" & ChrW(65289) & ChrW(12290) & vbLf & vbLf & ChrW(36889) & ChrW(26159)
    s = s & " AppLocker " & ChrW(25110) & ChrW(36575) & ChrW(39636) & ChrW(38480)
    s = s & ChrW(21046) & ChrW(21407) & ChrW(21063) & ChrW(12290) & ChrW(35531)
    s = s & ChrW(25226) & ChrW(36889) & ChrW(20491) & ChrW(30059) & ChrW(38754)
    s = s & ChrW(20132) & ChrW(32102) & " IT" & ChrW(65306) & ChrW(38656) & ChrW(35201)
    s = s & ChrW(20801) & ChrW(35377) & " C:\Windows\System32\cmd.exe " & ChrW(33287)
    s = s & " InvoiceTools " & ChrW(30340) & " Python" & ChrW(65288)
    s = s & "%LOCALAPPDATA%\InvoiceTools\venv\Scripts\pythonw.exe" & ChrW(65289)
    s = s & ChrW(22519) & ChrW(34892) & ChrW(12290) & vbLf & vbLf & ChrW(22312)
    s = s & ChrW(37027) & ChrW(20043) & ChrW(21069) & ChrW(65292) & ChrW(27599)
    s = s & ChrW(20491) & ChrW(27493) & ChrW(39519) & ChrW(37117) & ChrW(21487)
    s = s & ChrW(20197) & ChrW(22312) & ChrW(21629) & ChrW(20196) & ChrW(25552)
    s = s & ChrW(31034) & ChrW(23383) & ChrW(20803) & ChrW(29992) & " invoicetools "
    s = s & ChrW(25351) & ChrW(20196) & ChrW(23436) & ChrW(25104) & ChrW(65288)
    s = s & ChrW(20351) & ChrW(29992) & ChrW(35498) & ChrW(26126) & ChrW(31532) & " 12 "
    s = s & ChrW(31680) & ChrW(65289) & ChrW(12290)
    ZhPolicyBlocked = s
End Function

' error 429: CreateObject("WScript.Shell") failed (English where Chinese cannot be shown)
Public Function TextShellUnavailable() As String
    Dim s As String
    s = "Excel cannot create WScript.Shell (VBA error {0}), so it cannot start Pyth"
    s = s & "on." & vbLf & vbLf
    s = s & "Usually a company policy turned off Windows Script Host, or antivirus soft"
    s = s & "ware blocks it. Show this message to IT: Office macros must be allowed to "
    s = s & "use WScript.Shell." & vbLf & vbLf
    s = s & "Until then, every step can be run with the invoicetools command in a Comma"
    s = s & "nd Prompt."
    TextShellUnavailable = PickText(ZhShellUnavailable(), s)
End Function

' error 429: CreateObject("WScript.Shell") failed
Public Function ZhShellUnavailable() As String
    Dim s As String
    s = "Excel " & ChrW(28961) & ChrW(27861) & ChrW(24314) & ChrW(31435)
    s = s & " WScript.Shell" & ChrW(65288) & "VBA " & ChrW(37679) & ChrW(35492) & " {0}"
    s = s & ChrW(65289) & ChrW(65292) & ChrW(25152) & ChrW(20197) & ChrW(28961)
    s = s & ChrW(27861) & ChrW(21855) & ChrW(21205) & " Python" & ChrW(12290) & vbLf
    s = s & vbLf & ChrW(36890) & ChrW(24120) & ChrW(26159) & ChrW(20844) & ChrW(21496)
    s = s & ChrW(21407) & ChrW(21063) & ChrW(20572) & ChrW(29992) & ChrW(20102)
    s = s & " Windows Script Host" & ChrW(65292) & ChrW(25110) & ChrW(38450)
    s = s & ChrW(27602) & ChrW(36575) & ChrW(39636) & ChrW(23553) & ChrW(37782)
    s = s & ChrW(20102) & ChrW(23427) & ChrW(12290) & ChrW(35531) & ChrW(25226)
    s = s & ChrW(36889) & ChrW(20491) & ChrW(30059) & ChrW(38754) & ChrW(20132)
    s = s & ChrW(32102) & " IT" & ChrW(65306) & ChrW(38656) & ChrW(35201) & ChrW(20801)
    s = s & ChrW(35377) & " Office " & ChrW(24040) & ChrW(38598) & ChrW(20351)
    s = s & ChrW(29992) & " WScript.Shell" & ChrW(12290) & vbLf & vbLf & ChrW(22312)
    s = s & ChrW(37027) & ChrW(20043) & ChrW(21069) & ChrW(65292) & ChrW(27599)
    s = s & ChrW(20491) & ChrW(27493) & ChrW(39519) & ChrW(37117) & ChrW(21487)
    s = s & ChrW(20197) & ChrW(22312) & ChrW(21629) & ChrW(20196) & ChrW(25552)
    s = s & ChrW(31034) & ChrW(23383) & ChrW(20803) & ChrW(29992) & " invoicetools "
    s = s & ChrW(25351) & ChrW(20196) & ChrW(23436) & ChrW(25104) & ChrW(65288)
    s = s & ChrW(20351) & ChrW(29992) & ChrW(35498) & ChrW(26126) & ChrW(31532) & " 12 "
    s = s & ChrW(31680) & ChrW(65289) & ChrW(12290)
    ZhShellUnavailable = s
End Function

' error 53/75/76 reading xlwings' log file: no log in the temp folder {1} (English where Chinese cannot be shown)
Public Function TextNoPythonOutput() As String
    Dim s As String
    s = "Excel started the Command Prompt but got no result from Python (VBA error "
    s = s & "{0})." & vbLf & vbLf
    s = s & "Common causes: the temp folder {1} is missing or not writable, or a compan"
    s = s & "y policy turned off the Command Prompt. Run 'invoicetools doctor' in a Com"
    s = s & "mand Prompt; if that does not help, show this message to IT."
    TextNoPythonOutput = PickText(ZhNoPythonOutput(), s)
End Function

' error 53/75/76 reading xlwings' log file: no log in the temp folder {1}
Public Function ZhNoPythonOutput() As String
    Dim s As String
    s = "Excel " & ChrW(21855) & ChrW(21205) & ChrW(20102) & ChrW(21629)
    s = s & ChrW(20196) & ChrW(25552) & ChrW(31034) & ChrW(23383) & ChrW(20803)
    s = s & ChrW(65292) & ChrW(20294) & ChrW(27794) & ChrW(26377) & ChrW(25343)
    s = s & ChrW(21040) & " Python " & ChrW(30340) & ChrW(22519) & ChrW(34892)
    s = s & ChrW(32080) & ChrW(26524) & ChrW(65288) & "VBA " & ChrW(37679) & ChrW(35492)
    s = s & " {0}" & ChrW(65289) & ChrW(12290) & vbLf & vbLf & ChrW(24120) & ChrW(35211)
    s = s & ChrW(21407) & ChrW(22240) & ChrW(65306) & ChrW(26283) & ChrW(23384)
    s = s & ChrW(36039) & ChrW(26009) & ChrW(22846) & " {1} " & ChrW(19981)
    s = s & ChrW(23384) & ChrW(22312) & ChrW(25110) & ChrW(28961) & ChrW(27861)
    s = s & ChrW(23531) & ChrW(20837) & ChrW(65307) & ChrW(25110) & ChrW(20844)
    s = s & ChrW(21496) & ChrW(21407) & ChrW(21063) & ChrW(20572) & ChrW(29992)
    s = s & ChrW(20102) & ChrW(21629) & ChrW(20196) & ChrW(25552) & ChrW(31034)
    s = s & ChrW(23383) & ChrW(20803) & ChrW(12290) & ChrW(35531) & ChrW(22312)
    s = s & ChrW(21629) & ChrW(20196) & ChrW(25552) & ChrW(31034) & ChrW(23383)
    s = s & ChrW(20803) & ChrW(22519) & ChrW(34892) & " invoicetools doctor "
    s = s & ChrW(27298) & ChrW(26597) & ChrW(65307) & ChrW(20173) & ChrW(28982)
    s = s & ChrW(19981) & ChrW(34892) & ChrW(26178) & ChrW(65292) & ChrW(35531)
    s = s & ChrW(25226) & ChrW(36889) & ChrW(20491) & ChrW(30059) & ChrW(38754)
    s = s & ChrW(20132) & ChrW(32102) & " IT" & ChrW(12290)
    ZhNoPythonOutput = s
End Function

' error 62 from xlwings' Input #: a settings file line is not "KEY","VALUE" (English where Chinese cannot be shown)
Public Function TextSettingsUnreadable() As String
    Dim s As String
    s = "InvoiceTools cannot read its settings file (VBA error {0}): {1}" & vbLf
    s = s & vbLf
    s = s & "Run 'invoicetools addin install' in a Command Prompt to write it again. If"
    s = s & " the workbook's folder holds an invoicetools.conf, every line must be ""NA"
    s = s & "ME"",""VALUE""."
    TextSettingsUnreadable = PickText(ZhSettingsUnreadable(), s)
End Function

' error 62 from xlwings' Input #: a settings file line is not "KEY","VALUE"
Public Function ZhSettingsUnreadable() As String
    Dim s As String
    s = "InvoiceTools " & ChrW(30340) & ChrW(35373) & ChrW(23450) & ChrW(27284)
    s = s & ChrW(28961) & ChrW(27861) & ChrW(35712) & ChrW(21462) & ChrW(65288) & "VBA "
    s = s & ChrW(37679) & ChrW(35492) & " {0}" & ChrW(65289) & ChrW(65306) & "{1}"
    s = s & vbLf & vbLf & ChrW(35531) & ChrW(22312) & ChrW(21629) & ChrW(20196)
    s = s & ChrW(25552) & ChrW(31034) & ChrW(23383) & ChrW(20803) & ChrW(22519)
    s = s & ChrW(34892) & " invoicetools addin install " & ChrW(37325) & ChrW(26032)
    s = s & ChrW(23531) & ChrW(20837) & ChrW(12290) & ChrW(27963) & ChrW(38913)
    s = s & ChrW(31807) & ChrW(30340) & ChrW(36039) & ChrW(26009) & ChrW(22846)
    s = s & ChrW(35041) & ChrW(33509) & ChrW(26377) & " invoicetools.conf" & ChrW(65292)
    s = s & ChrW(35531) & ChrW(30906) & ChrW(35469) & ChrW(27599) & ChrW(19968)
    s = s & ChrW(34892) & ChrW(37117) & ChrW(26159) & " """ & ChrW(21517) & ChrW(31281)
    s = s & """,""" & ChrW(20540) & """" & ChrW(12290)
    ZhSettingsUnreadable = s
End Function

' ribbon label prefix
Public Function TextDeadlinePrefix() As String
    Dim s As String
    s = ChrW(19979) & ChrW(27425) & ChrW(26399) & ChrW(38480) & ChrW(65306)
    TextDeadlinePrefix = s
End Function

' ribbon label when the workbook has no deadline
Public Function TextNoDeadline() As String
    Dim s As String
    s = ChrW(26410) & ChrW(35373) & ChrW(23450) & ChrW(65288) & ChrW(25353) & "["
    s = s & ChrW(34892) & ChrW(20107) & ChrW(26310) & "]" & ChrW(26356) & ChrW(26032)
    s = s & ChrW(65289)
    TextNoDeadline = s
End Function
