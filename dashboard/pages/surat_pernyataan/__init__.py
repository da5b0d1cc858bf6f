"""The Surat Pernyataan page: `page.py` registers it; the other modules are its private widgets."""
