"""Reconciliation runs: reconcile a business date, and send each bank its result."""
