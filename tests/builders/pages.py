"""Reading pages without a browser: the texts of a component tree, and every page as each role that may open it,
as the browser receives it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dash

from dashboard.app import create_app
from queries.accounts.users import ROLES
from tests.dashboard.helpers import fire

ROUTER = ".._pages_content.children..._pages_store.data.."


def texts(node: object) -> str:
    """Every text of a Dash component tree, joined."""
    if isinstance(node, str):
        return node
    children = getattr(node, "children", None)
    if isinstance(children, list | tuple):
        return " ".join(texts(c) for c in children)
    return texts(children) if children is not None else ""


def components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component of a layout as Dash serialises it (`{"type", "namespace", "props"}`), depth first."""
    if isinstance(node, dict):
        if "type" in node and "props" in node:
            yield node
        for value in node.values():
            yield from components(value)
    elif isinstance(node, list):
        for item in node:
            yield from components(item)


def rendered(client: Any, path: str, search: str) -> list[dict[str, Any]]:
    """The shell (navbar) and the page's layout as the browser receives them, as one list of components."""
    shell = client.get("/_dash-layout").get_json()
    answer = fire(
        client,
        ROUTER,
        [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
    )
    assert answer.status_code == 200, f"{path}: {answer.status_code}"
    return [*components(shell), *components(answer.get_json())]


def page_visits() -> list[tuple[str, str]]:
    """(role, path) of every registered page and every role allowed to open it."""
    create_app()
    visits = []
    for page in dash.page_registry.values():
        for role in sorted(ROLES):
            if role in (page.get("roles") or ()):  # what `dashboard.access.page_allows` checks
                visits.append((role, page["path"]))
    return visits
