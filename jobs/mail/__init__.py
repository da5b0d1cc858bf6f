"""Mail: sending the outbox over SMTP, the local SMTP sink, the test message and report subscriptions."""
