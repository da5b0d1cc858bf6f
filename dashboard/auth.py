"""Login for the dashboard: a signed session cookie, the login form, logout, and the request guard.

Every request except `/login`, `/healthz` and static files needs a session of an active user whose
account has not changed since (its `session_epoch`). Callback requests are checked against the
callback's roles (`dashboard.access`) before Dash runs them. Wrong passwords are slowed down and,
after several in a row, lock the account (`queries.users.authenticate`).
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from dash import Dash
from flask import Flask, Response, g, jsonify, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from dashboard.access import callback_roles, current_user, is_dash_internal
from dashboard.components.data import fetch, perform
from queries import config
from queries.audit import record
from queries.formatting import jam_wib
from queries.incoming import database_ok
from queries.users import User, authenticate, session_user

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/login", "/healthz", "/_favicon.ico", "/favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
SESSION_HOURS = 10  # a working day and some
FAILED_LOGIN_DELAY = 0.6  # seconds added to every failed attempt

MESSAGES = {
    "bad": "Nama pengguna atau kata sandi salah.",
    "disabled": "Akun ini dinonaktifkan. Hubungi administrator.",
    "csrf": "Formulir kedaluwarsa. Silakan coba lagi.",
    "logged_out": "Anda telah keluar.",
    "expired": "Sesi Anda berakhir. Silakan masuk kembali.",
    "database": "Basis data tidak dapat dihubungi. Coba lagi beberapa saat lagi; bila masih gagal, "
                "hubungi administrator sistem.",
}


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked `Secure` whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_auth(app: Dash) -> None:
    """Wire login, logout and the guard into the app's Flask server."""
    server = app.server
    server.config.update(
        SECRET_KEY=config.secret_key(),
        SESSION_COOKIE_NAME="mpn_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    server.session_interface = _SessionInterface()
    server.wsgi_app = ProxyFix(server.wsgi_app, x_proto=1, x_host=1)  # type: ignore[method-assign]
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.before_request(lambda: _guard(app))
    server.after_request(_security_headers)


def csrf_token() -> str:
    """This session's token for forms that change state (login, logout)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def _csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    return bool(sent) and hmac.compare_digest(sent, session.get("csrf", ""))


def _load_user() -> User | None:
    user_id, epoch = session.get("uid"), session.get("epoch")
    if not isinstance(user_id, int) or not isinstance(epoch, int):
        return None
    user = fetch(session_user, user_id, epoch)
    if user is None:
        session.pop("uid", None)
        session.pop("epoch", None)
    return user


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
    return None


def _authorize_callback(app: Dash, user: User) -> BaseResponse | None:
    body = request.get_json(silent=True) or {}
    output = str(body.get("output", ""))
    entry = app.callback_map.get(output)
    if entry is None:
        return _refuse(404, "Tindakan tidak dikenal.")
    roles = callback_roles(entry)
    if roles is None and is_dash_internal(output):
        return None
    if roles is None or user.role not in roles:
        log.warning("refused callback %s to %s (%s)", output, user.username, user.role)
        return _refuse(403, "Peran Anda tidak berwenang melakukan tindakan ini.")
    return None


def _refuse(status: int, message: str) -> Response:
    answer = jsonify(error=message)
    answer.status_code = status
    return answer


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
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
        "login.html", message=message, tone=tone, username=username, csrf=csrf_token(),
        next=_safe_next(request.values.get("next")),
    ), status


def login() -> Any:
    """GET: the form. POST: check the password; on success start a fresh session and go on to `next`."""
    if request.method == "GET":
        if _signed_in():
            return redirect(_safe_next(request.args.get("next")))
        if not _database_up():
            return _form(MESSAGES["database"], status=503)
        return _form(MESSAGES.get(request.args.get("m", ""), ""), tone="info")
    username = request.form.get("username", "").strip().lower()[:64]
    if not _csrf_ok():
        return _form(MESSAGES["csrf"], username=username, status=400)
    try:
        result = perform(authenticate, username, request.form.get("password", ""), now=datetime.now(UTC),
                         source=request.remote_addr or "")
    except OperationalError as exc:
        log.error("database unreachable at login: %s", exc)
        return _form(MESSAGES["database"], username=username, status=503)
    if not result.ok or result.user is None:
        time.sleep(FAILED_LOGIN_DELAY)
        if result.outcome == "locked" and result.locked_until is not None:
            message = ("Akun dikunci sementara karena terlalu banyak percobaan yang gagal. "
                       f"Coba lagi setelah pukul {jam_wib(result.locked_until)}.")
        else:
            message = MESSAGES.get(result.outcome, MESSAGES["bad"])
        return _form(message, username=username, status=401)
    session.clear()  # a new session id for the new login: no fixation
    session.permanent = True
    session.update(uid=result.user.user_id, epoch=result.user.session_epoch, csrf=secrets.token_urlsafe(24))
    return redirect(_safe_next(request.form.get("next")))


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
    """End the session (POST with the session's CSRF token) and record it."""
    user = current_user()
    if user is not None and _csrf_ok():
        perform(record, user.actor(), "auth.logout", object_type="user", object_id=user.username)
        session.clear()
        return redirect("/login?m=logged_out")
    return redirect("/")


def keep_session(user: User) -> None:
    """After a change to the logged-in user's own account, keep this session (its other sessions end)."""
    session["epoch"] = user.session_epoch
