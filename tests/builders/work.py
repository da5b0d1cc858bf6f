"""Shared set-up for the exception-workflow tests: staff accounts and exceptions made by the real reconciliation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user
from queries.reconciliation.work import WorkRefused
from tests.builders.reconciliation import D2, Day, clean, ntpn

PEOPLE = {"ani": "pelaksana", "putu": "petugas_mpn", "budi": "kasi", "dedi": "kasubdit", "maya": "manajemen"}


def make_people(engine: Engine) -> dict[str, User]:
    with engine.begin() as conn:
        return {
            name: add_user(conn, username=name, role=role, password="demo", actor=Actor.system("test"), policy=False)
            for name, role in PEOPLE.items()
        }


def missing_in_bank(engine: Engine, n: int = 3) -> int:
    """A day of `n` payments whose last one is in no batch; reconciled; returns that exception's id."""
    rows = clean(n)
    Day(rows).load(engine, bank=rows[:-1], letters=False)
    reconcile(engine, D2)
    return exception_id(engine, ntpn(n), "missing_in_bank")


def exception_id(engine: Engine, number: str, category: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT exception_id FROM recon_exception WHERE ntpn = :n AND category = :c"),
                {"n": number, "c": category},
            ).scalar_one()
        )


def exception(engine: Engine, exc_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(
            conn.execute(text("SELECT * FROM recon_exception WHERE exception_id = :i"), {"i": exc_id}).mappings().one()
        )


def refused(engine: Engine, act: Callable[..., object], *args: object, **kwargs: object) -> str:
    """Run `act(conn, ...)` expecting WorkRefused; its message. The transaction is rolled back."""
    with pytest.raises(WorkRefused) as info, engine.begin() as conn:
        act(conn, *args, **kwargs)
    return info.value.message


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars())


def amount_mismatch(engine: Engine) -> int:
    """NTPN 2: MPN says 20,000, the bank keyed 1."""
    rows = clean(2)
    Day(rows).load(engine, bank=[rows[0], rows[1].but(amount=1)], letters=False)
    reconcile(engine, D2)
    return exception_id(engine, ntpn(2), "amount_mismatch")
