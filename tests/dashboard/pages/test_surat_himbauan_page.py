"""The "Surat Himbauan" page in a real headless Chromium: draft, paraf, signature and sending by four users,
the refusals (own draft, wrong role, double click), escalation, and the letter's PDF route."""

from __future__ import annotations

import io
import time
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, text

from dashboard.app import create_app
from queries.accounts.users import user_by_name
from queries.letters.appeals import appeal_letter, propose_drafts, return_letter, send, sign
from queries.letters.appeals import initial as initial_letter
from tests.builders.reconciliation import D2, Day, clean
from tests.dashboard.helpers import (
    callback_id,
    centre,
    click,
    client_as,
    fire,
    grid_cell,
    make_user,
    screenshot,
    sign_in,
    start,
)

pytestmark = pytest.mark.browser

PAGE = "/surat-himbauan"
GRID = "#sh-grid"
BRI = "PT Bank Rakyat Indonesia (Persero) Tbk"


def no_letter_day(engine: Engine) -> None:
    """Bank 002 (BRI): payments and batch on 20 November 2026, no statement letter."""
    Day(clean(2)).load(engine, letters=False)


def draft_by(engine: Engine, username: str | None) -> int:
    """The system's (None) or `username`'s draft for 20 November 2026; its id."""
    with engine.begin() as conn:
        actor = user_by_name(conn, username) if username else None
        return propose_drafts(conn, D2, actor=actor)[0].letter_id


def act(engine: Engine, func: Any, letter_id: int, username: str, **kwargs: Any) -> None:
    with engine.begin() as conn:
        func(conn, letter_id, actor=user_by_name(conn, username), **kwargs)


def cell(row_id: object, column: str) -> str:
    return grid_cell(GRID, row_id, column)


def choose(dash_duo, value: str) -> None:
    """Pick a status on the filter (its buttons are labels of hidden radio inputs)."""
    click(dash_duo, f"#sh-filter label[for='_dbcprivate_radioitems_sh-filter_input_{value}']")


def open_letter(dash_duo, letter_id: int) -> None:
    click(dash_duo, cell(letter_id, "bank"))
    dash_duo.wait_for_contains_text("#sh-detail-judul", f"Surat Himbauan #{letter_id}")


def logout(dash_duo) -> None:
    click(dash_duo, "#navbar-logout")
    dash_duo.wait_for_element("#username")


def no_errors(dash_duo) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def test_a_letter_is_drafted_initialled_signed_and_sent_by_four_users(dash_duo, engine: Engine) -> None:
    no_letter_day(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=f"{PAGE}?tanggal=2026-11-20")  # the page date drafts for

    dash_duo.wait_for_text_to_equal(".mpn-subtitle", "Surat himbauan mana yang menunggu saya?")
    assert dash_duo.find_element("#sh-konsep-tanggal").get_attribute("value") == "20/11/2026"
    click(dash_duo, "#sh-buat-konsep")
    dash_duo.wait_for_text_to_equal("#sh-konsep-hasil", f"1 konsep dibuat: #1 {BRI}.")
    dash_duo.wait_for_contains_text("#sh-detail-judul", f"Surat Himbauan #1: {BRI}")
    dash_duo.wait_for_text_to_equal(cell(1, "dates"), "20/11")
    assert dash_duo.find_element(cell(1, "status")).text == "Konsep"
    assert dash_duo.find_element(cell(1, "drafted_by")).text == "ani"
    assert dash_duo.find_element("#sh-grup-perbaiki").is_displayed()  # a drafter may still edit the draft
    assert not dash_duo.find_element("#sh-grup-paraf").is_displayed()
    no_errors(dash_duo)

    logout(dash_duo)
    sign_in(dash_duo, engine, "budi", "kasi", then=PAGE)
    dash_duo.wait_for_text_to_equal("#sh-jumlah-saya", "1")
    open_letter(dash_duo, 1)
    assert "Kasi" in dash_duo.find_element("#sh-detail-status").text
    click(dash_duo, "#sh-paraf")
    dash_duo.wait_for_contains_text("#sh-pesan-isi", "diparaf; menunggu tanda tangan Kasubdit")
    dash_duo.wait_for_contains_text("#sh-riwayat", "Paraf Kasi · budi")
    dash_duo.wait_for_text_to_equal("#sh-jumlah-saya", "0")
    assert not dash_duo.find_element("#sh-grup-paraf").is_displayed()
    no_errors(dash_duo)

    logout(dash_duo)
    sign_in(dash_duo, engine, "kepala", "kasubdit", then=PAGE)
    dash_duo.wait_for_text_to_equal(cell(1, "initialled_by"), "budi")
    open_letter(dash_duo, 1)
    click(dash_duo, "#sh-tandatangani")
    dash_duo.wait_for_contains_text("#sh-pesan-isi", "ditandatangani dengan nomor")
    number = appeal_letter_of(engine, 1).letter_number
    assert number
    dash_duo.wait_for_text_to_equal("#sh-detail-nomor", number)
    dash_duo.wait_for_text_to_equal("#sh-jumlah-saya", "0")  # now it waits for TU
    no_errors(dash_duo)

    logout(dash_duo)
    sign_in(dash_duo, engine, "tata", "tu", then=PAGE)
    dash_duo.wait_for_text_to_equal(cell(1, "number"), number)
    open_letter(dash_duo, 1)
    centre(dash_duo, "#sh-agenda").send_keys("AG-0042/2026")
    click(dash_duo, "#sh-kirim")
    dash_duo.wait_for_contains_text("#sh-pesan-isi", "dicatat (agenda AG-0042/2026")
    dash_duo.wait_for_contains_text("#sh-riwayat", "Agenda AG-0042/2026")
    choose(dash_duo, "terkirim")
    dash_duo.wait_for_contains_text(cell(1, "sent"), "AG-0042/2026")
    assert dash_duo.find_element(cell(1, "escalation")).text == ""
    assert appeal_letter_of(engine, 1).status == "sent"
    no_errors(dash_duo)


def appeal_letter_of(engine: Engine, letter_id: int):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return appeal_letter(conn, letter_id)


def test_selected_letter_shows_its_pdf_preview(dash_duo, engine: Engine) -> None:
    no_letter_day(engine)
    make_user(engine, "budi", "kasi")
    letter_id = draft_by(engine, None)
    act(engine, initial_letter, letter_id, "budi")
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "kepala", "kasubdit", then=PAGE)

    open_letter(dash_duo, letter_id)
    source = dash_duo.find_element("#sh-pdf").get_attribute("src")
    assert source.split("#")[0].endswith(f"/surat-himbauan/{letter_id}.pdf")
    assert dash_duo.find_element("#sh-unduh").get_attribute("href").endswith(f"/{letter_id}.pdf?unduh=1")
    assert "Tanda tangani" in dash_duo.find_element("#sh-aksi-kosong").text
    assert dash_duo.find_element("#sh-grup-tandatangani").is_displayed()
    assert dash_duo.find_element("#sh-grup-kembalikan").is_displayed()
    assert "Konsep dibuat · sistem" in dash_duo.find_element("#sh-riwayat").text
    time.sleep(3)  # the browser's PDF viewer draws the letter
    screenshot(dash_duo, "surat-himbauan.png", full_page=True)
    no_errors(dash_duo)


def test_a_link_with_the_letter_id_opens_that_letter(dash_duo, engine: Engine) -> None:
    """The completeness view and the payment trace link to `/surat-himbauan?surat=ID`: the letter opens at once."""
    no_letter_day(engine)
    letter_id = draft_by(engine, None)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "budi", "kasi", then=f"{PAGE}?surat={letter_id}")
    dash_duo.wait_for_contains_text("#sh-detail-judul", f"Surat Himbauan #{letter_id}")
    assert dash_duo.find_element("#sh-grup-paraf").is_displayed()
    no_errors(dash_duo)


def test_a_kasi_sees_no_paraf_on_their_own_draft_but_may_edit_it(dash_duo, engine: Engine) -> None:
    no_letter_day(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "budi", "kasi", then=PAGE)

    click(dash_duo, "#sh-buat-konsep")
    dash_duo.wait_for_contains_text("#sh-detail-judul", "Surat Himbauan #1")
    assert not dash_duo.find_element("#sh-grup-paraf").is_displayed()
    assert not dash_duo.find_element("#sh-grup-kembalikan").is_displayed()  # nor returning their own draft
    assert dash_duo.find_element("#sh-grup-perbaiki").is_displayed()
    no_errors(dash_duo)


def test_double_click_on_paraf_initials_once(dash_duo, engine: Engine) -> None:
    no_letter_day(engine)
    letter_id = draft_by(engine, None)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "budi", "kasi", then=PAGE)
    open_letter(dash_duo, letter_id)

    button = centre(dash_duo, "#sh-paraf")
    dash_duo.driver.execute_script("arguments[0].click(); arguments[0].click();", button)

    dash_duo.wait_for_element("#sh-pesan-isi")
    dash_duo.wait_for_contains_text("#sh-riwayat", "Paraf Kasi · budi")
    message = dash_duo.find_element("#sh-pesan-isi").text
    assert "diparaf" in message, message
    with engine.connect() as conn:
        decisions = conn.execute(
            text("""SELECT count(*) FROM approval_decision d JOIN appeal_letter a
                                           ON a.request_id = d.request_id WHERE a.letter_id = :id"""),
            {"id": letter_id},
        ).scalar_one()
    assert decisions == 1
    assert appeal_letter_of(engine, letter_id).status == "initialled"


def test_a_returned_letter_is_revised_and_resubmitted(dash_duo, engine: Engine) -> None:
    no_letter_day(engine)
    make_user(engine, "budi", "kasi")
    letter_id = draft_by(engine, None)
    act(engine, return_letter, letter_id, "budi", note="Alamat kurang lengkap")
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)

    dash_duo.wait_for_text_to_equal(cell(letter_id, "status"), "Dikembalikan")
    open_letter(dash_duo, letter_id)
    assert "Catatan: Alamat kurang lengkap" in dash_duo.find_element("#sh-riwayat").text
    address = centre(dash_duo, "#sh-revisi-alamat")
    address.send_keys("\nJalan Jenderal Sudirman 44-46, Jakarta")
    click(dash_duo, "#sh-perbaiki")
    dash_duo.wait_for_contains_text("#sh-pesan-isi", "diajukan ulang untuk paraf Kasi")
    dash_duo.wait_for_contains_text("#sh-detail-status", "Konsep")
    assert "Sudirman" in appeal_letter_of(engine, letter_id).addressee
    no_errors(dash_duo)


def test_a_sent_letter_past_its_reply_period_is_flagged_for_escalation(dash_duo, engine: Engine) -> None:
    no_letter_day(engine)
    for name, role in (("budi", "kasi"), ("kepala", "kasubdit"), ("tata", "tu")):
        make_user(engine, name, role)
    letter_id = draft_by(engine, None)
    act(engine, initial_letter, letter_id, "budi")
    act(engine, sign, letter_id, "kepala")
    act(engine, send, letter_id, "tata", agenda_number="AG-7")
    long_ago = date.today() - timedelta(days=30)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE appeal_letter SET letter_date = :d, sent_on = :d WHERE letter_id = :id"),
            {"d": long_ago, "id": letter_id},
        )
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)

    dash_duo.wait_for_text_to_equal("#sh-kpi .mpn-kpi-danger .mpn-kpi-value", "1")
    choose(dash_duo, "terkirim")
    dash_duo.wait_for_text_to_equal(cell(letter_id, "escalation"), "Eskalasi")
    open_letter(dash_duo, letter_id)
    assert "hari kerja terlewati" in dash_duo.find_element("#sh-riwayat").text
    no_errors(dash_duo)


# --- the server's own checks --------------------------------------------------------------------------------------


def fire_act(client, app, name: str, button: str, letter_id: int):  # type: ignore[no-untyped-def]
    return fire(
        client,
        callback_id(app, name),
        [{"id": button, "property": "n_clicks", "value": 1}],
        [
            {"id": "sh-dipilih", "property": "data", "value": letter_id},
            {"id": "sh-versi", "property": "data", "value": 0},
        ],
    )


def test_a_kasi_cannot_initial_their_own_draft_even_by_calling_the_server(engine: Engine) -> None:
    no_letter_day(engine)
    app = create_app()
    kasi = client_as(app, engine, "kasi", "budi")
    letter_id = draft_by(engine, "budi")

    answer = fire_act(kasi, app, "initial_letter", "sh-paraf", letter_id)

    assert answer.status_code == 200
    assert "sendiri" in answer.get_data(as_text=True)
    assert appeal_letter_of(engine, letter_id).status == "draft"


def test_a_second_paraf_is_refused_with_who_initialled(engine: Engine) -> None:
    no_letter_day(engine)
    app = create_app()
    kasi = client_as(app, engine, "kasi", "budi")
    letter_id = draft_by(engine, None)

    assert "diparaf; menunggu" in fire_act(kasi, app, "initial_letter", "sh-paraf", letter_id).get_data(as_text=True)
    again = fire_act(kasi, app, "initial_letter", "sh-paraf", letter_id).get_data(as_text=True)

    assert "sudah diparaf oleh budi" in again


@pytest.mark.parametrize(
    ("role", "name", "button"),
    [
        ("pelaksana", "sign_letter", "sh-tandatangani"),
        ("tu", "initial_letter", "sh-paraf"),
        ("kasi", "send_letter", "sh-kirim"),
        ("manajemen", "initial_letter", "sh-paraf"),
    ],
)
def test_acts_refuse_other_roles_on_the_server(engine: Engine, role: str, name: str, button: str) -> None:
    no_letter_day(engine)
    app = create_app()
    client = client_as(app, engine, role)
    letter_id = draft_by(engine, None)

    assert fire_act(client, app, name, button, letter_id).status_code == 403
    assert appeal_letter_of(engine, letter_id).status == "draft"


def test_the_pdf_route_serves_the_signed_letter_to_its_roles_only(engine: Engine) -> None:
    no_letter_day(engine)
    app = create_app()
    make_user(engine, "budi", "kasi")
    make_user(engine, "kepala", "kasubdit")
    letter_id = draft_by(engine, None)
    act(engine, initial_letter, letter_id, "budi")
    act(engine, sign, letter_id, "kepala")
    number = appeal_letter_of(engine, letter_id).letter_number
    tu = client_as(app, engine, "tu")

    answer = tu.get(f"/surat-himbauan/{letter_id}.pdf")

    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("inline;")
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert BRI in words
    assert number and number in words
    download = tu.get(f"/surat-himbauan/{letter_id}.pdf?unduh=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert tu.get("/surat-himbauan/999.pdf").status_code == 404
    assert client_as(app, engine, "manajemen").get(f"/surat-himbauan/{letter_id}.pdf").status_code == 403
    assert app.server.test_client().get(f"/surat-himbauan/{letter_id}.pdf").status_code == 302  # to the login


def test_management_is_refused_the_page(engine: Engine) -> None:
    app = create_app()
    client = client_as(app, engine, "manajemen")

    content = fire(
        client,
        ".._pages_content.children..._pages_store.data..",
        [
            {"id": "_pages_location", "property": "pathname", "value": PAGE},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
    ).get_data(as_text=True)

    assert "Akses ditolak" in content
    assert "sh-grid" not in content
