"""Revenue (DOMAIN §6 management, R13): daily totals per bank, KPP and KAP, reconciled and not, pre-aggregated.

- `revenue_day`: one row per (business date, bank, KPP, KAP) with the count and amount of payments that
  count as received (R13: MPN agrees with the bank's current, reconciled batch and no transaction-level
  exception on the NTPN is open) and of the rest. Rebuilt for a date by
  `queries.reconciliation.revenue.refresh_revenue_day`
  at the end of every reconciliation, and moved payment by payment when people close an exception.
- `revenue_rollup`: the same sums rolled up per day and per month to every subset (`grain`) of the three
  dimensions (bit 1 bank, 2 KPP, 4 KAP kept; a dropped dimension holds ''), so each chart of the Penerimaan page
  reads only the dimensions it shows or filters on, and a period's whole months are read as one row each. The day
  rows of grain 7 are `revenue_day` itself and are not repeated. Kept together with `revenue_day`, in the same
  transaction, by `queries.reconciliation.revenue`; the page never reads `mpn_record`.

The upgrade backfills every date `recon_result` knows, with the rule as it stood at this revision.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE revenue_day (
    business_date       date NOT NULL,
    bank_code           text COLLATE "C" NOT NULL,
    kpp_code            text COLLATE "C" NOT NULL,
    kap                 text COLLATE "C" NOT NULL,
    reconciled_count    bigint NOT NULL DEFAULT 0,
    reconciled_amount   bigint NOT NULL DEFAULT 0,
    unreconciled_count  bigint NOT NULL DEFAULT 0,
    unreconciled_amount bigint NOT NULL DEFAULT 0,
    CONSTRAINT pk_revenue_day PRIMARY KEY (business_date, bank_code, kpp_code, kap)
);
COMMENT ON TABLE revenue_day IS
    'payments per business date, bank, KPP and KAP: received (R13, reconciled) and not yet; one per NTPN, '
    'reversed payments excluded';
-- The page reads these rows only when filtering on two or three dimensions (a few banks, KAPs, or the KPPs of
-- one Kanwil): one index per pair finds them without touching the rest of the period.
CREATE INDEX ix_revenue_day_bank_kap ON revenue_day (bank_code, kap, business_date);
CREATE INDEX ix_revenue_day_kpp_kap ON revenue_day (kpp_code, kap, business_date);
CREATE INDEX ix_revenue_day_bank_kpp ON revenue_day (bank_code, kpp_code, business_date);

CREATE TABLE revenue_rollup (
    span                text NOT NULL CONSTRAINT ck_revenue_rollup_span CHECK (span IN ('day', 'month')),
    grain               smallint NOT NULL CONSTRAINT ck_revenue_rollup_grain CHECK (grain BETWEEN 0 AND 7),
    period              date NOT NULL,
    bank_code           text COLLATE "C" NOT NULL,
    kpp_code            text COLLATE "C" NOT NULL,
    kap                 text COLLATE "C" NOT NULL,
    reconciled_count    bigint NOT NULL,
    reconciled_amount   bigint NOT NULL,
    unreconciled_count  bigint NOT NULL,
    unreconciled_amount bigint NOT NULL,
    CONSTRAINT pk_revenue_rollup PRIMARY KEY (grain, span, period, bank_code, kpp_code, kap),
    CONSTRAINT ck_revenue_rollup_month CHECK (span = 'day' OR extract(day FROM period) = 1),
    CONSTRAINT ck_revenue_rollup_not_day_detail CHECK (span = 'month' OR grain < 7),
    CONSTRAINT ck_revenue_rollup_dropped CHECK (
        ((grain & 1) = 0) = (bank_code = '') AND ((grain & 2) = 0) = (kpp_code = '') AND ((grain & 4) = 0) = (kap = ''))
);
COMMENT ON TABLE revenue_rollup IS
    'revenue_day summed per day or month (period: the date or the first of the month) over the dimensions of '
    'grain (bit 1 bank, 2 KPP, 4 KAP; a dropped one holds empty text); day rows of grain 7 are revenue_day';
-- A filtered dimension's few values over a long period in the two-dimension grains, and pairs of them in the
-- month rows of grain 7, as on revenue_day (the grain lists let `grain = n` prove the predicates).
CREATE INDEX ix_revenue_rollup_bank ON revenue_rollup (grain, span, bank_code, period) WHERE grain IN (3, 5);
CREATE INDEX ix_revenue_rollup_kpp ON revenue_rollup (grain, span, kpp_code, period) WHERE grain IN (3, 6);
CREATE INDEX ix_revenue_rollup_kap ON revenue_rollup (grain, span, kap, period) WHERE grain IN (5, 6);
CREATE INDEX ix_revenue_rollup_bank_kap ON revenue_rollup (bank_code, kap, period) WHERE grain = 7;
CREATE INDEX ix_revenue_rollup_kpp_kap ON revenue_rollup (kpp_code, kap, period) WHERE grain = 7;
CREATE INDEX ix_revenue_rollup_bank_kpp ON revenue_rollup (bank_code, kpp_code, period) WHERE grain = 7;
"""

# The rule of `queries.reconciliation.revenue` at revision 0008, over every reconciled date at once (frozen here on
# purpose:
# a migration must not change when the application's code does).
BACKFILL = """
INSERT INTO revenue_day (business_date, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
                         unreconciled_count, unreconciled_amount)
WITH days AS (
    SELECT DISTINCT business_date FROM recon_result
), pay AS (
    SELECT DISTINCT ON (m.business_date, m.ntpn) m.business_date, m.ntpn, m.bank_code, m.kpp_code, m.kap, m.amount
      FROM mpn_record m JOIN days USING (business_date)
     WHERE m.record_type = 'payment'
       AND NOT EXISTS (SELECT 1 FROM mpn_record r WHERE r.record_type = 'reversal' AND r.ntpn = m.ntpn)
     ORDER BY m.business_date, m.ntpn, m.line
), received AS (
    SELECT p.*,
           EXISTS (SELECT 1 FROM recon_result rr
                     JOIN bank_batch bb ON bb.batch_id = rr.batch_id AND bb.superseded_at IS NULL
                    WHERE rr.business_date = p.business_date AND rr.bank_code = p.bank_code)
           AND NOT EXISTS (SELECT 1 FROM recon_exception e
                            WHERE e.business_date = p.business_date AND e.level = 'transaction'
                              AND e.ntpn = p.ntpn AND e.status IN ('open', 'in_clarification')) AS ok
      FROM pay p
)
SELECT business_date, bank_code, kpp_code, kap,
       count(*) FILTER (WHERE ok), coalesce(sum(amount) FILTER (WHERE ok), 0),
       count(*) FILTER (WHERE NOT ok), coalesce(sum(amount) FILTER (WHERE NOT ok), 0)
  FROM received
 GROUP BY business_date, bank_code, kpp_code, kap
"""

#: Every rollup of `revenue_day` at once, day and month (`queries.reconciliation.revenue.ROLLUP` does the same for one
#: date).
BACKFILL_ROLLUP = """
INSERT INTO revenue_rollup (span, grain, period, bank_code, kpp_code, kap, reconciled_count, reconciled_amount,
                            unreconciled_count, unreconciled_amount)
SELECT span, 7 - GROUPING(kap, kpp_code, bank_code), period, coalesce(bank_code, ''), coalesce(kpp_code, ''),
       coalesce(kap, ''), sum(reconciled_count), sum(reconciled_amount), sum(unreconciled_count),
       sum(unreconciled_amount)
  FROM (SELECT 'day' AS span, business_date AS period, r.* FROM revenue_day r
        UNION ALL
        SELECT 'month', date_trunc('month', business_date)::date, r.* FROM revenue_day r) r
 GROUP BY span, period, GROUPING SETS ((), (bank_code), (kpp_code), (kap), (bank_code, kpp_code), (bank_code, kap),
                                       (kpp_code, kap), (bank_code, kpp_code, kap))
HAVING span = 'month' OR GROUPING(kap, kpp_code, bank_code) > 0
"""


def upgrade() -> None:
    """Create `revenue_day` and its rollups and fill them for every date already reconciled."""
    op.execute(SCHEMA)
    op.execute(BACKFILL)
    op.execute(BACKFILL_ROLLUP)


def downgrade() -> None:
    """Drop what `upgrade` created."""
    op.execute("DROP TABLE revenue_rollup, revenue_day")
