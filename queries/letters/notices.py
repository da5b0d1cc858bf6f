"""Disruption notices (surat pemberitahuan): a bank's written word that a fault made it late.

PER-78 Ps.9(4)f: a collecting agent whose system fault delays its NTPNs or its LHP notifies in writing; Ps.12: when
the link to the treasury is down for more than one day (keadaan kahar) it keeps taking payments off-line, notifies,
and re-records them once the link is back (DOMAIN R14). A notice names its bank, its letter, the cause, the period
it covers and the duties it affects. A duty that fell due inside the period and was done late or not at all reads
"terlambat — ada pemberitahuan" on Kelengkapan (`queries.monitoring.completeness`), counted apart from plain
lateness; its
alert is acknowledged by the notice. A notice is never edited: it is withdrawn (with a reason, audited) and a new
one recorded. This module holds the model, the checks shared by the file and the form, the reads, and who may act
on a notice (`acts_for`, from `queries.permissions.ACTIONS`); the acts with their effects are
`queries.letters.notice_work`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, text

from queries import permissions, plausibility
from queries.accounts.audit import Actor, record
from queries.accounts.users import User
from queries.calendar import WorkingCalendar
from queries.formatting import tanggal_pendek, waktu_wib
from queries.permissions import Refused

#: The causes a notice may give (PER-78 Ps.9(4)f, Ps.12; KEP-162 Ps.6(1) a-b), in Indonesian.
CAUSES: dict[str, str] = {
    "communication_failure": "Gangguan komunikasi data",
    "application_failure": "Gangguan aplikasi",
    "force_majeure": "Keadaan kahar (force majeure)",
    "other": "Lainnya",
}
#: The duties a notice may name, in Indonesian, and the Kelengkapan duties each one excuses.
DUTIES: dict[str, str] = {
    "mpn": "Data MPN (NTPN)",
    "batch": "Batch bank (LHP)",
    "statement": "Surat pernyataan",
    "result": "Hasil rekonsiliasi",
    "distribution": "Distribusi SIDJP/SIPMOD",
}
EXCUSES: dict[str, tuple[str, ...]] = {
    "mpn": ("mpn",),
    "batch": ("batch",),
    "statement": ("statement",),
    "result": ("recon",),
    "distribution": ("sidjp", "sipmod"),
}
#: The Kelengkapan state of a late or missing duty that fell due inside a notice's period.
EXCUSED = "excused"
EXCUSED_TITLE = "Terlambat — ada pemberitahuan"
#: Who records and who withdraws notices (`permissions.ACTIONS`); every operations role reads them.
RECORD_ACTION, WITHDRAW_ACTION = "letters.notice_record", "letters.notice_withdraw"
#: A notice covers at most this long: a longer "disruption" is a matter for the bank's right to collect.
MAX_PERIOD = timedelta(days=31)
#: PER-78 Ps.12: force majeure is a link down for more than one day.
FORCE_MAJEURE_MIN = timedelta(days=1)
FILE_COLUMNS = (
    "bank_code",
    "letter_number",
    "letter_date",
    "received_at",
    "cause",
    "period_from",
    "period_to",
    "duties",
    "note",
)
ACKNOWLEDGER = Actor.system("pemberitahuan")


class NoticeRefused(Refused):
    """A notice the form cannot record or withdraw; `message` says why, in Indonesian. Nothing was written."""


@dataclass(frozen=True, slots=True)
class NoticeIn:
    """A notice as a file row or the form gives it, checked."""

    bank_code: str
    letter_number: str
    letter_date: date
    received_at: datetime
    cause: str
    period_from: datetime
    period_to: datetime
    duties: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    """One recorded notice; `withdrawn_at` set once it was withdrawn (it then excuses nothing)."""

    notice_id: int
    bank_code: str
    bank_name: str
    letter_number: str
    letter_date: date
    received_at: datetime
    cause: str
    period_from: datetime
    period_to: datetime
    duties: tuple[str, ...]
    first_date: date
    last_date: date
    note: str
    scan_id: int | None
    import_id: int | None
    recorded_by: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None

    @property
    def active(self) -> bool:
        """Not withdrawn."""
        return self.withdrawn_at is None

    @property
    def cause_title(self) -> str:
        """The cause in Indonesian."""
        return CAUSES.get(self.cause, self.cause)

    @property
    def duty_titles(self) -> str:
        """`Batch bank (LHP), Surat pernyataan`."""
        return ", ".join(DUTIES.get(d, d) for d in self.duties)

    @property
    def period_text(self) -> str:
        """`20/11/2026 08:00 WIB s.d. 21/11/2026 17:00 WIB`."""
        return f"{waktu_wib(self.period_from)} s.d. {waktu_wib(self.period_to)}"

    @property
    def summary(self) -> str:
        """One sentence naming the letter: an alert's note, a tooltip."""
        text_ = (
            f"Surat pemberitahuan {self.bank_code} No. {self.letter_number} tanggal "
            f"{tanggal_pendek(self.letter_date)} (#{self.notice_id}): {self.cause_title.lower()}, "
            f"{self.period_text}."
        )
        return (f"{text_} {self.note}" if self.note else text_)[:500]

    def excuses(self, bank_code: str, duty: str, due: datetime | None) -> bool:
        """Whether this notice excuses the Kelengkapan `duty` of `bank_code` that fell due at `due`."""
        return (
            self.active
            and due is not None
            and bank_code == self.bank_code
            and any(duty in EXCUSES[d] for d in self.duties)
            and self.period_from <= due <= self.period_to
        )


def acts_for(user: User | None, notice: Notice | None = None) -> frozenset[str]:
    """What `user` may do now: `record` a notice, and `withdraw` `notice` when it is still active."""
    acts = {"record"} if permissions.may(user, RECORD_ACTION) else set()
    if notice is not None and notice.active and permissions.may(user, WITHDRAW_ACTION):
        acts.add("withdraw")
    return frozenset(acts)


def split_duties(value: str) -> tuple[tuple[str, ...], str | None]:
    """`batch;statement` (also `,`, `|` or spaces between) as duty codes, with why it is refused or None."""
    parts = [p for p in value.replace(",", ";").replace("|", ";").replace(" ", ";").lower().split(";") if p]
    if not parts:
        return (), "wajib diisi: paling sedikit satu kewajiban (" + ";".join(DUTIES) + ")"
    unknown = [p for p in parts if p not in DUTIES]
    if unknown:
        return (), f"kewajiban tidak dikenal: {plausibility_shown(unknown[0])}; pilih dari " + ";".join(DUTIES)
    return tuple(d for d in DUTIES if d in parts), None


def plausibility_shown(value: str) -> str:
    """A value safe to quote in a reason (control characters escaped, cut at 60)."""
    cut = value if len(value) <= 60 else value[:60] + "…"
    return plausibility.CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", cut)


def _timestamp(value: str) -> tuple[datetime | None, str | None]:
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        return None, "harus waktu ISO 8601 dengan zona waktu, misalnya 2026-11-20T14:59:59+07:00"
    if parsed.tzinfo is None or "T" not in value.strip().replace(" ", "T", 1):
        return None, "harus waktu ISO 8601 dengan zona waktu, misalnya 2026-11-20T14:59:59+07:00"
    return parsed, None


def _day(value: str) -> tuple[date | None, str | None]:
    try:
        if len(value.strip()) != 10:
            raise ValueError(value)
        return date.fromisoformat(value.strip()), None
    except ValueError:
        return None, "harus tanggal YYYY-MM-DD"


def parse_row(
    values: Mapping[str, str], *, banks: Iterable[str], now: datetime
) -> tuple[NoticeIn | None, list[tuple[str, str]]]:
    """One file row (column -> text) checked as CONTRACT §2 checks every import: the notice, or the problems as
    (column, reason) in Indonesian."""
    problems: list[tuple[str, str]] = []
    bank = values.get("bank_code", "").strip().upper()
    if not bank:
        problems.append(("bank_code", "wajib diisi"))
    elif bank not in set(banks):
        problems.append(("bank_code", f"bank/pos {plausibility_shown(bank)} tidak ada dalam data induk"))
    parsed: dict[str, Any] = {}
    for column in ("letter_date",):
        parsed[column], why = _day(values.get(column, ""))
        if why:
            problems.append((column, why))
    for column in ("received_at", "period_from", "period_to"):
        parsed[column], why = _timestamp(values.get(column, ""))
        if why:
            problems.append((column, why))
    cause = values.get("cause", "").strip().lower()
    if cause not in CAUSES:
        problems.append(("cause", "harus salah satu dari " + ", ".join(CAUSES)))
    duties, why = split_duties(values.get("duties", ""))
    if why:
        problems.append(("duties", why))
    number = " ".join(values.get("letter_number", "").split())
    if not number:
        problems.append(("letter_number", "wajib diisi"))
    if problems:
        return None, problems
    notice = NoticeIn(
        bank,
        number,
        parsed["letter_date"],
        parsed["received_at"],
        cause,
        parsed["period_from"],
        parsed["period_to"],
        duties,
        values.get("note", "").strip(),
    )
    return (None, found) if (found := notice_problems(notice, now=now)) else (notice, [])


def notice_problems(n: NoticeIn, *, now: datetime) -> list[tuple[str, str]]:
    """What makes a notice implausible (CONTRACT §2 second round and the rules of a notice), as (column, reason)."""
    today = now.date()
    out: list[tuple[str, str]] = []
    for column, value in (("letter_number", n.letter_number), ("note", n.note)):
        if (why := plausibility.text_problem(value)) is not None:
            out.append((column, why))
    if (why := plausibility.date_problem(n.letter_date, today=today)) is not None:
        out.append(("letter_date", why))
    if (why := plausibility.received_problem(n.received_at, now=now)) is not None:
        out.append(("received_at", why))
    for column, moment in (("period_from", n.period_from), ("period_to", n.period_to)):
        if (why := plausibility.date_problem(moment.date(), today=today)) is not None:
            out.append((column, why))
    if out:
        return out
    if n.letter_date > n.received_at.date():
        out.append(("letter_date", f"tanggal surat {n.letter_date.isoformat()} sesudah waktu terima"))
    if n.period_to <= n.period_from:
        out.append(("period_to", "akhir periode harus sesudah awal periode"))
    elif n.period_to - n.period_from > MAX_PERIOD:
        out.append(("period_to", f"periode gangguan lebih dari {MAX_PERIOD.days} hari tidak masuk akal"))
    elif n.cause == "force_majeure" and n.period_to - n.period_from <= FORCE_MAJEURE_MIN:
        out.append(
            (
                "period_to",
                "keadaan kahar berarti jaringan terputus lebih dari satu hari (PER-78 Ps.12); "
                "gangguan yang lebih singkat: pilih gangguan komunikasi data atau aplikasi",
            )
        )
    if n.period_from > n.received_at:
        out.append(("period_from", "gangguan diberitahukan sebelum terjadi: awal periode sesudah waktu terima"))
    return out


_COLUMNS = """n.notice_id, n.bank_code, coalesce(b.name, n.bank_code), n.letter_number, n.letter_date, n.received_at,
              n.cause, n.period_from, n.period_to, n.duties, n.first_date, n.last_date, n.note, n.scan_id, n.import_id,
              n.recorded_by, n.recorded_at, n.withdrawn_at, n.withdrawn_by, n.withdrawn_reason"""
_FROM = "disruption_notice n LEFT JOIN bank b ON b.bank_code = n.bank_code"


def _notice(row: object) -> Notice:
    values = list(row)  # type: ignore[call-overload]
    values[9] = tuple(values[9])
    return Notice(*values)


def notices(conn: Connection, *, bank: str | None = None, active_only: bool = False, limit: int = 500) -> list[Notice]:
    """Recorded notices, newest first (one bank's, or only those not withdrawn, when asked)."""
    rows = conn.execute(
        text(f"""SELECT {_COLUMNS} FROM {_FROM}
                                  WHERE (CAST(:bank AS text) IS NULL OR n.bank_code = :bank)
                                    AND (NOT :active OR n.withdrawn_at IS NULL)
                                  ORDER BY n.received_at DESC, n.notice_id DESC LIMIT :limit"""),
        {"bank": bank, "active": active_only, "limit": limit},
    )
    return [_notice(r) for r in rows]


def notice_by_id(conn: Connection, notice_id: int) -> Notice | None:
    """One notice, or None."""
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM {_FROM} WHERE n.notice_id = :id"), {"id": notice_id}).first()
    return None if row is None else _notice(row)


def active_notices(conn: Connection, *, start: datetime, end: datetime) -> list[Notice]:
    """Notices not withdrawn whose period overlaps `start`..`end` (what Kelengkapan reads for a range)."""
    rows = conn.execute(
        text(f"""SELECT {_COLUMNS} FROM {_FROM} WHERE n.withdrawn_at IS NULL
                                    AND n.period_to >= :start AND n.period_from <= :end ORDER BY n.notice_id"""),
        {"start": start, "end": end},
    )
    return [_notice(r) for r in rows]


def business_window(n: NoticeIn, calendar: WorkingCalendar, cutoff: time) -> tuple[date, date]:
    """The business dates whose payments the disruption touched (R3 on the period's ends, the bank's cut-off)."""
    return calendar.business_date_of(n.period_from, cutoff), calendar.business_date_of(n.period_to, cutoff)


def same_letter(conn: Connection, bank_code: str, letter_number: str) -> Notice | None:
    """The active notice with this bank's letter number (case-insensitive), if any."""
    found = conn.execute(
        text("""SELECT notice_id FROM disruption_notice WHERE bank_code = :b
                                    AND lower(letter_number) = lower(:n) AND withdrawn_at IS NULL"""),
        {"b": bank_code, "n": letter_number},
    ).scalar()
    return None if found is None else notice_by_id(conn, int(found))


def identical(stored: Notice, n: NoticeIn) -> bool:
    """The stored notice says what `n` says (a file imported again, or a second copy of the letter)."""
    return (
        stored.letter_date,
        stored.received_at,
        stored.cause,
        stored.period_from,
        stored.period_to,
        stored.duties,
        stored.note,
    ) == (n.letter_date, n.received_at, n.cause, n.period_from, n.period_to, n.duties, n.note)


def store_notice(
    conn: Connection,
    n: NoticeIn,
    *,
    window: tuple[date, date],
    actor: Actor,
    scan_id: int | None = None,
    import_id: int | None = None,
) -> int:
    """Insert a checked notice and audit it (`notice.record`); returns its id."""
    notice_id = int(
        conn.execute(
            text("""
        INSERT INTO disruption_notice (bank_code, letter_number, letter_date, received_at, cause, period_from,
                                       period_to, duties, first_date, last_date, note, scan_id, import_id, recorded_by)
        VALUES (:bank, :number, :letter, :received, :cause, :start, :end, :duties, :first, :last, :note, :scan,
                :import, :by) RETURNING notice_id"""),
            {
                "bank": n.bank_code,
                "number": n.letter_number,
                "letter": n.letter_date,
                "received": n.received_at,
                "cause": n.cause,
                "start": n.period_from,
                "end": n.period_to,
                "duties": list(n.duties),
                "first": window[0],
                "last": window[1],
                "note": n.note,
                "scan": scan_id,
                "import": import_id,
                "by": actor.name,
            },
        ).scalar_one()
    )
    record(
        conn,
        actor,
        "notice.record",
        object_type="disruption_notice",
        object_id=str(notice_id),
        after={
            "bank_code": n.bank_code,
            "letter_number": n.letter_number,
            "letter_date": n.letter_date,
            "received_at": n.received_at,
            "cause": n.cause,
            "period_from": n.period_from,
            "period_to": n.period_to,
            "duties": list(n.duties),
            "note": n.note,
            "scan_id": scan_id,
            "import_id": import_id,
        },
    )
    return notice_id


def acknowledge_alerts(conn: Connection, excused: Mapping[tuple[str, date, str | None], int], *, now: datetime) -> int:
    """Acknowledge the open (or snoozed) alerts of `excused` ((rule, date, bank) -> notice id) with the notice as
    their note, audited as done by the notice; returns how many."""
    done = 0
    found: dict[int, Notice | None] = {}
    for (rule, day, bank), notice_id in sorted(excused.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2] or "")):
        if notice_id not in found:
            found[notice_id] = notice_by_id(conn, notice_id)
        notice = found[notice_id]
        if notice is None:
            continue
        alert_id = conn.execute(
            text("""
            UPDATE alert SET status = 'acknowledged', acknowledged_by = :by, acknowledged_at = :now,
                             snoozed_until = NULL, note = :note,
                             facts = facts || jsonb_build_object('notice_id', CAST(:notice AS bigint))
             WHERE rule = :rule AND business_date = :day AND bank_code = :bank AND status IN ('open', 'snoozed')
            RETURNING alert_id"""),
            {
                "by": ACKNOWLEDGER.name,
                "now": now,
                "note": notice.summary,
                "notice": notice_id,
                "rule": rule,
                "day": day,
                "bank": bank,
            },
        ).scalar()
        if alert_id is not None:
            record(
                conn,
                ACKNOWLEDGER,
                "alert.acknowledge",
                object_type="alert",
                object_id=str(alert_id),
                after={"status": "acknowledged", "rule": rule, "notice_id": notice_id, "note": notice.summary},
            )
            done += 1
    return done


def release_alerts(conn: Connection, notice_id: int, *, actor: Actor) -> int:
    """Alerts a withdrawn notice acknowledged read open again (audited); returns how many."""
    ids = list(
        conn.execute(
            text("""
        UPDATE alert SET status = 'open', acknowledged_by = NULL, acknowledged_at = NULL, note = '',
                         facts = facts - 'notice_id'
         WHERE status = 'acknowledged' AND facts ->> 'notice_id' = CAST(:n AS text) RETURNING alert_id"""),
            {"n": notice_id},
        ).scalars()
    )
    for alert_id in ids:
        record(
            conn,
            actor,
            "alert.reopen",
            object_type="alert",
            object_id=str(alert_id),
            after={"status": "open", "withdrawn_notice_id": notice_id},
        )
    return len(ids)
