"""The page for an unknown address (Dash shows the module named `not_found_404` for any such path)."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard.access import EVERYONE
from dashboard.components.cards import empty_state

dash.register_page(
    __name__, path="/404", name="Halaman tidak ditemukan", title="MPN Monitor", navbar=False, roles=EVERYONE
)


def layout(**_query: str) -> html.Div:
    """A short explanation and the way back."""
    return html.Div(
        [
            html.H1("Halaman tidak ditemukan", className="mpn-title mb-3"),
            empty_state("Alamat ini tidak ada di MPN Monitor.", "Pilih halaman dari menu di atas."),
            # A full reload: the server sends `/` on to the home page.
            html.P(
                dcc.Link("Kembali ke halaman utama", href=dash.get_relative_path("/"), refresh=True), className="mt-3"
            ),
        ],
        className="mpn-page",
    )
