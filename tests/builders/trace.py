"""A payment's path for the trace: an exception worked by people, a failed delivery and a redistribution."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from jobs.distribution.deliver import Backoff, run_distribution
from jobs.distribution.target_sim import start_in_thread
from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.distribution import prepare as dist
from queries.distribution.read import mark_for_redistribution
from queries.reconciliation import work
from tests.builders.reconciliation import D2, Day, clean, ntpn
from tests.builders.work import exception_id, make_people

FAST = Backoff(base=0.01, cap=0.02)


def build_worked_payment(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Three BRI payments; the bank keyed the second one's NPWP wrong (attribute_mismatch). Budi (kasi) gives it to
    Ani, Ani comments and asks to resolve it, Budi approves. The day is distributed: the first run meets a target
    that fails everything, Ani redistributes, the second run meets a healthy one. Yields the second NTPN."""
    rows = clean(3)
    Day(rows).load(engine, bank=[rows[0], rows[1].but(npwp="099999999999000"), rows[2]])
    reconcile(engine, D2)
    people = make_people(engine)
    exc = exception_id(engine, ntpn(2), "attribute_mismatch")
    with engine.begin() as conn:
        work.assign(conn, exc, assignee="ani", actor=people["budi"])
        work.comment(conn, exc, body="Bank mengakui salah rekam NPWP", actor=people["ani"])
        work.request_resolution(conn, exc, cause="bank_keying_error", note="Surat bank no. 12", actor=people["ani"])
        work.approve_resolution(conn, exc, actor=people["budi"])
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=Actor.system("test"))
        dist.request(conn, D2, actor=people["ani"])
        dist.approve(conn, D2, actor=people["budi"])
        dist.approve(conn, D2, actor=people["dedi"])
    for fail_rate in (1.0, 0.0):
        server, url = start_in_thread(tmp_path / f"sim-{fail_rate}", fail_rate=fail_rate, seed=1)
        monkeypatch.setenv("MPN_SIDJP_URL", f"{url}/sidjp")
        monkeypatch.setenv("MPN_SIPMOD_URL", f"{url}/sipmod")
        try:
            run_distribution(engine, D2, backoff=FAST, max_attempts=1)
        finally:
            server.stop()
        if fail_rate:
            with engine.begin() as conn:
                mark_for_redistribution(conn, D2, None, actor=people["ani"].actor())
    return ntpn(2)
