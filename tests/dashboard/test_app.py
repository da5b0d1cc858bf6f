"""The app shell as served by gunicorn: local assets only, `/` leads to the user's first page."""

from __future__ import annotations

import re

from sqlalchemy import Engine

from dashboard.app import create_app
from tests.dashboard.helpers import client_as


def test_the_page_html_loads_every_script_and_stylesheet_from_this_server(engine: Engine) -> None:
    app = create_app()
    client = client_as(app, engine, "kasi")

    html = client.get("/data-masuk").get_data(as_text=True)

    assert app.scripts.config.serve_locally and app.css.config.serve_locally
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/assets/bootstrap.min.css" in " ".join(urls)
    assert [u for u in urls if not u.startswith("/")] == []


def test_the_login_page_loads_its_stylesheets_from_this_server() -> None:
    html = create_app().server.test_client().get("/login").get_data(as_text=True)

    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/assets/bootstrap.min.css" in urls
    assert [u for u in urls if not u.startswith("/")] == []


def test_root_address_opens_the_users_first_page(engine: Engine) -> None:
    app = create_app()

    assert client_as(app, engine, "pelaksana").get("/").headers["Location"] == "/kelengkapan"
    assert client_as(app, engine, "kasubdit").get("/").headers["Location"] == "/kelengkapan"
    assert client_as(app, engine, "tu").get("/").headers["Location"] == "/surat-pernyataan"


def test_management_lands_on_the_revenue_page(engine: Engine) -> None:
    answer = client_as(create_app(), engine, "manajemen").get("/")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/penerimaan"
