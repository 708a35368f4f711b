"""Built-in sample data and the ``invoicetools demo`` run (a fictitious company, one period)."""
