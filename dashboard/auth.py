"""Login for the dashboard: server-side sessions, the login form, logout, the request guard and security headers.

Every request except `/login`, `/healthz` and static files needs a live session (`queries.accounts.sessions`): the
signed cookie carries a random token, PostgreSQL says whether that session is open, unexpired, and its
account unchanged since (its `session_epoch`). Logout ends the session on the server at once, for every
worker. Callback requests are checked for shape and against the callback's roles (`dashboard.access`)
before Dash runs them: a malformed body is a 400, never a 500. Failed logins are counted per client
address and per account name in PostgreSQL; past the limit the answer is 429 with `Retry-After`, at once,
with no password check. Five wrong passwords in a row lock the account (`queries.accounts.users.authenticate`).
"""

from __future__ import annotations

import hmac
import logging
import math
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from dash import Dash
from flask import Flask, Response, current_app, g, jsonify, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from dashboard import throttle
from dashboard.access import callback_body_problem, callback_roles, current_user, is_dash_internal
from dashboard.components.data import fetch, perform
from dashboard.password_gate import ACCOUNT_PATH, callback_blocked, page_blocked
from queries import config
from queries.accounts import sessions as store
from queries.accounts.audit import record
from queries.accounts.users import LoginResult, User, authenticate
from queries.formatting import jam_wib
from queries.monitoring.health import database_ok

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/login", "/healthz", "/_favicon.ico", "/favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
SESSION_HOURS = store.SESSION_HOURS
TOKEN = "sid"  # the session cookie's field holding the server-side session token
#: How many proxies in front of the app may set `X-Forwarded-For` (0: none, the peer address is the client).
TRUSTED_PROXIES_VARIABLE = "MPN_TRUSTED_PROXIES"
REFUSALS = "mpn_refused_until"  # the Flask extension slot of this worker's remembered throttle refusals

MESSAGES = {
    "bad": "Nama pengguna atau kata sandi salah.",
    "disabled": "Akun ini dinonaktifkan. Hubungi administrator.",
    "csrf": "Formulir kedaluwarsa. Silakan coba lagi.",
    "logged_out": "Anda telah keluar.",
    "expired": "Sesi Anda berakhir. Silakan masuk kembali.",
    "throttled": "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit.",
    "busy": "Terlalu banyak percobaan masuk saat ini. Coba lagi dalam beberapa detik.",
    "database": "Basis data tidak dapat dihubungi. Coba lagi beberapa saat lagi; bila masih gagal, "
    "hubungi administrator sistem.",
}


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked `Secure` whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def trusted_proxies() -> int:
    """`MPN_TRUSTED_PROXIES`: proxies whose `X-Forwarded-For` names the client (default 0: trust none)."""
    value = os.environ.get(TRUSTED_PROXIES_VARIABLE, "").strip()
    try:
        return max(0, int(value or 0))
    except ValueError:
        log.error("%s=%r is not a whole number; no proxy is trusted", TRUSTED_PROXIES_VARIABLE, value)
        return 0


def init_auth(app: Dash) -> None:
    """Wire login, logout, the guard and the security headers into the app's Flask server."""
    server = app.server
    server.config.update(
        SECRET_KEY=config.secret_key(),
        SESSION_COOKIE_NAME="mpn_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    server.session_interface = _SessionInterface()
    refused: throttle.Refusals = {}
    server.extensions[REFUSALS] = refused
    inner = throttle.RefusedAddresses(server.wsgi_app, refused, lambda: _header_list(app))
    server.wsgi_app = ProxyFix(inner, x_for=trusted_proxies(), x_proto=1, x_host=1)  # type: ignore[method-assign]
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.before_request(lambda: _guard(app))
    server.after_request(lambda response: _security_headers(app, response))


def csrf_token() -> str:
    """This session's token for forms that change state (login, logout)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def _csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    return bool(sent) and hmac.compare_digest(sent, str(session.get("csrf", "")))


def _load_user() -> User | None:
    """The user of this request's live session; a cookie of an ended, expired or outdated session loses its token."""
    token = session.get(TOKEN)
    if not isinstance(token, str) or not token:
        return None
    now = datetime.now(UTC)
    live = fetch(store.live_session, token, now=now)
    if live is None:
        session.pop(TOKEN, None)
        return None
    if live.stale(now):
        perform(store.touch, token, now=now)
    return live.user


def _guard(app: Dash) -> BaseResponse | None:
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    try:
        user = _load_user()
    except OperationalError as exc:
        log.error("database unreachable while checking a session: %s", exc)
        if path.startswith("/_dash-") or request.method != "GET":
            return _refuse(503, MESSAGES["database"])
        return _form(MESSAGES["database"], status=503)
    g.mpn_user = user
    if user is None:
        if path.startswith("/_dash-") or request.method != "GET":
            return _refuse(401, "Sesi berakhir atau belum masuk. Muat ulang halaman untuk masuk.")
        # `&` stays escaped: the whole address, every parameter of it, is the one value of `next`
        return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/?="), code=302)
    if path == "/_dash-update-component":
        return _authorize_callback(app, user)
    if request.method == "GET" and not path.startswith("/_dash-") and page_blocked(user, path):
        return redirect(ACCOUNT_PATH, code=302)  # a temporary password: Akun saya first
    return None


def _authorize_callback(app: Dash, user: User) -> BaseResponse | None:
    """Refuse a callback request that is malformed (400), unknown (404) or not for the user's role (403)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        log.warning("malformed callback request from %s: %s", user.username, type(body).__name__)
        return _refuse(400, "Permintaan tidak valid.")
    output = body["output"]
    entry = app.callback_map.get(output)
    if entry is None:
        return _refuse(404, "Tindakan tidak dikenal.")
    roles = callback_roles(entry)
    if (roles is not None or not is_dash_internal(output)) and (roles is None or user.role not in roles):
        log.warning("refused callback %s to %s (%s)", output, user.username, user.role)
        return _refuse(403, "Peran Anda tidak berwenang melakukan tindakan ini.")
    if not is_dash_internal(output) and callback_blocked(user, roles):
        return _refuse(403, "Ganti kata sandi sementara Anda dulu di Akun saya.")
    if (problem := callback_body_problem(body, entry)) is not None:
        log.warning("malformed callback request %s from %s: %s", output[:200], user.username, problem)
        return _refuse(400, "Permintaan tidak valid.")
    return None


def _refuse(status: int, message: str) -> Response:
    answer = jsonify(error=message)
    answer.status_code = status
    return answer


def content_security_policy(app: Dash) -> str:
    """The CSP: everything from this server; scripts only as files or Dash's own inline scripts by hash.

    Dash renders `var renderer = new DashRenderer();` inline (and any inline clientside callback):
    `app.csp_hashes()` lists their SHA-256. Styles allow inline attributes, which React and Plotly set.
    """
    cached = getattr(app, "mpn_csp", None)
    if cached is None:
        scripts = " ".join(["'self'", *app.csp_hashes()])
        cached = "; ".join(
            [
                "default-src 'self'",
                f"script-src {scripts}",
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data: blob:",
                "font-src 'self' data:",
                "connect-src 'self'",
                "frame-ancestors 'none'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
            ]
        )
        app.mpn_csp = cached  # type: ignore[attr-defined]
    return cached


def _header_list(app: Dash) -> list[tuple[str, str]]:
    """The security headers of every answer."""
    return [
        ("Content-Security-Policy", content_security_policy(app)),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ]


def _security_headers(app: Dash, response: Response) -> Response:
    for name, value in _header_list(app):
        response.headers.setdefault(name, value)
    if not request.path.startswith(PUBLIC_PREFIXES):
        # pages and data of a session, and the login form: never kept, so Back after logout asks again
        response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never `//elsewhere` or `https://elsewhere`."""
    target = target or "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _form(message: str = "", *, tone: str = "danger", username: str = "", status: int = 200) -> Any:
    return render_template(
        "login.html",
        message=message,
        tone=tone,
        username=username,
        csrf=csrf_token(),
        next=_safe_next(request.values.get("next")),
    ), status


def login() -> Any:
    """GET: the form. POST: check the password; on success start a fresh session and go on to `next`.

    Every attempt is first counted (`queries.accounts.sessions.claim_attempt`, its own short transaction); past the
    address's or the name's limit it is answered 429 at once, without checking the password.
    """
    if request.method == "GET":
        if _signed_in():
            return redirect(_safe_next(request.args.get("next")))
        if not _database_up():
            return _form(MESSAGES["database"], status=503)
        return _form(MESSAGES.get(request.args.get("m", ""), ""), tone="info")
    username = request.form.get("username", "").strip().lower()[:64]
    if not _csrf_ok():
        return _form(MESSAGES["csrf"], username=username, status=400)
    address, now = request.remote_addr or "", datetime.now(UTC)
    if (retry := _known_refusal(address, username)) is not None:
        return _throttled(retry, username)  # refused by the database earlier: no need to ask it again
    try:
        token, answer = _attempt(username, address, now)
    except OperationalError as exc:
        log.error("database unreachable at login: %s", exc)
        return _form(MESSAGES["database"], username=username, status=503)
    if token is None:
        return answer
    session.clear()  # a new session token for the new login: no fixation
    session.permanent = True
    session.update({TOKEN: token, "csrf": secrets.token_urlsafe(24)})
    return redirect(_safe_next(request.form.get("next")))


def _attempt(username: str, address: str, now: datetime) -> tuple[str | None, Any]:
    """Count the attempt, check the password, open the session: its token, or None and the answer to give."""
    claim = perform(store.claim_attempt, address=address, account=username, now=now)
    if claim.refusal is not None:
        _remember(claim.refusal)
        return None, _throttled(claim.refusal.retry_after, username)
    result = perform(
        _check_password, username, request.form.get("password", ""), now=now, address=address, gated=claim.suspect
    )
    if result is None:  # a suspect attempt while another one's password is being checked
        return None, _throttled(1, username, MESSAGES["busy"])
    if not result.ok or result.user is None:
        if result.outcome == "locked" and result.locked_until is not None:
            message = (
                "Akun dikunci sementara karena terlalu banyak percobaan yang gagal. "
                f"Coba lagi setelah pukul {jam_wib(result.locked_until)}."
            )
        else:
            message = MESSAGES.get(result.outcome, MESSAGES["bad"])
        return None, _form(message, username=username, status=401)
    token = store.new_token()
    perform(_start_session, result.user, token, address=address, now=now)
    return token, None


def _refused() -> throttle.Refusals:
    return current_app.extensions[REFUSALS]  # type: ignore[no-any-return]


def _remember(refusal: store.Refusal) -> None:
    """Keep a refusal until its window ends: this worker answers the next attempts without the database."""
    throttle.remember(_refused(), refusal.kind, refusal.key, refusal.retry_after)


def _known_refusal(address: str, username: str) -> int | None:
    return throttle.seconds_left(_refused(), address, username)


def _start_session(conn: Connection, user: User, token: str, *, address: str, now: datetime) -> None:
    """Open the server-side session; a successful login does not count against the throttle."""
    store.open_session(conn, user, token, now=now, source=address)
    store.release_attempt(conn, address=address, account=user.username, now=now)


def _check_password(
    conn: Connection, username: str, password: str, *, now: datetime, address: str, gated: bool
) -> LoginResult | None:
    """`authenticate`; a suspect attempt only in the free password-check slot (None when it is taken)."""
    if gated and not store.try_check_slot(conn):
        return None
    return authenticate(conn, username, password, now=now, source=address)


def _throttled(retry_after: int, username: str, message: str | None = None) -> Any:
    """429 with `Retry-After`: too many attempts from this address or for this name (or just now)."""
    message = message or MESSAGES["throttled"].format(minutes=max(1, math.ceil(retry_after / 60)))
    body, status = _form(message, username=username, status=429)
    return body, status, {"Retry-After": str(retry_after)}


def _database_up() -> bool:
    try:
        return fetch(database_ok)
    except OperationalError:
        return False


def _signed_in() -> bool:
    try:
        return _load_user() is not None
    except OperationalError:
        return False


def logout() -> BaseResponse:
    """End the session on the server (POST with the session's CSRF token) and record it."""
    user, token = current_user(), session.get(TOKEN)
    if user is not None and isinstance(token, str) and _csrf_ok():
        perform(_end_session, user, token)
        session.clear()
        return redirect("/login?m=logged_out")
    return redirect("/")


def _end_session(conn: Connection, user: User, token: str) -> None:
    store.end_session(conn, token, reason="logout")
    record(conn, user.actor(), "auth.logout", object_type="user", object_id=user.username)


def keep_session(user: User) -> None:
    """After a change to the logged-in user's own account, keep this session (its other sessions end)."""
    token = session.get(TOKEN)
    if isinstance(token, str):
        perform(store.keep_session, token, user.session_epoch)
