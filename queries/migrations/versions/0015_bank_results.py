"""The reconciliation result sent to each bank's head office (issue 18, PER-78 Ps.11(2), DOMAIN R5).

- `bank_result`: one row per (bank, business date, batch): the version of the result that batch produced, the run
  that first included it, when the batch came and the result was computed, the SHA-256 of the Berita Acara PDF (its
  verification code) and of the CSV of differences, and what became of it: `awaiting_approval` (the kasi approves
  first, setting `results.require_approval`), `queued` (the message is in the outbox: `mail_id`; sent when its
  `mail_message.sent_at` is set), `no_address` (the bank has no head-office address yet), `superseded` (a resend
  replaced it before it left), `rejected` (the kasi returned it). `replaces` is the earlier version a resend replaces.
- `nota_perbaikan.result_id`, `exception_comment.result_id`: the result a bank's Nota Perbaikan or a clarification
  answers (nullable); filled on insert, when not given, with the latest result queued for that bank and date.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE bank_result (
    result_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date      date NOT NULL,
    bank_code          text COLLATE "C" NOT NULL CONSTRAINT fk_bank_result_bank REFERENCES bank,
    version            integer NOT NULL CONSTRAINT ck_bank_result_version CHECK (version >= 1),
    batch_id           bigint NOT NULL CONSTRAINT fk_bank_result_batch REFERENCES bank_batch,
    run_id             bigint NOT NULL CONSTRAINT fk_bank_result_run REFERENCES recon_run,
    batch_received_at  timestamptz NOT NULL,
    result_at          timestamptz NOT NULL,
    replaces           bigint CONSTRAINT fk_bank_result_replaces REFERENCES bank_result,
    state              text NOT NULL CONSTRAINT ck_bank_result_state
                       CHECK (state IN ('awaiting_approval', 'queued', 'no_address', 'superseded', 'rejected')),
    recipients         text NOT NULL DEFAULT '',
    mail_id            bigint CONSTRAINT fk_bank_result_mail REFERENCES mail_message,
    approval_id        bigint CONSTRAINT fk_bank_result_approval REFERENCES approval_request,
    pdf_name           text NOT NULL,
    pdf_sha256         text COLLATE "C" NOT NULL CONSTRAINT fk_bank_result_pdf REFERENCES mail_content,
    csv_name           text NOT NULL,
    csv_sha256         text COLLATE "C" NOT NULL CONSTRAINT fk_bank_result_csv REFERENCES mail_content,
    mpn_count          bigint NOT NULL,
    bank_count         bigint NOT NULL,
    matched_count      bigint NOT NULL,
    exception_count    bigint NOT NULL,
    subject            text NOT NULL,
    body_text          text NOT NULL,
    body_html          text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    queued_at          timestamptz,
    CONSTRAINT uq_bank_result_version UNIQUE (bank_code, business_date, version),
    CONSTRAINT uq_bank_result_batch UNIQUE (batch_id),
    CONSTRAINT ck_bank_result_queued CHECK ((state = 'queued') = (mail_id IS NOT NULL))
);
CREATE INDEX ix_bank_result_date ON bank_result (business_date, bank_code, version DESC);
CREATE INDEX ix_bank_result_mail ON bank_result (mail_id) WHERE mail_id IS NOT NULL;
CREATE INDEX ix_bank_result_waiting ON bank_result (state) WHERE state IN ('awaiting_approval', 'no_address');

ALTER TABLE nota_perbaikan ADD COLUMN result_id bigint CONSTRAINT fk_nota_perbaikan_result REFERENCES bank_result;
ALTER TABLE exception_comment ADD COLUMN result_id bigint
    CONSTRAINT fk_exception_comment_result REFERENCES bank_result;
COMMENT ON COLUMN nota_perbaikan.result_id IS 'the result message (bank_result) this Nota Perbaikan answers';
COMMENT ON COLUMN exception_comment.result_id IS 'the result message (bank_result) this clarification answers';

CREATE FUNCTION bank_result_answered(p_bank text, p_date date) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT result_id FROM bank_result
     WHERE bank_code = p_bank AND business_date = p_date AND state = 'queued'
     ORDER BY version DESC LIMIT 1
$$;

CREATE FUNCTION nota_perbaikan_result() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.result_id IS NULL THEN
        NEW.result_id := bank_result_answered(NEW.bank_code, NEW.business_date);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_nota_perbaikan_result BEFORE INSERT ON nota_perbaikan
    FOR EACH ROW EXECUTE FUNCTION nota_perbaikan_result();

CREATE FUNCTION exception_comment_result() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.result_id IS NULL THEN
        SELECT bank_result_answered(e.bank_code, e.business_date) INTO NEW.result_id
          FROM recon_exception e WHERE e.exception_id = NEW.exception_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_exception_comment_result BEFORE INSERT ON exception_comment
    FOR EACH ROW EXECUTE FUNCTION exception_comment_result();
"""


def upgrade() -> None:
    """Create the results table and the answers' references."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop them again."""
    op.execute("""
        DROP TRIGGER tg_exception_comment_result ON exception_comment;
        DROP TRIGGER tg_nota_perbaikan_result ON nota_perbaikan;
        DROP FUNCTION exception_comment_result();
        DROP FUNCTION nota_perbaikan_result();
        DROP FUNCTION bank_result_answered(text, date);
        ALTER TABLE exception_comment DROP COLUMN result_id;
        ALTER TABLE nota_perbaikan DROP COLUMN result_id;
        DROP TABLE bank_result;
    """)
