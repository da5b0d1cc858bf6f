"""Login, logout, the session cookie and the server-side role checks of pages and callbacks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from dash import Dash
from sqlalchemy import Engine, text
from werkzeug.exceptions import BadRequest

from dashboard.access import callback_roles, is_dash_internal
from dashboard.app import create_app
from dashboard.components.grids import row_block
from queries.accounts import sessions
from queries.accounts.audit import Actor, verify_chain
from queries.accounts.users import set_active, set_role
from tests.dashboard.helpers import PASSWORD, client_as, csrf_of, fire, log_in, logout_token, make_user

AUDIT_ROWS = "..audit-grid.getRowsResponse...audit-jumlah.children.."
ROUTER = ".._pages_content.children..._pages_store.data.."
DATE_PICK = "data-masuk-url.search"


@pytest.fixture
def app(engine: Engine) -> Dash:
    return create_app()


def audit_actions(engine: Engine, username: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT action FROM audit_log WHERE object_id = :u ORDER BY seq"), {"u": username}
            ).scalars()
        )


def hrefs(node) -> list[str]:
    """Every link target in a Dash layout (JSON), in document order."""
    if isinstance(node, dict):
        own = [node["href"]] if isinstance(node.get("href"), str) else []
        return own + [h for value in node.values() for h in hrefs(value)]
    if isinstance(node, list):
        return [h for item in node for h in hrefs(item)]
    return []


def open_page(client, path: str):
    """What Dash's page router returns for `path` (the page container's content)."""
    return fire(
        client,
        ROUTER,
        [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
    )


def audit_rows_request(client):
    return fire(
        client,
        AUDIT_ROWS,
        [{"id": "audit-grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 100, "sortModel": []}}],
        state=[
            {"id": f, "property": p, "value": None}
            for f, p in [
                ("audit-pengguna", "value"),
                ("audit-aksi", "value"),
                ("audit-objek", "value"),
                ("audit-tanggal", "start_date"),
                ("audit-tanggal", "end_date"),
            ]
        ],
    )


# --- who gets in ---------------------------------------------------------------------------------


def test_pages_and_dash_endpoints_need_a_login(app: Dash) -> None:
    client = app.server.test_client()

    page = client.get("/data-masuk?tanggal=2026-11-20")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/data-masuk?tanggal=2026-11-20"
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    assert (
        fire(client, DATE_PICK, [{"id": "data-masuk-tanggal", "property": "date", "value": "2026-11-20"}]).status_code
        == 401
    )


def test_health_login_and_static_files_need_no_login(app: Dash) -> None:
    client = app.server.test_client()

    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/assets/bootstrap.min.css").status_code == 200


def test_right_password_logs_in_and_goes_on_to_the_page_asked_for(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")
    client = app.server.test_client()

    answer = log_in(client, "sari", next_path="/data-masuk?tanggal=2026-11-20")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/data-masuk?tanggal=2026-11-20"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/_dash-layout").status_code == 200
    assert audit_actions(engine, "sari") == ["user.add", "auth.login"]


def test_the_session_cookie_is_secure_when_served_over_https(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")
    client = app.server.test_client()
    token = csrf_of(client)

    answer = client.post(
        "/login", data={"csrf": token, "username": "sari", "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
    )

    assert "Secure" in answer.headers["Set-Cookie"]


def test_wrong_password_is_refused_with_a_message_and_recorded(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")
    client = app.server.test_client()

    answer = log_in(client, "sari", "salah-sekali")

    assert answer.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in answer.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    assert audit_actions(engine, "sari")[-1] == "auth.login_failed"


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(app: Dash) -> None:
    answer = log_in(app.server.test_client(), "siapa", "apa-saja-123")

    assert answer.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in answer.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")
    client = app.server.test_client()
    for _ in range(5):
        log_in(client, "sari", "salah-sekali")

    answer = log_in(client, "sari", PASSWORD)

    assert answer.status_code == 401
    assert "Akun dikunci sementara" in answer.get_data(as_text=True)
    assert "auth.locked" in audit_actions(engine, "sari")


def test_a_login_form_without_its_csrf_token_is_refused(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")

    answer = app.server.test_client().post("/login", data={"username": "sari", "password": PASSWORD})

    assert answer.status_code == 400
    assert "sari" not in audit_actions(engine, "sari")[-1:] or audit_actions(engine, "sari") == ["user.add"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)"])
def test_login_never_redirects_off_this_server(app: Dash, engine: Engine, target: str) -> None:
    make_user(engine, "sari", "kasi")

    answer = log_in(app.server.test_client(), "sari", next_path=target)

    assert answer.headers["Location"] == "/"


def test_logout_ends_the_session_and_is_recorded(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "kasi", "sari")
    token = logout_token(client)

    answer = client.post("/logout", data={"csrf": token})

    assert answer.headers["Location"] == "/login?m=logged_out"
    assert client.get("/_dash-layout").status_code == 401
    assert audit_actions(engine, "sari")[-1] == "auth.logout"


def test_logout_without_the_csrf_token_does_nothing(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "kasi", "sari")

    client.post("/logout", data={})

    assert client.get("/_dash-layout").status_code == 200


def test_disabling_a_user_or_changing_the_role_ends_open_sessions(app: Dash, engine: Engine) -> None:
    kasi = client_as(app, engine, "kasi", "sari")
    tu = client_as(app, engine, "tu", "tono")
    with engine.begin() as conn:
        set_active(conn, "sari", False, actor=Actor.system("test"))
        set_role(conn, "tono", "pelaksana", actor=Actor.system("test"))

    assert kasi.get("/_dash-layout").status_code == 401
    assert tu.get("/_dash-layout").status_code == 401
    assert log_in(app.server.test_client(), "sari").status_code == 401


# --- pages by role -------------------------------------------------------------------------------

# The user box's badge (Tugas saya) and bell (Peringatan) come first, then the navbar's page links.
EXPECTED_PAGES = {
    "kasubdit": [
        "/tugas",
        "/peringatan",
        "/kelengkapan",
        "/data-masuk",
        "/surat-pernyataan",
        "/surat-himbauan",
        "/rekonsiliasi",
        "/distribusi",
        "/penerimaan",
        "/rapor-bank",
        "/laporan",
        "/penjadwal",
        "/kotak-keluar",
        "/jejak-audit",
    ],
    "kasi": [
        "/tugas",
        "/peringatan",
        "/kelengkapan",
        "/data-masuk",
        "/surat-pernyataan",
        "/surat-himbauan",
        "/rekonsiliasi",
        "/distribusi",
        "/penerimaan",
        "/rapor-bank",
        "/laporan",
        "/penjadwal",
        "/kotak-keluar",
    ],
    "pelaksana": [
        "/tugas",
        "/peringatan",
        "/kelengkapan",
        "/data-masuk",
        "/surat-pernyataan",
        "/surat-himbauan",
        "/rekonsiliasi",
        "/distribusi",
        "/rapor-bank",
        "/laporan",
        "/penjadwal",
    ],
    "petugas_mpn": [
        "/tugas",
        "/peringatan",
        "/kelengkapan",
        "/data-masuk",
        "/surat-pernyataan",
        "/rekonsiliasi",
        "/distribusi",
        "/laporan",
        "/penjadwal",
    ],
    "tu": ["/tugas", "/surat-pernyataan", "/surat-himbauan"],
    "manajemen": ["/penerimaan", "/laporan"],
    "admin": [
        "/peringatan",
        "/kelengkapan",
        "/data-masuk",
        "/surat-pernyataan",
        "/surat-himbauan",
        "/rekonsiliasi",
        "/distribusi",
        "/penerimaan",
        "/rapor-bank",
        "/laporan",
        "/penjadwal",
        "/kotak-keluar",
        "/jejak-audit",
        "/pengguna",
        "/pengaturan",
        "/data-induk",
    ],
}


@pytest.mark.parametrize("role", list(EXPECTED_PAGES))
def test_each_role_sees_only_its_pages_in_the_navbar(app: Dash, engine: Engine, role: str) -> None:
    layout = client_as(app, engine, role).get("/_dash-layout").get_json()

    assert [h for h in hrefs(layout) if h not in ("/", "/akun")] == EXPECTED_PAGES[role]


@pytest.mark.parametrize("role", list(EXPECTED_PAGES))
def test_each_role_can_open_only_its_pages(app: Dash, engine: Engine, role: str) -> None:
    client = client_as(app, engine, role)

    for path in sorted({path for paths in EXPECTED_PAGES.values() for path in paths}):
        content = open_page(client, path).get_data(as_text=True)
        assert ("Akses ditolak" not in content) == (path in EXPECTED_PAGES[role]), path
    assert "Akses ditolak" not in open_page(client, "/akun").get_data(as_text=True)


@pytest.mark.parametrize("role", ["kasi", "pelaksana", "petugas_mpn", "tu", "manajemen"])
def test_the_audit_trail_callback_refuses_other_roles_called_directly(app: Dash, engine: Engine, role: str) -> None:
    answer = audit_rows_request(client_as(app, engine, role))

    assert answer.status_code == 403
    assert "tidak berwenang" in answer.get_json()["error"]


@pytest.mark.parametrize("role", ["kasubdit", "admin"])
def test_the_audit_trail_callback_answers_its_roles(app: Dash, engine: Engine, role: str) -> None:
    answer = audit_rows_request(client_as(app, engine, role))

    assert answer.status_code == 200
    assert answer.get_json()["response"]["audit-grid"]["getRowsResponse"]["rowCount"] >= 2


def test_operational_callbacks_refuse_management(app: Dash, engine: Engine) -> None:
    answer = fire(
        client_as(app, engine, "manajemen"),
        DATE_PICK,
        [{"id": "data-masuk-tanggal", "property": "date", "value": "2026-11-20"}],
    )

    assert answer.status_code == 403


def test_an_unknown_callback_is_refused(app: Dash, engine: Engine) -> None:
    answer = fire(client_as(app, engine, "admin"), "rahasia.children", [])

    assert answer.status_code == 404


def test_every_callback_names_the_roles_allowed_to_fire_it(app: Dash, engine: Engine) -> None:
    client_as(app, engine, "admin").get("/_dash-dependencies")  # Dash collects its callbacks on first use

    # a clientside callback runs in the browser only (no server function, nothing to authorise)
    unnamed = [
        output
        for output, entry in app.callback_map.items()
        if callback_roles(entry) is None and not is_dash_internal(output) and "callback" in entry
    ]

    assert unnamed == []


def test_login_and_logout_keep_the_audit_chain_intact(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "kasi", "sari")
    client.post("/logout", data={"csrf": logout_token(client)})
    log_in(client, "sari", "salah")

    with engine.connect() as conn:
        check = verify_chain(conn)
    assert check.ok and check.rows == 4


def test_the_account_page_changes_the_password_and_keeps_the_session(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "tu", "tono")
    output = "..akun-hasil.children...akun-sandi-lama.value...akun-sandi-baru.value...akun-sandi-ulang.value.."

    answer = fire(
        client,
        output,
        [{"id": "akun-simpan", "property": "n_clicks", "value": 1}],
        state=[
            {"id": "akun-sandi-lama", "property": "value", "value": PASSWORD},
            {"id": "akun-sandi-baru", "property": "value", "value": "sandi-baru-456"},
            {"id": "akun-sandi-ulang", "property": "value", "value": "sandi-baru-456"},
        ],
    )

    assert answer.status_code == 200
    assert "Kata sandi telah diganti" in answer.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 200
    assert log_in(app.server.test_client(), "tono", "sandi-baru-456").status_code == 302
    assert audit_actions(engine, "tono")[-2] == "auth.password_change"
    assert datetime.now(UTC)  # the clock the lockout uses is time-zone aware


# --- sessions end on the server ------------------------------------------------------------------


def cookie_of(client) -> str:
    """The session cookie's value as the browser holds it."""
    cookie = client.get_cookie("mpn_session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app: Dash, cookie: str):
    """A fresh client holding a copied session cookie (what an attacker who copied it would send)."""
    other = app.server.test_client()
    other.set_cookie("mpn_session", cookie)
    return other


def test_a_cookie_replayed_after_logout_opens_nothing(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "kasubdit", "sari")
    copied = cookie_of(client)
    assert replay(app, copied).get("/_dash-layout").status_code == 200

    client.post("/logout", data={"csrf": logout_token(client)})

    thief = replay(app, copied)
    assert thief.get("/_dash-layout").status_code == 401
    assert audit_rows_request(thief).status_code == 401
    page = thief.get("/jejak-audit")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=/jejak-audit")
    with engine.connect() as conn:
        ended = (
            conn.execute(
                text("SELECT end_reason FROM user_session s JOIN app_user u USING (user_id) WHERE u.username = 'sari'")
            )
            .scalars()
            .all()
        )
    assert ended == ["logout"]


def test_logout_ends_only_that_session(app: Dash, engine: Engine) -> None:
    desk = client_as(app, engine, "kasi", "sari")
    laptop = app.server.test_client()
    assert log_in(laptop, "sari").status_code == 302

    desk.post("/logout", data={"csrf": logout_token(desk)})

    assert desk.get("/_dash-layout").status_code == 401
    assert laptop.get("/_dash-layout").status_code == 200


def test_a_session_past_its_ten_hours_is_refused(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "kasi", "sari")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE user_session SET created_at = created_at - interval '11 hours',"
                " last_seen = last_seen - interval '11 hours', expires_at = now() - interval '1 hour'"
            )
        )

    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/kelengkapan").status_code == 302


def test_a_session_in_use_is_seen_at_most_once_a_minute(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "kasi", "sari")

    def last_seen():
        with engine.connect() as conn:
            return conn.execute(text("SELECT last_seen FROM user_session")).scalar_one()

    first = last_seen()
    client.get("/_dash-layout")
    assert last_seen() == first  # within the minute: nothing written
    with engine.begin() as conn:
        conn.execute(text("UPDATE user_session SET last_seen = last_seen - interval '2 minutes'"))
    client.get("/_dash-layout")
    assert last_seen() > first


def test_the_cookie_holds_only_a_random_token_and_the_table_only_its_hash(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "kasi", "sari")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, expires_at - created_at FROM user_session")).one()
    from itsdangerous import URLSafeTimedSerializer

    payload = URLSafeTimedSerializer(
        app.server.secret_key,
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    ).loads(cookie_of(client))
    assert set(payload) == {"sid", "csrf", "_permanent"}  # no user id, no epoch: nothing to forge or reuse
    assert hashlib.sha256(payload["sid"].encode()).hexdigest() == stored[0]
    assert stored[1].total_seconds() == 10 * 3600


# --- a flood of failed logins --------------------------------------------------------------------


def attempt(client, username: str, password: str = "salah-sekali", **headers: str):
    return client.post(
        "/login", data={"csrf": csrf_of(client), "username": username, "password": password}, headers=headers
    )


def test_a_failed_login_flood_from_one_address_gets_429_and_one_audit_row(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")
    client = app.server.test_client()
    limit = sessions.LIMITS["address"]
    answers = [attempt(client, f"tebak{i}") for i in range(limit)]
    assert {a.status_code for a in answers} == {401}

    refused = [attempt(client, f"tebak{limit + i}") for i in range(5)]

    assert {a.status_code for a in refused} == {429}
    retry = int(refused[0].headers["Retry-After"])
    assert 1 <= retry <= sessions.WINDOW_SECONDS
    assert "Terlalu banyak percobaan masuk yang gagal" in refused[0].get_data(as_text=True)
    # the right password of a real account is refused too from this address, without a password check
    again = attempt(client, "sari", PASSWORD)
    assert again.status_code == 429 and "Content-Security-Policy" in again.headers
    assert 1 <= int(again.headers["Retry-After"]) <= retry
    with engine.connect() as conn:
        throttled = conn.execute(
            text("SELECT object_type, object_id FROM audit_log WHERE action = 'auth.throttled'")
        ).all()
        failed = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'")).scalar_one()
        check = verify_chain(conn)
        counted = conn.execute(text("SELECT attempts FROM login_throttle WHERE kind = 'address'")).scalar_one()
    assert [tuple(row) for row in throttled] == [("address", "127.0.0.1")]
    assert failed == limit  # the refused attempts wrote no row each
    assert counted == limit + 1  # after the first refusal this worker answers the address from memory
    assert check.ok


def test_one_account_is_throttled_across_addresses_and_still_locks_after_five(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")
    limit = sessions.LIMITS["account"]

    def from_address(i: int, password: str = "salah-sekali"):
        client = app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i}"
        return attempt(client, "sari", password)

    answers = [from_address(i) for i in range(limit)]
    assert [a.status_code for a in answers] == [401] * limit
    assert "Akun dikunci sementara" in answers[5].get_data(as_text=True)  # the lockout rule holds
    assert from_address(99, PASSWORD).status_code == 429
    assert "auth.locked" in audit_actions(engine, "sari")
    assert audit_actions(engine, "sari")[-1] == "auth.throttled"


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = sessions.LIMITS["address"]
    direct = create_app().server.test_client()
    for i in range(limit):
        attempt(direct, f"nama{i}", **{"X-Forwarded-For": f"192.0.2.{i}"})
    assert attempt(direct, "lagi", **{"X-Forwarded-For": "192.0.2.200"}).status_code == 429  # all one address

    monkeypatch.setenv("MPN_TRUSTED_PROXIES", "1")
    proxied = create_app().server.test_client()
    assert attempt(proxied, "lagi", **{"X-Forwarded-For": "192.0.2.201"}).status_code == 401
    with engine.connect() as conn:
        source = conn.execute(text("SELECT after->>'source' FROM audit_log ORDER BY seq DESC LIMIT 1")).scalar_one()
    assert source == "192.0.2.201"


def test_a_successful_login_does_not_count_against_its_address(app: Dash, engine: Engine) -> None:
    make_user(engine, "sari", "kasi")
    for _ in range(sessions.LIMITS["address"] + 3):
        client = app.server.test_client()
        assert log_in(client, "sari").status_code == 302


# --- malformed requests are 400, never 500 -------------------------------------------------------

GRID_REQUEST = {"id": "audit-grid", "property": "getRowsRequest"}
AUDIT_STATE = [
    {"id": f, "property": p, "value": None}
    for f, p in [
        ("audit-pengguna", "value"),
        ("audit-aksi", "value"),
        ("audit-objek", "value"),
        ("audit-tanggal", "start_date"),
        ("audit-tanggal", "end_date"),
    ]
]


def grid_body(value: object, **changes: object) -> dict[str, object]:
    parts = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in AUDIT_ROWS.strip(".").split("...")]
    body = {
        "output": AUDIT_ROWS,
        "outputs": parts,
        "inputs": [{**GRID_REQUEST, "value": value}],
        "state": AUDIT_STATE,
        "changedPropIds": ["audit-grid.getRowsRequest"],
    }
    return {**body, **changes}


BAD_BODIES = {
    "a JSON list": [1, 2, 3],
    "a JSON string": "output",
    "output not text": {"output": 7, "inputs": []},
    "startRow as SQL": grid_body({"startRow": "0 OR 1=1", "endRow": 100}),
    "endRow as SQL": grid_body({"startRow": 0, "endRow": "100; DROP TABLE audit_log"}),
    "negative startRow": grid_body({"startRow": -100, "endRow": 0}),
    "a block of a million rows": grid_body({"startRow": 0, "endRow": 1_000_000}),
    "startRow a float": grid_body({"startRow": 0.5, "endRow": 100}),
    "startRow true": grid_body({"startRow": True, "endRow": 100}),
    "sortModel not a list": grid_body({"startRow": 0, "endRow": 100, "sortModel": "seq"}),
    "sortModel of text": grid_body({"startRow": 0, "endRow": 100, "sortModel": ["seq desc"]}),
    "request a list": grid_body([0, 100]),
    "inputs missing": grid_body(None, inputs=None),
    "inputs a dict": grid_body(None, inputs={"id": "audit-grid"}),
    "an input too few": grid_body(None, inputs=[]),
    "an input of another component": grid_body(None, inputs=[{"id": "x", "property": "getRowsRequest", "value": 1}]),
    "an input that is a number": grid_body(None, inputs=[5]),
    "state too short": grid_body({"startRow": 0, "endRow": 100}, state=AUDIT_STATE[:2]),
    "outputs text": grid_body({"startRow": 0, "endRow": 100}, outputs="audit-grid"),
    "changedPropIds a dict": grid_body({"startRow": 0, "endRow": 100}, changedPropIds={"a": 1}),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_a_malformed_callback_body_is_refused_with_400(app: Dash, engine: Engine, case: str) -> None:
    client = client_as(app, engine, "admin")

    answer = client.post("/_dash-update-component", json=BAD_BODIES[case])

    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    assert answer.get_json() == {"error": "Permintaan tidak valid."}


def test_malformed_json_is_400_and_a_valid_grid_request_still_answers(app: Dash, engine: Engine) -> None:
    client = client_as(app, engine, "admin")

    broken = client.post("/_dash-update-component", data='{"output": "x", "inputs": [', content_type="application/json")
    good = client.post("/_dash-update-component", json=grid_body({"startRow": 0, "endRow": 100, "sortModel": []}))

    assert broken.status_code == 400
    assert good.status_code == 200
    assert good.get_json()["response"]["audit-grid"]["getRowsResponse"]["rowCount"] >= 2


def test_the_grid_helper_refuses_what_the_guard_would(app: Dash) -> None:
    assert row_block({"startRow": 100, "endRow": 200, "sortModel": [{"colId": "at", "sort": "asc"}]}, 100) == (
        100,
        200,
        "at",
        False,
    )
    assert row_block({}, 50) == (0, 50, None, True)
    for bad in ({"startRow": "0 OR 1=1"}, {"startRow": 0, "endRow": 5000}, {"sortModel": {"colId": "x"}}):
        with pytest.raises(BadRequest):
            row_block(bad, 100)
