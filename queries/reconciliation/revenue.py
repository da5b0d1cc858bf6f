"""Revenue for management (DOMAIN §6, R13): daily totals pre-aggregated per bank, KPP and KAP, and the page's reads.

R13: a payment counts as received once MPN agrees with the bank's batch. `refresh_revenue_day` rebuilds one
business date of `revenue_day` in one set-based pass (one row per NTPN, reversed payments never): a payment is
*reconciled* when its bank's current batch was reconciled and no transaction-level exception on its NTPN is open
(the same test `queries.distribution.prepare` uses to release a row); every other payment is *unreconciled*.

`revenue_rollup` holds the same sums per day and per month for every subset of the dimensions (migration 0008),
kept in the same transaction: `refresh_revenue_day` after a reconciliation, `exception_closed` when people close
an exception (moving one payment; starting a clarification changes nothing: both states block). The read functions
never touch `mpn_record`: each sums the narrowest rollup its chart and the `RevenueFilter` need, whole months as
one row each, so every chart answers for the same cut of the data within the page's time goal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from queries.imports.store import partition_name

#: The NTPNs of date `:d` with a transaction-level exception open (R13: their payments are not received yet).
OPEN_EXCEPTIONS = """SELECT DISTINCT ntpn FROM recon_exception
     WHERE business_date = :d AND level = 'transaction' AND status IN ('open', 'in_clarification')"""

#: R13 for one business date `:d`: its payments (one per NTPN, reversed ones never; read from `{payments}`, and
#: `{only}` narrows them, e.g. to one NTPN), each with `received`; `{open_exc}` gives the NTPNs with an open
#: exception. `queries.distribution.prepare._SORT` tests the same two conditions (`not_reconciled`, `open_exception`).
_RECEIVED = """
WITH pay AS (
    SELECT DISTINCT ON (m.ntpn) m.ntpn, m.bank_code, m.kpp_code, m.kap, m.amount
      FROM {payments} m
     WHERE m.business_date = :d AND m.record_type = 'payment' {only}
       AND NOT EXISTS (SELECT 1 FROM mpn_record r WHERE r.record_type = 'reversal' AND r.ntpn = m.ntpn)
     ORDER BY m.ntpn, m.line
), reconciled_bank AS (
    SELECT rr.bank_code FROM recon_result rr
      JOIN bank_batch bb ON bb.batch_id = rr.batch_id AND bb.superseded_at IS NULL
     WHERE rr.business_date = :d
), open_exc AS (
    {open_exc}
), received_payment AS (
    SELECT p.*, (b.bank_code IS NOT NULL AND o.ntpn IS NULL) AS received
      FROM pay p
      LEFT JOIN reconciled_bank b ON b.bank_code = p.bank_code
      LEFT JOIN open_exc o ON o.ntpn = p.ntpn
)
"""

#: The whole date, as the refresh runs it. The payments are read from the date's partition by name (`{payments}`):
#: through the parent, the planner would size them by the parent's statistics, which nothing keeps (autovacuum
#: never analyses a partitioned table, and analysing it samples every partition), and take 3,000,000 rows for 200.
#: The date's open exceptions are staged in `rv_open` first (`_OPEN`), a temporary table with statistics, so the
#: join to them never rests on `recon_exception`'s (stale right after a reconciliation wrote it: a nested loop over
#: "one" open exception would rescan thousands of them for every payment).
_OPEN = "CREATE TEMP TABLE rv_open ON COMMIT DROP AS " + OPEN_EXCEPTIONS
_REFRESH = (
    _RECEIVED.format(payments="{payments}", only="", open_exc="SELECT ntpn FROM rv_open")
    + """
INSERT INTO revenue_day (business_date, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
                         unreconciled_count, unreconciled_amount)
SELECT :d, bank_code, kpp_code, kap,
       count(*) FILTER (WHERE received), coalesce(sum(amount) FILTER (WHERE received), 0),
       count(*) FILTER (WHERE NOT received), coalesce(sum(amount) FILTER (WHERE NOT received), 0)
  FROM received_payment
 GROUP BY bank_code, kpp_code, kap
"""
)

#: Bits of `revenue_rollup.grain`: which dimensions a rollup row keeps (a dropped one holds '').
BANK, KPP, KAP = 1, 2, 4
ALL = BANK | KPP | KAP
#: The grains of the day rollups (grain 7 of a day is `revenue_day` itself), as an SQL array: with it a statement on
#: one day's rollups reads `pk_revenue_rollup` by its leading column instead of scanning the whole index.
_DAY_GRAINS = "'{0,1,2,3,4,5,6}'::smallint[]"

#: `revenue_day` of date `:d` summed to every grain (bit set: dimension kept), into the temporary table `{table}`.
#: Staged and analysed: the rollup statements below then join two small tables with true row counts.
_AGG = """
CREATE TEMP TABLE {table} ON COMMIT DROP AS
SELECT CAST(7 - GROUPING(kap, kpp_code, bank_code) AS smallint) AS grain, coalesce(bank_code, '') AS bank_code,
       coalesce(kpp_code, '') AS kpp_code, coalesce(kap, '') AS kap, sum(reconciled_count) AS rc,
       sum(reconciled_amount) AS ra, sum(unreconciled_count) AS uc, sum(unreconciled_amount) AS ua
  FROM revenue_day WHERE business_date = :d
 GROUP BY GROUPING SETS ((), (bank_code), (kpp_code), (kap), (bank_code, kpp_code), (bank_code, kap),
                         (kpp_code, kap), (bank_code, kpp_code, kap))
HAVING count(*) > 0  -- no grand total row for a date without rows
"""

#: Date `:d`'s day rollups (grains below 7: `revenue_day` is the rest).
_DAY_IN = """
INSERT INTO revenue_rollup (span, grain, period, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
                            unreconciled_count, unreconciled_amount)
SELECT 'day', grain, :d, bank_code, kpp_code, kap, rc, ra, uc, ua FROM rv_new WHERE grain < 7
"""

#: The month's rollups corrected by the date's difference (new sums less old), only where it changed. An upsert
#: probes `pk_revenue_rollup` once per row whatever the statistics say (an UPDATE ... FROM would be a join the
#: planner orders by them). Month rows left at zero are noted in `rv_zero`, to be deleted.
_MONTH_DELTA = """
WITH delta AS (
    SELECT coalesce(n.grain, o.grain) AS grain, coalesce(n.bank_code, o.bank_code) AS bank_code,
           coalesce(n.kpp_code, o.kpp_code) AS kpp_code, coalesce(n.kap, o.kap) AS kap,
           coalesce(n.rc, 0) - coalesce(o.rc, 0) AS rc, coalesce(n.ra, 0) - coalesce(o.ra, 0) AS ra,
           coalesce(n.uc, 0) - coalesce(o.uc, 0) AS uc, coalesce(n.ua, 0) - coalesce(o.ua, 0) AS ua
      FROM rv_new n
      FULL JOIN rv_old o ON o.grain = n.grain AND o.bank_code = n.bank_code AND o.kpp_code = n.kpp_code
                        AND o.kap = n.kap
), changed AS (
    INSERT INTO revenue_rollup AS m (span, grain, period, bank_code, kpp_code, kap, reconciled_count,
                                     reconciled_amount, unreconciled_count, unreconciled_amount)
    SELECT 'month', grain, :month, bank_code, kpp_code, kap, rc, ra, uc, ua FROM delta
     WHERE (rc, ra, uc, ua) <> (0, 0, 0, 0)
        ON CONFLICT (grain, span, period, bank_code, kpp_code, kap) DO UPDATE
       SET reconciled_count = m.reconciled_count + excluded.reconciled_count,
           reconciled_amount = m.reconciled_amount + excluded.reconciled_amount,
           unreconciled_count = m.unreconciled_count + excluded.unreconciled_count,
           unreconciled_amount = m.unreconciled_amount + excluded.unreconciled_amount
    RETURNING m.grain, m.bank_code, m.kpp_code, m.kap, m.reconciled_count, m.unreconciled_count
)
INSERT INTO rv_zero SELECT grain, bank_code, kpp_code, kap FROM changed
 WHERE reconciled_count = 0 AND unreconciled_count = 0
"""

_MONTH_ZERO_OUT = """
DELETE FROM revenue_rollup m USING rv_zero z
 WHERE m.grain = z.grain AND m.span = 'month' AND m.period = :month AND m.bank_code = z.bank_code
   AND m.kpp_code = z.kpp_code AND m.kap = z.kap AND m.reconciled_count = 0 AND m.unreconciled_count = 0
"""


def payments_of(conn: Connection, day: date) -> str:
    """`day`'s partition of `mpn_record` as a FROM item (quoted name), or the parent when the date has none."""
    name = partition_name("mpn_record", day)
    return f'"{name}"' if conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar_one() else "mpn_record"


def _stage(conn: Connection, table: str, sql: str, params: dict[str, Any]) -> None:
    """(Re)create the temporary table `table` from `sql` and analyse it (a few thousand rows: milliseconds)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    conn.execute(text(sql), params)
    conn.execute(text(f"ANALYZE {table}"))


def refresh_revenue_day(conn: Connection, business_date: date) -> int:
    """Rebuild `revenue_day` for one business date from its payments (R13), and its rollups; returns the rows written.

    Call it whenever R13's inputs of the date change in bulk: after a reconciliation (done in
    `jobs.reconciliation.run`).
    The month's rollups are corrected by the difference (the date's old sums out, its new ones in), so the cost
    follows the date's rows, not the month's. Every join here is between temporary tables analysed on the spot or
    an upsert by primary key, so no plan rests on `revenue_day`'s or `revenue_rollup`'s statistics, which the last
    refresh (minutes ago, a bank's resend) just made stale. Idempotent; never commits.
    """
    d = {"d": business_date, "month": business_date.replace(day=1)}
    _stage(conn, "rv_old", _AGG.format(table="rv_old"), d)
    conn.execute(
        text(f"DELETE FROM revenue_rollup WHERE grain = ANY({_DAY_GRAINS}) AND span = 'day' AND period = :d"), d
    )
    conn.execute(text("DELETE FROM revenue_day WHERE business_date = :d"), d)
    _stage(conn, "rv_open", _OPEN, d)
    written = conn.execute(text(_REFRESH.format(payments=payments_of(conn, business_date))), d).rowcount
    _stage(conn, "rv_new", _AGG.format(table="rv_new"), d)
    conn.execute(text(_DAY_IN), d)
    conn.execute(text("DROP TABLE IF EXISTS rv_zero"))
    conn.execute(
        text(
            'CREATE TEMP TABLE rv_zero (grain smallint, bank_code text COLLATE "C", kpp_code text COLLATE'
            ' "C", kap text COLLATE "C") ON COMMIT DROP'
        )
    )
    conn.execute(text(_MONTH_DELTA), d)
    conn.execute(text("ANALYZE rv_zero"))
    conn.execute(text(_MONTH_ZERO_OUT), d)
    return written


#: The payment of NTPN `:ntpn` on date `:d` (R13's rule for that one payment), when it now counts as received.
_NOW_RECEIVED = (
    _RECEIVED.format(payments="mpn_record", only="AND m.ntpn = :ntpn", open_exc=OPEN_EXCEPTIONS + " AND ntpn = :ntpn")
    + """
SELECT bank_code, kpp_code, kap, amount FROM received_payment WHERE received
"""
)

#: Move one payment (`:bank`, `:kpp`, `:kap`, `:amount`) of date `:d` from unreconciled to reconciled.
_MOVE_DAY = """
UPDATE revenue_day SET reconciled_count = reconciled_count + 1, reconciled_amount = reconciled_amount + :amount,
                       unreconciled_count = unreconciled_count - 1, unreconciled_amount = unreconciled_amount - :amount
 WHERE business_date = :d AND bank_code = :bank AND kpp_code = :kpp AND kap = :kap
   AND unreconciled_count >= 1 AND unreconciled_amount >= :amount
"""
_MOVE_ROLLUP = """
UPDATE revenue_rollup m
   SET reconciled_count = m.reconciled_count + 1, reconciled_amount = m.reconciled_amount + :amount,
       unreconciled_count = m.unreconciled_count - 1, unreconciled_amount = m.unreconciled_amount - :amount
  FROM (SELECT g, s, CASE s WHEN 'day' THEN CAST(:d AS date) ELSE CAST(:month AS date) END AS period
          FROM generate_series(0, 7) g CROSS JOIN (VALUES ('day'), ('month')) AS x(s)
         WHERE s = 'month' OR g < 7) k
 WHERE m.grain = k.g AND m.span = k.s AND m.period = k.period
   AND m.bank_code = CASE WHEN k.g & 1 = 1 THEN :bank ELSE '' END
   AND m.kpp_code = CASE WHEN k.g & 2 = 2 THEN :kpp ELSE '' END
   AND m.kap = CASE WHEN k.g & 4 = 4 THEN :kap ELSE '' END
"""


def exception_closed(conn: Connection, business_date: date, ntpn: str) -> int:
    """People just closed an exception on `ntpn` ('' for a bank-level one) of `business_date`: when its payment now
    counts as received (R13), move it from unreconciled to reconciled in `revenue_day` and the rollups.

    Cheap (one payment, found by its NTPN): the payment was unreconciled while the exception was open. Should the
    stored sums not hold it there (a date never refreshed), the whole date is rebuilt instead. Returns the
    payments moved (0 or 1). Call it in the transaction that closes the exception; never commits.
    """
    found = conn.execute(text(_NOW_RECEIVED), {"d": business_date, "ntpn": ntpn}).first()
    if found is None:
        return 0
    values = {
        "d": business_date,
        "month": business_date.replace(day=1),
        "bank": found.bank_code,
        "kpp": found.kpp_code,
        "kap": found.kap,
        "amount": found.amount,
    }
    if conn.execute(text(_MOVE_DAY), values).rowcount != 1:
        refresh_revenue_day(conn, business_date)
        return 1
    conn.execute(text(_MOVE_ROLLUP), values)
    return 1


# --- the filter -------------------------------------------------------------------------------------------------


def _year_before(d: date) -> date:
    """The same day a year earlier (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def _next_month(d: date) -> date:
    """The first day of the month after `d`'s."""
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class RevenueFilter:
    """The page's one cut of the data: a period and, optionally, banks, KAPs, one Kanwil or one KPP."""

    first: date
    last: date
    bank_codes: tuple[str, ...] = ()
    kaps: tuple[str, ...] = ()
    kanwil_code: str | None = None
    kpp_code: str | None = None

    def last_year(self) -> RevenueFilter:
        """The same cut, a year earlier."""
        return replace(self, first=_year_before(self.first), last=_year_before(self.last))

    def grain(self, shown: int = 0) -> int:
        """The dimensions (`BANK`, `KPP`, `KAP` bits) a chart showing `shown` needs under this cut."""
        return (
            shown
            | (BANK if self.bank_codes else 0)
            | (KAP if self.kaps else 0)
            | (KPP if self.kanwil_code or self.kpp_code else 0)
        )

    def scope(self, tag: str = "") -> tuple[str, dict[str, Any]]:
        """SQL conditions on `r` (`revenue_day` or `revenue_rollup`) other than the period: fixed fragments, their
        values bound under names ending in `tag`."""
        parts, params = ["TRUE"], dict[str, Any]()
        if self.bank_codes:
            parts.append(f"r.bank_code = ANY(:banks{tag})")
            params[f"banks{tag}"] = list(self.bank_codes)
        if self.kaps:
            parts.append(f"r.kap = ANY(:kaps{tag})")
            params[f"kaps{tag}"] = list(self.kaps)
        if self.kanwil_code:
            # an array computed once, so an index on the KPP finds the Kanwil's few KPPs directly
            parts.append(f"r.kpp_code = ANY(ARRAY(SELECT kpp_code FROM kpp WHERE kanwil_code = :kanwil{tag}))")
            params[f"kanwil{tag}"] = self.kanwil_code
        if self.kpp_code:
            parts.append(f"r.kpp_code = :kpp{tag}")
            params[f"kpp{tag}"] = self.kpp_code
        return " AND ".join(parts), params

    def pieces(self, *, by_day: bool = False) -> list[tuple[str, date, date]]:
        """The period as `('month', first month, last month)` for its whole months and `('day', first, last)` for
        the days before and after them (only days when `by_day`): each date in exactly one piece."""
        start = self.first if self.first.day == 1 else _next_month(self.first)  # first whole month
        after = (
            _next_month(self.last)
            if _next_month(self.last) - timedelta(days=1) == self.last
            else self.last.replace(day=1)
        )  # the first month after the whole ones
        if by_day or start >= after:
            return [("day", self.first, self.last)]
        found = [("month", start, (after - timedelta(days=1)).replace(day=1))]
        if self.first < start:
            found.append(("day", self.first, start - timedelta(days=1)))
        if after <= self.last:
            found.append(("day", after, self.last))
        return found

    def source(self, shown: int = 0, *, by_day: bool = False, tag: str = "") -> tuple[str, dict[str, Any]]:
        """A query of rows `(period, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
        unreconciled_count, unreconciled_amount)` holding the cut's revenue exactly once, from the narrowest
        rollup that keeps the dimensions in `shown` and those filtered on; whole months come one row per month.

        `period` is the business date, or the first of the month for a month's row (never one when `by_day`).
        `tag` keeps the bound names apart when two sources go into one statement.
        """
        grain = self.grain(shown)
        scope, params = self.scope(tag)
        selects = []
        for n, (span, first, last) in enumerate(self.pieces(by_day=by_day)):
            params.update({f"first{tag}_{n}": first, f"last{tag}_{n}": last})
            between = f"BETWEEN :first{tag}_{n} AND :last{tag}_{n}"
            if span == "day" and grain == ALL:
                selects.append(
                    f"SELECT r.business_date AS period, {_MEASURES} FROM revenue_day r "
                    f"WHERE r.business_date {between} AND {scope}"
                )
            else:
                selects.append(
                    f"SELECT r.period, {_MEASURES} FROM revenue_rollup r WHERE r.grain = {grain} "
                    f"AND r.span = '{span}' AND r.period {between} AND {scope}"
                )
        return "\nUNION ALL\n".join(selects), params


_MEASURES = (
    "r.bank_code, r.kpp_code, r.kap, r.reconciled_count, r.reconciled_amount, r.unreconciled_count, "
    "r.unreconciled_amount"
)


# --- results ----------------------------------------------------------------------------------------------------


class RevenueTotals(NamedTuple):
    """The period's totals, and the reconciled amount of the same period a year earlier."""

    reconciled_count: int
    reconciled_amount: int
    unreconciled_count: int
    unreconciled_amount: int
    last_year_amount: int

    @property
    def change(self) -> float | None:
        """Reconciled revenue against last year's, as a fraction (0.12 = 12 % more); None without last year."""
        return None if not self.last_year_amount else self.reconciled_amount / self.last_year_amount - 1


class DayAmount(NamedTuple):
    """Reconciled revenue of one business date."""

    day: date
    amount: int


class MonthAmount(NamedTuple):
    """Reconciled revenue of one month of the period and of the same month (same days) a year earlier."""

    month: date
    amount: int
    last_year_amount: int


class Share(NamedTuple):
    """Revenue of one part (tax group, KAP, bank, Kanwil, KPP): code (None: "Lainnya"), name, both amounts."""

    code: str | None
    name: str
    reconciled_amount: int
    unreconciled_amount: int
    reconciled_count: int


class Choice(NamedTuple):
    """One option of a filter list."""

    code: str
    name: str


class RevenueChoices(NamedTuple):
    """What the page's filters offer, and the newest business date with revenue."""

    banks: list[Choice]
    kaps: list[Choice]
    kanwils: list[Choice]
    latest: date | None


# --- reads ------------------------------------------------------------------------------------------------------


def _quick(conn: Connection) -> None:
    """These sums run in well under a second: compiling them (JIT, ~50 ms) costs more than it saves."""
    conn.execute(text("SET LOCAL jit = off"))


def revenue_choices(conn: Connection) -> RevenueChoices:
    """Banks, KAPs and Kanwils from master data, and the newest date in `revenue_day`."""

    def choices(sql: str) -> list[Choice]:
        return [Choice(*row) for row in conn.execute(text(sql))]

    return RevenueChoices(
        choices("SELECT bank_code, name FROM bank ORDER BY bank_code"),
        choices("SELECT kap, name FROM kap ORDER BY kap"),
        choices("SELECT kanwil_code, name FROM kanwil ORDER BY kanwil_code"),
        conn.execute(text("SELECT max(business_date) FROM revenue_day")).scalar_one(),
    )


def _both_years(f: RevenueFilter, shown: int = 0) -> tuple[str, dict[str, Any]]:
    """The cut's rows with `cur` true, and the same cut a year earlier with `cur` false."""
    now, now_params = f.source(shown, tag="c")
    before, before_params = f.last_year().source(shown, tag="l")
    return (
        f"SELECT TRUE AS cur, x.* FROM ({now}) x UNION ALL SELECT FALSE, y.* FROM ({before}) y",
        {**now_params, **before_params},
    )


def revenue_totals(conn: Connection, f: RevenueFilter) -> RevenueTotals:
    """Reconciled and unreconciled counts and amounts of the period, and last year's reconciled amount."""
    _quick(conn)
    rows, params = _both_years(f)
    row = conn.execute(
        text(f"""
        SELECT coalesce(sum(reconciled_count) FILTER (WHERE cur), 0),
               coalesce(sum(reconciled_amount) FILTER (WHERE cur), 0),
               coalesce(sum(unreconciled_count) FILTER (WHERE cur), 0),
               coalesce(sum(unreconciled_amount) FILTER (WHERE cur), 0),
               coalesce(sum(reconciled_amount) FILTER (WHERE NOT cur), 0)
          FROM ({rows}) r"""),
        params,
    ).one()
    return RevenueTotals(*map(int, row))


def daily_revenue(conn: Connection, f: RevenueFilter) -> list[DayAmount]:
    """Reconciled revenue per business date of the period (dates without revenue left out)."""
    _quick(conn)
    rows, params = f.source(by_day=True)
    found = conn.execute(
        text(f"""SELECT r.period, sum(r.reconciled_amount) FROM ({rows}) r
                                   GROUP BY r.period ORDER BY r.period"""),
        params,
    )
    return [DayAmount(day, int(amount)) for day, amount in found]


def monthly_revenue(conn: Connection, f: RevenueFilter) -> list[MonthAmount]:
    """Reconciled revenue per month of the period and of the same days a year earlier, oldest first."""
    _quick(conn)
    rows, params = _both_years(f)
    found = conn.execute(
        text(f"""
        SELECT r.cur, date_trunc('month', r.period)::date, sum(r.reconciled_amount) FROM ({rows}) r
         GROUP BY 1, 2"""),
        params,
    )
    months: dict[date, list[int]] = {}
    for current, month, amount in found:
        slot = months.setdefault(month if current else month.replace(year=month.year + 1), [0, 0])
        slot[0 if current else 1] += int(amount)
    return [MonthAmount(m, *months[m]) for m in sorted(months)]


#: Sums per part, largest reconciled first; the names are joined after summing (`{code}` is a column of `r`).
_SHARE = """
WITH part AS (
    SELECT r.{code} AS code, sum(r.reconciled_amount) AS rec, sum(r.unreconciled_amount) AS unrec,
           sum(r.reconciled_count) AS n
      FROM ({rows}) r GROUP BY 1
)
SELECT {label}, {name}, sum(rec), sum(unrec), sum(n)
  FROM part p {join}
 GROUP BY 1, 2
 ORDER BY 3 DESC, 4 DESC, 1
"""


def _shares(
    conn: Connection,
    f: RevenueFilter,
    *,
    shown: int,
    code: str,
    label: str,
    name: str,
    join: str,
    limit: int | None = None,
) -> list[Share]:
    _quick(conn)
    rows, params = f.source(shown)
    sql = _SHARE.format(code=code, rows=rows, label=label, name=name, join=join) + (" LIMIT :limit" if limit else "")
    found = conn.execute(text(sql), {**params, "limit": limit})
    return [Share(c, n, int(a), int(u), int(k)) for c, n, a, u, k in found]


def revenue_by_tax_group(conn: Connection, f: RevenueFilter) -> list[Share]:
    """Per tax group of the KAP (`kap.tax_group`: PPh, PPN, …), largest reconciled first."""
    return _shares(
        conn, f, shown=KAP, code="kap", label="k.tax_group", name="k.tax_group", join="JOIN kap k ON k.kap = p.code"
    )


def revenue_by_kap(conn: Connection, f: RevenueFilter, *, limit: int = 10) -> list[Share]:
    """The `limit` KAPs with the most reconciled revenue, with their names."""
    return _shares(
        conn, f, shown=KAP, code="kap", label="p.code", name="k.name", join="JOIN kap k ON k.kap = p.code", limit=limit
    )


def revenue_by_bank(conn: Connection, f: RevenueFilter, *, top: int = 10) -> list[Share]:
    """The `top` collecting agents by reconciled revenue, then one "Lainnya" row (code None) for the rest."""
    _quick(conn)
    rows, params = f.source(BANK)
    found = conn.execute(
        text(f"""
        WITH per_bank AS (
            SELECT r.bank_code, sum(r.reconciled_amount) AS rec, sum(r.unreconciled_amount) AS unrec,
                   sum(r.reconciled_count) AS n
              FROM ({rows}) r GROUP BY r.bank_code
        ), ranked AS (
            SELECT p.*, row_number() OVER (ORDER BY rec DESC, unrec DESC, bank_code) AS rank FROM per_bank p
        ), grouped AS (
            SELECT CASE WHEN rank <= :top THEN bank_code END AS code, min(rank) AS pos,
                   sum(rec) AS rec, sum(unrec) AS unrec, sum(n) AS n
              FROM ranked GROUP BY 1
        )
        SELECT g.code, coalesce(b.name, 'Lainnya'), g.rec, g.unrec, g.n
          FROM grouped g LEFT JOIN bank b ON b.bank_code = g.code
         ORDER BY g.pos"""),
        {**params, "top": top},
    )
    return [Share(c, n, int(a), int(u), int(k)) for c, n, a, u, k in found]


def revenue_by_kanwil(conn: Connection, f: RevenueFilter) -> list[Share]:
    """Per Kanwil (through `kpp.kanwil_code`), largest reconciled first."""
    return _shares(
        conn,
        f,
        shown=KPP,
        code="kpp_code",
        label="w.kanwil_code",
        name="w.name",
        join="JOIN kpp k ON k.kpp_code = p.code JOIN kanwil w ON w.kanwil_code = k.kanwil_code",
    )


def revenue_by_kpp(conn: Connection, f: RevenueFilter, kanwil_code: str) -> list[Share]:
    """Per KPP of one Kanwil, largest reconciled first."""
    return _shares(
        conn,
        replace(f, kanwil_code=kanwil_code),
        shown=KPP,
        code="kpp_code",
        label="p.code",
        name="k.name",
        join="JOIN kpp k ON k.kpp_code = p.code",
    )


def kanwil_name(conn: Connection, kanwil_code: str) -> str | None:
    """A Kanwil's name, or None when the code is unknown."""
    return conn.execute(text("SELECT name FROM kanwil WHERE kanwil_code = :k"), {"k": kanwil_code}).scalar_one_or_none()
