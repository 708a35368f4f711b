"""Pure domain rules: invoice numbers, ranges and booklets, ROC periods, UBN, money, dates, typed errors.

Layers (DESIGN): excel/cli → actions → steps/sources/mig → book → domain; arrows point down only.
domain/ is the bottom: it imports nothing of the package but itself.
"""
