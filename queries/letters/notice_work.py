"""Recording and withdrawing disruption notices, with their effects; nothing here commits.

Recording a notice (from the page's form or `mpn import notices`) stores it, links the bank's Berita Acara that cite a
communication or application failure in its period (KEP-162 Ps.6(1) a-b) and acknowledges the open alerts of the
duties it excuses, with the notice as their note. Withdrawing it (a reason is required) undoes both: the alerts read
open again, the Berita Acara link to another notice or none. Both are audited. `catchup` reads what the
force-majeure catch-up did (R14): the `notice_catchup` rows the reconciliation's trigger wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, text

from queries import config, permissions, plausibility
from queries.accounts.audit import Actor, record
from queries.accounts.users import User, user_by_name
from queries.alerts.duties import duty_states
from queries.calendar import calendar_from_db
from queries.letters.notices import (
    EXCUSED,
    RECORD_ACTION,
    WITHDRAW_ACTION,
    Notice,
    NoticeIn,
    NoticeRefused,
    acknowledge_alerts,
    business_window,
    identical,
    notice_by_id,
    notice_problems,
    release_alerts,
    same_letter,
    store_notice,
)
from queries.letters.statement_entry import StatementRefused, store_scan
from queries.monitoring.completeness import BankDay, bank_days
from queries.reconciliation.berita_acara import link_berita_acara
from queries.settings import current_settings

#: How far before a notice's period a business date's duty can still fall due inside it (statement deadlines).
LOOKBACK = timedelta(days=21)
FIELD_TITLES = {
    "bank_code": "Bank/pos",
    "letter_number": "Nomor surat",
    "letter_date": "Tanggal surat",
    "received_at": "Waktu terima",
    "cause": "Penyebab",
    "period_from": "Awal gangguan",
    "period_to": "Akhir gangguan",
    "duties": "Kewajiban",
    "note": "Catatan",
}


@dataclass(frozen=True, slots=True)
class Catchup:
    """One reconciliation of a date in a force-majeure notice's window: matched before and after."""

    business_date: date
    run_id: int
    at: datetime
    mpn_before: int
    mpn_after: int
    matched_before: int
    matched_after: int
    amount_before: int
    amount_after: int


@dataclass(frozen=True, slots=True)
class Excused:
    """A duty the notice excuses: its date, the Kelengkapan duty, and whether it was done late or is still undone."""

    business_date: date
    duty: str
    plain_state: str
    due: datetime


def record_checked(
    conn: Connection,
    n: NoticeIn,
    *,
    actor: Actor,
    now: datetime,
    scan_id: int | None = None,
    import_id: int | None = None,
) -> tuple[int, bool]:
    """Store a checked notice (the same letter already recorded with the same content: its id, not stored again)
    and apply its effects; returns (notice id, stored). A different content for an active letter number is refused:
    a notice is never edited silently."""
    earlier = same_letter(conn, n.bank_code, n.letter_number)
    if earlier is not None:
        if identical(earlier, n):
            return earlier.notice_id, False
        raise NoticeRefused(
            f"Surat pemberitahuan {n.bank_code} No. {n.letter_number} sudah tercatat "
            f"(#{earlier.notice_id}) dengan isi lain; tarik dulu yang lama untuk menggantinya."
        )
    cutoff = conn.execute(text("SELECT cutoff FROM bank WHERE bank_code = :b"), {"b": n.bank_code}).scalar()
    window = business_window(n, calendar_from_db(conn), cutoff or time(15))
    notice_id = store_notice(conn, n, window=window, actor=actor, scan_id=scan_id, import_id=import_id)
    notice = notice_by_id(conn, notice_id)
    assert notice is not None  # noqa: S101 - inserted above
    link_berita_acara(conn, bank_code=n.bank_code)
    acknowledge_for(conn, notice, now=now)
    return notice_id, True


def record_notice(
    conn: Connection,
    notice: NoticeIn,
    *,
    actor: User,
    scan_file: tuple[str, bytes] | None = None,
    now: datetime | None = None,
) -> int:
    """The form: check the role and the notice, keep the scanned letter (PDF, as statement letters' scans), store."""
    user = _acting(conn, actor, RECORD_ACTION, "mencatat surat pemberitahuan")
    now = now or config.now()
    if conn.execute(text("SELECT 1 FROM bank WHERE bank_code = :b"), {"b": notice.bank_code}).first() is None:
        raise NoticeRefused(f"Bank/pos {notice.bank_code or '-'} tidak ada dalam data induk.")
    if not notice.duties:
        raise NoticeRefused("Pilih paling sedikit satu kewajiban yang terdampak.")
    found = notice_problems(notice, now=now)
    if found:
        column, why = found[0]
        raise NoticeRefused(f"{FIELD_TITLES[column]}: {why}.")
    scan_id = None
    if scan_file is not None:
        try:
            scan_id = store_scan(conn, file_name=scan_file[0], content=scan_file[1], uploaded_by=user.username)
        except StatementRefused as exc:
            raise NoticeRefused(exc.message) from None
    notice_id, _ = record_checked(conn, notice, actor=user.actor(), now=now, scan_id=scan_id)
    return notice_id


def withdraw_notice(
    conn: Connection, notice_id: int, *, actor: User, reason: str, now: datetime | None = None
) -> Notice:
    """Withdraw a notice with a reason (audited): it excuses nothing from now on; its alerts read open again."""
    user = _acting(conn, actor, WITHDRAW_ACTION, "menarik surat pemberitahuan")
    why, problem = plausibility.form_text(reason, "Alasan penarikan", multiline=True)
    if problem:
        raise NoticeRefused(problem)
    notice = notice_by_id(conn, notice_id)
    if notice is None:
        raise NoticeRefused(f"Surat pemberitahuan #{notice_id} tidak ditemukan.")
    if not notice.active:
        raise NoticeRefused(f"Surat pemberitahuan #{notice_id} sudah ditarik pada {notice.withdrawn_at:%d-%m-%Y}.")
    conn.execute(
        text("""UPDATE disruption_notice SET withdrawn_at = :now, withdrawn_by = :by, withdrawn_reason = :why
                          WHERE notice_id = :id"""),
        {"now": now or config.now(), "by": user.username, "why": why, "id": notice_id},
    )
    record(
        conn,
        user.actor(),
        "notice.withdraw",
        object_type="disruption_notice",
        object_id=str(notice_id),
        before={"withdrawn": False},
        after={"withdrawn": True, "reason": why},
    )
    conn.execute(text("UPDATE berita_acara SET notice_id = NULL WHERE notice_id = :id"), {"id": notice_id})
    link_berita_acara(conn, bank_code=notice.bank_code)
    release_alerts(conn, notice_id, actor=user.actor())
    withdrawn = notice_by_id(conn, notice_id)
    assert withdrawn is not None  # noqa: S101 - read above
    return withdrawn


def _acting(conn: Connection, actor: User, action: str, what: str) -> User:
    """The actor as stored now, refused when inactive or their role does not hold `action`."""
    user = user_by_name(conn, actor.username)
    if user is None or not user.active:
        raise NoticeRefused("Akun Anda tidak aktif; hubungi administrator.")
    permissions.require(user, action, what, NoticeRefused)
    return user


def acknowledge_for(conn: Connection, notice: Notice, *, now: datetime) -> int:
    """Acknowledge the open alerts of the duties `notice` excuses; returns how many."""
    first, last = _days(notice)
    dues = duty_states(
        conn, first=first, last=last, now=now, settings=current_settings(conn), calendar=calendar_from_db(conn)
    )
    mine = {key: notice.notice_id for key, s in dues.items() if s.notice_id == notice.notice_id}
    return acknowledge_alerts(conn, mine, now=now)


def _days(notice: Notice) -> tuple[date, date]:
    tz = config.timezone()
    return (notice.period_from.astimezone(tz).date() - LOOKBACK, notice.period_to.astimezone(tz).date())


def excused_by(conn: Connection, notice: Notice, *, now: datetime) -> list[Excused]:
    """The duties of the notice's bank that it excuses as of `now` (Kelengkapan's `excused` cells)."""
    first, last = _days(notice)
    rows: list[BankDay] = [
        r for r in bank_days(conn, first=first, last=last, now=now) if r.bank_code == notice.bank_code
    ]
    return [
        Excused(r.business_date, s.duty, s.plain_state, s.due)
        for r in rows
        for s in r.duties.values()
        if s.state == EXCUSED and s.notice_id == notice.notice_id and s.due is not None
    ]


def catchup(conn: Connection, notice_id: int) -> list[Catchup]:
    """Each reconciliation of the window's dates for the notice's bank since it was recorded, oldest first."""
    rows = conn.execute(
        text("""SELECT business_date, run_id, at, mpn_before, mpn_after, matched_before, matched_after,
                                       amount_before, amount_after FROM notice_catchup
                                 WHERE notice_id = :id ORDER BY business_date, run_id"""),
        {"id": notice_id},
    )
    return [Catchup(*r) for r in rows]


__all__ = [
    "Catchup",
    "Excused",
    "acknowledge_for",
    "catchup",
    "excused_by",
    "record_checked",
    "record_notice",
    "withdraw_notice",
]
