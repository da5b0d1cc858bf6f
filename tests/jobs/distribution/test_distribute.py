"""Delivery to a real `mpn target-sim` process that fails, loses replies and is slow: every row confirmed in both
targets exactly once, also when the distribution is killed mid-way and run again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from jobs.distribution.deliver import Backoff, DistributionError, run_distribution
from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.distribution import prepare as dist
from tests.builders.reconciliation import D2, Day, Row, ntpn
from tests.builders.work import make_people

ROOT = Path(__file__).resolve().parents[3]
KPPS = ("091", "092", "051", "093")
FAST = Backoff(base=0.01, cap=0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def simulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(*faults: str) -> str:
        port = free_port()
        log = (tmp_path / f"sim-{port}.log").open("wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "target-sim",
                "--port",
                str(port),
                "--data",
                str(tmp_path / "sim"),
                "--seed",
                "7",
                *faults,
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        monkeypatch.setenv("MPN_SIDJP_URL", f"{url}/sidjp")
        monkeypatch.setenv("MPN_SIPMOD_URL", f"{url}/sipmod")
        return url

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(20)


def stats(url: str, target: str) -> dict[str, int]:
    return dict(json.loads(urllib.request.urlopen(f"{url}/{target}/stats", timeout=5).read()))


def approved_day(engine: Engine, rows: int = 600, chunk: int = 25) -> dist.Distribution:
    """`rows` clean payments of BRI over four KPPs, reconciled, prepared in batches of `chunk`, approved twice."""
    Day([Row(ntpn(i), 1_000 * i, kpp_code=KPPS[i % len(KPPS)]) for i in range(1, rows + 1)]).load(engine)
    reconcile(engine, D2)
    people = make_people(engine)
    with engine.begin() as conn:
        d = dist.prepare(conn, D2, actor=Actor.system("test"), chunk=chunk)
        dist.request(conn, D2, actor=people["ani"])
        dist.approve(conn, D2, actor=people["budi"])
        dist.approve(conn, D2, actor=people["dedi"])
    return d


def batch_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT state, count(*) FROM dist_batch GROUP BY 1")).all())


def test_every_row_reaches_both_faulty_targets_exactly_once(engine: Engine, simulator: Callable[..., str]) -> None:
    url = simulator("--fail-rate", "0.3", "--lost-ack-rate", "0.2")
    d = approved_day(engine)
    report = run_distribution(engine, D2, backoff=FAST, max_attempts=40, seed=1)
    assert report.remaining == 0 and report.rows_confirmed == {"sidjp": 600, "sipmod": 600}
    for target in ("sidjp", "sipmod"):
        assert stats(url, target) == {"batches": d.batch_count // 2, "rows": 600, "distinct_ntpn": 600}
    with engine.connect() as conn:
        outcomes = dict(conn.execute(text("SELECT outcome, count(*) FROM dist_attempt GROUP BY 1")).all())
        settled = conn.execute(text("SELECT count(*) FROM dist_attempt WHERE method = 'GET'")).scalar_one()
        status = conn.execute(text("SELECT status FROM distribution")).scalar_one()
    assert outcomes["unknown"] > 0 and settled > 0  # faults happened and lost replies were settled by GET
    assert batch_states(engine) == {"confirmed": d.batch_count} and status == "delivered"
    again = run_distribution(engine, D2, backoff=FAST)
    assert sum(again.attempts.values()) == 0 and again.remaining == 0  # nothing left to send


def test_a_distribution_killed_mid_way_and_run_again_loses_and_duplicates_nothing(
    engine: Engine, db_url: str, simulator: Callable[..., str]
) -> None:
    url = simulator("--fail-rate", "0.2", "--lost-ack-rate", "0.2", "--latency-ms", "40")
    d = approved_day(engine, rows=800, chunk=20)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPN_DATABASE_URL": db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "distribution", "run", "--date", str(D2)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def some_confirmed() -> bool:
        return batch_states(engine).get("confirmed", 0) >= 4

    deadline = time.monotonic() + 60
    while not some_confirmed():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    before = batch_states(engine)
    assert before.get("confirmed", 0) < d.batch_count  # killed part-way
    # PostgreSQL frees the killed run's advisory lock once its backend sees the socket close: until then a
    # second run reports itself busy rather than sending alongside it.
    deadline = time.monotonic() + 30
    while (report := run_distribution(engine, D2, backoff=FAST, max_attempts=40, seed=2)).busy:
        assert time.monotonic() < deadline, "the killed run's lock was never released"
        time.sleep(0.2)
    assert report.remaining == 0
    for target in ("sidjp", "sipmod"):
        assert stats(url, target) == {"batches": d.batch_count // 2, "rows": 800, "distinct_ntpn": 800}
    assert batch_states(engine) == {"confirmed": d.batch_count}


def test_a_run_without_targets_refuses_to_start(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPN_SIDJP_URL", raising=False)
    monkeypatch.delenv("MPN_SIPMOD_URL", raising=False)
    with pytest.raises(DistributionError, match="MPN_SIDJP_URL, MPN_SIPMOD_URL"):
        run_distribution(engine, D2)


def test_a_target_holding_other_content_under_the_batch_id_fails_the_batch(
    engine: Engine, simulator: Callable[..., str]
) -> None:
    url = simulator()
    d = approved_day(engine, rows=30, chunk=10)
    first = "MPN-20261120-R1-051-0000"
    body = json.dumps(
        {
            "batch_id": first,
            "target": "sidjp",
            "business_date": "2026-11-20",
            "kpp_code": "051",
            "rows": [
                {
                    "ntpn": "X" * 16,
                    "npwp": "0" * 15,
                    "kap": "411121",
                    "kjs": "100",
                    "tax_period": "102026",
                    "amount": 1,
                    "paid_at": "2026-11-20T10:00:00+07:00",
                    "business_date": "2026-11-20",
                    "bank_code": "002",
                    "ntb": "B1",
                }
            ],
        }
    ).encode()
    urllib.request.urlopen(
        urllib.request.Request(
            f"{url}/sidjp/batches",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": first},
        ),
        timeout=5,
    ).read()
    report = run_distribution(engine, D2, backoff=FAST)
    assert report.failed == {"sidjp": 1, "sipmod": 0} and report.remaining == 1
    with engine.connect() as conn:
        failed = conn.execute(
            text("SELECT target, batch_id, state, last_error FROM dist_batch WHERE state <> 'confirmed'")
        ).one()
    assert (failed.target, failed.batch_id, failed.state) == ("sidjp", first, "failed")
    assert "HTTP 409" in failed.last_error or "berbeda" in failed.last_error
    assert d.batch_count == 8


def test_held_rows_join_a_new_round_by_themselves_once_their_letter_arrives(engine: Engine) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from jobs.distribution.deliver import release_held
    from tests.builders.reconciliation import clean, letter

    Day(clean(2, start=50, bank_code="008")).load(engine, letters=False)  # Mandiri: no letter yet
    d = approved_day(engine, rows=10, chunk=5)
    assert d.held_count == 2
    now = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert release_held(engine, now, actor=Actor.system("test")) == []  # nothing changed since
    letter(engine, "008", D2, 2, 1_010_000)
    reconcile(engine, D2)
    assert release_held(engine, now, actor=Actor.system("test")) == [(D2, 2)]
    with engine.connect() as conn:
        rounds = dist.distributions(conn, D2)
        waiting = dist.pending(conn, D2)
    assert [(r.round, r.status, r.row_count) for r in rounds] == [(1, "approved", 10), (2, "prepared", 2)]
    assert waiting is not None and waiting[1].made_by == "sistem" and waiting[1].next_role == "kasi"
    assert release_held(engine, now, actor=Actor.system("test")) == []  # the open round is the kasi's now
