"""Planting the exception categories of CONTRACT §4 into one day of demo data, recording each one.

A `DayPlan` holds the day's MPN payments (the truth) and, per payment, what the bank's batch says;
the planters below change one side only, so every planted row is a known, listed difference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from random import Random

from jobs.demo.model import TRANSACTION_CATEGORIES, DemoConfig, Payment, Planted
from jobs.demo.pools import PaymentFactory

ATTRIBUTES = ("npwp", "kap", "kjs", "tax_period", "kpp_code", "ntb")
# Categories that take a payment out of its bank's batch; a batch keeps at least half its rows.
REMOVING = ("missing_in_bank", "cancelled_reused", "reversal")


@dataclass
class DayPlan:
    """One business date under construction."""

    day: date
    next_day: date
    payments: list[Payment]
    bank_index: list[int]
    mpn_extra: list[tuple[str, Payment]] = field(default_factory=list)
    bank_side: dict[int, Payment | None] = field(default_factory=dict)
    bank_extra: list[Payment] = field(default_factory=list)
    missing_batch: set[str] = field(default_factory=set)
    derived_later: set[str] = field(default_factory=set)
    planted: list[Planted] = field(default_factory=list)

    def note(self, category: str, bank_code: str, ntpn: str | None, detail: str = "") -> None:
        """Record a planted anomaly or event of this day."""
        self.planted.append(Planted(category, self.day, bank_code, ntpn, detail))

    def mpn_rows(self) -> list[tuple[str, Payment]]:
        """The MPN file's rows (record type, row) in the order MPN recorded them."""
        rows = [("payment", p) for p in self.payments] + self.mpn_extra
        rows.sort(key=lambda r: (r[1].paid_at.timestamp(), r[0], r[1].ntpn))
        return rows

    def batch_rows(self) -> dict[str, list[Payment]]:
        """Each bank's batch rows as the bank reports them (also for banks whose batch never comes)."""
        out: dict[str, list[Payment]] = {}
        for i, p in enumerate(self.payments):
            row = self.bank_side.get(i, p)
            if row is not None:
                out.setdefault(row.bank_code, []).append(row)
        for row in self.bank_extra:
            out.setdefault(row.bank_code, []).append(row)
        for rows in out.values():
            rows.sort(key=lambda p: (p.paid_at.timestamp(), p.ntpn))
        return dict(sorted(out.items()))


def stochastic_count(rng: Random, rate: float, n: int) -> int:
    """`rate * n` rounded up or down at random in proportion, so rare events still happen on average."""
    expected = rate * n
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def choose_missing_batches(rng: Random, plan: DayPlan, cfg: DemoConfig) -> None:
    """Pick the bank-days whose batch file never arrives (`missing_batch`)."""
    for code in sorted({p.bank_code for p in plan.payments}):
        if rng.random() < cfg.missing_batch:
            plan.missing_batch.add(code)
            plan.note("missing_batch", code, None)


def plant_transactions(rng: Random, plan: DayPlan, factory: PaymentFactory, cfg: DemoConfig) -> None:
    """Plant the transaction-level categories and ordinary reversals at the configured rates."""
    per_bank: dict[str, int] = {}
    for p in plan.payments:
        per_bank[p.bank_code] = per_bank.get(p.bank_code, 0) + 1
    eligible = [
        i for i, p in enumerate(plan.payments) if p.bank_code not in plan.missing_batch and per_bank[p.bank_code] >= 5
    ]
    rng.shuffle(eligible)
    candidates = iter(eligible)
    removed: dict[str, int] = {}
    n = len(plan.payments)
    for kind in (*TRANSACTION_CATEGORIES, "reversal"):
        for _ in range(stochastic_count(rng, cfg.rate(kind), n)):
            for i in candidates:
                code = plan.payments[i].bank_code
                if kind in REMOVING:
                    if removed.get(code, 0) + 1 > per_bank[code] // 2:
                        continue
                    removed[code] = removed.get(code, 0) + 1
                PLANTERS[kind](rng, plan, factory, i)
                break


def _end_of_day(plan: DayPlan, factory: PaymentFactory, p: Payment) -> datetime:
    cutoff = factory.pools.master.bank(p.bank_code).cutoff
    return datetime.combine(plan.day, cutoff, p.paid_at.tzinfo)


def _missing_in_bank(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    p = plan.payments[i]
    plan.bank_side[i] = None
    plan.note("missing_in_bank", p.bank_code, p.ntpn, "left out of the batch")


def _missing_in_mpn(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    q = factory.new(plan.bank_index[i])
    plan.bank_extra.append(q)
    plan.note("missing_in_mpn", q.bank_code, q.ntpn, "in the batch only")


def wrong_amount(rng: Random, value: int) -> int:
    """A plausible keying error: transposed digits, a dropped zero, or a small difference."""
    digits = str(value)
    how = rng.choice(("transpose", "zero", "delta"))
    if how == "transpose" and len(digits) >= 3:
        k = rng.randrange(1, len(digits) - 1)
        swapped = digits[:k] + digits[k + 1] + digits[k] + digits[k + 2 :]
        if swapped != digits:
            return int(swapped)
    if how == "zero" and value >= 100_000:
        return value // 10
    delta = rng.choice((1_000, 5_000, 10_000, 100_000))
    return value + delta if value <= delta or rng.random() < 0.5 else value - delta


def _amount_mismatch(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    p = plan.payments[i]
    q = replace(p, amount=wrong_amount(rng, p.amount))
    plan.bank_side[i] = q
    plan.note("amount_mismatch", p.bank_code, p.ntpn, f"mpn {p.amount} bank {q.amount}")


def wrong_attribute(rng: Random, p: Payment, name: str, factory: PaymentFactory) -> str:
    """A different, still valid value for one attribute of `p` (the bank's mistake)."""
    master = factory.pools.master
    if name == "npwp":
        k = rng.randrange(len(p.npwp) - 15, len(p.npwp) - 6)  # never the KPP digits of an NPWP15
        return p.npwp[:k] + str((int(p.npwp[k]) + rng.randint(1, 9)) % 10) + p.npwp[k + 1 :]
    if name == "kap":
        return rng.choice([k.kap for k in master.kaps if k.kap != p.kap])
    if name == "kjs":
        return rng.choice([j for j in master.kjs if j != p.kjs])
    if name == "kpp_code":
        return rng.choice([k for k in master.kpps if k != p.kpp_code])
    if name == "tax_period":
        month, year = int(p.tax_period[:2]), int(p.tax_period[2:])
        return f"12{year - 1}" if month == 1 else f"{month - 1:02d}{year}"
    return p.ntb[:-1] + ("X" if p.ntb[-1] != "X" else "Y")


def _attribute_mismatch(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    p = plan.payments[i]
    name = rng.choice(ATTRIBUTES)
    q = replace(p)
    setattr(q, name, wrong_attribute(rng, p, name, factory))
    plan.bank_side[i] = q
    plan.note("attribute_mismatch", p.bank_code, p.ntpn, name)


def _cutoff_mismatch(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    p = plan.payments[i]
    p.paid_at = _end_of_day(plan, factory, p) + timedelta(seconds=rng.randint(1, 299))
    plan.derived_later.add(p.ntpn)
    plan.note("cutoff_mismatch", p.bank_code, p.ntpn, f"paid after the cut-off; MPN date {plan.next_day}")


def _duplicate(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    p = plan.payments[i]
    if rng.random() < 0.5:
        shift = timedelta(seconds=rng.randint(2, 40))
        twin = replace(p, paid_at=p.paid_at - shift)
        if factory.business_date(twin) != plan.day:
            twin.paid_at = p.paid_at + shift
        plan.mpn_extra.append(("payment", twin))
        plan.note("duplicate", p.bank_code, p.ntpn, "twice in MPN data")
    else:
        plan.bank_extra.append(p)
        plan.note("duplicate", p.bank_code, p.ntpn, "twice in the batch")


def _cancelled_reused(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    p = plan.payments[i]
    end = _end_of_day(plan, factory, p)
    p.paid_at = end - timedelta(seconds=rng.randint(4 * 3600, 7 * 3600))
    cancelled_at = p.paid_at + timedelta(seconds=rng.randint(300, 3600))
    plan.mpn_extra.append(("reversal", replace(p, paid_at=cancelled_at, billing_code="")))
    if rng.random() < 0.5:
        branch = next(b for b in factory.pools.branches[plan.bank_index[i]] if b.code == p.branch_code)
        y = factory.new(plan.bank_index[i], branch)
        y.ntb = p.ntb
        y.paid_at = cancelled_at + timedelta(seconds=rng.randint(600, 7200))
        plan.bank_side[i] = None
        plan.mpn_extra.append(("payment", y))
        plan.bank_extra.append(y)
        plan.note("cancelled_reused", p.bank_code, y.ntpn, f"reuses NTB {p.ntb} of cancelled {p.ntpn}")
    else:
        plan.note("cancelled_reused", p.bank_code, p.ntpn, "cancelled NTPN still in the batch")


def _reversal(rng: Random, plan: DayPlan, factory: PaymentFactory, i: int) -> None:
    p = plan.payments[i]
    end = _end_of_day(plan, factory, p)
    room = int((end - p.paid_at).total_seconds())
    if room < 120:
        p.paid_at = end - timedelta(minutes=30)
        room = 1800
    cancelled_at = p.paid_at + timedelta(seconds=rng.randint(1, min(3600, room // 2)))
    plan.mpn_extra.append(("reversal", replace(p, paid_at=cancelled_at, billing_code="")))
    plan.bank_side[i] = None
    detail = "cancelled"
    if rng.random() < 0.5:  # cancel and re-record (KEP-162 Ps.6): new NTPN and NTB, same payment
        new_ntpn, new_ntb = factory.ids(plan.bank_index[i])
        again = replace(
            p,
            ntpn=new_ntpn,
            ntb=new_ntb,
            billing_code=p.billing_code,
            paid_at=cancelled_at + timedelta(seconds=rng.randint(1, max(1, room // 2))),
        )
        plan.mpn_extra.append(("payment", again))
        plan.bank_extra.append(again)
        detail = f"re-recorded as {new_ntpn}"
    plan.note("reversal", p.bank_code, p.ntpn, detail)


PLANTERS: dict[str, Callable[[Random, DayPlan, PaymentFactory, int], None]] = {
    "missing_in_bank": _missing_in_bank,
    "missing_in_mpn": _missing_in_mpn,
    "amount_mismatch": _amount_mismatch,
    "attribute_mismatch": _attribute_mismatch,
    "cutoff_mismatch": _cutoff_mismatch,
    "duplicate": _duplicate,
    "cancelled_reused": _cancelled_reused,
    "reversal": _reversal,
}
