"""Server-side sessions and login throttling (issue 14, parts 5 and 6).

- `user_session`: one row per login. The cookie carries a random token; the table keeps only its SHA-256
  (`token_hash`), so a copy of the table opens no session. A session is valid while it is not ended
  (`ended_at`: logout), not expired (`expires_at`, 10 hours after login) and its account's `session_epoch`
  still equals the one it was opened with (disabling a user, a role or password change end it).
- `login_throttle`: failed-login counters per client address and per account name in fixed windows, shared
  by every web worker; one UPSERT per attempt counts it and answers whether the limit is reached. The
  attempt that first goes over the limit writes the flood's one audit row for that window.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE user_session (
    token_hash  text COLLATE "C" PRIMARY KEY CONSTRAINT ck_user_session_hash CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id     integer NOT NULL CONSTRAINT fk_user_session_user REFERENCES app_user ON DELETE CASCADE,
    epoch       integer NOT NULL,
    source      text NOT NULL DEFAULT '' CONSTRAINT ck_user_session_source CHECK (length(source) <= 64),
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    end_reason  text,
    CONSTRAINT ck_user_session_expiry CHECK (expires_at > created_at),
    CONSTRAINT ck_user_session_end CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX ix_user_session_user ON user_session (user_id, expires_at);
COMMENT ON TABLE user_session IS
    'one row per login; the cookie holds a random token, this table its sha256; logout sets ended_at';

CREATE TABLE login_throttle (
    kind         text NOT NULL CONSTRAINT ck_login_throttle_kind CHECK (kind IN ('address', 'account')),
    key          text COLLATE "C" NOT NULL CONSTRAINT ck_login_throttle_key CHECK (length(key) <= 128),
    window_start timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key, window_start)
);
CREATE INDEX ix_login_throttle_window ON login_throttle (window_start);
COMMENT ON TABLE login_throttle IS
    'failed and refused login attempts per client address and per account name in fixed windows';
"""


def upgrade() -> None:
    """Create the session and throttle tables."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop them (every session ends: users log in again)."""
    op.execute("DROP TABLE login_throttle; DROP TABLE user_session;")
