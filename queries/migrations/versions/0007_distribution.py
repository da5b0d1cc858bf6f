"""Distribution to SIDJP and SIPMOD (SE-127 steps 9-19): prepared rounds, their rows, batches, attempts, holds.

- `distribution`: one round of one business date. Round 1 is the day's first distribution; a later round
  carries rows released since (a statement letter arrived, an exception was resolved, late data). A round is
  `prepared` (editable: preparing again replaces its rows), then frozen once approved.
- `dist_item`: the rows of a round, one per NTPN, with the KPP and chunk (batch) they go in. An NTPN is in at
  most one live round (unique index), so nothing is ever distributed twice across rounds.
- `dist_held`: what could not go, per bank and reason, with counts and amounts.
- `dist_batch`: one batch per target, KPP and chunk, with its state (`prepared -> approved -> sending ->
  confirmed | failed`), the hash of its sorted NTPNs and the target's receipt.
- `dist_attempt`: every delivery attempt (POST or settling GET) with its outcome, HTTP status and latency.
- `dist_report`: the end-of-distribution reports (PDF, XLSX) as they were made, kept on file.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE distribution (
    distribution_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date   date NOT NULL,
    round           integer NOT NULL CONSTRAINT ck_distribution_round CHECK (round >= 1),
    status          text NOT NULL CONSTRAINT ck_distribution_status
                    CHECK (status IN ('prepared', 'approved', 'delivering', 'delivered', 'discarded')),
    prepared_at     timestamptz NOT NULL DEFAULT now(),
    prepared_by     text NOT NULL,
    row_count       bigint NOT NULL DEFAULT 0,
    amount          bigint NOT NULL DEFAULT 0,
    batch_count     integer NOT NULL DEFAULT 0,
    held_count      bigint NOT NULL DEFAULT 0,
    held_amount     bigint NOT NULL DEFAULT 0,
    content_hash    text NOT NULL DEFAULT '',
    approved_at     timestamptz,
    delivered_at    timestamptz,
    held_checked_at timestamptz,  -- when the scheduler last looked whether held rows were released
    CONSTRAINT uq_distribution_round UNIQUE (business_date, round)
);
-- One round of a date open for preparing at a time.
CREATE UNIQUE INDEX uq_distribution_open ON distribution (business_date) WHERE status = 'prepared';

CREATE TABLE dist_item (
    distribution_id bigint NOT NULL CONSTRAINT fk_dist_item_distribution REFERENCES distribution ON DELETE CASCADE,
    ntpn            text COLLATE "C" NOT NULL,
    business_date   date NOT NULL,
    kpp_code        text COLLATE "C" NOT NULL,
    chunk           integer NOT NULL,
    bank_code       text COLLATE "C" NOT NULL,
    amount          bigint NOT NULL,
    import_id       bigint NOT NULL,  -- with `line`: the MPN record that goes (one of an NTPN's duplicates)
    line            integer NOT NULL,
    CONSTRAINT pk_dist_item PRIMARY KEY (distribution_id, kpp_code, chunk, ntpn)
);
-- An NTPN goes out in one round only (a discarded round's rows are deleted with it).
CREATE UNIQUE INDEX uq_dist_item_ntpn ON dist_item (business_date, ntpn);

CREATE TABLE dist_held (
    distribution_id bigint NOT NULL CONSTRAINT fk_dist_held_distribution REFERENCES distribution ON DELETE CASCADE,
    bank_code       text COLLATE "C" NOT NULL,
    reason          text NOT NULL CONSTRAINT ck_dist_held_reason
                    CHECK (reason IN ('no_statement', 'statement_mismatch', 'no_batch', 'not_reconciled',
                                      'open_exception')),
    row_count       bigint NOT NULL,
    amount          bigint NOT NULL,
    CONSTRAINT pk_dist_held PRIMARY KEY (distribution_id, bank_code, reason)
);

CREATE TABLE dist_batch (
    target          text NOT NULL CONSTRAINT ck_dist_batch_target CHECK (target IN ('sidjp', 'sipmod')),
    batch_id        text COLLATE "C" NOT NULL,
    distribution_id bigint NOT NULL CONSTRAINT fk_dist_batch_distribution REFERENCES distribution ON DELETE CASCADE,
    kpp_code        text COLLATE "C" NOT NULL,
    chunk           integer NOT NULL,
    row_count       integer NOT NULL,
    amount          bigint NOT NULL,
    ntpn_sha256     text NOT NULL,
    state           text NOT NULL DEFAULT 'prepared' CONSTRAINT ck_dist_batch_state
                    CHECK (state IN ('prepared', 'approved', 'sending', 'confirmed', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    first_sent_at   timestamptz,
    confirmed_at    timestamptz,
    receipt         jsonb,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_dist_batch PRIMARY KEY (target, batch_id)
);
CREATE INDEX ix_dist_batch_distribution ON dist_batch (distribution_id, target, state);

CREATE TABLE dist_attempt (
    attempt_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target       text NOT NULL,
    batch_id     text COLLATE "C" NOT NULL,
    method       text NOT NULL CONSTRAINT ck_dist_attempt_method CHECK (method IN ('POST', 'GET')),
    started_at   timestamptz NOT NULL,
    latency_ms   integer NOT NULL,
    http_status  integer,
    outcome      text NOT NULL CONSTRAINT ck_dist_attempt_outcome
                 CHECK (outcome IN ('confirmed', 'not_stored', 'unknown', 'rejected', 'mismatch')),
    error        text,
    run_by       text NOT NULL,
    CONSTRAINT fk_dist_attempt_batch FOREIGN KEY (target, batch_id) REFERENCES dist_batch ON DELETE CASCADE
);
CREATE INDEX ix_dist_attempt_batch ON dist_attempt (target, batch_id, attempt_id);

-- SE-127 step 18: each report made at the end of a distribution is kept as made.
CREATE TABLE dist_report (
    report_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date date NOT NULL,
    format        text NOT NULL CONSTRAINT ck_dist_report_format CHECK (format IN ('pdf', 'xlsx')),
    file_name     text NOT NULL,
    sha256        text NOT NULL,
    content       bytea NOT NULL,
    made_by       text NOT NULL,
    made_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_dist_report_date ON dist_report (business_date, report_id DESC);
"""


def upgrade() -> None:
    """Create the distribution tables."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop what `upgrade` created."""
    op.execute("DROP TABLE dist_report, dist_attempt, dist_batch, dist_held, dist_item, distribution")
