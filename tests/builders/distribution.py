"""A day with every distribution case, its two-level approval and delivery as the product leaves them, and the
staff (with names and NIPs) who act on it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user
from queries.distribution import prepare as dist
from queries.letters import appeals as al
from tests.builders.reconciliation import D2, WIB, Day, Row, clean, letter, ntpn, payments, reversal
from tests.builders.work import make_people

SYSTEM = Actor.system("test")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB
NAMES = {"ani": ("Ani Lestari", "199001012015022001"), "budi": ("Budi Santoso", ""), "dedi": ("Dedi Kurniawan", "")}


def named_staff(engine: Engine) -> dict[str, User]:
    """`make_people` and tina (TU); ani, budi and dedi with their full names and NIPs (`NAMES`)."""
    staff = make_people(engine)
    with engine.begin() as conn:
        staff["tina"] = add_user(conn, username="tina", role="tu", password="demo", actor=SYSTEM, policy=False)
        for user, (name, nip) in NAMES.items():
            conn.execute(
                text("UPDATE app_user SET full_name = :n, nip = :p WHERE username = :u"),
                {"n": name, "p": nip, "u": user},
            )
    return staff


def day_with_every_case(engine: Engine) -> None:
    """BRI clean (3 rows in two KPPs, one reversed payment), Mandiri without a letter, BNI whose letter differs
    from its batch, BTN with an open exception on one NTPN, POS with no batch."""
    bri = [
        Row(ntpn(1), 10_000, kpp_code="091"),
        Row(ntpn(2), 20_000, kpp_code="091"),
        Row(ntpn(3), 30_000, kpp_code="092"),
    ]
    cancelled = Row(ntpn(4), 40_000)
    Day(bri + [cancelled]).load(engine)
    payments(engine, [reversal(cancelled)])
    Day(clean(2, start=10, bank_code="008")).load(engine, letters=False)
    bni = clean(2, start=20, bank_code="009")
    Day(bni).load(engine, letters=False)
    letter(engine, "009", D2, 2, 1)
    btn = clean(3, start=30, bank_code="200")
    Day(btn).load(engine, mpn=btn, bank=btn[:2])  # the third payment is missing in the bank's batch
    payments(engine, clean(1, start=40, bank_code="POS"))
    letter(engine, "POS", D2, 1, 400_000)
    reconcile(engine, D2)


def prepared(engine: Engine, **kwargs: object) -> dist.Distribution:
    with engine.begin() as conn:
        return dist.prepare(conn, D2, actor=SYSTEM, **kwargs)  # type: ignore[arg-type]


def approved_day(engine: Engine, people: dict[str, User]) -> dist.Distribution:
    """`day_with_every_case`, prepared (KPP 091: 4 rows, Rp 640.000; 092: 1 row, Rp 30.000), asked by ani, returned
    once by budi, asked again, approved by budi and dedi."""
    day_with_every_case(engine)
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=SYSTEM)
        dist.request(conn, D2, actor=people["ani"])
        dist.reject(conn, D2, actor=people["budi"], note="cek ulang BTN")
        dist.request(conn, D2, actor=people["ani"])
        dist.approve(conn, D2, actor=people["budi"])
        dist.approve(conn, D2, actor=people["dedi"])
        [d] = dist.distributions(conn, D2)
    return d


def deliver(engine: Engine, d: dist.Distribution, *, fail: tuple[str, str] | None = None) -> None:
    """Delivery as `jobs.distribution.deliver` leaves it: one confirmed POST per batch (100-190 ms) 5 s after approval,
    confirmed 10 s after; the `fail` (target, kpp) batch tried three times (2 s each, unknown) and failed."""
    with engine.begin() as conn:
        approved_at = conn.execute(
            text("SELECT approved_at FROM distribution WHERE distribution_id = :i"), {"i": d.distribution_id}
        ).scalar_one()
        sent, done = approved_at + timedelta(seconds=5), approved_at + timedelta(seconds=10)
        batches = conn.execute(text("SELECT target, batch_id, kpp_code FROM dist_batch ORDER BY target, batch_id"))
        for n, (target, batch_id, kpp) in enumerate(batches.all()):
            failed = (target, kpp) == fail
            tries = [(2000, "unknown")] * 3 if failed else [(100 + 10 * n, "confirmed")]
            for latency, outcome in tries:
                conn.execute(
                    text("""INSERT INTO dist_attempt (target, batch_id, method, started_at, latency_ms,
                                                               outcome, run_by)
                                     VALUES (:t, :b, 'POST', :s, :l, :o, 'system:test')"""),
                    {"t": target, "b": batch_id, "s": sent, "l": latency, "o": outcome},
                )
            conn.execute(
                text("""UPDATE dist_batch SET state = :st, attempts = :n, first_sent_at = :s,
                                        confirmed_at = :c WHERE target = :t AND batch_id = :b"""),
                {
                    "st": "failed" if failed else "confirmed",
                    "n": len(tries),
                    "s": sent,
                    "c": None if failed else done,
                    "t": target,
                    "b": batch_id,
                },
            )
        conn.execute(
            text("""UPDATE distribution SET status = :s, delivered_at = :at WHERE distribution_id = :i"""),
            {"s": "delivering" if fail else "delivered", "at": None if fail else done, "i": d.distribution_id},
        )


def overdue_letter(engine: Engine, people: dict[str, User]) -> tuple[int, datetime]:
    """Mandiri (008, no statement letter) gets an appeal letter, sent today and unanswered; (its id, a moment
    when it is overdue)."""
    with engine.begin() as conn:
        [proposed] = [p for p in al.propose_drafts(conn, D2, actor=people["ani"]) if p.bank_code == "008"]
        al.initial(conn, proposed.letter_id, actor=people["budi"])
        al.sign(conn, proposed.letter_id, actor=people["dedi"])
        sent = al.send(conn, proposed.letter_id, actor=people["tina"], agenda_number="AG-1")
    assert sent.due_on is not None
    return proposed.letter_id, datetime.combine(sent.due_on + timedelta(days=1), time(10), WIB)
