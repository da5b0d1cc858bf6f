"""Property tests of `reconcile` (CONTRACT §4) over generated pairs of data sets spanning two business dates.

Each generated NTPN is in one situation (`KINDS`): clean, amount or attribute difference, cross-bank, one-sided,
duplicated, a cut-off pair across the two dates, cancelled by a reversal (left out of or still in the batch), a
new payment reusing a cancelled NTB, and combinations on one NTPN that decide precedence. A third bank may have
payments but no batch. The properties: every NTPN is matched or lands in exactly one category on exactly one date,
the amounts add up per date and side, and reconciling again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from tests.builders.reconciliation import D2, D3, Row, batch, ntpn, payments, reset, reversal, wib

D, NEXT = D2, D3  # Friday and the next working day (Monday)
BANKS = ("002", "008")  # have a batch on both dates
NO_BATCH = "009"  # payments, never a batch
ATTRS = {
    "ntb": "ALT",
    "npwp": "099999999999999",
    "kap": "411122",
    "kjs": "101",
    "tax_period": "092026",
    "kpp_code": "092",
}
#: Per NTPN: what MPN says and what the batch says. `cutoff*`: batch row on D, payment paid on D after 15:00 and
#: so derived to NEXT (`cutoff_back`: the other way round, payment of D in the batch of NEXT). `reversed_*`: a
#: payment cancelled by a reversal. `ntb_reuse`: a payment of D cancelled by a reversal, and a new payment (other
#: NTPN, on the case's date, in MPN and batch; `_unbatched`: in MPN only) under its NTB. `dup_amount`,
#: `reversed_in_amount`, `cutoff_amount`, `cutoff_attr`: two problems on one NTPN (precedence, `fields`).
KINDS = (
    "clean",
    "amount",
    "attribute",
    "cross_bank",
    "mpn_only",
    "bank_only",
    "mpn_twice",
    "bank_twice",
    "dup_amount",
    "cutoff",
    "cutoff_amount",
    "cutoff_attr",
    "cutoff_back",
    "reversed_out",
    "reversed_in",
    "reversed_in_amount",
    "ntb_reuse",
    "ntb_reuse_unbatched",
)
NO_BATCH_KINDS = ("plain", "twice", "reversed")

Case = tuple[str, str, date, int, str]  # kind, bank, business date (ignored by cut-off kinds), amount, attribute


@dataclass
class Plan:
    """The generated data and what reconciliation must make of it."""

    mpn: list[Row] = field(default_factory=list)  # payments and reversals
    bank: list[Row] = field(default_factory=list)  # batch rows (grouped into batches by bank and date)
    #: NTPN -> (date reported on, category, `fields` or None when not checked); absent = no exception anywhere
    expected: dict[str, tuple[date, str, str | None]] = field(default_factory=dict)
    matched: list[Row] = field(default_factory=list)
    other_date: dict[str, date] = field(default_factory=dict)  # cut-off NTPN -> the MPN payment's date
    no_batch_day: date | None = None


def _plan(cases: list[Case], no_batch: tuple[date, list[tuple[str, int]]]) -> Plan:
    p = Plan()
    for k, (code, day) in enumerate((c, d) for c in BANKS for d in (D, NEXT)):
        anchor = Row(ntpn(10**6 + k), amount=1_000 + k, bank_code=code, day=day)  # every bank has both batches
        p.mpn.append(anchor)
        p.bank.append(anchor)
        p.matched.append(anchor)
    for i, (kind, code, day, amount, attr) in enumerate(cases):
        r = Row(ntpn(i), amount=amount, bank_code=code, day=day)
        other_bank = BANKS[1 - BANKS.index(code)]
        if kind == "cutoff_back":
            r = r.but(day=D, paid_at=wib(D, 14))
            p.mpn.append(r)
            p.bank.append(r.but(day=NEXT))
            p.expected[r.ntpn] = (NEXT, "cutoff_mismatch", "business_date")
            p.other_date[r.ntpn] = D
        elif kind.startswith("cutoff"):
            r = r.but(day=NEXT, paid_at=wib(D, 15, 3))  # MPN derives the next working day
            b = r.but(day=D)
            fields = "business_date"
            if kind == "cutoff_amount":
                b, fields = b.but(amount=amount + 1), "amount;business_date"
            elif kind == "cutoff_attr":
                b, fields = b.but(**{attr: ATTRS[attr] + (str(i) if attr == "ntb" else "")}), f"{attr};business_date"
            p.mpn.append(r)
            p.bank.append(b)
            p.expected[r.ntpn] = (D, "cutoff_mismatch", fields)  # once, on the batch's date; nothing on NEXT
            p.other_date[r.ntpn] = NEXT
        elif kind.startswith("ntb_reuse"):
            cancelled = r.but(ntb=f"C{i:09d}", day=D)
            reuse = Row(
                ntpn(500_000 + i), amount=amount, bank_code=code, day=day, ntb=cancelled.ntb, paid_at=wib(day, 12)
            )
            p.mpn += [cancelled, reversal(cancelled), reuse]
            p.bank += [] if kind == "ntb_reuse_unbatched" else [reuse]
            p.expected[reuse.ntpn] = (day, "cancelled_reused", "")
        else:
            mpn, bank, expect = {
                "clean": ([r], [r], None),
                "amount": ([r], [r.but(amount=amount + 1)], ("amount_mismatch", "amount")),
                "attribute": (
                    [r],
                    [r.but(**{attr: ATTRS[attr] + (str(i) if attr == "ntb" else "")})],
                    ("attribute_mismatch", attr),
                ),
                "cross_bank": ([r], [r.but(bank_code=other_bank)], ("attribute_mismatch", "bank_code")),
                "mpn_only": ([r], [], ("missing_in_bank", "")),
                "bank_only": ([], [r], ("missing_in_mpn", "")),
                "mpn_twice": ([r, r.but(paid_at=wib(day, 9))], [r], ("duplicate", "")),
                "bank_twice": ([r], [r, r], ("duplicate", "")),
                "dup_amount": ([r, r.but(paid_at=wib(day, 9))], [r.but(amount=amount + 1)], ("duplicate", "amount")),
                "reversed_out": ([r, reversal(r)], [], None),
                "reversed_in": ([r, reversal(r)], [r], ("cancelled_reused", None)),
                "reversed_in_amount": ([r, reversal(r)], [r.but(amount=amount + 1)], ("cancelled_reused", None)),
            }[kind]
            p.mpn += mpn
            p.bank += bank
            if expect is None:
                p.matched += [r] if kind == "clean" else []
            else:
                p.expected[r.ntpn] = (day, *expect)
    day, kinds = no_batch
    for j, (kind, amount) in enumerate(kinds):
        r = Row(ntpn(900_000 + j), amount=amount, bank_code=NO_BATCH, day=day)
        p.mpn += {"plain": [r], "twice": [r, r.but(paid_at=wib(day, 9))], "reversed": [r, reversal(r)]}[kind]
        p.no_batch_day = day
    return p


def _load(engine: Engine, p: Plan) -> None:
    payments(engine, p.mpn)
    by_batch: dict[tuple[str, date], list[Row]] = {}
    for r in p.bank:
        by_batch.setdefault((r.bank_code, r.day), []).append(r)
    for (code, day), rows in sorted(by_batch.items()):
        batch(engine, code, day, rows)


def _live(p: Plan, day: date) -> list[Row]:
    """The date's payments not cancelled by a reversal (CONTRACT §4: a cancelled payment is not MPN data)."""
    cancelled = {r.ntpn for r in p.mpn if r.record_type == "reversal"}
    return [r for r in p.mpn if r.day == day and r.record_type == "payment" and r.ntpn not in cancelled]


def _snapshot(engine: Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every exception (ids included) and every per-bank result, minus the columns that name the last run."""
    with engine.connect() as conn:
        exceptions = conn.execute(text("SELECT * FROM recon_exception ORDER BY exception_id")).mappings().all()
        results = conn.execute(text("SELECT * FROM recon_result ORDER BY business_date, bank_code")).mappings().all()
    return (
        [{k: v for k, v in r.items() if k != "last_seen_run"} for r in exceptions],
        [{k: v for k, v in r.items() if k not in ("last_run_id", "updated_at")} for r in results],
    )


_case = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(BANKS),
    st.sampled_from((D, NEXT)),
    st.integers(1, 10**9),
    st.sampled_from(tuple(ATTRS)),
)
_no_batch = st.tuples(
    st.sampled_from((D, NEXT)), st.lists(st.tuples(st.sampled_from(NO_BATCH_KINDS), st.integers(1, 10**9)), max_size=3)
)
_EVERY_KIND = [
    (k, BANKS[i % 2], (D, NEXT)[i // 2 % 2], 1_000_000 + i, tuple(ATTRS)[i % len(ATTRS)]) for i, k in enumerate(KINDS)
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(cases=_EVERY_KIND, no_batch=(NEXT, [("plain", 5), ("twice", 7), ("reversed", 11)]), order=True)
@given(cases=st.lists(_case, min_size=1, max_size=10), no_batch=_no_batch, order=st.booleans())
def test_every_ntpn_lands_once_amounts_add_up_per_date_and_rerun_changes_nothing(
    engine: Engine, cases: list[Case], no_batch: tuple[date, list[tuple[str, int]]], order: bool
) -> None:
    """Properties over two business dates D (Friday) and NEXT (Monday), banks 002/008 with batches, 009 without.

    1. Placement: every NTPN is matched, or in exactly one open transaction exception on exactly one date, under
       the category CONTRACT §4's precedence gives (duplicate > cancelled_reused > cutoff_mismatch >
       amount_mismatch > attribute_mismatch; one-sided: missing_in_bank / missing_in_mpn), with `fields` listing
       every differing column (`bank_code` for a cross-bank row; a cut-off pair adds `business_date` after the
       compared columns). A cut-off pair is reported once, on the batch's date (`other_date` = the payment's
       date), and not at all on the payment's date; a
       cancelled payment left out of the batch, and the cancelled payment whose NTB is reused, give nothing.
    2. Bank 009 (payments, no batch): one `missing_batch` on its date with `mpn_amount` = its live payments (none
       when every payment of it was cancelled: those are no MPN data), and no transaction row for 009 on any date.
    3. Amounts, per date X over all banks (per bank they need not add up: a cross-bank row is matched-or-not by
       its MPN bank but reported under its batch's bank):
         MPN:  Σ amount of X's payments not cancelled by a reversal (= the run's `mpn_amount`)
               = matched_amount(X)
               + Σ mpn_amount of X's open transaction exceptions other than cutoff_mismatch
               + Σ mpn_amount of the cutoff_mismatch exceptions (of any date) whose other_date is X
               + Σ mpn_amount of X's missing_batch exceptions (the payments it holds back).
         Bank: Σ amount of the rows of X's current batches (= the run's `bank_amount`, cancelled NTPNs included)
               = matched_amount(X) + Σ bank_amount of X's open transaction exceptions.
       A cut-off pair (batch row on D, payment on NEXT) thus counts its batch row on D (in the D cutoff_mismatch's
       `bank_amount`) and its payment on NEXT (the same exception's `mpn_amount`, attributed to its `other_date`
       NEXT), never as matched; `cutoff_back` the other way round.
       matched_amount(X) / matched_count(X) are exactly the clean NTPNs of X (and the anchors).
    4. Idempotency: reconciling both dates again (in the other order) opens, reopens and closes nothing and leaves
       every exception row (id included) and every per-bank result as it was.
    """
    reset(engine)
    p = _plan(cases, no_batch)
    _load(engine, p)
    days = (D, NEXT) if order else (NEXT, D)
    results = {day: reconcile(engine, day) for day in days}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM recon_exception WHERE status = 'open'")).all()
    txn = [r for r in rows if r.level == "transaction"]

    # 1. placement
    placed: dict[str, tuple[date, str, str]] = {}
    for r in txn:
        assert r.ntpn not in placed, f"{r.ntpn} reported twice: {placed[r.ntpn]} and {(r.business_date, r.category)}"
        placed[r.ntpn] = (r.business_date, r.category, r.fields)
    assert {n: v[:2] for n, v in placed.items()} == {n: v[:2] for n, v in p.expected.items()}
    assert {n: placed[n][2] for n, v in p.expected.items() if v[2] is not None} == {
        n: v[2] for n, v in p.expected.items() if v[2] is not None
    }
    assert {r.ntpn: r.other_date for r in txn if r.other_date is not None} == p.other_date

    # 2. the bank without a batch
    assert [r for r in txn if r.bank_code == NO_BATCH] == []
    missing_batch = {(r.business_date, r.bank_code): r.mpn_amount for r in rows if r.category == "missing_batch"}
    live_009 = [r for day in (D, NEXT) for r in _live(p, day) if r.bank_code == NO_BATCH]
    assert missing_batch == ({(p.no_batch_day, NO_BATCH): sum(r.amount for r in live_009)} if live_009 else {})

    # 3. amounts
    for day in (D, NEXT):
        totals = results[day].totals()
        on_day = [r for r in txn if r.business_date == day]
        matched = [r for r in p.matched if r.day == day]
        assert (totals["matched_count"], totals["matched_amount"]) == (len(matched), sum(r.amount for r in matched))
        assert totals["mpn_amount"] == sum(r.amount for r in _live(p, day))
        assert totals["bank_amount"] == sum(r.amount for r in p.bank if r.day == day)
        assert totals["mpn_amount"] == (
            totals["matched_amount"]
            + sum(r.mpn_amount or 0 for r in on_day if r.category != "cutoff_mismatch")
            + sum(r.mpn_amount for r in txn if r.category == "cutoff_mismatch" and r.other_date == day)
            + sum(a for (d, _), a in missing_batch.items() if d == day)
        )
        assert totals["bank_amount"] == totals["matched_amount"] + sum(r.bank_amount or 0 for r in on_day)

    # 4. idempotency
    before = _snapshot(engine)
    for day in reversed(days):
        again = reconcile(engine, day)
        assert (again.opened, again.reopened, again.closed) == (0, 0, 0)
    assert _snapshot(engine) == before
