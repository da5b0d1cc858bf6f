"""Revenue for management (DOMAIN §6, R13): daily totals pre-aggregated per bank, KPP and KAP, and the page's reads.

R13: a payment counts as received once MPN agrees with the bank's batch. `refresh_revenue_day` rebuilds one
business date of `revenue_day` in one set-based pass (one row per NTPN, reversed payments never): a payment is
*reconciled* when its bank's current batch was reconciled and no transaction-level exception on its NTPN is open
(the same test `queries.distribution` uses to release a row); every other payment is *unreconciled*. The read
functions never touch `mpn_record`: they sum `revenue_day` under one `RevenueFilter`, so every chart of the page
answers for the same cut of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

#: R13 for one business date `:d`: its payments (one per NTPN, reversed ones never), each with `received`.
#: `queries.distribution._SORT` tests the same two conditions (`not_reconciled`, `open_exception`).
RECEIVED_PAYMENTS = """
WITH pay AS (
    SELECT DISTINCT ON (m.ntpn) m.ntpn, m.bank_code, m.kpp_code, m.kap, m.amount
      FROM mpn_record m
     WHERE m.business_date = :d AND m.record_type = 'payment'
       AND NOT EXISTS (SELECT 1 FROM mpn_record r WHERE r.record_type = 'reversal' AND r.ntpn = m.ntpn)
     ORDER BY m.ntpn, m.line
), reconciled_bank AS (
    SELECT rr.bank_code FROM recon_result rr
      JOIN bank_batch bb ON bb.batch_id = rr.batch_id AND bb.superseded_at IS NULL
     WHERE rr.business_date = :d
), open_exc AS (
    SELECT DISTINCT ntpn FROM recon_exception
     WHERE business_date = :d AND level = 'transaction' AND status IN ('open', 'in_clarification')
), received_payment AS (
    SELECT p.*, (b.bank_code IS NOT NULL AND o.ntpn IS NULL) AS received
      FROM pay p
      LEFT JOIN reconciled_bank b ON b.bank_code = p.bank_code
      LEFT JOIN open_exc o ON o.ntpn = p.ntpn
)
"""

_REFRESH = RECEIVED_PAYMENTS + """
INSERT INTO revenue_day (business_date, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
                         unreconciled_count, unreconciled_amount)
SELECT :d, bank_code, kpp_code, kap,
       count(*) FILTER (WHERE received), coalesce(sum(amount) FILTER (WHERE received), 0),
       count(*) FILTER (WHERE NOT received), coalesce(sum(amount) FILTER (WHERE NOT received), 0)
  FROM received_payment
 GROUP BY bank_code, kpp_code, kap
"""


def refresh_revenue_day(conn: Connection, business_date: date) -> int:
    """Rebuild `revenue_day` for one business date from its payments (R13); returns the rows written.

    Call it whenever R13's inputs of the date change: after a reconciliation (done in `jobs.reconcile`), and
    after people resolve or adjust exceptions. Idempotent; never commits.
    """
    conn.execute(text("DELETE FROM revenue_day WHERE business_date = :d"), {"d": business_date})
    return conn.execute(text(_REFRESH), {"d": business_date}).rowcount


# --- the filter -------------------------------------------------------------------------------------------------

def _year_before(d: date) -> date:
    """The same day a year earlier (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


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

    def scope(self) -> tuple[str, dict[str, Any]]:
        """SQL conditions on `revenue_day r` other than the period (fixed fragments, bound values)."""
        parts, params = ["TRUE"], dict[str, Any]()
        if self.bank_codes:
            parts.append("r.bank_code = ANY(:banks)")
            params["banks"] = list(self.bank_codes)
        if self.kaps:
            parts.append("r.kap = ANY(:kaps)")
            params["kaps"] = list(self.kaps)
        if self.kanwil_code:
            parts.append("r.kpp_code IN (SELECT kpp_code FROM kpp WHERE kanwil_code = :kanwil)")
            params["kanwil"] = self.kanwil_code
        if self.kpp_code:
            parts.append("r.kpp_code = :kpp")
            params["kpp"] = self.kpp_code
        return " AND ".join(parts), params

    def where(self) -> tuple[str, dict[str, Any]]:
        """The period and the scope, as one SQL condition on `revenue_day r`."""
        scope, params = self.scope()
        return f"r.business_date BETWEEN :first AND :last AND {scope}", {
            **params, "first": self.first, "last": self.last}


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


def revenue_totals(conn: Connection, f: RevenueFilter) -> RevenueTotals:
    """Reconciled and unreconciled counts and amounts of the period, and last year's reconciled amount."""
    _quick(conn)
    scope, params = f.scope()
    ly = f.last_year()
    row = conn.execute(text(f"""
        SELECT coalesce(sum(reconciled_count) FILTER (WHERE cur), 0),
               coalesce(sum(reconciled_amount) FILTER (WHERE cur), 0),
               coalesce(sum(unreconciled_count) FILTER (WHERE cur), 0),
               coalesce(sum(unreconciled_amount) FILTER (WHERE cur), 0),
               coalesce(sum(reconciled_amount) FILTER (WHERE NOT cur), 0)
          FROM (SELECT r.*, r.business_date >= :first AS cur FROM revenue_day r
                 WHERE (r.business_date BETWEEN :first AND :last OR r.business_date BETWEEN :ly_first AND :ly_last)
                   AND {scope}) r"""),
        {**params, "first": f.first, "last": f.last, "ly_first": ly.first, "ly_last": ly.last}).one()
    return RevenueTotals(*map(int, row))


def daily_revenue(conn: Connection, f: RevenueFilter) -> list[DayAmount]:
    """Reconciled revenue per business date of the period (dates without revenue left out)."""
    _quick(conn)
    where, params = f.where()
    rows = conn.execute(text(f"""SELECT r.business_date, sum(r.reconciled_amount) FROM revenue_day r
                                  WHERE {where} GROUP BY r.business_date ORDER BY r.business_date"""), params)
    return [DayAmount(day, int(amount)) for day, amount in rows]


def monthly_revenue(conn: Connection, f: RevenueFilter) -> list[MonthAmount]:
    """Reconciled revenue per month of the period and of the same days a year earlier, oldest first."""
    _quick(conn)
    scope, params = f.scope()
    ly = f.last_year()
    rows = conn.execute(text(f"""
        SELECT r.business_date >= :first, date_trunc('month', r.business_date)::date, sum(r.reconciled_amount)
          FROM revenue_day r
         WHERE (r.business_date BETWEEN :first AND :last OR r.business_date BETWEEN :ly_first AND :ly_last)
           AND {scope}
         GROUP BY 1, 2"""),
        {**params, "first": f.first, "last": f.last, "ly_first": ly.first, "ly_last": ly.last})
    months: dict[date, list[int]] = {}
    for current, month, amount in rows:
        slot = months.setdefault(month if current else month.replace(year=month.year + 1), [0, 0])
        slot[0 if current else 1] += int(amount)
    return [MonthAmount(m, *months[m]) for m in sorted(months)]


_SHARE = """
SELECT {code}, {name}, sum(r.reconciled_amount), sum(r.unreconciled_amount), sum(r.reconciled_count)
  FROM revenue_day r {join}
 WHERE {where}
 GROUP BY 1, 2
 ORDER BY 3 DESC, 4 DESC, 1
"""


def _shares(conn: Connection, f: RevenueFilter, *, code: str, name: str, join: str,
            limit: int | None = None) -> list[Share]:
    _quick(conn)
    where, params = f.where()
    sql = _SHARE.format(code=code, name=name, join=join, where=where) + (" LIMIT :limit" if limit else "")
    rows = conn.execute(text(sql), {**params, "limit": limit})
    return [Share(c, n, int(a), int(u), int(k)) for c, n, a, u, k in rows]


def revenue_by_tax_group(conn: Connection, f: RevenueFilter) -> list[Share]:
    """Per tax group of the KAP (`kap.tax_group`: PPh, PPN, …), largest reconciled first."""
    return _shares(conn, f, code="k.tax_group", name="k.tax_group", join="JOIN kap k ON k.kap = r.kap")


def revenue_by_kap(conn: Connection, f: RevenueFilter, *, limit: int = 10) -> list[Share]:
    """The `limit` KAPs with the most reconciled revenue, with their names."""
    return _shares(conn, f, code="r.kap", name="k.name", join="JOIN kap k ON k.kap = r.kap", limit=limit)


def revenue_by_bank(conn: Connection, f: RevenueFilter, *, top: int = 10) -> list[Share]:
    """The `top` collecting agents by reconciled revenue, then one "Lainnya" row (code None) for the rest."""
    _quick(conn)
    where, params = f.where()
    rows = conn.execute(text(f"""
        WITH per_bank AS (
            SELECT r.bank_code, sum(r.reconciled_amount) AS rec, sum(r.unreconciled_amount) AS unrec,
                   sum(r.reconciled_count) AS n
              FROM revenue_day r WHERE {where} GROUP BY r.bank_code
        ), ranked AS (
            SELECT p.*, row_number() OVER (ORDER BY rec DESC, unrec DESC, bank_code) AS rank FROM per_bank p
        ), grouped AS (
            SELECT CASE WHEN rank <= :top THEN bank_code END AS code, min(rank) AS pos,
                   sum(rec) AS rec, sum(unrec) AS unrec, sum(n) AS n
              FROM ranked GROUP BY 1
        )
        SELECT g.code, coalesce(b.name, 'Lainnya'), g.rec, g.unrec, g.n
          FROM grouped g LEFT JOIN bank b ON b.bank_code = g.code
         ORDER BY g.pos"""), {**params, "top": top})
    return [Share(c, n, int(a), int(u), int(k)) for c, n, a, u, k in rows]


def revenue_by_kanwil(conn: Connection, f: RevenueFilter) -> list[Share]:
    """Per Kanwil (through `kpp.kanwil_code`), largest reconciled first."""
    return _shares(conn, f, code="w.kanwil_code", name="w.name",
                   join="JOIN kpp p ON p.kpp_code = r.kpp_code JOIN kanwil w ON w.kanwil_code = p.kanwil_code")


def revenue_by_kpp(conn: Connection, f: RevenueFilter, kanwil_code: str) -> list[Share]:
    """Per KPP of one Kanwil, largest reconciled first."""
    return _shares(conn, replace(f, kanwil_code=kanwil_code), code="p.kpp_code", name="p.name",
                   join="JOIN kpp p ON p.kpp_code = r.kpp_code")


def kanwil_name(conn: Connection, kanwil_code: str) -> str | None:
    """A Kanwil's name, or None when the code is unknown."""
    return conn.execute(text("SELECT name FROM kanwil WHERE kanwil_code = :k"), {"k": kanwil_code}).scalar_one_or_none()
