"""MIG messages out and in."""
