"""Appeal letters (SE-127 steps 5-8): proposed drafts, paraf, signature with a unique number, sending, the
automatic answer, returns and revisions, and every refusal the maker-checker layer gives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, text

from queries.accounts.approvals import ApprovalRefused
from queries.accounts.audit import Actor, verify_chain
from queries.accounts.users import User, add_user
from queries.calendar import WorkingCalendar
from queries.letters import appeals as al
from queries.settings import set_setting
from tests.builders.reconciliation import D1, D2, D3, Day, clean, letter, wib
from tests.builders.work import make_people


@pytest.fixture
def people(engine: Engine) -> dict[str, User]:
    staff = make_people(engine)
    with engine.begin() as conn:
        staff["tina"] = add_user(
            conn, username="tina", role="tu", password="demo", actor=Actor.system("test"), policy=False
        )
        staff["sari"] = add_user(
            conn,
            username="sari",
            role="kasi",
            password="demo",
            actor=Actor.system("test"),
            policy=False,
            full_name="Sari",
            nip="198001012005012001",
        )
    return staff


@pytest.fixture
def two_days_missing(engine: Engine) -> None:
    """Bank 002 has data on D1 and D2 without statement letters; bank 008 on D2 has its letter."""
    Day(clean(2, day=D1) + clean(2, start=10)).load(engine, letters=False)
    Day(clean(1, start=20, bank_code="008")).load(engine)


def run(engine: Engine, act: Callable[..., object], *args: object, **kwargs: object) -> object:
    with engine.begin() as conn:
        return act(conn, *args, **kwargs)


def refused(engine: Engine, act: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(ApprovalRefused) as info, engine.begin() as conn:
        act(conn, *args, **kwargs)
    return info.value.message


def get(engine: Engine, letter_id: int) -> al.AppealLetter:
    with engine.connect() as conn:
        return al.appeal_letter(conn, letter_id)


def drafted(engine: Engine, day: date = D2, actor: User | None = None) -> list[al.Proposed]:
    with engine.begin() as conn:
        return al.propose_drafts(conn, day, actor=actor)


def test_system_proposes_one_draft_per_bank_listing_every_missing_date(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    proposed = drafted(engine)
    assert [(p.bank_code, p.status, p.outcome) for p in proposed] == [("002", "draft", "created")]
    letter_ = get(engine, proposed[0].letter_id)
    assert letter_.business_dates == (D1, D2)
    assert letter_.drafted_by == "sistem" and "Bank Rakyat Indonesia" in letter_.addressee
    assert letter_.acts_for(people["budi"]) == ["initial", "return", "revise"]
    assert letter_.acts_for(people["ani"]) == ["revise"]
    assert letter_.acts_for(people["maya"]) == []
    assert letter_.acts_for(people["dedi"]) == []  # the kasubdit decides after the paraf, not before
    # Again: nothing new, the same draft.
    again = drafted(engine)
    assert [(p.letter_id, p.outcome) for p in again] == [(proposed[0].letter_id, "unchanged")]


def test_a_later_missing_date_extends_the_open_draft(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    first = drafted(engine, D1)
    assert get(engine, first[0].letter_id).business_dates == (D1,)
    later = drafted(engine, D2)
    assert [(p.letter_id, p.outcome) for p in later] == [(first[0].letter_id, "extended")]
    assert get(engine, first[0].letter_id).business_dates == (D1, D2)
    with engine.connect() as conn:
        statuses = (
            conn.execute(text("SELECT status FROM approval_request WHERE kind = 'appeal_letter' ORDER BY request_id"))
            .scalars()
            .all()
        )
    assert statuses == ["lapsed", "pending"]  # the paraf is asked again for the new content


def test_full_workflow_draft_paraf_sign_send_answered(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    letter_id = drafted(engine, actor=people["ani"])[0].letter_id
    run(engine, al.initial, letter_id, actor=people["budi"])
    signed = run(engine, al.sign, letter_id, actor=people["dedi"])
    assert isinstance(signed, al.AppealLetter)
    year = al.today_local().year
    assert signed.status == "signed" and signed.letter_number == f"S-1/PJ.10/{year}"
    assert (signed.initialled_by, signed.signed_by) == ("budi", "dedi")
    assert signed.signer_name == people["dedi"].full_name or signed.signer_name == "dedi"
    sent = run(engine, al.send, letter_id, actor=people["tina"], agenda_number="AG-77")
    assert isinstance(sent, al.AppealLetter) and sent.status == "sent" and sent.sent_by == "tina"
    assert sent.due_on is not None and sent.due_on > al.today_local()
    letter(engine, "002", D1, 2, 30_000)
    with engine.begin() as conn:
        al.settle(conn, actor=Actor.system("test"))
    assert get(engine, letter_id).status == "sent"  # D2 still missing
    assert get(engine, letter_id).received_dates == (D1,)
    letter(engine, "002", D2, 2, 210_000)
    with engine.begin() as conn:
        assert al.settle(conn, actor=Actor.system("test")) == [letter_id]
    done = get(engine, letter_id)
    assert done.status == "answered" and done.answered_at == wib(D2, 16)
    with engine.connect() as conn:
        actions = (
            conn.execute(text("SELECT action FROM audit_log WHERE action LIKE 'letter.%' ORDER BY seq")).scalars().all()
        )
        assert verify_chain(conn).ok
    assert actions == ["letter.draft", "letter.initial", "letter.sign", "letter.send", "letter.answered"]


def test_numbers_follow_the_pattern_and_are_unique(engine: Engine, people: dict[str, User]) -> None:
    Day(clean(1) + clean(1, start=5, bank_code="008") + clean(1, start=9, bank_code="009")).load(engine, letters=False)
    run(engine, set_setting, "letters.number_pattern", "S-{seq}/PJ.101/{roman}/{year}", actor=Actor.system("t"))
    numbers = []
    for p in drafted(engine):
        run(engine, al.initial, p.letter_id, actor=people["budi"])
        signed = run(engine, al.sign, p.letter_id, actor=people["dedi"])
        assert isinstance(signed, al.AppealLetter)
        numbers.append(signed.letter_number)
    today = al.today_local()
    roman = al.ROMAN[today.month - 1]
    assert numbers == [f"S-{n}/PJ.101/{roman}/{today.year}" for n in (1, 2, 3)]


def test_refusals_self_approval_wrong_role_double_paraf_and_order(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    mine = drafted(engine, actor=people["sari"])[0].letter_id  # a kasi standing in as drafter
    assert "initial" not in get(engine, mine).acts_for(people["sari"])
    assert "sendiri" in refused(engine, al.initial, mine, actor=people["sari"])
    assert "tidak berwenang" in refused(engine, al.initial, mine, actor=people["ani"])
    assert "tidak berwenang" in refused(engine, al.sign, mine, actor=people["budi"])
    assert "menunggu paraf" in refused(engine, al.sign, mine, actor=people["dedi"])
    assert "tidak berwenang" in refused(engine, al.send, mine, actor=people["ani"], agenda_number="X")
    assert "return" not in get(engine, mine).acts_for(people["sari"])
    run(engine, al.initial, mine, actor=people["budi"])
    assert get(engine, mine).acts_for(people["budi"]) == []
    assert get(engine, mine).acts_for(people["dedi"]) == ["sign", "return"]
    message = refused(engine, al.initial, mine, actor=people["budi"])
    assert "sudah diparaf oleh budi" in message
    assert "tidak berwenang" in refused(engine, al.revise, mine, actor=people["tina"], dates=[D1], addressee="x")
    assert "sudah diparaf" in refused(engine, al.revise, mine, actor=people["ani"], dates=[D1], addressee="x")
    assert get(engine, mine).status == "initialled"


def test_returned_draft_is_revised_and_resubmitted(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    letter_id = drafted(engine)[0].letter_id
    assert "Catatan pengembalian wajib" in refused(engine, al.return_letter, letter_id, actor=people["budi"], note=" ")
    returned = run(engine, al.return_letter, letter_id, actor=people["budi"], note="Alamat kurang lengkap")
    assert isinstance(returned, al.AppealLetter)
    assert (returned.status, returned.returned_by, returned.returned_note) == (
        "returned",
        "budi",
        "Alamat kurang lengkap",
    )
    assert "sedang dikembalikan" in refused(engine, al.initial, letter_id, actor=people["budi"])
    assert "sudah diterima" in refused(engine, al.revise, letter_id, actor=people["ani"], dates=[D1, D3], addressee="x")
    revised = run(
        engine,
        al.revise,
        letter_id,
        actor=people["ani"],
        dates=[D2],
        addressee="Direktur Utama\nPT Bank Rakyat Indonesia (Persero) Tbk\nJakarta",
        note="Mohon segera.",
    )
    assert isinstance(revised, al.AppealLetter)
    assert (revised.status, revised.business_dates, revised.returned_note) == ("draft", (D2,), None)
    run(engine, al.initial, letter_id, actor=people["budi"])  # the drafter is now ani: budi may initial
    back = run(engine, al.return_letter, letter_id, actor=people["dedi"], note="Perbaiki hal surat")
    assert isinstance(back, al.AppealLetter) and back.status == "returned" and back.returned_by == "dedi"


def test_a_draft_whose_letters_all_arrive_before_sending_is_voided(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    letter_id = drafted(engine)[0].letter_id
    run(engine, al.initial, letter_id, actor=people["budi"])
    letter(engine, "002", D1, 2, 30_000)
    letter(engine, "002", D2, 2, 210_000)
    with engine.begin() as conn:
        al.settle(conn, actor=Actor.system("test"))
    voided = get(engine, letter_id)
    assert voided.status == "void" and "sudah diterima" in (voided.void_reason or "")
    assert "dibatalkan" in refused(engine, al.sign, letter_id, actor=people["dedi"])
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT status FROM approval_request WHERE kind = 'appeal_letter'")).scalar() == "lapsed"
        )


def test_importing_statement_letters_answers_sent_letters(
    engine: Engine, two_days_missing: None, people: dict[str, User], tmp_path: object
) -> None:
    from pathlib import Path

    from jobs.imports.ingest import import_file

    letter_id = drafted(engine, D1)[0].letter_id
    run(engine, al.initial, letter_id, actor=people["budi"])
    run(engine, al.sign, letter_id, actor=people["dedi"])
    run(engine, al.send, letter_id, actor=people["tina"], agenda_number="AG-1")
    csv = Path(str(tmp_path)) / "sp.csv"
    csv.write_text(
        "bank_code,business_date,letter_number,letter_date,received_at,declared_count,declared_amount,"
        "signer\n002,2026-11-19,B-9/2026,2026-11-20,2026-11-20T10:00:00+07:00,2,30000,Direksi\n"
    )
    import_file(engine, "statements", csv)
    assert get(engine, letter_id).status == "answered"


def test_sent_letter_unanswered_past_the_reply_days_is_escalated(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    letter_id = drafted(engine)[0].letter_id
    run(engine, al.initial, letter_id, actor=people["budi"])
    run(engine, al.sign, letter_id, actor=people["dedi"])
    today = al.today_local()
    run(engine, al.send, letter_id, actor=people["tina"], agenda_number="AG-2", sent_on=today)
    cal = WorkingCalendar()
    sent = get(engine, letter_id)
    due = today
    for _ in range(5):
        due = cal.next_after(due)
    assert sent.due_on == due
    assert not sent.overdue(due) and sent.overdue(due + timedelta(days=1))
    assert al.escalation_days_left(sent, due, cal) == 0
    with engine.connect() as conn:
        assert [a.letter_id for a in al.overdue_letters(conn, due + timedelta(days=1))] == [letter_id]
        assert al.overdue_letters(conn, due) == []
    assert "sudah dikirim pada" in refused(engine, al.send, letter_id, actor=people["tina"], agenda_number="x")


def test_sending_checks_agenda_and_dates(engine: Engine, two_days_missing: None, people: dict[str, User]) -> None:
    letter_id = drafted(engine)[0].letter_id
    run(engine, al.initial, letter_id, actor=people["budi"])
    run(engine, al.sign, letter_id, actor=people["dedi"])
    assert "Nomor agenda wajib" in refused(engine, al.send, letter_id, actor=people["tina"], agenda_number="")
    today = al.today_local()
    assert "mendahului" in refused(
        engine, al.send, letter_id, actor=people["tina"], agenda_number="A", sent_on=today - timedelta(days=1)
    )
    assert "belum terjadi" in refused(
        engine, al.send, letter_id, actor=people["tina"], agenda_number="A", sent_on=today + timedelta(days=1)
    )
    assert get(engine, letter_id).status == "signed"


def test_the_system_account_cannot_log_in_or_be_changed(engine: Engine) -> None:
    from datetime import UTC, datetime

    from queries.accounts.users import UserError, authenticate, set_password, users

    with engine.begin() as conn:
        assert authenticate(conn, "sistem", "!", now=datetime.now(UTC)).user is None
        assert "sistem" not in [u.username for u in users(conn)]
        with pytest.raises(UserError, match="product's own account"):
            set_password(conn, "sistem", "a-long-password", actor=Actor.system("test"))


def test_a_voided_letter_keeps_its_return_in_the_history(
    engine: Engine, two_days_missing: None, people: dict[str, User]
) -> None:
    from dashboard.pages.surat_himbauan.view import COLORS, timeline

    letter_id = drafted(engine)[0].letter_id
    run(engine, al.return_letter, letter_id, actor=people["budi"], note="Alamat kurang lengkap")
    run(engine, al.revise, letter_id, actor=people["ani"], dates=[D1, D2], addressee="Direktur Utama\nJakarta")
    letter(engine, "002", D1, 2, 30_000)
    letter(engine, "002", D2, 2, 210_000)
    with engine.begin() as conn:
        al.settle(conn, actor=Actor.system("test"))
    voided = get(engine, letter_id)
    assert (voided.status, voided.returned_by) == ("void", "budi") and voided.returned_at is not None
    steps = ["".join(_texts(li)) for li in timeline(voided, None).children]
    expected = ["Konsep dibuat", "Dikembalikan", "Paraf Kasi", "Tanda tangan Kasubdit", "Dikirim TU", "Dibatalkan"]
    assert len(steps) == len(expected), steps
    assert all(s[2:].startswith(e) for s, e in zip(steps, expected, strict=True)), steps
    assert "budi" in steps[1]
    assert COLORS["Dibatalkan"] not in ("light", "white")  # the badge is readable on a white card


def _texts(node: object) -> list[str]:
    """The strings of a Dash component tree, depth first."""
    if isinstance(node, str):
        return [node]
    children = getattr(node, "children", None)
    if children is None:
        return []
    return [t for child in (children if isinstance(children, list) else [children]) for t in _texts(child)]
