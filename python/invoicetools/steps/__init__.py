"""Pure step functions: tables in, result tables and findings out. No I/O."""
