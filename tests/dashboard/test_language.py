"""One language on screen: every page as every role that may open it shows no raw English state token, no
snake_case identifier, no code like `distribution.prepare`, no `system:` actor and no ISO timestamp in its text."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from dashboard.app import create_app
from queries.accounts.audit import Actor, record
from queries.settings import BY_KEY
from tests.builders.pages import page_visits, rendered
from tests.dashboard.conftest import DAY, SeededDay
from tests.dashboard.helpers import client_as, sign_in, start

#: Props whose strings users read.
VISIBLE = ("children", "placeholder", "title", "label", "headerName", "value_label", "description")
#: State codes that must never be shown as such.
STATES = {
    "done",
    "late",
    "missing",
    "waiting",
    "na",
    "sidjp",
    "sipmod",
    "pending",
    "prepared",
    "approved",
    "rejected",
    "confirmed",
    "failed",
    "queued",
    "sent",
    "open",
    "resolved",
    "draft",
    "void",
    "anomaly",
}
PROBLEMS = {
    "snake_case identifier": re.compile(r"(?<![\w./:-])[a-z]+_[a-z_]+(?![\w.@/-])"),
    "dotted action code": re.compile(r"(?<![\w./@-])[a-z]+\.[a-z_]+_?[a-z]*(?![\w./@-])"),
    "ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"),
    "system actor": re.compile(r"\bsystem:"),
}
#: Dotted words that are Indonesian or file names, not codes.
ALLOWED_DOTTED = re.compile(r"^(?:mis\.|dll\.|dsb\.|a\.n\.|u\.p\.|[a-z]+\.(?:csv|pdf|xlsx|png|txt|json))$")


def visible_texts(component: dict[str, Any]) -> Iterator[str]:
    """The strings of one component that reach the screen: text, placeholders, titles, option labels, grid headers
    and cells."""
    props = component["props"]
    if component["type"] == "Code":  # set as code on purpose: a file's column names, a command
        return
    for key in VISIBLE:
        if isinstance(props.get(key), str):
            yield props[key]
    for option in props.get("options") or []:
        if isinstance(option, dict) and isinstance(option.get("label"), str):
            yield option["label"]
    for column in props.get("columnDefs") or []:
        if isinstance(column, dict) and isinstance(column.get("headerName"), str):
            yield column["headerName"]
    shown = set()
    for column in props.get("columnDefs") or []:  # a formatted column shows `<field>_text` (grids.formatted_column)
        if isinstance(column, dict):
            formatter = str((column.get("valueFormatter") or {}).get("function", ""))
            shown.add(f"{column.get('field')}_text" if "_text']" in formatter else column.get("field"))
    for row in props.get("rowData") or []:  # the cells of the grid's columns (other fields steer styles)
        if isinstance(row, dict):
            yield from (v for k, v in row.items() if isinstance(v, str) and k in shown)


#: Setting keys are named on the admin's Pengaturan page on purpose: they are what `mpn settings set KEY` takes.
SETTING_KEYS = frozenset(BY_KEY)


def problems_in(text: str) -> list[str]:
    """What is raw in one visible text."""
    found: list[str] = []
    if text.strip() in SETTING_KEYS:
        return found
    stripped = text.strip()
    if stripped in STATES:
        found.append(f"state token {stripped!r}")
    for name, pattern in PROBLEMS.items():
        for match in pattern.finditer(text):
            if name == "dotted action code" and (ALLOWED_DOTTED.match(match.group(0)) or text.startswith("mis. ")):
                continue  # an example of what to type (`mis. budi.s`), not a code shown as a word
            found.append(f"{name} {match.group(0)!r}")
    return found


def test_the_scan_recognises_raw_text() -> None:
    assert problems_in("done") and problems_in("held: 271; bank_code") and problems_in("2026-12-01T09:00:00+00:00")
    assert problems_in("distribution.prepare") and problems_in("oleh system:scheduler")
    assert problems_in("Tepat waktu · 01/12/2026 09:00 WIB · Rp 1.234.567 · mis. budi") == []


def test_every_page_as_every_role_speaks_indonesian(engine: Engine, seeded_day: SeededDay) -> None:
    with engine.begin() as conn:  # an audit row of each kind the trail page lists first
        record(
            conn,
            Actor.system("scheduler"),
            "distribution.prepare",
            object_type="distribution",
            object_id="1",
            after={"held": 271, "rows": 5344, "business_date": DAY.isoformat()},
        )
    app = create_app()
    clients: dict[str, Any] = {}
    raw: dict[str, set[str]] = {}
    visits = page_visits()
    for role, path in visits:
        if role not in clients:
            clients[role] = client_as(app, engine, role, f"bahasa{role.replace('_', '')}")
        for component in rendered(clients[role], path, f"?tanggal={DAY.isoformat()}"):
            for text in visible_texts(component):
                for problem in problems_in(text):
                    raw.setdefault(f"{path} ({role})", set()).add(f"{problem} in {text[:80]!r}")
    assert len(visits) >= 20
    left = {page: texts for page, texts in raw.items() if not page.startswith(KNOWN)}
    assert left == {}


#: Pages still allowed a raw token (none: Pengaturan shows subscriptions by rule names since issue 15 §4).
KNOWN: tuple[str, ...] = ()


def settled_text(dash_duo: Any, path: str) -> str:
    """The page's visible text once its callbacks have filled it in (no component still loading)."""
    dash_duo.driver.get(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element("#navbar-user")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if dash_duo.driver.execute_script(
            "return document.querySelector('[data-dash-is-loading=\"true\"]') === null"
            " && window.dash_clientside !== undefined"
        ):
            break
    time.sleep(1.0)  # the grids paint their rows after the callback's answer
    return str(dash_duo.driver.execute_script("return document.body.innerText"))


def test_what_callbacks_fill_in_speaks_indonesian_too(dash_duo, engine: Engine, seeded_day: SeededDay) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "dewi", "kasubdit")
    raw: dict[str, list[str]] = {}
    filled: dict[str, str] = {}
    for path in (
        "/kelengkapan",
        "/data-masuk",
        "/surat-pernyataan",
        "/surat-himbauan",
        "/rekonsiliasi",
        "/distribusi",
        "/rapor-bank",
        "/laporan",
        "/penjadwal",
        "/kotak-keluar",
        "/jejak-audit",
        "/tugas",
        "/peringatan",
    ):
        text = settled_text(dash_duo, f"{path}?tanggal={DAY.isoformat()}")
        filled[path] = text
        for line in text.splitlines():
            found = problems_in(line)
            if found:
                raw.setdefault(path, []).append(f"{found} in {line[:80]!r}")
    # the callbacks did fill the pages in: the day's score and the rejected file are on screen
    assert "kewajiban jatuh tempo tepat waktu" in filled["/kelengkapan"]  # the score card, filled by its callback
    assert seeded_day.rejected_file_name in filled["/data-masuk"]
    assert raw == {}
