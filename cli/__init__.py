"""The `mpn` command line (CONTRACT §3)."""
