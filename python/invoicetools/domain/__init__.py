"""Pure domain rules: invoice numbers, ranges and booklets, ROC periods, UBN, money, errors."""
