"""Distribusi's report buttons on a date with no distribution: the refusal is the page's red alert, no file."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text

from dashboard.app import create_app
from tests.dashboard.helpers import callback_id, client_as, fire


def test_a_report_of_a_date_without_distribution_is_refused_in_the_alert(engine: Engine) -> None:
    app = create_app()
    client = client_as(app, engine, "pelaksana", "sari")
    answer = fire(
        client,
        callback_id(app, "download", module="distribusi"),
        [
            {"id": "ds-unduh-pdf", "property": "n_clicks", "value": 1},
            {"id": "ds-unduh-xlsx", "property": "n_clicks", "value": None},
        ],
        [{"id": "ds-hari", "property": "data", "value": "2026-11-20"}],
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    response = json.loads(answer.get_data(as_text=True))["response"]
    assert "ds-unduh" not in response  # no file
    shown = json.dumps(response["ds-pesan"], ensure_ascii=False)
    assert "Tidak ada distribusi untuk tanggal buku 20-11-2026; tidak ada yang dilaporkan." in shown
    assert "danger" in shown
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dist_report")).scalar_one() == 0
