"""`bench/year.py`'s master data (national counts) and the people whose pages it measures, made once."""

from __future__ import annotations

from sqlalchemy import Engine, text

from bench.revenue import BANKS, KAPS, KPPS, MASTER
from queries.accounts.audit import Actor
from queries.accounts.users import add_user, user_by_name

#: The signed-in users of the measured pages: a kasi (approvals, letters, alerts) and a pelaksana.
PEOPLE = {"budi": "kasi", "ani": "pelaksana"}
PASSWORD = "bench-sandi-1"


def setup(engine: Engine) -> None:
    """Master data up to 150 agents, 350 KPPs, 300 KAPs; the bench users; both only when missing."""
    with engine.begin() as conn:
        if user_by_name(conn, "budi") is not None:
            return
        for statement in MASTER.split(";\n"):
            conn.execute(text(statement), {"banks": BANKS, "kpps": KPPS, "kaps": KAPS})
        for name, role in PEOPLE.items():
            add_user(conn, username=name, role=role, password=PASSWORD, actor=Actor.system("bench"), policy=False)
