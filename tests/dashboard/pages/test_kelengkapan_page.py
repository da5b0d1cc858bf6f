"""The "Kelengkapan harian" and "Rapor bank" pages in a real headless Chromium: the Kasubdit lands on the
completeness page, sees each bank's duties coloured and the score, the page refreshes by itself, a cell opens the
page that works it; management is refused; the screenshots."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from dashboard.app import create_app
from jobs.reconciliation.run import reconcile
from queries.imports import store as q
from tests.builders.reconciliation import D2, Day, batch, clean, payments, wib
from tests.builders.results import delivered
from tests.dashboard.helpers import click, client_as, fire, grid_cell, screenshot, sign_in, start

pytestmark = pytest.mark.browser

GRID = "#kl-matriks"
MONDAY = date(2026, 11, 23)
PAGE = f"/kelengkapan?tanggal={D2.isoformat()}"
ROUTER = ".._pages_content.children..._pages_store.data.."


def seed(engine: Engine) -> None:
    """Friday 20 November 2026: BRI complete and on time; Mandiri's batch at 16:20 and no statement letter."""
    Day(clean(2)).load(engine)
    mandiri = clean(3, start=10, bank_code="008")
    payments(engine, mandiri)
    batch(engine, "008", D2, mandiri, received_at=wib(D2, 16, 20))
    reconcile(engine, D2, as_of=wib(D2, 16, 30))
    with engine.begin() as conn:  # both results reached the head offices a minute later (R5)
        delivered(conn, "002", D2, wib(D2, 16, 31))
        delivered(conn, "008", D2, wib(D2, 16, 31))


def classes(dash_duo: Any, bank: str, duty: str) -> str:
    return dash_duo.find_element(cell(bank, duty)).get_attribute("class")


def cell(bank: str, duty: str) -> str:
    return grid_cell(GRID, bank, duty)


def until(check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds} s")


def no_errors(dash_duo: Any) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def test_kasubdit_lands_on_completeness_sees_states_refreshes_and_opens_a_cell(dash_duo, engine: Engine) -> None:
    seed(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "dedi", "kasubdit", then="/")
    dash_duo.wait_for_element("#kl-skor")
    assert dash_duo.driver.current_url.endswith("/kelengkapan")
    assert dash_duo.find_element("h1").text == "Kelengkapan harian"

    dash_duo.driver.get(dash_duo.server_url + PAGE)
    dash_duo.wait_for_element(cell("008", "statement"))
    assert "mpn-kl-done" in classes(dash_duo, "002", "statement")
    assert "mpn-kl-done" in classes(dash_duo, "002", "batch")
    assert "mpn-kl-late" in classes(dash_duo, "008", "batch")
    assert dash_duo.find_element(cell("008", "batch")).text == "⚠ 16:20"
    assert "mpn-kl-missing" in classes(dash_duo, "008", "statement")
    assert dash_duo.find_element(cell("008", "statement")).text == "✗ Belum"
    assert "mpn-kl-na" in classes(dash_duo, "002", "appeal")
    score = dash_duo.find_element("#kl-skor").text
    assert "SKOR KELENGKAPAN" in score.upper() and "%" in score
    assert "Surat pernyataan" in dash_duo.find_element("#kl-per-kewajiban").text
    dash_duo.wait_for_element("#kl-tren .main-svg")
    screenshot(dash_duo, "kelengkapan.png", full_page=True)

    # The letter arrives (late): the page shows it within one refresh, without reloading.
    dash_duo.driver.execute_script("window.mpnNotReloaded = true")
    with engine.begin() as conn:
        q.store_letter(
            conn,
            q.LetterIn(
                "008",
                D2,
                "MDR/20",
                D2,
                wib(MONDAY, 10),
                3,
                sum(r.amount for r in clean(3, start=10, bank_code="008")),
                "Direksi",
            ),
        )
    until(lambda: "mpn-kl-late" in classes(dash_duo, "008", "statement"), 45)
    assert dash_duo.driver.execute_script("return window.mpnNotReloaded") is True

    click(dash_duo, cell("002", "recon"))
    until(lambda: dash_duo.driver.current_url.endswith(f"/rekonsiliasi?tanggal={D2.isoformat()}&bank=002"), 10)
    dash_duo.wait_for_text_to_equal(".mpn-title", "Rekonsiliasi", timeout=15)
    no_errors(dash_duo)


def test_rapor_bank_lists_the_worst_bank_first(dash_duo, engine: Engine) -> None:
    seed(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "dedi", "kasubdit", then="/rapor-bank?dari=2026-11-01")
    first = "#rb-rapor .ag-center-cols-container [row-index='0']"
    dash_duo.wait_for_element(first)
    rows = dash_duo.find_elements("#rb-rapor .ag-pinned-left-cols-container .ag-row")
    assert sorted(r.get_attribute("row-index") for r in rows) == ["0", "1"]
    assert "Pasal 4 huruf e" in dash_duo.find_element(".mpn-kl-note").text
    assert (
        dash_duo.find_element("#rb-rapor .ag-pinned-left-cols-container [row-index='0'] [col-id='bank_code']").text
        == "008"
    )
    screenshot(dash_duo, "rapor-bank.png", full_page=True)
    no_errors(dash_duo)


def test_management_is_refused_both_pages_and_their_callbacks(engine: Engine) -> None:
    app = create_app()
    client = client_as(app, engine, "manajemen")
    for path in ("/kelengkapan", "/rapor-bank"):
        page = fire(
            client,
            ROUTER,
            [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
        )
        assert "Akses ditolak" in page.get_data(as_text=True)
    answer = fire(
        client,
        "kl-lokasi.href",
        [{"id": "kl-matriks", "property": "cellClicked", "value": {"colId": "recon", "rowId": "002"}}],
        state=[
            {"id": "kl-matriks", "property": "rowData", "value": []},
            {"id": "kl-tanggal", "property": "date", "value": D2.isoformat()},
        ],
    )
    assert answer.status_code == 403
    kasi = client_as(app, engine, "kasi")
    assert "Akses ditolak" not in fire(
        kasi,
        ROUTER,
        [
            {"id": "_pages_location", "property": "pathname", "value": "/kelengkapan"},
            {"id": "_pages_location", "property": "search", "value": "?tanggal=2026-11-20"},
        ],
    ).get_data(as_text=True)
