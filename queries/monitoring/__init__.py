"""Monitoring: completeness per bank and duty, revenue, the bank scorecard, the payment trace, what arrived."""
