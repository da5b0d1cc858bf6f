"""Revenue data for the Penerimaan page (two November days of three banks and last year's days) and what the page
gives back: its XLSX download and the totals its charts add up to."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from jobs.reconciliation.run import reconcile
from tests.builders.reconciliation import D1, D2, Day, Row, batch, letter, ntpn, payments
from tests.dashboard.helpers import fire

BRI = {"bank_code": "002", "kpp_code": "091", "kap": "411121"}  # Kanwil 310, PPh
MANDIRI = {"bank_code": "008", "kpp_code": "073", "kap": "411211"}  # Kanwil 080, PPN
BNI = {"bank_code": "009", "kpp_code": "021", "kap": "411125"}  # Kanwil 080, PPh
RECONCILED = 125_665_678_900
MANDIRI_ONLY = 117_345_678_900


def load(engine: Engine) -> None:
    """Two November days of three banks, one BRI payment with an open amount mismatch; last year's days."""
    n = iter(range(1, 100))
    d1 = [
        Row(ntpn(next(n)), amount=a, day=D1, **k)
        for k, a in ((BRI, 2_500_000_000), (BRI, 1_250_000_000), (MANDIRI, 45_000_000_000), (BNI, 750_000_000))
    ]
    d2 = [
        Row(ntpn(next(n)), amount=a, day=D2, **k)
        for k, a in ((BRI, 3_000_000_000), (MANDIRI, 60_000_000_000), (MANDIRI, 12_345_678_900), (BNI, 820_000_000))
    ]
    mismatched = Row(ntpn(next(n)), amount=400_000_000, day=D2, **BRI)
    Day(d1).load(engine)
    payments(engine, [*d2, mismatched])
    for code in ("002", "008", "009"):
        rows = [r for r in d2 if r.bank_code == code] + ([mismatched.but(amount=1)] if code == "002" else [])
        batch(engine, code, D2, rows)
        letter(engine, code, D2, len(rows), sum(r.amount for r in rows))
    Day(
        [
            Row(ntpn(next(n)), amount=2_000_000_000, day=date(2025, 11, 19), **BRI),
            Row(ntpn(next(n)), amount=98_000_000_000, day=date(2025, 11, 20), **MANDIRI),
        ]
    ).load(engine)
    for day in (D1, D2, date(2025, 11, 19), date(2025, 11, 20)):
        reconcile(engine, day)


def ask_for_xlsx(client: Any, banks: list[str] | None = None) -> Any:
    values = {"start_date": "2026-11-01", "end_date": "2026-11-20"}
    return fire(
        client,
        "pn-unduhan.data",
        [{"id": "pn-unduh", "property": "n_clicks", "value": 1}],
        state=[
            {"id": "pn-periode", "property": "start_date", "value": values["start_date"]},
            {"id": "pn-periode", "property": "end_date", "value": values["end_date"]},
            {"id": "pn-bank", "property": "value", "value": banks},
            {"id": "pn-kap", "property": "value", "value": None},
            {"id": "pn-kanwil", "property": "value", "value": None},
            {"id": "pn-drill", "property": "data", "value": "080"},
        ],
    )


def traces(dash_duo: Any, graph: str) -> dict[str, dict[str, list[Any]]]:
    """The chart's traces by name: their x and y."""
    data = dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph} .js-plotly-plot');"
        "return g && g.data ? g.data.map(t => [t.name, t.x || [], t.y || []]) : [];"
    )
    return {name: {"x": list(x), "y": list(y)} for name, x, y in data}


def chart_totals(dash_duo: Any) -> dict[str, float]:
    """The reconciled revenue each chart adds up to."""
    return {
        "harian": sum(traces(dash_duo, "pn-harian")["Periode ini"]["y"]),
        "bulanan": sum(traces(dash_duo, "pn-bulanan")["Periode ini"]["y"]),
        "kelompok": sum(traces(dash_duo, "pn-kelompok")["Terekonsiliasi"]["y"]),
        "bank": sum(traces(dash_duo, "pn-bank-grafik")["Terekonsiliasi"]["x"]),
        "wilayah": sum(traces(dash_duo, "pn-wilayah")["Terekonsiliasi"]["x"]),
    }
