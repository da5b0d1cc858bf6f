"""Small hand-built reconciliation data, inserted with SQL like the importer leaves it (partitions with their
indexes, supersede of resent batches and letters), so each test states exactly its rows; and the exceptions a
reconciliation found, read back."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text

from queries.imports import store as q

WIB = ZoneInfo("Asia/Jakarta")
D1 = date(2026, 11, 19)  # Thursday
D2 = date(2026, 11, 20)  # Friday
D3 = date(2026, 11, 23)  # Monday
_ids = itertools.count(1)


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), WIB)


@dataclass(frozen=True)
class Row:
    """One payment (MPN side) or batch row (bank side); `day` is its business date."""

    ntpn: str
    amount: int = 100_000
    bank_code: str = "002"
    ntb: str = ""
    npwp: str = "012345678901000"
    kap: str = "411121"
    kjs: str = "100"
    tax_period: str = "102026"
    kpp_code: str = "091"
    day: date = D2
    paid_at: datetime | None = None
    record_type: str = "payment"

    def but(self, **changes: object) -> Row:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def when(self) -> datetime:
        return self.paid_at or wib(self.day, 10)

    @property
    def ntb_(self) -> str:
        return self.ntb or "B" + self.ntpn[-10:]


def ntpn(n: int) -> str:
    return f"NTPN{n:012d}"


def _import(conn: Connection, kind: str, received_at: datetime) -> int:
    return q.start_import(
        conn,
        kind=kind,
        file_name=f"{kind}-{next(_ids)}.csv",
        sha256=f"sha{next(_ids)}",
        size=1,
        received_at=received_at,
        started_at=received_at,
    )


def payments(engine: Engine, rows: list[Row], received_at: datetime | None = None) -> None:
    """MPN records (payments or reversals), each into its business date's partition."""
    with engine.begin() as conn:
        import_id = _import(conn, "mpn", received_at or wib(D2, 15, 10))
        for line, r in enumerate(rows, start=2):
            q.ensure_partition(conn, "mpn_record", r.day)
            conn.execute(
                text("""
                INSERT INTO mpn_record (business_date, import_id, line, record_type, ntpn, billing_code, bank_code,
                    branch_code, ntb, paid_at, utc_offset, npwp, taxpayer_name, kap, kjs, tax_period, kpp_code,
                    amount)
                VALUES (:day, :imp, :line, :rt, :ntpn, '123456789012345', :bank, '', :ntb, :paid, 7, :npwp, 'WP',
                        :kap, :kjs, :tp, :kpp, :amount)
            """),
                {
                    "day": r.day,
                    "imp": import_id,
                    "line": line,
                    "rt": r.record_type,
                    "ntpn": r.ntpn,
                    "bank": r.bank_code,
                    "ntb": r.ntb_,
                    "paid": r.when,
                    "npwp": r.npwp,
                    "kap": r.kap,
                    "kjs": r.kjs,
                    "tp": r.tax_period,
                    "kpp": r.kpp_code,
                    "amount": r.amount,
                },
            )
        q.refresh_bank_days(conn, sorted({r.day for r in rows}))


def batch(engine: Engine, bank_code: str, day: date, rows: list[Row], received_at: datetime | None = None) -> int:
    """A bank batch for (bank, day) with these rows; a second one for the same pair is a resend."""
    received_at = received_at or wib(day, 15, 40)
    with engine.begin() as conn:
        import_id = _import(conn, "bank", received_at)
        batch_id = q.reserve_batch_id(conn)
        q.ensure_partition(conn, "bank_batch_row", day)
        for line, r in enumerate(rows, start=2):
            conn.execute(
                text("""
                INSERT INTO bank_batch_row (business_date, batch_id, line, bank_code, ntpn, ntb, paid_at, utc_offset,
                    derived_date, npwp, kap, kjs, tax_period, kpp_code, amount)
                VALUES (:day, :batch, :line, :bank, :ntpn, :ntb, :paid, 7, :derived, :npwp, :kap, :kjs, :tp, :kpp,
                        :amount)
            """),
                {
                    "day": day,
                    "batch": batch_id,
                    "line": line,
                    "bank": r.bank_code,
                    "ntpn": r.ntpn,
                    "ntb": r.ntb_,
                    "paid": r.when,
                    "derived": r.day,
                    "npwp": r.npwp,
                    "kap": r.kap,
                    "kjs": r.kjs,
                    "tp": r.tax_period,
                    "kpp": r.kpp_code,
                    "amount": r.amount,
                },
            )
        q.register_batch(
            conn,
            batch_id=batch_id,
            import_id=import_id,
            bank_code=bank_code,
            business_date=day,
            received_at=received_at,
            rows=len(rows),
            amount=sum(r.amount for r in rows),
        )
    return batch_id


def letter(engine: Engine, bank_code: str, day: date, count: int, amount: int) -> None:
    """A statement letter declaring `count` rows and `amount` rupiah."""
    with engine.begin() as conn:
        q.store_letter(conn, q.LetterIn(bank_code, day, f"S-{next(_ids)}", day, wib(day, 16), count, amount, "X"))


@dataclass
class Day:
    """A complete, clean day for one or more banks: payments, batch and matching statement letter."""

    rows: list[Row] = field(default_factory=list)

    def load(
        self, engine: Engine, *, mpn: list[Row] | None = None, bank: list[Row] | None = None, letters: bool = True
    ) -> None:
        mpn_rows = self.rows if mpn is None else mpn
        bank_rows = self.rows if bank is None else bank
        payments(engine, mpn_rows)
        by_bank: dict[tuple[str, date], list[Row]] = {}
        for r in bank_rows:
            by_bank.setdefault((r.bank_code, r.day), []).append(r)
        for (code, day), rows in by_bank.items():
            batch(engine, code, day, rows)
            if letters:
                letter(engine, code, day, len(rows), sum(r.amount for r in rows))


def clean(n: int, *, start: int = 1, day: date = D2, bank_code: str = "002") -> list[Row]:
    return [Row(ntpn(i), amount=10_000 * i, day=day, bank_code=bank_code) for i in range(start, start + n)]


def reversal(row: Row, hour: int = 11) -> Row:
    """The MPN reversal cancelling `row` later on its business date (registers its NTPN and NTB as cancelled)."""
    return row.but(record_type="reversal", paid_at=wib(row.day, hour))


def reset(engine: Engine) -> None:
    """Empty every table a reconciliation reads or writes (between hypothesis examples on one database)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE mpn_record, bank_batch_row, recon_exception, recon_result, recon_run,"
                " statement_letter, bank_batch, cancelled_number, mpn_bank_day CASCADE"
            )
        )


def found(engine: Engine, day: Any = D2) -> dict[tuple[str, str], dict[str, Any]]:
    """Exceptions of `day` keyed by (NTPN or bank code, category)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM recon_exception WHERE business_date = :d"), {"d": day}).mappings()
        return {(r["ntpn"] or r["bank_code"], r["category"]): dict(r) for r in rows}


def open_set(engine: Engine, day: Any = D2) -> dict[tuple[str, str], str]:
    return {k: r["fields"] for k, r in found(engine, day).items() if r["status"] == "open"}
