"""Data induk (admin only): banks and post (with cut-off, zone and head-office e-mail), Kanwil, KPP, KAP, KJS and
the non-working days beside the `holidays` package's Indonesian days. A row is edited with the checks of `mpn master
import` (`queries.imports.master_edit.save_row`); a CSV upload goes through `jobs.imports.master.import_master_upload`,
the command's own path (all or nothing, a rejected file kept with its report); the current list downloads in the
same format.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback
from dashboard.components.admin_view import result
from dashboard.components.cards import page_header, page_or_unavailable
from dashboard.components.data import fetch, perform
from dashboard.pages.data_induk import view
from jobs.documents.tabular import csv_text
from jobs.imports.master import import_master_upload
from queries import config
from queries.accounts.users import User
from queries.csvfile import InputRejected
from queries.db import engine
from queries.imports.master import KINDS, UpsertResult
from queries.imports.master_edit import (
    KEY_COLUMN,
    TITLES,
    MasterError,
    Saved,
    delete_non_working_day,
    master_rows,
    package_holidays,
    save_row,
)
from queries.permissions import Refused, roles_for

TITLE = "Data induk"
QUESTION = "Bank dan pos, Kanwil, KPP, KAP, KJS, dan hari libur yang dipakai setiap impor"

#: Who opens the page; who changes master data.
ADMINS, ADMINISTER = roles_for("page.admin"), roles_for("accounts.administer")

dash.register_page(
    __name__, path="/data-induk", name="Data induk", title="Data induk · MPN Monitor", order=94, roles=ADMINS
)


def layout(**_query: str) -> html.Div:
    """The tabs; the panel of the chosen kind is drawn by `panel`."""
    return html.Div(page_or_unavailable(_body, title=TITLE, subtitle=QUESTION), className="mpn-page")


def _body() -> list[Any]:
    return [
        page_header(TITLE, QUESTION),
        dcc.Store(id=view.VERSION, data=0),
        dcc.Download(id=view.FILE),
        view.tabs(),
        html.Div(id=view.RESULT, className="mb-3"),
        html.Div(id=view.UPLOAD_RESULT, className="mb-3"),
        html.Div(_panel("banks"), id=view.PANEL),
    ]


def _kind(tab: str | None) -> str:
    if tab not in KINDS:
        raise PreventUpdate
    return str(tab)


def _panel(kind: str) -> dbc.Row:
    rows = fetch(master_rows, kind)
    if kind == "non_working_days":
        year = config.now().astimezone(config.timezone()).year
        left: list[Any] = [view.year_picker(year), html.Div(_days(year, rows), id=view.DAYS)]
    else:
        left = [view.rows_table(kind, rows)]
    return dbc.Row(
        [dbc.Col(left, xl=8, className="mb-3"), dbc.Col([view.edit_card(kind, rows), view.file_card(kind)], xl=4)]
    )


def _days(year: int, rows: list[dict[str, str]]) -> Any:
    return view.days_off(package_holidays(year), rows, year)


@callback(
    Output(view.PANEL, "children"),
    Input(view.TABS, "active_tab"),
    Input(view.VERSION, "data"),
    prevent_initial_call=True,
    roles=ADMINS,
)
def panel(tab: str | None, _version: int | None) -> Any:
    """The chosen kind's table, edit form and file tools (again after a change)."""
    return _panel(_kind(tab))


@callback(
    Output(view.RESULT, "children", allow_duplicate=True),
    Output(view.UPLOAD_RESULT, "children", allow_duplicate=True),
    Input(view.TABS, "active_tab"),
    prevent_initial_call=True,
    roles=ADMINS,
)
def clear(_tab: str | None) -> tuple[None, None]:
    """Another tab: the last save's or upload's result belongs to the previous one."""
    return None, None


@callback(Output(view.DAYS, "children"), Input(view.YEAR, "value"), prevent_initial_call=True, roles=ADMINS)
def days(year: str | None) -> Any:
    """The days off of the chosen year."""
    if not year or not year.isdigit() or not 2000 <= int(year) <= 2100:
        raise PreventUpdate
    return _days(int(year), fetch(master_rows, "non_working_days"))


@callback(
    Output({"type": view.COLUMN, "col": ALL}, "value"),
    Input(view.PICK, "value"),
    State(view.TABS, "active_tab"),
    prevent_initial_call=True,
    roles=ADMINS,
)
def fill(code: str | None, tab: str | None) -> list[str]:
    """The chosen row's values in the form (a new row: the defaults)."""
    kind = _kind(tab)
    found = [r for r in fetch(master_rows, kind) if r[KEY_COLUMN[kind]] == code]
    return view.values_of(kind, found[0] if found else None)


@callback(
    Output(view.RESULT, "children"),
    Output(view.VERSION, "data"),
    Input(view.SAVE, "n_clicks"),
    State(view.TABS, "active_tab"),
    State({"type": view.COLUMN, "col": ALL}, "value"),
    State({"type": view.COLUMN, "col": ALL}, "id"),
    State(view.VERSION, "data"),
    prevent_initial_call=True,
    roles=ADMINISTER,
)
def save(
    clicks: int | None, tab: str | None, values: list[str | None], ids: list[dict[str, str]], version: int | None
) -> tuple[Any, Any]:
    """Check and store the row as the admin (audited with before and after); a new cut-off says what it changes."""
    kind = _kind(tab)
    row = {str(i.get("col")): str(v or "") for i, v in zip(ids, values, strict=False)}
    return act(
        clicks,
        lambda user: perform(save_row, kind, row, actor=user.actor(), now=config.now()),
        done=lambda saved: _saved(kind, saved, version),
        refused=_not_saved,
    )


def _not_saved(why: Refused) -> tuple[Any, Any]:
    """A refused row: the master-data rules' problems column by column, or why the change was not taken."""
    if isinstance(why, MasterError):
        listed = html.Ul([html.Li(f"{view.LABELS.get(c, c)} ({c}): {problem}") for c, problem in why.problems])
        return result([html.Div("Tidak disimpan:"), listed], ok=False), dash.no_update
    return result(f"Tidak disimpan: {why.message}", ok=False), dash.no_update


def _saved(kind: str, saved: Saved, version: int | None) -> tuple[Any, Any]:
    key = saved.row[KEY_COLUMN[kind]]
    if not saved.changed:
        return result(f"{key}: tidak ada yang berubah.", ok=True), dash.no_update
    told: list[Any] = [f"{key} {'ditambahkan' if saved.before is None else 'disimpan'}."]
    if saved.note:
        told.append(html.Div(saved.note, id="di-catatan-jam-batas", className="mt-1"))
    return result(told, ok=True), (version or 0) + 1


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@callback(
    Output(view.UPLOAD_RESULT, "children"),
    Output(view.VERSION, "data", allow_duplicate=True),
    Input(view.UPLOAD, "contents"),
    State(view.UPLOAD, "filename"),
    State(view.TABS, "active_tab"),
    State(view.VERSION, "data"),
    prevent_initial_call=True,
    roles=ADMINISTER,
)
def upload(contents: str | None, filename: str | None, tab: str | None, version: int | None) -> tuple[Any, Any]:
    """Import the uploaded file as `mpn master import KIND FILE` does: all of it, or nothing with every problem."""
    kind = _kind(tab)
    name = _SAFE_NAME.sub("_", Path(filename or "unggahan.csv").name)[:120] or "unggahan.csv"

    def bring_in(user: User) -> UpsertResult | InputRejected:
        try:
            data = base64.b64decode((contents or "").split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError):
            raise Refused("Berkas tidak terbaca.") from None
        try:
            return import_master_upload(engine(), kind, name, data, actor=user.actor())
        except InputRejected as rejected:
            return rejected

    def done(outcome: UpsertResult | InputRejected) -> tuple[Any, Any]:
        if isinstance(outcome, InputRejected):
            return result(
                [
                    html.Div(f"{name} ditolak seluruhnya; data induk tidak berubah. {outcome.total} masalah:"),
                    view.problems_list(outcome.problems, outcome.total),
                ],
                ok=False,
            ), dash.no_update
        return (
            result(
                f"{name}: {outcome.inserted} baris baru, {outcome.updated} baris diperbarui ({TITLES[kind]}).", ok=True
            ),
            (version or 0) + 1,
        )

    return act(
        1 if contents else None,
        bring_in,
        done=done,
        refused=lambda why: (result(why.message, ok=False), dash.no_update),
    )


@callback(
    Output(view.FILE, "data"),
    Input(view.DOWNLOAD, "n_clicks"),
    State(view.TABS, "active_tab"),
    prevent_initial_call=True,
    roles=ADMINS,
)
def download(clicks: int | None, tab: str | None) -> dict[str, Any]:
    """The current list as CSV in the `mpn master import` format (inert: no cell starts a formula)."""
    kind = _kind(tab)
    if not clicks:
        raise PreventUpdate
    cols = view.columns(kind)
    content = csv_text(cols, ([r[c] for c in cols] for r in fetch(master_rows, kind)))
    today = config.now().astimezone(config.timezone())
    return {"content": content, "filename": f"{kind}-{today:%Y%m%d}.csv", "type": "text/csv"}


@callback(
    Output(view.RESULT, "children", allow_duplicate=True),
    Output(view.VERSION, "data", allow_duplicate=True),
    Input({"type": view.DELETE, "day": ALL}, "n_clicks"),
    State(view.VERSION, "data"),
    prevent_initial_call=True,
    roles=ADMINISTER,
)
def delete(_clicks: list[int | None], version: int | None) -> tuple[Any, Any]:
    """Remove a master non-working day entered by mistake (audited with what it was)."""
    pressed = ctx.triggered_id
    if not isinstance(pressed, dict) or not ctx.triggered:
        raise PreventUpdate
    try:
        day = date.fromisoformat(str(pressed.get("day")))
    except ValueError:
        raise PreventUpdate from None

    def done(deleted: bool) -> tuple[Any, Any]:
        if not deleted:
            return result(f"{day.isoformat()} sudah tidak ada di data induk.", ok=False), dash.no_update
        return result(f"Hari libur tambahan {day.isoformat()} dihapus.", ok=True), (version or 0) + 1

    return act(
        ctx.triggered[0].get("value"),
        lambda user: perform(delete_non_working_day, day, actor=user.actor()),
        done=done,
        refused=lambda why: (result(why.message, ok=False), dash.no_update),
    )
