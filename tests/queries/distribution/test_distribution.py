"""Distribution (SE-127 steps 9-14): sorting into distributable and held with the reason, batches per KPP and
target with stable ids and NTPN hashes, rounds that never repeat an NTPN, and the two-level approval."""

from __future__ import annotations

import hashlib
import threading
from datetime import date

import pytest
from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries.accounts.approvals import ApprovalRefused
from queries.accounts.audit import Actor
from queries.accounts.users import User
from queries.distribution import prepare as dist
from tests.builders.distribution import day_with_every_case, prepared
from tests.builders.reconciliation import D2, Day, batch, clean, letter, ntpn

SYSTEM = Actor.system("test")


def test_prepare_sorts_rows_into_distributable_and_held_with_reasons(engine: Engine) -> None:
    day_with_every_case(engine)
    d = prepared(engine)
    with engine.connect() as conn:
        items = conn.execute(text("SELECT ntpn, kpp_code, bank_code FROM dist_item ORDER BY ntpn")).all()
        holds = {(h.bank_code, h.reason): h.row_count for h in dist.held(conn, D2)}
    assert [tuple(r) for r in items] == [
        (ntpn(1), "091", "002"),
        (ntpn(2), "091", "002"),
        (ntpn(3), "092", "002"),
        (ntpn(30), "091", "200"),
        (ntpn(31), "091", "200"),
    ]
    assert holds == {
        ("008", "no_statement"): 2,
        ("009", "statement_mismatch"): 2,
        ("200", "open_exception"): 1,
        ("POS", "no_batch"): 1,
    }
    assert (d.round, d.status, d.row_count, d.amount, d.held_count) == (1, "prepared", 5, 60_000 + 300_000 + 310_000, 6)


def test_batches_per_kpp_and_target_carry_stable_ids_and_the_hash_of_their_sorted_ntpns(engine: Engine) -> None:
    day_with_every_case(engine)
    d = prepared(engine, chunk=2)
    with engine.connect() as conn:
        batches = conn.execute(
            text("SELECT target, batch_id, row_count, ntpn_sha256 FROM dist_batch ORDER BY target, batch_id")
        ).all()
    ids = [b.batch_id for b in batches if b.target == "sidjp"]
    assert ids == ["MPN-20261120-R1-091-0000", "MPN-20261120-R1-091-0001", "MPN-20261120-R1-092-0000"]
    assert [b.batch_id for b in batches if b.target == "sipmod"] == ids
    first = next(b for b in batches if b.batch_id.endswith("091-0000"))
    assert first.ntpn_sha256 == hashlib.sha256(f"{ntpn(1)}\n{ntpn(2)}".encode()).hexdigest()
    assert d.batch_count == 6
    again = prepared(engine, chunk=2)
    assert (again.distribution_id, again.content_hash) == (d.distribution_id, d.content_hash)


def test_two_level_approval_and_its_refusals(engine: Engine, people: dict[str, User]) -> None:
    day_with_every_case(engine)
    prepared(engine)

    def refused(act: object, user: str, **kwargs: object) -> str:
        with pytest.raises(ApprovalRefused) as info, engine.begin() as conn:
            act(conn, D2, actor=people[user], **kwargs)  # type: ignore[operator]
        return info.value.message

    assert "tidak dapat mengajukan" in refused(dist.request, "budi")  # a kasi does not ask
    with engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
    assert "Sudah ada pengajuan" in refused(dist.request, "ani")
    assert "menunggu persetujuan Kepala Seksi" in refused(dist.approve, "dedi")  # order: kasi first
    assert "tidak berwenang" in refused(dist.approve, "putu")
    with engine.begin() as conn:
        first = dist.approve(conn, D2, actor=people["budi"])
    assert (first.status, first.next_role) == ("pending", "kasubdit")
    assert "sudah disetujui oleh budi" in refused(dist.approve, "budi")
    with engine.begin() as conn:
        final = dist.approve(conn, D2, actor=people["dedi"])
        rounds = dist.distributions(conn, D2)
        states = set(conn.execute(text("SELECT state FROM dist_batch")).scalars())
        asked = conn.execute(text("SELECT job_id, requested_by FROM job_request")).one()
    assert final.status == "approved" and rounds[0].status == "approved" and states == {"approved"}
    assert tuple(asked) == ("distribution", "dedi")  # the scheduler delivers at once
    assert refused(dist.approve, "dedi").startswith("Langkah 2 (Kepala Subdirektorat) sudah disetujui oleh dedi pada ")


def test_the_maker_cannot_approve_and_concurrent_clicks_approve_once(engine: Engine, people: dict[str, User]) -> None:
    from queries.accounts.users import add_user

    day_with_every_case(engine)
    prepared(engine)
    with engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
        conn.execute(text("UPDATE app_user SET role = 'kasi' WHERE username = 'ani'"))  # the maker promoted
        other = add_user(conn, username="sinta", role="kasi", password="demo", actor=SYSTEM, policy=False)
    ani = people["ani"]
    with pytest.raises(ApprovalRefused, match="sendiri"), engine.begin() as conn:
        dist.approve(conn, D2, actor=ani)
    outcomes: list[str] = []

    def click(user: User) -> None:
        try:
            with engine.begin() as conn:
                outcomes.append(dist.approve(conn, D2, actor=user).status)
        except ApprovalRefused as err:
            outcomes.append(err.message)

    threads = [threading.Thread(target=click, args=(u,)) for u in (people["budi"], other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("pending") == 1
    assert "sudah disetujui" in next(o for o in outcomes if o != "pending")


def test_preparing_again_with_new_content_lapses_the_approval(engine: Engine, people: dict[str, User]) -> None:
    day_with_every_case(engine)
    prepared(engine)
    with engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
        dist.approve(conn, D2, actor=people["budi"])
    letter(engine, "008", D2, 2, 210_000)  # Mandiri's letter arrives: its rows become distributable
    reconcile(engine, D2)
    d = prepared(engine)
    assert d.row_count == 7
    with engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM approval_request WHERE kind = 'distribution'")).scalar_one()
    assert status == "lapsed"
    with pytest.raises(ApprovalRefused, match="sudah gugur .* karena isinya berubah"), engine.begin() as conn:
        dist.approve(conn, D2, actor=people["dedi"])


def test_held_rows_go_in_a_later_round_once_released_and_nothing_goes_twice(
    engine: Engine, people: dict[str, User]
) -> None:
    day_with_every_case(engine)
    prepared(engine)
    with engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
        dist.approve(conn, D2, actor=people["budi"])
        dist.approve(conn, D2, actor=people["dedi"])
    letter(engine, "008", D2, 2, 210_000)
    batch(engine, "POS", D2, clean(1, start=40, bank_code="POS"))
    reconcile(engine, D2)
    second = prepared(engine)
    with engine.connect() as conn:
        items = (
            conn.execute(
                text("SELECT ntpn FROM dist_item WHERE distribution_id = :i ORDER BY ntpn"),
                {"i": second.distribution_id},
            )
            .scalars()
            .all()
        )
    assert second.round == 2 and items == [ntpn(10), ntpn(11), ntpn(40)]
    assert {(h.bank_code, h.reason) for h in _held(engine)} == {
        ("009", "statement_mismatch"),
        ("200", "open_exception"),
    }


def _held(engine: Engine) -> list[dist.Held]:
    with engine.connect() as conn:
        return dist.held(conn, D2)


def test_nothing_to_distribute_cannot_be_requested(engine: Engine, people: dict[str, User]) -> None:
    Day(clean(2, bank_code="008")).load(engine, letters=False)
    reconcile(engine, D2)
    prepared(engine)
    with pytest.raises(ApprovalRefused, match="tidak memuat data"), engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
    with pytest.raises(ApprovalRefused, match="Belum ada distribusi"), engine.begin() as conn:
        dist.request(conn, date(2026, 11, 19), actor=people["ani"])
