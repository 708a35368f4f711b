"""The workbook: its layout (every sheet, table, column and format, declared once in ``layout``) and the
``WorkbookIO`` backends that read and write it (memory, file, xlwings).

Layers (DESIGN): excel/cli → actions → steps/sources/mig → book → domain; arrows point down only.
book/ imports only domain/: it knows cells and tables, not what they mean for a filing.
"""
