"""Accounts: users and roles, login sessions, maker-checker approvals and the audit trail."""
