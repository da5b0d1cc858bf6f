"""`bench/year.py`'s measurement: every page callback called as Dash calls it, over the filled year.

Each call is the page's function under Dash's wrapper (or the page's `page_body`, which Dash's page routing calls on
navigation), inside one Flask request context whose signed-in user is the bench's kasi, the first call of each
warming the pool and caches as a running server has them.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, text

from bench.dashboard import penerimaan_inputs, percentile, unwrapped
from bench.revenue import random_filter

GOAL_MS = 300.0
NTPN_GOAL_MS = 100.0
Call = Callable[[], Any]


def load() -> str:
    """The 1/5/15-minute load averages, to print beside every figure (the machine is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}/{fifteen:.1f}"


def terms(conn: Connection, rng: random.Random, days: list[date], runs: int) -> list[dict[str, str]]:
    """`runs` real payments from random days of the year: their NTPN, billing code, NTB and NPWP."""
    found: list[dict[str, str]] = []
    while len(found) < runs:
        day = rng.choice(days)
        row = (
            conn.execute(
                text(
                    f"SELECT ntpn, billing_code, ntb, npwp FROM mpn_record_{day:%Y%m%d}"
                    " TABLESAMPLE SYSTEM (0.05) WHERE record_type = 'payment' LIMIT 1"
                )
            )
            .mappings()
            .first()
        )
        if row is not None:
            found.append(dict(row))
    return found


def calls(conn: Connection, rng: random.Random, runs: int, days: list[date]) -> dict[str, list[Call]]:
    """Per page callback, `runs` calls with varied inputs."""
    from dashboard.pages import peringatan, tugas
    from dashboard.pages.distribusi import page as distribusi
    from dashboard.pages.kelengkapan import page as kelengkapan
    from dashboard.pages.lacak import page as lacak
    from dashboard.pages.penerimaan import page as penerimaan
    from dashboard.pages.rapor_bank import page as rapor_bank
    from dashboard.pages.rekonsiliasi import page as rekonsiliasi
    from dashboard.pages.surat_pernyataan import page as surat_pernyataan
    from queries.reconciliation.classify import CATEGORIES

    recent = days[-40:]
    banks = list(conn.execute(text("SELECT bank_code FROM bank ORDER BY bank_code LIMIT 40")).scalars())
    found: dict[str, list[Call]] = {}

    def add(name: str, call: Call) -> None:
        found.setdefault(name, []).append(call)

    charts = {
        "cards": penerimaan.cards,
        "per hari": penerimaan.daily,
        "per bulan": penerimaan.monthly,
        "kelompok + KAP": penerimaan.groups,
        "bank": penerimaan.agents,
    }
    searches = terms(conn, rng, days, runs)
    for i in range(runs):
        day = rng.choice(recent).isoformat()
        add("kelengkapan: hari", partial(unwrapped(kelengkapan.refresh), None, day))
        add("kelengkapan: tren", partial(unwrapped(kelengkapan.refresh_trend), None, day))
        add("rekonsiliasi: ringkasan", partial(rekonsiliasi.page_body, day, {}))
        add(
            "rekonsiliasi: grid",
            partial(
                unwrapped(rekonsiliasi.rows),
                {"startRow": 0, "endRow": 100, "sortModel": []},
                day,
                rng.choice([None, *banks[:10]]),
                rng.choice([None, *CATEGORIES]),
                rng.choice([None, "semua"]),
                None,
            ),
        )
        last = rng.choice(days)
        add(
            "surat pernyataan: matriks",
            partial(
                unwrapped(surat_pernyataan.refresh),
                (last - timedelta(days=30)).isoformat(),
                last.isoformat(),
                None,
                None,
                None,
            ),
        )
        add("distribusi", partial(unwrapped(distribusi.refresh), None, None, day))
        cut = penerimaan_inputs(random_filter(rng, conn, days[-1]))
        for name, callback in charts.items():
            add(f"penerimaan: {name}", partial(unwrapped(callback), *cut))
        add("penerimaan: Kanwil / KPP", partial(unwrapped(penerimaan.area), *cut, None))
        add(
            "rapor bank: bulan",
            partial(unwrapped(rapor_bank.refresh), (last - timedelta(days=30)).isoformat(), last.isoformat()),
        )
        add("rapor bank: tahun", partial(unwrapped(rapor_bank.refresh), days[0].isoformat(), days[-1].isoformat()))
        for kind, label in (("ntpn", "NTPN"), ("billing_code", "kode billing"), ("ntb", "NTB"), ("npwp", "NPWP")):
            add(f"lacak: {label}", partial(lacak.page_body, searches[i][kind], ""))
        add("tugas saya", partial(unwrapped(tugas.show), None, None))
        add("peringatan", partial(unwrapped(peringatan.refresh), "all", "all", None))
    return found


def measure(runs: int, rng: random.Random, days: list[date]) -> dict[str, list[float]]:
    """Milliseconds of every call of every callback."""
    from flask import g

    from dashboard.app import create_app
    from queries.accounts.users import user_by_name
    from queries.db import engine

    app = create_app()
    with engine().connect() as conn:
        planned = calls(conn, rng, runs, days)
        user = user_by_name(conn, "budi")
    times: dict[str, list[float]] = {}
    with app.server.test_request_context("/"):
        g.mpn_user = user
        for name, made in planned.items():
            made[0]()
            times[name] = []
            for call in made:
                started = time.perf_counter()
                call()
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def report(times: dict[str, list[float]]) -> None:
    """p50 and p95 per callback, whether each meets its goal, and the load when measured."""
    print(f"load {load()} (1/5/15 min) while measuring")
    print(f"{'callback':<30} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  goal")
    over = []
    for name, found in times.items():
        goal = NTPN_GOAL_MS if name == "lacak: NTPN" else GOAL_MS
        p95 = percentile(found, 0.95)
        if p95 > goal:
            over.append(name)
        print(
            f"{name:<30} {statistics.median(found):8.1f} {p95:8.1f} {max(found):8.1f}  "
            f"{goal:.0f} {'ok' if p95 <= goal else 'OVER'}"
        )
    every = [t for found in times.values() for t in found]
    print(
        f"{'overall':<30} {statistics.median(every):8.1f} {percentile(every, 0.95):8.1f} {max(every):8.1f}  "
        f"{'ok' if not over else 'OVER: ' + ', '.join(over)}"
    )
