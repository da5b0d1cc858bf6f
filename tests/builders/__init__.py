"""Test-data builders shared by the test modules: rows and files as the product receives them, days of data as the
importers and the reconciliation leave them, and helpers for reading pages. Test modules import from here, never
from one another; shared pytest fixtures built on these live in the `conftest.py` files."""
