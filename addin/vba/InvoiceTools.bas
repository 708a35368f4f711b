Attribute VB_Name = "InvoiceTools"
' InvoiceTools: one parameterless Sub per button. The ribbon (InvoiceRibbon, add-in only)
' and the sheet buttons of InvoiceTools.xlsm call these Subs.
'
' Each Sub runs one function of the Python package invoicetools.excel through xlwings'
' RunPython. Python reports its own results and errors to the accountant (app.alert,
' in Chinese). This module handles only what Python cannot: no workbook is open, the
' configured Python interpreter does not exist, Python did not finish, Windows would not
' let Excel start Python (FailureText), and VBA run-time errors. The messages come from
' InvoiceText (Chinese spelled with ChrW; English where the ANSI code page has no Chinese).
'
' Keep this file ASCII and within what both Excel and LibreOffice compile: no #If,
' no PtrSafe, no Enum built from vb* constants, no duplicate procedure names.
' The Subs and their Python commands are checked against invoicetools.book.layout.ACTIONS
' by tests/build/test_addin_sources.py.
Option Explicit

Private LastText As String

Public Sub TracksImport()
    RunStep "import invoicetools.excel as x; x.tracks_import()"
End Sub

Public Sub TracksFetch()
    RunStep "import invoicetools.excel as x; x.tracks_fetch()"
End Sub

Public Sub TracksAllocate()
    RunStep "import invoicetools.excel as x; x.tracks_allocate()"
End Sub

Public Sub ForecastUpdate()
    RunStep "import invoicetools.excel as x; x.forecast_update()"
End Sub

Public Sub E0401Export()
    RunStep "import invoicetools.excel as x; x.e0401_export()"
End Sub

Public Sub InvoicesImport()
    RunStep "import invoicetools.excel as x; x.invoices_import()"
End Sub

Public Sub StatusDownload()
    RunStep "import invoicetools.excel as x; x.status_download()"
End Sub

Public Sub CheckUpload()
    RunStep "import invoicetools.excel as x; x.check_upload()"
End Sub

Public Sub GapsCheck()
    RunStep "import invoicetools.excel as x; x.gaps_check()"
End Sub

Public Sub GapsVoid()
    RunStep "import invoicetools.excel as x; x.gaps_void()"
End Sub

Public Sub GapsUnvoid()
    RunStep "import invoicetools.excel as x; x.gaps_unvoid()"
End Sub

Public Sub E0402Export()
    RunStep "import invoicetools.excel as x; x.e0402_export()"
End Sub

Public Sub ExportPdf()
    RunStep "import invoicetools.excel as x; x.export_pdf()"
End Sub

Public Sub ExportXlsx()
    RunStep "import invoicetools.excel as x; x.export_xlsx()"
End Sub

Public Sub CalendarRefresh()
    RunStep "import invoicetools.excel as x; x.calendar_refresh()"
End Sub

Public Sub SettingsOpen()
    RunStep "import invoicetools.excel as x; x.settings_open()"
End Sub

Public Sub Diagnose()
    RunStep "import invoicetools.excel as x; x.diagnose()"
End Sub

Private Sub RunStep(ByVal PythonCommand As String)
    ' Guards, then xlwings.RunPython. xlwings shows its own technical window when Python
    ' exits with an error (RunPython returns -1 on Windows); a note follows it. Errors raised
    ' while xlwings starts Python (no handler of its own there) land in Failed.
    Dim missing As String
    Dim result As Variant
    On Error GoTo Failed
    If ActiveWorkbook Is Nothing Then
        Report TextNoWorkbook(), vbExclamation
        Exit Sub
    End If
    missing = MissingInterpreter()
    If Len(missing) > 0 Then
        Report Replace(TextPythonMissing(), "{0}", missing), vbCritical
        Exit Sub
    End If
    result = xlwings.RunPython(PythonCommand)
    If Not IsEmpty(result) Then
        If CStr(result) = "-1" Then Report TextPythonFailed(), vbExclamation
    End If
    Exit Sub
Failed:
    Report FailureText(Err.Number, Err.Description), vbCritical
End Sub

Public Function FailureText(ByVal number As Long, ByVal description As String) As String
    ' The message for a VBA error in RunStep. The errors xlwings' RunPython raises when Windows
    ' will not let Excel start Python are told apart (see addin/README.md):
    '   70          Permission denied from WScript.Run: Defender's attack surface reduction
    '               rule "Block all Office applications from creating child processes"
    '   -2147023636 &H800704EC "blocked by group policy": AppLocker / software restriction
    '   429         CreateObject("WScript.Shell") failed: Windows Script Host blocked
    '   53, 75, 76  no log file from cmd.exe in the temp folder (xlwings reads it after a failure)
    '   62          Input # past the end of a line: a settings file that is not "KEY","VALUE"
    Dim text As String
    Select Case number
        Case 70
            text = TextChildProcessBlocked()
        Case -2147023636
            text = TextPolicyBlocked()
        Case 429
            text = TextShellUnavailable()
        Case 53, 75, 76
            text = Replace(TextNoPythonOutput(), "{1}", Environ("TEMP"))
        Case 62
            text = Replace(TextSettingsUnreadable(), "{1}", SettingsFile())
        Case Else
            text = Replace(TextVbaError(), "{1}", description)
    End Select
    FailureText = Replace(text, "{0}", CStr(number))
End Function

Public Function LastMessage() As String
    ' The text of the last message this module showed. MsgBox shows nothing in LibreOffice
    ' headless; the LibreOffice check reads this instead.
    LastMessage = LastText
End Function

Private Sub Report(ByVal text As String, ByVal style As Long)
    LastText = text
    MsgBox text, style, TextTitle()
End Sub

Private Function SettingsFile() As String
    ' The user's settings file that invoicetools addin install writes (xlwings' GetConfigFilePath
    ' for PROJECT_NAME invoicetools).
    SettingsFile = Environ("USERPROFILE") & "\.invoicetools\invoicetools.conf"
End Function

Private Function MissingInterpreter() As String
    ' The configured interpreter when it is a path that does not exist, else "".
    ' Same rule as xlwings' ExecuteWindows: "python"/"pythonw" (found on PATH or in a
    ' Conda environment) are left to xlwings. On a Mac xlwings starts Python through
    ' AppleScript and reports problems itself.
    Dim interpreter As String
    If Application.OperatingSystem Like "Mac*" Then Exit Function
    interpreter = CStr(xlwings.GetConfig("INTERPRETER_WIN", ""))
    If Len(interpreter) = 0 Then interpreter = CStr(xlwings.GetConfig("INTERPRETER", "python"))
    If interpreter = "python" Or interpreter = "pythonw" Then Exit Function
    If Not xlwings.FileExists(interpreter) Then MissingInterpreter = interpreter
End Function
