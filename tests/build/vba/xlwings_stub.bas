Attribute VB_Name = "xlwings"
' Test stub of xlwings' VBA module, for the LibreOffice check only (never shipped).
' LibreOffice cannot compile xlwings.bas (#If branches, PtrSafe), and one module that
' does not compile silently disables every Sub of the project. This stub keeps the
' part of the xlwings API our modules use:
'   RunPython  records the command in ZZ1 of the first sheet of ThisWorkbook, counts
'              calls in ZZ2, raises the VBA error number in ZZ5 when there is one (what
'              xlwings' ExecuteWindows raises when Windows will not start Python), else
'              returns the value of ZZ4 (-1 = "Python failed")
'   GetConfig  answers INTERPRETER_WIN with ZZ3, other keys with the default
'   FileExists Dir() of the path
Option Explicit

Public Const PROJECT_NAME As String = "stub"

Public Function RunPython(PythonCommand As String)
    With ThisWorkbook.Worksheets(1)
        .Range("ZZ1").Value = PythonCommand
        .Range("ZZ2").Value = .Range("ZZ2").Value + 1
        If .Range("ZZ5").Value <> 0 Then Err.Raise .Range("ZZ5").Value
        RunPython = .Range("ZZ4").Value
    End With
End Function

Public Function GetConfig(configKey As String, Optional defaultValue As String = "", Optional source As String = "") As Variant
    If UCase(configKey) = "INTERPRETER_WIN" Then
        GetConfig = CStr(ThisWorkbook.Worksheets(1).Range("ZZ3").Value)
    Else
        GetConfig = defaultValue
    End If
End Function

Public Function FileExists(ByVal FileSpec As String) As Boolean
    On Error Resume Next
    FileExists = Len(Dir(FileSpec)) > 0
End Function
