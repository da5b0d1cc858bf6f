"""The Peringatan page in a real headless Chromium: the open alert with its times in WIB and the navbar bell, a kasi
acknowledging it with a note (audited, the bell going quiet), and the refusal a non-owner gets from the server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, text

from dashboard.app import create_app
from jobs.alerts import evaluate_alerts
from tests.builders.alerts import DAY, at, payments
from tests.dashboard.helpers import click, client_as, screenshot, sign_in, start

pytestmark = pytest.mark.browser

PAGE = "/peringatan"
ACT = "..pr-pesan.children...pr-versi.data.."


def no_errors(dash_duo: Any) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"] for e in logs)


def one_late_batch(engine: Engine) -> int:
    with engine.begin() as conn:
        payments(conn, DAY, ["002"])
    evaluate_alerts(engine, at(DAY, 16, 5))
    with engine.connect() as conn:
        return conn.execute(text("SELECT alert_id FROM alert")).scalar_one()


def test_a_kasi_acknowledges_an_open_alert_and_the_bell_counts_it(dash_duo, engine: Engine) -> None:
    alert_id = one_late_batch(engine)
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "sari", "kasi", then=PAGE)

    row = f"#pr-baris-{alert_id}"
    dash_duo.wait_for_contains_text(row, "Batch bank terlambat")
    text_ = dash_duo.find_element(row).text
    assert "20/11/2026" in text_ and "002 PT Bank Rakyat Indonesia" in text_ and "20/11/2026 16:00 WIB" in text_
    assert "20/11/2026 16:05 WIB" in text_ and "Terbuka" in text_ and " jam " in text_
    assert dash_duo.find_element("#navbar-lonceng-jumlah").text == "1"
    assert dash_duo.find_element("#navbar-lonceng").get_attribute("href").endswith(PAGE)
    screenshot(dash_duo, "peringatan-1440.png")

    dash_duo.find_element("#pr-catatan").send_keys("BRI sudah ditelepon, batch dikirim ulang")
    click(dash_duo, f"{row} .btn-primary")  # Tandai diketahui
    dash_duo.wait_for_contains_text("#pr-pesan-isi", "ditandai diketahui")
    dash_duo.wait_for_contains_text(row, "Diketahui")
    assert "BRI sudah ditelepon" in dash_duo.find_element(row).text
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT actor, action, object_id FROM audit_log WHERE action LIKE 'alert.%'")).all()
    assert [tuple(a) for a in audit] == [("sari", "alert.acknowledge", str(alert_id))]

    dash_duo.driver.get(dash_duo.server_url + PAGE)  # acknowledged: the bell no longer counts it
    dash_duo.wait_for_contains_text(row, "Diketahui")
    assert not dash_duo.find_element("#navbar-lonceng-jumlah").is_displayed()
    no_errors(dash_duo)


def press(client: Any, alert_id: int) -> Any:
    button = {"alert": alert_id, "type": "pr-ketahui"}
    key = json.dumps(button, separators=(",", ":"))
    body = {
        "output": ACT,
        "outputs": [{"id": "pr-pesan", "property": "children"}, {"id": "pr-versi", "property": "data"}],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}], []],
        "state": [
            {"id": "pr-catatan", "property": "value", "value": "coba"},
            {"id": "pr-lama", "property": "value", "value": 60},
            {"id": "pr-versi", "property": "data", "value": 0},
        ],
        "changedPropIds": [f"{key}.n_clicks"],
    }
    return client.post("/_dash-update-component", json=body)


def test_an_alert_of_a_duty_not_ones_own_is_refused(engine: Engine) -> None:
    alert_id = one_late_batch(engine)
    answer = press(client_as(create_app(), engine, "petugas_mpn", "petugas"), alert_id)
    assert answer.status_code == 200
    assert "Petugas Sistem MPN tidak memegang tugas ini" in answer.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM alert")).scalar_one() == "open"
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action LIKE 'alert.%'")).scalar_one() == 0
    tu = client_as(create_app(), engine, "tu")
    assert press(tu, alert_id).status_code == 403
