"""The work: imports, demo data and (later) the jobs the scheduler runs; plain idempotent functions."""
