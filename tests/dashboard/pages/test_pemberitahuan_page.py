"""Pemberitahuan gangguan in a real headless Chromium: a pelaksana records a bank's notice through the form, and
Kelengkapan shows the bank's late batch as 'terlambat — ada pemberitahuan', linked to the notice, counted apart."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.support.ui import Select
from sqlalchemy import Engine, text

from dashboard.app import create_app
from tests.builders.reconciliation import D2, batch, clean, payments, wib
from tests.dashboard.helpers import click, grid_cell, sign_in, start

pytestmark = pytest.mark.browser

GRID = "#kl-matriks"


def _type(dash_duo: Any, selector: str, value: str) -> None:
    box = dash_duo.find_element(selector)
    box.clear()
    box.send_keys(value)


def _choose(dash_duo: Any, select: str, value: str) -> None:
    Select(dash_duo.find_element(select)).select_by_value(value)


def test_recording_a_notice_turns_the_late_batch_into_the_excused_state(dash_duo: Any, engine: Engine) -> None:
    rows, other = clean(2, bank_code="008"), clean(2, start=5)
    payments(engine, rows + other)
    batch(engine, "008", D2, rows, received_at=wib(D2, 17))  # an hour after the 16:00 deadline
    batch(engine, "002", D2, other, received_at=wib(D2, 17))
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then="/pemberitahuan")
    dash_duo.wait_for_element("#pb-simpan")
    _choose(dash_duo, "#pb-bank", "008")
    _type(dash_duo, "#pb-nomor", "PB-77/TI/XI/2026")
    _type(dash_duo, "#pb-tanggal-surat", D2.isoformat())
    _type(dash_duo, "#pb-diterima", f"{D2.isoformat()} 17:30")
    _choose(dash_duo, "#pb-penyebab", "communication_failure")
    _type(dash_duo, "#pb-mulai", f"{D2.isoformat()} 08:00")
    _type(dash_duo, "#pb-selesai", f"{D2.isoformat()} 17:00")
    click(dash_duo, "#pb-simpan")
    dash_duo.wait_for_contains_text("#pb-pesan", "dicatat")
    dash_duo.wait_for_contains_text("#pb-tabel", "PB-77/TI/XI/2026")
    with engine.connect() as conn:
        notice_id = conn.execute(text("SELECT notice_id FROM disruption_notice")).scalar_one()

    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/kelengkapan?tanggal={D2.isoformat()}")
    excused = grid_cell(GRID, "008", "batch")
    dash_duo.wait_for_element(excused)
    assert "mpn-kl-excused" in dash_duo.find_element(excused).get_attribute("class")
    assert dash_duo.find_element(excused).text == "⚑ 17:00"
    assert "mpn-kl-late" in dash_duo.find_element(grid_cell(GRID, "002", "batch")).get_attribute("class")
    cards = dash_duo.find_element("#kl-skor").text.upper()
    assert "TERLAMBAT — ADA PEMBERITAHUAN\n1" in cards
    assert "Terlambat — ada pemberitahuan" in dash_duo.find_element(".mpn-kl-legend").text
    click(dash_duo, excused)  # the cell opens the notice
    dash_duo.wait_for_contains_text("#pb-dikecualikan", "Batch bank: selesai terlambat")
    assert dash_duo.driver.current_url.endswith(f"/pemberitahuan?id={notice_id}")
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def test_the_form_refuses_an_implausible_notice_in_indonesian(dash_duo: Any, engine: Engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then="/pemberitahuan")
    dash_duo.wait_for_element("#pb-simpan")
    _choose(dash_duo, "#pb-bank", "008")
    _type(dash_duo, "#pb-nomor", "PB-1")
    _type(dash_duo, "#pb-tanggal-surat", D2.isoformat())
    _type(dash_duo, "#pb-diterima", f"{D2.isoformat()} 17:30")
    _choose(dash_duo, "#pb-penyebab", "force_majeure")
    _type(dash_duo, "#pb-mulai", f"{D2.isoformat()} 08:00")
    _type(dash_duo, "#pb-selesai", f"{D2.isoformat()} 17:00")
    click(dash_duo, "#pb-simpan")
    dash_duo.wait_for_contains_text("#pb-pesan", "lebih dari satu hari")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM disruption_notice")).scalar_one() == 0
    assert dash_duo.get_logs() == []
