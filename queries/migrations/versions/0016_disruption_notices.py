"""Disruption notices and force majeure (issue 21; PER-78 Ps.9(4)f and Ps.12, KEP-162 Ps.6(1) a-b, DOMAIN R14).

- `disruption_notice`: a collecting agent's written notice (surat pemberitahuan) that a fault made it late: its
  letter, the cause, the period it covers, the duties it affects (`batch`, `statement`, `mpn`, `result`,
  `distribution`), the business dates whose data the fault touched (`first_date`..`last_date`, the force-majeure
  catch-up window), the scanned letter (`statement_scan`, kept as uploaded) and who recorded it. Never edited: an
  UPDATE may only withdraw a notice once (when, who, why); DELETE is refused.
- `notice_catchup`: for a force-majeure notice, each reconciliation run that wrote its bank's result for a date of
  its window, with matched count and amount before and after (filled by a trigger on `recon_result`, so the catch-up
  needs no manual work and the notice shows what changed).
- `berita_acara.notice_id`: the notice a Berita Acara citing a communication or application failure refers to.
- `import_file.kind` takes `notices` (`mpn import notices FILE`).

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TEXT = r"({col} !~ '[\x01-\x1f\x7f]' AND char_length({col}) <= 500)"
LINES = r"({col} !~ '[\x01-\x09\x0b-\x1f\x7f]' AND char_length({col}) <= 500)"
TS = "({col} >= TIMESTAMPTZ '2000-01-01 00:00:00+14' AND {col} < TIMESTAMPTZ '2100-01-01 00:00:00-12')"
DAY = "({col} >= DATE '2000-01-01' AND {col} < DATE '2100-01-01')"

SCHEMA = f"""
ALTER TABLE import_file DROP CONSTRAINT ck_import_kind;
ALTER TABLE import_file ADD CONSTRAINT ck_import_kind CHECK (kind IN ('mpn', 'bank', 'statements', 'notices'));

CREATE TABLE disruption_notice (
    notice_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_code        text COLLATE "C" NOT NULL CONSTRAINT fk_disruption_notice_bank REFERENCES bank,
    letter_number    text NOT NULL CONSTRAINT ck_disruption_notice_number
                     CHECK (btrim(letter_number) <> '' AND {TEXT.format(col="letter_number")}),
    letter_date      date NOT NULL CONSTRAINT ck_disruption_notice_letter_date CHECK {DAY.format(col="letter_date")},
    received_at      timestamptz NOT NULL CONSTRAINT ck_disruption_notice_received
                     CHECK {TS.format(col="received_at")},
    cause            text NOT NULL CONSTRAINT ck_disruption_notice_cause CHECK (cause IN (
                         'communication_failure', 'application_failure', 'force_majeure', 'other')),
    period_from      timestamptz NOT NULL CONSTRAINT ck_disruption_notice_from CHECK {TS.format(col="period_from")},
    period_to        timestamptz NOT NULL CONSTRAINT ck_disruption_notice_to CHECK {TS.format(col="period_to")},
    duties           text[] NOT NULL CONSTRAINT ck_disruption_notice_duties
                     CHECK (cardinality(duties) > 0
                            AND duties <@ ARRAY['mpn', 'batch', 'statement', 'result', 'distribution']::text[]),
    first_date       date NOT NULL,
    last_date        date NOT NULL,
    note             text NOT NULL DEFAULT '' CONSTRAINT ck_disruption_notice_note CHECK {LINES.format(col="note")},
    scan_id          bigint CONSTRAINT fk_disruption_notice_scan REFERENCES statement_scan,
    import_id        bigint CONSTRAINT fk_disruption_notice_import REFERENCES import_file,
    recorded_by      text COLLATE "C" NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    withdrawn_at     timestamptz,
    withdrawn_by     text COLLATE "C",
    withdrawn_reason text CONSTRAINT ck_disruption_notice_reason CHECK {LINES.format(col="withdrawn_reason")},
    CONSTRAINT ck_disruption_notice_period CHECK (period_to > period_from),
    CONSTRAINT ck_disruption_notice_dates CHECK (first_date <= last_date),
    CONSTRAINT ck_disruption_notice_withdrawn CHECK (
        (withdrawn_at IS NULL) = (withdrawn_by IS NULL) AND (withdrawn_at IS NULL) = (withdrawn_reason IS NULL))
);
CREATE UNIQUE INDEX uq_disruption_notice_letter ON disruption_notice (bank_code, lower(letter_number))
    WHERE withdrawn_at IS NULL;
CREATE INDEX ix_disruption_notice_dates ON disruption_notice (bank_code, first_date, last_date)
    WHERE withdrawn_at IS NULL;

CREATE FUNCTION disruption_notice_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.withdrawn_at IS NOT NULL
       OR (to_jsonb(NEW) - ARRAY['withdrawn_at', 'withdrawn_by', 'withdrawn_reason'])
          IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['withdrawn_at', 'withdrawn_by', 'withdrawn_reason']) THEN
        RAISE EXCEPTION 'disruption notices are never edited, only withdrawn once: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_disruption_notice_keep BEFORE UPDATE OR DELETE ON disruption_notice
    FOR EACH ROW EXECUTE FUNCTION disruption_notice_keep();

CREATE TABLE notice_catchup (
    notice_id       bigint NOT NULL CONSTRAINT fk_notice_catchup_notice REFERENCES disruption_notice,
    business_date   date NOT NULL,
    run_id          bigint NOT NULL CONSTRAINT fk_notice_catchup_run REFERENCES recon_run,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    mpn_before      bigint NOT NULL,
    mpn_after       bigint NOT NULL,
    matched_before  bigint NOT NULL,
    matched_after   bigint NOT NULL,
    amount_before   bigint NOT NULL,
    amount_after    bigint NOT NULL,
    CONSTRAINT pk_notice_catchup PRIMARY KEY (notice_id, business_date, run_id)
);

CREATE FUNCTION notice_catchup_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.last_run_id = NEW.last_run_id THEN
        RETURN NULL;
    END IF;
    INSERT INTO notice_catchup (notice_id, business_date, run_id, mpn_before, mpn_after, matched_before,
                                matched_after, amount_before, amount_after)
    SELECT n.notice_id, NEW.business_date, NEW.last_run_id,
           CASE WHEN TG_OP = 'UPDATE' THEN OLD.mpn_count ELSE 0 END, NEW.mpn_count,
           CASE WHEN TG_OP = 'UPDATE' THEN OLD.matched_count ELSE 0 END, NEW.matched_count,
           CASE WHEN TG_OP = 'UPDATE' THEN OLD.matched_amount ELSE 0 END, NEW.matched_amount
      FROM disruption_notice n
     WHERE n.bank_code = NEW.bank_code AND n.cause = 'force_majeure' AND n.withdrawn_at IS NULL
       AND NEW.business_date BETWEEN n.first_date AND n.last_date
    ON CONFLICT ON CONSTRAINT pk_notice_catchup DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER tg_notice_catchup AFTER INSERT OR UPDATE ON recon_result
    FOR EACH ROW EXECUTE FUNCTION notice_catchup_record();

ALTER TABLE berita_acara ADD COLUMN notice_id bigint
    CONSTRAINT fk_berita_acara_notice REFERENCES disruption_notice;
COMMENT ON COLUMN berita_acara.notice_id IS
    'the disruption notice a Berita Acara citing a communication or application failure refers to';
"""


def upgrade() -> None:
    """Create the notice tables, the catch-up trigger and the Berita Acara reference."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop them; notice files logged as imports go with their kind."""
    op.execute("""
        ALTER TABLE berita_acara DROP COLUMN notice_id;
        DROP TRIGGER tg_notice_catchup ON recon_result;
        DROP FUNCTION notice_catchup_record();
        DROP TABLE notice_catchup, disruption_notice;
        DROP FUNCTION disruption_notice_keep();
        DELETE FROM import_file WHERE kind = 'notices';
        ALTER TABLE import_file DROP CONSTRAINT ck_import_kind;
        ALTER TABLE import_file ADD CONSTRAINT ck_import_kind CHECK (kind IN ('mpn', 'bank', 'statements'));
    """)
