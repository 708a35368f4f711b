"""The outside world in: MOF files, E0501, Turnkey results, ERP exports, provider APIs and the keyring.

Layers (DESIGN): excel/cli → actions → steps/sources/mig → book → domain; arrows point down only.
sources/ turns what arrives into frames and records with their places (file, row, column);
it uses mig/ to read MIG messages and book/ for headers, never an action or a step.
"""
