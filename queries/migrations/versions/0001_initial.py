"""Initial schema: master data, import log, MPN records, bank batches, statement letters.

The two bulk tables (`mpn_record`, `bank_batch_row`) are partitioned by business date, one partition
per day, created by the importer (`queries.partitions`). They carry no foreign keys: every value is
checked against master data by the importer before COPY, and a per-row FK check would halve COPY speed.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE bank (
    bank_code   text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CONSTRAINT ck_bank_kind CHECK (kind IN ('bank', 'pos', 'other')),
    cutoff      time NOT NULL DEFAULT '15:00',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE kanwil (
    kanwil_code text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE kpp (
    kpp_code    text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    kanwil_code text COLLATE "C" NOT NULL CONSTRAINT fk_kpp_kanwil REFERENCES kanwil,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE kap (
    kap         text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    tax_group   text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE kjs (
    kjs         text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE non_working_day (
    day         date PRIMARY KEY,
    description text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every file handed to `mpn import`, imported or rejected.
CREATE TABLE import_file (
    import_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CONSTRAINT ck_import_kind CHECK (kind IN ('mpn', 'bank', 'statements')),
    file_name     text NOT NULL,
    sha256        text COLLATE "C" NOT NULL,
    size_bytes    bigint NOT NULL,
    received_at   timestamptz NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL CONSTRAINT ck_import_status CHECK (status IN ('imported', 'rejected')),
    row_count     bigint NOT NULL DEFAULT 0,
    total_amount  bigint NOT NULL DEFAULT 0,
    first_date    date,
    last_date     date,
    bank_code     text COLLATE "C",
    error_count   integer NOT NULL DEFAULT 0,
    report        text,
    kept_path     text
);
CREATE UNIQUE INDEX uq_import_file_content ON import_file (kind, sha256) WHERE status = 'imported';
CREATE INDEX ix_import_file_dates ON import_file (first_date, last_date);

-- MPN online data (CONTRACT 2.1), one partition per business date.
CREATE TABLE mpn_record (
    business_date  date NOT NULL,
    import_id      bigint NOT NULL,
    line           integer NOT NULL,
    record_type    text NOT NULL CONSTRAINT ck_mpn_record_type CHECK (record_type IN ('payment', 'reversal')),
    ntpn           text COLLATE "C" NOT NULL,
    billing_code   text COLLATE "C",
    bank_code      text COLLATE "C" NOT NULL,
    branch_code    text,
    ntb            text COLLATE "C" NOT NULL,
    paid_at        timestamptz NOT NULL,
    utc_offset     smallint NOT NULL CONSTRAINT ck_mpn_offset CHECK (utc_offset IN (7, 8, 9)),
    npwp           text COLLATE "C" NOT NULL,
    taxpayer_name  text NOT NULL,
    kap            text COLLATE "C" NOT NULL,
    kjs            text COLLATE "C" NOT NULL,
    tax_period     text COLLATE "C" NOT NULL,
    kpp_code       text COLLATE "C" NOT NULL,
    amount         bigint NOT NULL CONSTRAINT ck_mpn_amount CHECK (amount > 0)
) PARTITION BY RANGE (business_date);
CREATE INDEX ix_mpn_record_ntpn ON mpn_record (ntpn);

-- One bank batch file (ADK/RDD) = one (bank, business date); a resend supersedes, history stays.
CREATE TABLE bank_batch (
    batch_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id      bigint NOT NULL UNIQUE CONSTRAINT fk_bank_batch_import REFERENCES import_file,
    bank_code      text COLLATE "C" NOT NULL CONSTRAINT fk_bank_batch_bank REFERENCES bank,
    business_date  date NOT NULL,
    received_at    timestamptz NOT NULL,
    row_count      bigint NOT NULL,
    total_amount   bigint NOT NULL,
    superseded_by  bigint CONSTRAINT fk_bank_batch_superseded REFERENCES bank_batch,
    superseded_at  timestamptz
);
CREATE UNIQUE INDEX uq_bank_batch_current ON bank_batch (bank_code, business_date) WHERE superseded_at IS NULL;
CREATE INDEX ix_bank_batch_date ON bank_batch (business_date, bank_code);

CREATE TABLE bank_batch_row (
    business_date  date NOT NULL,
    batch_id       bigint NOT NULL,
    line           integer NOT NULL,
    bank_code      text COLLATE "C" NOT NULL,
    ntpn           text COLLATE "C" NOT NULL,
    ntb            text COLLATE "C" NOT NULL,
    paid_at        timestamptz NOT NULL,
    utc_offset     smallint NOT NULL CONSTRAINT ck_batch_offset CHECK (utc_offset IN (7, 8, 9)),
    derived_date   date NOT NULL,
    npwp           text COLLATE "C" NOT NULL,
    kap            text COLLATE "C" NOT NULL,
    kjs            text COLLATE "C" NOT NULL,
    tax_period     text COLLATE "C" NOT NULL,
    kpp_code       text COLLATE "C" NOT NULL,
    amount         bigint NOT NULL CONSTRAINT ck_batch_amount CHECK (amount > 0)
) PARTITION BY RANGE (business_date);

-- Surat Pernyataan (CONTRACT 2.3); a newer letter for the same bank and date supersedes.
CREATE TABLE statement_letter (
    letter_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_code       text COLLATE "C" NOT NULL CONSTRAINT fk_statement_bank REFERENCES bank,
    business_date   date NOT NULL,
    letter_number   text NOT NULL,
    letter_date     date NOT NULL,
    received_at     timestamptz NOT NULL,
    declared_count  bigint NOT NULL CONSTRAINT ck_statement_count CHECK (declared_count >= 0),
    declared_amount bigint NOT NULL CONSTRAINT ck_statement_amount CHECK (declared_amount >= 0),
    signer          text NOT NULL,
    import_id       bigint CONSTRAINT fk_statement_import REFERENCES import_file,
    entered_by      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    superseded_by   bigint CONSTRAINT fk_statement_superseded REFERENCES statement_letter,
    superseded_at   timestamptz
);
CREATE UNIQUE INDEX uq_statement_current ON statement_letter (bank_code, business_date) WHERE superseded_at IS NULL;
CREATE INDEX ix_statement_date ON statement_letter (business_date, bank_code);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(
        "DROP TABLE statement_letter, bank_batch_row, bank_batch, mpn_record, import_file,"
        " non_working_day, kjs, kap, kpp, kanwil, bank CASCADE"
    )
