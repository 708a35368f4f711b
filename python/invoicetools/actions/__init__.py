"""The use cases, one per button and command, shared by excel/ and cli/.

Layers (DESIGN): excel/cli → actions → steps/sources/mig → book → domain; arrows point down only.
An action reads what it needs of the workbook (``ctx.io``; the period's allocation and used
numbers through ``reading``), calls steps, sources and mig, writes its result table,
findings and the run log (``base.finish``), and talks to the accountant only through its
host (``host.Host``). It holds no domain rule of its own: those live in steps/ and domain/.
"""
