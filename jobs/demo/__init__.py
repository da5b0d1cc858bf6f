"""`mpn demo`'s data: a coherent history made through the real code paths."""
