"""Delivery to SIDJP and SIPMOD exactly once, and the reference target simulator."""
