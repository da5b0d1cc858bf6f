"""Deadline alerts (issue 17 part 2): one row per rule, business date and bank whose duty passed its deadline undone.

- `alert`: opened by `queries.alerts.evaluate` when a duty of the Kelengkapan model is `missing` (or a file was
  rejected, or the scheduler stopped beating); resolved by it when the duty is done, with `late_minutes`; people
  acknowledge or snooze it (`queries.alerts.actions`, audited). `bank_code` is NULL for alerts about no single bank
  (the scheduler, a summary `storm`). Unique on (rule, business_date, bank_code), NULLs equal: evaluating twice
  opens nothing new. `facts` keeps what the rule needs to decide later (rejected file ids, the pairs a storm covers).

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the alert table."""
    op.execute("""
        CREATE TABLE alert (
            alert_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            rule            text COLLATE "C" NOT NULL CONSTRAINT ck_alert_rule CHECK (rule IN (
                                'batch_late', 'statement_late', 'result_late', 'distribution_late', 'file_rejected',
                                'scheduler_down', 'storm')),
            business_date   date NOT NULL,
            bank_code       text COLLATE "C",
            status          text NOT NULL DEFAULT 'open' CONSTRAINT ck_alert_status
                                CHECK (status IN ('open', 'acknowledged', 'snoozed', 'resolved')),
            opened_at       timestamptz NOT NULL,
            deadline        timestamptz NOT NULL,
            resolved_at     timestamptz,
            late_minutes    integer,
            acknowledged_by text,
            acknowledged_at timestamptz,
            snoozed_until   timestamptz,
            note            text NOT NULL DEFAULT '' CONSTRAINT ck_alert_note CHECK (length(note) <= 500),
            detail          text NOT NULL DEFAULT '' CONSTRAINT ck_alert_detail CHECK (length(detail) <= 2000),
            facts           jsonb NOT NULL DEFAULT '{}'::jsonb,
            CONSTRAINT uq_alert_rule_day_bank UNIQUE NULLS NOT DISTINCT (rule, business_date, bank_code),
            CONSTRAINT ck_alert_resolved CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
            CONSTRAINT ck_alert_snoozed CHECK (status <> 'snoozed' OR snoozed_until IS NOT NULL)
        );
        CREATE INDEX ix_alert_unresolved ON alert (business_date) WHERE status <> 'resolved';
        CREATE INDEX ix_alert_opened ON alert (opened_at DESC);
    """)


def downgrade() -> None:
    """Drop the alert table."""
    op.execute("DROP TABLE alert")
