"""The app shell as served by gunicorn: local assets only, `/` leads to the first page."""

from __future__ import annotations

import re

from dashboard.app import create_app


def test_the_page_html_loads_every_script_and_stylesheet_from_this_server() -> None:
    app = create_app()

    html = app.server.test_client().get("/data-masuk").get_data(as_text=True)

    assert app.scripts.config.serve_locally and app.css.config.serve_locally
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/assets/bootstrap.min.css" in " ".join(urls)
    assert [u for u in urls if not u.startswith("/")] == []


def test_root_address_opens_the_data_masuk_page() -> None:
    answer = create_app().server.test_client().get("/")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/data-masuk"
