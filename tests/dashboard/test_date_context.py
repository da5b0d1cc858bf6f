"""One date context, kept in the address, in a real headless Chromium: the default day on a Sunday (with its
banner, never the Monday of an after-cut-off payment), the date across reload, the navbar and back; a Kelengkapan
cell landing on the page filtered to its bank and date; a file rejected on Sunday listed under the Friday it was
for; Penerimaan's KAP filter changing the charts. Screenshots at 1440×900 and 1280×720 (MPN_SCREENSHOTS=1)."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from dashboard.app import create_app
from jobs.reconciliation.run import reconcile
from queries import config
from tests.builders.reconciliation import D2, Day, batch, clean, payments, wib
from tests.builders.revenue import chart_totals
from tests.builders.revenue import load as load_revenue
from tests.dashboard.conftest import DAY, SeededDay
from tests.dashboard.helpers import click, grid_cell, screenshot, sign_in, start

pytestmark = pytest.mark.browser

WIB = ZoneInfo("Asia/Jakarta")
SUNDAY = datetime(2026, 12, 6, 9, 30, tzinfo=WIB)
FRIDAY = date(2026, 12, 4)


def until(check: Any, seconds: float = 15) -> None:
    """Wait until `check()` is true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {seconds} s")


def no_errors(dash_duo: Any) -> None:
    """No JavaScript error in the browser's console."""
    logs = [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]
    assert logs == [], "\n".join(e["message"] for e in logs)


def shots(dash_duo: Any, name: str) -> None:
    """The page at 1440×900 and 1280×720 (docs/screenshots/NAME-1440.png, NAME-1280.png)."""
    for width, height in ((1440, 900), (1280, 720)):
        dash_duo.driver.set_window_size(width, height)
        time.sleep(0.6)
        screenshot(dash_duo, f"{name}-{width}.png")
    dash_duo.driver.set_window_size(1440, 1000)


def totals(dash_duo: Any) -> dict[str, float]:
    """The charts' totals, empty while a chart is still being drawn."""
    try:
        return chart_totals(dash_duo)
    except KeyError:
        return {}


def fixed_now(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The dashboard's clock (the test server runs in this process)."""
    monkeypatch.setattr(config, "now", lambda: moment)


def test_on_sunday_every_page_opens_on_friday_and_says_why(
    dash_duo, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_now(monkeypatch, SUNDAY)
    # A payment after Sunday's cut-off belongs to Monday 07/12: that must not pull the pages into the future.
    payments(engine, clean(1, day=date(2026, 12, 7)))
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "sari", "pelaksana", then="/kelengkapan")
    banner = "Hari ini bukan hari kerja — menampilkan Jumat, 4 Desember 2026"
    for page in ("/kelengkapan", "/data-masuk", "/rekonsiliasi", "/distribusi"):
        dash_duo.driver.get(dash_duo.server_url + page)
        dash_duo.wait_for_contains_text(".mpn-day-off", banner)
        assert dash_duo.find_element(".mpn-day").text.startswith("Jumat, 4 Desember 2026"), page
        body = dash_duo.find_element("body").text
        assert "mpn reconcile" not in body and "Jalankan" not in body, page
        assert "Semua data tanggal ini memenuhi syarat" not in body, page
        assert dash_duo.find_element(".mpn-date-nav .disabled").text == "Berikutnya ›"
    shots(dash_duo, "hari-libur-distribusi")
    # Previous skips the weekend and the days off: from Monday 23/11 back to Friday 20/11.
    dash_duo.driver.get(dash_duo.server_url + "/data-masuk?tanggal=2026-11-23")
    click(dash_duo, ".mpn-date-nav a[title^='Jumat']")
    until(lambda: dash_duo.driver.current_url.endswith("/data-masuk?tanggal=2026-11-20"))
    no_errors(dash_duo)


def test_the_date_survives_reload_navbar_and_back(dash_duo, engine: Engine, seeded_day: SeededDay) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "sari", "pelaksana", then=f"/data-masuk?tanggal={DAY.isoformat()}")
    dash_duo.wait_for_contains_text(".mpn-day", "Jumat, 20 November 2026")
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text(".mpn-day", "Jumat, 20 November 2026")

    click(dash_duo, "#navbar-user")  # a page without a date: the navbar still remembers it
    dash_duo.wait_for_element("h1")
    link = dash_duo.find_element("a.nav-link[href^='/rekonsiliasi']")
    until(lambda: link.get_attribute("href").endswith(f"/rekonsiliasi?tanggal={DAY.isoformat()}"))
    link.click()
    until(lambda: f"/rekonsiliasi?tanggal={DAY.isoformat()}" in dash_duo.driver.current_url)
    dash_duo.wait_for_contains_text(".mpn-day", "Jumat, 20 November 2026")
    assert "active" in dash_duo.find_element("a.nav-link[href^='/rekonsiliasi']").get_attribute("class")

    dash_duo.driver.back()
    until(lambda: dash_duo.driver.current_url.endswith("/akun"))
    dash_duo.driver.back()
    until(lambda: dash_duo.driver.current_url.endswith(f"/data-masuk?tanggal={DAY.isoformat()}"))
    dash_duo.wait_for_contains_text(".mpn-day", "Jumat, 20 November 2026")
    no_errors(dash_duo)


def test_a_kelengkapan_cell_opens_its_page_filtered_to_that_bank_and_date(dash_duo, engine: Engine) -> None:
    Day(clean(2)).load(engine)
    mandiri = clean(3, start=10, bank_code="008")
    payments(engine, mandiri)
    batch(engine, "008", D2, mandiri, received_at=wib(D2, 16, 20))
    reconcile(engine, D2, as_of=wib(D2, 16, 30))
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "dedi", "kasubdit", then=f"/kelengkapan?tanggal={D2.isoformat()}")
    dash_duo.wait_for_element(grid_cell("#kl-matriks", "008", "batch"))
    dash_duo.driver.set_window_size(1280, 720)
    rows = dash_duo.driver.execute_script(
        "const nav = document.querySelector('.mpn-pages');"
        "return [nav.scrollWidth <= nav.clientWidth, new Set([...nav.querySelectorAll('.nav-link')]"
        ".map(a => a.getBoundingClientRect().top)).size];"
    )
    assert rows == [True, 1], "the navbar scrolls or wraps at 1280 px"
    shots(dash_duo, "kelengkapan-tanggal")
    click(dash_duo, grid_cell("#kl-matriks", "008", "batch"))
    until(lambda: dash_duo.driver.current_url.endswith(f"/data-masuk?tanggal={D2.isoformat()}&bank=008"))
    dash_duo.wait_for_element(grid_cell("#data-masuk-bank-grid", "008", "name"))
    rows = dash_duo.find_elements("#data-masuk-bank-grid .ag-center-cols-container [row-id]")
    assert [r.get_attribute("row-id") for r in rows] == ["008"]
    assert "Hanya bank/pos 008" in dash_duo.find_element("#data-masuk-saring-bank").text

    dash_duo.driver.get(f"{dash_duo.server_url}/kelengkapan?tanggal={D2.isoformat()}")
    click(dash_duo, grid_cell("#kl-matriks", "008", "recon"))
    until(lambda: dash_duo.driver.current_url.endswith(f"/rekonsiliasi?tanggal={D2.isoformat()}&bank=008"))
    dash_duo.wait_for_contains_text("#rekon-bank", "008")
    minutes = dash_duo.find_element(grid_cell("#rekon-bank-grid", "008", "minutes").replace("center", "pinned-right"))
    dash_duo.driver.set_window_size(1280, 720)
    assert minutes.is_displayed() and minutes.text  # "Batch → hasil" readable at 1280 px without scrolling
    grid = dash_duo.find_element("#rekon-bank-grid")
    assert minutes.rect["x"] + minutes.rect["width"] <= grid.rect["x"] + grid.rect["width"] + 1
    shots(dash_duo, "rekonsiliasi-bank")
    no_errors(dash_duo)


def test_a_file_rejected_on_sunday_shows_under_the_friday_it_was_for(
    dash_duo, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_now(monkeypatch, SUNDAY)
    kept = tmp_path / "rejected" / "20261206_bank_bank-999-20261204.csv"
    kept.parent.mkdir()
    kept.write_text("bank_code,business_date,ntpn\n999,2026-12-04,0123456789ABCDEF\n", encoding="utf-8")
    report = f"{kept}:2: bank_code: bank/pos persepsi 999 tidak ada di data induk"
    with engine.begin() as conn:
        conn.execute(
            text("""
            INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, row_count,
                                     total_amount, error_count, report, kept_path)
            VALUES ('bank', 'bank-999-20261204.csv', md5('x'), 80, :at, :at, 'rejected', 0, 0, 1, :report, :kept)
        """),
            {"at": datetime(2026, 12, 6, 7, 19, tzinfo=WIB), "report": report, "kept": str(kept)},
        )
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "putu", "petugas_mpn", then="/data-masuk")
    dash_duo.wait_for_contains_text("#berkas-ditolak", "1 berkas ditolak")
    banner = dash_duo.find_element("#berkas-ditolak").text
    assert "bank-999-20261204.csv" in banner and "Jumat, 4 Desember 2026" in banner
    click(dash_duo, "#data-masuk-file-grid .ag-center-cols-container .mpn-row-rejected [col-id='file_name']")
    dash_duo.wait_for_contains_text("#data-masuk-file-modal-body", "tidak ada di data induk")
    modal = dash_duo.find_element("#data-masuk-file-modal-body").text
    assert str(tmp_path) not in modal and "Disimpan di" not in modal
    shots(dash_duo, "berkas-ditolak-data-masuk")

    dash_duo.driver.get(dash_duo.server_url + "/kelengkapan")
    dash_duo.wait_for_contains_text("#berkas-ditolak", "bank-999-20261204.csv")
    # Its receipt date (Sunday) lists it too.
    dash_duo.driver.get(dash_duo.server_url + "/data-masuk?tanggal=2026-12-06")
    dash_duo.wait_for_contains_text("#berkas-ditolak", "bank-999-20261204.csv")
    no_errors(dash_duo)


def test_penerimaan_kap_filter_changes_the_charts_and_stays_in_the_address(dash_duo, engine: Engine) -> None:
    load_revenue(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "bambang", "manajemen", then=f"/penerimaan?tanggal={D2.isoformat()}")
    dash_duo.wait_for_text_to_equal("#pn-kartu .mpn-kpi-value", "Rp 125,7 M", timeout=15)
    until(lambda: totals(dash_duo).get("kelompok", 0) > 0)
    before = totals(dash_duo)
    dash_duo.select_dcc_dropdown("#pn-kap", value="411121 · PPh Pasal 21")  # BRI's PPh: one KAP among three
    until(lambda: 0 < totals(dash_duo).get("kelompok", 0) < before["kelompok"])
    after = totals(dash_duo)
    assert after["harian"] < before["harian"] and after["bank"] < before["bank"]
    until(lambda: "kap=" in dash_duo.driver.current_url)
    chosen = dash_duo.driver.current_url
    dash_duo.driver.refresh()
    until(lambda: abs(totals(dash_duo).get("kelompok", 0) - after["kelompok"]) < 1)
    assert dash_duo.driver.current_url == chosen
    shots(dash_duo, "penerimaan-kap")
    titles = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#pn-harian .modebar-btn')].map(b => b.getAttribute('data-title'))"
    )
    assert "Unduh grafik sebagai PNG" in titles and not any("Share" in t or "Chart Studio" in t for t in titles)

    # An inverted period says so instead of silently keeping the old figures.
    dash_duo.driver.get(dash_duo.server_url + "/penerimaan?dari=2026-11-20&sampai=2026-11-01")
    dash_duo.wait_for_contains_text("#pn-periode-pesan", "Periode terbalik")
    no_errors(dash_duo)
