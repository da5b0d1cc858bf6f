"""Statement letters and appeal letters (SE-127 steps 4-8): settings, per-bank daily MPN totals, scans, letters.

- `app_setting`: the few values admins tune (deadlines, letter number pattern, signer); defaults live in
  `queries.settings`, a row exists only once someone changed a value.
- `mpn_bank_day`: payments and reversals per bank and business date, kept by the import in the same
  transaction as the rows (so "does this bank have MPN data on D?" never scans a partition).
- `statement_scan`: the scanned, signed statement letter (PDF) kept in the database with its SHA-256; a
  CHECK ties the stored size to the content, and a trigger refuses edits, so the checksum keeps holding.
- `appeal_letter`: one Surat Himbauan per bank, its business dates, its status and its steps. Paraf and
  signature go through `approval_request` (maker-checker enforced by the database); at most one letter
  per bank is a draft at a time; numbers are unique.
- `app_user` gains the account `sistem`: the maker of drafts the system proposes. It is disabled and
  has no password, so nobody can log in with it.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATUSES = "('draft', 'returned', 'initialled', 'signed', 'sent', 'answered', 'void')"

SCHEMA = f"""
CREATE TABLE app_setting (
    key         text COLLATE "C" PRIMARY KEY,
    value       text NOT NULL,
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mpn_bank_day (
    business_date  date NOT NULL,
    bank_code      text COLLATE "C" NOT NULL,
    payment_count  bigint NOT NULL DEFAULT 0,
    payment_amount bigint NOT NULL DEFAULT 0,
    reversal_count bigint NOT NULL DEFAULT 0,
    CONSTRAINT pk_mpn_bank_day PRIMARY KEY (business_date, bank_code)
);
INSERT INTO mpn_bank_day (business_date, bank_code, payment_count, payment_amount, reversal_count)
SELECT business_date, bank_code,
       count(*) FILTER (WHERE record_type = 'payment'),
       coalesce(sum(amount) FILTER (WHERE record_type = 'payment'), 0),
       count(*) FILTER (WHERE record_type = 'reversal')
  FROM mpn_record
 GROUP BY business_date, bank_code;

CREATE TABLE statement_scan (
    scan_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_name   text NOT NULL,
    sha256      text COLLATE "C" NOT NULL CONSTRAINT uq_statement_scan_sha256 UNIQUE
                CONSTRAINT ck_statement_scan_sha256 CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
    size_bytes  integer NOT NULL CONSTRAINT ck_statement_scan_size CHECK (size_bytes > 0),
    content     bytea NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_statement_scan_content CHECK (length(content) = size_bytes)
);
CREATE FUNCTION statement_scan_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'statement scans are kept as uploaded: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER tg_statement_scan_keep BEFORE UPDATE OR DELETE ON statement_scan
    FOR EACH ROW EXECUTE FUNCTION statement_scan_refuse();
ALTER TABLE statement_letter ADD COLUMN scan_id bigint CONSTRAINT fk_statement_scan REFERENCES statement_scan;

CREATE TABLE letter_sequence (
    year     integer PRIMARY KEY,
    last_seq integer NOT NULL CONSTRAINT ck_letter_sequence CHECK (last_seq >= 0)
);

CREATE TABLE appeal_letter (
    letter_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_code      text COLLATE "C" NOT NULL CONSTRAINT fk_appeal_letter_bank REFERENCES bank,
    business_dates date[] NOT NULL CONSTRAINT ck_appeal_letter_dates CHECK (cardinality(business_dates) >= 1),
    addressee      text NOT NULL,
    note           text NOT NULL DEFAULT '',
    status         text NOT NULL CONSTRAINT ck_appeal_letter_status CHECK (status IN {STATUSES}),
    request_id     bigint CONSTRAINT fk_appeal_letter_request REFERENCES approval_request,
    drafted_by     text NOT NULL,
    drafted_at     timestamptz NOT NULL DEFAULT now(),
    returned_note  text,
    letter_number  text COLLATE "C" CONSTRAINT uq_appeal_letter_number UNIQUE,
    letter_date    date,
    signer_name    text,
    signer_nip     text,
    agenda_number  text,
    sent_on        date,
    sent_by        text,
    answered_at    timestamptz,
    void_reason    text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_appeal_letter_signed CHECK (
        (status IN ('signed', 'sent', 'answered')) <= (letter_number IS NOT NULL AND letter_date IS NOT NULL)),
    CONSTRAINT ck_appeal_letter_sent CHECK (
        (status IN ('sent', 'answered')) <= (agenda_number IS NOT NULL AND sent_on IS NOT NULL))
);
-- "One draft per bank": a second proposal extends the open draft instead.
CREATE UNIQUE INDEX uq_appeal_letter_open_draft ON appeal_letter (bank_code) WHERE status IN ('draft', 'returned');
CREATE INDEX ix_appeal_letter_status ON appeal_letter (status, bank_code);
CREATE INDEX ix_appeal_letter_bank ON appeal_letter (bank_code, letter_id);

INSERT INTO app_user (username, full_name, role, password_hash, active)
VALUES ('sistem', 'Sistem MPN Monitor', 'pelaksana', '!', false);
"""


def upgrade() -> None:
    """Create the settings, daily bank totals, scans and appeal letters."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop what `upgrade` created."""
    op.execute("DELETE FROM app_user WHERE username = 'sistem'")
    op.execute("ALTER TABLE statement_letter DROP COLUMN scan_id")
    op.execute("DROP TABLE appeal_letter, letter_sequence, statement_scan, mpn_bank_day, app_setting CASCADE")
    op.execute("DROP FUNCTION statement_scan_refuse()")
