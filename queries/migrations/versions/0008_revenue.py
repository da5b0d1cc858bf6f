"""Revenue (DOMAIN §6 management, R13): daily totals per bank, KPP and KAP, reconciled and not, pre-aggregated.

- `revenue_day`: one row per (business date, bank, KPP, KAP) with the count and amount of payments that
  count as received (R13: MPN agrees with the bank's current, reconciled batch and no transaction-level
  exception on the NTPN is open) and of the rest. Rebuilt for a date by `queries.revenue.refresh_revenue_day`
  at the end of every reconciliation; the Penerimaan page reads only this table, never `mpn_record`.

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
"""

# The rule of `queries.revenue` at revision 0008, over every reconciled date at once (frozen here on purpose:
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


def upgrade() -> None:
    """Create `revenue_day` and fill it for every date already reconciled."""
    op.execute(SCHEMA)
    op.execute(BACKFILL)


def downgrade() -> None:
    """Drop what `upgrade` created."""
    op.execute("DROP TABLE revenue_day")
