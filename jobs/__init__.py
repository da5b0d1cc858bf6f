"""The work: the runs of each area, the scheduler, the documents and the demo; plain idempotent functions."""
