"""`mpn letters`: appeal letters (Surat Himbauan, SE-127 steps 5-8) from the shell, with the dashboard's role rules.

Every act is one transaction taken as the named user. A refusal (wrong role, a step taken twice, a missing note,
an unknown user or letter) prints the Indonesian reason on standard error and exits 2; nothing is written.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.output import format_option, print_rows, refusals

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from queries.accounts.users import User
    from queries.letters.appeals import AppealLetter

DAY = click.DateTime(["%Y-%m-%d"])
STATUS_CHOICES = ("draft", "returned", "initialled", "signed", "sent", "answered", "void", "open")
COLUMNS = (
    "letter_id",
    "bank_code",
    "bank_name",
    "business_dates",
    "status",
    "letter_number",
    "letter_date",
    "drafted_by",
    "initialled_by",
    "signed_by",
    "sent_by",
    "agenda_number",
    "sent_on",
    "answered_at",
    "due_on",
    "overdue",
)


def _engine() -> Engine:
    """The configured engine, imported lazily so `mpn --help` stays fast (as in `cli.main`)."""
    from queries.db import engine

    return engine()


class _BadInput(Exception):
    """Input the command refuses before any act (an unknown user or letter)."""


def _refusals() -> AbstractContextManager[None]:
    """A refused act, or an unknown user or letter, is bad input (`cli.output.refusals`)."""
    return refusals(_BadInput)


def _user(conn: Connection, name: str) -> User:
    from queries.accounts.users import user_by_name

    user = user_by_name(conn, name)
    if user is None:
        raise _BadInput(f"Pengguna {name!r} tidak dikenal.")
    return user


def _status_line(letter: AppealLetter, *, number: bool = False) -> str:
    line = f"{letter.letter_id} {letter.bank_code} {letter.status}"
    return f"{line} {letter.letter_number}" if number and letter.letter_number else line


@click.group("letters")
def letters_group() -> None:
    """Appeal letters (Surat Himbauan) to collecting agents whose statement letters are missing."""


@letters_group.command("draft")
@click.option("--date", "day", required=True, type=DAY, help="Business date YYYY-MM-DD.")
@click.option("--user", "username", help="Draft as this user (pelaksana or kasi); default the system account.")
def draft(day: datetime, username: str | None) -> None:
    """SE-127 step 5: a draft per bank whose statement letter for D (or an earlier unanswered date) is missing."""
    from queries.letters.appeals import propose_drafts

    with _refusals(), _engine().begin() as conn:
        actor = _user(conn, username) if username else None
        proposed = propose_drafts(conn, day.date(), actor=actor)
    for p in proposed:
        click.echo(f"{p.letter_id} {p.bank_code} {p.status}")


@letters_group.command("list")
@click.option("--status", type=click.Choice(STATUS_CHOICES), help="Only letters in this status (open: not done).")
@format_option("csv", "json", default="csv")
def list_letters(status: str | None, fmt: str) -> None:
    """The letters, newest first: bank, dates asked for, status, number, who did each step, reply due date."""
    from queries.letters.appeals import OPEN_STATUSES, appeal_letters, today_local

    statuses = OPEN_STATUSES if status == "open" else (status,) if status else None
    with _engine().connect() as conn:
        letters = appeal_letters(conn, statuses=statuses)
    today = today_local()
    print_rows([_row(letter, today) for letter in letters], COLUMNS, fmt)


def _row(letter: AppealLetter, today: date) -> dict[str, Any]:
    """One letter as the list prints it; its times in the configured zone (WIB), to the second."""
    from queries.config import timezone

    def local(at: datetime | None) -> datetime | None:
        return None if at is None else at.astimezone(timezone()).replace(microsecond=0)

    return {
        "letter_id": letter.letter_id,
        "bank_code": letter.bank_code,
        "bank_name": letter.bank_name,
        "business_dates": list(letter.business_dates),
        "status": letter.status,
        "letter_number": letter.letter_number,
        "letter_date": letter.letter_date,
        "drafted_by": letter.drafted_by,
        "initialled_by": letter.initialled_by,
        "signed_by": letter.signed_by,
        "sent_by": letter.sent_by,
        "agenda_number": letter.agenda_number,
        "sent_on": letter.sent_on,
        "answered_at": local(letter.answered_at),
        "due_on": letter.due_on,
        "overdue": letter.overdue(today),
    }


_USER = click.option("--user", "username", required=True, help="Act as this user (same role rules as the dashboard).")


@letters_group.command("initial")
@click.argument("letter_id", type=int)
@_USER
@click.option("--note", default="", help="A note with the paraf.")
def initial_cmd(letter_id: int, username: str, note: str) -> None:
    """SE-127 step 6: the kasi initials (paraf) the draft."""
    from queries.letters.appeals import initial

    with _refusals(), _engine().begin() as conn:
        letter = initial(conn, letter_id, actor=_user(conn, username), note=note)
    click.echo(_status_line(letter))


@letters_group.command("sign")
@click.argument("letter_id", type=int)
@_USER
@click.option("--note", default="", help="A note with the signature.")
def sign_cmd(letter_id: int, username: str, note: str) -> None:
    """SE-127 step 7: the kasubdit signs; prints the letter's new number."""
    from queries.letters.appeals import sign

    with _refusals(), _engine().begin() as conn:
        letter = sign(conn, letter_id, actor=_user(conn, username), note=note)
    click.echo(_status_line(letter, number=True))


@letters_group.command("send")
@click.argument("letter_id", type=int)
@_USER
@click.option("--agenda", default="", help="Agenda number given by TU (required).")
@click.option("--sent-on", type=DAY, help="Date sent YYYY-MM-DD (default today).")
def send_cmd(letter_id: int, username: str, agenda: str, sent_on: datetime | None) -> None:
    """SE-127 step 8: TU registers the signed letter with its agenda number and the date it was sent."""
    from queries.letters.appeals import send

    with _refusals(), _engine().begin() as conn:
        letter = send(
            conn,
            letter_id,
            actor=_user(conn, username),
            agenda_number=agenda,
            sent_on=sent_on.date() if sent_on else None,
        )
    click.echo(_status_line(letter))


@letters_group.command("return")
@click.argument("letter_id", type=int)
@_USER
@click.option("--note", default="", help="Why the letter goes back (required).")
def return_cmd(letter_id: int, username: str, note: str) -> None:
    """The kasi (before paraf) or kasubdit (before signing) returns the draft with a note."""
    from queries.letters.appeals import return_letter

    with _refusals(), _engine().begin() as conn:
        letter = return_letter(conn, letter_id, actor=_user(conn, username), note=note)
    click.echo(_status_line(letter))


@letters_group.command("pdf")
@click.argument("letter_id", type=int)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The PDF file to write.",
)
def pdf_cmd(letter_id: int, output: Path) -> None:
    """The letter as PDF (a KONSEP until it is signed)."""
    from jobs.documents.appeal_letter_pdf import letter_pdf_for

    with _refusals(), _engine().connect() as conn:
        try:
            _, content = letter_pdf_for(conn, letter_id)
        except LookupError:
            raise _BadInput(f"Surat Himbauan #{letter_id} tidak ditemukan.") from None
    output.write_bytes(content)
    click.echo(f"{output}: {len(content)} bytes")
