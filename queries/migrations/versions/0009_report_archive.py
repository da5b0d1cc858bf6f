"""The report archive: `dist_report` keeps the daily reports too (SE-127 step 18).

- `dist_report.kind`: `distribution` (the end-of-distribution report, made when a round is delivered) or `daily`
  (the day's distribution and monitoring report, made by the scheduler at the end of each working day and on
  demand). Existing rows are end-of-distribution reports. Every version made stays on file, with its SHA-256.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE dist_report
    ADD COLUMN kind text NOT NULL DEFAULT 'distribution'
        CONSTRAINT ck_dist_report_kind CHECK (kind IN ('distribution', 'daily'));
DROP INDEX ix_dist_report_date;
CREATE INDEX ix_dist_report_date ON dist_report (business_date, kind, format, report_id DESC);
"""


def upgrade() -> None:
    """Add the report kind."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop the daily reports and the kind."""
    op.execute("""
        DELETE FROM dist_report WHERE kind = 'daily';
        DROP INDEX ix_dist_report_date;
        ALTER TABLE dist_report DROP COLUMN kind;
        CREATE INDEX ix_dist_report_date ON dist_report (business_date, report_id DESC);
    """)
