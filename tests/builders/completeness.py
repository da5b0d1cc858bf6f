"""Daily completeness: moments in WIB, the matrix of a day as Kelengkapan computes it, statement letters stored at a
given moment."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from queries.imports import store as q
from queries.monitoring import completeness as c
from tests.builders.reconciliation import D2, WIB

MONDAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=WIB)


def matrix(engine: Engine, now: datetime, day: date = D2) -> dict[str, c.BankDay]:
    with engine.connect() as conn:
        found = c.day_completeness(conn, business_date=day, now=now)
    return {row.bank_code: row for row in found.rows}


def store_letter(engine: Engine, bank: str, day: date, received_at: datetime, count: int, amount: int) -> None:
    with engine.begin() as conn:
        q.store_letter(
            conn, q.LetterIn(bank, day, f"SP-{bank}-{received_at:%H%M%S}", day, received_at, count, amount, "Direksi")
        )
