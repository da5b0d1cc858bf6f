"""The "Laporan" page in a real headless Chromium: the kept reports listed with their download links, the daily
report made on demand, and the refusals (a role without the page, a reader pressing the maker's button, a damaged
file)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, text

from dashboard.app import create_app
from jobs.documents.daily_report import make_daily_report
from queries.formatting import rupiah
from tests.dashboard.conftest import DAY, SeededDay
from tests.dashboard.helpers import click, client_as, fire, screenshot, sign_in, start

pytestmark = pytest.mark.browser

PAGE = "/laporan"
MAKE = "..lp-pesan.children...lp-daftar.children.."


def no_errors(dash_duo: Any) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def report_ids(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(  # type: ignore[misc]
                    "SELECT report_id, kind, format FROM dist_report ORDER BY report_id"
                )
            )
        ]


def test_the_list_shows_a_kept_report_whose_link_returns_the_pdf(
    dash_duo, engine: Engine, seeded_day: SeededDay
) -> None:
    name, pdf = make_daily_report(engine, DAY, fmt="pdf", made_by="system:scheduler")
    [(report_id, kind, fmt)] = report_ids(engine)
    app = create_app()
    start(dash_duo, app)
    sign_in(dash_duo, engine, "maya", "manajemen", then=PAGE)

    dash_duo.wait_for_contains_text("#lp-tabel", "20/11/2026")
    row = dash_duo.find_element("#lp-tabel tbody tr").text
    assert "Harian" in row and "PDF" in row and "Terbaru" in row and "system:scheduler" in row
    assert hashlib.sha256(pdf).hexdigest()[:12] in row
    link = dash_duo.find_element(f"#lp-unduh-{report_id}")
    assert link.get_attribute("href").endswith(f"/laporan/unduh/{report_id}")
    assert dash_duo.find_elements("#lp-buat") == []  # management reads, never makes
    no_errors(dash_duo)

    answer = client_as(app, engine, "manajemen", "mona").get(f"/laporan/unduh/{report_id}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.get_data() == pdf and answer.headers["X-Content-SHA256"] == hashlib.sha256(pdf).hexdigest()
    assert f'filename="{name}"' in answer.headers["Content-Disposition"]
    first = PdfReader(io.BytesIO(answer.get_data())).pages[0].extract_text()
    assert rupiah(89_265_245) in first  # the seeded day's MPN total


def test_the_button_makes_the_daily_report_now(dash_duo, engine: Engine, seeded_day: SeededDay) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=f"{PAGE}?tanggal={DAY.isoformat()}")
    dash_duo.wait_for_contains_text("#lp-daftar", "Belum ada laporan tersimpan")

    click(dash_duo, "#lp-buat")

    dash_duo.wait_for_contains_text("#lp-pesan-isi", "Laporan harian tanggal buku 20/11/2026 dibuat", timeout=30)
    assert "laporan-harian-mpn_2026-11-20.pdf" in dash_duo.find_element("#lp-pesan-isi").text
    assert [(k, f) for _, k, f in report_ids(engine)] == [("daily", "pdf"), ("daily", "xlsx")]
    rows = dash_duo.find_elements("#lp-tabel tbody tr")
    assert len(rows) == 2 and all("ani" in r.text and "Terbaru" in r.text for r in rows)
    click(dash_duo, "#lp-buat")  # again: a newer version, the older ones stay listed
    dash_duo.wait_for_text_to_equal("#lp-tabel tbody tr:nth-child(4) td:nth-child(4)", "Versi lama", timeout=30)
    assert len(report_ids(engine)) == 4
    screenshot(dash_duo, "laporan.png", full_page=True)
    no_errors(dash_duo)


def test_other_roles_are_refused_the_page_the_button_and_the_download(
    dash_duo, engine: Engine, seeded_day: SeededDay
) -> None:
    make_daily_report(engine, DAY, fmt="xlsx", made_by="system:scheduler")
    [(report_id, _, _)] = report_ids(engine)
    app = create_app()
    tu = client_as(app, engine, "tu")
    assert tu.get(f"/laporan/unduh/{report_id}").status_code == 403
    clicked = [{"id": "lp-buat", "property": "n_clicks", "value": 1}]
    day = [{"id": "lp-tanggal", "property": "date", "value": DAY.isoformat()}]
    answer = fire(client_as(app, engine, "petugas_mpn"), MAKE, clicked, day)
    assert answer.status_code == 403 and "tidak berwenang" in answer.get_json()["error"]
    assert len(report_ids(engine)) == 1
    kasi = client_as(app, engine, "kasi")
    xlsx = kasi.get(f"/laporan/unduh/{report_id}")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx.headers["Content-Disposition"].startswith("attachment;")
    assert kasi.get("/laporan/unduh/999999").status_code == 404
    with engine.begin() as conn:
        conn.execute(text("UPDATE dist_report SET content = 'rusak'::bytea"))
    assert kasi.get(f"/laporan/unduh/{report_id}").status_code == 500

    start(dash_duo, app)
    sign_in(dash_duo, engine, "tari", "tu", then=PAGE)
    dash_duo.wait_for_contains_text(".mpn-forbidden", "Akses ditolak")
