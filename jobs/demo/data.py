"""Deterministic, realistic demo data: for each working day one MPN file, one batch per collecting
agent and one file of statement letters (CONTRACT §2), with every exception category of CONTRACT §4
planted at low rates and listed in a manifest so tests and reconciliation can check them.

    master = Master.from_csv()
    manifest = generate(Path("demo"), WorkingCalendar().last_working_days(5, date(2026, 11, 20)),
                        master, DemoConfig(), WorkingCalendar())
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from random import Random
from typing import NamedTuple

from jobs.demo.model import (
    ALL_KINDS,
    BANK_HEADER,
    MPN_HEADER,
    STATEMENT_HEADER,
    DemoConfig,
    Master,
    Payment,
    Planted,
)
from jobs.demo.peak import PeakFile, write_peak_day
from jobs.demo.plant import DayPlan, choose_missing_batches, plant_transactions
from jobs.demo.pools import CLOCKS, PaymentFactory, Pools, build_pools, day_factor
from queries.calendar import WIB, WorkingCalendar
from queries.imports.store import LetterIn

__all__ = [
    "BatchFile",
    "DayFiles",
    "DemoConfig",
    "Letter",
    "Manifest",
    "Master",
    "PeakFile",
    "Planted",
    "build_day",
    "generate",
    "write_day",
    "write_peak_day",
]

ROMAN = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
BATCH_DUE = time(16)  # PER-78 Ps.9(5): the batch is due by 16:00 WIB


class Letter(LetterIn):
    """A statement letter (Surat Pernyataan) as a row of CONTRACT 2.3: the importer's fields, plus its CSV line."""

    __slots__ = ()

    def line(self) -> str:
        """The letter as a CSV line."""
        return (
            f"{self.bank_code},{self.business_date.isoformat()},{self.letter_number},"
            f"{self.letter_date.isoformat()},{self.received_at.isoformat()},{self.declared_count},"
            f"{self.declared_amount},{self.signer}\n"
        )


class BankDay(NamedTuple):
    """One agent's batch for the day (sent or not), when it arrives, and its statement letter."""

    bank_code: str
    rows: list[Payment]
    sent: bool
    received_at: datetime
    letter: Letter | None


class BatchFile(NamedTuple):
    """A written bank batch file and its intended arrival time."""

    bank_code: str
    path: Path
    received_at: datetime
    rows: int
    amount: int


@dataclass(frozen=True)
class DayFiles:
    """What `write_day` wrote for one business date, in the order they arrive."""

    day: date
    mpn: Path
    mpn_received_at: datetime
    payments: int
    reversals: int
    batches: tuple[BatchFile, ...]
    statements: Path | None
    statements_received_at: datetime | None
    letters: int
    planted: tuple[Planted, ...]

    @property
    def mpn_rows(self) -> int:
        """Rows of the MPN file (payments and reversals)."""
        return self.payments + self.reversals


@dataclass(frozen=True)
class Manifest:
    """Everything `generate` wrote and planted: per day its files, per category the planted items."""

    seed: int
    days: tuple[DayFiles, ...]
    planted: Mapping[str, tuple[Planted, ...]]

    def to_json(self) -> str:
        """The manifest as stable JSON (written next to the files as `manifest.json`)."""
        return (
            json.dumps(
                {
                    "seed": self.seed,
                    "days": [
                        {
                            "day": d.day.isoformat(),
                            "mpn": d.mpn.name,
                            "mpn_received_at": d.mpn_received_at.isoformat(),
                            "payments": d.payments,
                            "reversals": d.reversals,
                            "batches": [
                                {
                                    "bank_code": b.bank_code,
                                    "file": b.path.name,
                                    "received_at": b.received_at.isoformat(),
                                    "rows": b.rows,
                                    "amount": b.amount,
                                }
                                for b in d.batches
                            ],
                            "statements": d.statements.name if d.statements else None,
                            "letters": d.letters,
                        }
                        for d in self.days
                    ],
                    "planted": {
                        k: [[p.day.isoformat(), p.bank_code, p.ntpn, p.detail] for p in v]
                        for k, v in self.planted.items()
                    },
                },
                indent=1,
            )
            + "\n"
        )


def _between(rng: Random, start: datetime, seconds: int) -> datetime:
    return start + timedelta(seconds=rng.randint(0, seconds))


def _batch_arrival(rng: Random, plan: DayPlan, late: bool) -> datetime:
    if not late:
        return _between(rng, datetime.combine(plan.day, time(15, 10), WIB), 50 * 60 - 1)
    if rng.random() < 0.7:
        return _between(rng, datetime.combine(plan.day, time(16, 0, 1), WIB), 6 * 3600)
    return _between(rng, datetime.combine(plan.next_day, time(7), WIB), 4 * 3600)


def _letter_arrival(rng: Random, plan: DayPlan, offset: int, late: bool, calendar: WorkingCalendar) -> datetime:
    tz = CLOCKS[offset]
    if not late:
        if rng.random() < 0.15:
            return _between(rng, datetime.combine(plan.day, time(18), tz), 3 * 3600)
        return _between(rng, datetime.combine(plan.next_day, time(7), tz), 2 * 3600 - 1)
    if rng.random() < 0.7:  # after 11:00 local, so late whether judged in local time or in WIB
        return _between(rng, datetime.combine(plan.next_day, time(11, 0, 1), tz), int(5.5 * 3600))
    return _between(rng, datetime.combine(calendar.next_after(plan.next_day), time(8), tz), 4 * 3600)


def _letter(
    rng: Random,
    plan: DayPlan,
    pools: Pools,
    bank_index: int,
    rows: list[Payment],
    cfg: DemoConfig,
    calendar: WorkingCalendar,
    sent: bool,
) -> Letter | None:
    """The agent's letter, or None when it never comes; a mismatch is only planted against a batch."""
    code = pools.master.banks[bank_index].code
    if sent and rng.random() < cfg.missing_statement:
        plan.note("missing_statement", code, None)
        return None
    count, total = len(rows), sum(r.amount for r in rows)
    if sent and rng.random() < cfg.statement_mismatch:
        if rng.random() < 0.5 or count < 2:
            count += rng.choice((-1, 1, 2)) if count >= 2 else 1
        else:
            total += rng.choice((-1, 1)) * min(total - 1, rng.choice((50_000, 1_000_000, rows[0].amount)))
        plan.note(
            "statement_mismatch",
            code,
            None,
            f"declared {count}/{total}, batch {len(rows)}/{sum(r.amount for r in rows)}",
        )
    late = rng.random() < cfg.late_statement
    received = _letter_arrival(rng, plan, pools.head_office_offset[bank_index], late, calendar)
    if late:
        plan.note("late_statement", code, None, received.isoformat())
    signed = plan.day if received.date() == plan.day or rng.random() < 0.6 else received.date()
    number = f"S-{rng.randint(1, 9999):04d}/{code}/MPN/{ROMAN[plan.day.month]}/{plan.day.year}"
    signer = pools.signers[bank_index % len(pools.signers)]
    return Letter(code, plan.day, number, signed, received, count, total, signer)


def plan_bank_days(
    rng: Random, plan: DayPlan, pools: Pools, cfg: DemoConfig, calendar: WorkingCalendar
) -> list[BankDay]:
    """Per agent with data: its batch rows, whether and when the batch arrives, its statement letter."""
    index = {b.code: i for i, b in enumerate(pools.master.banks)}
    out = []
    for code, rows in plan.batch_rows().items():
        sent = code not in plan.missing_batch
        late = sent and rng.random() < cfg.late_batch
        received = _batch_arrival(rng, plan, late)
        if late:
            plan.note("late_batch", code, None, received.isoformat())
        letter = _letter(rng, plan, pools, index[code], rows, cfg, calendar, sent=sent)
        out.append(BankDay(code, rows, sent, received, letter))
    return out


def build_day(day: date, master: Master, cfg: DemoConfig, calendar: WorkingCalendar) -> tuple[DayPlan, list[BankDay]]:
    """Generate one business date in memory: its payments, planted anomalies, batches and letters.

    Depends only on (seed, day, master, calendar), so a day is the same whatever range it is part of.
    """
    if not calendar.is_working(day):
        raise ValueError(f"{day} is not a working day")
    pools = build_pools(cfg.seed, master, cfg.taxpayers)
    rng = Random(f"{cfg.seed}:{day.isoformat()}")
    factory = PaymentFactory(pools, calendar, day, rng)
    volume = max(1, round(cfg.rows_per_day * day_factor(day, calendar) * rng.uniform(0.9, 1.1)))
    cum = []
    total = 0.0
    for w in pools.bank_weights:
        total += w
        cum.append(total)
    bank_index = rng.choices(range(len(master.banks)), cum_weights=cum, k=volume)
    plan = DayPlan(day, calendar.next_after(day), [factory.new(i) for i in bank_index], bank_index)
    choose_missing_batches(rng, plan, cfg)
    plant_transactions(rng, plan, factory, cfg)
    _verify_business_dates(plan, factory)
    return plan, plan_bank_days(rng, plan, pools, cfg, calendar)


def _verify_business_dates(plan: DayPlan, factory: PaymentFactory) -> None:
    """Every MPN row must derive (DOMAIN R3) to the day, except the planted cut-off cases."""
    for record_type, row in plan.mpn_rows():
        expected = plan.next_day if row.ntpn in plan.derived_later and record_type == "payment" else plan.day
        got = factory.business_date(row)
        if got != expected:
            raise RuntimeError(f"generator bug: {row.ntpn} paid {row.paid_at} derives {got}, not {expected}")


def _write(path: Path, header: str, lines: Iterable[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(header)
        f.writelines(lines)


def write_day(
    out_dir: Path,
    day: date,
    master: Master,
    cfg: DemoConfig,
    calendar: WorkingCalendar,
    arrived_by: datetime | None = None,
) -> DayFiles:
    """Write `mpn_YYYYMMDD.csv`, `bank_<code>_YYYYMMDD.csv` per agent that sends one, and
    `statements_YYYYMMDD.csv` (when any letter came) into `out_dir`.

    With `arrived_by` (the demo's "now"), a batch or letter that arrives later is not written: it has not come yet,
    so nothing in the demo is received in the future.
    """
    plan, bank_days = build_day(day, master, cfg, calendar)
    if arrived_by is not None:
        bank_days = [
            b._replace(
                sent=b.sent and b.received_at <= arrived_by,
                letter=b.letter if b.letter is None or b.letter.received_at <= arrived_by else None,
            )
            for b in bank_days
        ]
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"{day:%Y%m%d}"
    mpn_rows = plan.mpn_rows()
    mpn_path = out_dir / f"mpn_{stamp}.csv"
    _write(mpn_path, MPN_HEADER, (row.mpn_line(kind) for kind, row in mpn_rows))
    extracted = max(datetime.combine(day, time(15, 6), WIB), mpn_rows[-1][1].paid_at + timedelta(minutes=1))
    batches = []
    for bank_day in sorted(bank_days, key=lambda b: (b.received_at, b.bank_code)):
        if not bank_day.sent:
            continue
        path = out_dir / f"bank_{bank_day.bank_code}_{stamp}.csv"
        _write(path, BANK_HEADER, (r.batch_line(day) for r in bank_day.rows))
        batches.append(
            BatchFile(
                bank_day.bank_code, path, bank_day.received_at, len(bank_day.rows), sum(r.amount for r in bank_day.rows)
            )
        )
    letters = [b.letter for b in bank_days if b.letter is not None]
    statements = out_dir / f"statements_{stamp}.csv" if letters else None
    if statements is not None:
        _write(statements, STATEMENT_HEADER, (letter.line() for letter in letters))
    reversals = sum(1 for kind, _ in mpn_rows if kind == "reversal")
    return DayFiles(
        day=day,
        mpn=mpn_path,
        mpn_received_at=extracted,
        payments=len(mpn_rows) - reversals,
        reversals=reversals,
        batches=tuple(batches),
        statements=statements,
        statements_received_at=max((letter.received_at for letter in letters), default=None),
        letters=len(letters),
        planted=tuple(plan.planted),
    )


def generate(
    out_dir: Path,
    days: Iterable[date],
    master: Master,
    cfg: DemoConfig,
    calendar: WorkingCalendar,
    progress: Callable[[int, int, str], None] | None = None,
    arrived_by: datetime | None = None,
) -> Manifest:
    """Write the files of every working day in `days` and `manifest.json`; return the manifest.

    `arrived_by`: leave out the batches and letters that arrive after it (see `write_day`).
    """
    todo = sorted(set(days))
    written = []
    for n, day in enumerate(todo):
        if progress:
            progress(n, len(todo), f"generating {day.isoformat()}")
        written.append(write_day(out_dir, day, master, cfg, calendar, arrived_by))
    planted = {kind: tuple(p for d in written for p in d.planted if p.category == kind) for kind in ALL_KINDS}
    manifest = Manifest(cfg.seed, tuple(written), planted)
    (out_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    if progress:
        progress(len(todo), len(todo), "generated")
    return manifest
