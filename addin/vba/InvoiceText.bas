Attribute VB_Name = "InvoiceText"
' Chinese texts of the InvoiceTools VBA, spelled with ChrW() so that the source stays ASCII.
' Generated from invoicetools/build/messages.py (python -m invoicetools.build text-module);
' do not edit by hand.
Option Explicit

' message box title
Public Function TextTitle() As String
    Dim s As String
    s = "InvoiceTools " & ChrW(38651) & ChrW(23376) & ChrW(30332) & ChrW(31080)
    TextTitle = s
End Function

' no workbook is open
Public Function TextNoWorkbook() As String
    Dim s As String
    s = ChrW(35531) & ChrW(20808) & ChrW(38283) & ChrW(21855) & " InvoiceTools "
    s = s & ChrW(27963) & ChrW(38913) & ChrW(31807) & ChrW(65288) & ChrW(25110)
    s = s & ChrW(20999) & ChrW(25563) & ChrW(21040) & ChrW(35201) & ChrW(34389)
    s = s & ChrW(29702) & ChrW(30340) & ChrW(27963) & ChrW(38913) & ChrW(31807)
    s = s & ChrW(65289) & ChrW(65292) & ChrW(20877) & ChrW(25353) & ChrW(19968)
    s = s & ChrW(27425) & ChrW(25353) & ChrW(37397) & ChrW(12290)
    TextNoWorkbook = s
End Function

' the configured interpreter {0} does not exist
Public Function TextPythonMissing() As String
    Dim s As String
    s = ChrW(25214) & ChrW(19981) & ChrW(21040) & " Python" & ChrW(65306) & "{0}"
    s = s & vbLf & vbLf & ChrW(35531) & ChrW(22312) & ChrW(21629) & ChrW(20196)
    s = s & ChrW(25552) & ChrW(31034) & ChrW(23383) & ChrW(20803) & ChrW(22519)
    s = s & ChrW(34892) & " invoicetools addin install" & ChrW(65288) & ChrW(23531)
    s = s & ChrW(20837) & " Python " & ChrW(30340) & ChrW(20301) & ChrW(32622)
    s = s & ChrW(65289) & ChrW(65307) & ChrW(27963) & ChrW(38913) & ChrW(31807)
    s = s & ChrW(30340) & ChrW(25353) & ChrW(37397) & ChrW(21063) & ChrW(35712)
    s = s & ChrW(21462) & ChrW(38577) & ChrW(34255) & ChrW(24037) & ChrW(20316)
    s = s & ChrW(34920) & " xlwings.conf " & ChrW(30340) & " Interpreter_Win"
    s = s & ChrW(12290) & ChrW(20173) & ChrW(28982) & ChrW(19981) & ChrW(34892)
    s = s & ChrW(26178) & ChrW(65292) & ChrW(35531) & ChrW(25226) & ChrW(36889)
    s = s & ChrW(20491) & ChrW(30059) & ChrW(38754) & ChrW(25130) & ChrW(22294)
    s = s & ChrW(32102) & " IT" & ChrW(12290)
    TextPythonMissing = s
End Function

' Python exited with an error (xlwings showed the details)
Public Function TextPythonFailed() As String
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
    TextPythonFailed = s
End Function

' VBA run-time error {0}: {1}
Public Function TextVbaError() As String
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
    TextVbaError = s
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
