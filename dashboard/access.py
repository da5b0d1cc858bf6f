"""Who may see which page and fire which callback, checked on the server for every request.

Pages declare `roles=` in `dash.register_page`; callbacks are registered with `access.callback(...,
roles=...)` instead of `dash.callback`. Both default to refusal: a page or callback that names no
roles serves nobody. The checks run in the Flask request (`dashboard.auth`), so a hidden button is
never the only thing between a user and an action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar, cast

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.exceptions import PreventUpdate
from flask import g

from dashboard.components.grids import grid_request_problem
from dashboard.password_gate import notice as password_notice
from dashboard.password_gate import page_blocked
from queries import permissions
from queries.accounts.users import ROLES, User
from queries.permissions import Refused

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
R = TypeVar("R")

# The role groups as `queries.permissions` holds them (pages take their own from `permissions.roles_for`).
#: Every role; e.g. the 404 page.
EVERYONE: tuple[str, ...] = permissions.EVERYONE
#: The monitoring section and its administrator: operational pages.
OPERATIONS: tuple[str, ...] = permissions.OPERATIONS
#: Who reads the audit trail.
AUDITORS: tuple[str, ...] = permissions.roles_for("audit.read")

ROLES_ATTRIBUTE = "mpn_roles"


def _checked(roles: Iterable[str]) -> frozenset[str]:
    allowed = frozenset(roles)
    unknown = allowed - set(ROLES)
    if unknown or not allowed:
        raise ValueError(f"roles must be a non-empty subset of {sorted(ROLES)}, got {sorted(allowed)}")
    return allowed


def callback(*args: Any, roles: Collection[str], **kwargs: Any) -> Callable[[F], F]:
    """`dash.callback` for the roles given; the server answers 403 to anyone else who fires it."""
    allowed = _checked(roles)

    def register(func: F) -> F:
        setattr(func, ROLES_ATTRIBUTE, allowed)  # dash's wrapper copies the function's __dict__
        return cast(F, dash.callback(*args, **kwargs)(func))

    return register


def callback_roles(callback_entry: dict[str, Any]) -> frozenset[str] | None:
    """The roles of a registered callback (an entry of `app.callback_map`), None if it named none."""
    return getattr(callback_entry.get("callback"), ROLES_ATTRIBUTE, None)


def is_dash_internal(output: str) -> bool:
    """Dash's own page router (`dash.page_container`): any logged-in user; the pages check roles."""
    return any(f"_pages_{part}." in output for part in ("content", "store", "dummy"))


def callback_body_problem(body: Any, entry: dict[str, Any]) -> str | None:
    """Why a callback request's JSON body does not fit the registered callback `entry`, or None when it does.

    Dash trusts the body's shape; a list, a missing field or a value of the wrong type would end in a 500.
    Inputs and state must be as many as the callback declares, each naming its declared id and property
    (pattern-matching ones: a dict, or a list of dicts); an AG Grid `getRowsRequest` must hold row numbers.
    """
    if not isinstance(body.get("outputs"), dict | list):
        return "outputs"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(item, str) for item in changed):
        return "changedPropIds"
    for field in ("inputs", "state"):
        sent, declared = body.get(field, []), entry.get(field, [])
        if not isinstance(sent, list) or len(sent) != len(declared):
            return field
        for item, wanted in zip(sent, declared, strict=True):
            if (why := _item_problem(item, wanted)) is not None:
                return f"{field}: {why}"
    return None


def _item_problem(item: Any, wanted: dict[str, Any]) -> str | None:
    """Why one input or state item does not match its declaration, or None."""
    declared_id = wanted.get("id")
    pattern = not isinstance(declared_id, str) or declared_id.startswith("{")
    items = item if pattern and isinstance(item, list) else [item]
    for one in items:
        if not isinstance(one, dict) or one.get("property") != wanted.get("property"):
            return str(wanted.get("property"))
        if (pattern and not isinstance(one.get("id"), dict)) or (not pattern and one.get("id") != declared_id):
            return f"{declared_id}.{wanted.get('property')}"
        if one["property"] == "getRowsRequest" and (why := grid_request_problem(one.get("value"))) is not None:
            return why
    return None


def current_user() -> User | None:
    """The logged-in user of this request (set by `dashboard.auth` before any page or callback runs)."""
    return g.get("mpn_user")


def page_allows(page: dict[str, Any], user: User | None) -> bool:
    """May this user open this registered page? Pages that name no roles are open to nobody."""
    roles = page.get("roles")
    return user is not None and roles is not None and user.role in roles


def pages_for(user: User | None) -> list[dict[str, Any]]:
    """The navbar pages this user may open, in their `order`."""
    pages = [page for page in dash.page_registry.values() if page.get("navbar", True) and page_allows(page, user)]
    return sorted(pages, key=lambda page: (page.get("order") or 0, page["name"]))


def forbidden(page_name: str = "") -> html.Div:
    """What a page shows to a user whose role may not open it."""
    what = f"halaman {page_name}" if page_name else "halaman ini"
    return html.Div(
        dbc.Alert(
            [
                html.H4("Akses ditolak", className="alert-heading"),
                html.P(f"Peran Anda tidak berwenang membuka {what}."),
                html.A("Kembali ke beranda", href="/", className="alert-link"),
            ],
            color="warning",
        ),
        className="mpn-forbidden",
    )


def guard_pages() -> None:
    """Wrap every registered page's layout in its role check (once; `create_app` may run again)."""
    for page in dash.page_registry.values():
        layout = page["layout"]
        if getattr(layout, "mpn_guarded", False):
            continue
        if page.get("roles") is None:
            log.warning("page %s names no roles: nobody may open it", page["module"])
        page["layout"] = _guarded(page, layout)


def _guarded(page: dict[str, Any], layout: Any) -> Callable[..., Any]:
    def guarded_layout(**query: Any) -> Any:
        user = current_user()
        if not page_allows(page, user):
            log.info("refused page %s to %s", page["path"], user.username if user else "anonymous")
            return forbidden(page["name"])
        if page_blocked(user, page["path"]):
            return html.Div(password_notice(), className="mpn-forbidden")
        return layout(**query) if callable(layout) else layout

    guarded_layout.mpn_guarded = True  # type: ignore[attr-defined]
    return guarded_layout


def act(
    clicks: int | None, perform: Callable[[User], T], *, done: Callable[[T], R], refused: Callable[[Refused], R]
) -> R:
    """The body of every action callback: no click or no user changes nothing (`PreventUpdate`); otherwise
    `perform(user)` runs, and its outcome becomes `done(outcome)` or its refusal `refused(why)` (the page's alert;
    `why.message` says it in Bahasa Indonesia, and a page may answer a subclass differently)."""
    user = current_user()
    if not clicks or user is None:
        raise PreventUpdate
    try:
        outcome = perform(user)
    except Refused as why:
        log.info("refused %s for %s: %s", getattr(perform, "__name__", "act"), user.username, why.message)
        return refused(why)
    return done(outcome)
