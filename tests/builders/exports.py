"""`day_with_every_case` with a formula planted in every free-text field that reaches an export, through the real
importers and domain functions (CONTRACT §4)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine

from jobs.imports.ingest import import_file
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user
from queries.distribution import prepare as dist
from queries.imports.master import parse_master_file, upsert_master
from queries.letters import appeals as al
from queries.reconciliation.work import approve_resolution, comment, request_resolution
from queries.settings import set_setting
from tests.builders.distribution import day_with_every_case, deliver
from tests.builders.reconciliation import D2, ntpn
from tests.builders.work import exception_id

SYSTEM = Actor.system("test")
HYPERLINK = '=HYPERLINK("http://evil.example/x","klik")'
#: One payload per free-text field (the tab and CR ones are refused by the importers' control-character rule;
#: the writer's own tests carry them through every path).
PLANTED = {
    "bank_name": HYPERLINK,
    "kpp_name": "@SUM(A1)",
    "full_name": "-2+3",
    "letter_number": HYPERLINK,
    "signer": "+1",
    "resolution_note": "=1+1",
    "approval_note": "@SUM(A1)",
    "reject_note": "-2+3",
    "comment": "=cmd|' /C calc'!A0",
    "agenda_number": "+AG-1",
    "setting": HYPERLINK,
}


def _csv_file(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def _master(engine: Engine, tmp_path: Path) -> None:
    """Bank 002's and KPP 091's names carry formulas, through the real master import."""
    banks = _csv_file(
        tmp_path,
        "banks.csv",
        [["bank_code", "name", "kind", "cutoff", "timezone"], ["002", PLANTED["bank_name"], "bank", "15:00", "WIB"]],
    )
    kpps = _csv_file(tmp_path, "kpp.csv", [["kpp_code", "name", "kanwil_code"], ["091", PLANTED["kpp_name"], "310"]])
    with engine.begin() as conn:
        upsert_master(conn, "banks", parse_master_file("banks", banks), actor=SYSTEM)
        upsert_master(conn, "kpp", parse_master_file("kpp", kpps), actor=SYSTEM)


def _distribution(engine: Engine, staff: dict[str, User]) -> None:
    """The day prepared, returned once and approved with formula notes, then delivered."""
    with engine.begin() as conn:
        dist.prepare(conn, D2, actor=SYSTEM)
        dist.request(conn, D2, actor=staff["ani"])
        dist.reject(conn, D2, actor=staff["budi"], note=PLANTED["reject_note"])
        dist.request(conn, D2, actor=staff["ani"])
        dist.approve(conn, D2, actor=staff["budi"], note=PLANTED["approval_note"])
        dist.approve(conn, D2, actor=staff["dedi"])
        [d] = dist.distributions(conn, D2)
    deliver(engine, d)


def _work(engine: Engine, staff: dict[str, User]) -> None:
    """A comment and a resolution with formula notes; an appeal letter sent with a formula agenda number."""
    exc = exception_id(engine, ntpn(32), "missing_in_bank")
    with engine.begin() as conn:
        comment(conn, exc, body=PLANTED["comment"], actor=staff["ani"])
        request_resolution(conn, exc, cause="late_file", note=PLANTED["resolution_note"], actor=staff["ani"])
        approve_resolution(conn, exc, actor=staff["budi"], note=PLANTED["resolution_note"])
        [draft] = [p for p in al.propose_drafts(conn, D2, actor=staff["ani"]) if p.bank_code == "008"]
        al.initial(conn, draft.letter_id, actor=staff["budi"])
        al.sign(conn, draft.letter_id, actor=staff["dedi"])
        al.send(conn, draft.letter_id, actor=staff["tina"], agenda_number=PLANTED["agenda_number"])
        add_user(
            conn,
            username="wati",
            role="pelaksana",
            password="rahasia-wati-1",
            actor=SYSTEM,
            full_name=PLANTED["full_name"],
            policy=False,
        )
        set_setting(conn, "letters.signer_name", PLANTED["setting"], actor=SYSTEM)


def poison(engine: Engine, people: dict[str, User], tmp_path: Path) -> Engine:
    """`day_with_every_case` with a formula in every free-text field that reaches an export."""
    _master(engine, tmp_path)
    day_with_every_case(engine)
    letter = _csv_file(
        tmp_path,
        "statements.csv",
        [
            [
                "bank_code",
                "business_date",
                "letter_number",
                "letter_date",
                "received_at",
                "declared_count",
                "declared_amount",
                "signer",
            ],
            [
                "009",
                D2.isoformat(),
                PLANTED["letter_number"],
                D2.isoformat(),
                "2026-11-20T16:30:00+07:00",
                "2",
                "410000",
                PLANTED["signer"],
            ],
        ],
    )
    import_file(engine, "statements", letter, actor=SYSTEM)
    _distribution(engine, people)
    _work(engine, people)
    return engine
