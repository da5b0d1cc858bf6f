"""Who may act on letters, notices and tasks comes from the one permissions table: every command refuses a role
that does not hold its action (nothing written), and `acts_for` tells the pages, per role and state, which
buttons to show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy import Connection, Engine, text

from queries import labels, permissions
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user
from queries.letters import appeals as al
from queries.letters import notice_work, notices
from queries.letters.statement_entry import DeclaredDay, StatementRefused, acts_for, record_statement
from queries.letters.statements import statement_cell
from queries.tasks.acts import TaskRefused, decide_many, mark_handled
from queries.tasks.waiting import BULK_ACTS, BULK_OF, FILE_KINDS, Task
from queries.tasks.waiting import acts_for as task_acts
from tests.builders.reconciliation import D1, D2, Day, clean, wib

ROLES = tuple(labels.ROLES)
PDF = b"%PDF-1.4 surat\n%%EOF"


@pytest.fixture
def staff(engine: Engine) -> dict[str, User]:
    """One active account per role, named after it (`petugas-mpn` for `petugas_mpn`)."""
    with engine.begin() as conn:
        return {
            role: add_user(
                conn,
                username=role.replace("_", "-"),
                role=role,
                password="demo",
                actor=Actor.system("test"),
                policy=False,
            )
            for role in ROLES
        }


def without(action: str) -> list[str]:
    """The roles that do not hold `action`."""
    return [role for role in ROLES if role not in permissions.roles_for(action)]


def refusal(
    engine: Engine, kind: type[Exception], command: Callable[..., object], *args: object, **kwargs: object
) -> str:
    """Run `command(conn, ...)` expecting the refusal `kind`; its Indonesian message (the transaction rolls back)."""
    with pytest.raises(kind) as info, engine.begin() as conn:
        command(conn, *args, **kwargs)
    return str(getattr(info.value, "message", info.value))


def test_every_holder_list_is_a_set_of_known_roles() -> None:
    for action in [
        a
        for a in permissions.ACTIONS
        if a.startswith(("letters.", "tasks.", "page.surat", "page.pemberitahuan", "page.tugas"))
    ]:
        held = permissions.roles_for(action)
        assert held and set(held) <= set(ROLES), action


# --- appeal letters -----------------------------------------------------------------------------------------------


@pytest.fixture
def draft(engine: Engine) -> int:
    """A letter the system drafted for bank 002, whose statement letters of D1 and D2 are missing."""
    Day(clean(2, day=D1) + clean(2, start=10)).load(engine, letters=False)
    with engine.begin() as conn:
        (proposed,) = al.propose_drafts(conn, D2)
    return proposed.letter_id


def letter(engine: Engine, letter_id: int) -> al.AppealLetter:
    with engine.connect() as conn:
        return al.appeal_letter(conn, letter_id)


def test_each_appeal_act_refuses_every_role_without_its_action(
    engine: Engine, staff: dict[str, User], draft: int
) -> None:
    acts: dict[str, tuple[str, Callable[[Connection, User], object]]] = {
        "initial": ("letters.appeal_initial", lambda conn, u: al.initial(conn, draft, actor=u)),
        "sign": ("letters.appeal_sign", lambda conn, u: al.sign(conn, draft, actor=u)),
        "return": ("letters.appeal_return", lambda conn, u: al.return_letter(conn, draft, actor=u, note="Ubah")),
        "revise": (
            "letters.appeal_revise",
            lambda conn, u: al.revise(conn, draft, actor=u, dates=[D1], addressee="Direksi"),
        ),
        "send": ("letters.appeal_send", lambda conn, u: al.send(conn, draft, actor=u, agenda_number="AG-1")),
        "draft": ("letters.appeal_draft", lambda conn, u: al.propose_drafts(conn, D2, actor=u)),
    }
    before = letter(engine, draft)
    for act, (action, call) in acts.items():
        assert without(action), act  # every act is someone's, not everyone's
        for role in without(action):
            why = refusal(engine, al.LetterRefused, call, staff[role])
            assert why == (
                f"Peran Anda ({labels.ROLES[role]}) tidak berwenang untuk '{al.ACT_LABELS[act]}'; "
                f"yang berwenang: {permissions.role_titles(action)}."
            ), (act, role)
    assert letter(engine, draft) == before
    with engine.connect() as conn:
        acted = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action LIKE 'letter.%' AND action <> 'letter.draft'")
        ).scalar_one()
    assert acted == 0


def test_appeal_letter_acts_for_each_role_in_each_status(engine: Engine, staff: dict[str, User], draft: int) -> None:
    def acts(status: str) -> dict[str, list[str]]:
        found = letter(engine, draft)
        assert found.status == status
        return {role: found.acts_for(user) for role, user in staff.items() if found.acts_for(user)}

    assert acts("draft") == {"kasi": ["initial", "return", "revise"], "pelaksana": ["revise"]}
    with engine.begin() as conn:
        al.return_letter(conn, draft, actor=staff["kasi"], note="Tambahkan tanggal")
    assert acts("returned") == {"kasi": ["revise"], "pelaksana": ["revise"]}
    with engine.begin() as conn:
        al.revise(conn, draft, actor=staff["pelaksana"], dates=[D1, D2], addressee="Direksi BRI")
    assert acts("draft") == {"kasi": ["initial", "return", "revise"], "pelaksana": ["revise"]}
    with engine.begin() as conn:
        al.initial(conn, draft, actor=staff["kasi"])
    assert acts("initialled") == {"kasubdit": ["sign", "return"]}
    with engine.begin() as conn:
        al.sign(conn, draft, actor=staff["kasubdit"])
    assert acts("signed") == {"tu": ["send"]}
    with engine.begin() as conn:
        al.send(conn, draft, actor=staff["tu"], agenda_number="AG-7")
    assert acts("sent") == {}


def test_a_kasi_who_drafted_may_revise_but_never_initial_nor_return(engine: Engine, staff: dict[str, User]) -> None:
    Day(clean(2)).load(engine, letters=False)
    with engine.begin() as conn:
        (mine,) = al.propose_drafts(conn, D2, actor=staff["kasi"])
    assert letter(engine, mine.letter_id).acts_for(staff["kasi"]) == ["revise"]


# --- statement letters ----------------------------------------------------------------------------------------------


def test_recording_a_statement_letter_is_refused_to_every_role_without_the_action(
    engine: Engine, staff: dict[str, User]
) -> None:
    Day(clean(1)).load(engine, letters=False)
    action = "letters.statement_record"
    letter_ = {
        "bank_code": "002",
        "letter_number": "B.1/2026",
        "letter_date": D2,
        "received_at": wib(D2, 16),
        "signer": "Direksi",
        "days": [DeclaredDay(D2, 1, 10_000)],
        "scan_file": ("sp.pdf", PDF),
    }
    assert without(action) == ["petugas_mpn", "manajemen", "admin"]
    for role in without(action):
        why = refusal(engine, StatementRefused, record_statement, actor=staff[role], **letter_)
        assert why.startswith(f"Peran Anda ({labels.ROLES[role]}) tidak berwenang untuk mencatat surat pernyataan")
        assert acts_for(staff[role]) == frozenset()
    with engine.connect() as conn:
        missing = statement_cell(conn, "002", D2)
        assert conn.execute(text("SELECT count(*) FROM statement_scan")).scalar_one() == 0
    assert missing is not None and missing.status == "missing"
    assert acts_for(staff["tu"]) == {"record", "edit"} and acts_for(None) == frozenset()
    assert acts_for(staff["tu"], missing) == {"record"}
    with engine.begin() as conn:
        record_statement(conn, actor=staff["tu"], **letter_)
        received = statement_cell(conn, "002", D2)
    assert received is not None and received.status == "received"
    assert {role: acts_for(user, received) for role, user in staff.items() if acts_for(user, received)} == {
        role: {"edit"} for role in permissions.roles_for(action)
    }


# --- disruption notices ---------------------------------------------------------------------------------------------


def notice() -> notices.NoticeIn:
    return notices.NoticeIn(
        "008",
        "PB-01/XI/2026",
        D2,
        wib(D2, 17),
        "communication_failure",
        wib(D2, 8),
        wib(D2, 17),
        ("batch",),
        "Jaringan terputus",
    )


def test_notices_refuse_roles_without_the_action_and_say_who_may_withdraw(
    engine: Engine, staff: dict[str, User]
) -> None:
    now = wib(D2, 18)
    for role in without(notices.RECORD_ACTION):
        why = refusal(engine, notices.NoticeRefused, notice_work.record_notice, notice(), actor=staff[role], now=now)
        assert "tidak berwenang untuk mencatat surat pemberitahuan" in why
        assert notices.acts_for(staff[role]) == frozenset()
    with engine.begin() as conn:
        notice_id = notice_work.record_notice(conn, notice(), actor=staff["pelaksana"], now=now)
        active = notices.notice_by_id(conn, notice_id)
    assert active is not None
    assert {role: notices.acts_for(u, active) for role, u in staff.items() if notices.acts_for(u, active)} == {
        role: {"record", "withdraw"} for role in ("pelaksana", "kasi", "kasubdit")
    }
    for role in without(notices.WITHDRAW_ACTION):
        why = refusal(
            engine,
            notices.NoticeRefused,
            notice_work.withdraw_notice,
            notice_id,
            actor=staff[role],
            reason="Keliru",
            now=now,
        )
        assert "tidak berwenang untuk menarik surat pemberitahuan" in why
    with engine.begin() as conn:
        withdrawn = notice_work.withdraw_notice(conn, notice_id, actor=staff["kasi"], reason="Keliru", now=now)
    assert not withdrawn.active and notices.acts_for(staff["kasi"], withdrawn) == {"record"}


# --- Tugas saya -----------------------------------------------------------------------------------------------------


def task(kind: str) -> Task:
    moment = datetime(2026, 11, 20, 10, tzinfo=wib(D2, 0).tzinfo)
    return Task(kind, "1", "butir", date(2026, 11, 20), "002", "BRI", None, None, moment, None, "/", "1:x")


def test_bulk_acts_per_role_and_kind() -> None:
    made = datetime(2026, 11, 1, tzinfo=wib(D2, 0).tzinfo)
    staff = {role: User(0, role.replace("_", "-"), role, "", role, True, 0, 0, None, None, made) for role in ROLES}
    for kind, act in BULK_OF.items():
        takers = {role for role, user in staff.items() if task_acts(user, task(kind)) == [act]}
        assert takers == set(permissions.roles_for(f"tasks.{act}")), kind
    assert all(task_acts(user, task("letter_send")) == [] for user in staff.values())  # opened, never in bulk


def rejected(engine: Engine, kind: str) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                text("""
            INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status,
                                     error_count, report)
            VALUES (:kind, :name, md5(:name), 100, :at, :at, 'rejected', 1, 'baris 2: salah') RETURNING import_id"""),
                {"kind": kind, "name": f"{kind}-20261120.csv", "at": wib(D2, 16)},
            ).scalar_one()
        )


def test_bulk_acts_and_marks_refuse_every_role_without_the_action(engine: Engine, staff: dict[str, User]) -> None:
    for act in BULK_ACTS:
        for role in without(f"tasks.{act}"):
            why = refusal(engine, TaskRefused, decide_many, actor=staff[role], act=act, seen=[])
            assert f"tidak dapat melakukan '{BULK_ACTS[act]}'" in why, (act, role)
    for kind in FILE_KINDS:
        import_id = rejected(engine, kind)
        action = f"imports.handle_{kind}"
        for role in without(action):
            why = refusal(engine, TaskRefused, mark_handled, import_id, actor=staff[role])
            assert why.endswith(f"tidak menangani berkas ini; yang menangani: {permissions.role_titles(action)}.")
        with engine.begin() as conn:
            mark_handled(conn, import_id, actor=staff[permissions.roles_for(action)[0]])
    with engine.connect() as conn:
        marks = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'import.handled'")).scalar_one()
    assert marks == len(FILE_KINDS)
