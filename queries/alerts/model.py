"""Alerts' vocabulary: the rules (CONTRACT §6) with their Indonesian titles, the row type, and the role rules.

`acts_for(user, alert)` is the one answer to "may this person acknowledge or snooze this alert?", asked by the
page, the command line and the actions alike; the bell counts the open alerts of the rules `owned_rules` gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from queries import config, labels
from queries.permissions import Refused, roles_for

#: Rule code -> Indonesian title (the page, the e-mail subjects).
RULES: dict[str, str] = labels.RULES
#: Status code -> Indonesian label.
STATUSES: dict[str, str] = {
    "open": "Terbuka",
    "acknowledged": "Diketahui",
    "snoozed": "Ditunda",
    "resolved": "Selesai",
}
#: Who owns each rule's duty (the action `alerts.<rule>` of `queries.permissions`): they acknowledge or snooze it,
#: the bell counts it for them.
OWNERS: dict[str, tuple[str, ...]] = {rule: roles_for(f"alerts.{rule}") for rule in RULES}
#: Columns of `mpn alerts list` (CONTRACT §6), in order.
COLUMNS = (
    "alert_id",
    "rule",
    "business_date",
    "bank_code",
    "opened_at",
    "deadline",
    "resolved_at",
    "late_minutes",
    "status",
    "acknowledged_by",
    "note",
)
NOTE_LIMIT = 500


class AlertError(Refused, ValueError):
    """An action on an alert that cannot be done (not found, resolved, not an owner, a bad time); Indonesian."""


class NotOwner(AlertError):
    """The user's role does not own the alert's duty."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert as of `now`: `status` is effective (a snooze whose time has passed reads `open` again)."""

    alert_id: int
    rule: str
    business_date: date
    bank_code: str | None
    bank_name: str
    status: str
    opened_at: datetime
    deadline: datetime
    resolved_at: datetime | None
    late_minutes: int | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    snoozed_until: datetime | None
    note: str
    detail: str

    @property
    def rule_title(self) -> str:
        """The rule in Indonesian."""
        return RULES.get(self.rule, self.rule)

    @property
    def status_title(self) -> str:
        """The status in Indonesian."""
        return STATUSES.get(self.status, self.status)

    @property
    def resolved(self) -> bool:
        """Done (the duty happened or no longer applies)."""
        return self.status == "resolved"

    def minutes_late(self, now: datetime) -> int:
        """How late: the recorded lateness once resolved, else the minutes since the deadline (never negative)."""
        if self.late_minutes is not None:
            return self.late_minutes
        end = self.resolved_at or now
        return max(0, late_minutes(end, self.deadline))

    def export(self) -> dict[str, Any]:
        """The row as `mpn alerts list` writes it (times in the schedule time zone, with their offset)."""
        tz = config.timezone()
        return {
            "alert_id": self.alert_id,
            "rule": self.rule,
            "business_date": self.business_date,
            "bank_code": self.bank_code or "",
            "opened_at": self.opened_at.astimezone(tz),
            "deadline": self.deadline.astimezone(tz),
            "resolved_at": self.resolved_at and self.resolved_at.astimezone(tz),
            "late_minutes": self.late_minutes,
            "status": self.status,
            "acknowledged_by": self.acknowledged_by or "",
            "note": self.note,
        }


def late_minutes(done: datetime, deadline: datetime) -> int:
    """Whole minutes from the deadline to `done`, a started minute counted (30 s late is 1 minute late)."""
    seconds = (done - deadline).total_seconds()
    return int(-(-seconds // 60)) if seconds > 0 else 0


def owned_rules(role: str) -> tuple[str, ...]:
    """The rules whose duty a role owns."""
    return tuple(rule for rule, roles in OWNERS.items() if role in roles)


def acts_for(user: Any, alert: Alert | Mapping[str, Any]) -> bool:  # noqa: ANN401 - a User or anything with .role
    """May `user` acknowledge or snooze `alert`? Its role must own the rule's duty, and the alert be unresolved."""
    role = getattr(user, "role", None)
    rule = alert.rule if isinstance(alert, Alert) else alert.get("rule")
    status = alert.status if isinstance(alert, Alert) else alert.get("status")
    return bool(getattr(user, "active", True)) and role in OWNERS.get(str(rule), ()) and status != "resolved"
