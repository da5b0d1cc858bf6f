"""The Kelengkapan harian page: `page.py` registers it; `view.py` holds its matrix, cards and trend."""
