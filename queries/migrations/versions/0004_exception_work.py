"""Working an exception (DOMAIN R7-R11): cause codes, comments, assignments, adjustments, Berita Acara, Nota Perbaikan.

Imported data are never edited: an adjustment (R8) is a row of its own with the record it refers to and the
values before and after, and the original stays where it was. Comments and adjustments are append-only
(trigger). A Berita Acara (R11) covers one NTPN, has a unique number and a reason and request from fixed
lists; a request to re-record carries the re-recording data (CHECK). Cancelling one also registers its numbers
in `cancelled_number` (R10, source `berita_acara`), done by `queries.reconciliation.berita_acara`.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Cause codes, in the order pages list them (labels live in queries.reconciliation.work.CAUSES).
CAUSES = (
    "late_file",
    "bank_keying_error",
    "mpn_recording_error",
    "cutoff_difference",
    "duplicate_sent",
    "reversal_pending",
    "force_majeure",
    "other",
)
BA_REASONS = "('communication_failure', 'application_failure', 'late_reversal', 'recording_error', 'other_rule')"
BA_REQUESTS = "('cancel', 'cancel_rerecord', 'record')"
CAUSE_ROWS = ", ".join(f"('{c}', {i})" for i, c in enumerate(CAUSES, start=1))

SCHEMA = f"""
CREATE TABLE exception_cause (
    cause       text COLLATE "C" PRIMARY KEY,
    sort_order  smallint NOT NULL,
    active      boolean NOT NULL DEFAULT true
);
INSERT INTO exception_cause (cause, sort_order) VALUES
    {CAUSE_ROWS};

ALTER TABLE recon_exception
    ADD CONSTRAINT fk_recon_exception_cause FOREIGN KEY (cause) REFERENCES exception_cause,
    ADD COLUMN request_id bigint CONSTRAINT fk_recon_exception_request REFERENCES approval_request;
COMMENT ON COLUMN recon_exception.request_id IS
    'the approved maker-checker request that closed it (resolution or adjustment); resolved_by is its maker';

-- Comments and adjustments are evidence: never changed or removed.
CREATE FUNCTION exception_work_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are final: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TABLE exception_comment (
    comment_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exception_id  bigint NOT NULL CONSTRAINT fk_exception_comment_exception REFERENCES recon_exception,
    author        text COLLATE "C" NOT NULL,
    author_role   text NOT NULL,
    body          text NOT NULL CONSTRAINT ck_exception_comment_body CHECK (btrim(body) <> '' AND length(body) <= 4000),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_exception_comment_exception ON exception_comment (exception_id, comment_id);
CREATE TRIGGER tg_exception_comment_final BEFORE UPDATE OR DELETE ON exception_comment
    FOR EACH ROW EXECUTE FUNCTION exception_work_final();

CREATE TABLE exception_assignment (
    assignment_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exception_id  bigint NOT NULL CONSTRAINT fk_exception_assignment_exception REFERENCES recon_exception,
    assignee      text COLLATE "C" CONSTRAINT fk_exception_assignment_assignee REFERENCES app_user (username),
    previous      text COLLATE "C",
    assigned_by   text COLLATE "C" NOT NULL,
    assigned_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN exception_assignment.assignee IS 'NULL: the exception was unassigned';
CREATE INDEX ix_exception_assignment_exception ON exception_assignment (exception_id, assignment_id);
CREATE INDEX ix_recon_exception_assignee ON recon_exception (assignee, status) WHERE assignee IS NOT NULL;

-- DOMAIN R8: a reversal, addition or correction, recorded beside the imported record it refers to.
CREATE TABLE adjustment (
    adjustment_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exception_id      bigint NOT NULL CONSTRAINT fk_adjustment_exception REFERENCES recon_exception,
    kind              text NOT NULL
                      CONSTRAINT ck_adjustment_kind CHECK (kind IN ('reversal', 'addition', 'correction')),
    side              text NOT NULL CONSTRAINT ck_adjustment_side CHECK (side IN ('mpn', 'bank')),
    ref_business_date date,
    ref_source_id     bigint,
    ref_line          integer,
    effective_date    date NOT NULL,
    before            jsonb,
    after             jsonb,
    cause             text NOT NULL CONSTRAINT fk_adjustment_cause REFERENCES exception_cause,
    note              text NOT NULL,
    request_id        bigint NOT NULL CONSTRAINT uq_adjustment_request UNIQUE
                      CONSTRAINT fk_adjustment_request REFERENCES approval_request,
    requested_by      text COLLATE "C" NOT NULL,
    approved_by       text COLLATE "C" NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_adjustment_ref CHECK (
        (kind = 'addition') = (ref_source_id IS NULL)
        AND (ref_source_id IS NULL) = (ref_line IS NULL) AND (ref_source_id IS NULL) = (ref_business_date IS NULL)),
    CONSTRAINT ck_adjustment_before CHECK ((kind = 'addition') = (before IS NULL)),
    CONSTRAINT ck_adjustment_after CHECK (kind = 'reversal' OR after IS NOT NULL)
);
COMMENT ON COLUMN adjustment.ref_source_id IS 'side mpn: mpn_record.import_id; side bank: bank_batch_row.batch_id';
COMMENT ON COLUMN adjustment.effective_date IS 'the business date the correction is booked on (R9: not yet reconciled)';
COMMENT ON COLUMN adjustment.after IS 'the record after the change; NULL for a reversal without re-recording';
CREATE INDEX ix_adjustment_exception ON adjustment (exception_id, adjustment_id);
CREATE TRIGGER tg_adjustment_final BEFORE UPDATE OR DELETE ON adjustment
    FOR EACH ROW EXECUTE FUNCTION exception_work_final();

-- DOMAIN R11 (KEP-162 Ps.6): one Berita Acara, one transaction.
CREATE TABLE berita_acara (
    ba_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number         text COLLATE "C" NOT NULL CONSTRAINT uq_berita_acara_number UNIQUE
                   CONSTRAINT ck_berita_acara_number CHECK (btrim(number) <> ''),
    ntpn           text COLLATE "C" NOT NULL CONSTRAINT ck_berita_acara_ntpn CHECK (ntpn <> ''),
    bank_code      text COLLATE "C" NOT NULL CONSTRAINT fk_berita_acara_bank REFERENCES bank,
    ntb            text COLLATE "C" NOT NULL,
    reason         text NOT NULL CONSTRAINT ck_berita_acara_reason CHECK (reason IN {BA_REASONS}),
    request        text NOT NULL CONSTRAINT ck_berita_acara_request CHECK (request IN {BA_REQUESTS}),
    rerecord       jsonb,
    exception_id   bigint CONSTRAINT fk_berita_acara_exception REFERENCES recon_exception,
    note           text NOT NULL DEFAULT '',
    registered_by  text COLLATE "C" NOT NULL,
    registered_at  timestamptz NOT NULL DEFAULT now(),
    status         text NOT NULL DEFAULT 'registered'
                   CONSTRAINT ck_berita_acara_status CHECK (status IN ('registered', 'processed', 'rejected')),
    CONSTRAINT ck_berita_acara_rerecord CHECK ((request = 'cancel') = (rerecord IS NULL))
);
COMMENT ON COLUMN berita_acara.rerecord IS 'the re-recording form (payment fields), for cancel_rerecord and record';
CREATE INDEX ix_berita_acara_ntpn ON berita_acara (ntpn);
CREATE INDEX ix_berita_acara_exception ON berita_acara (exception_id) WHERE exception_id IS NOT NULL;

-- PER-78 Ps.11(3): the collecting agent's correction note, the path for errors found after reconciliation.
CREATE TABLE nota_perbaikan (
    nota_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_code      text COLLATE "C" NOT NULL CONSTRAINT fk_nota_perbaikan_bank REFERENCES bank,
    number         text COLLATE "C" NOT NULL CONSTRAINT ck_nota_perbaikan_number CHECK (btrim(number) <> ''),
    letter_date    date NOT NULL,
    business_date  date NOT NULL,
    ntpn           text COLLATE "C" NOT NULL DEFAULT '',
    exception_id   bigint CONSTRAINT fk_nota_perbaikan_exception REFERENCES recon_exception,
    description    text NOT NULL CONSTRAINT ck_nota_perbaikan_description CHECK (btrim(description) <> ''),
    corrections    jsonb NOT NULL DEFAULT '{{}}',
    recorded_by    text COLLATE "C" NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_nota_perbaikan_number UNIQUE (bank_code, number)
);
CREATE INDEX ix_nota_perbaikan_exception ON nota_perbaikan (exception_id) WHERE exception_id IS NOT NULL;
CREATE INDEX ix_nota_perbaikan_date ON nota_perbaikan (business_date, bank_code);
"""

DROP = """
DROP TABLE IF EXISTS nota_perbaikan, berita_acara, adjustment, exception_assignment, exception_comment;
DROP FUNCTION IF EXISTS exception_work_final();
DROP INDEX IF EXISTS ix_recon_exception_assignee;
ALTER TABLE recon_exception DROP COLUMN IF EXISTS request_id, DROP CONSTRAINT IF EXISTS fk_recon_exception_cause;
DROP TABLE IF EXISTS exception_cause;
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute(DROP)
