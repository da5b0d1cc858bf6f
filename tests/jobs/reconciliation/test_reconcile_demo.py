"""The demo's planted cases are all found under their category, and reconciliation totals add up."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from jobs.demo.build import load_demo
from jobs.reconciliation.run import reconcile
from queries.reconciliation.classify import CATEGORIES
from tests.builders.demo import SMALL as CFG
from tests.builders.reconciliation import D2, Row, batch, ntpn, payments, reset


def test_reconciling_the_demo_finds_every_planted_case_under_its_category(engine: Engine, tmp_path: Path) -> None:
    summary = load_demo(engine, days=2, until=date(2026, 11, 20), out_dir=tmp_path, config=CFG)
    assert summary.manifest is not None
    for day in summary.days:
        reconcile(engine, day)
    with engine.connect() as conn:
        found = {
            (r.business_date, r.bank_code, r.ntpn or None, r.category)
            for r in conn.execute(text("SELECT * FROM recon_exception WHERE status = 'open'"))
        }
    planted = [p for c in CATEGORIES for p in summary.manifest.planted.get(c, [])]
    assert {p.category for p in planted} >= {
        "missing_in_bank",
        "missing_in_mpn",
        "amount_mismatch",
        "attribute_mismatch",
        "cutoff_mismatch",
        "duplicate",
        "cancelled_reused",
        "missing_batch",
    }
    missing = [p for p in planted if (p.day, p.bank_code, p.ntpn, p.category) not in found]
    assert missing == []


# Per NTPN, one of these situations (what MPN says, what the batch says); two banks, one business date.
KINDS = ("clean", "amount", "attribute", "mpn_only", "bank_only", "mpn_twice", "bank_twice", "both_twice")
EXPECTED = {
    "clean": None,
    "amount": "amount_mismatch",
    "attribute": "attribute_mismatch",
    "mpn_only": "missing_in_bank",
    "bank_only": "missing_in_mpn",
    "mpn_twice": "duplicate",
    "bank_twice": "duplicate",
    "both_twice": "duplicate",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.sampled_from(("002", "008")), st.integers(1, 10**9)),
        min_size=1,
        max_size=12,
    )
)
def test_every_ntpn_lands_in_one_category_and_the_amounts_add_up(engine: Engine, cases: list) -> None:
    """Property: each NTPN is matched or in exactly one category, and per side
    total of the date's rows = matched_amount + sum of that side's amount over transaction exceptions."""
    reset(engine)
    mpn: list[Row] = []
    bank: list[Row] = [Row(ntpn(10**6 + i), bank_code=c) for i, c in enumerate(("002", "008"))]
    mpn += bank  # an anchor per bank so each has a batch
    for i, (kind, code, amount) in enumerate(cases):
        r = Row(ntpn(i), amount=amount, bank_code=code)
        mpn += {"bank_only": [], "mpn_twice": [r, r], "both_twice": [r, r]}.get(kind, [r])
        other = {
            "amount": [r.but(amount=amount + 1)],
            "attribute": [r.but(npwp="099999999999999")],
            "mpn_only": [],
            "bank_twice": [r, r],
            "both_twice": [r, r],
        }
        bank += other.get(kind, [r])
    payments(engine, mpn)
    for code in ("002", "008"):
        batch(engine, code, D2, [r for r in bank if r.bank_code == code])
    result = reconcile(engine, D2)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ntpn, category, mpn_amount, bank_amount FROM recon_exception"
                " WHERE level = 'transaction' AND status = 'open'"
            )
        ).all()
    by_ntpn = {}
    for r in rows:
        assert r.ntpn not in by_ntpn
        by_ntpn[r.ntpn] = r.category
    assert by_ntpn == {ntpn(i): EXPECTED[k] for i, (k, _, _) in enumerate(cases) if EXPECTED[k]}
    totals = result.totals()
    assert totals["mpn_amount"] == sum(r.amount for r in mpn)
    assert totals["mpn_amount"] == totals["matched_amount"] + sum(r.mpn_amount or 0 for r in rows)
    assert totals["bank_amount"] == totals["matched_amount"] + sum(r.bank_amount or 0 for r in rows)
    assert totals["matched_count"] + sum(1 for k, _, _ in cases if EXPECTED[k]) == len(cases) + 2
