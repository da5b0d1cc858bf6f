"""The "Jejak audit" page in a real headless Chromium, on a trail written by real actions."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import Engine, text

from dashboard.app import create_app
from queries.accounts.audit import Actor, record
from queries.accounts.users import set_active
from tests.dashboard.helpers import make_user, screenshot, sign_in, start, submit_login

pytestmark = pytest.mark.browser

GRID = "#audit-grid"
#: The trail `open_trail` writes, oldest first: (action label, object).
TRAIL = [
    ("Tambah pengguna", "Pengguna budi"),
    ("Impor berkas", "Berkas mpn-20261120.csv"),
    ("Nonaktifkan pengguna", "Pengguna budi"),
    ("Tambah pengguna", "Pengguna rina"),
    ("Gagal masuk", "Pengguna rina"),
    ("Masuk", "Pengguna rina"),
]
DISABLED_BUDI = 3  # the row with a before and an after


def cell(seq: int, column: str) -> str:
    return f'{GRID} .ag-center-cols-container [row-id="{seq}"] [col-id="{column}"]'


def grid_rows(dash_duo) -> list[tuple[int, str, str]]:
    """The grid's rows top to bottom: (seq, action, object)."""
    rows = dash_duo.find_elements(f"{GRID} .ag-center-cols-container .ag-row")
    rows.sort(key=lambda row: int(row.get_attribute("row-index")))

    def text_of(row, column: str) -> str:
        return row.find_element(By.CSS_SELECTOR, f'[col-id="{column}"]').text

    return [(int(text_of(r, "seq")), text_of(r, "action"), text_of(r, "object")) for r in rows]


def open_trail(dash_duo, engine: Engine) -> None:
    """A trail of six rows from real actions; then kasubdit rina, after one wrong password, on the page."""
    make_user(engine, "budi", "pelaksana", full_name="Budi Santoso")
    with engine.begin() as conn:
        record(
            conn,
            Actor.system("scheduler"),
            "import.file",
            object_type="file",
            object_id="mpn-20261120.csv",
            after={"rows": 8, "total_amount": 89_265_245},
        )
        set_active(conn, "budi", False, actor=Actor.system("cli"))
    make_user(engine, "rina", "kasubdit", full_name="Rina Kusuma")
    start(dash_duo, create_app())
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next=/jejak-audit")
    submit_login(dash_duo, "rina", "bukan-sandinya")
    dash_duo.wait_for_text_to_equal("#login-message", "Nama pengguna atau kata sandi salah.")
    dash_duo.get_logs()  # the refused login is answered 401, which Chromium logs; it is not a Dash page
    submit_login(dash_duo, "rina")
    dash_duo.wait_for_text_to_equal(cell(len(TRAIL), "action"), "Masuk")


def check_chain(dash_duo) -> str:
    """Click "Periksa rantai hash" and return the new answer."""
    old = dash_duo.find_elements("#audit-rantai-hasil")
    dash_duo.find_element("#audit-periksa").click()
    if old:
        dash_duo._wait_for(lambda driver: not _attached(old[0]), None, "the old chain answer stays")
    return dash_duo.wait_for_element("#audit-rantai-hasil").text


def _attached(element) -> bool:
    try:
        element.is_displayed()
    except Exception:  # StaleElementReferenceException: replaced by the new answer
        return False
    return True


def test_the_trail_is_listed_newest_first_and_a_clicked_row_shows_before_and_after(dash_duo, engine) -> None:
    open_trail(dash_duo, engine)

    expected = [(seq, action, obj) for seq, (action, obj) in reversed(list(enumerate(TRAIL, start=1)))]
    assert grid_rows(dash_duo) == expected
    dash_duo.wait_for_text_to_equal("#audit-jumlah", "6 entri")
    assert dash_duo.find_element(cell(6, "actor")).text == "rina"
    assert dash_duo.find_element(cell(2, "actor")).text == "sistem (penjadwal)"
    assert dash_duo.find_element(cell(2, "change")).text == "baris: 8; jumlah total: Rp 89.265.245"
    assert dash_duo.find_element(cell(6, "role")).text == "Kepala Subdirektorat"
    assert dash_duo.find_element(cell(2, "role")).text == "Sistem"
    assert dash_duo.find_element(cell(DISABLED_BUDI, "change")).text == "aktif: ya → tidak"

    dash_duo.find_element(cell(DISABLED_BUDI, "object")).click()

    dash_duo.wait_for_text_to_equal("#audit-detail h2", "Entri 3: Nonaktifkan pengguna")
    before, after = (e.text for e in dash_duo.find_elements("#audit-detail dl"))
    assert (before.split(), after.split()) == (["aktif", "ya"], ["aktif", "tidak"])
    assert "sistem (baris perintah) · Pengguna budi" in dash_duo.find_element("#audit-detail p").text

    assert check_chain(dash_duo).startswith("Rantai hash utuh: 6 entri")
    screenshot(dash_duo, "jejak-audit.png", full_page=True)
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_picking_an_action_narrows_the_rows_and_the_count(dash_duo, engine) -> None:
    open_trail(dash_duo, engine)
    dash_duo.wait_for_text_to_equal("#audit-jumlah", "6 entri")

    dash_duo.select_dcc_dropdown("#audit-aksi", "Tambah pengguna")

    dash_duo.wait_for_text_to_equal("#audit-jumlah", "2 entri sesuai filter")
    dash_duo.wait_for_text_to_equal(cell(1, "object"), "Pengguna budi")
    assert grid_rows(dash_duo) == [(4, "Tambah pengguna", "Pengguna rina"), (1, "Tambah pengguna", "Pengguna budi")]

    dash_duo.find_element("#audit-reset").click()

    dash_duo.wait_for_text_to_equal("#audit-jumlah", "6 entri")
    dash_duo.wait_for_text_to_equal(cell(6, "action"), "Masuk")
    assert len(grid_rows(dash_duo)) == len(TRAIL)
    assert dash_duo.get_logs() == []


def test_the_chain_check_finds_a_row_altered_behind_the_applications_back(dash_duo, engine) -> None:
    open_trail(dash_duo, engine)
    assert check_chain(dash_duo).startswith("Rantai hash utuh")

    with engine.begin() as conn:  # its own connection; replica mode skips the triggers that refuse UPDATE
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_log SET actor = 'orang-lain' WHERE seq = :seq"), {"seq": DISABLED_BUDI})

    answer = check_chain(dash_duo)

    assert "RUSAK" in answer
    assert answer.startswith(f"Rantai hash RUSAK mulai entri {DISABLED_BUDI}")
    assert "isi entri ini diubah" in answer
    assert "alert-danger" in dash_duo.find_element("#audit-rantai-hasil").get_attribute("class")
    assert dash_duo.get_logs() == []


def test_a_pelaksana_is_refused_the_page(dash_duo, engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "budi", "pelaksana", then="/jejak-audit")

    dash_duo.wait_for_contains_text(".mpn-forbidden", "Akses ditolak")
    assert dash_duo.find_elements(GRID) == []
    assert dash_duo.find_elements("#audit-periksa") == []
    assert "Jejak audit" not in [e.text for e in dash_duo.find_elements(".mpn-navbar .nav-link")]
    assert dash_duo.get_logs() == []
