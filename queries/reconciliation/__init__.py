"""Reconciliation (CONTRACT §4, DOMAIN R4-R11): classify a date, store its run and exceptions, work them, Berita
Acara, results to banks."""
