"""The scheduler's state in PostgreSQL: instances and leadership, pauses, run-now requests, run history."""
