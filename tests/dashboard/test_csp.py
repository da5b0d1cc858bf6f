"""The Content-Security-Policy: on every response, Dash's inline scripts allowed by hash and nothing else, and
the pages (login, Kelengkapan, Penerimaan with Plotly, Rekonsiliasi with AG Grid) load in Chromium under it
without a single violation."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import Engine

from dashboard.app import create_app
from tests.builders.revenue import load
from tests.dashboard.helpers import client_as, make_user, sign_in, start, submit_login

#: A listener installed before any page script (CDP, not subject to the page's policy): every violation, kept.
WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile));"""

REQUIRED = [
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]


def directives(policy: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in policy.split(";")}


def inline_scripts(html: str) -> list[str]:
    """The bodies of `<script>` elements without `src` that a browser would run (not JSON data blocks)."""
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # Dash's `<!--[if IE]><script>` is a comment
    found = re.findall(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", html, flags=re.S)
    return [body for attrs, body in found if "src=" not in attrs and "application/json" not in attrs and body.strip()]


def test_every_answer_carries_the_policy_and_it_hashes_each_inline_script_of_the_page(app_engine: Any) -> None:
    app, engine = app_engine
    client = client_as(app, engine, "kasubdit")

    page = client.get("/kelengkapan")
    policy = page.headers["Content-Security-Policy"]
    scripts = inline_scripts(page.get_data(as_text=True))

    assert "new DashRenderer" in "".join(scripts)
    script_src = directives(policy)["script-src"].split()
    assert script_src[:2] == ["script-src", "'self'"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, body[:80]
    assert all(rule in policy for rule in REQUIRED)
    for path in ("/login", "/_dash-layout", "/healthz"):
        answer = client.get(path)
        assert answer.headers["Content-Security-Policy"] == policy
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
    assert inline_scripts(client.get("/login").get_data(as_text=True)) == []


@pytest.fixture
def app_engine(engine: Engine) -> tuple[Dash, Engine]:
    return create_app(), engine


def violations(dash_duo: Any) -> list[str]:
    """What the browser refused on this page: the page's own listener and the console."""
    seen = dash_duo.driver.execute_script("return window.__violations || null")
    assert seen is not None, "the violation listener did not run"
    console = [entry["message"] for entry in dash_duo.get_logs()]
    return list(seen) + console


def watch(dash_duo: Any) -> None:
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})


@pytest.mark.browser
def test_the_pages_load_under_the_policy_without_a_violation(dash_duo: Any, engine: Engine) -> None:
    load(engine)
    start(dash_duo, create_app())
    watch(dash_duo)
    dash_duo.driver.get(f"{dash_duo.server_url}/login")
    dash_duo.wait_for_element("#login-submit")
    assert violations(dash_duo) == []

    sign_in(dash_duo, engine, "dedi", "kasubdit", then="/kelengkapan?tanggal=2026-11-20")
    dash_duo.wait_for_element("#kl-skor")
    assert violations(dash_duo) == []

    dash_duo.driver.get(f"{dash_duo.server_url}/penerimaan?tanggal=2026-11-20")
    dash_duo.wait_for_text_to_equal("#pn-kartu .mpn-kpi-value", "Rp 125,7 M", timeout=15)
    dash_duo.wait_for_element(".js-plotly-plot .main-svg .trace", timeout=15)
    assert violations(dash_duo) == []

    dash_duo.driver.get(f"{dash_duo.server_url}/rekonsiliasi?tanggal=2026-11-20")
    dash_duo.wait_for_element("#rekon-grid .ag-center-cols-container [row-id]", timeout=15)
    assert violations(dash_duo) == []


@pytest.mark.browser
def test_the_check_sees_a_violation_when_the_renderer_is_not_allowed(dash_duo: Any, engine: Engine) -> None:
    app = create_app()
    app.mpn_csp = "default-src 'self'; script-src 'self'"  # the renderer's hash left out
    start(dash_duo, app)
    watch(dash_duo)

    dash_duo.driver.get(f"{dash_duo.server_url}/login")
    dash_duo.wait_for_element("#login-submit")
    make_user(engine, "dedi", "kasubdit")
    submit_login(dash_duo, "dedi")
    dash_duo.wait_for_element("#react-entry-point")

    assert any("script-src" in seen for seen in violations(dash_duo))
