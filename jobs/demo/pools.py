"""Pools the demo generator draws from: bank volumes and branches, taxpayers, tax codes, amounts,
payment times and unique identifiers. Everything is derived from the seed alone (DOMAIN §7 realism)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from random import Random
from typing import NamedTuple

from jobs.demo.model import BankInfo, Master, Payment
from queries.calendar import ZONES, WorkingCalendar

#: A branch's clock by its UTC offset: the fixed offset its payment times are written with.
CLOCKS = {hours: timezone(timedelta(hours=hours)) for hours in ZONES}
B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NTPN_SPACE = 36**16
GOLDEN = 0.6180339887498949
PAIRS = tuple(a + b for a in B36 for b in B36)


@lru_cache(maxsize=64)
def golden_multiplier(modulus: int, base: int) -> int:
    """A multiplier near modulus/phi that is coprime with `base` (so n -> n * m + a is a bijection
    mod `modulus`, a power of `base`) and scatters consecutive n across the whole range."""
    m = int(modulus * GOLDEN)
    while math.gcd(m, base) != 1:
        m += 1
    return m


NTPN_MULT = golden_multiplier(NTPN_SPACE, 36)

# Collecting agents by usual tax volume: the four state banks carry most (DOMAIN §7).
STATE_BANKS = {"002": 0.26, "008": 0.20, "009": 0.15, "200": 0.05}
VOLUME_RANK = (
    "014",
    "451",
    "022",
    "011",
    "013",
    "016",
    "028",
    "019",
    "426",
    "441",
    "147",
    "153",
    "031",
    "041",
    "110",
    "111",
    "114",
    "113",
    "117",
    "112",
    "118",
    "120",
    "126",
    "129",
    "116",
    "119",
    "132",
    "137",
    "564",
    "548",
    "POS",
    "L01",
    "L02",
    "L03",
)
# Regional development banks whose branches are outside WIB.
BANK_ZONE = {"126": 8, "129": 8, "132": 9}

# (kap, kjs, weight, median amount in rupiah, payer: "op" person, "badan" entity, "any")
COMBOS = (
    ("411121", "100", 22.0, 3_000_000, "badan"),
    ("411121", "300", 0.4, 800_000, "badan"),
    ("411122", "100", 3.0, 6_000_000, "badan"),
    ("411123", "100", 3.0, 25_000_000, "badan"),
    ("411124", "104", 8.0, 1_500_000, "badan"),
    ("411124", "100", 3.0, 1_200_000, "badan"),
    ("411124", "102", 0.8, 900_000, "badan"),
    ("411124", "103", 0.6, 4_000_000, "badan"),
    ("411125", "100", 5.0, 450_000, "op"),
    ("411125", "200", 1.0, 2_500_000, "op"),
    ("411126", "100", 10.0, 9_000_000, "badan"),
    ("411126", "200", 1.5, 40_000_000, "badan"),
    ("411126", "310", 0.3, 60_000_000, "badan"),
    ("411127", "100", 1.0, 12_000_000, "badan"),
    ("411128", "420", 8.0, 350_000, "any"),
    ("411128", "402", 3.0, 30_000_000, "any"),
    ("411128", "403", 2.0, 8_000_000, "any"),
    ("411128", "409", 2.0, 6_000_000, "badan"),
    ("411128", "100", 1.5, 5_000_000, "badan"),
    ("411129", "100", 0.8, 3_000_000, "badan"),
    ("411211", "100", 20.0, 12_000_000, "badan"),
    ("411211", "300", 0.6, 2_000_000, "badan"),
    ("411211", "310", 0.4, 45_000_000, "badan"),
    ("411212", "100", 2.0, 35_000_000, "badan"),
    ("411221", "100", 0.5, 40_000_000, "badan"),
    ("411222", "100", 0.3, 60_000_000, "badan"),
    ("411611", "100", 1.5, 10_000, "any"),
    ("411111", "100", 0.2, 900_000_000, "badan"),
    ("411112", "100", 0.2, 700_000_000, "badan"),
)
BEA_METERAI = "411611"
ANNUAL_KJS = "200"
LATE_KJS = ("300", "310", "320", "390")

COMPANY_WORDS = (
    "SINAR",
    "JAYA",
    "ABADI",
    "MAKMUR",
    "SENTOSA",
    "KARYA",
    "MANDIRI",
    "SEJAHTERA",
    "NUSANTARA",
    "MITRA",
    "PRIMA",
    "UTAMA",
    "BUMI",
    "CAHAYA",
    "GLOBAL",
    "INDAH",
    "LESTARI",
    "AGUNG",
    "BERKAH",
    "MAJU",
    "SAMUDRA",
    "PERKASA",
    "SELARAS",
    "TEKNIK",
    "LOGISTIK",
    "ENERGI",
    "PANGAN",
    "MEDIKA",
    "PROPERTI",
    "ANUGERAH",
    "BINTANG",
    "RAYA",
    "TIMUR",
)
FIRST_NAMES = (
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Andi",
    "Rina",
    "Joko",
    "Sri",
    "Wahyu",
    "Ahmad",
    "Putri",
    "Hendra",
    "Nur",
    "Made",
    "Ketut",
    "Yohanes",
    "Maria",
    "Fransiskus",
    "Rudi",
    "Lestari",
    "Bambang",
    "Ratna",
    "Eko",
    "Indah",
    "Yusuf",
    "Fitri",
    "Dedi",
    "Wayan",
    "Ayu",
    "Rizky",
)
LAST_NAMES = (
    "Santoso",
    "Wijaya",
    "Susanto",
    "Hidayat",
    "Saputra",
    "Kusumawati",
    "Pratama",
    "Kurniawan",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Tanjung",
    "Wibowo",
    "Halim",
    "Gunawan",
    "Setiawan",
    "Hutapea",
    "Manurung",
    "Rahman",
    "Syahputra",
    "Purba",
    "Lubis",
    "Harahap",
    "Sitompul",
)


class Branch(NamedTuple):
    """A branch of a collecting agent: its code (may be empty for online channels) and UTC offset."""

    code: str
    offset: int


class NtbStyle(NamedTuple):
    """How one agent writes its NTB/NTP: letter prefix, the date `yymmdd`, then `digits` digits."""

    prefix: str
    digits: int


class Taxpayer(NamedTuple):
    """A taxpayer: NPWP (15 or 16 digits), name, registered KPP."""

    npwp: str
    name: str
    kpp_code: str


class Combo(NamedTuple):
    """A KAP/KJS pair with its share of payments, amount distribution and kind of payer."""

    kap: str
    kjs: str
    weight: float
    log_median: float
    sigma: float
    payer: str


@dataclass(frozen=True)
class Pools:
    """Everything drawn once per seed; day generation samples from these."""

    master: Master
    bank_weights: tuple[float, ...]
    branches: tuple[tuple[Branch, ...], ...]
    ntb_styles: tuple[NtbStyle, ...]
    head_office_offset: tuple[int, ...]
    persons: tuple[Taxpayer, ...]
    entities: tuple[Taxpayer, ...]
    everyone: tuple[Taxpayer, ...]
    combos: tuple[Combo, ...]
    combo_cum: tuple[float, ...]
    annual_combo_cum: tuple[float, ...]
    signers: tuple[str, ...]
    ntpn_add: int
    ntb_add: int

    def payers(self, combo: Combo) -> tuple[Taxpayer, ...]:
        """The taxpayers who make payments of this kind."""
        if combo.payer == "op":
            return self.persons
        return self.entities if combo.payer == "badan" else self.everyone


def bank_weights(bank_list: tuple[BankInfo, ...]) -> tuple[float, ...]:
    """Share of daily volume per agent: fixed shares for the state banks, Zipf-like for the rest."""
    others = [b for b in bank_list if b.code not in STATE_BANKS]
    rank = {code: i for i, code in enumerate(VOLUME_RANK)}
    others.sort(key=lambda b: (rank.get(b.code, len(rank)), b.code))
    raw = {b.code: 1.0 / (i + 2) ** 1.25 * (0.3 if b.kind != "bank" else 1.0) for i, b in enumerate(others)}
    rest = 1.0 - sum(STATE_BANKS[b.code] for b in bank_list if b.code in STATE_BANKS)
    scale = rest / sum(raw.values()) if raw else 0.0
    return tuple(STATE_BANKS[b.code] if b.code in STATE_BANKS else raw[b.code] * scale for b in bank_list)


def _branches(rng: Random, bank: BankInfo) -> tuple[Branch, ...]:
    if bank.kind == "other":
        return (Branch("", 7),)
    count = 150 if bank.code in STATE_BANKS else 80 if bank.kind == "pos" else 30
    width = 5 if bank.kind == "pos" else 4
    codes = sorted(rng.sample(range(10 ** (width - 1), 10**width), count))
    fixed = BANK_ZONE.get(bank.code)
    regional = bank.code[:2] in ("11", "12", "13")
    out = []
    for code in codes:
        if fixed:
            offset = fixed
        elif regional:
            offset = 7
        else:
            offset = rng.choices((7, 8, 9), (0.78, 0.15, 0.07))[0]
        out.append(Branch(f"{code:0{width}d}", offset))
    return tuple(out)


def _ntb_style(rng: Random, bank: BankInfo) -> NtbStyle:
    prefix = "" if rng.random() < 0.6 else "".join(rng.choice(B36[10:]) for _ in range(rng.randint(1, 3)))
    return NtbStyle(prefix, rng.randint(7, 11))


def _npwp15(rng: Random, kpp: str, entity: bool) -> str:
    kind = rng.choice(("01", "02", "03", "31")) if entity else rng.choice(("04", "06", "07", "08", "09"))
    branch = "000" if not entity or rng.random() < 0.9 else f"{rng.randint(1, 9):03d}"
    return f"{kind}{rng.randrange(10**7):07d}{kpp}{branch}"


def _nik(rng: Random) -> str:
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    day = birth.day + (40 if rng.random() < 0.5 else 0)
    return (
        f"{rng.randint(11, 94):02d}{rng.randint(1, 79):02d}{rng.randint(1, 40):02d}"
        f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(1, 2999):04d}"
    )


def _taxpayers(rng: Random, kpps: tuple[str, ...], count: int) -> tuple[tuple[Taxpayer, ...], ...]:
    persons, entities = [], []
    for _ in range(count):
        kpp = rng.choice(kpps)
        entity = rng.random() < 0.6
        if entity:
            form = rng.choices(("PT", "CV", "KOPERASI", "YAYASAN"), (0.7, 0.2, 0.05, 0.05))[0]
            name = f"{form} {' '.join(rng.sample(COMPANY_WORDS, rng.randint(2, 3)))}"
            if form == "PT" and rng.random() < 0.03:
                name += " TBK"
            npwp = _npwp15(rng, kpp, True)
            npwp = "0" + npwp if rng.random() < 0.25 else npwp
            entities.append(Taxpayer(npwp, name, kpp))
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}".upper()
            npwp = _nik(rng) if rng.random() < 0.35 else _npwp15(rng, kpp, False)
            persons.append(Taxpayer(npwp, name, kpp))
    return tuple(persons), tuple(entities)


def _combos(master: Master) -> tuple[Combo, ...]:
    kaps = {k.kap for k in master.kaps}
    kjs = set(master.kjs)
    out = [Combo(kap, j, w, math.log(m), 1.5, payer) for kap, j, w, m, payer in COMBOS if kap in kaps and j in kjs]
    known = {c.kap for c in out}
    fallback = "100" if "100" in kjs else master.kjs[0]
    out += [Combo(k, fallback, 0.5, math.log(5_000_000), 1.6, "any") for k in sorted(kaps - known)]
    return tuple(out)


def _cumulative(weights: list[float]) -> tuple[float, ...]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return tuple(out)


@lru_cache(maxsize=8)
def build_pools(seed: int, master: Master, taxpayers: int = 40000) -> Pools:
    """The pools for one seed and master data set (cached: day generation calls it once per day)."""
    rng = Random(f"{seed}:pools")
    combos = _combos(master)
    persons, entities = _taxpayers(rng, master.kpps, taxpayers)
    signers = tuple(
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} ({title})"
        for title in (
            "Pemimpin Divisi Operasional",
            "Kepala Divisi Treasury",
            "Pemimpin Departemen Settlement",
            "Kepala Bagian Penerimaan Negara",
        )
        for _ in range(3)
    )
    return Pools(
        master=master,
        bank_weights=bank_weights(master.banks),
        branches=tuple(_branches(rng, b) for b in master.banks),
        ntb_styles=tuple(_ntb_style(rng, b) for b in master.banks),
        head_office_offset=tuple(BANK_ZONE.get(b.code, 7) for b in master.banks),
        persons=persons or entities,
        entities=entities or persons,
        everyone=persons + entities,
        combos=combos,
        combo_cum=_cumulative([c.weight for c in combos]),
        annual_combo_cum=_cumulative([c.weight * (8 if c.kjs == ANNUAL_KJS else 1) for c in combos]),
        signers=signers,
        ntpn_add=rng.randrange(NTPN_SPACE),
        ntb_add=rng.randrange(10**12),
    )


def base36(n: int, width: int) -> str:
    """`n` in base 36 (`[0-9A-Z]`), left-padded with zeros to `width` (an even number)."""
    pairs = []
    for _ in range(width // 2):
        n, r = divmod(n, 1296)
        pairs.append(PAIRS[r])
    return "".join(reversed(pairs))


def ntpn(pools: Pools, day: date, seq: int) -> str:
    """The NTPN of transaction `seq` of `day`: unique per (day, seq), random-looking."""
    n = day.toordinal() * 2**24 + seq
    return base36((n * NTPN_MULT + pools.ntpn_add) % NTPN_SPACE, 16)


def ntb(pools: Pools, bank_index: int, day: date, seq: int) -> str:
    """The bank's NTB/NTP of transaction `seq` of `day`: the agent's style, unique per (day, seq)."""
    style = pools.ntb_styles[bank_index]
    mod = 10**style.digits
    tail = str((seq * golden_multiplier(mod, 10) + pools.ntb_add) % mod).zfill(style.digits)
    return f"{style.prefix}{day.strftime('%y%m%d')}{tail}"


def billing_code(rng: Random) -> str:
    """A DJP billing code: 15 digits whose first digit is 0-3."""
    return f"{rng.randrange(4 * 10**14):015d}"


def amount(rng: Random, combo: Combo) -> int:
    """A log-normal amount in whole rupiah around the combo's median, with a rare corporate tail."""
    if combo.kap == BEA_METERAI:
        return 10_000 * rng.choice((1, 1, 1, 1, 2, 3, 5, 10, 25, 100))
    value = math.exp(combo.log_median + combo.sigma * rng.gauss())
    if rng.random() < 0.002:
        value *= rng.uniform(10, 200)
    return max(1_000, min(round(value), 10**12))


def tax_period(rng: Random, combo: Combo, day: date) -> str:
    """MMYYYY: usually the previous month; last year for annual returns; older for assessments."""
    if combo.kjs == ANNUAL_KJS:
        return f"12{day.year - 1}"
    month_index = day.year * 12 + day.month - 1
    if combo.kjs in LATE_KJS:
        back = rng.randint(2, 18)
    else:
        back = rng.choices((1, 0, 2, 3), (0.9, 0.05, 0.04, 0.01))[0]
    year, month = divmod(month_index - back, 12)
    return f"{month + 1:02d}{year}"


class Window:
    """The LHP window of business date `day` in local time (DOMAIN R3, PER-78 Ps.9(4)a): after the
    cut-off of the previous working day up to the cut-off of `day`, mostly in office hours."""

    def __init__(self, calendar: WorkingCalendar, day: date, cutoff: time) -> None:
        prev = calendar.previous_or_same(day - timedelta(days=1))
        one = timedelta(seconds=1)
        end = datetime.combine(day, cutoff)
        office = datetime.combine(day, time(8))
        segments: list[tuple[datetime, datetime, float]] = []
        evening_start = datetime.combine(prev, cutoff) + one
        segments.append((evening_start, datetime.combine(prev, time(23, 59, 59)), 0.08))
        off = prev + timedelta(days=1)
        while off < day:
            segments.append((datetime.combine(off, time()), datetime.combine(off, time(23, 59, 59)), 0.025))
            off += timedelta(days=1)
        if office < end:
            segments.append((datetime.combine(day, time()), office - one, 0.03))
            segments.append((office, end, 0.84))
        else:
            segments.append((datetime.combine(day, time()), end, 0.87))
        self.day = day
        self.cutoff = cutoff
        self.segments = [(a, int((b - a).total_seconds()), w) for a, b, w in segments if b >= a]
        self.cum = _cumulative([w for _, _, w in self.segments])
        self.end = end
        self.office = office

    def sample(self, rng: Random) -> datetime:
        """A naive local payment time inside the window."""
        start, length, _ = rng.choices(self.segments, cum_weights=self.cum)[0]
        if start == self.office:
            mode = min(length, 2 * 3600)
            return start + timedelta(seconds=round(rng.triangular(0, length, mode)))
        return start + timedelta(seconds=rng.randint(0, length))


def day_factor(day: date, calendar: WorkingCalendar) -> float:
    """Volume of `day` relative to an ordinary working day: 3-5x on the due dates (the 10th, 15th and
    20th, moved to the next working day) and on the last working day of the month (DOMAIN §7)."""
    factor = 1.0
    for month_start in (day.replace(day=1) - timedelta(days=1), day):
        y, m = month_start.year, month_start.month
        for due, f in ((10, 3.5), (15, 4.5), (20, 3.0)):
            if calendar.this_or_next(date(y, m, due)) == day:
                factor = max(factor, f)
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    if calendar.previous_or_same(next_month - timedelta(days=1)) == day:
        factor = max(factor, 5.0 if day.month in (3, 4, 12) else 4.0)
    elif day.month == 12 and day.day >= 20:
        factor = max(factor, 2.0)
    return factor


class PaymentFactory:
    """Makes the payments of one business date: each gets the day's next transaction number, so
    NTPNs and NTBs never repeat unless an anomaly reuses them on purpose."""

    def __init__(self, pools: Pools, calendar: WorkingCalendar, day: date, rng: Random) -> None:
        self.pools = pools
        self.calendar = calendar
        self.day = day
        self.rng = rng
        self.seq = 0
        self.windows = {b.cutoff: Window(calendar, day, b.cutoff) for b in pools.master.banks}
        self.combo_cum = pools.annual_combo_cum if day.month in (3, 4) else pools.combo_cum
        self.cutoffs = {b.code: b.cutoff for b in pools.master.banks}

    def ids(self, bank_index: int) -> tuple[str, str]:
        """A fresh (NTPN, NTB) pair for a transaction of this agent."""
        seq = self.seq
        self.seq += 1
        return ntpn(self.pools, self.day, seq), ntb(self.pools, bank_index, self.day, seq)

    def new(self, bank_index: int, branch: Branch | None = None) -> Payment:
        """A new payment through agent `bank_index`, paid inside the day's window in branch-local time."""
        rng, pools = self.rng, self.pools
        bank = pools.master.banks[bank_index]
        branch = branch or rng.choice(pools.branches[bank_index])
        local = self.windows[bank.cutoff].sample(rng)
        combo = rng.choices(pools.combos, cum_weights=self.combo_cum)[0]
        payers = pools.payers(combo)
        payer = payers[int(rng.random() * len(payers))]
        the_ntpn, the_ntb = self.ids(bank_index)
        return Payment(
            ntpn=the_ntpn,
            billing_code=billing_code(rng),
            bank_code=bank.code,
            branch_code=branch.code,
            ntb=the_ntb,
            paid_at=local.replace(tzinfo=CLOCKS[branch.offset]),
            npwp=payer.npwp,
            taxpayer_name=payer.name,
            kap=combo.kap,
            kjs=combo.kjs,
            tax_period=tax_period(rng, combo, self.day),
            kpp_code=payer.kpp_code,
            amount=amount(rng, combo),
        )

    def business_date(self, payment: Payment) -> date:
        """DOMAIN R3 business date of a payment, with its agent's cut-off."""
        return self.calendar.business_date_of(payment.paid_at, self.cutoffs[payment.bank_code])
