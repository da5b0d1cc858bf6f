"""The demo's appeal-letter history: letters in every state, made through the real workflow by the demo logins.

After the demo's files are in, banks whose statement letters never came are chased as the section would
have: an older round of letters sent weeks ago (one bank answers by recording its letter, the others are
overdue and flagged for escalation), and today's round of drafts at every step (waiting for paraf,
initialled, signed, returned with a note). Deterministic: no randomness, only the demo's data decide.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import Engine

from jobs.demo.history import Step
from jobs.reconciliation.run import reconcile
from queries import config
from queries.accounts.audit import Actor
from queries.accounts.users import User, user_by_name
from queries.calendar import calendar_from_db
from queries.letters import appeals as al
from queries.letters.statement_entry import DeclaredDay, record_statement
from queries.letters.statements import deadline, statement_cell
from queries.settings import current_settings, set_setting

OLD_ROUND_BACK = 8  # working days before the last demo day that the older round was drafted
OLD_ROUND_SENT = 4  # letters of the older round that went out; the other drafts wait and grow


def demo_login(engine: Engine, name: str) -> User:
    """One of the demo's logins (`mpn demo` creates them before it writes history)."""
    with engine.connect() as conn:
        user = user_by_name(conn, name)
    if user is None:
        raise RuntimeError(f"demo login {name!r} is missing")
    return user


def letters_steps(
    engine: Engine, days: tuple[date, ...], actor: Actor, now: datetime, never: frozenset[str] = frozenset()
) -> list[Step]:
    """Draft, initial, sign, send and answer appeal letters over the demo's `days`, each step at its moment.

    The older round is drafted an hour after its statement letters were due and goes out that day; today's round
    chases the last day whose letters were due before `now` (never a letter not yet due). Letters to the banks in
    `never` (whose statement letter never comes) are taken further first: a late letter arriving afterwards would
    settle the others by itself.
    """
    if len(days) <= OLD_ROUND_BACK + 2:
        return []
    pelaksana, kasi, kasubdit, tu = (demo_login(engine, n) for n in ("pelaksana", "kasi", "kasubdit", "tu"))
    with engine.connect() as conn:
        calendar = calendar_from_db(conn)
        settings = current_settings(conn)
    old_day = days[-1 - OLD_ROUND_BACK]
    base = deadline(old_day, settings, calendar) + timedelta(hours=1)
    sign_day = base.astimezone(config.timezone()).date()
    old_round: list[al.Proposed] = []

    def setup() -> None:
        with engine.begin() as conn:
            set_setting(conn, "letters.signer_name", kasubdit.full_name, actor=actor)
            set_setting(conn, "letters.signer_nip", kasubdit.nip, actor=actor)
            old_round.extend(_chased_first(al.propose_drafts(conn, old_day, actor=pelaksana), never))

    def send(n: int) -> None:
        if n >= len(old_round):
            return
        letter_id = old_round[n].letter_id
        with engine.begin() as conn:
            al.initial(conn, letter_id, actor=kasi)
            al.sign(conn, letter_id, actor=kasubdit, today=sign_day)
            al.send(conn, letter_id, actor=tu, agenda_number=f"AG-{sign_day:%m%d}-{n + 1:03d}", today=sign_day)

    answer_day = calendar.next_after(calendar.next_after(sign_day))
    answered = datetime.combine(answer_day, time(10), config.timezone())
    steps = [Step(base, 2, "appeal letters: older round drafted", setup)]
    steps += [
        Step(base + timedelta(hours=1, minutes=10 * n), 2, "appeal letter sent", partial(send, n))
        for n in range(OLD_ROUND_SENT)
    ]

    def answer() -> None:
        if old_round:
            _answer(engine, old_round[0].letter_id, pelaksana, answered, actor)

    steps.append(Step(answered, 2, "appeal letter answered", answer))
    due_days = [d for d in days if deadline(d, settings, calendar) + timedelta(hours=1) <= now]
    if due_days:
        steps += _new_round(engine, due_days[-1], deadline(due_days[-1], settings, calendar), kasi, kasubdit, never)
    return steps


def _chased_first(proposed: list[al.Proposed], never: frozenset[str]) -> list[al.Proposed]:
    return sorted(proposed, key=lambda p: p.bank_code not in never)


def _new_round(
    engine: Engine, day: date, due: datetime, kasi: User, kasubdit: User, never: frozenset[str]
) -> list[Step]:
    """The system's drafts for `day` an hour after its letters were due, taken to every step in the morning."""
    proposed: list[al.Proposed] = []

    def propose() -> None:
        with engine.begin() as conn:
            proposed.extend(_chased_first(al.propose_drafts(conn, day), never))  # proposed by the system

    def act(n: int, step: str) -> None:
        if n >= len(proposed):
            return
        with engine.begin() as conn:
            if step == "returned":
                al.return_letter(
                    conn,
                    proposed[n].letter_id,
                    actor=kasi,
                    note="Mohon alamat kantor pusat dilengkapi sebelum diparaf.",
                )
                return
            al.initial(conn, proposed[n].letter_id, actor=kasi)
            if step == "signed":
                al.sign(conn, proposed[n].letter_id, actor=kasubdit, today=due.date())

    at = due + timedelta(hours=1)
    return [Step(at, 2, "appeal letters: system drafts", propose)] + [
        Step(at + timedelta(minutes=30 * (n + 1)), 2, f"appeal letter {step}", partial(act, n, step))
        for n, step in enumerate(("initialled", "signed", "returned"))
    ]


def letter_counts(engine: Engine) -> dict[str, int]:
    """Appeal letters per status."""
    with engine.connect() as conn:
        counts: dict[str, int] = {}
        for letter in al.appeal_letters(conn):
            counts[letter.status] = counts.get(letter.status, 0) + 1
    return counts


def _answer(engine: Engine, letter_id: int, pelaksana: User, received: datetime, actor: Actor) -> None:
    """Record the statement letters an appeal letter asked for, as received at `received`, and reconcile
    those dates again (their `missing_statement` exceptions close by themselves)."""
    with engine.connect() as conn:
        letter = al.appeal_letter(conn, letter_id)
        cells = [statement_cell(conn, letter.bank_code, d) for d in letter.business_dates]
    declared = [
        DeclaredDay(
            c.business_date,
            c.batch_count if c.batch_count is not None else c.mpn_count,
            c.batch_amount if c.batch_amount is not None else c.mpn_amount,
        )
        for c in cells
        if c is not None
    ]
    day = received.date()
    with engine.begin() as conn:
        record_statement(
            conn,
            bank_code=letter.bank_code,
            days=declared,
            letter_number=f"SP-{letter_id:04d}/DIR",
            letter_date=day,
            received_at=received,
            signer="Direktur Operasional",
            actor=pelaksana,
        )
    for d in sorted({c.business_date for c in cells if c is not None}):
        reconcile(engine, d, actor=actor, as_of=received)
