"""The payment trace: a payment found by NTPN, NPWP, NTB and billing code; its path through an exception worked by
people and a redistribution after a failed delivery, every step in order with who acted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from jobs.reconciliation.run import reconcile
from queries.monitoring.trace import find_payments, normalise, search_kinds, trace
from tests.builders.reconciliation import D1, D2, Day, clean, ntpn, payments
from tests.builders.trace import build_worked_payment


@pytest.fixture
def worked_payment(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """`build_worked_payment`'s NTPN."""
    return build_worked_payment(engine, tmp_path, monkeypatch)


def test_a_worked_and_redistributed_payment_shows_every_step_in_order(engine: Engine, worked_payment: str) -> None:
    with engine.connect() as conn:
        found = trace(conn, worked_payment)
    assert found.payment is not None and found.payment.amount == 20_000 and found.zone == "WIB"
    kinds = [s.kind for s in found.steps]
    order = ["paid", "mpn", "batch", "recon", "statement", "distribution", "sidjp", "sipmod"]
    assert [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k] == order  # each stage once, in order
    titles = [(s.kind, s.title, s.actor, s.state) for s in found.steps]
    recon = [t for t in titles if t[0] == "recon"]
    assert recon[0][1] == "Selisih: Atribut berbeda (Audit)" and recon[0][3] == "warning"  # closed by people
    assert ("recon", "Ditugaskan kepada ani", "budi (Kepala Seksi)", "info") in recon
    assert ("recon", "Komentar", "ani (Pelaksana)", "info") in recon
    assert ("recon", "Pengajuan penyelesaian", "ani (Pelaksana)", "info") in recon
    assert ("recon", "Disetujui Kepala Seksi", "budi (Kepala Seksi)", "done") in recon
    assert recon[-1][1:] == ("Selisih diselesaikan", "budi (Kepala Seksi)", "done")
    names = [t[1] for t in recon]
    assert (
        names.index("Ditugaskan kepada ani")
        < names.index("Komentar")
        < names.index("Pengajuan penyelesaian")
        < names.index("Disetujui Kepala Seksi")
        < names.index("Selisih diselesaikan")
    )
    resolved = next(s for s in found.steps if s.title == "Selisih diselesaikan")
    assert "Salah rekam oleh bank" in resolved.detail and "Surat bank no. 12" in resolved.detail
    statement = next(s for s in found.steps if s.kind == "statement")
    assert statement.state == "done" and statement.at is not None
    distribution = [(s.title, s.actor) for s in found.steps if s.kind == "distribution"]
    assert distribution == [
        ("Disiapkan untuk distribusi: putaran 1, batch MPN-20261120-R1-091-0000", "sistem (test)"),
        ("Persetujuan diajukan", "ani (Pelaksana)"),
        ("Disetujui Kepala Seksi", "budi (Kepala Seksi)"),
        ("Disetujui Kepala Subdirektorat", "dedi (Kepala Subdirektorat)"),
    ]
    for target, name in (("sidjp", "SIDJP"), ("sipmod", "SIPMOD")):
        steps = [s for s in found.steps if s.kind == target]
        assert steps[0].state == "failed" and "HTTP 503" in steps[0].title  # the failing target
        redistributed = next(i for i, s in enumerate(steps) if s.title == f"Didistribusikan ulang ke {name}")
        assert steps[redistributed].actor == "ani (Pelaksana)"
        assert steps[-1].title == f"Terkonfirmasi di {name}" and steps[-1].state == "done"
        assert redistributed < len(steps) - 1
        times = [s.at for s in steps]
        assert all(t is not None for t in times) and times == sorted(times)  # type: ignore[type-var]
    every = [s for s in found.steps if s.kind not in ("paid",)]
    assert all(s.actor for s in every if s.at is not None)  # whoever acted is named


def test_a_payment_is_found_by_ntpn_npwp_ntb_and_billing_code(engine: Engine) -> None:
    rows = clean(3)
    Day(rows).load(engine)
    with engine.connect() as conn:
        by_ntpn = find_payments(conn, ntpn(2).lower())
        by_ntb = find_payments(conn, rows[1].ntb_)
        by_npwp = find_payments(conn, "01.234.567.8-901.000")
        by_billing = find_payments(conn, "123456789012345")
        nothing = find_payments(conn, "NOPE-NOPE!")
    assert [(h.ntpn, h.matched_on) for h in by_ntpn] == [(ntpn(2), "ntpn")]
    assert by_ntpn[0].bank_name and by_ntpn[0].zone == "WIB"
    assert [(h.ntpn, h.matched_on) for h in by_ntb] == [(ntpn(2), "ntb")]
    assert {h.ntpn for h in by_npwp} == {ntpn(1), ntpn(2), ntpn(3)} and {h.matched_on for h in by_npwp} == {"npwp"}
    assert {h.ntpn for h in by_billing} == {ntpn(1), ntpn(2), ntpn(3)}
    assert {h.matched_on for h in by_billing} == {"billing_code"}
    assert nothing == []


def test_unindexed_searches_cover_only_the_newest_business_dates(engine: Engine) -> None:
    old = clean(1, start=7, day=D1)
    payments(engine, old)
    Day(clean(1)).load(engine)
    with engine.connect() as conn:
        assert {h.ntpn for h in find_payments(conn, "123456789012345", days=1)} == {ntpn(1)}
        assert {h.ntpn for h in find_payments(conn, "123456789012345", days=2)} == {ntpn(1), ntpn(7)}
        assert [h.ntpn for h in find_payments(conn, ntpn(7), days=1)] == [ntpn(7)]  # an NTPN on any date


def test_a_term_is_read_as_what_it_can_be() -> None:
    assert search_kinds(normalise(" 0123 4567 8901 2345 ")) == ("ntpn", "npwp", "ntb")
    assert search_kinds("123456789012345") == ("billing_code", "npwp", "ntb")
    assert search_kinds("B12") == ("ntb",) and search_kinds("ÄÖ") == ()


def test_an_unknown_ntpn_has_no_steps(engine: Engine) -> None:
    with engine.connect() as conn:
        assert not trace(conn, "XXXXXXXXXXXXXXXX").found


def test_a_payment_missing_in_the_batch_is_held(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, bank=rows[:1])
    reconcile(engine, D2)
    with engine.connect() as conn:
        found = trace(conn, ntpn(2))
    states = {(s.kind, s.title): s.state for s in found.steps}
    assert [st for (k, _), st in states.items() if k == "batch"] == ["failed"]
    assert states[("recon", "Selisih: Tidak ada di bank (Belum Kirim)")] == "failed"
    held = next(s for s in found.steps if s.kind == "distribution")
    assert held.state == "pending" and held.detail == "Selisih rekonsiliasi belum selesai"
