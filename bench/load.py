"""Concurrency (issue 20): 20 logged-in sessions over real HTTP against `mpn web` on the year's scratch database.

    python bench/load.py [--sessions 20] [--seconds 120] [--workers 2] [--think 1.0] [--db mpn_bench_year]

Starts the real dashboard (`mpn web`: gunicorn, `--workers`) on 127.0.0.1 over the scratch database `bench/year.py`
left (`--keep`), gives each session its own account (a kasi: the role that sees every page measured), logs each in
through the login form, then every session walks the pages as a browser does, in its own thread, for `--seconds`:
each page's navigation (Dash's page routing callback, which renders the page's layout) and then the callbacks that
page's browser fires (`/_dash-update-component`, bodies built from the server's own `/_dash-dependencies`),
`--think` seconds apart on average. Prints p50/p95/max per request kind and overall, errors (any answer but 200 or
204, or a time-out), requests per second, the load average. Goal: p95 <= 500 ms, no errors. Run it while
`bench/peak_day.py` runs to see a peak day's import and reconciliation beside 20 users. Loopback only; bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.login_flood import csrf, free_port, start_server  # noqa: E402
from queries.accounts.audit import Actor  # noqa: E402
from queries.accounts.users import add_user, user_by_name  # noqa: E402
from queries.db import resolve_url  # noqa: E402

PASSWORD = "bench-sandi-1"
GOAL_MS = 500.0
TIMEOUT = 30
#: Each page: its address and the callbacks its browser fires after it is drawn (output key prefix, input values).
Values = dict[str, Any]


def pages(day: date, first: date, term: dict[str, str]) -> list[tuple[str, str, list[tuple[str, Values]]]]:
    """(name, path, [(output key, values by "id.property")]) of the pages a session walks."""
    d, month = day.isoformat(), (day - timedelta(days=30)).isoformat()
    period = {"pn-periode.start_date": day.replace(day=1).isoformat(), "pn-periode.end_date": d}
    return [
        (
            "kelengkapan",
            f"/?tanggal={d}",
            [
                ("..kl-hari.children", {"kl-detik.n_intervals": 0, "kl-tanggal.date": d}),
                ("kl-tren.figure", {"kl-detik-tren.n_intervals": 0, "kl-tanggal.date": d}),
            ],
        ),
        (
            "rekonsiliasi",
            f"/rekonsiliasi?tanggal={d}",
            [
                (
                    "..rekon-grid.getRowsResponse",
                    {
                        "rekon-grid.getRowsRequest": {"startRow": 0, "endRow": 100, "sortModel": []},
                        "rekon-hari.data": d,
                    },
                )
            ],
        ),
        (
            "surat pernyataan",
            f"/surat-pernyataan?dari={month}&sampai={d}",
            [("..sp-matriks.rowData", {"sp-rentang.start_date": month, "sp-rentang.end_date": d, "sp-versi.data": 0})],
        ),
        ("distribusi", f"/distribusi?tanggal={d}", [("..ds-status.children", {"ds-versi.data": 0, "ds-hari.data": d})]),
        (
            "penerimaan",
            "/penerimaan",
            [
                (key, period)
                for key in (
                    "pn-kartu.children",
                    "pn-harian.figure",
                    "pn-bulanan.figure",
                    "..pn-kelompok.figure",
                    "pn-bank-grafik.figure",
                    "..pn-wilayah.figure",
                )
            ],
        ),
        (
            "rapor bank",
            f"/rapor-bank?dari={first.isoformat()}&sampai={d}",
            [("..rb-rapor.rowData", {"rb-periode.start_date": first.isoformat(), "rb-periode.end_date": d})],
        ),
        ("lacak NTPN", f"/lacak?q={term['ntpn']}", []),
        ("lacak NPWP", f"/lacak?q={term['npwp']}", []),
        ("tugas saya", "/tugas", [("..tugas-daftar.children", {"tugas-versi.data": 0})]),
        (
            "peringatan",
            "/peringatan",
            [("..pr-riwayat.children", {"pr-aturan.value": "all", "pr-status.value": "all", "pr-versi.data": 0})],
        ),
    ]


def _spec(items: list[dict[str, str]], values: Values) -> list[dict[str, Any]]:
    return [
        {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")} for i in items
    ]


def body(dep: dict[str, Any], values: Values) -> dict[str, Any]:
    """A `/_dash-update-component` body for dependency `dep`, as the renderer sends it."""
    out = dep["output"]
    parts = out[2:-2].split("...") if out.startswith("..") else [out]
    outputs = [dict(zip(("id", "property"), p.split("@")[0].rsplit(".", 1), strict=True)) for p in parts]
    inputs = _spec(dep["inputs"], values)
    return {
        "output": out,
        "outputs": outputs if out.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": _spec(dep.get("state", []), values),
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs[:1]],
    }


class Walker(threading.Thread):
    """One logged-in user walking the pages until `until`."""

    def __init__(
        self, base: str, name: str, plan: list[Any], deps: list[dict[str, Any]], until: float, think: float, seed: int
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.name, self.plan, self.deps, self.until, self.think = base, name, plan, deps, until, think
        self.rng = random.Random(seed)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def login(self) -> bool:
        """Log in through the form (before the clock starts: the measured window is the pages)."""
        self.session = requests.Session()
        for _ in range(20):  # one address logging 20 people in at once: "busy" (429, Retry-After) is answered
            answer = self.session.post(
                f"{self.base}/login",
                data={"csrf": csrf(self.session, self.base), "username": self.name, "password": PASSWORD, "next": "/"},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
            if answer.status_code != 429:
                break
            time.sleep(float(answer.headers.get("Retry-After", 1)) + self.rng.random())
        if answer.status_code != 302:
            self.errors.append(f"login {answer.status_code}")
        return answer.status_code == 302

    def run(self) -> None:
        """Pages in random order until the deadline."""
        session = self.session
        routing = next(d for d in self.deps if "_pages_content" in d["output"])
        while time.monotonic() < self.until:
            name, path, followups = self.rng.choice(self.plan)
            pathname, _, search = path.partition("?")
            self.post(
                session,
                f"{name}: halaman",
                body(
                    routing,
                    {"_pages_location.pathname": pathname, "_pages_location.search": f"?{search}" if search else ""},
                ),
            )
            for key, values in followups:
                if time.monotonic() >= self.until:
                    break
                dep = next((d for d in self.deps if d["output"].startswith(key)), None)
                if dep is None:
                    self.errors.append(f"no callback {key}")
                    continue
                self.post(session, f"{name}: {key.strip('.').split('.')[0]}", body(dep, values))
            time.sleep(self.rng.uniform(0, 2 * self.think))

    def post(self, session: requests.Session, kind: str, payload: dict[str, Any]) -> None:
        """One callback request, timed; anything but 200/204 is an error."""
        started = time.perf_counter()
        try:
            answer = session.post(f"{self.base}/_dash-update-component", json=payload, timeout=TIMEOUT)
            status = answer.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        self.times[kind].append((time.perf_counter() - started) * 1000)
        if status not in (200, 204):
            self.errors.append(f"{kind}: {status}")


def percentile(found: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(found)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def accounts(url: str, n: int) -> dict[str, str]:
    """`n` kasi accounts (made once), and a payment's NTPN and NPWP to search for; returns the terms."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for i in range(n):
            if user_by_name(conn, f"beban{i:02d}") is None:
                add_user(
                    conn,
                    username=f"beban{i:02d}",
                    role="kasi",
                    password=PASSWORD,
                    actor=Actor.system("bench"),
                    policy=False,
                )
        day = conn.execute(text("SELECT max(business_date) FROM mpn_bank_day")).scalar_one()
        term = (
            conn.execute(
                text(
                    f"SELECT ntpn, npwp FROM mpn_record_{day:%Y%m%d} TABLESAMPLE SYSTEM (0.1)"
                    " WHERE record_type = 'payment' LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
        first = conn.execute(text("SELECT min(business_date) FROM mpn_bank_day")).scalar_one()
    engine.dispose()
    return {"ntpn": term["ntpn"], "npwp": term["npwp"], "day": day.isoformat(), "first": first.isoformat()}


def report(walkers: list[Walker], seconds: float) -> None:
    """p50/p95/max per request kind and overall, errors, throughput, load."""
    times: dict[str, list[float]] = defaultdict(list)
    for w in walkers:
        for kind, found in w.times.items():
            times[kind].extend(found)
    errors = [e for w in walkers for e in w.errors]
    print(f"{'request':<40} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind in sorted(times):
        found = times[kind]
        print(
            f"{kind:<40} {len(found):5} {statistics.median(found):8.1f} {percentile(found, 0.95):8.1f}"
            f" {max(found):8.1f}"
        )
    every = [t for found in times.values() for t in found]
    p95 = percentile(every, 0.95) if every else float("nan")
    print(
        f"{'overall':<40} {len(every):5} {statistics.median(every) if every else 0:8.1f} {p95:8.1f}"
        f" {max(every, default=0):8.1f}  ({len(every) / seconds:.1f} requests/s)"
    )
    print(f"errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors))[:8])})" if errors else ""))
    verdict = "within" if p95 <= GOAL_MS and not errors else "OVER"
    print(
        f"{verdict} the goal (p95 <= {GOAL_MS:.0f} ms, no errors); load "
        + "/".join(f"{x:.1f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} cores"
    )


def main() -> None:
    """Accounts, server, sessions, report; the server is stopped whatever happens."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between pages, seconds")
    parser.add_argument("--db", default="mpn_bench_year", help="the scratch database bench/year.py kept")
    args = parser.parse_args()
    url = make_url(resolve_url()).set(database=args.db).render_as_string(hide_password=False)
    found = accounts(url, args.sessions)
    day, first = date.fromisoformat(found["day"]), date.fromisoformat(found["first"])
    port = free_port()
    server = start_server(url, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        plan = pages(day, first, found)
        walkers = [Walker(base, f"beban{i:02d}", plan, [], 0.0, args.think, i) for i in range(args.sessions)]
        begun = time.monotonic()
        logged = [w for w in walkers if w.login()]
        print(f"{len(logged)} of {args.sessions} logged in through the form in {time.monotonic() - begun:.1f} s")
        if not logged:
            raise SystemExit("nobody could log in")
        deps = json.loads(logged[0].session.get(f"{base}/_dash-dependencies", timeout=TIMEOUT).text)
        for w in logged:
            w.deps = deps
        until = time.monotonic() + args.seconds
        for w in logged:
            w.until = until
        started = time.monotonic()
        print(
            f"{args.sessions} sessions for {args.seconds:.0f} s against {base} ({args.workers} workers) on {args.db},"
            f" {day}; load " + "/".join(f"{x:.1f}" for x in os.getloadavg()),
            flush=True,
        )
        for w in logged:
            w.start()
        for w in logged:  # one deadline for all: a walker still waiting for an answer is left, its time counted
            w.join(max(0.0, until + TIMEOUT + 5 - time.monotonic()))
        report(walkers, time.monotonic() - started)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
