"""`queries.accounts.approvals` on a real PostgreSQL: maker-checker rules, also when two approvers click at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from queries.accounts import approvals
from queries.accounts.approvals import (
    Approval,
    ApprovalRefused,
    approval,
    approve,
    lapse,
    latest_for_object,
    pending_for_role,
    reject,
    request_approval,
    withdraw,
)
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user, set_active

SYSTEM = Actor.system("test")
KIND = "distribution"
DAY = "2026-11-23"
CHAIN = ("kasi", "kasubdit")
PEOPLE = {"ani": "pelaksana", "budi": "kasi", "cici": "kasi", "fajar": "kasi", "dedi": "kasubdit", "eka": "tu"}


@pytest.fixture
def people(engine: Engine) -> dict[str, User]:
    with engine.begin() as conn:
        return {
            name: add_user(conn, username=name, role=role, password="demo", actor=SYSTEM, policy=False)
            for name, role in PEOPLE.items()
        }


def ask(
    engine: Engine,
    maker: User,
    *,
    key: str = DAY,
    steps: tuple[str, ...] = CHAIN,
    content_hash: str = "h1",
    note: str = "",
) -> Approval:
    with engine.begin() as conn:
        return request_approval(
            conn,
            kind=KIND,
            object_key=key,
            steps=steps,
            actor=maker,
            content_hash=content_hash,
            summary={"files": 12, "amount": 1_500_000},
            note=note,
        )


def refused(engine: Engine, act: Callable[..., object], *args: object, **kwargs: object) -> str:
    """Run `act(conn, ...)` expecting a refusal; the message it gave."""
    with engine.begin() as conn, pytest.raises(ApprovalRefused) as info:
        act(conn, *args, **kwargs)
    return info.value.message


def decision_count(engine: Engine, request_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM approval_decision WHERE request_id = :r"), {"r": request_id}
        ).scalar_one()


def test_two_step_chain_ends_approved_after_kasi_then_kasubdit(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"])
    assert (made.status, made.next_role, made.made_by, made.maker_role) == ("pending", "kasi", "ani", "pelaksana")
    assert made.summary == {"files": 12, "amount": 1_500_000}
    with engine.begin() as conn:
        first = approve(conn, made.request_id, actor=people["budi"], note="paraf", content_hash="h1")
    assert (first.status, first.approved_steps, first.next_role) == ("pending", (1,), "kasubdit")
    with engine.begin() as conn:
        done = approve(conn, made.request_id, actor=people["dedi"])
    assert (done.status, done.approved_steps, done.next_role, done.status_title) == (
        "approved",
        (1, 2),
        None,
        "Disetujui",
    )
    assert done.closed_at is not None
    assert [(d.step, d.role, d.username, d.decision, d.note) for d in done.decisions] == [
        (1, "kasi", "budi", "approved", "paraf"),
        (2, "kasubdit", "dedi", "approved", ""),
    ]
    message = refused(engine, approve, made.request_id, actor=people["cici"])
    assert message.startswith("Langkah 1 (Kepala Seksi) sudah disetujui oleh budi pada ")


def test_maker_cannot_approve_own_request(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"])
    assert (
        refused(engine, approve, made.request_id, actor=people["ani"])
        == "Anda tidak dapat menyetujui pengajuan Anda sendiri."
    )
    assert (
        refused(engine, reject, made.request_id, actor=people["ani"], note="salah")
        == "Anda tidak dapat mengembalikan pengajuan Anda sendiri."
    )
    assert decision_count(engine, made.request_id) == 0


def test_maker_holding_the_approving_role_cannot_approve_own_request_but_a_colleague_can(
    engine: Engine, people: dict[str, User]
) -> None:
    made = ask(engine, people["budi"])
    assert (
        refused(engine, approve, made.request_id, actor=people["budi"])
        == "Anda tidak dapat menyetujui pengajuan Anda sendiri."
    )
    with engine.begin() as conn:
        assert approve(conn, made.request_id, actor=people["cici"]).approved_steps == (1,)


def test_wrong_role_is_refused_naming_the_authorised_role(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["budi"])
    assert (
        refused(engine, approve, made.request_id, actor=people["eka"])
        == "Peran Anda (Tata Usaha) tidak berwenang menyetujui langkah ini; yang berwenang: Kepala Seksi."
    )
    other = ask(engine, people["dedi"], key="2026-11-24")
    assert (
        refused(engine, approve, other.request_id, actor=people["ani"])
        == "Peran Anda (Pelaksana) tidak berwenang menyetujui langkah ini; yang berwenang: Kepala Seksi."
    )


def test_second_approval_of_the_same_step_is_refused_naming_who_approved(
    engine: Engine, people: dict[str, User]
) -> None:
    made = ask(engine, people["ani"])
    with engine.begin() as conn:
        approve(conn, made.request_id, actor=people["budi"])
    message = refused(engine, approve, made.request_id, actor=people["cici"])
    assert message.startswith("Langkah 1 (Kepala Seksi) sudah disetujui oleh budi pada ")
    assert message.endswith(" WIB.")
    assert "sudah disetujui oleh budi" in refused(engine, approve, made.request_id, actor=people["budi"])
    assert decision_count(engine, made.request_id) == 1


def test_kasubdit_before_kasi_is_refused_as_out_of_order(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"])
    assert (
        refused(engine, approve, made.request_id, actor=people["dedi"])
        == "Pengajuan ini menunggu persetujuan Kepala Seksi terlebih dahulu."
    )
    assert (
        refused(engine, reject, made.request_id, actor=people["dedi"], note="belum")
        == "Pengajuan ini menunggu persetujuan Kepala Seksi terlebih dahulu."
    )
    assert decision_count(engine, made.request_id) == 0


def test_reject_needs_a_note_returns_the_request_and_a_new_request_may_follow(
    engine: Engine, people: dict[str, User]
) -> None:
    made = ask(engine, people["ani"])
    with engine.begin() as conn:
        approve(conn, made.request_id, actor=people["budi"])
    assert (
        refused(engine, reject, made.request_id, actor=people["dedi"], note="  ")
        == "Tuliskan catatan alasan pengembalian."
    )
    with engine.begin() as conn:
        back = reject(conn, made.request_id, actor=people["dedi"], note="Jumlah bank BRI belum cocok")
    assert (back.status, back.next_role, back.status_title) == ("rejected", None, "Dikembalikan")
    assert back.decisions[-1].note == "Jumlah bank BRI belum cocok"
    message = refused(engine, approve, made.request_id, actor=people["cici"])
    assert message.startswith("Pengajuan ini sudah dikembalikan oleh dedi pada ")
    assert message.endswith("dengan catatan: Jumlah bank BRI belum cocok.")
    again = ask(engine, people["ani"], content_hash="h2")
    assert again.request_id != made.request_id
    with engine.connect() as conn:
        latest = latest_for_object(conn, KIND, DAY)
    assert latest is not None and (latest.request_id, latest.status) == (again.request_id, "pending")


def test_second_pending_request_for_the_same_object_is_refused(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"])
    with engine.begin() as conn, pytest.raises(ApprovalRefused) as info:
        request_approval(conn, kind=KIND, object_key=DAY, steps=CHAIN, actor=people["ani"])
    assert info.value.message.startswith(f"Sudah ada pengajuan #{made.request_id} untuk objek ini dari ani pada ")
    assert "menunggu persetujuan Kepala Seksi" in info.value.message
    with engine.begin() as conn:  # the refusal left the caller's transaction usable, and the other kind is free
        request_approval(conn, kind="appeal_letter", object_key=DAY, steps=CHAIN, actor=people["ani"])
        assert len(pending_for_role(conn, "kasi")) == 2


def test_withdraw_is_for_the_maker_while_pending_and_frees_the_object(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"])
    assert (
        refused(engine, withdraw, made.request_id, actor=people["budi"])
        == "Hanya pengaju (ani) yang dapat menarik pengajuan ini."
    )
    with engine.begin() as conn:
        assert withdraw(conn, made.request_id, actor=people["ani"]).status == "withdrawn"
    assert refused(engine, approve, made.request_id, actor=people["budi"]).startswith(
        "Pengajuan ini sudah ditarik oleh ani pada "
    )
    assert ask(engine, people["ani"]).status == "pending"


def test_changed_content_refuses_approval_and_lapse_voids_the_request(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"], content_hash="h1")
    with engine.begin() as conn:
        approve(conn, made.request_id, actor=people["budi"], content_hash="h1")
    assert refused(engine, approve, made.request_id, actor=people["dedi"], content_hash="h2").startswith(
        "Isi data sudah berubah sejak diajukan"
    )
    assert decision_count(engine, made.request_id) == 1
    with engine.begin() as conn:
        assert lapse(conn, KIND, DAY, actor=SYSTEM, reason="data disiapkan ulang", content_hash="h1") is None
        gone = lapse(conn, KIND, DAY, actor=SYSTEM, reason="data disiapkan ulang", content_hash="h2")
    assert gone is not None and (gone.request_id, gone.status, gone.status_title) == (
        made.request_id,
        "lapsed",
        "Gugur",
    )
    assert refused(engine, approve, made.request_id, actor=people["dedi"]).startswith("Pengajuan ini sudah gugur pada ")
    assert ask(engine, people["ani"], content_hash="h2").content_hash == "h2"


def test_approved_request_lapses_when_its_content_changes_before_use(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"], steps=("kasi",))
    with engine.begin() as conn:
        assert approve(conn, made.request_id, actor=people["budi"]).status == "approved"
        gone = lapse(conn, KIND, DAY, actor=people["ani"].actor(), reason="baris bank berubah")
    assert gone is not None and gone.status == "lapsed"
    with engine.begin() as conn:
        assert lapse(conn, KIND, DAY, actor=SYSTEM, reason="lagi") is None


def test_disabled_approver_is_refused_even_with_a_stale_session_user(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"])
    with engine.begin() as conn:
        set_active(conn, "budi", False, actor=SYSTEM)
    assert (
        refused(engine, approve, made.request_id, actor=people["budi"])
        == "Akun Anda tidak aktif; hubungi administrator."
    )


def test_maker_roles_limit_who_may_ask_and_bad_chains_are_a_programming_error(
    engine: Engine, people: dict[str, User]
) -> None:
    with engine.begin() as conn, pytest.raises(ApprovalRefused) as info:
        request_approval(conn, kind=KIND, object_key=DAY, steps=CHAIN, actor=people["eka"], maker_roles=("pelaksana",))
    assert (
        info.value.message == "Peran Anda (Tata Usaha) tidak dapat mengajukan persetujuan ini; yang dapat: Pelaksana."
    )
    for chain in [(), ("kasi", "kasi"), ("kasi", "boss")]:
        with engine.begin() as conn, pytest.raises(ValueError, match="invalid approval chain"):
            request_approval(conn, kind=KIND, object_key=DAY, steps=chain, actor=people["ani"])


def test_pending_for_role_lists_requests_waiting_for_that_roles_step(engine: Engine, people: dict[str, User]) -> None:
    first = ask(engine, people["ani"], key="2026-11-23")
    second = ask(engine, people["ani"], key="2026-11-24")
    ask(engine, people["ani"], key="2026-11-25")
    with engine.begin() as conn:
        approve(conn, second.request_id, actor=people["budi"])
        withdraw(conn, first.request_id, actor=people["ani"])
    with engine.connect() as conn:
        assert [a.object_key for a in pending_for_role(conn, "kasi")] == ["2026-11-25"]
        assert [a.object_key for a in pending_for_role(conn, "kasubdit")] == ["2026-11-24"]
        assert pending_for_role(conn, "tu") == []
        assert approval(conn, second.request_id).decisions[0].username == "budi"
        with pytest.raises(LookupError):
            approval(conn, 999_999)


def test_concurrent_double_approval_yields_exactly_one(engine: Engine, people: dict[str, User]) -> None:
    for round_ in range(3):
        made = ask(engine, people["ani"], key=f"race-{round_}")
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def click(
            name: str,
            request_id: int = made.request_id,
            barrier: threading.Barrier = barrier,
            outcome: dict[str, object] = outcome,
        ) -> None:
            try:
                with engine.begin() as conn:
                    seen = approval(conn, request_id)  # both see step 1 open, without any lock ...
                    assert seen.next_role == "kasi" and not seen.decisions
                    barrier.wait(timeout=10)  # ... then click at the same moment
                    approve(conn, request_id, actor=people[name])
                    time.sleep(0.3)  # the winner holds its lock a while: the other click must wait for it
                outcome[name] = "approved"
            except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                outcome[name] = exc

        threads = [threading.Thread(target=click, args=(name,)) for name in ("budi", "cici")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        winners = [name for name, result in outcome.items() if result == "approved"]
        losers = [result for result in outcome.values() if isinstance(result, ApprovalRefused)]
        assert len(winners) == 1 and len(losers) == 1, outcome
        assert losers[0].message.startswith(f"Langkah 1 (Kepala Seksi) sudah disetujui oleh {winners[0]} pada ")
        assert decision_count(engine, made.request_id) == 1


def test_concurrent_requests_for_the_same_object_leave_one_pending(engine: Engine, people: dict[str, User]) -> None:
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def submit(name: str) -> None:
        try:
            with engine.begin() as conn:
                barrier.wait(timeout=10)
                request_approval(conn, kind=KIND, object_key=DAY, steps=("kasubdit",), actor=people[name])
                time.sleep(0.3)
            outcome[name] = "made"
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcome[name] = exc

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("ani", "budi")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(r).__name__ for r in outcome.values()) == ["ApprovalRefused", "str"], outcome
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM approval_request")).scalar_one() == 1


def test_database_refuses_direct_decision_by_the_maker_and_a_duplicate_step(
    engine: Engine, people: dict[str, User]
) -> None:
    made = ask(engine, people["budi"])  # a kasi's own request: role, order and status are all fine for budi
    insert = text("""INSERT INTO approval_decision (request_id, step, made_by, decided_by, decided_role, decision)
                     VALUES (:r, 1, :maker, :user, 'kasi', 'approved')""")
    maker = people["budi"].user_id
    with engine.connect() as conn:
        with pytest.raises(IntegrityError, match="ck_approval_decision_not_maker"):
            conn.execute(insert, {"r": made.request_id, "maker": maker, "user": maker})
        conn.rollback()
        with pytest.raises(IntegrityError, match="fk_approval_decision_request"):  # lying about the maker
            conn.execute(insert, {"r": made.request_id, "maker": people["ani"].user_id, "user": maker})
        conn.rollback()
        conn.execute(insert, {"r": made.request_id, "maker": maker, "user": people["cici"].user_id})
        with pytest.raises(IntegrityError, match="pk_approval_decision"):
            conn.execute(insert, {"r": made.request_id, "maker": maker, "user": people["fajar"].user_id})
        conn.rollback()


def test_database_backstop_refuses_when_the_python_checks_are_skipped(
    engine: Engine, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = ask(engine, people["budi"])
    monkeypatch.setattr(approvals, "_refusal", lambda *_: None)
    with engine.begin() as conn:
        with pytest.raises(ApprovalRefused, match="ck_approval_decision_not_maker"):
            approve(conn, made.request_id, actor=people["budi"])
        with pytest.raises(ApprovalRefused, match="comes before its earlier steps"):
            approve(conn, made.request_id, actor=people["dedi"])  # the trigger: step 2 before step 1
        assert approval(conn, made.request_id).status == "pending"  # the savepoint kept the transaction usable
    assert decision_count(engine, made.request_id) == 0


def test_every_approval_step_is_audited(engine: Engine, people: dict[str, User]) -> None:
    made = ask(engine, people["ani"])
    with engine.begin() as conn:
        approve(conn, made.request_id, actor=people["budi"])
        approve(conn, made.request_id, actor=people["dedi"])
    second = ask(engine, people["ani"], key="2026-11-24")
    with engine.begin() as conn:
        reject(conn, second.request_id, actor=people["cici"], note="ulang")
    third = ask(engine, people["ani"], key="2026-11-25")
    with engine.begin() as conn:
        withdraw(conn, third.request_id, actor=people["ani"])
        ask_again = request_approval(conn, kind=KIND, object_key="2026-11-25", steps=CHAIN, actor=people["ani"])
        lapse(conn, KIND, "2026-11-25", actor=SYSTEM, reason="berubah")
    with engine.connect() as conn:
        rows = conn.execute(
            text("""SELECT actor, action, object_id, (after->>'request_id')::bigint,
                                           after->>'step', after->>'status'
                                      FROM audit_log WHERE action LIKE 'approval.%' ORDER BY seq""")
        ).all()
    r1, r2, r3, r4 = made.request_id, second.request_id, third.request_id, ask_again.request_id
    assert [tuple(row) for row in rows] == [
        ("ani", "approval.request", DAY, r1, None, None),
        ("budi", "approval.approve", DAY, r1, "1", "pending"),
        ("dedi", "approval.approve", DAY, r1, "2", "approved"),
        ("ani", "approval.request", "2026-11-24", r2, None, None),
        ("cici", "approval.reject", "2026-11-24", r2, "1", "rejected"),
        ("ani", "approval.request", "2026-11-25", r3, None, None),
        ("ani", "approval.withdraw", "2026-11-25", r3, None, "withdrawn"),
        ("ani", "approval.request", "2026-11-25", r4, None, None),
        ("system:test", "approval.lapse", "2026-11-25", r4, None, "lapsed"),
    ]


def race(clicks: dict[str, Callable[[], object]]) -> tuple[list[str], list[ApprovalRefused]]:
    """Run each click in its own thread at the same moment; the names that succeeded, the refusals of the others."""
    barrier = threading.Barrier(len(clicks))
    outcome: dict[str, object] = {}

    def click(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            clicks[name]()
            outcome[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - recorded and asserted by the caller
            outcome[name] = exc

    threads = [threading.Thread(target=click, args=(name,)) for name in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return (
        [name for name, result in outcome.items() if result == "ok"],
        [result for result in outcome.values() if isinstance(result, ApprovalRefused)],
    )


def test_concurrent_double_approval_of_the_last_step_tells_the_loser_who_and_when(
    engine: Engine, people: dict[str, User]
) -> None:
    with engine.begin() as conn:
        people["gita"] = add_user(conn, username="gita", role="kasubdit", password="demo", actor=SYSTEM, policy=False)
    made = ask(engine, people["ani"])
    with engine.begin() as conn:
        approve(conn, made.request_id, actor=people["budi"])

    def click(name: str) -> Callable[[], object]:
        def act() -> object:
            with engine.begin() as conn:
                done = approve(conn, made.request_id, actor=people[name])
                time.sleep(0.3)  # the winner holds its lock a while: the other click waits for it
                return done

        return act

    winners, losers = race({name: click(name) for name in ("dedi", "gita")})

    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].message.startswith(f"Langkah 2 (Kepala Subdirektorat) sudah disetujui oleh {winners[0]} pada ")
    assert losers[0].message.endswith(" WIB.")
    assert decision_count(engine, made.request_id) == 2


def test_settled_names_who_decided_a_closed_request_and_nothing_for_a_pending_one(
    engine: Engine, people: dict[str, User]
) -> None:
    made = ask(engine, people["ani"])
    with engine.connect() as conn:
        assert approvals.settled(conn, KIND, DAY, actor=people["dedi"]) is None  # still pending
        assert approvals.settled(conn, KIND, "never-asked", actor=people["dedi"]) is None
    with engine.begin() as conn:
        approve(conn, made.request_id, actor=people["budi"])
        approve(conn, made.request_id, actor=people["dedi"])
        assert approvals.settled(conn, KIND, DAY, actor=people["cici"], act="reject").startswith(
            "Langkah 1 (Kepala Seksi) sudah disetujui oleh budi pada "
        )
    again = ask(engine, people["ani"])
    with engine.begin() as conn:
        reject(conn, again.request_id, actor=people["budi"], note="angka salah")
        assert approvals.settled(conn, KIND, DAY, actor=people["cici"]).startswith(
            "Pengajuan ini sudah dikembalikan oleh budi pada "
        )


def test_distribution_step_two_race_tells_the_loser_who_approved_and_when(engine: Engine) -> None:
    from queries.distribution import prepare as dist
    from tests.builders.distribution import day_with_every_case, prepared
    from tests.builders.reconciliation import D2
    from tests.builders.work import make_people

    staff = make_people(engine)
    with engine.begin() as conn:
        staff["gita"] = add_user(conn, username="gita", role="kasubdit", password="demo", actor=SYSTEM, policy=False)
    kasubdits = [name for name, user in staff.items() if user.role == "kasubdit"]
    maker = next(user for user in staff.values() if user.role == "pelaksana")
    kasi = next(user for user in staff.values() if user.role == "kasi")
    day_with_every_case(engine)
    prepared(engine)
    with engine.begin() as conn:
        dist.request(conn, D2, actor=maker)
    with engine.begin() as conn:
        dist.approve(conn, D2, actor=kasi)

    def click(name: str) -> Callable[[], object]:
        def act() -> object:
            with engine.begin() as conn:
                done = dist.approve(conn, D2, actor=staff[name])
                time.sleep(0.3)
                return done

        return act

    winners, losers = race({name: click(name) for name in kasubdits[:2]})

    assert len(winners) == 1 and len(losers) == 1, (winners, losers)
    assert losers[0].message.startswith(f"Langkah 2 (Kepala Subdirektorat) sudah disetujui oleh {winners[0]} pada ")
    with engine.connect() as conn:
        assert [d.status for d in dist.distributions(conn, D2)] == ["approved"]
