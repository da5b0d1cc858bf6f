"""Reconciliation: NTPN index on batch rows, the cancelled-number register, runs, results, exceptions.

`recon_exception` is built to carry the later workflow (clarification, Berita Acara, adjustment): its
identity is (business_date, level, bank_code, ntpn, category), so reruns update rather than duplicate;
exceptions closed by people keep who, when and why, those closed by later data say so (`closed_by_data`).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CATEGORIES = (
    "'missing_in_bank', 'missing_in_mpn', 'amount_mismatch', 'attribute_mismatch', 'cutoff_mismatch',"
    " 'duplicate', 'cancelled_reused', 'missing_batch', 'missing_statement', 'statement_mismatch'"
)
BANK_LEVEL = "('missing_batch', 'missing_statement', 'statement_mismatch')"

SCHEMA = f"""
-- Cross-date lookups (cut-off cases) probe other days' batch rows by NTPN; each daily partition gets
-- its index before ATTACH (queries.imports.store.PARTITION_INDEXES).
CREATE INDEX ix_bank_batch_row_ntpn ON bank_batch_row (ntpn);
-- Reversals are few: a partial index lets reconciliation read all of them without scanning a partition.
CREATE INDEX ix_mpn_record_reversal ON mpn_record (ntpn) WHERE record_type = 'reversal';

-- DOMAIN R10: a cancelled NTPN or NTB/NTP can never be used again.
CREATE TABLE cancelled_number (
    kind          text NOT NULL CONSTRAINT ck_cancelled_number_kind CHECK (kind IN ('ntpn', 'ntb')),
    bank_code     text COLLATE "C" NOT NULL,
    number        text COLLATE "C" NOT NULL,
    ntpn          text COLLATE "C" NOT NULL,
    cancelled_at  timestamptz NOT NULL,
    source        text NOT NULL CONSTRAINT ck_cancelled_number_source CHECK (source IN ('reversal', 'berita_acara')),
    source_ref    text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cancelled_number PRIMARY KEY (kind, bank_code, number)
);
COMMENT ON COLUMN cancelled_number.ntpn IS 'the NTPN of the cancelled transaction (= number for kind ntpn)';
COMMENT ON COLUMN cancelled_number.source_ref IS 'reversal: mpn_record:<import_id>:<line>; berita_acara: its number';
CREATE INDEX ix_cancelled_number_number ON cancelled_number (kind, number);

CREATE TABLE recon_run (
    run_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date  date NOT NULL,
    bank_code      text COLLATE "C",
    actor          text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at    timestamptz,
    status         text NOT NULL DEFAULT 'running'
                   CONSTRAINT ck_recon_run_status CHECK (status IN ('running', 'finished', 'failed')),
    counts         jsonb NOT NULL DEFAULT '{{}}'
);
CREATE INDEX ix_recon_run_date ON recon_run (business_date, run_id);

-- One row per (business date, bank): totals, matched, exceptions per category, and R5's delay.
CREATE TABLE recon_result (
    business_date     date NOT NULL,
    bank_code         text COLLATE "C" NOT NULL CONSTRAINT fk_recon_result_bank REFERENCES bank,
    mpn_count         bigint NOT NULL,
    mpn_amount        bigint NOT NULL,
    bank_count        bigint NOT NULL,
    bank_amount       bigint NOT NULL,
    matched_count     bigint NOT NULL,
    matched_amount    bigint NOT NULL,
    exception_counts  jsonb NOT NULL DEFAULT '{{}}',
    batch_id          bigint CONSTRAINT fk_recon_result_batch REFERENCES bank_batch,
    batch_received_at timestamptz,
    result_at         timestamptz,
    result_minutes    numeric(12, 1),
    last_run_id       bigint NOT NULL CONSTRAINT fk_recon_result_run REFERENCES recon_run,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_recon_result PRIMARY KEY (business_date, bank_code)
);
COMMENT ON COLUMN recon_result.result_at IS
    'when the first run that included the current batch finished (PER-78 Ps.11(2): within one hour of receipt)';

CREATE TABLE recon_exception (
    exception_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date  date NOT NULL,
    level          text NOT NULL CONSTRAINT ck_recon_exception_level CHECK (level IN ('transaction', 'bank')),
    bank_code      text COLLATE "C" NOT NULL,
    ntpn           text COLLATE "C" NOT NULL DEFAULT '',
    category       text NOT NULL CONSTRAINT ck_recon_exception_category CHECK (category IN ({CATEGORIES})),
    fields         text NOT NULL DEFAULT '',
    mpn_amount     bigint,
    bank_amount    bigint,
    other_date     date,
    batch_id       bigint,
    status         text NOT NULL DEFAULT 'open' CONSTRAINT ck_recon_exception_status
                   CHECK (status IN ('open', 'in_clarification', 'resolved', 'adjusted')),
    opened_at      timestamptz NOT NULL DEFAULT now(),
    first_seen_run bigint NOT NULL CONSTRAINT fk_recon_exception_first_run REFERENCES recon_run,
    last_seen_run  bigint NOT NULL CONSTRAINT fk_recon_exception_last_run REFERENCES recon_run,
    resolved_at    timestamptz,
    resolved_by    text,
    cause          text,
    note           text NOT NULL DEFAULT '',
    assignee       text,
    closed_by_data boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_recon_exception_identity UNIQUE (business_date, level, bank_code, ntpn, category),
    CONSTRAINT ck_recon_exception_level_category
        CHECK ((level = 'bank') = (category IN {BANK_LEVEL}) AND (level = 'bank') = (ntpn = '')),
    CONSTRAINT ck_recon_exception_closed
        CHECK ((status IN ('resolved', 'adjusted')) = (resolved_at IS NOT NULL)),
    CONSTRAINT ck_recon_exception_by_data CHECK (NOT closed_by_data OR status = 'resolved')
);
COMMENT ON COLUMN recon_exception.other_date IS 'cutoff_mismatch: the business date MPN derived for the payment';
COMMENT ON COLUMN recon_exception.batch_id IS 'the current batch of the bank and date when last detected';
CREATE INDEX ix_recon_exception_status ON recon_exception (status, business_date);
CREATE INDEX ix_recon_exception_day ON recon_exception (business_date, bank_code, category);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("DROP TABLE recon_exception, recon_result, recon_run, cancelled_number")
    op.execute("DROP INDEX ix_mpn_record_reversal")
    op.execute("DROP INDEX ix_bank_batch_row_ntpn")
