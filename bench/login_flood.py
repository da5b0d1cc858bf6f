"""Login-flood benchmark: does a flood of wrong passwords slow a logged-in user? (goal: flood p95 <= 2x quiet p95)

    python bench/login_flood.py [--seconds 20] [--clients 16] [--workers 2] [--samples 200]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_bench_login_flood` it creates, migrates and drops. Starts the real dashboard (`mpn web`: gunicorn, its
default workers and threads) on 127.0.0.1, logs one kasubdit in, and times one logged-in callback (the audit
trail grid's first block: a session check and two reads) `--samples` times while nothing else runs. Then
`--clients` processes post wrong passwords as fast as the server answers them (ignoring `Retry-After`, as an
attacker would), cycling over the logged-in user's name and unknown names, for `--seconds`, while the same
callback is timed again; then `--samples` quiet ones more (the machine's own noise, before and after). Prints
p50/p95/p99 quiet and under the flood, the p95 ratio, and what the flood got (401, 429) and left in the
audit trail. Loopback only; bounded by `--seconds` (plus start-up and a 30 s request timeout).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from queries.accounts.audit import Actor  # noqa: E402
from queries.accounts.users import add_user  # noqa: E402
from queries.db import resolve_url  # noqa: E402

DB = "mpn_bench_login_flood"
USER, PASSWORD = "pengamat", "sandi-bench-123"
GOAL = 2.0
CALLBACK = "..audit-grid.getRowsResponse...audit-jumlah.children.."
STATE = [
    ("audit-pengguna", "value"),
    ("audit-aksi", "value"),
    ("audit-objek", "value"),
    ("audit-tanggal", "start_date"),
    ("audit-tanggal", "end_date"),
]
TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`mpn web` on the scratch database; returns once `/healthz` answers."""
    env = {"MPN_SECRET_KEY": secrets.token_urlsafe(32), **os.environ, "MPN_DATABASE_URL": url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "web",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            raise SystemExit("mpn web did not start")
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("mpn web did not answer /healthz within 30 s")


def csrf(session: requests.Session, base: str) -> str:
    page = session.get(f"{base}/login", timeout=TIMEOUT).text
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    if not match:
        raise SystemExit("no CSRF token on /login")
    return match.group(1)


def logged_in(base: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{base}/login",
        data={"csrf": csrf(session, base), "username": USER, "password": PASSWORD, "next": "/"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if answer.status_code != 302:
        raise SystemExit(f"login failed: {answer.status_code}")
    return session


def callback_body() -> dict[str, object]:
    outputs = [{"id": "audit-grid", "property": "getRowsResponse"}, {"id": "audit-jumlah", "property": "children"}]
    return {
        "output": CALLBACK,
        "outputs": outputs,
        "inputs": [
            {"id": "audit-grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 100, "sortModel": []}}
        ],
        "state": [{"id": i, "property": p, "value": None} for i, p in STATE],
        "changedPropIds": ["audit-grid.getRowsRequest"],
    }


def time_callbacks(session: requests.Session, base: str, *, samples: int, until: float | None = None) -> list[float]:
    """Milliseconds per callback: `samples` of them, or as many as fit before `until` (spaced 20 ms apart)."""
    body, times = callback_body(), []

    def more() -> bool:
        return len(times) < samples if until is None else time.monotonic() < until

    while more():
        began = time.perf_counter()
        answer = session.post(f"{base}/_dash-update-component", json=body, timeout=TIMEOUT)
        times.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"the logged-in callback answered {answer.status_code}")
        time.sleep(0.02)  # a user clicking, not a second flood
    return times


def flood(base: str, until: float, index: int, nice: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One attacker: wrong passwords as fast as the server answers, until `until` (time.time())."""
    os.nice(nice)
    session, seen = requests.Session(), Counter()
    token = csrf(session, base)
    names = [USER, f"tebak{index}", "admin", f"x{index}"]
    n = 0
    while time.time() < until:
        try:
            answer = session.post(
                f"{base}/login",
                data={"csrf": token, "username": names[n % len(names)], "password": f"salah-{n}"},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
            seen[answer.status_code] += 1
        except requests.RequestException:
            seen["error"] += 1
        n += 1
    results.put(dict(seen))


def percentiles(times: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 (nearest rank)."""
    ordered = sorted(times)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return statistics.median(ordered), rank(0.95), rank(0.99)


def measure(url: str, args: argparse.Namespace) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port, args.workers)
    try:
        session = logged_in(base)
        time_callbacks(session, base, samples=20)  # warm up both workers' pools
        quiet = time_callbacks(session, base, samples=args.samples)
        results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        until = time.time() + args.seconds
        attackers = [
            multiprocessing.Process(target=flood, args=(base, until, i, args.attacker_nice, results))
            for i in range(args.clients)
        ]
        for attacker in attackers:
            attacker.start()
        time.sleep(1.0)  # the flood is under way
        loud = time_callbacks(session, base, samples=0, until=time.monotonic() + args.seconds - 2)
        totals: Counter[str] = Counter()
        for _ in attackers:
            totals.update(results.get(timeout=TIMEOUT + args.seconds))
        for attacker in attackers:
            attacker.join(timeout=TIMEOUT)
        quiet += time_callbacks(session, base, samples=args.samples)  # the machine's own noise, after as before
    finally:
        server.terminate()
        server.wait(30)
    report(quiet, loud, totals, url, args)


def report(quiet: list[float], loud: list[float], totals: Counter[str], url: str, args: argparse.Namespace) -> None:
    (q50, q95, q99), (l50, l95, l99) = percentiles(quiet), percentiles(loud)
    ratio = l95 / q95
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        audit = dict(
            conn.execute(
                text(
                    "SELECT action, count(*) FROM audit_log WHERE action LIKE 'auth.%' GROUP BY action ORDER BY action"
                )
            ).all()
        )
    engine.dispose()
    attempts = sum(totals.values())
    print(
        f"logged-in callback, quiet:  p50 {q50:7.1f} ms  p95 {q95:7.1f} ms  p99 {q99:7.1f} ms  ({len(quiet)} calls, "
        "half before the flood, half after)"
    )
    print(f"logged-in callback, flood:  p50 {l50:7.1f} ms  p95 {l95:7.1f} ms  p99 {l99:7.1f} ms  ({len(loud)} calls)")
    print(f"flood p95 / quiet p95: {ratio:.2f}  (goal <= {GOAL:.1f}: {'met' if ratio <= GOAL else 'NOT met'})")
    print(
        f"flood: {args.clients} clients (nice {args.attacker_nice}), {args.seconds} s, {attempts} attempts "
        f"({attempts / args.seconds:.0f}/s): "
        + ", ".join(f"{code}: {count}" for code, count in sorted(totals.items(), key=str))
    )
    print("audit rows: " + ", ".join(f"{action} {count}" for action, count in audit.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="how long the flood lasts (5-120)")
    parser.add_argument("--clients", type=int, default=16, help="attacking processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (mpn web's default)")
    parser.add_argument("--samples", type=int, default=200, help="quiet callbacks timed")
    parser.add_argument(
        "--attacker-nice",
        type=int,
        default=19,
        help="niceness of the attacking processes: on loopback their own CPU is the server's, which a "
        "remote attacker's is not (0: compete as equals)",
    )
    args = parser.parse_args()
    args.seconds = min(120, max(5, args.seconds))
    server_url = resolve_url()
    engine, _ = scratch_database(server_url, DB, reuse=False)
    with engine.begin() as conn:
        add_user(conn, username=USER, role="kasubdit", password=PASSWORD, actor=Actor.system("bench"))
    url = make_url(server_url).set(database=DB).render_as_string(hide_password=False)
    engine.dispose()
    try:
        measure(url, args)
    finally:
        drop_database(server_url, DB)


if __name__ == "__main__":
    main()
