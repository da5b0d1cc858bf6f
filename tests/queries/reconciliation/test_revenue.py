"""`queries.reconciliation.revenue`: R13's reconciled revenue per day, bank, KPP and KAP, last year's comparison and the
filters."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries.reconciliation.revenue import (
    KAP,
    DayAmount,
    MonthAmount,
    RevenueFilter,
    RevenueTotals,
    Share,
    daily_revenue,
    monthly_revenue,
    refresh_revenue_day,
    revenue_by_bank,
    revenue_by_kanwil,
    revenue_by_kap,
    revenue_by_kpp,
    revenue_by_tax_group,
    revenue_choices,
    revenue_totals,
)
from queries.reconciliation.work import approve_resolution, request_resolution, start_clarification
from tests.builders.reconciliation import D1, D2, Day, Row, batch, letter, ntpn, payments
from tests.builders.work import exception_id, make_people

LAST_YEAR = date(2025, 11, 20)
NOVEMBER = RevenueFilter(date(2026, 11, 1), date(2026, 11, 30))
BRI = [Row(ntpn(i), amount=10_000 * i) for i in range(1, 5)]  # KPP 091 (Kanwil 310), KAP 411121 (PPh)
MANDIRI = [
    Row(ntpn(i), amount=amount, bank_code="008", kpp_code="073", kap="411211")  # Kanwil 080, PPN
    for i, amount in ((11, 500_000), (12, 700_000))
]
REVERSED = Row(ntpn(5), amount=9_000_000)
BNI = Row(ntpn(21), amount=80_000, bank_code="009")  # no batch: the bank is not reconciled


def load_november(engine: Engine) -> None:
    """BRI with one amount mismatch (open), Mandiri clean, a reversed payment, BNI without a batch; and
    a clean BRI day a year earlier."""
    payments(engine, [*BRI, *MANDIRI, REVERSED, REVERSED.but(record_type="reversal"), BNI])
    batch(engine, "002", D2, [*BRI[:3], BRI[3].but(amount=45_000)])
    batch(engine, "008", D2, MANDIRI)
    letter(engine, "002", D2, 4, 105_000)
    letter(engine, "008", D2, 2, 1_200_000)
    reconcile(engine, D2)
    Day([Row(ntpn(90), amount=100_000, day=LAST_YEAR)]).load(engine)
    reconcile(engine, LAST_YEAR)


def read(engine: Engine, query, *args, **kwargs):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return query(conn, *args, **kwargs)


def test_reconciled_revenue_is_the_sum_of_matched_transactions_and_the_rest_is_apart(engine: Engine) -> None:
    load_november(engine)

    totals = read(engine, revenue_totals, NOVEMBER)

    with engine.connect() as conn:
        matched = conn.execute(
            text("SELECT sum(matched_amount) FROM recon_result WHERE business_date = :d"), {"d": D2}
        ).scalar_one()
    assert totals.reconciled_amount == matched == 10_000 + 20_000 + 30_000 + 500_000 + 700_000
    # The mismatched BRI payment (open exception) and BNI's (no batch) wait apart; the reversed one is nowhere.
    assert totals == RevenueTotals(5, 1_260_000, 2, 40_000 + 80_000, 100_000)
    assert totals.change == pytest.approx(11.6)


def test_an_exception_resolved_by_people_counts_after_the_refresh(engine: Engine) -> None:
    load_november(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE recon_exception SET status = 'resolved', resolved_at = now(), resolved_by = 'sari'"
                " WHERE ntpn = :n"
            ),
            {"n": ntpn(4)},
        )
        refresh_revenue_day(conn, D2)

    totals = read(engine, revenue_totals, NOVEMBER)

    assert (totals.reconciled_count, totals.reconciled_amount) == (6, 1_300_000)
    assert (totals.unreconciled_count, totals.unreconciled_amount) == (1, 80_000)


def migration_0008():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "rev0008", Path(__file__).parents[3] / "queries/migrations/versions/0008_revenue.py"
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


DAYS = "SELECT * FROM revenue_day ORDER BY 1, 2, 3, 4"
ROLLUPS = "SELECT * FROM revenue_rollup ORDER BY 1, 2, 3, 4, 5, 6"


def stored(engine: Engine) -> tuple[list[Any], list[Any]]:
    """`revenue_day` and `revenue_rollup` as they are."""
    with engine.connect() as conn:
        return conn.execute(text(DAYS)).all(), conn.execute(text(ROLLUPS)).all()


def rebuilt(engine: Engine) -> tuple[list[Any], list[Any]]:
    """Both tables as the migration's backfill makes them from scratch (rolled back afterwards)."""
    migration = migration_0008()
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM revenue_rollup; DELETE FROM revenue_day"))
        conn.execute(text(migration.BACKFILL))
        conn.execute(text(migration.BACKFILL_ROLLUP))
        found = conn.execute(text(DAYS)).all(), conn.execute(text(ROLLUPS)).all()
        conn.rollback()
    return found


def test_refresh_is_idempotent_and_the_migration_backfill_agrees(engine: Engine) -> None:
    load_november(engine)
    before = stored(engine)
    with engine.begin() as conn:
        refresh_revenue_day(conn, D2)

    assert stored(engine) == before == rebuilt(engine)
    assert len(before[0]) == 4  # (D2: 002, 008, 009) and last year's 002
    # Per day: grains 0-6 (7 is revenue_day); per month: grains 0-7, both months.
    assert {(r.span, r.grain) for r in before[1]} == {("day", g) for g in range(7)} | {("month", g) for g in range(8)}


def test_rollups_follow_every_refresh_by_difference_and_drop_emptied_rows(engine: Engine) -> None:
    load_november(engine)
    Day([Row(ntpn(31), amount=70_000, day=D1, bank_code="008", kpp_code="073", kap="411211")]).load(engine)
    reconcile(engine, D1)
    with engine.begin() as conn:  # D2's BNI payment gone (as if reversed): its rows must leave the month too
        conn.execute(text("DELETE FROM mpn_record WHERE ntpn = :n"), {"n": ntpn(21)})
        refresh_revenue_day(conn, D2)

    days, rollups = stored(engine)

    assert (days, rollups) == rebuilt(engine)
    assert not [r for r in rollups if r.bank_code == "009"]
    assert read(engine, revenue_totals, NOVEMBER) == (6, 1_330_000, 1, 40_000, 100_000)


def test_closing_an_exception_moves_its_amount_from_unreconciled_to_reconciled(engine: Engine) -> None:
    load_november(engine)
    people = make_people(engine)
    exc_id = exception_id(engine, ntpn(4), "amount_mismatch")
    with engine.begin() as conn:
        start_clarification(conn, exc_id, actor=people["ani"])
        request_resolution(conn, exc_id, cause="other", note="Bank salah ketik nominal", actor=people["ani"])
    assert read(engine, revenue_totals, NOVEMBER)[:4] == (5, 1_260_000, 2, 120_000)

    with engine.begin() as conn:
        approve_resolution(conn, exc_id, actor=people["budi"])

    assert read(engine, revenue_totals, NOVEMBER)[:4] == (6, 1_300_000, 1, 80_000)  # BNI still waits (no batch)
    assert read(engine, revenue_by_bank, NOVEMBER)[1] == Share(
        "002", "PT Bank Rakyat Indonesia (Persero) Tbk", 100_000, 0, 4
    )
    assert stored(engine) == rebuilt(engine)


def test_whole_months_and_the_days_around_them_read_alike(engine: Engine) -> None:
    load_november(engine)
    Day([Row(ntpn(41), amount=3_000, day=date(2026, 10, 30)), Row(ntpn(42), amount=5_000, day=date(2026, 12, 1))]).load(
        engine
    )
    for day in (date(2026, 10, 30), date(2026, 12, 1)):
        reconcile(engine, day)
    year = RevenueFilter(date(2025, 10, 30), date(2026, 12, 1))

    assert year.pieces() == [
        ("month", date(2025, 11, 1), date(2026, 11, 1)),
        ("day", date(2025, 10, 30), date(2025, 10, 31)),
        ("day", date(2026, 12, 1), date(2026, 12, 1)),
    ]
    assert RevenueFilter(date(2026, 11, 1), date(2026, 11, 30)).pieces() == [
        ("month", date(2026, 11, 1), date(2026, 11, 1))
    ]
    assert RevenueFilter(date(2026, 11, 2), date(2026, 11, 30)).pieces() == [
        ("day", date(2026, 11, 2), date(2026, 11, 30))
    ]
    assert RevenueFilter(date(2026, 10, 31), date(2026, 12, 31)).pieces(by_day=True) == [
        ("day", date(2026, 10, 31), date(2026, 12, 31))
    ]
    totals = read(engine, revenue_totals, year)
    with engine.connect() as conn:
        expected = conn.execute(
            text("""SELECT sum(reconciled_count), sum(reconciled_amount), sum(unreconciled_count),
                                               sum(unreconciled_amount) FROM revenue_day
                                         WHERE business_date BETWEEN :a AND :b"""),
            {"a": year.first, "b": year.last},
        ).one()
    assert totals[:4] == tuple(expected) == (8, 1_368_000, 2, 120_000)
    assert sum(d.amount for d in read(engine, daily_revenue, year)) == 1_368_000
    assert read(engine, monthly_revenue, year)[-3:] == [
        MonthAmount(date(2026, 10, 1), 3_000, 0),
        MonthAmount(date(2026, 11, 1), 1_260_000, 100_000),
        MonthAmount(date(2026, 12, 1), 5_000, 0),
    ]
    for query in (revenue_by_tax_group, revenue_by_kap, revenue_by_bank, revenue_by_kanwil):
        assert sum(s.reconciled_amount for s in read(engine, query, year)) == 1_368_000, query.__name__
    with_kap = RevenueFilter(year.first, year.last, kaps=("411121",), kanwil_code="310")
    assert with_kap.grain(KAP) == 6 and with_kap.grain() == 6
    assert read(engine, revenue_by_bank, with_kap) == [
        Share("002", "PT Bank Rakyat Indonesia (Persero) Tbk", 168_000, 40_000, 6),
        Share("009", "PT Bank Negara Indonesia (Persero) Tbk", 0, 80_000, 0),
    ]


def test_day_and_month_compare_with_the_same_period_last_year(engine: Engine) -> None:
    load_november(engine)

    assert read(engine, daily_revenue, NOVEMBER) == [DayAmount(D2, 1_260_000)]
    assert read(engine, daily_revenue, NOVEMBER.last_year()) == [DayAmount(LAST_YEAR, 100_000)]
    assert read(engine, monthly_revenue, NOVEMBER) == [MonthAmount(date(2026, 11, 1), 1_260_000, 100_000)]
    # The 20th is outside the period: neither year counts it.
    assert read(engine, revenue_totals, RevenueFilter(date(2026, 11, 21), date(2026, 11, 30))) == (0, 0, 0, 0, 0)
    assert RevenueFilter(date(2028, 2, 29), date(2028, 3, 1)).last_year() == RevenueFilter(
        date(2027, 2, 28), date(2027, 3, 1)
    )


def test_every_filter_cuts_every_query_alike(engine: Engine) -> None:
    load_november(engine)
    cuts = {
        "mandiri": RevenueFilter(NOVEMBER.first, NOVEMBER.last, bank_codes=("008",)),
        "ppn": RevenueFilter(NOVEMBER.first, NOVEMBER.last, kaps=("411211",)),
        "jakarta_pusat": RevenueFilter(NOVEMBER.first, NOVEMBER.last, kanwil_code="080"),
        "kpp_073": RevenueFilter(NOVEMBER.first, NOVEMBER.last, kpp_code="073"),
    }
    for name, cut in cuts.items():
        assert read(engine, revenue_totals, cut) == (2, 1_200_000, 0, 0, 0), name
        assert sum(d.amount for d in read(engine, daily_revenue, cut)) == 1_200_000, name
        assert sum(m.amount for m in read(engine, monthly_revenue, cut)) == 1_200_000, name
        for query in (revenue_by_tax_group, revenue_by_kap, revenue_by_bank, revenue_by_kanwil):
            assert sum(s.reconciled_amount for s in read(engine, query, cut)) == 1_200_000, (name, query.__name__)

    bri_bni = RevenueFilter(NOVEMBER.first, NOVEMBER.last, bank_codes=("002", "009"))
    assert read(engine, revenue_totals, bri_bni) == (3, 60_000, 2, 120_000, 100_000)


def test_breakdowns_by_tax_group_kap_agent_and_region(engine: Engine) -> None:
    load_november(engine)

    assert read(engine, revenue_by_tax_group, NOVEMBER) == [
        Share("PPN", "PPN", 1_200_000, 0, 2),
        Share("PPh", "PPh", 60_000, 120_000, 3),
    ]
    assert read(engine, revenue_by_kap, NOVEMBER, limit=1) == [Share("411211", "PPN Dalam Negeri", 1_200_000, 0, 2)]
    assert read(engine, revenue_by_bank, NOVEMBER, top=1) == [
        Share("008", "PT Bank Mandiri (Persero) Tbk", 1_200_000, 0, 2),
        Share(None, "Lainnya", 60_000, 120_000, 3),
    ]
    assert [s.code for s in read(engine, revenue_by_bank, NOVEMBER)] == ["008", "002", "009"]
    assert read(engine, revenue_by_kanwil, NOVEMBER) == [
        Share("080", "Kanwil DJP Jakarta Pusat", 1_200_000, 0, 2),
        Share("310", "Kanwil DJP Wajib Pajak Besar", 60_000, 120_000, 3),
    ]
    assert read(engine, revenue_by_kpp, NOVEMBER, "310") == [
        Share("091", "KPP Wajib Pajak Besar Satu", 60_000, 120_000, 3)
    ]


def test_choices_offer_master_data_and_the_latest_date(engine: Engine) -> None:
    assert read(engine, revenue_choices).latest is None
    load_november(engine)

    choices = read(engine, revenue_choices)

    assert choices.latest == D2
    assert ("008", "PT Bank Mandiri (Persero) Tbk") in choices.banks
    assert ("411211", "PPN Dalam Negeri") in choices.kaps
    assert ("080", "Kanwil DJP Jakarta Pusat") in choices.kanwils
