"""Indonesian working days and the business date of a payment: re-exported from `queries.calendar`, where the
pure calendar lives so that the query layer does not import `jobs`."""

from __future__ import annotations

from queries.calendar import (
    ZONES,
    WorkingCalendar,
    _national,
    calendar_from_db,
    current_business_day,
    current_business_day_db,
    zone_name,
)

__all__ = ["ZONES", "WorkingCalendar", "_national", "calendar_from_db", "current_business_day",
           "current_business_day_db", "zone_name"]
