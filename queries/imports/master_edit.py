"""Master data edited one row at a time (the Data induk page), with the checks of `mpn master import`.

A row goes through `queries.imports.master.check_row`, the same per-column rules a file's rows pass, and is upserted by
`upsert_master`; the change is audited as `master.edit` with the row before and after. A bank's cut-off is read
when a file is imported (DOMAIN R3): a new one applies to data imported from then on and never rewrites the
business dates already stored (`cutoff_effect` says so, naming the dates). Functions never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import holidays
from sqlalchemy import Connection, text

from queries.accounts.audit import Actor, record
from queries.accounts.users import administering
from queries.calendar import current_business_day_db
from queries.formatting import tanggal_panjang
from queries.imports.master import KINDS, _as_text, _stored, check_row, upsert_master
from queries.permissions import Refused

#: What each kind is called on the page, in tab order.
TITLES: dict[str, str] = {
    "banks": "Bank & Pos",
    "kanwil": "Kanwil",
    "kpp": "KPP",
    "kap": "KAP",
    "kjs": "KJS",
    "non_working_days": "Hari libur",
}
#: The file column naming a row (the key); `non_working_days` is keyed by its date.
KEY_COLUMN = {kind: next(f for f, t in spec.columns.items() if t == spec.key) for kind, spec in KINDS.items()}
_ORDER = {"non_working_days": "day"}


class MasterError(Refused, ValueError):
    """A row the master-data rules refuse; `problems` are (column, reason) in Indonesian."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{column}: {reason}" for column, reason in problems))


def master_rows(conn: Connection, kind: str) -> list[dict[str, str]]:
    """Every row of `kind` keyed by its file columns (the `mpn master import` format), by code."""
    spec = KINDS[kind]
    cols = ", ".join(spec.columns.values())
    rows = conn.execute(text(f"SELECT {cols} FROM {spec.table} ORDER BY {_ORDER.get(kind, spec.key)}")).mappings()
    return [{f: _as_text(r[t]) for f, t in spec.columns.items()} for r in rows]


@dataclass(frozen=True, slots=True)
class Saved:
    """What `save_row` did: the row as stored (file columns), the row before (None: new), and a note."""

    row: dict[str, str]
    before: dict[str, str] | None
    note: str = ""

    @property
    def changed(self) -> bool:
        """Was anything written?"""
        return self.before != self.row


def save_row(conn: Connection, kind: str, values: dict[str, str], *, actor: Actor, now: datetime) -> Saved:
    """Check one row as a file's row is checked and upsert it; audited `master.edit` with before and after. Only an
    administrator (or the product itself) edits master data."""
    administering(actor, "mengubah data induk")
    spec = KINDS[kind]
    row, problems = check_row(kind, {k: (v or "").strip() for k, v in values.items()})
    if problems:
        raise MasterError(problems)
    key = row[spec.key]
    to_file = {t: f for f, t in spec.columns.items()}
    stored = _stored(conn, spec, [key]).get(key)
    before = None if stored is None else {to_file[t]: v for t, v in stored.items()}
    after = {to_file[t]: _as_text(time.fromisoformat(v)) if t == "cutoff" else v for t, v in row.items()}
    if before == after:
        return Saved(after, before)
    if (
        kind == "kpp"
        and not conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM kanwil WHERE kanwil_code = :k)"), {"k": row["kanwil_code"]}
        ).scalar_one()
    ):
        raise MasterError([("kanwil_code", f"Kanwil {row['kanwil_code']} tidak dikenal (tidak ada di data induk)")])
    upsert_master(conn, kind, [row], f"{kind} (formulir)", actor=None)
    record(conn, actor, "master.edit", object_type=f"master.{kind}", object_id=key, before=before, after=after)
    note = ""
    if kind == "banks" and before is not None and before["cutoff"] != after["cutoff"]:
        note = cutoff_effect(conn, key, before["cutoff"], after["cutoff"], now=now)
    return Saved(after, before, note)


def cutoff_effect(conn: Connection, bank_code: str, old: str, new: str, *, now: datetime) -> str:
    """What a new cut-off changes: data imported from now on (first the current business date, for files not yet
    imported); the business dates already stored stay as they are."""
    first = current_business_day_db(conn, now)
    last = conn.execute(
        text("SELECT max(business_date) FROM mpn_bank_day WHERE bank_code = :b"), {"b": bank_code}
    ).scalar()
    stored = (
        f" Data bank ini yang sudah tersimpan (sampai tanggal bisnis {tanggal_panjang(last)}) tetap pada "
        "tanggal bisnisnya."
        if last
        else ""
    )
    return (
        f"Jam batas {bank_code} berubah dari {old} menjadi {new}: berlaku untuk data yang diimpor mulai sekarang "
        f"(pertama untuk tanggal bisnis {tanggal_panjang(first)} bila berkasnya belum diimpor); tanggal bisnis "
        f"yang sudah tersimpan tidak berubah.{stored}"
    )


def delete_non_working_day(conn: Connection, day: date, *, actor: Actor) -> bool:
    """Remove a master non-working day (entered by mistake); audited with what it was. False when not there. Only an
    administrator (or the product itself) edits master data."""
    administering(actor, "mengubah data induk")
    description = conn.execute(
        text("DELETE FROM non_working_day WHERE day = :d RETURNING description"), {"d": day}
    ).scalar()
    if description is None:
        return False
    record(
        conn,
        actor,
        "master.delete",
        object_type="master.non_working_days",
        object_id=day.isoformat(),
        before={"date": day.isoformat(), "description": description},
    )
    return True


@lru_cache(maxsize=16)
def package_holidays(year: int) -> tuple[tuple[date, str], ...]:
    """The `holidays` package's Indonesian public and government (cuti bersama) days of `year`, by date, named in
    Bahasa Indonesia."""
    days = holidays.country_holidays("ID", years=year, categories=("public", "government"), language="id")
    return tuple(sorted(days.items()))
