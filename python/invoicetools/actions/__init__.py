"""One function per user action, shared by the CLI and Excel: read tables, run a step, write results, log."""
