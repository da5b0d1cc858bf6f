"""Deadline alerts (CONTRACT §6): an area of its own (STYLE 12).

- `model`: the rules, statuses, the `Alert` row and the role rules (`acts_for`, `owned_rules`);
- `duties`: the four bank duties read off the Kelengkapan model (`queries.monitoring.completeness`), never re-derived;
- `system`: `file_rejected` and `scheduler_down`;
- `evaluate`: open, resolve, re-arm, the storm rule; `read`: lists and the bell's count;
- `actions`: acknowledge and snooze (audited); `notify`: subscriptions, the opened e-mail and the daily digest.
"""

from __future__ import annotations

from queries.alerts.actions import acknowledge, snooze
from queries.alerts.evaluate import STORM_LIMIT, Evaluation, evaluate
from queries.alerts.model import COLUMNS, OWNERS, RULES, STATUSES, Alert, AlertError, NotOwner, acts_for, owned_rules
from queries.alerts.notify import digest
from queries.alerts.read import alert_by_id, alerts, open_count

__all__ = [
    "COLUMNS",
    "OWNERS",
    "RULES",
    "STATUSES",
    "STORM_LIMIT",
    "Alert",
    "AlertError",
    "Evaluation",
    "NotOwner",
    "acknowledge",
    "acts_for",
    "alert_by_id",
    "alerts",
    "digest",
    "evaluate",
    "open_count",
    "owned_rules",
    "snooze",
]
