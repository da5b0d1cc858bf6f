"""The "Data masuk" page in a real headless Chromium, on a fresh database with one seeded day."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.app import create_app
from queries.scheduling.store import heartbeat, register_instance
from tests.dashboard.helpers import screenshot, sign_in, start

pytestmark = pytest.mark.browser

BANK_GRID = "#data-masuk-bank-grid"
FILE_GRID = "#data-masuk-file-grid"


def cell(grid: str, row_id: object, column: str) -> str:
    return f'{grid} .ag-center-cols-container [row-id="{row_id}"] [col-id="{column}"]'


def click(dash_duo, selector: str) -> None:
    """Scroll the element to the middle of the window (Bootstrap scrolls smoothly: jump), then click it."""
    element = dash_duo.find_element(selector)
    script = "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})"
    dash_duo.driver.execute_script(script, element)
    element.click()


def open_page(dash_duo, engine, query: str = "?tanggal=2026-11-20") -> None:  # the seeded Friday
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "sari", "pelaksana", then=f"/data-masuk{query}")
    dash_duo.wait_for_element("#data-masuk-tanggal")


def requested_urls(driver) -> list[str]:
    """Every URL the page asked the network for, from Chromium's performance (DevTools) log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_page_shows_each_bank_with_rupiah_amounts_and_missing_letters(dash_duo, engine, seeded_day) -> None:
    open_page(dash_duo, engine)

    dash_duo.wait_for_text_to_equal(cell(BANK_GRID, "002", "name"), "PT Bank Rakyat Indonesia (Persero) Tbk")
    assert dash_duo.find_element(cell(BANK_GRID, "002", "mpn_amount")).text == "Rp 1.234.567"
    assert dash_duo.find_element(cell(BANK_GRID, "008", "batch_amount")).text == "Rp 87.345.678"
    assert dash_duo.find_element(cell(BANK_GRID, "002", "batch_versions")).text == "2"
    assert dash_duo.find_element(cell(BANK_GRID, "002", "batch_received_at")).text == "15:42 WIB"
    assert dash_duo.find_element(cell(BANK_GRID, "POS", "batch_received_at")).text == "21/11 09:12 WIB"
    assert dash_duo.find_element(cell(BANK_GRID, "002", "letter")).text == "Ada"
    assert dash_duo.find_element(cell(BANK_GRID, "008", "letter")).text == "Belum"
    bni = dash_duo.find_element(f'{BANK_GRID} .ag-center-cols-container [row-id="009"]')
    assert "mpn-row-missing-batch" in bni.get_attribute("class")

    kpis = [e.text for e in dash_duo.find_elements(".mpn-kpi-value")]
    banks = len(dash_duo.find_elements(f"{BANK_GRID} .ag-center-cols-container .ag-row"))
    assert kpis == ["4", f"3 / {banks}", f"1 / {banks}", "1"]
    assert "Jumat, 20 November 2026" in dash_duo.find_element(".mpn-day").text
    screenshot(dash_duo, "data-masuk.png", full_page=True)
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_page_loads_nothing_from_outside_this_server(dash_duo, engine, seeded_day) -> None:
    open_page(dash_duo, engine)
    dash_duo.wait_for_text_to_equal(cell(BANK_GRID, "008", "letter"), "Belum")

    urls = [u for u in requested_urls(dash_duo.driver) if not u.startswith("data:")]

    assert any("/assets/bootstrap.min.css" in u for u in urls)
    assert {urlsplit(u).hostname for u in urls} <= {"127.0.0.1", "localhost"}, urls
    assert dash_duo.get_logs() == []


def test_clicking_a_rejected_file_shows_its_report(dash_duo, engine, seeded_day) -> None:
    open_page(dash_duo, engine)
    rejected = cell(FILE_GRID, seeded_day.rejected_file_id, "status")
    dash_duo.wait_for_text_to_equal(rejected, "Ditolak")

    click(dash_duo, cell(FILE_GRID, seeded_day.rejected_file_id, "file_name"))

    title = f"File ditolak: {seeded_day.rejected_file_name}"
    dash_duo.wait_for_text_to_equal("#data-masuk-file-modal-title", title)
    body = dash_duo.find_element("#data-masuk-file-modal-body")
    assert body.find_element(By.CSS_SELECTOR, "pre").text == seeded_day.rejected_report
    assert seeded_day.kept_path not in body.text  # users see the file's name, never where the server keeps it
    assert "Laporan penolakan (2 kesalahan)" in body.text
    screenshot(dash_duo, "data-masuk-file-ditolak.png")
    assert dash_duo.get_logs() == []


def test_a_day_without_data_says_so_and_links_to_the_previous_working_day(dash_duo, engine, seeded_day) -> None:
    open_page(dash_duo, engine, "?tanggal=2026-11-23")  # the Monday after the seeded Friday
    dash_duo.wait_for_text_to_equal(".mpn-empty-title", "Belum ada data untuk tanggal ini")
    screenshot(dash_duo, "data-masuk-kosong.png")

    click(dash_duo, "a[title='Jumat, 20 November 2026']")

    dash_duo.wait_for_text_to_equal(cell(BANK_GRID, "008", "letter"), "Belum")
    assert dash_duo.driver.current_url.endswith("/data-masuk?tanggal=2026-11-20")
    assert dash_duo.get_logs() == []


def test_picking_a_date_shows_that_day_and_puts_it_in_the_address(dash_duo, engine, seeded_day) -> None:
    open_page(dash_duo, engine)
    dash_duo.wait_for_text_to_equal(cell(BANK_GRID, "008", "letter"), "Belum")

    dash_duo.clear_input("#data-masuk-tanggal")
    dash_duo.find_element("#data-masuk-tanggal").send_keys("19/11/2026", Keys.ENTER)

    dash_duo.wait_for_text_to_equal(".mpn-day", "Kamis, 19 November 2026")
    dash_duo.wait_for_text_to_equal(".mpn-empty-title", "Belum ada data untuk tanggal ini")
    assert dash_duo.driver.current_url.endswith("/data-masuk?tanggal=2026-11-19")
    assert dash_duo.get_logs() == []


def test_an_unknown_address_shows_an_indonesian_not_found_page(dash_duo, engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "sari", "pelaksana", then="/tidak-ada")

    dash_duo.wait_for_text_to_equal("h1", "Halaman tidak ditemukan")
    assert [e.text for e in dash_duo.find_elements(".mpn-navbar .nav-link")] == [
        "Kelengkapan harian",
        "Data masuk",
        "Surat Pernyataan",
        "Surat Himbauan",
        "Rekonsiliasi",
        "Distribusi",
        "Rapor bank",
        "Laporan",
        "Penjadwal",
    ]
    assert dash_duo.get_logs() == []


def test_healthz_reports_the_database_reachable(dash_thread_server, db_url) -> None:
    dash_thread_server(create_app())

    answer = requests.get(f"{dash_thread_server.url}/healthz", timeout=10)

    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": True,
        "scheduler": {"heartbeat": None, "age_seconds": None, "alive": False},
    }


def test_healthz_reports_the_active_schedulers_heartbeat(dash_thread_server, engine) -> None:
    with engine.begin() as conn:
        register_instance(conn, "host-1-abc", "host", 1)
        heartbeat(conn, "host-1-abc", leader=True)
    dash_thread_server(create_app())

    scheduler = requests.get(f"{dash_thread_server.url}/healthz", timeout=10).json()["scheduler"]

    assert scheduler["alive"] is True and 0 <= scheduler["age_seconds"] < 30
    assert scheduler["heartbeat"].startswith(str(datetime.now(UTC).year))


def test_a_database_outage_is_explained_on_the_page_and_in_healthz(dash_duo, unreachable_database) -> None:
    start(dash_duo, create_app())
    dash_duo.driver.get(f"{dash_duo.server_url}/data-masuk")

    dash_duo.wait_for_contains_text("#login-message", "Basis data tidak dapat dihubungi")
    health = requests.get(f"{dash_duo.server_url}/healthz", timeout=10).json()
    assert health == {
        "status": "ok",
        "database": False,
        "scheduler": {"heartbeat": None, "age_seconds": None, "alive": False},
    }
    # the only complaint is the honest status of the login page itself
    assert [e["message"] for e in dash_duo.get_logs() if "503" not in e["message"]] == []
