"""The "Rekonsiliasi" page in a real headless Chromium, on a small day reconciled by the real `reconcile`."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys
from sqlalchemy import Engine

from dashboard.app import create_app
from jobs.reconciliation.run import reconcile
from tests.builders.reconciliation import D2, Day, clean, ntpn
from tests.builders.work import exception_id
from tests.dashboard.helpers import callback_id, centre, click, client_as, fire, make_user, screenshot, sign_in, start
from tests.dashboard.helpers import grid_cell as cell

pytestmark = pytest.mark.browser

GRID = "#rekon-grid"
PAGE = f"/rekonsiliasi?tanggal={D2.isoformat()}"


def reconciled_day(engine: Engine) -> tuple[int, int]:
    """Bank 002: six payments, NTPN 3 keyed as Rp 1 by the bank, NTPN 6 in no batch; bank 008 clean. Reconciled.

    Returns the ids of the amount mismatch and the missing-in-bank exception.
    """
    bri, bni = clean(6), clean(3, start=20, bank_code="008")
    Day(bri + bni).load(engine, bank=[bri[0], bri[1], bri[2].but(amount=1), bri[3], bri[4], *bni])
    reconcile(engine, D2)
    return exception_id(engine, ntpn(3), "amount_mismatch"), exception_id(engine, ntpn(6), "missing_in_bank")


def open_exception(dash_duo, exc_id: int) -> None:
    click(dash_duo, cell(GRID, exc_id, "ntpn"))
    dash_duo.wait_for_contains_text("#rekon-detail-judul", f"Selisih #{exc_id}")


def test_an_exception_is_resolved_by_pelaksana_and_approved_by_kasi(dash_duo, engine: Engine) -> None:
    mismatch, _missing = reconciled_day(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)

    dash_duo.wait_for_text_to_equal(cell("#rekon-bank-grid", "002", "mpn_count"), "6")
    assert dash_duo.find_element(cell("#rekon-bank-grid", "002", "bank_count")).text == "5"
    assert dash_duo.find_element(cell("#rekon-bank-grid", "002", "matched_pct")).text == "66,6%"
    assert dash_duo.find_element(cell("#rekon-bank-grid", "008", "matched_pct")).text == "100,0%"
    minutes = dash_duo.find_element(cell("#rekon-bank-grid", "002", "minutes").replace("center", "pinned-right"))
    assert "mpn-minutes-" in minutes.get_attribute("class")
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "2 selisih")
    assert dash_duo.find_element("#rekon-kpi .mpn-kpi-value").text == "2"
    dash_duo.wait_for_text_to_equal(cell(GRID, mismatch, "category"), "Nilai berbeda")
    assert dash_duo.find_element(cell(GRID, mismatch, "bank_amount")).text == "Rp 1"

    open_exception(dash_duo, mismatch)
    assert dash_duo.find_element("#rekon-detail-judul").text == f"Selisih #{mismatch}: Nilai berbeda"
    amount = dash_duo.find_element("#rekon-field-amount")
    assert "mpn-diff" in amount.get_attribute("class")
    assert [td.text for td in amount.find_elements("css selector", "td")][:2] == ["Rp 30.000", "Rp 1"]
    assert "mpn-diff" not in (dash_duo.find_element("#rekon-field-npwp").get_attribute("class") or "")
    assert dash_duo.find_element("#rekon-detail-status").text == "Terbuka"

    centre(dash_duo, "#rekon-penyebab")
    dash_duo.select_dcc_dropdown("#rekon-penyebab", "Salah rekam oleh bank")
    dash_duo.find_element("#rekon-penyelesaian-isi").send_keys("Bank salah merekam nilai; surat koreksi diterima")
    click(dash_duo, "#rekon-ajukan")
    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "menunggu persetujuan kasi")
    dash_duo.wait_for_contains_text("#rekon-pending", "Salah rekam oleh bank")
    assert not dash_duo.find_element("#rekon-grup-ajukan").is_displayed()
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())

    click(dash_duo, "#navbar-logout")
    dash_duo.wait_for_element("#username")
    sign_in(dash_duo, engine, "budi", "kasi", then=PAGE)
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "2 selisih")
    dash_duo.wait_for_text_to_equal(cell(GRID, mismatch, "pending"), "Menunggu kasi")
    open_exception(dash_duo, mismatch)
    assert not dash_duo.find_element("#rekon-grup-ajukan").is_displayed()
    click(dash_duo, "#rekon-setujui")

    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "diselesaikan")
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "1 selisih")
    dash_duo.wait_for_text_to_equal("#rekon-kpi .mpn-kpi-value", "1")
    dash_duo.wait_for_text_to_equal("#rekon-detail-status", "Selesai")
    assert "Selisih diselesaikan" in dash_duo.find_element("#rekon-riwayat").text
    screenshot(dash_duo, "rekonsiliasi.png", full_page=True)
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_a_refused_action_is_shown_in_an_alert(dash_duo, engine: Engine) -> None:
    _mismatch, missing = reconciled_day(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "2 selisih")
    open_exception(dash_duo, missing)

    click(dash_duo, "#rekon-ajukan")  # no cause picked

    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "Pilih penyebab selisih terlebih dahulu.")
    assert "''" not in dash_duo.find_element("#rekon-pesan-isi").text
    assert "alert-danger" in dash_duo.find_element("#rekon-pesan-isi").get_attribute("class")
    assert dash_duo.get_logs() == []


def test_filters_narrow_the_grid(dash_duo, engine: Engine) -> None:
    reconciled_day(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "2 selisih")

    centre(dash_duo, "#rekon-kategori")
    dash_duo.select_dcc_dropdown("#rekon-kategori", "Tidak ada di bank")

    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "1 selisih")
    dash_duo.wait_for_text_to_equal(f"{GRID} .ag-center-cols-container [col-id='ntpn']", ntpn(6))
    assert dash_duo.get_logs() == []


def test_berita_acara_registered_by_pelaksana_shows_in_the_detail(dash_duo, engine: Engine) -> None:
    _mismatch, missing = reconciled_day(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "2 selisih")
    open_exception(dash_duo, missing)
    assert not dash_duo.find_element("#rekon-grup-tugaskan").is_displayed()  # reassigning: kasi, kasubdit

    centre(dash_duo, "#rekon-bac-nomor").send_keys("BA-001/2026")
    dash_duo.select_dcc_dropdown("#rekon-bac-alasan", "Kesalahan perekaman")
    dash_duo.select_dcc_dropdown("#rekon-bac-permintaan", "Pembatalan")
    click(dash_duo, "#rekon-bac-catat")

    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "Berita Acara BA-001/2026 dicatat (Pembatalan)")
    dash_duo.wait_for_contains_text("#rekon-bac", "BA-001/2026 · Pembatalan · Kesalahan perekaman")
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_correction_requested_by_pelaksana_and_approved_by_kasi_adjusts_and_keeps_the_original(
    dash_duo, engine: Engine
) -> None:
    mismatch, _missing = reconciled_day(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "2 selisih")
    open_exception(dash_duo, mismatch)

    centre(dash_duo, "#rekon-sesuai-kolom")
    dash_duo.select_dcc_dropdown("#rekon-sesuai-kolom", "Nilai")
    dash_duo.find_element("#rekon-sesuai-nilai").send_keys("30.000")
    dash_duo.select_dcc_dropdown("#rekon-sesuai-sebab", "Salah rekam oleh bank")
    dash_duo.find_element("#rekon-sesuai-isi").send_keys("Nilai batch dikoreksi sesuai bukti setor")
    click(dash_duo, "#rekon-sesuai-ajukan")  # booked on the exception's date: already reconciled (R9)
    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "Nota Perbaikan")
    assert dash_duo.find_element("#rekon-nota-nomor").is_displayed()  # its form opened

    dash_duo.clear_input("#rekon-sesuai-tanggal")
    dash_duo.find_element("#rekon-sesuai-tanggal").send_keys("23/11/2026", Keys.ENTER)
    click(dash_duo, "#rekon-sesuai-ajukan")
    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "menunggu persetujuan kasi")
    dash_duo.wait_for_contains_text("#rekon-pending", "Penyesuaian (Koreksi)")
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())

    click(dash_duo, "#navbar-logout")
    dash_duo.wait_for_element("#username")
    sign_in(dash_duo, engine, "budi", "kasi", then=PAGE)
    dash_duo.wait_for_text_to_equal(cell(GRID, mismatch, "pending"), "Menunggu kasi")
    open_exception(dash_duo, mismatch)
    assert not dash_duo.find_element("#rekon-grup-sesuai").is_displayed()
    click(dash_duo, "#rekon-setujui")

    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "disesuaikan")
    dash_duo.wait_for_text_to_equal("#rekon-detail-status", "Disesuaikan")
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "1 selisih")
    amount = dash_duo.find_element("#rekon-field-amount")  # the imported rows, unchanged
    assert [td.text for td in amount.find_elements("css selector", "td")][:2] == ["Rp 30.000", "Rp 1"]
    assert "Nilai Rp 1 → Rp 30.000" in dash_duo.find_element("#rekon-penyesuaian").text
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_kasubdit_reassigns_but_sees_no_adjustment_form(dash_duo, engine: Engine) -> None:
    mismatch, _missing = reconciled_day(engine)
    make_user(engine, "ani", "pelaksana", full_name="Ani Lestari")
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "kepala", "kasubdit", then=PAGE)
    dash_duo.wait_for_text_to_equal("#rekon-jumlah", "2 selisih")
    open_exception(dash_duo, mismatch)
    for group in ("sesuai", "bac", "nota", "ajukan"):
        assert not dash_duo.find_element(f"#rekon-grup-{group}").is_displayed(), group

    centre(dash_duo, "#rekon-tugaskan-ke")
    dash_duo.select_dcc_dropdown("#rekon-tugaskan-ke", "Ani Lestari (Pelaksana)")
    click(dash_duo, "#rekon-tugaskan")

    dash_duo.wait_for_contains_text("#rekon-pesan-isi", "ditugaskan kepada ani")
    dash_duo.wait_for_text_to_equal(cell(GRID, mismatch, "assignee"), "ani")
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_the_new_actions_refuse_other_roles_on_the_server(engine: Engine) -> None:
    mismatch, _missing = reconciled_day(engine)
    app = create_app()
    clicked = [{"id": "rekon-sesuai-ajukan", "property": "n_clicks", "value": 1}]
    selected = [{"id": "rekon-dipilih", "property": "data", "value": mismatch}]

    kasubdit = client_as(app, engine, "kasubdit")
    assert fire(kasubdit, callback_id(app, "ask_adjustment"), clicked, selected).status_code == 403
    assert (
        fire(
            kasubdit,
            callback_id(app, "berita_acara_transaksi"),
            [{"id": "rekon-bac-catat", "property": "n_clicks", "value": 1}],
            selected,
        ).status_code
        == 403
    )
    pelaksana = client_as(app, engine, "pelaksana")
    assert (
        fire(
            pelaksana,
            callback_id(app, "reassign"),
            [{"id": "rekon-tugaskan", "property": "n_clicks", "value": 1}],
            selected,
        ).status_code
        == 403
    )
