"""The scheduler: instances and their heartbeats, pause state per job, run-now requests, the run history.

Schedules themselves are defined in code (`jobs/scheduling/definitions.py`): only what people change at run time lives
here, so a new release brings its schedules with it and nothing is ever pickled. Exactly one instance runs
jobs: it holds a PostgreSQL advisory lock on its own connection (`queries.scheduling.store.LEADER_LOCK`).

- `scheduler_instance`: every `mpn scheduler` process, its heartbeat and whether it leads.
- `scheduler_job`: a job's pause state (a row exists once someone paused or resumed it).
- `job_request`: "run now" asked from the page or the command line, picked up by the leader.
- `job_run`: one row per run (scheduled, manual or skipped), with its outcome; a run left `running` by a
  process that died is marked `failed` by the next leader.
- `bank.timezone`: the zone of a collecting agent's head office, where its daily cut-off is read.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE bank ADD COLUMN timezone text NOT NULL DEFAULT 'Asia/Jakarta'
    CONSTRAINT ck_bank_timezone CHECK (timezone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'));

CREATE TABLE scheduler_instance (
    instance_id  text COLLATE "C" PRIMARY KEY,
    host         text NOT NULL,
    pid          integer NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    is_leader    boolean NOT NULL DEFAULT false,
    led_since    timestamptz,
    stopped_at   timestamptz
);

CREATE TABLE scheduler_job (
    job_id     text COLLATE "C" PRIMARY KEY,
    paused     boolean NOT NULL DEFAULT false,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE job_run (
    run_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id         text COLLATE "C" NOT NULL,
    trigger        text NOT NULL CONSTRAINT ck_job_run_trigger CHECK (trigger IN ('schedule', 'manual')),
    scheduled_for  timestamptz NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at    timestamptz,
    status         text NOT NULL CONSTRAINT ck_job_run_status
                   CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    rows_processed bigint NOT NULL DEFAULT 0,
    message        text NOT NULL DEFAULT '',
    error          text,
    attempt        integer NOT NULL DEFAULT 1,
    instance_id    text COLLATE "C" NOT NULL,
    requested_by   text,
    CONSTRAINT ck_job_run_finished CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX ix_job_run_job ON job_run (job_id, started_at DESC);
CREATE INDEX ix_job_run_started ON job_run (started_at DESC);
CREATE INDEX ix_job_run_running ON job_run (instance_id) WHERE status = 'running';
-- At most one run of a job at a time, whichever instance runs it.
CREATE UNIQUE INDEX uq_job_run_one_running ON job_run (job_id) WHERE status = 'running';

CREATE TABLE job_request (
    request_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id       text COLLATE "C" NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    picked_at    timestamptz,
    run_id       bigint CONSTRAINT fk_job_request_run REFERENCES job_run
);
CREATE INDEX ix_job_request_open ON job_request (requested_at) WHERE picked_at IS NULL;
"""


def upgrade() -> None:
    """Create the scheduler's tables and the banks' time zone."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop what `upgrade` created."""
    op.execute("DROP TABLE job_request, job_run, scheduler_job, scheduler_instance")
    op.execute("ALTER TABLE bank DROP COLUMN timezone")
