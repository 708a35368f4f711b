"""InvoiceTools: the bimonthly Taiwan e-invoice chores inside Excel.

Steps (each a sheet, a ribbon button and a CLI command): 配號設定 (track allocation),
漏上傳檢核 (upload check), 異常跳號整批作廢 (skipped numbers), E0402 (blank numbers).
"""

__version__ = "0.1.0"
XLWINGS_VERSION = "0.37.8"  # pinned: the add-in's VBA is stamped with it (pyproject pins the package)
