"""Every registered page, as every role that may open it: no component id twice in the document (Dash then wires a
callback to the wrong element: Penerimaan's KAP filter did nothing), and no chart whose Plotly config could send
data off the machine or whose modebar would not speak Bahasa Indonesia."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from dashboard.app import create_app
from dashboard.components.charts import config_problems
from tests.builders.pages import page_visits, rendered
from tests.dashboard.conftest import DAY, SeededDay
from tests.dashboard.helpers import client_as

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_as_every_role_has_unique_ids_and_safe_indonesian_charts(
    engine: Engine, seeded_day: SeededDay
) -> None:
    app = create_app()
    clients: dict[str, Any] = {}
    checked_graphs = 0
    visits = page_visits()
    assert len({path for _role, path in visits}) >= 13, visits
    for role, path in visits:
        if role not in clients:
            clients[role] = client_as(app, engine, role, f"uji{role.replace('_', '')}")
        client = clients[role]
        for search in ("", f"?tanggal={DAY.isoformat()}", f"?tanggal={DAY.isoformat()}&bank=002"):
            found = rendered(client, path, search)
            ids = Counter(json.dumps(c["props"]["id"], sort_keys=True) for c in found if "id" in c["props"])
            twice = sorted(i for i, n in ids.items() if n > 1)
            assert not twice, f"{path}{search} as {role}: ids used more than once: {twice}"
            for graph in (c for c in found if c["type"] == "Graph"):
                problems = config_problems(graph["props"].get("config"))
                assert not problems, f"{path} as {role}: chart {graph['props'].get('id')}: {problems}"
                checked_graphs += 1
    assert checked_graphs > 0, "no chart was rendered: the check checked nothing"


def test_no_chart_is_made_outside_the_shared_factory() -> None:
    """Charts a callback builds later are not in any layout above: every dcc.Graph comes from one factory."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "dashboard").rglob("*.py")
        if p.name != "charts.py" and re.search(r"\bdcc\.Graph\(|\bGraph\(", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_indonesian_plotly_locale_is_served_locally(engine: Engine) -> None:
    app = create_app()
    client = client_as(app, engine, "kasi")
    index = client.get("/penerimaan").get_data(as_text=True)
    assert "/assets/plotly-locale-id.js" in index
    script = client.get("/assets/plotly-locale-id.js").get_data(as_text=True)
    assert 'name: "id"' in script and '"Download plot as a PNG": "Unduh grafik sebagai PNG"' in script


@pytest.mark.parametrize(
    "config",
    [
        {"displaylogo": False, "locale": "id"},
        {
            "displaylogo": False,
            "showSendToCloud": False,
            "showEditInChartStudio": False,
            "showLink": False,
            "sendData": False,
            "plotlyServerURL": "https://chart-studio.plotly.com",
            "locale": "id",
        },
        {
            "displaylogo": False,
            "showSendToCloud": False,
            "showEditInChartStudio": False,
            "showLink": False,
            "sendData": False,
            "locale": "en",
        },
    ],
)
def test_the_check_refuses_a_config_that_could_send_data_out_or_speaks_english(config: dict[str, Any]) -> None:
    assert config_problems(config)
