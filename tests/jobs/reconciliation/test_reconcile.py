"""`reconcile`: every category of CONTRACT §4, its precedence, bank level, idempotency and auto-closure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from jobs.reconciliation.run import ReconcileInputError, reconcile
from tests.builders.reconciliation import (
    D1,
    D2,
    D3,
    Day,
    Row,
    batch,
    clean,
    found,
    letter,
    ntpn,
    open_set,
    payments,
    wib,
)


def test_clean_day_matches_every_payment_and_reports_nothing(engine: Engine) -> None:
    Day(clean(5)).load(engine)
    result = reconcile(engine, D2)
    assert open_set(engine) == {}
    [bri] = result.banks
    assert (bri.mpn_count, bri.bank_count, bri.matched_count) == (5, 5, 5)
    assert bri.matched_amount == bri.mpn_amount == 150_000
    assert set(bri.counts.values()) == {0}


def test_payment_in_no_batch_is_missing_in_bank(engine: Engine) -> None:
    rows = clean(3)
    Day(rows).load(engine, bank=rows[:2])
    reconcile(engine, D2)
    assert open_set(engine) == {(ntpn(3), "missing_in_bank"): ""}
    assert found(engine)[(ntpn(3), "missing_in_bank")]["mpn_amount"] == 30_000


def test_batch_row_without_payment_is_missing_in_mpn(engine: Engine) -> None:
    rows = clean(3)
    Day(rows).load(engine, mpn=rows[:2])
    reconcile(engine, D2)
    exc = found(engine)[(ntpn(3), "missing_in_mpn")]
    assert (exc["mpn_amount"], exc["bank_amount"], exc["status"]) == (None, 30_000, "open")


def test_amount_mismatch_lists_every_differing_field_in_fixed_order(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, bank=[rows[0], rows[1].but(amount=1, kap="411122", npwp="012345678901999")])
    reconcile(engine, D2)
    assert open_set(engine)[(ntpn(2), "amount_mismatch")] == "amount;npwp;kap"


def test_attribute_mismatch_when_amounts_agree(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, bank=[rows[0], rows[1].but(ntb="OTHER", tax_period="092026", kpp_code="092")])
    reconcile(engine, D2)
    assert open_set(engine) == {(ntpn(2), "attribute_mismatch"): "ntb;tax_period;kpp_code"}


def test_ntpn_twice_in_mpn_data_is_one_duplicate_with_both_amounts(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, mpn=[*rows, rows[1].but(paid_at=wib(D2, 11))])
    reconcile(engine, D2)
    exc = found(engine)[(ntpn(2), "duplicate")]
    assert (exc["mpn_amount"], exc["bank_amount"]) == (40_000, 20_000)
    assert [k for k in open_set(engine) if k[0] == ntpn(2)] == [(ntpn(2), "duplicate")]


def test_ntpn_twice_across_two_banks_batches_is_a_duplicate(engine: Engine) -> None:
    rows = clean(2)
    twin = rows[1].but(bank_code="008")
    Day(rows).load(engine, bank=[*rows, twin], letters=False)
    assert (ntpn(2), "duplicate") in open_set(reconcile(engine, D2) and engine)


def test_duplicate_beats_missing_in_bank(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, mpn=[*rows, rows[1].but(paid_at=wib(D2, 9))], bank=rows[:1])
    reconcile(engine, D2)
    assert [k for k in open_set(engine) if k[0] == ntpn(2)] == [(ntpn(2), "duplicate")]


def test_cancelled_ntpn_still_in_the_batch_is_cancelled_reused(engine: Engine) -> None:
    rows = clean(3)
    reversal = rows[2].but(record_type="reversal", paid_at=wib(D2, 11))
    Day(rows).load(engine, mpn=[*rows, reversal])
    reconcile(engine, D2)
    exc = found(engine)[(ntpn(3), "cancelled_reused")]
    assert (exc["mpn_amount"], exc["bank_amount"]) == (None, 30_000)
    assert [k for k in open_set(engine) if k[0] == ntpn(3)] == [(ntpn(3), "cancelled_reused")]


def test_cancelled_payment_left_out_of_the_batch_is_no_exception(engine: Engine) -> None:
    rows = clean(3)
    Day(rows).load(engine, mpn=[*rows, rows[2].but(record_type="reversal", paid_at=wib(D2, 11))], bank=rows[:2])
    result = reconcile(engine, D2)
    assert open_set(engine) == {}
    assert result.banks[0].mpn_count == 2


def test_new_payment_reusing_a_cancelled_ntb_is_cancelled_reused(engine: Engine) -> None:
    rows = clean(2)
    cancelled = Row(ntpn(9), amount=5_000, ntb="NTB9")
    reuse = Row(ntpn(10), amount=5_000, ntb="NTB9", paid_at=wib(D2, 12))
    Day(rows).load(
        engine,
        mpn=[*rows, cancelled, cancelled.but(record_type="reversal", paid_at=wib(D2, 11)), reuse],
        bank=[*rows, reuse],
    )
    reconcile(engine, D2)
    assert open_set(engine) == {(ntpn(10), "cancelled_reused"): ""}


def test_payment_recorded_again_under_a_cancelled_ntpn_is_cancelled_reused(engine: Engine) -> None:
    rows = clean(2)
    payments(engine, [Row(ntpn(5), day=D1), Row(ntpn(5), day=D1, record_type="reversal", paid_at=wib(D1, 11))])
    Day([*rows, Row(ntpn(5), ntb="FRESH")]).load(engine)
    reconcile(engine, D2)
    assert open_set(engine) == {(ntpn(5), "cancelled_reused"): ""}


def test_duplicate_beats_cancelled_reused(engine: Engine) -> None:
    rows = clean(3)
    reversal = rows[2].but(record_type="reversal", paid_at=wib(D2, 11))
    Day(rows).load(engine, mpn=[*rows, reversal], bank=[*rows, rows[2]])
    reconcile(engine, D2)
    assert [k for k in open_set(engine) if k[0] == ntpn(3)] == [(ntpn(3), "duplicate")]


def test_cutoff_pair_is_reported_once_on_the_batch_date(engine: Engine) -> None:
    late = Row(ntpn(7), amount=70_000, day=D3, paid_at=wib(D2, 15, 3))  # MPN: after the cut-off -> Monday
    Day(clean(2)).load(engine, mpn=[*clean(2), late], bank=[*clean(2), late.but(day=D2)])
    Day(clean(2, start=20, day=D3)).load(engine)
    reconcile(engine, D2)
    reconcile(engine, D3)
    exc = found(engine, D2)[(ntpn(7), "cutoff_mismatch")]
    assert (exc["fields"], exc["other_date"], exc["mpn_amount"], exc["bank_amount"]) == (
        "business_date",
        D3,
        70_000,
        70_000,
    )
    assert [k for k in open_set(engine, D2) if k[0] == ntpn(7)] == [(ntpn(7), "cutoff_mismatch")]
    assert open_set(engine, D3) == {}


def test_cutoff_mismatch_beats_amount_mismatch_and_lists_both(engine: Engine) -> None:
    late = Row(ntpn(7), amount=70_000, day=D3, paid_at=wib(D2, 15, 3))
    payments(engine, [late])
    Day(clean(2)).load(engine, bank=[*clean(2), late.but(day=D2, amount=7_000)])
    reconcile(engine, D2)
    assert open_set(engine)[(ntpn(7), "cutoff_mismatch")] == "amount;business_date"


def test_cancelled_reused_beats_cutoff_mismatch(engine: Engine) -> None:
    late = Row(ntpn(7), day=D3, paid_at=wib(D3, 9))
    payments(engine, [Row(ntpn(7), day=D1), Row(ntpn(7), day=D1, record_type="reversal", paid_at=wib(D1, 11)), late])
    Day(clean(2)).load(engine, bank=[*clean(2), late.but(day=D2)])
    reconcile(engine, D2)
    assert [k for k in open_set(engine) if k[0] == ntpn(7)] == [(ntpn(7), "cancelled_reused")]


def test_amount_mismatch_beats_attribute_mismatch(engine: Engine) -> None:
    rows = clean(1)
    Day(rows).load(engine, bank=[rows[0].but(amount=3, kjs="101")], letters=False)
    reconcile(engine, D2)
    assert open_set(engine)[(ntpn(1), "amount_mismatch")] == "amount;kjs"


def test_missing_batch_reports_the_bank_only_and_no_transaction_rows(engine: Engine) -> None:
    Day(clean(3)).load(engine)
    payments(engine, clean(4, start=50, bank_code="008"))
    result = reconcile(engine, D2)
    assert open_set(engine) == {("008", "missing_batch"): "", ("008", "missing_statement"): ""}
    mandiri = next(b for b in result.banks if b.bank_code == "008")
    assert (mandiri.mpn_count, mandiri.matched_count, mandiri.bank_count) == (4, 0, 0)


def test_missing_statement_and_statement_mismatch(engine: Engine) -> None:
    Day(clean(2)).load(engine, letters=False)
    Day(clean(2, start=10, bank_code="008")).load(engine, letters=False)
    letter(engine, "008", D2, 2, 999)
    reconcile(engine, D2)
    assert open_set(engine) == {("002", "missing_statement"): "", ("008", "statement_mismatch"): "amount"}


def test_result_time_is_stored_in_minutes_after_the_batch_arrived_and_kept_on_rerun(engine: Engine) -> None:
    now = datetime.now(UTC)
    payments(engine, clean(2))
    batch(engine, "002", D2, clean(2), received_at=now - timedelta(minutes=30))
    reconcile(engine, D2)
    reconcile(engine, D2)
    with engine.connect() as conn:
        minutes, result_at, runs = conn.execute(
            text("SELECT result_minutes, result_at, (SELECT count(*) FROM recon_run) FROM recon_result")
        ).one()
    assert 29.9 <= float(minutes) <= 31 and runs == 2
    assert result_at - now < timedelta(minutes=1)


def test_rerun_gives_the_same_open_exceptions_with_the_same_ids(engine: Engine) -> None:
    rows = clean(4)
    Day(rows).load(engine, mpn=rows[:3], bank=[rows[0].but(amount=1), *rows[1:]])
    reconcile(engine, D2)
    first = found(engine)
    second_run = reconcile(engine, D2)
    again = found(engine)
    assert {k: r["exception_id"] for k, r in first.items()} == {k: r["exception_id"] for k, r in again.items()}
    assert (second_run.opened, second_run.closed, second_run.reopened) == (0, 0, 0)
    assert set(again) == {(ntpn(1), "amount_mismatch"), (ntpn(4), "missing_in_mpn")}


def test_late_batch_closes_missing_batch_by_itself(engine: Engine) -> None:
    payments(engine, clean(3))
    letter(engine, "002", D2, 3, 60_000)
    reconcile(engine, D2)
    assert open_set(engine) == {("002", "missing_batch"): ""}
    batch(engine, "002", D2, clean(3), received_at=wib(D2, 18))
    result = reconcile(engine, D2)
    closed = found(engine)[("002", "missing_batch")]
    assert (closed["status"], closed["closed_by_data"], closed["resolved_by"], closed["note"]) == (
        "resolved",
        True,
        "system",
        "batch arrived",
    )
    assert result.closed == 1 and open_set(engine) == {}


def test_resend_closes_missing_in_bank_and_amount_mismatch(engine: Engine) -> None:
    rows = clean(3)
    Day(rows).load(engine, bank=[rows[0].but(amount=5), rows[1]])
    reconcile(engine, D2)
    assert set(open_set(engine)) == {(ntpn(1), "amount_mismatch"), (ntpn(3), "missing_in_bank")}
    batch(engine, "002", D2, rows)
    letter(engine, "002", D2, 3, 60_000)
    reconcile(engine, D2)
    notes = {k: (r["status"], r["note"]) for k, r in found(engine).items()}
    assert notes[(ntpn(1), "amount_mismatch")] == ("resolved", "resend matched")
    assert notes[(ntpn(3), "missing_in_bank")] == ("resolved", "resend matched")
    assert open_set(engine) == {}


def test_force_majeure_payments_recorded_days_later_reconcile_by_themselves(engine: Engine) -> None:
    offline = clean(3, start=30, day=D1)
    Day(clean(2, day=D1)).load(engine, bank=[*clean(2, day=D1), *offline])
    reconcile(engine, D1)
    assert {k[1] for k in open_set(engine, D1)} == {"missing_in_mpn"}
    payments(engine, offline, received_at=wib(D3, 9))  # re-recorded on Monday with their real paid_at
    reconcile(engine, D1)
    assert open_set(engine, D1) == {}
    notes = {r["note"] for r in found(engine, D1).values() if r["category"] == "missing_in_mpn"}
    assert notes == {"re-recorded payment matched"}


def test_exceptions_closed_by_people_never_reopen(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, mpn=rows[:1], letters=False)
    reconcile(engine, D2)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE recon_exception SET status = 'adjusted', resolved_at = now(), resolved_by = 'kasi'"
                " WHERE category = 'missing_in_mpn'"
            )
        )
    reconcile(engine, D2)
    exc = found(engine)[(ntpn(2), "missing_in_mpn")]
    assert (exc["status"], exc["resolved_by"], exc["closed_by_data"]) == ("adjusted", "kasi", False)


def test_auto_closed_exception_detected_again_reopens_with_its_id(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, bank=rows[:1], letters=False)
    reconcile(engine, D2)
    first = found(engine)[(ntpn(2), "missing_in_bank")]
    batch(engine, "002", D2, rows)
    reconcile(engine, D2)
    batch(engine, "002", D2, rows[:1], received_at=wib(D2, 17))
    result = reconcile(engine, D2)
    again = found(engine)[(ntpn(2), "missing_in_bank")]
    assert (again["status"], again["exception_id"], again["closed_by_data"]) == ("open", first["exception_id"], False)
    assert result.reopened == 1


def test_exception_that_changes_category_closes_as_reclassified(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, bank=rows[:1], letters=False)
    reconcile(engine, D2)
    batch(engine, "002", D2, [rows[0], rows[1].but(amount=1)])
    reconcile(engine, D2)
    old = found(engine)[(ntpn(2), "missing_in_bank")]
    assert (old["status"], old["note"]) == ("resolved", "reclassified as amount_mismatch")


def test_bank_option_limits_what_is_stored(engine: Engine) -> None:
    Day(clean(2)).load(engine, bank=clean(1), letters=False)
    Day(clean(2, start=10, bank_code="008")).load(engine, bank=clean(1, start=10, bank_code="008"), letters=False)
    result = reconcile(engine, D2, bank="008")
    assert [b.bank_code for b in result.banks] == ["008"]
    assert {k for k in open_set(engine)} == {(ntpn(11), "missing_in_bank"), ("008", "missing_statement")}


def test_unknown_bank_or_empty_date_is_bad_input(engine: Engine) -> None:
    Day(clean(1)).load(engine)
    with pytest.raises(ReconcileInputError, match="unknown bank"):
        reconcile(engine, D2, bank="XYZ")
    with pytest.raises(ReconcileInputError, match="no payments"):
        reconcile(engine, D1)


def test_run_is_audited_with_its_counts(engine: Engine) -> None:
    rows = clean(2)
    Day(rows).load(engine, mpn=rows[:1])
    reconcile(engine, D2)
    with engine.connect() as conn:
        action, after = conn.execute(text("SELECT action, after FROM audit_log ORDER BY seq DESC LIMIT 1")).one()
    assert action == "reconcile.run"
    assert (after["missing_in_mpn"], after["matched_count"], after["opened"]) == (1, 1, 1)
