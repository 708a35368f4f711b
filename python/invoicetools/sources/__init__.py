"""The outside world in: MOF files, E0501, Turnkey results, ERP exports, provider APIs and the keyring."""
