"""The workbook: its layout (declared once) and the backends that read and write it."""
