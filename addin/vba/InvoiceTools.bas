Attribute VB_Name = "InvoiceTools"
' InvoiceTools: one parameterless Sub per button. The ribbon (InvoiceRibbon, add-in only)
' and the sheet buttons of InvoiceTools.xlsm call these Subs.
'
' Each Sub runs one function of the Python package invoicetools.excel through xlwings'
' RunPython. Python reports its own results and errors to the accountant (app.alert,
' in Chinese). This module handles only what Python cannot: no workbook is open, the
' configured Python interpreter does not exist, Python did not finish, and VBA run-time
' errors. The messages come from InvoiceText (Chinese spelled with ChrW).
'
' Keep this file ASCII and within what both Excel and LibreOffice compile: no #If,
' no PtrSafe, no Enum built from vb* constants, no duplicate procedure names.
' The Subs and their Python commands are checked against invoicetools.book.layout.ACTIONS
' by tests/build/test_addin_sources.py.
Option Explicit

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
    ' exits with an error (RunPython returns -1 on Windows); a Chinese note follows it.
    Dim missing As String
    Dim result As Variant
    On Error GoTo Failed
    If ActiveWorkbook Is Nothing Then
        MsgBox TextNoWorkbook(), vbExclamation, TextTitle()
        Exit Sub
    End If
    missing = MissingInterpreter()
    If Len(missing) > 0 Then
        MsgBox Replace(TextPythonMissing(), "{0}", missing), vbCritical, TextTitle()
        Exit Sub
    End If
    result = xlwings.RunPython(PythonCommand)
    If Not IsEmpty(result) Then
        If CStr(result) = "-1" Then MsgBox TextPythonFailed(), vbExclamation, TextTitle()
    End If
    Exit Sub
Failed:
    MsgBox Replace(Replace(TextVbaError(), "{0}", CStr(Err.Number)), "{1}", Err.Description), _
        vbCritical, TextTitle()
End Sub

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
