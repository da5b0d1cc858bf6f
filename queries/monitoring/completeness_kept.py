"""Closed business dates' completeness, kept: the trend reads each closed date's rows once, not per request.

Kelengkapan's trend asks for 30 working days of every bank's duties (4,500 cells at 150 agents) every five minutes
for every user who has the page open; computing them costs hundreds of milliseconds in Python. A date whose every
duty is settled (each deadline and each recorded time at or before the `now` it was computed for) no longer
changes with the clock: its rows change only when its inputs do. So each such date's rows are kept (in this process,
per worker) with a fingerprint of everything `queries.monitoring.completeness.bank_days` reads for it, and reused
while the
fingerprint is the same and the caller's `now` is not earlier than the one they were computed for. One SQL
statement fingerprints the whole range (indexed by business date: a few milliseconds); a changed input (a late
batch or letter recorded, a resend, a result sent, a distribution confirmed, a notice recorded or withdrawn, a
setting, a holiday, a bank's cut-off) changes the fingerprint, and the date is computed again.

KEEP THE FINGERPRINT COMPLETE: a new input of `bank_days` must be added to `_FINGERPRINT` (the test
`tests/queries/monitoring/test_completeness_store.py` changes each input and expects the kept rows to follow).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import Connection, text

#: Dates kept per process (a year and a half of working days).
KEPT_DAYS = 400

#: Per business date, a digest of every input of its completeness rows; the global inputs (settings, calendar,
#: banks, notices) are folded into every date's.
_FINGERPRINT = text("""
WITH days AS (SELECT CAST(d AS date) AS day FROM unnest(CAST(:days AS date[])) d),
glob AS (
    SELECT concat_ws('|', (SELECT oid FROM pg_database WHERE datname = current_database()),
        (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM app_setting),
        (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM non_working_day),
        (SELECT md5(coalesce(string_agg(bank_code || cutoff::text || name || kind, ',' ORDER BY bank_code), ''))
           FROM bank),
        (SELECT count(*) || ':' || coalesce(max(notice_id), 0) || ':' || count(withdrawn_at)
           FROM disruption_notice)) AS g
)
SELECT d.day, EXISTS (SELECT 1 FROM bank_batch WHERE business_date = d.day AND received_at > :now
                      UNION ALL SELECT 1 FROM statement_letter WHERE business_date = d.day AND received_at > :now
                      UNION ALL SELECT 1 FROM recon_result WHERE business_date = d.day AND result_at > :now
                      UNION ALL SELECT 1 FROM dist_batch b JOIN distribution x ON x.distribution_id = b.distribution_id
                                 WHERE x.business_date = d.day AND b.confirmed_at > :now) AS future,
       md5(concat_ws('|', (SELECT g FROM glob),
    (SELECT count(*) || ':' || coalesce(sum(payment_count), 0) FROM mpn_bank_day WHERE business_date = d.day),
    (SELECT coalesce(max(received_at)::text, '') FROM import_file
      WHERE kind = 'mpn' AND status = 'imported' AND first_date <= d.day AND last_date >= d.day),
    (SELECT count(*) || ':' || coalesce(max(batch_id), 0) || ':' || count(superseded_at) FROM bank_batch
      WHERE business_date = d.day),
    (SELECT count(*) || ':' || coalesce(max(last_run_id), 0) || ':' || coalesce(max(updated_at)::text, '')
       FROM recon_result WHERE business_date = d.day),
    (SELECT count(*) || ':' || coalesce(max(r.result_id), 0) || ':'
            || coalesce(string_agg(r.state || coalesce(m.status, '') || coalesce(m.sent_at::text, ''), ','
                                   ORDER BY r.result_id), '')
       FROM bank_result r LEFT JOIN mail_message m ON m.mail_id = r.mail_id WHERE r.business_date = d.day),
    (SELECT count(*) || ':' || coalesce(max(letter_id), 0) || ':' || count(superseded_at) FROM statement_letter
      WHERE business_date = d.day),
    (SELECT count(*) || ':' || coalesce(max(letter_id), 0) || ':' || coalesce(max(updated_at)::text, '')
       FROM appeal_letter WHERE d.day = ANY(business_dates)),
    (SELECT coalesce(string_agg(x.distribution_id || x.status || coalesce(x.approved_at::text, '')
                                || coalesce(x.prepared_at::text, ''), ',' ORDER BY x.distribution_id), '')
       FROM distribution x WHERE x.business_date = d.day),
    (SELECT count(*) || ':' || coalesce(sum(b.attempts), 0) || ':' || count(b.confirmed_at) || ':'
            || coalesce(max(b.confirmed_at)::text, '') || ':' || count(*) FILTER (WHERE b.state = 'confirmed')
       FROM dist_batch b JOIN distribution x ON x.distribution_id = b.distribution_id WHERE x.business_date = d.day),
    (SELECT count(*) || ':' || coalesce(sum(h.row_count), 0) FROM dist_held h
       JOIN distribution x ON x.distribution_id = h.distribution_id WHERE x.business_date = d.day))) AS digest
  FROM days d
""")

_kept: OrderedDict[date, tuple[str | None, datetime, list]] = OrderedDict()  # day -> (fingerprint, computed for, rows)
_lock = threading.Lock()


def fingerprints(conn: Connection, days: Sequence[date], now: datetime) -> dict[date, str | None]:
    """Each date's digest of its completeness inputs; None for a date with a recorded time after `now` (an anomaly
    today that the clock will end: never kept)."""
    rows = conn.execute(_FINGERPRINT, {"days": list(days), "now": now})
    return {r.day: None if r.future else r.digest for r in rows}


def settled(rows: Sequence, now: datetime) -> bool:
    """True when no row's state can change with the clock: every deadline and recorded time at or before `now`."""
    for row in rows:
        for status in row.duties.values():
            if (status.due is not None and status.due > now) or (status.at is not None and status.at > now):
                return False
    return True


def kept_rows(
    conn: Connection, days: Sequence[date], now: datetime, compute: Callable[[date, date], list]
) -> dict[date, list]:
    """The completeness rows (`BankDay`) of each of `days`: kept ones where still true, the rest from `compute`
    (one range read over the dates not kept), which are then kept when settled."""
    prints = fingerprints(conn, days, now)
    found: dict[date, list] = {}
    with _lock:
        for day in days:
            hit = _kept.get(day)
            if hit is not None and prints.get(day) is not None and hit[0] == prints[day] and now >= hit[1]:
                found[day] = hit[2]
                _kept.move_to_end(day)
    todo = [d for d in days if d not in found]
    if not todo:
        return found
    fresh: dict[date, list] = {d: [] for d in todo}
    for row in compute(min(todo), max(todo)):
        if row.business_date in fresh:
            fresh[row.business_date].append(row)
    with _lock:
        for day, rows in fresh.items():
            if prints.get(day) is not None and settled(rows, now):
                _kept[day] = (prints[day], now, rows)
                _kept.move_to_end(day)
        while len(_kept) > KEPT_DAYS:
            _kept.popitem(last=False)
    return {**found, **fresh}


def forget() -> None:
    """Drop everything kept (tests; a restored database)."""
    with _lock:
        _kept.clear()
