"""Users and roles, the maker-checker tables, and the append-only, hash-chained audit trail.

The rules that must hold even when two people click at the same moment live here, in the database:
one decision per approval step (primary key), never by the maker (CHECK on a copied maker column),
one act per person per request (unique), the step's role and order (trigger, under the request's row
lock). The audit trail refuses UPDATE, DELETE and TRUNCATE, and each row's hash covers the previous
row's hash; its position (`seq`) and chain head are assigned under one row lock, so the chain follows
commit order and has no gaps.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROLES = "('kasubdit', 'kasi', 'pelaksana', 'petugas_mpn', 'tu', 'manajemen', 'admin')"
ROLE_ARRAY = "ARRAY[" + ROLES.strip("()") + "]"

SCHEMA = f"""
CREATE TABLE app_user (
    user_id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text COLLATE "C" NOT NULL CONSTRAINT uq_app_user_username UNIQUE
                  CONSTRAINT ck_app_user_username CHECK (username ~ '^[a-z0-9][a-z0-9._-]{{1,31}}$'),
    full_name     text NOT NULL DEFAULT '',
    nip           text COLLATE "C" NOT NULL DEFAULT '',
    role          text NOT NULL CONSTRAINT ck_app_user_role CHECK (role IN {ROLES}),
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    session_epoch integer NOT NULL DEFAULT 0,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN app_user.session_epoch IS
    'bumped when the user is disabled, changes role or password: sessions signed with an older epoch end';

CREATE TABLE approval_request (
    request_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text COLLATE "C" NOT NULL,
    object_key    text COLLATE "C" NOT NULL,
    steps         text[] NOT NULL
                  CONSTRAINT ck_approval_request_steps CHECK (cardinality(steps) BETWEEN 1 AND 5
                                                              AND steps <@ {ROLE_ARRAY}),
    made_by       integer NOT NULL CONSTRAINT fk_approval_request_maker REFERENCES app_user,
    maker_role    text NOT NULL,
    made_at       timestamptz NOT NULL DEFAULT now(),
    content_hash  text NOT NULL DEFAULT '',
    summary       jsonb NOT NULL DEFAULT '{{}}',
    note          text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'pending'
                  CONSTRAINT ck_approval_request_status
                  CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'lapsed')),
    closed_at     timestamptz,
    CONSTRAINT uq_approval_request_maker UNIQUE (request_id, made_by)
);
CREATE UNIQUE INDEX uq_approval_request_pending ON approval_request (kind, object_key) WHERE status = 'pending';
CREATE INDEX ix_approval_request_object ON approval_request (kind, object_key, request_id);

CREATE TABLE approval_decision (
    request_id    bigint NOT NULL,
    step          smallint NOT NULL CONSTRAINT ck_approval_decision_step CHECK (step >= 1),
    made_by       integer NOT NULL,
    decided_by    integer NOT NULL CONSTRAINT fk_approval_decision_user REFERENCES app_user,
    decided_role  text NOT NULL,
    decision      text NOT NULL CONSTRAINT ck_approval_decision_decision CHECK (decision IN ('approved', 'rejected')),
    note          text NOT NULL DEFAULT '',
    decided_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_approval_decision PRIMARY KEY (request_id, step),
    CONSTRAINT uq_approval_decision_user UNIQUE (request_id, decided_by),
    CONSTRAINT fk_approval_decision_request FOREIGN KEY (request_id, made_by)
        REFERENCES approval_request (request_id, made_by),
    CONSTRAINT ck_approval_decision_not_maker CHECK (decided_by <> made_by)
);

-- A decision must be for a pending request, by the step's role, after every earlier step was approved.
CREATE FUNCTION approval_decision_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    req approval_request;
    actor_role text;
    done integer;
BEGIN
    SELECT * INTO req FROM approval_request WHERE request_id = NEW.request_id FOR UPDATE;
    IF req.status <> 'pending' THEN
        RAISE EXCEPTION 'approval request % is %, not pending', NEW.request_id, req.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.step > cardinality(req.steps) OR req.steps[NEW.step] <> NEW.decided_role THEN
        RAISE EXCEPTION 'step % of approval request % is not for role %', NEW.step, NEW.request_id,
            NEW.decided_role USING ERRCODE = 'check_violation';
    END IF;
    SELECT role INTO actor_role FROM app_user WHERE user_id = NEW.decided_by AND active FOR SHARE;
    IF actor_role IS DISTINCT FROM NEW.decided_role THEN
        RAISE EXCEPTION 'user % does not hold role %', NEW.decided_by, NEW.decided_role
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT count(*) INTO done FROM approval_decision
     WHERE request_id = NEW.request_id AND step < NEW.step AND decision = 'approved';
    IF done <> NEW.step - 1 THEN
        RAISE EXCEPTION 'step % of approval request % comes before its earlier steps', NEW.step,
            NEW.request_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_approval_decision_check BEFORE INSERT ON approval_decision
    FOR EACH ROW EXECUTE FUNCTION approval_decision_check();

-- Decisions are never changed or removed; a request changes only its status, once it is closed
-- (approved may still lapse when the content it covered changes).
CREATE FUNCTION approval_decision_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'approval decisions are final: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER tg_approval_decision_final BEFORE UPDATE OR DELETE ON approval_decision
    FOR EACH ROW EXECUTE FUNCTION approval_decision_refuse();

CREATE FUNCTION approval_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'approval requests are kept: DELETE refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.request_id, NEW.kind, NEW.object_key, NEW.steps, NEW.made_by, NEW.maker_role, NEW.made_at,
        NEW.content_hash, NEW.summary, NEW.note)
       IS DISTINCT FROM
       (OLD.request_id, OLD.kind, OLD.object_key, OLD.steps, OLD.made_by, OLD.maker_role, OLD.made_at,
        OLD.content_hash, OLD.summary, OLD.note) THEN
        RAISE EXCEPTION 'approval request %: only its status may change', OLD.request_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status
       AND NOT (OLD.status = 'pending' OR (OLD.status = 'approved' AND NEW.status = 'lapsed')) THEN
        RAISE EXCEPTION 'approval request % is %: it cannot become %', OLD.request_id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_approval_request_guard BEFORE UPDATE OR DELETE ON approval_request
    FOR EACH ROW EXECUTE FUNCTION approval_request_guard();

CREATE TABLE audit_head (
    one        boolean PRIMARY KEY DEFAULT true CONSTRAINT ck_audit_head_one CHECK (one),
    seq        bigint NOT NULL,
    row_hash   text NOT NULL
);
INSERT INTO audit_head VALUES (true, 0, repeat('0', 64));

CREATE TABLE audit_log (
    seq          bigint PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text COLLATE "C" NOT NULL,
    actor_role   text NOT NULL DEFAULT '',
    action       text COLLATE "C" NOT NULL,
    object_type  text COLLATE "C" NOT NULL DEFAULT '',
    object_id    text COLLATE "C" NOT NULL DEFAULT '',
    before       jsonb,
    after        jsonb,
    prev_hash    text NOT NULL,
    row_hash     text NOT NULL
);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_audit_log_actor ON audit_log (actor, seq);
CREATE INDEX ix_audit_log_action ON audit_log (action, seq);
CREATE INDEX ix_audit_log_object ON audit_log (object_type, object_id, seq);

-- The hash of one row: every column but the hash itself, separated by the unit separator (0x1f).
-- jsonb prints its keys in a canonical order, so the text form is stable.
CREATE FUNCTION audit_row_hash(r audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31),
        r.seq::text,
        to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        r.actor, r.actor_role, r.action, r.object_type, r.object_id,
        coalesce(r.before::text, '-'), coalesce(r.after::text, '-'),
        r.prev_hash), 'UTF8')), 'hex')
$$;

-- Position, time and chain link are assigned here, under the head row's lock (held to commit).
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head audit_head;
BEGIN
    UPDATE audit_head SET seq = seq + 1 WHERE one RETURNING * INTO head;
    NEW.seq := head.seq;
    NEW.at := clock_timestamp();
    NEW.prev_hash := head.row_hash;  -- RETURNING shows the head before its hash moves on
    NEW.row_hash := audit_row_hash(NEW);
    UPDATE audit_head SET row_hash = NEW.row_hash WHERE one;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER tg_audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER tg_audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
"""

DROP = """
DROP TABLE IF EXISTS audit_log, audit_head, approval_decision, approval_request, app_user CASCADE;
DROP FUNCTION IF EXISTS audit_log_refuse(), audit_log_chain(), audit_row_hash(audit_log), approval_decision_check(),
    approval_decision_refuse(), approval_request_guard();
"""


def upgrade() -> None:
    """Create the users, approval and audit tables with their guarding triggers."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop them (the audit trail with them: only for development databases)."""
    op.execute(DROP)
