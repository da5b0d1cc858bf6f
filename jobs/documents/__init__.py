"""Documents the product writes for people: the one inert tabular writer (CSV, XLSX) and the exports built on it."""
