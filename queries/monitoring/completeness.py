"""Is a business date complete? Per collecting agent, each duty's time against its deadline (DOMAIN §6, Kasubdit).

One row per bank with anything on the date (MPN payments, a current batch, a current statement letter) and one
`DutyStatus` per duty, whose state is `done` (on time), `late` (done after the deadline), `missing` (not done,
deadline passed), `waiting` (not done, deadline still ahead), `na` (nothing expected) or `anomaly` (its times
cannot be true: after now, a result before its batch, a confirmation before its preparation;
`queries.timeline`
names the reason, and such a duty is expected but never counted as done):

- `mpn`: MPN data received (`mpn_bank_day.payment_count > 0`); expected when the bank sent a batch, due with it;
- `batch`: the current bank batch by 16:00 WIB on the business date (PER-78 Ps.9(5));
- `recon`: the result within one hour of the current batch (R5,
`queries.reconciliation.bank_results.delivery_times`: from that
  batch's arrival to the mail server's acceptance of the message carrying its result to the bank's head office);
- `statement`: the statement letter by `queries.letters.statements.deadline` (its status comes from `statement_cells`;
  a letter that disagrees with the batch is not done);
- `appeal`: the appeal letter asking for that letter, where one is out (answered: done; sent and past its
  reply period: late; any earlier step: waiting). Shown and counted, but not in the score: the missing
  statement it chases already is;
- `sidjp`, `sipmod`: every distributed row of the bank confirmed by the target, by `DISTRIBUTION_DUE` on the
  day the statement letter is due (design: the regulation names no hour). Held rows make it not done.

Every comparison uses the `now` given, so tests and history replay are exact. The distribution duties avoid
scanning `dist_item` (millions of rows a day, no index by bank): only rows in batches that are unconfirmed or
confirmed late are looked up by the batch key; a bank none of whose rows are in such a batch is confirmed on
time, and its time shown is the target's last on-time confirmation of the date (an upper bound).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, text

from queries import config, labels
from queries.accounts.users import ROLES
from queries.calendar import WIB, WorkingCalendar, calendar_from_db
from queries.distribution.prepare import REASONS
from queries.letters.appeals import STATUSES as APPEAL_STATUSES
from queries.letters.appeals import AppealLetter, appeal_letters
from queries.letters.notices import EXCUSED, Notice, active_notices
from queries.letters.statements import StatementCell, deadline, statement_cells
from queries.monitoring.completeness_kept import kept_rows
from queries.plausibility import UNKNOWN_TIME
from queries.reconciliation.bank_results import delivery_times
from queries.reconciliation.classify import RESULT_DEADLINE_MINUTES
from queries.settings import Settings, current_settings
from queries.timeline import ANOMALY, delivery_anomaly, in_future, received_anomaly, result_anomaly

#: PER-78 Ps.9(5): the bank batch is due by 16:00 WIB on the business date.
BATCH_DUE = time(16, 0)
#: Design: the data is distributed and confirmed by the end of the day its statement letter is due.
DISTRIBUTION_DUE = time(17, 0)
TREND_DAYS = 30

#: The duties, in the matrix's column order, with their Indonesian titles.
DUTIES: dict[str, str] = {
    "mpn": "Data MPN",
    "batch": "Batch bank",
    "recon": "Rekonsiliasi",
    "statement": "Surat pernyataan",
    "appeal": "Surat himbauan",
    "sidjp": "SIDJP",
    "sipmod": "SIPMOD",
}
#: Duties the completeness score counts.
SCORED: tuple[str, ...] = ("mpn", "batch", "recon", "statement", "sidjp", "sipmod")
#: States with their Indonesian labels: the one set in `queries.labels`.
STATES: dict[str, str] = labels.STATES
TARGETS = ("sidjp", "sipmod")


@dataclass(frozen=True, slots=True)
class DutyStatus:
    """One duty of one bank and date: its state, when it was done, its deadline, a short note, the letter to open."""

    duty: str
    state: str
    at: datetime | None = None
    due: datetime | None = None
    note: str = ""
    letter_id: int | None = None
    notice_id: int | None = None  # the disruption notice that excuses it (state `excused`)
    plain_state: str = ""  # what an excused duty would read without its notice: `late` or `missing`

    @property
    def state_title(self) -> str:
        """The state in Indonesian."""
        return STATES[self.state]


@dataclass(frozen=True, slots=True)
class BankDay:
    """One collecting agent on one business date, with a status per duty of `DUTIES`."""

    bank_code: str
    bank_name: str
    bank_kind: str
    business_date: date
    duties: Mapping[str, DutyStatus]

    def status(self, duty: str) -> DutyStatus:
        """The duty's status (`na` when it does not apply)."""
        return self.duties.get(duty) or DutyStatus(duty, "na")


@dataclass(frozen=True, slots=True)
class Score:
    """Done on time over expected (done, late, missing or anomaly) of the scored duties; counts per duty."""

    done: int
    expected: int
    waiting: int
    late: Mapping[str, int] = field(default_factory=dict)
    missing: Mapping[str, int] = field(default_factory=dict)
    anomaly: Mapping[str, int] = field(default_factory=dict)
    excused: Mapping[str, int] = field(default_factory=dict)

    @property
    def excused_count(self) -> int:
        """Cells of the scored duties late or missing with a bank's disruption notice (counted apart)."""
        return sum(self.excused.get(d, 0) for d in SCORED)

    @property
    def share_excusing(self) -> float | None:
        """The score with the excused duties set aside (neither done nor expected), None when nothing is left."""
        rest = self.expected - self.excused_count
        return self.done / rest if rest > 0 else None

    @property
    def anomalies(self) -> int:
        """Cells of the scored duties whose times are impossible."""
        return sum(self.anomaly.get(d, 0) for d in SCORED)

    @property
    def share(self) -> float | None:
        """0..1, None when nothing was due or done yet."""
        return self.done / self.expected if self.expected else None


@dataclass(frozen=True, slots=True)
class DayCompleteness:
    """A business date's matrix and its score, as of `now`."""

    business_date: date
    now: datetime
    rows: tuple[BankDay, ...]
    score: Score


@dataclass(frozen=True, slots=True)
class DayScore:
    """One business date's score (the trend chart)."""

    business_date: date
    score: Score


@dataclass(frozen=True, slots=True)
class PendingApprovals:
    """Approval requests waiting for one role, per kind: who holds the work."""

    role: str
    kind: str
    count: int
    oldest: datetime

    @property
    def role_title(self) -> str:
        """The role in Indonesian."""
        return ROLES.get(self.role, self.role)


def state_of(done_at: datetime | None, due: datetime | None, now: datetime, *, on_time: bool | None = None) -> str:
    """`done`/`late` when done (on time unless `on_time` says otherwise, else by `due`), else `missing` past the
    deadline and `waiting` before it (a deadline moment itself is still on time)."""
    if done_at is not None:
        if on_time is None:
            on_time = due is None or done_at <= due
        return "done" if on_time else "late"
    return "missing" if due is not None and now > due else "waiting"


def batch_due(day: date) -> datetime:
    """16:00 WIB on the business date (PER-78 Ps.9(5))."""
    return datetime.combine(day, BATCH_DUE, tzinfo=WIB)


def distribution_due(day: date, settings: Settings, calendar: WorkingCalendar) -> datetime:
    """`DISTRIBUTION_DUE` on the day the date's statement letter is due (schedule time zone)."""
    return datetime.combine(deadline(day, settings, calendar).date(), DISTRIBUTION_DUE, tzinfo=config.timezone())


_MPN_FILES = text("""
SELECT CAST(d AS date), max(f.received_at)
  FROM import_file f CROSS JOIN LATERAL generate_series(greatest(f.first_date, CAST(:first AS date)),
                                                        least(f.last_date, CAST(:last AS date)), interval '1 day') d
 WHERE f.kind = 'mpn' AND f.status = 'imported' AND f.first_date <= :last AND f.last_date >= :first
 GROUP BY 1
""")

_ROUNDS = text("""
WITH live AS (
    SELECT distribution_id, business_date, row_number() OVER (PARTITION BY business_date
                                                              ORDER BY distribution_id DESC) AS newest
      FROM distribution WHERE business_date BETWEEN :first AND :last AND status <> 'discarded'
)
SELECT l.business_date, h.bank_code, string_agg(h.reason, ',' ORDER BY h.reason)
  FROM live l LEFT JOIN dist_held h ON h.distribution_id = l.distribution_id
 WHERE l.newest = 1
 GROUP BY l.business_date, h.bank_code
""")

_TARGETS = text("""
WITH due AS (
    SELECT * FROM unnest(CAST(:days AS date[]), CAST(:dues AS timestamptz[])) AS x(business_date, due)
)
SELECT d.business_date, b.target, max(b.confirmed_at)
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
  JOIN due ON due.business_date = d.business_date
 WHERE d.status NOT IN ('discarded', 'prepared') AND b.state = 'confirmed' AND b.confirmed_at <= due.due
 GROUP BY d.business_date, b.target
""")

# Batches that are not (yet) confirmed, or were confirmed after the deadline, and the banks whose rows they carry:
# the only place `dist_item` is read, through its batch index (`ix_dist_item_batch`).
_LAGGING = text("""
WITH due AS (
    SELECT * FROM unnest(CAST(:days AS date[]), CAST(:dues AS timestamptz[])) AS x(business_date, due)
), odd AS (
    SELECT b.distribution_id, b.kpp_code, b.chunk, d.business_date, b.target,
           (b.state = 'confirmed' AND d.status <> 'prepared') AS confirmed, b.confirmed_at, d.prepared_at
      FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
      JOIN due ON due.business_date = d.business_date
     WHERE d.status <> 'discarded' AND (b.state <> 'confirmed' OR d.status = 'prepared' OR b.confirmed_at > due.due
                                       OR b.confirmed_at < d.prepared_at OR b.confirmed_at > CAST(:now AS timestamptz))
), bank_chunk AS (
    SELECT DISTINCT c.distribution_id, c.kpp_code, c.chunk, i.bank_code
      FROM (SELECT DISTINCT distribution_id, kpp_code, chunk FROM odd) c
      JOIN dist_item i ON i.distribution_id = c.distribution_id AND i.kpp_code = c.kpp_code AND i.chunk = c.chunk
)
SELECT bc.bank_code, o.business_date, o.target, bool_and(o.confirmed), max(o.confirmed_at),
       min(o.prepared_at) FILTER (WHERE o.confirmed_at < o.prepared_at)
  FROM odd o JOIN bank_chunk bc
    ON bc.distribution_id = o.distribution_id AND bc.kpp_code = o.kpp_code AND bc.chunk = o.chunk
 GROUP BY bc.bank_code, o.business_date, o.target
""")


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the range's small queries found, keyed for the per-cell decisions."""

    batches: dict[tuple[str, date], tuple[datetime | None, datetime | None, float | None, str]]
    mpn_files: dict[date, datetime]
    rounds: set[date]
    held: dict[tuple[str, date], str]
    on_time: dict[tuple[date, str], datetime]
    lagging: dict[tuple[str, date, str], tuple[bool, datetime | None, datetime | None]]
    letters: dict[int, AppealLetter]


def _facts(
    conn: Connection, first: date, last: date, dues: dict[date, datetime], sent: Sequence[int], now: datetime
) -> _Facts:
    span = {"first": first, "last": last}
    batches = {
        key: (d.batch_received_at, *d.r5, d.waiting_note)
        for key, d in delivery_times(conn, first=first, last=last).items()
    }
    mpn_files = {r[0]: r[1] for r in conn.execute(_MPN_FILES, span)}
    rounds: set[date] = set()
    held: dict[tuple[str, date], str] = {}
    for day, bank, reasons in conn.execute(_ROUNDS, span):
        rounds.add(day)
        if bank is not None:
            held[(bank, day)] = reasons
    by_due = {"days": list(dues), "dues": list(dues.values()), "now": now}
    on_time = {(r[0], r[1]): r[2] for r in conn.execute(_TARGETS, by_due)} if rounds else {}
    lagging = {(r[0], r[1], r[2]): (bool(r[3]), r[4], r[5]) for r in conn.execute(_LAGGING, by_due)} if rounds else {}
    letters = {a.letter_id: a for a in appeal_letters(conn, statuses=("sent",), ids=sent)}
    return _Facts(batches, mpn_files, rounds, held, on_time, lagging, letters)


def _statement(cell: StatementCell, now: datetime) -> DutyStatus:
    # a stored time that cannot be true (queries.letters.statements): neither on time nor late
    if cell.status == "anomaly":
        return DutyStatus("statement", ANOMALY, None, cell.deadline, UNKNOWN_TIME.format(what="terima surat"))
    odd = received_anomaly(cell.received_at, cell.business_date, now, "surat pernyataan")
    if odd:
        return DutyStatus("statement", ANOMALY, cell.received_at, cell.deadline, odd)
    if cell.status == "mismatch":
        return DutyStatus(
            "statement", state_of(None, cell.deadline, now), cell.received_at, cell.deadline, "Tidak sesuai batch"
        )
    return DutyStatus("statement", state_of(cell.received_at, cell.deadline, now), cell.received_at, cell.deadline)


def _appeal(cell: StatementCell, facts: _Facts, now: datetime) -> DutyStatus:
    if cell.appeal_letter_id is None or cell.appeal_status in (None, "void"):
        return DutyStatus("appeal", "na")
    status, letter_id = str(cell.appeal_status), cell.appeal_letter_id
    note = APPEAL_STATUSES.get(status, status)
    if status == "answered":
        return DutyStatus("appeal", "done", note=note, letter_id=letter_id)
    sent = facts.letters.get(letter_id)
    tz = config.timezone()
    due = None if sent is None or sent.due_on is None else datetime.combine(sent.due_on, time(23, 59, 59), tz)
    at = None if sent is None or sent.sent_on is None else datetime.combine(sent.sent_on, time(0), tz)
    if sent is not None and sent.overdue(now.astimezone(tz).date()):
        return DutyStatus("appeal", "late", at, due, "Lewat batas jawaban: eskalasi", letter_id)
    return DutyStatus("appeal", "waiting", at, due, note, letter_id)


def _distribution(target: str, cell: StatementCell, facts: _Facts, due: datetime, now: datetime) -> DutyStatus:
    bank, day = cell.bank_code, cell.business_date
    if cell.mpn_count == 0:
        return DutyStatus(target, "na")
    if day not in facts.rounds:
        return DutyStatus(target, state_of(None, due, now), None, due, "Belum disiapkan")
    if (bank, day) in facts.held:
        reasons = "; ".join(REASONS.get(r, r) for r in facts.held[(bank, day)].split(","))
        return DutyStatus(target, state_of(None, due, now), None, due, f"Ditahan: {reasons}")
    lag = facts.lagging.get((bank, day, target))
    if lag is not None:
        confirmed, at, prepared = lag
        odd = delivery_anomaly(prepared, at, now) if confirmed else None
        if odd:
            return DutyStatus(target, ANOMALY, at, due, odd)
        if not confirmed:
            return DutyStatus(target, state_of(None, due, now), None, due, "Belum terkonfirmasi")
        return DutyStatus(target, "late", at, due)
    at = facts.on_time.get((day, target))
    if at is None:  # the date's rounds carry no row of this bank (all its payments reversed)
        return DutyStatus(target, "na")
    return DutyStatus(target, "done", at, due)


def _batch(received: datetime | None, day: date, now: datetime) -> DutyStatus:
    odd = received_anomaly(received, day, now, "batch")
    if odd:
        return DutyStatus("batch", ANOMALY, received, batch_due(day), odd)
    return DutyStatus("batch", state_of(received, batch_due(day), now), received, batch_due(day))


def _recon(
    received: datetime, result_at: datetime | None, minutes: float | None, waiting: str, now: datetime
) -> DutyStatus:
    """R5: the result of the current batch accepted by the mail server for the bank within the hour (`waiting`: why
    not yet); an impossible timing is an anomaly."""
    limit = received + timedelta(minutes=RESULT_DEADLINE_MINUTES)
    odd = result_anomaly(received, result_at, minutes, now)
    if odd:
        return DutyStatus("recon", ANOMALY, result_at, limit, odd)
    on_time = None if minutes is None else minutes <= RESULT_DEADLINE_MINUTES
    note = waiting if minutes is None else f"terkirim ke bank {minutes:g} menit setelah batch"
    return DutyStatus("recon", state_of(result_at, limit, now, on_time=on_time), result_at, limit, note)


def _row(cell: StatementCell, facts: _Facts, dist_due: datetime, now: datetime) -> BankDay:
    bank, day = cell.bank_code, cell.business_date
    found = facts.batches.get((bank, day))
    has_batch = cell.batch_count is not None
    duties: dict[str, DutyStatus] = {}
    if cell.mpn_count > 0:
        arrived = facts.mpn_files.get(day)
        odd = in_future(arrived, now, "terima data MPN")
        duties["mpn"] = DutyStatus("mpn", ANOMALY if odd else "done", arrived, note=odd or "")
    elif has_batch:
        duties["mpn"] = DutyStatus(
            "mpn", state_of(None, batch_due(day), now), None, batch_due(day), "Batch ada, data MPN belum"
        )
    if found is not None and found[0] is None:  # the batch is there, its stored time cannot be true (queries.db)
        unknown = UNKNOWN_TIME.format(what="terima batch")
        duties["batch"] = DutyStatus("batch", ANOMALY, None, batch_due(day), unknown)
        duties["recon"] = DutyStatus("recon", ANOMALY, found[1], None, unknown)
    elif cell.mpn_count > 0 or has_batch:
        duties["batch"] = _batch(found[0] if found else None, day, now)
    if found is not None and (received := found[0]) is not None:
        duties["recon"] = _recon(received, *found[1:], now)
    duties["statement"] = _statement(cell, now)
    duties["appeal"] = _appeal(cell, facts, now)
    for target in TARGETS:
        duties[target] = _distribution(target, cell, facts, dist_due, now)
    return BankDay(
        bank, cell.bank_name, cell.bank_kind, day, {duty: duties.get(duty) or DutyStatus(duty, "na") for duty in DUTIES}
    )


def bank_days(
    conn: Connection,
    *,
    first: date,
    last: date,
    now: datetime,
    settings: Settings | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[BankDay]:
    """Every (bank, business date) of `first`..`last` with anything that day, each duty's status as of `now`.

    A handful of small queries for the whole range (the trend asks for 30 working days at once).
    """
    if last < first:
        return []
    settings = settings or current_settings(conn)
    calendar = calendar or calendar_from_db(conn)
    cells = statement_cells(conn, first=first, last=last, settings=settings, calendar=calendar)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    dues = {d: distribution_due(d, settings, calendar) for d in days}
    sent = sorted({c.appeal_letter_id for c in cells if c.appeal_status == "sent" and c.appeal_letter_id is not None})
    facts = _facts(conn, first, last, dues, sent, now)
    rows = [_row(cell, facts, dues[cell.business_date], now) for cell in cells]
    tz = config.timezone()
    found = active_notices(
        conn,
        start=datetime.combine(first, time(0), tz),
        end=datetime.combine(last + timedelta(days=NOTICE_REACH_DAYS), time(0), tz),
    )
    return [excuse(row, found) for row in rows] if found else rows


#: How far after a business date its duties can fall due (statement letters, distribution): notices read that far.
NOTICE_REACH_DAYS = 31


def excuse(row: BankDay, notices: Sequence[Notice]) -> BankDay:
    """The row with each late or missing duty that fell due inside a notice's period (of its bank, naming the duty)
    read `excused`, linked to the notice (excused: counted apart, never hidden)."""
    changed = {}
    for duty, status in row.duties.items():
        if status.state not in ("late", "missing"):
            continue
        notice = next((n for n in reversed(notices) if n.excuses(row.bank_code, duty, status.due)), None)
        if notice is not None:
            note = f"Pemberitahuan No. {notice.letter_number} ({notice.cause_title.lower()})"
            changed[duty] = replace(
                status,
                state=EXCUSED,
                notice_id=notice.notice_id,
                plain_state=status.state,
                note=f"{status.note}; {note}" if status.note else note,
            )
    return replace(row, duties={**row.duties, **changed}) if changed else row


def score(rows: Sequence[BankDay]) -> Score:
    """The share of expected duties (`SCORED`) done on time, and the late, missing and anomalies per duty (all duties).

    An anomaly (impossible times) is expected and never done: it lowers the score until its data are corrected.
    """
    done = expected = waiting = 0
    late = dict.fromkeys(DUTIES, 0)
    missing = dict.fromkeys(DUTIES, 0)
    anomaly = dict.fromkeys(DUTIES, 0)
    excused = dict.fromkeys(DUTIES, 0)
    for row in rows:
        for duty in DUTIES:
            state = row.status(duty).state
            late[duty] += state == "late"
            missing[duty] += state == "missing"
            anomaly[duty] += state == ANOMALY
            excused[duty] += state == EXCUSED
            if duty in SCORED:
                done += state == "done"
                expected += state in ("done", "late", "missing", ANOMALY, EXCUSED)
                waiting += state == "waiting"
    return Score(done, expected, waiting, late, missing, anomaly, excused)


def day_completeness(conn: Connection, *, business_date: date, now: datetime) -> DayCompleteness:
    """The business date's matrix (banks with the most missing and late first) and its score."""
    rows = bank_days(conn, first=business_date, last=business_date, now=now)
    bad = {
        r.bank_code: sum(r.status(d).state in ("missing", ANOMALY) for d in DUTIES) * 100
        + sum(r.status(d).state == "late" for d in DUTIES)
        for r in rows
    }
    ordered = sorted(rows, key=lambda r: -bad[r.bank_code])  # stable: bank kind and code otherwise
    return DayCompleteness(business_date, now, tuple(ordered), score(rows))


def score_trend(conn: Connection, *, until: date, now: datetime, days: int = TREND_DAYS) -> list[DayScore]:
    """The score of each of the last `days` working days up to `until`, oldest first (one range read)."""
    calendar = calendar_from_db(conn)
    wanted = calendar.last_working_days(days, until)
    # Settled dates are kept with a fingerprint of their inputs (queries.monitoring.completeness_kept): only the
    # others are read.
    by_day = kept_rows(
        conn, wanted, now, lambda first, last: bank_days(conn, first=first, last=last, now=now, calendar=calendar)
    )
    return [DayScore(d, score(by_day[d])) for d in wanted]


def default_day(conn: Connection, now: datetime) -> date:
    """Today when it is a working day, else the last working day before it (schedule time zone)."""
    return calendar_from_db(conn).previous_or_same(now.astimezone(config.timezone()).date())


def pending_approvals(conn: Connection) -> list[PendingApprovals]:
    """Pending approval requests per role whose turn it is and kind, with the oldest (most waiting first)."""
    rows = conn.execute(
        text("""
        SELECT r.steps[1 + (SELECT count(*) FROM approval_decision d
                             WHERE d.request_id = r.request_id AND d.decision = 'approved')::int] AS role,
               r.kind, count(*), min(r.made_at)
          FROM approval_request r WHERE r.status = 'pending'
         GROUP BY 1, 2 ORDER BY 3 DESC, 4""")
    )
    return [PendingApprovals(r[0], r[1], int(r[2]), r[3]) for r in rows]
