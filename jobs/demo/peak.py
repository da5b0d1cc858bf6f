"""One big MPN file for the ingest benchmark (3,000,000 rows of a due date), streamed to disk.

Rows are built from precomputed tables (bank and branch, payment times already checked against
DOMAIN R3, tax codes, identifiers) so a row costs a few microseconds and memory stays bounded.
"""

from __future__ import annotations

import math
import time as clock
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from random import Random
from typing import NamedTuple

from jobs.demo.model import BANK_HEADER, MPN_HEADER, Master
from jobs.demo.pools import (
    CLOCKS,
    Pools,
    Window,
    base36,
    build_pools,
    golden_multiplier,
    tax_period,
)
from queries.calendar import WorkingCalendar

TABLE_BITS = 16
TIMES_PER_ZONE = 4096
CHUNK = 20_000


class PeakFile(NamedTuple):
    """What `write_peak_day` wrote: the MPN file, optionally one agent's matching batch, and timing."""

    path: Path
    rows: int
    amount: int
    seconds: float
    batch_path: Path | None
    batch_rows: int
    batch_amount: int


def _time_pools(pools: Pools, day: date, calendar: WorkingCalendar, rng: Random) -> dict[tuple, list[str]]:
    """Per (cut-off, UTC offset): payment times of `day`'s window, each verified to derive to `day`."""
    out: dict[tuple, list[str]] = {}
    for bi, bank in enumerate(pools.master.banks):
        window = Window(calendar, day, bank.cutoff)
        for branch in pools.branches[bi]:
            key = (bank.cutoff, branch.offset)
            if key in out:
                continue
            stamps = []
            for _ in range(TIMES_PER_ZONE):
                paid = window.sample(rng).replace(tzinfo=CLOCKS[branch.offset])
                if calendar.business_date_of(paid, bank.cutoff) != day:
                    raise RuntimeError(f"generator bug: {paid} does not belong to {day}")
                stamps.append(paid.isoformat())
            out[key] = stamps
    return out


def _bank_table(
    pools: Pools, day: date, rows: int, rng: Random, times: dict[tuple, list[str]]
) -> list[tuple[int, str, str, list[str], str, int, int, int]]:
    """2**16 entries drawn by volume share: (bank index, "bank,branch", bank code, times,
    NTB prefix, NTB digits, NTB modulus, NTB multiplier)."""
    banks = pools.master.banks
    picks = rng.choices(range(len(banks)), weights=pools.bank_weights, k=1 << TABLE_BITS)
    table = []
    for bi in picks:
        branch = rng.choice(pools.branches[bi])
        style = pools.ntb_styles[bi]
        digits = max(style.digits, len(str(rows)))
        table.append(
            (
                bi,
                f"{banks[bi].code},{branch.code}",
                banks[bi].code,
                times[(banks[bi].cutoff, branch.offset)],
                f"{style.prefix}{day:%y%m%d}",
                digits,
                10**digits,
                golden_multiplier(10**digits, 10),
            )
        )
    return table


def _combo_table(pools: Pools, day: date, rng: Random) -> list[tuple[str, float, float, tuple, int]]:
    """4096 entries drawn by share: ("kap,kjs,tax_period", log median, sigma, payers, len(payers))."""
    cum = pools.annual_combo_cum if day.month in (3, 4) else pools.combo_cum
    table = []
    for combo in rng.choices(pools.combos, cum_weights=cum, k=4096):
        table.append(
            (
                f"{combo.kap},{combo.kjs},{tax_period(rng, combo, day)}",
                combo.log_median,
                combo.sigma,
                pools.payers(combo),
                len(pools.payers(combo)),
            )
        )
    return table


def write_peak_day(
    path: Path,
    rows: int,
    seed: int,
    master: Master,
    day: date,
    calendar: WorkingCalendar,
    *,
    batch_bank: str | None = None,
    batch_path: Path | None = None,
) -> PeakFile:
    """Write an MPN file of `rows` payments of business date `day` (all deriving to `day`, NTPNs and
    NTBs unique); with `batch_bank`, also that agent's matching batch file at `batch_path`."""
    started = clock.perf_counter()
    pools = build_pools(seed, master)
    rng = Random(f"{seed}:peak:{day.isoformat()}")
    times = _time_pools(pools, day, calendar, rng)
    banks = _bank_table(pools, day, rows, rng, times)
    combos = _combo_table(pools, day, rng)
    normal = [rng.gauss() for _ in range(1 << 16)]
    mult = golden_multiplier(36**8, 36)
    low = [base36((i * mult + pools.ntpn_add) % 36**8, 8) for i in range(1 << 16)]
    high = [
        base36(((h + day.toordinal() * 4096) * mult + (pools.ntpn_add >> 20)) % 36**8, 8)
        for h in range((rows >> 16) + 1)
    ]
    batch_index = master.banks.index(master.bank(batch_bank)) if batch_bank else -1
    if batch_bank and batch_path is None:
        batch_path = path.with_name(f"bank_{batch_bank}_{day:%Y%m%d}.csv")
    bits, rnd, exp, ntb_add = rng.getrandbits, rng.random, math.exp, pools.ntb_add
    iso_day = day.isoformat()
    total = batch_rows = batch_total = 0
    buf: list[str] = []
    add = buf.append
    batch_buf: list[str] = []
    with ExitStack() as stack:
        out = stack.enter_context(open(path, "w", encoding="utf-8", newline=""))
        out.write(MPN_HEADER)
        bout = None
        if batch_path:
            bout = stack.enter_context(open(batch_path, "w", encoding="utf-8", newline=""))
            bout.write(BANK_HEADER)
        for start in range(0, rows, CHUNK):
            for seq in range(start, min(start + CHUNK, rows)):
                bi, bank_branch, code, stamps, prefix, digits, mod, ntb_mult = banks[bits(16)]
                combo, mu, sigma, payers, n_payers = combos[bits(12)]
                npwp, name, kpp = payers[int(rnd() * n_payers)]
                paid = stamps[bits(12)]
                ntpn = low[seq & 0xFFFF] + high[seq >> 16]
                ntb = prefix + str((seq * ntb_mult + ntb_add) % mod).zfill(digits)
                amount = int(exp(mu + sigma * normal[bits(16)]))
                if amount < 1000:
                    amount = 1000
                total += amount
                add(
                    f"payment,{ntpn},{int(rnd() * 4e14):015d},{bank_branch},{ntb},{paid},{npwp},{name},"
                    f"{combo},{kpp},{amount}\n"
                )
                if bi == batch_index:
                    batch_buf.append(f"{code},{iso_day},{ntpn},{ntb},{paid},{npwp},{combo},{kpp},{amount}\n")
                    batch_total += amount
            out.write("".join(buf))
            buf.clear()
            if bout:
                bout.write("".join(batch_buf))
                batch_rows += len(batch_buf)
                batch_buf.clear()
    return PeakFile(path, rows, total, clock.perf_counter() - started, batch_path, batch_rows, batch_total)
