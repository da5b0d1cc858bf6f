"""The administration pages (Pengguna, Pengaturan, Data induk) and every callback on them answer the admin only;
a temporary password opens nothing but Akun saya until it is changed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import Engine

from dashboard.app import create_app
from queries.accounts.audit import Actor
from queries.accounts.users import ROLES, set_password
from tests.dashboard.helpers import PASSWORD, client_as, fire, log_in, make_user

ADMIN_PAGES = ("/pengguna", "/pengaturan", "/data-induk")
PREFIXES = ("pg-", "set-", "di-", '{"col":', '{"day":')
ROUTER = ".._pages_content.children..._pages_store.data.."
OTHERS = [role for role in ROLES if role != "admin"]


@pytest.fixture
def app(engine: Engine) -> Dash:
    return create_app()


def admin_callbacks(app: Dash, client: FlaskClient) -> dict[str, dict[str, Any]]:
    """Every registered callback whose output is on one of the three pages."""
    client.get("/_dash-dependencies")  # Dash collects its callbacks on first use
    found = {
        out: entry
        for out, entry in app.callback_map.items()
        if any(part.lstrip(".").startswith(PREFIXES) for part in out.split("..."))
    }
    assert len(found) >= 15, sorted(found)
    return found


def _item(declared: dict[str, Any]) -> Any:
    ident = declared["id"]
    if ident.startswith("{"):
        return []  # a pattern-matching input with no matching component
    return {"id": ident, "property": declared["property"], "value": None}


def body_for(output: str, entry: dict[str, Any]) -> dict[str, Any]:
    """A well-formed request for the callback (so a refusal is about the role, never the shape)."""
    outputs = []
    for part in output.strip(".").split("..."):
        ident, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append({"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop})
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": [_item(i) for i in entry["inputs"]],
        "state": [_item(s) for s in entry["state"]],
        "changedPropIds": [],
    }


def open_page(client: FlaskClient, path: str) -> str:
    return fire(
        client,
        ROUTER,
        [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
    ).get_data(as_text=True)


@pytest.mark.parametrize("role", OTHERS)
def test_every_other_role_is_refused_each_page_and_every_callback(app: Dash, engine: Engine, role: str) -> None:
    client = client_as(app, engine, role)

    for path in ADMIN_PAGES:
        assert "Akses ditolak" in open_page(client, path), path
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert not any(f'"href": "{path}' in layout for path in ADMIN_PAGES)
    for output, entry in admin_callbacks(app, client).items():
        answer = client.post("/_dash-update-component", json=body_for(output, entry))
        assert answer.status_code == 403, output
        assert "tidak berwenang" in answer.get_json()["error"]


def test_the_admin_opens_the_pages_and_fires_every_callback(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "admin")

    assert "Tambah pengguna" in open_page(client, "/pengguna")
    assert "letters.reply_days" in open_page(client, "/pengaturan")
    assert "PT Bank Rakyat Indonesia" in open_page(client, "/data-induk")
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert all(f'"href": "{path}"' in layout for path in ADMIN_PAGES)
    for output, entry in admin_callbacks(app, client).items():
        answer = client.post("/_dash-update-component", json=body_for(output, entry))
        assert answer.status_code in (200, 204), (output, answer.status_code, answer.get_data(as_text=True)[:300])


def test_a_temporary_password_opens_only_the_account_page(app: Dash, engine: Engine) -> None:
    make_user(engine, "budi", "pelaksana")
    with engine.begin() as conn:
        set_password(conn, "budi", "sementara-123", actor=Actor("admin", "admin"), temporary=True)
    client = app.server.test_client()
    assert log_in(client, "budi", "sementara-123", next_path="/kelengkapan").status_code == 302

    assert client.get("/kelengkapan").headers["Location"] == "/akun"
    assert "Ganti kata sandi dulu" in open_page(client, "/data-masuk")
    assert "Ganti kata sandi dulu" in open_page(client, "/akun")
    refused = fire(
        client, "data-masuk-url.search", [{"id": "data-masuk-tanggal", "property": "date", "value": "2026-11-20"}]
    )
    assert refused.status_code == 403 and "Akun saya" in refused.get_json()["error"]

    changed = fire(
        client,
        "..akun-hasil.children...akun-sandi-lama.value...akun-sandi-baru.value...akun-sandi-ulang.value..",
        [{"id": "akun-simpan", "property": "n_clicks", "value": 1}],
        state=[
            {"id": "akun-sandi-lama", "property": "value", "value": "sementara-123"},
            {"id": "akun-sandi-baru", "property": "value", "value": PASSWORD + "-baru"},
            {"id": "akun-sandi-ulang", "property": "value", "value": PASSWORD + "-baru"},
        ],
    )
    assert changed.status_code == 200 and "telah diganti" in changed.get_data(as_text=True)
    assert client.get("/kelengkapan").status_code == 200
    assert "Ganti kata sandi dulu" not in open_page(client, "/data-masuk")
