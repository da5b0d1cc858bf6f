"""Master data (CONTRACT §2.4): banks, Kanwil, KPP, KAP, KJS, non-working days; upsert by code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, text

from queries.accounts.audit import Actor, record
from queries.calendar import ZONE_IANA as ZONES
from queries.csvfile import InputRejected, Problem, read_layout, require_columns, small_rows, whole_file
from queries.plausibility import planned_date_problem, text_problem

DEFAULT_DIR = Path(__file__).parents[1] / "master_data"

Check = Callable[[str], str | None]
MAX_LISTED = 1000  # problems listed one by one; the rest are counted


def _pattern(regex: str, reason: str) -> Check:
    compiled = re.compile(regex)
    return lambda v: None if compiled.fullmatch(v) else reason


def _one_of(values: tuple[str, ...]) -> Check:
    return lambda v: None if v.lower() in values else f"harus salah satu dari {', '.join(values)}"


def _nonempty(v: str) -> str | None:
    """Free text: not empty, no control characters, at most 500 characters (CONTRACT §2)."""
    return "kosong" if not v else text_problem(v)


def _iso_date(v: str) -> str | None:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
        return "harus tanggal YYYY-MM-DD"
    try:
        return planned_date_problem(date.fromisoformat(v))
    except ValueError:
        return "bukan tanggal yang ada"


def _cutoff(v: str) -> str | None:
    if not v:
        return None
    if not re.fullmatch(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?", v):
        return "harus jam HH:MM"
    try:
        time.fromisoformat(v)
    except ValueError:
        return "bukan jam yang ada"
    return None


def _zone(v: str) -> str | None:
    if not v or v.upper() in ZONES or v in ZONES.values():
        return None
    return "harus WIB, WITA atau WIT (atau Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"


def email_list(v: str) -> list[str]:
    """The `;`-separated addresses of a bank's `email` value, trimmed, empty parts dropped."""
    return [part.strip() for part in v.split(";") if part.strip()]


def _emails(v: str) -> str | None:
    """CONTRACT §6: optional; each `;`-separated part a valid address (checked as the outbox checks it)."""
    from queries.mail.outbox import MailError, check_address

    if len(v) > 1000:
        return "paling banyak 1000 karakter"
    for part in email_list(v):
        try:
            check_address(part)
        except MailError:
            return f"alamat e-mail tidak sah: {part[:80]!r} (pisahkan beberapa alamat dengan ';')"
    return None


def normal_emails(v: str) -> str:
    """The addresses as stored: each checked form (domain lower-cased), joined by `;`, duplicates dropped."""
    from queries.mail.outbox import check_address

    return ";".join(dict.fromkeys(check_address(part) for part in email_list(v)))


#: Optional columns of a kind: a file without them sets the default (`cutoff`, `timezone`) or keeps what is stored
#: (`email`: a banks file of the first round never wipes the addresses entered since).
OPTIONAL = {"banks": ("cutoff", "timezone", "email")}
KEPT_WHEN_ABSENT = ("email",)


@dataclass(frozen=True)
class Kind:
    """One master-data kind: its table, key, columns (file name -> table column) and checks."""

    table: str
    key: str
    columns: dict[str, str]
    checks: dict[str, Check]
    upper: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    "banks": Kind(
        "bank",
        "bank_code",
        {
            "bank_code": "bank_code",
            "name": "name",
            "kind": "kind",
            "cutoff": "cutoff",
            "timezone": "timezone",
            "email": "email",
        },
        {
            "bank_code": _pattern(r"[0-9A-Z]{1,10}", "harus 1-10 karakter [0-9A-Z]"),
            "name": _nonempty,
            "kind": _one_of(("bank", "pos", "other")),
            "cutoff": _cutoff,
            "timezone": _zone,
            "email": _emails,
        },
        upper=("bank_code",),
    ),
    "kanwil": Kind(
        "kanwil",
        "kanwil_code",
        {"kanwil_code": "kanwil_code", "name": "name"},
        {"kanwil_code": _pattern(r"[0-9]{3}", "harus 3 digit"), "name": _nonempty},
    ),
    "kpp": Kind(
        "kpp",
        "kpp_code",
        {"kpp_code": "kpp_code", "name": "name", "kanwil_code": "kanwil_code"},
        {
            "kpp_code": _pattern(r"[0-9]{3}", "harus 3 digit"),
            "name": _nonempty,
            "kanwil_code": _pattern(r"[0-9]{3}", "harus 3 digit"),
        },
    ),
    "kap": Kind(
        "kap",
        "kap",
        {"kap": "kap", "name": "name", "group": "tax_group"},
        {"kap": _pattern(r"[0-9]{6}", "harus 6 digit"), "name": _nonempty, "group": _nonempty},
    ),
    "kjs": Kind(
        "kjs",
        "kjs",
        {"kjs": "kjs", "name": "name"},
        {"kjs": _pattern(r"[0-9]{3}", "harus 3 digit"), "name": _nonempty},
    ),
    "non_working_days": Kind(
        "non_working_day",
        "day",
        {"date": "day", "description": "description"},
        {"date": _iso_date, "description": _nonempty},
    ),
}

# Load order for the default set: KPP refers to Kanwil.
DEFAULT_FILES = (
    ("banks", "banks.csv"),
    ("kanwil", "kanwil.csv"),
    ("kpp", "kpp.csv"),
    ("kap", "kap.csv"),
    ("kjs", "kjs.csv"),
    ("non_working_days", "non_working_days.csv"),
)


class UpsertResult(NamedTuple):
    """What an upsert changed."""

    inserted: int
    updated: int


def parse_master_file(kind: str, path: Path, label: str | None = None) -> list[dict[str, str]]:
    """Read and check one master file; every problem is reported with its line, nothing is half-read."""
    spec = KINDS[kind]
    label = label or str(path)
    layout = read_layout(path, label)
    optional = OPTIONAL.get(kind, ())
    require_columns(layout, tuple(c for c in spec.columns if c not in optional), label)
    absent = {c for c in KEPT_WHEN_ABSENT if c in optional and c not in layout.columns}
    rows: list[dict[str, str]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, values in small_rows(path, label):
        row, reasons = check_row(kind, values, skip=absent)
        problems.extend(Problem(label, line, column, reason) for column, reason in reasons)
        key = row[spec.key]
        if key in seen:
            problems.append(
                Problem(
                    label,
                    line,
                    spec.key if kind != "non_working_days" else "date",
                    f"kode ganda (juga di baris {seen[key]})",
                )
            )
        seen[key] = line
        rows.append(row)
    if problems:
        raise InputRejected(problems[:MAX_LISTED], total=len(problems))
    return rows


def check_row(
    kind: str, values: dict[str, str], *, skip: set[str] | frozenset[str] = frozenset()
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """One row of `kind` (file column -> text) checked and normalised as a file's row is: the row keyed by table
    column, and the (file column, reason) of every problem. Columns in `skip` are left out of the row."""
    spec = KINDS[kind]
    row: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for file_col, table_col in spec.columns.items():
        if file_col in skip:
            continue
        value = values.get(file_col, "")
        if file_col in spec.upper:
            value = value.upper()
        if file_col == "kind":
            value = value.lower()
        reason = spec.checks[file_col](value)
        if reason:
            problems.append((file_col, reason))
        row[table_col] = value
    if kind == "banks":
        row["cutoff"] = row["cutoff"] or "15:00"
        row["timezone"] = ZONES.get(row["timezone"].upper(), row["timezone"] or ZONES["WIB"])
        if "email" in row and not any(c == "email" for c, _ in problems):
            row["email"] = normal_emails(row["email"])
    return row, problems


def _stored(conn: Connection, spec: Kind, keys: list[str]) -> dict[str, dict[str, str]]:
    """The stored rows of these codes, as text keyed by table column (for the audit's before)."""
    cols = list(spec.columns.values())
    found = conn.execute(
        text(f"SELECT {', '.join(cols)} FROM {spec.table} WHERE {spec.key}::text = ANY(:k)"), {"k": keys}
    ).mappings()
    return {str(r[spec.key]): {c: _as_text(r[c]) for c in cols} for r in found}


def _as_text(value: object) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return "" if value is None else str(value)


AUDITED_ROWS = 200  # row changes an import's audit entry lists one by one (before and after); the rest are counted


def _changes(
    spec: Kind, before: dict[str, dict[str, str]], rows: list[dict[str, str]]
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], int]:
    """Rows whose values differ from what was stored: (before, after) by code, at most AUDITED_ROWS each; count."""
    old: dict[str, dict[str, str]] = {}
    new: dict[str, dict[str, str]] = {}
    count = 0
    for row in rows:
        key = row[spec.key]
        was = {c: before[key][c] for c in row} if key in before else None
        now = {c: _as_text(time.fromisoformat(v)) if c == "cutoff" else v for c, v in row.items()}
        if was == now:
            continue
        count += 1
        if count <= AUDITED_ROWS:
            if was is not None:
                old[key] = was
            new[key] = now
    return old, new, count


def upsert_master(
    conn: Connection, kind: str, rows: list[dict[str, str]], label: str = "-", *, actor: Actor | None
) -> UpsertResult:
    """Insert new codes and update existing ones; the caller owns the transaction.

    The change is audited (`master.import`, last) as done by `actor`; None only for the shipped
    defaults that `mpn db upgrade` loads into a new database, which are part of installing it.
    """
    spec = KINDS[kind]
    if kind == "kpp":
        known = {r[0] for r in conn.execute(text("SELECT kanwil_code FROM kanwil"))}
        missing = sorted({r["kanwil_code"] for r in rows} - known)
        if missing:
            raise InputRejected(
                [
                    whole_file(label, f"kanwil_code: Kanwil {code} tidak dikenal (tidak ada di data induk)")
                    for code in missing
                ]
            )
    cols = [c for c in spec.columns.values() if not rows or c in rows[0]]
    before = _stored(conn, spec, [r[spec.key] for r in rows]) if actor is not None else {}
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != spec.key)
    stmt = text(
        f"INSERT INTO {spec.table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)}) "
        f"ON CONFLICT ({spec.key}) DO UPDATE SET {updates}, updated_at = now() "
        f"RETURNING (xmax = 0) AS inserted"
    )
    inserted = updated = 0
    for row in rows:
        if conn.execute(stmt, row).scalar_one():
            inserted += 1
        else:
            updated += 1
    if actor is not None:
        old, new, changed = _changes(spec, before, rows)
        record(
            conn,
            actor,
            "master.import",
            object_type="master",
            object_id=kind,
            before={"rows": old},
            after={
                "file_name": Path(label).name,
                "rows": len(rows),
                "inserted": inserted,
                "updated": updated,
                "changed": changed,
                "changes": new,
            },
        )
    return UpsertResult(inserted, updated)


def master_is_empty(conn: Connection) -> bool:
    """True when no bank is in master data (a new database)."""
    return conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM bank)")).scalar_one()


def load_defaults(conn: Connection) -> dict[str, UpsertResult]:
    """Load the shipped default master data (copied from the spec's master/ folder)."""
    return {
        kind: upsert_master(
            conn, kind, parse_master_file(kind, DEFAULT_DIR / name), str(DEFAULT_DIR / name), actor=None
        )
        for kind, name in DEFAULT_FILES
    }


class BankRef(NamedTuple):
    """A collecting agent as the importer needs it."""

    bank_code: str
    name: str
    kind: str
    cutoff: time


def banks(conn: Connection) -> list[BankRef]:
    """All collecting agents, by code."""
    rows = conn.execute(text("SELECT bank_code, name, kind, cutoff FROM bank ORDER BY bank_code"))
    return [BankRef(*r) for r in rows]


def codes(conn: Connection, table: str) -> set[str]:
    """All codes of one master table (`kap`, `kpp`, `kjs`, `kanwil`)."""
    key = {"kap": "kap", "kpp": "kpp_code", "kjs": "kjs", "kanwil": "kanwil_code"}[table]
    return {r[0] for r in conn.execute(text(f"SELECT {key} FROM {table}"))}


def kap_groups(conn: Connection) -> dict[str, str]:
    """Each KAP's tax group (`kap.tax_group`), by KAP code."""
    return {kap: group for kap, group in conn.execute(text("SELECT kap, tax_group FROM kap"))}
