"""Built-in sample data for ``invoicetools demo`` (a fictitious company, one period): files in the
shapes they really arrive in (MOF allocation CSV, machine list, ERP register, platform status).

Below the faces and beside the actions: only ``cli/`` (the demo command) imports it, and it
imports only ``domain/`` (DESIGN "Layers"). The run itself, which drives the CLI, is
``cli/demo_run.py``.
"""
