"""Pure step functions: tables in, result tables and findings out. No I/O.

Layers (DESIGN): excel/cli → actions → steps/sources/mig → book → domain; arrows point down only.
Each domain question has one answer here, asked by every action: the period's allocation
(``allocation``: its ranges, machines and who reports each part), the used numbers
(``used``), what E0402 reports (``reporting``), 跳號 (``gaps``), blanks (``blanks``),
漏上傳檢核 (``upload_check``), 配號 (``tracks``), the calendar and the forecast.
"""
