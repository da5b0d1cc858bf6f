"""`mpn audit`: verify the audit trail's hash chain, list its recent rows."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cli.output import format_option, print_as

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from queries.accounts.audit import AuditEntry


def _engine() -> Engine:
    """The configured engine, imported lazily so `mpn --help` stays fast (as in `cli.main`)."""
    from queries.db import engine

    return engine()


@click.group("audit")
def audit_group() -> None:
    """The append-only, hash-chained audit trail."""


@audit_group.command("verify")
def verify() -> None:
    """Check the audit trail's hash chain: exit 0 when intact, 1 naming the first broken row."""
    from queries.accounts.audit import verify_chain

    with _engine().connect() as conn:
        # One snapshot for the head and the rows, so a change committed meanwhile is not taken for a break.
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        check = verify_chain(conn)
    if not check.ok:
        click.echo(f"audit trail BROKEN at row {check.broken_seq}: {check.reason}", err=True)
        sys.exit(1)
    click.echo(f"audit trail intact: {check.rows} rows, head {check.head_hash[:8]}…")


@audit_group.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="Rows to show.")
@click.option("--actor", help="Only this actor (a user name, or e.g. system:cli).")
@click.option("--action", help="Only this action code, e.g. user.add or import.file.")
@click.option("--object", "object_text", help="Only objects whose type:id contains this text.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="From this day (WIB).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Up to and including this day (WIB).")
@format_option("table", "json", default="table")
def list_entries(
    limit: int,
    actor: str | None,
    action: str | None,
    object_text: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    fmt: str,
) -> None:
    """The most recent rows of the audit trail, newest first."""
    from queries.accounts.audit import AuditFilter, audit_entries

    flt = AuditFilter(
        actor=actor,
        action=action,
        object_text=object_text,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    with _engine().connect() as conn:
        page = audit_entries(conn, flt, limit=limit)
    print_as(
        fmt,
        [_json(e) for e in page.rows],
        lambda _: [*(_line(e) for e in page.rows), f"({len(page.rows)} of {page.total} rows)"],
    )


def _when(at: datetime) -> str:
    from queries.config import timezone

    return at.astimezone(timezone()).strftime("%Y-%m-%d %H:%M:%S")


def _json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "row_hash": entry.row_hash,
    }


def _line(entry: AuditEntry) -> str:
    obj = f"{entry.object_type}:{entry.object_id}" if entry.object_type else entry.object_id
    details = " ".join(
        f"{label}={json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(',', ':'))}"
        for label, value in (("before", entry.before), ("after", entry.after))
        if value is not None
    )
    return f"{entry.seq:>7}  {_when(entry.at)}  {entry.actor:<16} {entry.action:<20} {obj:<20} {details}".rstrip()
