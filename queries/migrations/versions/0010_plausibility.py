"""Plausibility CHECK constraints (CONTRACT §2 second round, issue 14): the schema's last line of defence.

The importer and the forms apply the tighter rules of `queries.plausibility` (dates up to the import day + 7,
`received_at` not in the future). The schema holds the outer fence, the same for every row whenever it came:

- every date and timestamp that comes from a file or a form lies in [2000-01-01, 2100-01-01). Timestamps are
  fenced at the earliest instant that is 2000-01-01 somewhere (+14:00) and the last instant before 2100-01-01
  anywhere (-12:00), so a time written with any real offset is judged by its own calendar day; 'infinity',
  '-infinity', year 1 and BC values are refused;
- single-line free text (numbers, names, signers) holds no control character (U+0001–U+001F, U+007F;
  PostgreSQL text never holds U+0000) and at most 500 characters;
- multi-line free text typed into a form's text area (notes, comments, an addressee's address, a Nota
  Perbaikan's description) may hold line feeds, no other control character, and at most 500 characters.

The two partitioned tables (`mpn_record`, `bank_batch_row`, one partition per day) carry the constraints on
the parent: PostgreSQL adds them to every partition, `CREATE TABLE ... (LIKE parent INCLUDING CONSTRAINTS)`
copies them to the importer's stage (so COPY checks each row once) and ATTACH PARTITION requires them.

Existing rows that break a rule (a database written before this revision) never make the upgrade fail: each
constraint is added NOT VALID (so every new or changed row is checked from now on), then validated in a
savepoint. Where old rows break it, the constraint stays NOT VALID and the upgrade logs, per constraint, how
many rows break it and the query that lists them; after fixing them (a correction through the forms, or a
superseding letter), `ALTER TABLE <table> VALIDATE CONSTRAINT <name>` completes it. Such rows are read safely
meanwhile: `queries.db` turns an out-of-range date into NULL instead of failing the read. `mpn db upgrade`
prints the same report (the logger `alembic.runtime.migration` is shown).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Frozen here on purpose (a migration must not change when the application's code does); the same limits
# as queries.plausibility at this revision.
DATE_FENCE = "({col} >= DATE '2000-01-01' AND {col} < DATE '2100-01-01')"
TIMESTAMP_FENCE = "({col} >= TIMESTAMPTZ '2000-01-01 00:00:00+14' AND {col} < TIMESTAMPTZ '2100-01-01 00:00:00-12')"
ARRAY_FENCE = "(DATE '2000-01-01' <= ALL ({col}) AND DATE '2100-01-01' > ALL ({col}))"
TEXT_FENCE = r"({col} !~ '[\x01-\x1f\x7f]' AND char_length({col}) <= 500)"
MULTILINE_FENCE = r"({col} !~ '[\x01-\x09\x0b-\x1f\x7f]' AND char_length({col}) <= 500)"

FENCES = {"date": DATE_FENCE, "ts": TIMESTAMP_FENCE, "dates": ARRAY_FENCE, "text": TEXT_FENCE, "lines": MULTILINE_FENCE}

#: table -> ((column, kind), ...): every date, timestamp and free-text column filled from a file or a form.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "mpn_record": (("business_date", "date"), ("paid_at", "ts"), ("taxpayer_name", "text"), ("branch_code", "text")),
    "bank_batch": (("business_date", "date"), ("received_at", "ts")),
    "bank_batch_row": (("business_date", "date"), ("paid_at", "ts"), ("derived_date", "date")),
    "statement_letter": (
        ("business_date", "date"),
        ("letter_date", "date"),
        ("received_at", "ts"),
        ("letter_number", "text"),
        ("signer", "text"),
    ),
    "statement_scan": (("file_name", "text"),),
    "appeal_letter": (
        ("business_dates", "dates"),
        ("letter_date", "date"),
        ("sent_on", "date"),
        ("answered_at", "ts"),
        ("addressee", "lines"),
        ("note", "lines"),
        ("returned_note", "lines"),
        ("letter_number", "text"),
        ("signer_name", "text"),
        ("signer_nip", "text"),
        ("agenda_number", "text"),
        ("void_reason", "lines"),
    ),
    "recon_exception": (("business_date", "date"), ("other_date", "date"), ("note", "lines")),
    "exception_comment": (("body", "lines"),),
    "adjustment": (("ref_business_date", "date"), ("effective_date", "date"), ("note", "lines")),
    "berita_acara": (("number", "text"), ("note", "lines")),
    "nota_perbaikan": (
        ("number", "text"),
        ("letter_date", "date"),
        ("business_date", "date"),
        ("description", "lines"),
    ),
    "cancelled_number": (("cancelled_at", "ts"),),
    "non_working_day": (("day", "date"), ("description", "text")),
}


def constraint_name(table: str, column: str) -> str:
    """The constraint guarding one column."""
    return f"ck_{table}_{column}_plausible"


def constraints() -> list[tuple[str, str, str]]:
    """Every (table, constraint name, CHECK expression) this revision adds."""
    return [
        (table, constraint_name(table, column), FENCES[kind].format(col=column))
        for table, columns in COLUMNS.items()
        for column, kind in columns
    ]


def _validate(conn: sa.Connection, table: str, name: str, check: str) -> int:
    """Validate one constraint in a savepoint; the number of old rows that break it (0: it is valid now)."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
        return 0
    except sa.exc.IntegrityError:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE ({check}) IS FALSE").scalar_one())


def upgrade() -> None:
    """Add every constraint NOT VALID, then validate each one whose existing rows all keep it."""
    conn = op.get_bind()
    for table, name, check in constraints():
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK {check} NOT VALID")
    for table, name, check in constraints():
        broken = _validate(conn, table, name, check)
        if broken:
            log.warning(
                "%s: %d baris lama melanggar %s; batasan dibiarkan NOT VALID (baris baru tetap diperiksa)."
                " Lihat: SELECT * FROM %s WHERE (%s) IS FALSE; setelah diperbaiki:"
                " ALTER TABLE %s VALIDATE CONSTRAINT %s",
                table,
                broken,
                name,
                table,
                check,
                table,
                name,
            )


def downgrade() -> None:
    """Drop the plausibility constraints."""
    conn = op.get_bind()
    for table, name, _check in constraints():
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
