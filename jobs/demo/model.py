"""Building blocks of the demo data generator: the master data it draws from, its settings, the row model.

Kept apart from the generator (`jobs.demo.data`) so the anomaly planting (`jobs.demo.plant`) and the
peak-file writer (`jobs.demo.peak`) share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection

from queries.imports.master import DEFAULT_DIR, banks, codes, kap_groups, parse_master_file

# Exception categories of CONTRACT §4 the generator plants, in the contract's order.
TRANSACTION_CATEGORIES = (
    "missing_in_bank",
    "missing_in_mpn",
    "amount_mismatch",
    "attribute_mismatch",
    "cutoff_mismatch",
    "duplicate",
    "cancelled_reused",
)
BANK_CATEGORIES = ("missing_batch", "missing_statement", "statement_mismatch")
# Other planted facts a user notices: late files and ordinary (legitimate) reversals.
EVENTS = ("late_batch", "late_statement", "reversal")
ALL_KINDS = TRANSACTION_CATEGORIES + BANK_CATEGORIES + EVENTS

MPN_HEADER = (
    "record_type,ntpn,billing_code,bank_code,branch_code,ntb,paid_at,npwp,taxpayer_name,"
    "kap,kjs,tax_period,kpp_code,amount\n"
)
BANK_HEADER = "bank_code,business_date,ntpn,ntb,paid_at,npwp,kap,kjs,tax_period,kpp_code,amount\n"
STATEMENT_HEADER = (
    "bank_code,business_date,letter_number,letter_date,received_at,declared_count,declared_amount,signer\n"
)


class BankInfo(NamedTuple):
    """A collecting agent: code, kind (`bank`, `pos`, `other`) and its daily cut-off (local time)."""

    code: str
    kind: str
    cutoff: time


class KapInfo(NamedTuple):
    """A tax account code and its revenue group (PPh, PPN, ...)."""

    kap: str
    group: str


@dataclass(frozen=True)
class Master:
    """The master data the generator needs, sorted by code so both sources give the same result."""

    banks: tuple[BankInfo, ...]
    kaps: tuple[KapInfo, ...]
    kpps: tuple[str, ...]
    kjs: tuple[str, ...]

    @classmethod
    def from_csv(cls, folder: Path = DEFAULT_DIR) -> Master:
        """Read the master CSV files of CONTRACT §2.4 (default: the shipped set)."""
        bank_rows = parse_master_file("banks", folder / "banks.csv")
        kap_rows = parse_master_file("kap", folder / "kap.csv")
        return cls(
            banks=tuple(
                sorted(BankInfo(r["bank_code"], r["kind"], time.fromisoformat(r["cutoff"])) for r in bank_rows)
            ),
            kaps=tuple(sorted(KapInfo(r["kap"], r["tax_group"]) for r in kap_rows)),
            kpps=tuple(sorted(r["kpp_code"] for r in parse_master_file("kpp", folder / "kpp.csv"))),
            kjs=tuple(sorted(r["kjs"] for r in parse_master_file("kjs", folder / "kjs.csv"))),
        )

    @classmethod
    def from_db(cls, conn: Connection) -> Master:
        """Read the master data of the database `conn` is connected to."""
        groups = kap_groups(conn)
        return cls(
            banks=tuple(sorted(BankInfo(b.bank_code, b.kind, b.cutoff) for b in banks(conn))),
            kaps=tuple(sorted(KapInfo(k, groups[k]) for k in codes(conn, "kap"))),
            kpps=tuple(sorted(codes(conn, "kpp"))),
            kjs=tuple(sorted(codes(conn, "kjs"))),
        )

    def bank(self, code: str) -> BankInfo:
        """The collecting agent with this code."""
        for info in self.banks:
            if info.code == code:
                return info
        raise KeyError(code)


@dataclass(frozen=True)
class DemoConfig:
    """Settings of the generator. Transaction rates are per MPN payment, bank rates per bank and day.

    Planted counts are the rate times the day's volume, rounded stochastically, so a small day plants
    none of a rare category; tests raise the rates instead of relying on luck.
    """

    seed: int = 20261123
    rows_per_day: int = 6000
    taxpayers: int = 40000
    # transaction level (per MPN payment of the day)
    missing_in_bank: float = 0.0005
    missing_in_mpn: float = 0.0003
    amount_mismatch: float = 0.0003
    attribute_mismatch: float = 0.0005
    cutoff_mismatch: float = 0.0002
    duplicate: float = 0.0002
    cancelled_reused: float = 0.0001
    reversal: float = 0.001
    # bank level (per collecting agent with payments that day)
    missing_batch: float = 0.01
    missing_statement: float = 0.03
    statement_mismatch: float = 0.015
    late_batch: float = 0.05
    late_statement: float = 0.08

    def rate(self, kind: str) -> float:
        """The rate of one planted category or event."""
        return float(getattr(self, kind))


class Planted(NamedTuple):
    """One planted anomaly: the business date and bank it is reported under, the NTPN for
    transaction-level ones (None for bank-level), and a short human-readable detail."""

    category: str
    day: date
    bank_code: str
    ntpn: str | None
    detail: str = ""


@dataclass(slots=True)
class Payment:
    """One transaction as a row of CONTRACT 2.1 / 2.2; mutable while anomalies are planted."""

    ntpn: str
    billing_code: str
    bank_code: str
    branch_code: str
    ntb: str
    paid_at: datetime
    npwp: str
    taxpayer_name: str
    kap: str
    kjs: str
    tax_period: str
    kpp_code: str
    amount: int

    def mpn_line(self, record_type: str = "payment") -> str:
        """The row as a line of an MPN file (CONTRACT 2.1)."""
        return (
            f"{record_type},{self.ntpn},{self.billing_code},{self.bank_code},{self.branch_code},"
            f"{self.ntb},{self.paid_at.isoformat()},{self.npwp},{self.taxpayer_name},{self.kap},"
            f"{self.kjs},{self.tax_period},{self.kpp_code},{self.amount}\n"
        )

    def batch_line(self, business_date: date) -> str:
        """The row as a line of a bank batch for `business_date` (CONTRACT 2.2)."""
        return (
            f"{self.bank_code},{business_date.isoformat()},{self.ntpn},{self.ntb},"
            f"{self.paid_at.isoformat()},{self.npwp},{self.kap},{self.kjs},{self.tax_period},"
            f"{self.kpp_code},{self.amount}\n"
        )
