"""Small demo configurations: `SMALL` for loading a few fixed days, `LATE` (many late batches and letters) for the
demo's history up to today."""

from __future__ import annotations

from jobs.demo.data import DemoConfig

SMALL = DemoConfig(
    rows_per_day=150,
    taxpayers=2000,
    missing_in_bank=0.01,
    missing_in_mpn=0.01,
    amount_mismatch=0.01,
    attribute_mismatch=0.01,
    cutoff_mismatch=0.01,
    duplicate=0.01,
    cancelled_reused=0.01,
    reversal=0.01,
    missing_batch=0.05,
    missing_statement=0.05,
    statement_mismatch=0.05,
    late_batch=0.1,
    late_statement=0.1,
)
LATE = DemoConfig(
    rows_per_day=120,
    taxpayers=1500,
    missing_in_bank=0.01,
    missing_in_mpn=0.01,
    amount_mismatch=0.01,
    attribute_mismatch=0.01,
    cutoff_mismatch=0.01,
    duplicate=0.01,
    cancelled_reused=0.01,
    reversal=0.01,
    missing_batch=0.05,
    missing_statement=0.05,
    statement_mismatch=0.05,
    late_batch=0.3,
    late_statement=0.3,
)
