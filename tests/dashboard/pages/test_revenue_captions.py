"""A downloaded chart says what it shows: every Penerimaan figure carries its title, period and filters."""

from __future__ import annotations

import sys
from datetime import date

import dash
from sqlalchemy import Engine

from dashboard.app import create_app
from dashboard.pages.penerimaan import view
from queries.reconciliation.revenue import RevenueFilter

CUT = RevenueFilter(date(2026, 11, 2), date(2026, 11, 27), bank_codes=("002",), kaps=("411211",), kanwil_code=None)


def test_a_captioned_chart_names_its_period_and_filters() -> None:
    figure = view.captioned(view.daily_figure([], []), "Penerimaan per tanggal buku", CUT)

    text = figure.layout.title.text
    assert text.startswith("Penerimaan per tanggal buku")
    assert "02/11/2026" in text and "27/11/2026" in text
    assert "Filter: bank 002; KAP 411211" in text
    assert figure.layout.margin.t >= 60  # room for the caption above the plot


def test_no_filter_reads_semua_and_a_drilled_kanwil_is_named() -> None:
    plain = RevenueFilter(date(2026, 11, 2), date(2026, 11, 27))

    assert view.filters_note(plain) == "semua"
    assert view.filters_note(plain, "Kanwil DJP Jakarta Pusat") == "Kanwil DJP Jakarta Pusat"


def test_every_revenue_callback_returns_a_captioned_figure(engine: Engine) -> None:
    app = create_app()  # pages register with the app first; use the module Dash loaded, not a second copy
    penerimaan = sys.modules[next(p["module"] for p in dash.page_registry.values() if p["path"] == "/penerimaan")]

    values = ("2026-11-02", "2026-11-27", ["002"], None, None)

    def own(callback):  # the page's function under Dash's wrapper, if any
        return getattr(callback, "__wrapped__", callback)

    with app.server.test_request_context():
        figures = [
            own(penerimaan.daily)(*values),
            own(penerimaan.monthly)(*values),
            own(penerimaan.groups)(*values)[0],
            own(penerimaan.agents)(*values),
            own(penerimaan.area)(*values, None)[0],
        ]

    for figure in figures:
        assert "Periode 02/11/2026" in figure.layout.title.text and "bank 002" in figure.layout.title.text
