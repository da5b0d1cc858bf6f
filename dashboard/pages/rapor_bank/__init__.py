"""The Rapor bank page: `page.py` registers it; the other modules are its private widgets."""
