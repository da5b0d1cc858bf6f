"""Mail (issue 17 parts 3-4): an outbox of e-mail messages sent by the scheduler, and users' e-mail addresses.

- `mail_message`: one row per message, first queued, then `sending` (committed just before the SMTP DATA command),
  then `sent` when the server accepted it, or `failed` (permanently refused, out of attempts, or `uncertain`: the
  sender stopped between DATA and recording the reply, see `jobs.mail.send`). `message_id` is the RFC 5322 Message-ID,
  made once at enqueue and reused by every attempt. `dedupe_key` lets a producer enqueue idempotently.
- `mail_content`: attachment bytes, content-addressed by SHA-256 (one copy however many messages carry it).
- `mail_attachment`: a message's attachments, each a reference to `mail_content` with its file name and type.
- `app_user.email`: the user's address ('' when none).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SCHEMA = """
ALTER TABLE app_user ADD COLUMN email text NOT NULL DEFAULT '';

CREATE TABLE mail_message (
    mail_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   text COLLATE "C" NOT NULL CONSTRAINT uq_mail_message_message_id UNIQUE
                 CONSTRAINT ck_mail_message_message_id CHECK (message_id ~ '^<[^<>@ ]+@[^<>@ ]+>$'),
    kind         text COLLATE "C" NOT NULL CONSTRAINT ck_mail_message_kind CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,39}$'),
    recipients   text[] NOT NULL
                 CONSTRAINT ck_mail_message_recipients CHECK (cardinality(recipients) BETWEEN 1 AND 100),
    subject      text NOT NULL CONSTRAINT ck_mail_message_subject CHECK (subject <> '' AND length(subject) <= 300),
    body_text    text NOT NULL,
    body_html    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL DEFAULT '',
    not_before   timestamptz NOT NULL DEFAULT now(),
    sending_at   timestamptz,
    sent_at      timestamptz,
    attempts     integer NOT NULL DEFAULT 0 CONSTRAINT ck_mail_message_attempts CHECK (attempts >= 0),
    status       text NOT NULL DEFAULT 'queued'
                 CONSTRAINT ck_mail_message_status CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    uncertain    boolean NOT NULL DEFAULT false,
    last_error   text NOT NULL DEFAULT '',
    smtp_reply   text NOT NULL DEFAULT '',
    dedupe_key   text COLLATE "C" CONSTRAINT uq_mail_message_dedupe_key UNIQUE,
    CONSTRAINT ck_mail_message_sent CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
COMMENT ON COLUMN mail_message.uncertain IS
    'the sender stopped after the DATA command and before recording the reply: the server may hold the message';
CREATE INDEX ix_mail_message_due ON mail_message (not_before, mail_id) WHERE status = 'queued';
CREATE INDEX ix_mail_message_status ON mail_message (status, created_at DESC);
CREATE INDEX ix_mail_message_created ON mail_message (created_at DESC, mail_id DESC);

CREATE TABLE mail_content (
    sha256      text COLLATE "C" PRIMARY KEY CONSTRAINT ck_mail_content_sha256 CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content     bytea NOT NULL,
    size_bytes  bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mail_attachment (
    mail_id       bigint NOT NULL CONSTRAINT fk_mail_attachment_message REFERENCES mail_message ON DELETE CASCADE,
    position      integer NOT NULL,
    filename      text NOT NULL CONSTRAINT ck_mail_attachment_filename CHECK (filename <> ''),
    content_type  text NOT NULL CONSTRAINT ck_mail_attachment_type CHECK (content_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
    sha256        text COLLATE "C" NOT NULL CONSTRAINT fk_mail_attachment_content REFERENCES mail_content,
    PRIMARY KEY (mail_id, position)
);
CREATE INDEX ix_mail_attachment_content ON mail_attachment (sha256);
"""


def upgrade() -> None:
    """Create the outbox and add users' e-mail addresses."""
    op.execute(SCHEMA)


def downgrade() -> None:
    """Drop the outbox and users' e-mail addresses."""
    op.execute("""
        DROP TABLE mail_attachment;
        DROP TABLE mail_content;
        DROP TABLE mail_message;
        ALTER TABLE app_user DROP COLUMN email;
    """)
