"""The demo's appeal-letter history: letters in every state, made through the real workflow by the demo logins.

After the demo's files are in, banks whose statement letters never came are chased as the section would
have: an older round of letters sent weeks ago (one bank answers by recording its letter, the others are
overdue and flagged for escalation), and today's round of drafts at every step (waiting for paraf,
initialled, signed, returned with a note). Deterministic: no randomness, only the demo's data decide.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Engine

from jobs.reconcile import reconcile
from jobs.workdays import calendar_from_db
from queries import appeal_letters as al
from queries import config
from queries.audit import Actor
from queries.settings import set_setting
from queries.statement_entry import DeclaredDay, record_statement
from queries.statements import statement_cell
from queries.users import User, user_by_name

OLD_ROUND_BACK = 8  # working days before the last demo day that the older round was drafted
OLD_ROUND_SENT = 4  # letters of the older round that went out; the other drafts wait and grow


def demo_login(engine: Engine, name: str) -> User:
    """One of the demo's logins (`mpn demo` creates them before it writes history)."""
    with engine.connect() as conn:
        user = user_by_name(conn, name)
    if user is None:
        raise RuntimeError(f"demo login {name!r} is missing")
    return user


def letters_history(engine: Engine, days: tuple[date, ...], actor: Actor) -> dict[str, int]:
    """Draft, initial, sign, send and answer appeal letters over the demo's `days`; returns counts per status."""
    if len(days) <= OLD_ROUND_BACK + 2:
        return {}
    pelaksana, kasi, kasubdit, tu = (demo_login(engine, n) for n in ("pelaksana", "kasi", "kasubdit", "tu"))
    with engine.begin() as conn:
        set_setting(conn, "letters.signer_name", kasubdit.full_name, actor=actor)
        set_setting(conn, "letters.signer_nip", kasubdit.nip, actor=actor)
        calendar = calendar_from_db(conn)
    old_day = days[-1 - OLD_ROUND_BACK]
    sign_day = calendar.next_after(old_day)
    with engine.begin() as conn:
        old_round = al.propose_drafts(conn, old_day, actor=pelaksana)
    for n, proposed in enumerate(old_round[:OLD_ROUND_SENT]):
        with engine.begin() as conn:
            al.initial(conn, proposed.letter_id, actor=kasi)
            al.sign(conn, proposed.letter_id, actor=kasubdit, today=sign_day)
            al.send(conn, proposed.letter_id, actor=tu, agenda_number=f"AG-{sign_day:%m%d}-{n + 1:03d}",
                    today=sign_day)
    if old_round:  # the first bank answers a few days later, by a letter the pelaksana records
        _answer(engine, old_round[0].letter_id, pelaksana, calendar.next_after(calendar.next_after(sign_day)),
                actor)
    with engine.begin() as conn:
        new_round = al.propose_drafts(conn, days[-1])  # proposed by the system
    steps = ("initialled", "signed", "returned")
    for proposed, step in zip(new_round, steps, strict=False):
        with engine.begin() as conn:
            if step == "returned":
                al.return_letter(conn, proposed.letter_id, actor=kasi,
                                 note="Mohon alamat kantor pusat dilengkapi sebelum diparaf.")
                continue
            al.initial(conn, proposed.letter_id, actor=kasi)
            if step == "signed":
                al.sign(conn, proposed.letter_id, actor=kasubdit)
    with engine.connect() as conn:
        counts: dict[str, int] = {}
        for letter in al.appeal_letters(conn):
            counts[letter.status] = counts.get(letter.status, 0) + 1
    return counts


def _answer(engine: Engine, letter_id: int, pelaksana: User, day: date, actor: Actor) -> None:
    """Record the statement letters an appeal letter asked for, as received on `day` at 10:00, and reconcile
    those dates again (their `missing_statement` exceptions close by themselves)."""
    with engine.connect() as conn:
        letter = al.appeal_letter(conn, letter_id)
        cells = [statement_cell(conn, letter.bank_code, d) for d in letter.business_dates]
    declared = [DeclaredDay(c.business_date, c.batch_count if c.batch_count is not None else c.mpn_count,
                            c.batch_amount if c.batch_amount is not None else c.mpn_amount)
                for c in cells if c is not None]
    received = datetime.combine(day, time(10), config.timezone())
    with engine.begin() as conn:
        record_statement(conn, bank_code=letter.bank_code, days=declared, letter_number=f"SP-{letter_id:04d}/DIR",
                         letter_date=day, received_at=min(received, datetime.now(received.tzinfo)),
                         signer="Direktur Operasional", actor=pelaksana)
    for d in sorted({c.business_date for c in cells if c is not None}):
        reconcile(engine, d, actor=actor, as_of=received)

