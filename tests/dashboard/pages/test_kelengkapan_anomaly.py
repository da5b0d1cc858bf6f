"""Kelengkapan in a real headless Chromium: a result dated before its batch shows as an anomaly, not as on time."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from dashboard.app import create_app
from jobs.reconciliation.run import reconcile
from tests.builders.reconciliation import D2, Day, batch, clean, payments, wib
from tests.builders.results import delivered
from tests.dashboard.helpers import grid_cell, sign_in, start

pytestmark = pytest.mark.browser

GRID = "#kl-matriks"
PAGE = f"/kelengkapan?tanggal={D2.isoformat()}"


def test_an_impossible_result_time_shows_as_an_anomaly_cell_and_is_counted(dash_duo: Any, engine: Engine) -> None:
    Day(clean(2)).load(engine)
    mandiri = clean(3, start=10, bank_code="008")
    payments(engine, mandiri)
    batch(engine, "008", D2, mandiri, received_at=wib(D2, 16, 20))
    reconcile(engine, D2, as_of=wib(D2, 16, 5))  # BRI on time; Mandiri's batch only arrives at 16:20
    with engine.begin() as conn:  # BRI's result reached its head office (R5 is the delivery)
        delivered(conn, "002", D2, wib(D2, 16, 6))
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "dedi", "kasubdit", then=PAGE)
    anomaly = grid_cell(GRID, "008", "recon")
    dash_duo.wait_for_element(anomaly)
    assert "mpn-kl-anomaly" in dash_duo.find_element(anomaly).get_attribute("class")
    assert dash_duo.find_element(anomaly).text == "‼ Anomali"
    assert "mpn-kl-done" in dash_duo.find_element(grid_cell(GRID, "002", "recon")).get_attribute("class")
    cards = dash_duo.find_element("#kl-skor").text
    assert "ANOMALI WAKTU\n1" in cards.upper()
    per_duty = dash_duo.find_element("#kl-per-kewajiban").text
    assert "Rekonsiliasi 0 0 1" in per_duty
    assert "Anomali" in dash_duo.find_element(".mpn-kl-legend").text
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)
