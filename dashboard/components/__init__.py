"""Widgets and helpers shared by the pages: formatting, cards, grids, data access."""
