"""Penerimaan page: revenue cards in Indonesian short rupiah, drill-down Kanwil → KPP, cross-filtering, XLSX, roles."""

from __future__ import annotations

import base64
import io
from typing import Any

from dash.testing.wait import until
from openpyxl import load_workbook
from selenium.webdriver.common.action_chains import ActionChains
from sqlalchemy import Engine

from dashboard.app import create_app
from tests.builders.revenue import MANDIRI_ONLY, RECONCILED, ask_for_xlsx, chart_totals, load, traces
from tests.dashboard.helpers import client_as, screenshot, sign_in, start


def open_page(dash_duo: Any, engine: Engine, role: str = "manajemen") -> None:
    load(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "bambang", role, then="/penerimaan?tanggal=2026-11-20")  # period ends there
    dash_duo.wait_for_text_to_equal("#pn-kartu .mpn-kpi-value", "Rp 125,7 M", timeout=15)


def card_values(dash_duo: Any) -> list[str]:
    return [e.text for e in dash_duo.find_elements("#pn-kartu .mpn-kpi-value")]


def test_management_sees_reconciled_revenue_apart_from_the_rest_and_against_last_year(dash_duo, engine) -> None:
    open_page(dash_duo, engine)

    assert card_values(dash_duo) == ["Rp 125,7 M", "Rp 400,0 jt", "+25,7%", "99,7%"]
    notes = [e.text for e in dash_duo.find_elements("#pn-kartu .mpn-kpi-note")]
    assert notes[0] == "8 transaksi, 01/11/2026 – 20/11/2026"
    assert notes[2] == "Rp 100,0 M pada 01/11/2025 – 20/11/2025"
    dash_duo.wait_for_contains_text("#pn-kap-tabel", "PPN Dalam Negeri")
    assert chart_totals(dash_duo) == dict.fromkeys(("harian", "bulanan", "kelompok", "bank", "wilayah"), RECONCILED)
    assert traces(dash_duo, "pn-bulanan")["Tahun lalu"]["y"] == [100_000_000_000]
    screenshot(dash_duo, "penerimaan.png", full_page=True)
    assert dash_duo.get_logs() == []


def test_a_click_on_a_kanwil_shows_its_kpps_and_the_button_goes_back(dash_duo, engine) -> None:
    open_page(dash_duo, engine, "kasubdit")
    dash_duo.wait_for_text_to_equal("#pn-wilayah-judul", "Per Kanwil")
    assert traces(dash_duo, "pn-wilayah")["Terekonsiliasi"]["y"] == [
        "Kanwil DJP Jakarta Pusat",
        "Kanwil DJP Wajib Pajak Besar",
    ]

    bar = dash_duo.wait_for_element("#pn-wilayah .trace.bars .point path")  # the largest: Jakarta Pusat
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", bar)
    ActionChains(dash_duo.driver).move_to_element(bar).click().perform()

    dash_duo.wait_for_text_to_equal("#pn-wilayah-judul", "Per KPP: Kanwil DJP Jakarta Pusat")
    assert traces(dash_duo, "pn-wilayah")["Terekonsiliasi"]["y"] == [
        "KPP Madya Jakarta Pusat",
        "KPP Pratama Jakarta Menteng Satu",
    ]
    dash_duo.find_element("#pn-kembali").click()
    dash_duo.wait_for_text_to_equal("#pn-wilayah-judul", "Per Kanwil")
    assert not dash_duo.find_element("#pn-kembali").is_displayed()
    assert dash_duo.get_logs() == []


def test_choosing_a_bank_cuts_every_card_and_chart(dash_duo, engine) -> None:
    open_page(dash_duo, engine)
    dash_duo.wait_for_contains_text("#pn-kap-tabel", "PPh Pasal 21")

    dash_duo.select_dcc_dropdown("#pn-bank", value="008 · PT Bank Mandiri (Persero) Tbk")

    dash_duo.wait_for_text_to_equal("#pn-kartu .mpn-kpi-value", "Rp 117,3 M")
    assert card_values(dash_duo) == ["Rp 117,3 M", "Rp 0", "+19,7%", "100,0%"]
    dash_duo.wait_for_no_elements("#pn-kap-tabel tr:nth-child(2)")  # Mandiri's only KAP is left
    assert dash_duo.find_element("#pn-kap-tabel tbody").text.startswith("411211 PPN Dalam Negeri")
    expected = dict.fromkeys(("harian", "bulanan", "kelompok", "bank", "wilayah"), MANDIRI_ONLY)
    until(lambda: chart_totals(dash_duo) == expected, timeout=10)
    assert traces(dash_duo, "pn-bank-grafik")["Terekonsiliasi"]["y"] == ["PT Bank Mandiri (Persero) Tbk"]
    assert dash_duo.get_logs() == []


def test_a_pelaksana_is_refused_the_page_and_its_callbacks(dash_duo, engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "sari", "pelaksana", then="/penerimaan")

    dash_duo.wait_for_text_to_equal(".mpn-forbidden h4", "Akses ditolak")
    assert "Penerimaan" not in [e.text for e in dash_duo.find_elements(".mpn-navbar .nav-link")]
    client = client_as(create_app(), engine, "pelaksana", "ani")
    assert ask_for_xlsx(client).status_code == 403


def test_the_xlsx_holds_the_filtered_totals_one_sheet_per_chart(engine) -> None:
    load(engine)
    client = client_as(create_app(), engine, "manajemen")

    answer = ask_for_xlsx(client, ["008"])

    data = answer.get_json()["response"]["pn-unduhan"]["data"]
    assert data["filename"] == "penerimaan-20261101-20261120.xlsx"
    book = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    assert book.sheetnames == [
        "Ringkasan",
        "Harian",
        "Harian tahun lalu",
        "Bulanan",
        "Kelompok pajak",
        "KAP",
        "Bank",
        "KPP",
    ]
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(min_row=6, values_only=True)}
    assert summary["Penerimaan terekonsiliasi (Rp)"] == MANDIRI_ONLY
    assert summary["Belum terekonsiliasi (Rp)"] == 0
    assert summary["Pilihan"] == "bank 008; Kanwil DJP Jakarta Pusat"
    assert book["Harian"]["A2"].value == "Periode: 01/11/2026 – 20/11/2026"  # title rows, then the header
    assert sum(row[1] for row in book["Harian"].iter_rows(min_row=6, values_only=True)) == MANDIRI_ONLY
    assert [row[:3] for row in book["KPP"].iter_rows(min_row=6, values_only=True)] == [
        ("073", "KPP Madya Jakarta Pusat", MANDIRI_ONLY)
    ]
