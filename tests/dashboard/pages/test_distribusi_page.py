"""The "Distribusi" page in a real headless Chromium: prepare, request and two approvals by three users, delivery to
the in-process SIDJP/SIPMOD simulator seen as 100%, the refusals (role, own request, management, redistribution by a
kasi), a failed batch sent again from the page, and the report downloads."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from dashboard.app import create_app
from jobs.distribution.deliver import run_distribution
from jobs.distribution.target_sim import start_in_thread
from queries.accounts.audit import Actor
from queries.accounts.users import user_by_name
from queries.distribution import prepare as dist
from tests.builders.distribution import day_with_every_case
from tests.builders.reconciliation import D2
from tests.dashboard.helpers import (
    callback_id,
    click,
    client_as,
    fire,
    grid_cell,
    make_user,
    screenshot,
    sign_in,
    start,
    submit_login,
)

pytestmark = pytest.mark.browser

DAY = D2.isoformat()
PAGE = f"/distribusi?tanggal={DAY}"
FIRST = "MPN-20261120-R1-091-0000"


@pytest.fixture
def targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The reference SIDJP/SIPMOD simulator in this process; the delivery job's URLs point at it."""
    server, url = start_in_thread(tmp_path / "sim")
    monkeypatch.setenv("MPN_SIDJP_URL", f"{url}/sidjp")
    monkeypatch.setenv("MPN_SIPMOD_URL", f"{url}/sipmod")
    yield url
    server.stop()


def logout(dash_duo: Any) -> None:
    click(dash_duo, "#navbar-logout")
    dash_duo.wait_for_element("#username")


def no_errors(dash_duo: Any) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def approved_round(engine: Engine) -> None:
    """The every-case day prepared by ani, approved by budi (kasi) and dedi (kasubdit); the job request cleared."""
    day_with_every_case(engine)
    for name, role in (("ani", "pelaksana"), ("budi", "kasi"), ("dedi", "kasubdit")):
        make_user(engine, name, role)
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=Actor.system("test"))
        dist.request(conn, D2, actor=user_by_name(conn, "ani"))
        dist.approve(conn, D2, actor=user_by_name(conn, "budi"))
        dist.approve(conn, D2, actor=user_by_name(conn, "dedi"))
        conn.execute(text("DELETE FROM job_request"))


def test_a_distribution_is_prepared_requested_approved_twice_and_delivered(
    dash_duo, engine: Engine, targets: str
) -> None:
    day_with_every_case(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "ani", "pelaksana", then=PAGE)

    dash_duo.wait_for_text_to_equal(".mpn-subtitle", "Sudah sampaikah data ke SIDJP dan SIPMOD?")
    assert dash_duo.find_element("#ds-tanggal").get_attribute("value") == "20/11/2026"
    assert not dash_duo.find_element("#ds-ajukan").is_displayed()  # nothing prepared yet
    click(dash_duo, "#ds-siapkan")
    dash_duo.wait_for_contains_text(
        "#ds-pesan-isi", "Putaran 1 disiapkan: 5 baris (Rp 670.000) dalam 2 batch per tujuan; 6 baris ditahan."
    )
    dash_duo.wait_for_contains_text("#ds-putaran-1", "Disiapkan")
    assert "Surat pernyataan belum diterima" in dash_duo.find_element("#ds-tahan-008-no_statement").text
    link = dash_duo.find_element("#ds-tahan-008-no_statement a")
    assert link.get_attribute("href").endswith("/surat-pernyataan")
    click(dash_duo, "#ds-ajukan")
    dash_duo.wait_for_contains_text("#ds-pesan-isi", "menunggu persetujuan Kepala Seksi")
    dash_duo.wait_for_contains_text("#ds-persetujuan", "Diajukan oleh ani")
    assert not dash_duo.find_element("#ds-setujui").is_displayed()
    no_errors(dash_duo)

    logout(dash_duo)
    sign_in(dash_duo, engine, "budi", "kasi", then=PAGE)
    dash_duo.wait_for_contains_text("#ds-persetujuan", "Kepala Seksi: menunggu")
    click(dash_duo, "#ds-setujui")
    dash_duo.wait_for_contains_text("#ds-pesan-isi", "menunggu persetujuan Kepala Subdirektorat")
    dash_duo.wait_for_contains_text("#ds-persetujuan", "Kepala Seksi: disetujui · budi")
    assert not dash_duo.find_element("#ds-setujui").is_displayed()
    no_errors(dash_duo)

    logout(dash_duo)
    sign_in(dash_duo, engine, "dedi", "kasubdit", then=PAGE)
    click(dash_duo, "#ds-setujui")
    dash_duo.wait_for_contains_text("#ds-pesan-isi", "disetujui penuh")
    dash_duo.wait_for_contains_text("#ds-putaran-1", "Disetujui")
    dash_duo.wait_for_text_to_equal("#ds-kemajuan-teks", "0 dari 4 kiriman terkonfirmasi (2 batch × 2 tujuan)")
    assert dash_duo.find_element("#ds-penjadwal").text == "Menunggu penjadwal…"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT job_id, requested_by FROM job_request")).one() == ("distribution", "dedi")

    report = run_distribution(engine, D2, actor=Actor.system("test"))  # what the scheduler's run does
    assert report.remaining == 0

    dash_duo.wait_for_text_to_equal(
        "#ds-kemajuan-teks", "4 dari 4 kiriman terkonfirmasi (2 batch × 2 tujuan)", timeout=15
    )
    assert dash_duo.find_element("#ds-penjadwal").text == "Semua terkonfirmasi."
    cards = dash_duo.find_element("#ds-kpi").text
    assert "SUKSES SIDJP\n100,0%\n2 dari 2 batch, 5 dari 5 baris terkonfirmasi" in cards
    assert "SUKSES SIPMOD\n100,0%" in cards  # the card titles are upper case (CSS)
    dash_duo.wait_for_contains_text(grid_cell("#ds-kpp", "sidjp/091", "available"), "✓")
    assert dash_duo.find_element(grid_cell("#ds-kpp", "sidjp/091", "rows_confirmed")).text == "4"
    assert "median" in dash_duo.find_element("#ds-waktu").text
    dash_duo.wait_for_element("#ds-grafik .main-svg")
    screenshot(dash_duo, "distribusi.png", full_page=True)
    no_errors(dash_duo)


def test_refusals_by_role_own_request_and_management(dash_duo, engine: Engine) -> None:
    day_with_every_case(engine)
    make_user(engine, "ani", "pelaksana")
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=Actor.system("test"))
        dist.request(conn, D2, actor=user_by_name(conn, "ani"))
        conn.execute(text("UPDATE app_user SET role = 'kasi' WHERE username = 'ani'"))  # the maker promoted
    app = create_app()
    clicked = [{"id": "ds-setujui", "property": "n_clicks", "value": 1}]
    day = [{"id": "ds-hari", "property": "data", "value": DAY}, {"id": "ds-versi", "property": "data", "value": 0}]
    pelaksana = client_as(app, engine, "pelaksana", "sari")  # the first request makes Dash collect its callbacks
    assert fire(pelaksana, callback_id(app, "approve", module="distribusi"), clicked, day).status_code == 403
    kasi = client_as(app, engine, "kasi", "budi")
    redistribute = [
        {"id": "ds-ulang", "property": "n_clicks", "value": 1},
        {"id": "ds-ulang-semua", "property": "n_clicks", "value": None},
    ]
    assert (
        fire(
            kasi,
            callback_id(app, "redistribute", module="distribusi"),
            redistribute,
            [{"id": "ds-batch", "property": "selectedRows", "value": []}, *day],
        ).status_code
        == 403
    )
    content = fire(
        client_as(app, engine, "manajemen"),
        ".._pages_content.children..._pages_store.data..",
        [
            {"id": "_pages_location", "property": "pathname", "value": "/distribusi"},
            {"id": "_pages_location", "property": "search", "value": f"?tanggal={DAY}"},
        ],
    ).get_data(as_text=True)
    assert "Akses ditolak" in content and "ds-batch" not in content

    start(dash_duo, app)
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next={PAGE}")
    submit_login(dash_duo, "ani")  # the maker, now a kasi
    dash_duo.wait_for_contains_text("#ds-persetujuan", "Kepala Seksi: menunggu")
    click(dash_duo, "#ds-setujui")
    dash_duo.wait_for_text_to_equal("#ds-pesan-isi", "Anda tidak dapat menyetujui pengajuan Anda sendiri.")
    assert "alert-danger" in dash_duo.find_element("#ds-pesan-isi").get_attribute("class")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM approval_decision")).scalar_one() == 0
    no_errors(dash_duo)


def test_a_failed_batch_is_sent_again_from_the_page(dash_duo, engine: Engine) -> None:
    approved_round(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE distribution SET status = 'delivering'"))
        conn.execute(text("""UPDATE dist_batch SET state = 'confirmed', confirmed_at = now(), attempts = 1"""))
        conn.execute(
            text("""UPDATE dist_batch SET state = 'failed', attempts = 8, last_error = 'HTTP 503'
                              WHERE target = 'sidjp' AND batch_id = :b"""),
            {"b": FIRST},
        )
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "putu", "petugas_mpn", then=PAGE)

    dash_duo.wait_for_text_to_equal("#ds-kemajuan-teks", "3 dari 4 kiriman terkonfirmasi (2 batch × 2 tujuan)")
    assert dash_duo.find_element("#ds-penjadwal").text == "1 batch gagal."
    row = f"sidjp/{FIRST}"
    dash_duo.wait_for_text_to_equal(grid_cell("#ds-batch", row, "state"), "Gagal")
    assert " · KPP " in dash_duo.find_element(grid_cell("#ds-batch", row, "kpp_code")).text  # code and name
    click(
        dash_duo,
        f'#ds-batch .ag-pinned-left-cols-container [row-id="{row}"] input[type=checkbox], '
        f'#ds-batch [row-id="{row}"] .ag-selection-checkbox input',
    )
    click(dash_duo, "#ds-ulang")
    dash_duo.wait_for_text_to_equal("#ds-pesan-isi", "1 batch dikirim ulang; menunggu penjadwal…")
    dash_duo.wait_for_text_to_equal("#ds-penjadwal", "Menunggu penjadwal…")
    dash_duo.wait_for_text_to_equal(grid_cell("#ds-batch", row, "state"), "Disetujui")
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT state FROM dist_batch WHERE target = 'sidjp' AND batch_id = :b"), {"b": FIRST}
            ).scalar_one()
            == "approved"
        )
        assert conn.execute(text("SELECT job_id, requested_by FROM job_request")).one() == ("distribution", "putu")
        assert (
            conn.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'distribution.redistribute' AND actor = 'putu'")
            ).scalar_one()
            == 1
        )

    click(dash_duo, "#ds-ulang-semua")  # nothing failed any more
    dash_duo.wait_for_contains_text("#ds-pesan-isi", "Tidak ada batch gagal")
    no_errors(dash_duo)


def test_the_report_downloads_as_pdf_and_xlsx(engine: Engine) -> None:
    approved_round(engine)
    app = create_app()
    client = client_as(app, engine, "pelaksana", "sari")
    output = callback_id(app, "download", module="distribusi")
    for pressed, magic in (("ds-unduh-pdf", b"%PDF"), ("ds-unduh-xlsx", b"PK")):
        inputs = [
            {"id": b, "property": "n_clicks", "value": 1 if b == pressed else None}
            for b in ("ds-unduh-pdf", "ds-unduh-xlsx")
        ]
        body = {
            "output": output,
            "outputs": [
                {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
                for o in output.strip(".").split("...")
            ],
            "inputs": inputs,
            "state": [{"id": "ds-hari", "property": "data", "value": DAY}],
            "changedPropIds": [f"{pressed}.n_clicks"],
        }
        answer = client.post("/_dash-update-component", json=body)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        sent = json.loads(answer.get_data(as_text=True))["response"]["ds-unduh"]["data"]
        assert sent["filename"] == f"laporan-distribusi-mpn_{DAY}.{pressed.rsplit('-', 1)[1]}"
        assert base64.b64decode(sent["content"]).startswith(magic)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dist_report WHERE made_by = 'sari'")).scalar_one() == 2
