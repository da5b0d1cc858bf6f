"""Pemberitahuan gangguan: the banks' written notices that a fault made them late (PER-78 Ps.9(4)f, Ps.12).

The list of notices, the form that records one with its scanned letter (pelaksana, kasi, kasubdit; everyone else
reads) and, for `?id=N`, one notice: the duties it excuses on Kelengkapan, the force-majeure catch-up (dates
reconciled again, matched before → after), the Berita Acara that cite it, and the withdraw form. Kelengkapan's
"terlambat — ada pemberitahuan" cells link here. The work is `queries.letters.notice_work`.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard.access import act, callback, current_user
from dashboard.components.cards import page_header, page_or_unavailable, section
from dashboard.components.data import fetch, perform
from dashboard.pages.pemberitahuan import view
from queries import config, permissions
from queries.accounts.users import User
from queries.imports.master import banks
from queries.letters.notice_work import catchup, excused_by, record_notice, withdraw_notice
from queries.letters.notices import RECORD_ACTION, WITHDRAW_ACTION, acts_for, notice_by_id, notices
from queries.reconciliation.berita_acara import linked_berita_acara

PATH = "/pemberitahuan"
PAGE_ROLES = permissions.roles_for("page.pemberitahuan")
dash.register_page(
    __name__,
    path=PATH,
    name="Pemberitahuan gangguan",
    title="Pemberitahuan gangguan · MPN Monitor",
    order=23,
    navbar=False,
    roles=PAGE_ROLES,
)

TITLE = "Pemberitahuan gangguan"
SUBTITLE = (
    "Surat bank/pos persepsi tentang gangguan sistem atau keadaan kahar: kewajiban yang jatuh tempo selama "
    "gangguan tampil 'terlambat — ada pemberitahuan', dihitung terpisah"
)
SHOWN = "pb-id"


def layout(id: str | None = None, **_ignored: str) -> html.Div:  # noqa: A002 - the URL's parameter
    """The list and the form; with `?id=N` that notice's detail first."""
    return html.Div(page_or_unavailable(lambda: page_body(id), title=TITLE, subtitle=SUBTITLE), className="mpn-page")


def page_body(notice_id: str | None) -> list[Any]:
    """Header, the notice asked for, the form (recorders only), the list."""
    user = current_user()
    parts: list[Any] = [page_header(TITLE, SUBTITLE)]
    shown = _detail(notice_id, user)
    if shown is not None:
        parts.append(shown)
    if "record" in acts_for(user):
        parts.append(
            section(
                "Catat surat pemberitahuan",
                [view.form(fetch(banks))],
                note="Satu surat, satu pemberitahuan. Pemberitahuan tidak dapat diubah; bila keliru, "
                "tarik lalu catat ulang.",
            )
        )
    parts.append(section("Daftar pemberitahuan", [html.Div(view.notice_list(fetch(notices)), id=view.LIST)]))
    return parts


def _detail(notice_id: str | None, user: User | None) -> Any:
    if not notice_id or not notice_id.strip().isdigit() or len(notice_id.strip()) > 12:
        return None
    found = fetch(notice_by_id, int(notice_id))
    if found is None:
        return section("Pemberitahuan", [html.P(f"Pemberitahuan #{notice_id.strip()} tidak ditemukan.")])
    now = config.now()
    return section(
        f"Pemberitahuan #{found.notice_id}",
        [
            html.Div(
                view.detail(
                    found,
                    fetch(excused_by, found, now=now),
                    fetch(catchup, found.notice_id),
                    fetch(linked_berita_acara, found.notice_id),
                    "withdraw" in acts_for(user, found),
                ),
                id=view.DETAIL,
            ),
            html.Div(str(found.notice_id), id=SHOWN, hidden=True),
        ],
    )


@callback(
    Output(view.MESSAGE, "children"),
    Output(view.LIST, "children"),
    Output(view.UPLOAD, "contents"),
    Input(view.SAVE, "n_clicks"),
    State(view.BANK, "value"),
    State(view.NUMBER, "value"),
    State(view.LETTER_DATE, "value"),
    State(view.RECEIVED, "value"),
    State(view.CAUSE, "value"),
    State(view.START, "value"),
    State(view.END, "value"),
    State(view.DUTY_LIST, "value"),
    State(view.NOTE, "value"),
    State(view.UPLOAD, "contents"),
    State(view.UPLOAD, "filename"),
    prevent_initial_call=True,
    roles=permissions.roles_for(RECORD_ACTION),
)
def save(
    clicks: int | None,
    bank: str | None,
    number: str | None,
    letter_date: str | None,
    received: str | None,
    cause: str | None,
    start: str | None,
    end: str | None,
    duties: list[str] | None,
    note: str | None,
    contents: str | None,
    file_name: str | None,
) -> tuple[Any, Any, Any]:
    """Record the notice in one transaction; the refusal, if any, is shown under the form."""

    def record(user: User) -> int:
        notice = view.notice_in(bank, number, letter_date, received, cause, start, end, duties, note)
        return perform(record_notice, notice, actor=user, scan_file=view.scan_file(contents, file_name))

    return act(
        clicks,
        record,
        done=recorded,
        refused=lambda why: (view.alert(why.message, "danger"), dash.no_update, dash.no_update),
    )


def recorded(notice_id: int) -> tuple[Any, Any, Any]:
    """The confirmation with a link to the notice, the list anew, the upload emptied."""
    done = html.Span(
        [
            f"Pemberitahuan #{notice_id} dicatat. ",
            html.A("Lihat rinciannya", href=f"{PATH}?id={notice_id}", className="alert-link"),
        ]
    )
    return view.alert(done, "success"), view.notice_list(fetch(notices)), None


@callback(
    Output(view.WITHDRAW_MESSAGE, "children"),
    Input(view.WITHDRAW, "n_clicks"),
    State(view.REASON, "value"),
    State(SHOWN, "children"),
    prevent_initial_call=True,
    roles=permissions.roles_for(WITHDRAW_ACTION),
)
def withdraw(clicks: int | None, reason: str | None, shown: str | None) -> Any:
    """Withdraw the notice shown, with the reason given (audited)."""
    if not (shown or "").isdigit():
        raise PreventUpdate
    return act(
        clicks,
        lambda user: perform(withdraw_notice, int(shown or 0), actor=user, reason=reason or ""),
        done=lambda _withdrawn: view.alert(
            "Pemberitahuan ditarik: kewajiban yang dikecualikannya kembali "
            "dihitung terlambat. Muat ulang halaman untuk melihat keadaannya.",
            "success",
        ),
        refused=lambda why: view.alert(why.message, "danger"),
    )
