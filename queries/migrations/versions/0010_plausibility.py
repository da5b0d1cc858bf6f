"""Plausibility CHECK constraints (CONTRACT §2, issue 14): the schema's last line of defence.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the plausibility constraints (work in progress)."""


def downgrade() -> None:
    """Drop the plausibility constraints."""
