"""Logging in for dashboard tests: users with a known password, a browser login, Flask test clients
logged in as a role, direct calls to Dash's callback endpoint, and the README's screenshots."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from queries.accounts.audit import Actor
from queries.accounts.users import add_user

PASSWORD = "sandi-uji-123"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def make_user(engine: Engine, username: str, role: str, *, full_name: str = "") -> None:
    """An account with the tests' password (written straight through `queries.accounts.users`)."""
    with engine.begin() as conn:
        add_user(conn, username=username, role=role, password=PASSWORD, full_name=full_name, actor=Actor.system("test"))


def server_port() -> int:
    """A free port on loopback, so parallel test processes (pytest-xdist, several runs) never share 8050."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(dash_duo: Any, app: Any) -> None:
    """Serve `app` without opening it (its pages need a login first); `dash_duo.server_url` is set."""
    dash_duo.start_server(app, navigate=False, port=server_port())
    dash_duo._url = dash_duo.server.url  # what the `server_url` setter stores, minus its wait for a Dash page


def sign_in(dash_duo: Any, engine: Engine, username: str, role: str, *, then: str = "/") -> None:
    """Create the user, log in through the login form in the browser, land on `then`."""
    make_user(engine, username, role)
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next={then}")
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#navbar-user")


def submit_login(dash_duo: Any, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the login form already open in the browser (whatever it already holds is replaced)."""
    name = dash_duo.wait_for_element("#username")
    name.clear()
    name.send_keys(username)
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("#login-submit").click()


def screenshot(dash_duo: Any, name: str, *, full_page: bool = False) -> None:
    """Save docs/screenshots/NAME when MPN_SCREENSHOTS=1 (the README's pictures)."""
    if os.environ.get("MPN_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver = dash_duo.driver
    size = driver.get_window_size()
    if full_page:
        chrome = size["height"] - driver.execute_script("return window.innerHeight")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(size["width"], height + chrome)
    driver.save_screenshot(str(SCREENSHOTS / name))
    driver.set_window_size(size["width"], size["height"])


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a form of `path` carries."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: FlaskClient, username: str, password: str = PASSWORD, next_path: str = "/") -> TestResponse:
    """Submit the login form."""
    return client.post(
        "/login", data={"csrf": csrf_of(client), "username": username, "password": password, "next": next_path}
    )


def client_as(app: Any, engine: Engine, role: str, username: str | None = None) -> FlaskClient:
    """A test client of `app` logged in as a new user holding `role`."""
    username = username or role.replace("_", "")
    make_user(engine, username, role)
    client = app.server.test_client()
    assert log_in(client, username).status_code == 302
    return client


def fire(
    client: FlaskClient, output: str, inputs: list[dict[str, Any]], state: list[dict[str, Any]] | None = None
) -> TestResponse:
    """POST one callback request as the browser would (`output` is Dash's callback id)."""
    parts = output.strip(".").split("...")
    outputs: Any = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    if not output.startswith(".."):
        outputs = outputs[0]
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs],
    }
    return client.post("/_dash-update-component", json=body)


def logout_token(client: FlaskClient) -> str:
    """The CSRF token of the navbar's logout form, from the layout Dash sends to the browser."""

    def find(node: Any) -> str | None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props, dict) and props.get("name") == "csrf":
                return str(props["value"])
            return next((t for t in map(find, node.values()) if t), None)
        if isinstance(node, list):
            return next((t for t in map(find, node) if t), None)
        return None

    token = find(client.get("/_dash-layout").get_json())
    assert token, "no logout form in the layout"
    return token


def grid_cell(grid: str, row_id: object, column: str) -> str:
    """CSS selector of one AG Grid cell by row id and column id, in the centre or a pinned column block."""
    return ", ".join(
        f'{grid} .ag-{block}-cols-container [row-id="{row_id}"] [col-id="{column}"]'
        for block in ("center", "pinned-left", "pinned-right")
    )


def centre(dash_duo: Any, selector: str) -> Any:
    """Scroll the element to the middle of the window (Bootstrap scrolls smoothly: jump); the element."""
    element = dash_duo.wait_for_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    return element


def click(dash_duo: Any, selector: str) -> None:
    """Click an element after bringing it to the middle of the window."""
    centre(dash_duo, selector).click()


def callback_id(app: Any, name: str, *, module: str = "") -> str:
    """Dash's id of the server callback function `name` (in a module whose dotted name holds the part `module`, e.g.
    a page's folder): outputs with allow_duplicate carry a hash, and clientside callbacks (no server function) are
    skipped."""
    return next(
        key
        for key, entry in app.callback_map.items()
        if "callback" in entry
        and entry["callback"].__name__ == name
        and (not module or module in entry["callback"].__module__.split("."))
    )
