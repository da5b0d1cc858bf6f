"""Distribusi's pieces from real rounds: a round the scheduler prepared and asked for says so, batches are counted
per target everywhere, and every KPP is shown with its name."""

from __future__ import annotations

from sqlalchemy import Engine

from dashboard.pages.distribusi import view
from queries.accounts.audit import Actor
from queries.distribution import prepare as dist
from queries.distribution.read import kpp_availability, kpp_names, round_approvals
from queries.letters.appeals import system_user
from tests.builders.distribution import day_with_every_case
from tests.builders.pages import texts
from tests.builders.reconciliation import D2


def test_a_round_prepared_and_asked_for_by_the_scheduler_says_so(engine: Engine) -> None:
    day_with_every_case(engine)
    with engine.begin() as conn:
        made = dist.prepare(conn, D2, actor=Actor.system("scheduler"))
        dist.request(conn, D2, actor=system_user(conn))
    with engine.connect() as conn:
        rounds, approvals = dist.distributions(conn, D2), round_approvals(conn, D2)
        statuses, names = dist.target_status(conn, D2), kpp_names(conn)
        availability = kpp_availability(conn, D2)
    row = texts(view.rounds_table(rounds))
    assert "oleh sistem (penjadwal)" in row and "system:" not in row
    assert f"{made.batch_count // 2} batch" in row and "Batch per tujuan" in row
    steps = texts(view.approval_steps(approvals[made.distribution_id]))
    assert "Diajukan oleh sistem (penjadwal)" in steps
    kpps = view.kpp_rows(statuses, availability, D2, names)
    assert kpps and all(r["kpp"].split(" · ")[1] == names[r["kpp"].split(" · ")[0]] for r in kpps)


def test_batches_are_counted_per_target() -> None:
    assert view.per_target(68) == "34 batch"
    assert view.per_target(3) == "3 kiriman"
