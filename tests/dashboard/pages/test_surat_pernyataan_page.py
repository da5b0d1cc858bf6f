"""The "Surat Pernyataan" page in a real headless Chromium: the bank × date matrix of statement letters, the detail
of a clicked cell, recording a letter with its scanned PDF, and the route that serves the scan."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from dash import Dash
from selenium.webdriver.common.keys import Keys
from sqlalchemy import Engine, text

from dashboard.app import create_app
from queries.accounts.users import user_by_name
from queries.imports import store as q
from queries.letters.statement_entry import DeclaredDay, record_statement
from tests.builders.reconciliation import D1, D2, Day, clean, letter, wib
from tests.dashboard.helpers import centre, client_as, fire, make_user, screenshot, sign_in, start

pytestmark = pytest.mark.browser

PAGE = "/surat-pernyataan"
ON_D2 = f"{PAGE}?tanggal=2026-11-20"  # the range ends on D2 (by default it ends on the last working day begun)
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
MANDIRI_D2 = clean(3, start=21, bank_code="008")  # Rp 660.000 in 3 payments, no letter


def save_callback(app: Dash) -> str:
    """The save callback's id, as the browser posts it (its shared outputs carry Dash's hash)."""
    from dash._callback import GLOBAL_CALLBACK_MAP

    return next(k for k in [*app.callback_map, *GLOBAL_CALLBACK_MAP] if k.startswith("..sp-pesan.children"))


def cell(bank: str, column: str) -> str:
    return f'#sp-matriks [row-id="{bank}"] [col-id="{column}"]'


def type_date(dash_duo, picker: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Type a date into a date picker, close its calendar (it would cover the fields below) and check it took."""
    centre(dash_duo, picker)
    dash_duo.clear_input(picker)
    dash_duo.find_element(picker).send_keys(value, Keys.ENTER)
    dash_duo.find_element(picker).send_keys(Keys.ESCAPE)
    dash_duo.wait_for_element_by_css_selector(picker)
    assert dash_duo.find_element(picker).get_attribute("value") == value, picker


def letters_of_a_fortnight(engine: Engine) -> None:
    """Thursday 19 and Friday 20 November: BRI on time both days, Mandiri late on the 19th and missing on the 20th,
    BNI declaring one payment too many on the 20th, the post office missing on the 20th."""
    Day(clean(2, day=D1) + clean(2, start=3)).load(engine)
    Day(clean(1, start=20, day=D1, bank_code="008") + MANDIRI_D2).load(engine, letters=False)
    with engine.begin() as conn:  # due Friday 20 November 09:00 WIB
        q.store_letter(conn, q.LetterIn("008", D1, "MDR/19", D1, wib(D2, 10, 15), 1, 200_000, "Kepala Cabang"))
    bni = clean(2, start=30, bank_code="009")
    Day(bni).load(engine, letters=False)
    letter(engine, "009", D2, 3, sum(r.amount for r in bni))
    Day(clean(1, start=40, bank_code="POS")).load(engine, letters=False)


def classes(dash_duo, selector: str) -> str:  # type: ignore[no-untyped-def]
    return dash_duo.find_element(selector).get_attribute("class") or ""


def test_pelaksana_sees_the_matrix_and_records_a_missing_letter_with_its_scan(
    dash_duo, engine: Engine, tmp_path: Path
) -> None:
    letters_of_a_fortnight(engine)
    app = create_app()
    start(dash_duo, app)
    sign_in(dash_duo, engine, "ani", "pelaksana", then=ON_D2)

    dash_duo.wait_for_text_to_equal(cell("008", "d20261120"), "✗")
    assert "mpn-sp-overdue" in classes(dash_duo, cell("008", "d20261120"))  # due Monday 23 November 09:00
    assert (
        dash_duo.find_element(cell("002", "d20261120")).text,
        dash_duo.find_element(cell("008", "d20261119")).text,
        dash_duo.find_element(cell("009", "d20261120")).text,
    ) == ("✓", "T", "≠")
    for selector, tone in (
        (cell("002", "d20261119"), "received"),
        (cell("008", "d20261119"), "late"),
        (cell("009", "d20261120"), "mismatch"),
        (cell("POS", "d20261120"), "overdue"),
        (cell("009", "d20261119"), "none"),
    ):
        assert f"mpn-sp-{tone}" in classes(dash_duo, selector), selector
    assert dash_duo.find_element(cell("008", "missing")).text == "1"
    assert dash_duo.find_element(cell("002", "missing")).text == "·"
    first_rows = dash_duo.find_elements("#sp-matriks .ag-pinned-left-cols-container .ag-row[row-index='0']")
    assert first_rows[0].get_attribute("row-id") == "008"  # most missing first, banks before the post office
    assert [e.text for e in dash_duo.find_elements("#sp-total .mpn-kpi-value")] == ["2", "1", "1", "2"]
    assert "4 bank/pos · 10 tanggal buku (09/11/2026 – 20/11/2026)" in dash_duo.find_element("#sp-jumlah").text

    centre(dash_duo, cell("008", "d20261120")).click()
    dash_duo.wait_for_contains_text("#sp-detail-judul", "008 · PT Bank Mandiri (Persero) Tbk · Jumat, 20 November")
    assert dash_duo.find_element("#sp-detail-status").text == "Belum diterima, lewat batas"
    assert (
        "Data MPN 3 transaksi / Rp 660.000, batch 3 transaksi / Rp 660.000"
        in dash_duo.find_element("#sp-detail-alasan").text
    )
    assert "Batas\nSenin, 23 November 2026 09:00 WIB" in dash_duo.find_element("#sp-detail").text
    dash_duo.wait_for_contains_text("#sp-bank", "008 · PT Bank Mandiri")
    day, count, amount = dash_duo.find_elements("#sp-hari-daftar input")
    assert day.get_attribute("value") == "20/11/2026"
    assert "Batch: 3 transaksi / Rp 660.000" in dash_duo.find_element("#sp-hari-daftar").text

    centre(dash_duo, "#sp-nomor").send_keys("B.77/MDR/XI/2026")
    type_date(dash_duo, "#sp-tanggal-terima", "20/11/2026")
    type_date(dash_duo, "#sp-tanggal-surat", "20/11/2026")
    dash_duo.clear_input("#sp-jam-terima")
    dash_duo.find_element("#sp-jam-terima").send_keys("16:30")
    dash_duo.find_element("#sp-penanda-tangan").send_keys("Kepala Divisi Operasional")
    count.send_keys("3")
    amount.send_keys("660.000")
    scan_file = tmp_path / "sp-mandiri-20112026.pdf"
    scan_file.write_bytes(PDF)
    dash_duo.find_element("#sp-unggah input[type=file]").send_keys(str(scan_file))
    dash_duo.wait_for_contains_text("#sp-unggah-berkas", f"sp-mandiri-20112026.pdf · {len(PDF)} B")
    centre(dash_duo, "#sp-simpan").click()

    dash_duo.wait_for_text_to_equal("#sp-pesan-isi", "Surat pernyataan dicatat untuk 1 tanggal")
    dash_duo.wait_for_text_to_equal(cell("008", "d20261120"), "✓")
    assert "mpn-sp-received" in classes(dash_duo, cell("008", "d20261120"))
    dash_duo.wait_for_text_to_equal("#sp-detail-status", "Diterima")
    assert dash_duo.find_element("#sp-detail-pindaian a").text == "Lihat pindaian (PDF)"
    assert "B.77/MDR/XI/2026" in dash_duo.find_element("#sp-detail-riwayat").text
    assert [e.text for e in dash_duo.find_elements("#sp-total .mpn-kpi-value")] == ["3", "1", "1", "1"]
    screenshot(dash_duo, "surat-pernyataan.png", full_page=True)
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())

    with engine.connect() as conn:
        scan_id, entered_by = conn.execute(
            text(
                "SELECT scan_id, entered_by FROM statement_letter WHERE bank_code = "
                "'008' AND business_date = :d AND superseded_at IS NULL"
            ),
            {"d": D2},
        ).one()
    assert entered_by == "ani"
    answer = client_as(app, engine, "kasi").get(f"/surat-pernyataan/pindaian/{scan_id}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.get_data() == PDF
    assert answer.headers["X-Content-SHA256"] == hashlib.sha256(PDF).hexdigest()
    assert answer.headers["Content-Disposition"].startswith('inline; filename="sp-mandiri-20112026.pdf"')


def test_a_refusal_is_shown_and_nothing_changes(dash_duo, engine: Engine) -> None:
    letters_of_a_fortnight(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "tono", "tu", then=ON_D2)
    centre(dash_duo, cell("POS", "d20261120")).click()
    dash_duo.wait_for_contains_text("#sp-bank", "POS")
    centre(dash_duo, "#sp-nomor").send_keys("POS/1")
    dash_duo.find_element("#sp-penanda-tangan").send_keys("Kepala Kantor")
    _day, count, amount = dash_duo.find_elements("#sp-hari-daftar input")
    count.send_keys("1")
    amount.send_keys("400.000")
    centre(dash_duo, "#sp-hari-tambah").click()  # a second date, then removed again: the first keeps its values
    dash_duo.wait_for_element(".mpn-sp-day:nth-child(2)")
    dash_duo.find_elements(".mpn-sp-day button")[1].click()
    dash_duo.wait_for_no_elements(".mpn-sp-day:nth-child(2)")
    assert [e.get_attribute("value") for e in dash_duo.find_elements("#sp-hari-daftar input")] == [
        "20/11/2026",
        "1",
        "400.000",
    ]
    type_date(dash_duo, "#sp-tanggal-surat", "19/11/2026")  # before the business date
    centre(dash_duo, "#sp-simpan").click()

    dash_duo.wait_for_contains_text("#sp-pesan-isi", "Tanggal buku 20-11-2026 sesudah tanggal surat 19-11-2026")
    assert "alert-danger" in classes(dash_duo, "#sp-pesan-isi")
    assert "mpn-sp-overdue" in classes(dash_duo, cell("POS", "d20261120"))
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_petugas_mpn_reads_the_detail_but_has_no_form(dash_duo, engine: Engine) -> None:
    letters_of_a_fortnight(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "pmpn", "petugas_mpn", then=ON_D2)
    centre(dash_duo, cell("009", "d20261120")).click()

    dash_duo.wait_for_text_to_equal("#sp-detail-status", "Tidak sesuai batch")
    assert (
        dash_duo.find_element("#sp-detail-alasan").text
        == "Jumlah dinyatakan 3 transaksi / Rp 610.000, batch 2 transaksi / Rp 610.000."
    )
    assert dash_duo.find_elements("#sp-form") == []
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())


def test_management_is_refused_the_page_the_recording_and_the_scan(dash_duo, engine: Engine) -> None:
    letters_of_a_fortnight(engine)
    app = create_app()
    start(dash_duo, app)
    sign_in(dash_duo, engine, "mira", "manajemen", then=PAGE)
    dash_duo.wait_for_contains_text(".mpn-forbidden", "Akses ditolak")

    answer = fire(
        client_as(app, engine, "manajemen", "mona"),
        save_callback(app),
        [{"id": "sp-simpan", "property": "n_clicks", "value": 1}],
        state=[{"id": "sp-bank", "property": "value", "value": "POS"}],
    )
    assert answer.status_code == 403
    assert "tidak berwenang" in answer.get_json()["error"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM statement_letter WHERE bank_code = 'POS'")).scalar() == 0


def test_the_scan_route_serves_the_pdf_to_its_roles_only(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    Day(MANDIRI_D2).load(engine, letters=False)
    make_user(engine, "ani", "pelaksana")
    with engine.begin() as conn:
        record_statement(
            conn,
            bank_code="008",
            days=[DeclaredDay(D2, 3, 660_000)],
            letter_number="B.1",
            letter_date=D2,
            received_at=wib(D2, 16),
            signer="Direksi",
            actor=user_by_name(conn, "ani"),
            scan_file=("surat pernyataan Mandiri.pdf", PDF),
        )
        scan_id = conn.execute(text("SELECT scan_id FROM statement_scan")).scalar_one()
    app = create_app()
    route = f"/surat-pernyataan/pindaian/{scan_id}"

    answer = client_as(app, engine, "tu").get(route)
    assert answer.status_code == 200 and answer.get_data() == PDF
    assert answer.headers["X-Content-SHA256"] == hashlib.sha256(PDF).hexdigest()
    assert answer.headers["Content-Disposition"] == (
        "inline; filename=\"surat_pernyataan_Mandiri.pdf\"; filename*=UTF-8''surat%20pernyataan%20Mandiri.pdf"
    )
    assert client_as(app, engine, "manajemen").get(route).status_code == 403
    assert app.server.test_client().get(route).status_code == 302  # to the login form
    assert client_as(app, engine, "kasi").get(f"/surat-pernyataan/pindaian/{scan_id + 1}").status_code == 404

    with engine.begin() as conn:  # damage behind the table's guard, as a bad disk or a careless DBA would
        conn.execute(text("ALTER TABLE statement_scan DISABLE TRIGGER tg_statement_scan_keep"))
        conn.execute(text("UPDATE statement_scan SET content = :c"), {"c": PDF[:-1] + b" "})
        conn.execute(text("ALTER TABLE statement_scan ENABLE TRIGGER tg_statement_scan_keep"))
    broken = client_as(app, engine, "kasubdit").get(route)
    assert broken.status_code == 500
    assert "tidak cocok dengan SHA-256" in broken.get_data(as_text=True)
    assert f"statement scan {scan_id} is corrupt" in caplog.text


def test_a_refused_scan_is_named_at_once_blocks_the_save_and_an_implausible_date_is_refused(
    dash_duo, engine: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    letters_of_a_fortnight(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=ON_D2)
    centre(dash_duo, cell("008", "d20261120")).click()
    dash_duo.wait_for_contains_text("#sp-bank", "008 · PT Bank Mandiri")
    assert dash_duo.find_element("#sp-nomor").get_attribute("maxlength") == "200"
    centre(dash_duo, "#sp-nomor").send_keys("B.78/MDR/XI/2026")
    dash_duo.find_element("#sp-penanda-tangan").send_keys("Kepala Divisi")
    _day, count, amount = dash_duo.find_elements("#sp-hari-daftar input")
    count.send_keys("3")
    amount.send_keys("660.000")
    upload = "#sp-unggah input[type=file]"

    fake = tmp_path / "bukan.pdf"
    fake.write_bytes(b"PK\x03\x04 a zip, not a scan")
    dash_duo.find_element(upload).send_keys(str(fake))
    dash_duo.wait_for_contains_text("#sp-unggah-tolak", "bukan.pdf bukan berkas PDF")
    centre(dash_duo, "#sp-simpan").click()
    dash_duo.wait_for_contains_text("#sp-pesan-isi", "Pindaian ditolak: bukan.pdf bukan berkas PDF")

    big = tmp_path / "besar.pdf"
    big.write_bytes(PDF + b"0" * (11 * 1024 * 1024))
    dash_duo.find_element(upload).send_keys(str(big))
    dash_duo.wait_for_contains_text("#sp-unggah-tolak", "paling besar 10,0 MB", timeout=20)
    assert "Berkas besar.pdf 11,0 MB" in dash_duo.find_element("#sp-unggah-tolak").text

    good = tmp_path / "sp.pdf"
    good.write_bytes(PDF)
    dash_duo.find_element(upload).send_keys(str(good))
    dash_duo.wait_for_contains_text("#sp-unggah-berkas", f"sp.pdf · {len(PDF)} B")
    type_date(dash_duo, "#sp-tanggal-surat", "31/12/1999")
    centre(dash_duo, "#sp-simpan").click()
    dash_duo.wait_for_contains_text(
        "#sp-pesan-isi", "Tanggal surat: tanggal 1999-12-31 sebelum 01/01/2000 tidak masuk akal."
    )
    assert "mpn-sp-overdue" in classes(dash_duo, cell("008", "d20261120"))

    type_date(dash_duo, "#sp-tanggal-terima", "20/11/2026")
    type_date(dash_duo, "#sp-tanggal-surat", "20/11/2026")
    centre(dash_duo, "#sp-simpan").click()
    dash_duo.wait_for_text_to_equal("#sp-pesan-isi", "Surat pernyataan dicatat untuk 1 tanggal")
    dash_duo.wait_for_text_to_equal(cell("008", "d20261120"), "✓")
    # the form is empty again, ready for the next letter
    assert [dash_duo.find_element(s).get_attribute("value") for s in ("#sp-nomor", "#sp-penanda-tangan")] == ["", ""]
    assert [e.get_attribute("value") for e in dash_duo.find_elements("#sp-hari-daftar input")] == ["", "", ""]
    dash_duo.wait_for_no_elements("#sp-unggah-berkas")
    assert dash_duo.get_logs() == [], "\n".join(e["message"] for e in dash_duo.get_logs())
