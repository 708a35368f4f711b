Attribute VB_Name = "InvoiceRibbon"
' Ribbon callbacks of InvoiceTools.xlam (addin/customUI14.xml). Add-in only.
'
' Every button's onAction is InvoiceRibbon.On<Sub>, which runs the parameterless Sub of the
' same name in the module InvoiceTools and then refreshes the next-deadline label. The label
' (getLabel) shows the cell named InvoiceTools_NextDeadline in the active workbook; Python
' writes that cell, nothing here starts Python. ThisWorkbook refreshes the label when another
' workbook is activated or the named cell changes.
'
' Keep this file ASCII (Chinese text comes from InvoiceText) and within what both Excel and
' LibreOffice compile. Checked against invoicetools.book.layout.ACTIONS by
' tests/build/test_addin_sources.py.
Option Explicit

Private Const DEADLINE_NAME As String = "InvoiceTools_NextDeadline"
Private Const DEADLINE_CONTROL As String = "NextDeadline"
Private TheRibbon As IRibbonUI

Public Sub RibbonLoaded(ribbon As IRibbonUI)
    Set TheRibbon = ribbon
End Sub

Public Sub GetNextDeadline(control As IRibbonControl, ByRef label)
    label = NextDeadlineLabel()
End Sub

Public Function NextDeadlineLabel() As String
    ' "<prefix><value of the named cell>", or the prefix and a "not set" text.
    Dim deadline As String
    deadline = ""
    On Error Resume Next
    deadline = CStr(ActiveWorkbook.Names(DEADLINE_NAME).RefersToRange.Cells(1, 1).Value)
    On Error GoTo 0
    If Len(deadline) = 0 Then deadline = TextNoDeadline()
    NextDeadlineLabel = TextDeadlinePrefix() & deadline
End Function

Public Sub RefreshDeadline()
    On Error Resume Next
    If Not TheRibbon Is Nothing Then TheRibbon.InvalidateControl DEADLINE_CONTROL
End Sub

Public Sub RefreshDeadlineIfChanged(ByVal Target As Range)
    ' Called by ThisWorkbook on every sheet change: refresh only when the named cell changed.
    Dim cell As Range
    On Error GoTo Done
    Set cell = Target.Worksheet.Parent.Names(DEADLINE_NAME).RefersToRange
    If Not cell.Worksheet Is Target.Worksheet Then Exit Sub
    If Application.Intersect(cell, Target) Is Nothing Then Exit Sub
    RefreshDeadline
Done:
End Sub

Public Sub OnTracksImport(control As IRibbonControl)
    InvoiceTools.TracksImport
    RefreshDeadline
End Sub

Public Sub OnTracksFetch(control As IRibbonControl)
    InvoiceTools.TracksFetch
    RefreshDeadline
End Sub

Public Sub OnTracksAllocate(control As IRibbonControl)
    InvoiceTools.TracksAllocate
    RefreshDeadline
End Sub

Public Sub OnForecastUpdate(control As IRibbonControl)
    InvoiceTools.ForecastUpdate
    RefreshDeadline
End Sub

Public Sub OnE0401Export(control As IRibbonControl)
    InvoiceTools.E0401Export
    RefreshDeadline
End Sub

Public Sub OnInvoicesImport(control As IRibbonControl)
    InvoiceTools.InvoicesImport
    RefreshDeadline
End Sub

Public Sub OnStatusDownload(control As IRibbonControl)
    InvoiceTools.StatusDownload
    RefreshDeadline
End Sub

Public Sub OnCheckUpload(control As IRibbonControl)
    InvoiceTools.CheckUpload
    RefreshDeadline
End Sub

Public Sub OnGapsCheck(control As IRibbonControl)
    InvoiceTools.GapsCheck
    RefreshDeadline
End Sub

Public Sub OnGapsVoid(control As IRibbonControl)
    InvoiceTools.GapsVoid
    RefreshDeadline
End Sub

Public Sub OnGapsUnvoid(control As IRibbonControl)
    InvoiceTools.GapsUnvoid
    RefreshDeadline
End Sub

Public Sub OnE0402Export(control As IRibbonControl)
    InvoiceTools.E0402Export
    RefreshDeadline
End Sub

Public Sub OnExportPdf(control As IRibbonControl)
    InvoiceTools.ExportPdf
    RefreshDeadline
End Sub

Public Sub OnExportXlsx(control As IRibbonControl)
    InvoiceTools.ExportXlsx
    RefreshDeadline
End Sub

Public Sub OnCalendarRefresh(control As IRibbonControl)
    InvoiceTools.CalendarRefresh
    RefreshDeadline
End Sub

Public Sub OnSettingsOpen(control As IRibbonControl)
    InvoiceTools.SettingsOpen
    RefreshDeadline
End Sub

Public Sub OnDiagnose(control As IRibbonControl)
    InvoiceTools.Diagnose
    RefreshDeadline
End Sub
