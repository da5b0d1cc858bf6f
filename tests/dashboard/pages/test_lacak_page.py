"""The "Lacak pembayaran" page in a real headless Chromium: an NTPN typed into the navbar's box shows the payment's
timeline; several matches are listed; management has no box and is refused the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
import pytest
from sqlalchemy import Engine

from dashboard.app import create_app
from tests.builders.reconciliation import D2, Day, clean, ntpn
from tests.builders.trace import build_worked_payment
from tests.dashboard.helpers import client_as, screenshot, sign_in, start

pytestmark = pytest.mark.browser


@pytest.fixture
def worked_payment(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A payment whose exception was worked and whose delivery failed once, then was redistributed."""
    return build_worked_payment(engine, tmp_path, monkeypatch)


def no_errors(dash_duo: Any) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def test_an_ntpn_typed_in_the_navbar_shows_its_timeline(dash_duo: Any, engine: Engine, worked_payment: str) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "kasi2", "kasi")
    box = dash_duo.wait_for_element("#navbar-lacak-q")
    box.send_keys(worked_payment.lower())
    dash_duo.find_element("#navbar-lacak").click()
    dash_duo.wait_for_element("#lacak-jejak")
    assert dash_duo.find_element("#lacak-q").get_attribute("value") == worked_payment.lower()
    text = dash_duo.find_element("#lacak-jejak").text
    for expected in (
        "Dibayar di",
        "Tercatat di data MPN",
        "Diterima dalam batch bank",
        "Selisih: Atribut berbeda",
        "Ditugaskan kepada ani",
        "Selisih diselesaikan",
        "Surat pernyataan",
        "Disetujui Kepala Seksi",
        "Didistribusikan ulang ke SIDJP",
        "Terkonfirmasi di SIDJP",
        "Terkonfirmasi di SIPMOD",
    ):
        assert expected in text, expected
    assert "WIB" in dash_duo.find_element("#lacak-langkah-0").text
    link = dash_duo.find_element("#lacak-jejak a[href*='/distribusi?tanggal=']")
    assert link.get_attribute("href").endswith(f"/distribusi?tanggal={D2.isoformat()}")
    assert dash_duo.find_element("#lacak-jejak a[href*='/rekonsiliasi?tanggal=']")
    no_errors(dash_duo)
    screenshot(dash_duo, "lacak.png", full_page=True)


def test_several_matches_are_listed_and_lead_to_one_trace(dash_duo: Any, engine: Engine) -> None:
    Day(clean(3)).load(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then="/lacak?q=012345678901000")
    dash_duo.wait_for_element("#lacak-hasil")
    assert "3 pembayaran cocok" in dash_duo.find_element("#lacak-hasil").text
    assert "62 tanggal buku terakhir" in dash_duo.find_element("#lacak-cakupan").text
    dash_duo.find_element(f"#lacak-hit-{ntpn(2)}").click()
    dash_duo.wait_for_element("#lacak-jejak")
    assert ntpn(2) in dash_duo.find_element("#lacak-fakta").text
    no_errors(dash_duo)


def test_management_has_no_search_box_and_is_refused_the_page(engine: Engine) -> None:
    app = create_app()
    client = client_as(app, engine, "manajemen")
    layout = str(client.get("/_dash-layout").get_json())
    assert "navbar-lacak" not in layout
    staff = client_as(app, engine, "pelaksana")
    assert "navbar-lacak" in str(staff.get("/_dash-layout").get_json())
    page = next(p for p in dash.page_registry.values() if p["path"] == "/lacak")
    assert page["navbar"] is False  # a search box, not a page link
    assert client.get("/lacak?q=X").status_code == 200  # the shell; the page's layout is refused (browser test)


def test_management_sees_access_refused_in_the_browser(dash_duo: Any, engine: Engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "maya", "manajemen", then="/lacak?q=X")
    dash_duo.wait_for_contains_text(".mpn-forbidden", "Akses ditolak")
    assert not dash_duo.driver.find_elements("css selector", "#navbar-lacak-q")
    assert not dash_duo.driver.find_elements("css selector", "#lacak-q")
