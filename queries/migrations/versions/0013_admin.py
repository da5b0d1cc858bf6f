"""Administration in the dashboard (issue 19): temporary passwords and the banks' head-office e-mail.

- `app_user.must_change_password`: set when an admin gives a temporary password (a new account or a reset from
  the Pengguna page); the user may open nothing but Akun saya until they choose their own.
- `bank.email`: the head office's reconciliation addresses, `;`-separated (CONTRACT §6; '' when none).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the temporary-password flag and the banks' e-mail addresses."""
    op.execute("""
        ALTER TABLE app_user ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
        ALTER TABLE bank ADD COLUMN email text NOT NULL DEFAULT ''
            CONSTRAINT ck_bank_email CHECK (length(email) <= 1000);
    """)


def downgrade() -> None:
    """Drop them again."""
    op.execute("""
        ALTER TABLE bank DROP COLUMN email;
        ALTER TABLE app_user DROP COLUMN must_change_password;
    """)
