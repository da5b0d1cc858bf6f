"""The "Tugas saya" page in a real headless Chromium with two approvers: the kasi approves a distribution round's
first step from the list (a round changed after the list was shown is skipped and named first), then the kasubdit
finds it in their own list and approves the second step; the navbar badge counts along. Kelengkapan's approvals
rows link to the list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import Engine, text

from dashboard.app import create_app
from dashboard.pages.kelengkapan.view import approvals_list
from queries.accounts.audit import Actor
from queries.accounts.users import user_by_name
from queries.distribution import prepare as dist
from queries.monitoring.completeness import pending_approvals
from tests.builders.distribution import day_with_every_case
from tests.builders.reconciliation import D2
from tests.dashboard.helpers import click, make_user, screenshot, sign_in, start, submit_login

pytestmark = pytest.mark.browser

SYSTEM = Actor.system("test")
BADGE = "#navbar-tugas-jumlah"
RESULT = "#tugas-hasil"


def no_errors(dash_duo: Any) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def pattern(kind: str, **keys: str) -> str:
    """CSS selector of a component with a pattern id (Dash writes it as JSON with sorted keys)."""
    return "[id='" + json.dumps({**keys, "type": kind}, sort_keys=True, separators=(",", ":")) + "']"


def requested(engine: Engine) -> int:
    """The every-case day prepared and asked for by ani (pelaksana); the round's id."""
    day_with_every_case(engine)
    make_user(engine, "ani", "pelaksana")
    with engine.begin() as conn:
        d = dist.prepare(conn, D2, actor=SYSTEM)
        dist.request(conn, D2, actor=user_by_name(conn, "ani"))
    return d.distribution_id


def changed_and_asked_again(engine: Engine) -> None:
    """The round prepared again with other content (its request lapses) and asked for again."""
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=SYSTEM, chunk=1)
        dist.request(conn, D2, actor=user_by_name(conn, "ani"))


def approve_shown(dash_duo: Any, round_id: int, act: str = "setujui") -> None:
    box = pattern("tugas-pilih", key=f"distribution:{round_id}")
    dash_duo.wait_for_element(box)
    click(dash_duo, box)
    click(dash_duo, pattern("tugas-aksi", act=act))


def test_two_approvers_approve_a_round_from_their_lists(dash_duo, engine: Engine) -> None:
    round_id = requested(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "budi", "kasi", then="/tugas")
    dash_duo.wait_for_text_to_equal(".mpn-title", "Tugas saya")
    dash_duo.wait_for_text_to_equal(BADGE, "1")
    dash_duo.wait_for_contains_text("#tugas-daftar", "Persetujuan distribusi · 1")
    listed = dash_duo.find_element(pattern("tugas-baris", key=f"distribution:{round_id}")).text
    assert "Distribusi putaran 1" in listed and "20/11/2026" in listed and "Rp 670.000 · 5 baris" in listed
    link = dash_duo.driver.find_element(By.LINK_TEXT, "Distribusi putaran 1")
    assert link.get_attribute("href").endswith("/distribusi?tanggal=2026-11-20")
    dash_duo.driver.set_window_size(1440, 900)
    screenshot(dash_duo, "tugas-saya-1440.png")
    dash_duo.driver.set_window_size(1280, 720)
    screenshot(dash_duo, "tugas-saya-1280.png")
    dash_duo.driver.set_window_size(1440, 1000)

    changed_and_asked_again(engine)  # after the list was shown
    approve_shown(dash_duo, round_id)
    dash_duo.wait_for_contains_text(RESULT, "Dilewati: Distribusi putaran 1, 20/11/2026 berubah sejak ditampilkan")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM approval_decision")).scalar_one() == 0
    approve_shown(dash_duo, round_id)  # the list shows the round as it is now
    dash_duo.wait_for_contains_text(RESULT, "Disetujui 1 butir: Distribusi putaran 1, 20/11/2026")
    dash_duo.wait_for_contains_text("#tugas-daftar", "Tidak ada yang menunggu Anda.")
    dash_duo.wait_for_text_to_equal(BADGE, "0")
    no_errors(dash_duo)

    click(dash_duo, "#navbar-logout")
    dash_duo.wait_for_element("#username")
    make_user(engine, "dedi", "kasubdit")
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next=/tugas")
    submit_login(dash_duo, "dedi")
    dash_duo.wait_for_text_to_equal(BADGE, "1")
    row = dash_duo.wait_for_element(pattern("tugas-baris", key=f"distribution:{round_id}"))
    assert "Distribusi putaran 1" in row.text
    approve_shown(dash_duo, round_id)
    dash_duo.wait_for_contains_text(RESULT, "Disetujui 1 butir")
    dash_duo.wait_for_text_to_equal(BADGE, "0")
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT status FROM distribution WHERE distribution_id = :i"), {"i": round_id}
            ).scalar_one()
            == "approved"
        )
        deciders = conn.execute(
            text("""SELECT u.username FROM approval_decision d
                                          JOIN app_user u ON u.user_id = d.decided_by ORDER BY d.step""")
        ).scalars()
        assert list(deciders) == ["budi", "dedi"]
    no_errors(dash_duo)


def test_a_pelaksana_has_no_bulk_approval_and_management_may_not_open_the_page(dash_duo, engine: Engine) -> None:
    requested(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani2", "pelaksana", then="/tugas")
    dash_duo.wait_for_contains_text("#tugas-daftar", "Tidak ada yang menunggu Anda.")
    dash_duo.wait_for_text_to_equal(BADGE, "0")
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, pattern("tugas-aksi", act="setujui")) == []
    assert dash_duo.find_element(pattern("tugas-aksi", act="tandai")).text == "Tandai sudah ditangani"
    no_errors(dash_duo)
    click(dash_duo, "#navbar-logout")
    sign_in(dash_duo, engine, "maya", "manajemen", then="/tugas")
    dash_duo.wait_for_contains_text(".mpn-forbidden", "Akses ditolak")
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, BADGE) == []  # no tasks, no badge
    no_errors(dash_duo)


def test_kelengkapan_approval_rows_open_the_list_on_their_kind(engine: Engine) -> None:
    requested(engine)
    with engine.connect() as conn:
        table = approvals_list(pending_approvals(conn))
    links = [
        cell.children for tr in table.children[1].children for cell in tr.children if hasattr(cell.children, "href")
    ]
    assert [(a.children, a.href) for a in links] == [("Distribusi", "/tugas?jenis=distribution")]
