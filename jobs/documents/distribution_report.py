"""The end-of-distribution report (SE-127 step 18): what went to SIDJP and SIPMOD, what was held, who approved,
how long it took, and the audit head it stands on; as PDF and XLSX, kept on file in `dist_report`.

`report_data` reads one business date (tens of rows, plus the attempt count); `report_pdf` and `report_xlsx`
render it (the PDF is pure: the same data gives the same bytes, its only time is `made_at`); `make_report`
reads, renders and keeps one format; `keep_reports` is the delivery's hook, making both once a round is
delivered. Nothing here commits a caller's transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from jobs.documents import tabular
from jobs.documents.exports import labelled_columns, labelled_rows, title_rows
from jobs.documents.pdf_style import Column, Document, date_words, draw_letterhead, latin1, table
from queries.accounts import approvals
from queries.accounts.approvals import Approval
from queries.accounts.audit import Actor, ChainCheck, record, verify_chain
from queries.accounts.users import ROLES, user_by_name
from queries.distribution.prepare import KIND, REASONS, TARGET_TITLES, TARGETS, Distribution, Held, distributions, held
from queries.formatting import WIB, angka, rupiah, tanggal_panjang, tanggal_pendek, waktu_wib
from queries.labels import STATUS_WORDS, actor_name
from queries.labels import TARGETS as TARGET_LABELS
from queries.labels import label as label_of
from queries.letters.appeals import AppealLetter, overdue_letters
from queries.settings import Settings, current_settings

log = logging.getLogger(__name__)
TITLE = "LAPORAN PELAKSANAAN DISTRIBUSI DAN MONITORING DATA MPN"
FORMATS = ("pdf", "xlsx")
ATTEMPT_CAP = 100_000  # rows of the XLSX attempt log
SYSTEM_MAKER = "system:distribution"
DECISIONS = {"approved": "Disetujui", "rejected": "Dikembalikan"}


class NoDistribution(LookupError):
    """The business date has no distribution to report on; `message` says so, in Indonesian."""

    def __init__(self, business_date: date) -> None:
        self.message = f"Tidak ada distribusi untuk tanggal buku {business_date:%d-%m-%Y}; tidak ada yang dilaporkan."
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class Person:
    """An account as the report names it."""

    username: str
    full_name: str
    nip: str

    @property
    def name(self) -> str:
        """Full name when known, else the user name."""
        return self.full_name or self.username


@dataclass(frozen=True, slots=True)
class ApprovalLine:
    """One line of a round's approval history: the request itself (step 0) or one step's decision."""

    round: int
    request_id: int
    step: int
    role: str
    who: str
    outcome: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class RoundLine:
    """One round with who prepared it and who approved each step (or returned it) and when."""

    distribution: Distribution
    prepared_by: str
    request_status: str
    requested_by: str
    kasi: str
    kasubdit: str
    first_post_at: datetime | None
    last_confirmed_at: datetime | None
    all_confirmed: bool


@dataclass(frozen=True, slots=True)
class KppLine:
    """Per target and KPP: batches, rows and amount prepared, confirmed, failed; attempts."""

    target: str
    kpp_code: str
    kpp_name: str
    batches: int
    rows: int
    amount: int
    rows_confirmed: int
    amount_confirmed: int
    rows_failed: int
    amount_failed: int
    attempts: int


@dataclass(frozen=True, slots=True)
class TargetTiming:
    """Per target: attempts, confirmed ones, median and p95 latency (ms), first POST, last confirmation."""

    target: str
    attempts: int
    confirmed: int
    median_ms: float | None
    p95_ms: float | None
    first_post_at: datetime | None
    last_confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class KppAvailable:
    """A KPP whose batches both targets confirmed: its data is available to it since `since` (step 17)."""

    kpp_code: str
    kpp_name: str
    rows: int
    amount: int
    since: datetime


@dataclass(frozen=True, slots=True)
class DistributionReportData:
    """Everything the report shows, read at `made_at`."""

    business_date: date
    made_at: datetime
    made_by: str
    signer: Person | None
    rounds: tuple[RoundLine, ...]
    approvals: tuple[ApprovalLine, ...]
    per_kpp: tuple[KppLine, ...]
    held: tuple[Held, ...]
    timings: tuple[TargetTiming, ...]
    available: tuple[KppAvailable, ...]
    escalations: tuple[AppealLetter, ...]
    audit: ChainCheck
    attempt_count: int

    def target_total(self, target: str) -> KppLine:
        """The per-KPP lines of `target` summed (kpp_code empty)."""
        lines = [k for k in self.per_kpp if k.target == target]
        return KppLine(target, "", "", *(sum(getattr(k, f) for k in lines) for f in (
            "batches", "rows", "amount", "rows_confirmed", "amount_confirmed", "rows_failed", "amount_failed",
            "attempts")))

    @property
    def rows(self) -> int:
        """Rows prepared for distribution (each goes to both targets)."""
        return sum(r.distribution.row_count for r in self.rounds)

    @property
    def amount(self) -> int:
        """Their amount."""
        return sum(r.distribution.amount for r in self.rounds)

    @property
    def complete(self) -> bool:
        """Every round approved and every batch confirmed by both targets."""
        return bool(self.rounds) and all(r.distribution.status == "delivered" for r in self.rounds)


_PER_KPP = text("""
SELECT b.target, b.kpp_code, coalesce(k.name, '') AS kpp_name, count(*) AS batches,
       sum(b.row_count) AS rows, sum(b.amount) AS amount,
       coalesce(sum(b.row_count) FILTER (WHERE b.state = 'confirmed'), 0) AS rows_confirmed,
       coalesce(sum(b.amount) FILTER (WHERE b.state = 'confirmed'), 0) AS amount_confirmed,
       coalesce(sum(b.row_count) FILTER (WHERE b.state = 'failed'), 0) AS rows_failed,
       coalesce(sum(b.amount) FILTER (WHERE b.state = 'failed'), 0) AS amount_failed,
       coalesce(sum(a.n), 0) AS attempts
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
  LEFT JOIN kpp k ON k.kpp_code = b.kpp_code
  LEFT JOIN LATERAL (SELECT count(*) AS n FROM dist_attempt a
                      WHERE a.target = b.target AND a.batch_id = b.batch_id) a ON true
 WHERE d.business_date = :d AND d.status <> 'discarded'
 GROUP BY b.target, b.kpp_code, k.name ORDER BY b.target, b.kpp_code""")

_ROUND_TIMES = text("""
SELECT b.distribution_id, min(b.first_sent_at), max(b.confirmed_at), bool_and(b.state = 'confirmed')
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d GROUP BY b.distribution_id""")

_TARGET_TIMES = text("""
SELECT b.target, min(b.first_sent_at), max(b.confirmed_at)
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d AND d.status <> 'discarded' GROUP BY b.target""")

_LATENCY = text("""
SELECT a.target, count(*), count(*) FILTER (WHERE a.outcome = 'confirmed'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.latency_ms),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY a.latency_ms)
  FROM dist_attempt a JOIN dist_batch b ON b.target = a.target AND b.batch_id = a.batch_id
  JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d AND d.status <> 'discarded' GROUP BY a.target""")

_AVAILABLE = text("""
SELECT b.kpp_code, coalesce(k.name, ''), sum(b.row_count) FILTER (WHERE b.target = 'sidjp'),
       sum(b.amount) FILTER (WHERE b.target = 'sidjp'), max(b.confirmed_at)
  FROM dist_batch b JOIN distribution d ON d.distribution_id = b.distribution_id
  LEFT JOIN kpp k ON k.kpp_code = b.kpp_code
 WHERE d.business_date = :d AND d.status IN ('approved', 'delivering', 'delivered')
 GROUP BY b.kpp_code, k.name
HAVING bool_and(b.state = 'confirmed') AND count(DISTINCT b.target) = :targets
 ORDER BY b.kpp_code""")

_ATTEMPTS = """
SELECT a.attempt_id, a.target, a.batch_id, b.kpp_code, d.round, a.method, a.started_at, a.latency_ms,
       a.http_status, a.outcome, a.error, a.run_by
  FROM dist_attempt a JOIN dist_batch b ON b.target = a.target AND b.batch_id = a.batch_id
  JOIN distribution d ON d.distribution_id = b.distribution_id
 WHERE d.business_date = :d AND d.status <> 'discarded'"""
ATTEMPT_HEADER = ("attempt_id", "target", "batch_id", "kpp_code", "round", "method", "started_at", "latency_ms",
                  "http_status", "outcome", "error", "run_by")


def _people(conn: Connection, usernames: Iterable[str]) -> dict[str, Person]:
    rows = conn.execute(text("SELECT username, full_name, nip FROM app_user WHERE username = ANY(:u)"),
                        {"u": sorted(set(usernames))})
    return {r.username: Person(r.username, r.full_name or "", r.nip or "") for r in rows}


def _requests(conn: Connection, d: Distribution) -> list[Approval]:
    """Every approval request of the round, oldest first (earlier ones may have been returned or lapsed)."""
    ids = conn.execute(text("""SELECT request_id FROM approval_request WHERE kind = :k AND object_key = :o
                                ORDER BY request_id"""), {"k": KIND, "o": d.object_key}).scalars().all()
    return [approvals.approval(conn, i) for i in ids]


def _decided(a: Approval | None, step: int, name: dict[str, str]) -> str:
    found = None if a is None else a.decision_for(step)
    if found is None:
        return "-"
    verb = "" if found.decision == "approved" else "dikembalikan: "
    return f"{verb}{name.get(found.username, found.username)}, {waktu_wib(found.decided_at)}"


def _rounds(conn: Connection, business_date: date) -> tuple[list[RoundLine], list[ApprovalLine]]:
    """The rounds (not discarded) and their approval history, people by name."""
    live = [d for d in distributions(conn, business_date) if d.status != "discarded"]
    times = {r[0]: r[1:] for r in conn.execute(_ROUND_TIMES, {"d": business_date})}
    history = {d.distribution_id: _requests(conn, d) for d in live}
    names = [d.prepared_by for d in live] + [x for reqs in history.values() for a in reqs
                                             for x in (a.made_by, *(s.username for s in a.decisions))]
    who = {u: p.name for u, p in _people(conn, names).items()}
    rounds, lines = [], []
    for d in live:
        reqs = history[d.distribution_id]
        last = reqs[-1] if reqs else None
        first_post, last_confirmed, all_confirmed = times.get(d.distribution_id, (None, None, False))
        rounds.append(RoundLine(d, who.get(d.prepared_by, d.prepared_by), last.status if last else "",
                                who.get(last.made_by, last.made_by) if last else "-", _decided(last, 1, who),
                                _decided(last, 2, who), first_post, last_confirmed if all_confirmed else None,
                                bool(all_confirmed)))
        for a in reqs:
            lines.append(ApprovalLine(d.round, a.request_id, 0, a.maker_role, who.get(a.made_by, a.made_by),
                                      a.status, a.made_at, a.note))
            lines += [ApprovalLine(d.round, a.request_id, s.step, s.role, who.get(s.username, s.username),
                                   s.decision, s.decided_at, s.note) for s in a.decisions]
    return rounds, lines


def _timings(conn: Connection, business_date: date) -> list[TargetTiming]:
    spans = {r[0]: r[1:] for r in conn.execute(_TARGET_TIMES, {"d": business_date})}
    stats = {r[0]: r[1:] for r in conn.execute(_LATENCY, {"d": business_date})}
    out = []
    for t in TARGETS:
        n, ok, median, p95 = stats.get(t, (0, 0, None, None))
        first, last = spans.get(t, (None, None))
        out.append(TargetTiming(t, n, ok, median, p95, first, last))
    return out


def _signer(conn: Connection, made_by: str, rounds: Sequence[RoundLine]) -> Person | None:
    """Who signs "Dibuat oleh": the maker when a user, else the pelaksana who asked approval of the last round."""
    candidates = [made_by]
    last = rounds[-1].distribution if rounds else None
    if last is not None:
        found = approvals.latest_for_object(conn, KIND, last.object_key)
        candidates += [found.made_by] if found else []
        candidates.append(last.prepared_by)
    known = _people(conn, candidates)
    return next((known[c] for c in candidates if c in known), None)


def report_data(conn: Connection, business_date: date, *, made_by: str = SYSTEM_MAKER,
                now: datetime | None = None) -> DistributionReportData:
    """The report's content for `business_date` as of `now`; `NoDistribution` when the date has none."""
    made_at = now or datetime.now(UTC)
    rounds, lines = _rounds(conn, business_date)
    if not rounds:
        raise NoDistribution(business_date)
    per_kpp = tuple(KppLine(*r) for r in conn.execute(_PER_KPP, {"d": business_date}))
    available = tuple(KppAvailable(*r) for r in conn.execute(_AVAILABLE, {"d": business_date,
                                                                          "targets": len(TARGETS)}))
    attempts = conn.execute(text(f"SELECT count(*) FROM ({_ATTEMPTS}) x"), {"d": business_date}).scalar_one()
    return DistributionReportData(
        business_date=business_date, made_at=made_at, made_by=made_by, signer=_signer(conn, made_by, rounds),
        rounds=tuple(rounds), approvals=tuple(lines), per_kpp=per_kpp, held=tuple(held(conn, business_date)),
        timings=tuple(_timings(conn, business_date)), available=available,
        escalations=tuple(overdue_letters(conn, made_at.astimezone(WIB).date())), audit=verify_chain(conn),
        attempt_count=int(attempts))


def attempt_rows(conn: Connection, business_date: date, *, cap: int = ATTEMPT_CAP) -> Iterator[tuple[Any, ...]]:
    """The date's attempt log (ATTEMPT_HEADER), oldest first, at most `cap` rows, streamed."""
    sql = text(_ATTEMPTS + " ORDER BY a.attempt_id LIMIT :cap").execution_options(stream_results=True, yield_per=5000)
    result = conn.execute(sql, {"d": business_date, "cap": cap})  # options on the statement, not the connection
    try:
        for row in result:
            yield tuple(row)
    finally:
        result.close()


# ---------------------------------------------------------------- formatting


def _at(moment: datetime | None) -> str:
    return "-" if moment is None else waktu_wib(moment)


def durasi(seconds: float | None) -> str:
    """`45 dtk`, `2 mnt 05 dtk`, `1 jam 02 mnt`; `-` when unknown."""
    if seconds is None:
        return "-"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} dtk"
    if s < 3600:
        return f"{s // 60} mnt {s % 60:02d} dtk"
    return f"{s // 3600} jam {s % 3600 // 60:02d} mnt"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{angka(round(value))} ms"


def _since(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def _kpp(code: str, name: str) -> str:
    return f"{code} {name}".strip()


def _step_title(line: ApprovalLine) -> str:
    if line.step == 0:
        return f"Pengajuan ({ROLES.get(line.role, line.role)})"
    return f"Tahap {line.step}: {ROLES.get(line.role, line.role)}"


def _outcome(line: ApprovalLine) -> str:
    if line.step == 0:
        return approvals.STATUSES.get(line.outcome, line.outcome)
    return DECISIONS.get(line.outcome, line.outcome)


def summary_rows(data: DistributionReportData) -> list[tuple[str, int, int]]:
    """(what, rows, amount) of the summary block."""
    held_rows, held_amount = sum(h.row_count for h in data.held), sum(h.amount for h in data.held)
    rows = [("Data disiapkan untuk distribusi", data.rows, data.amount), ("Data ditahan", held_rows, held_amount)]
    for t in TARGETS:
        total = data.target_total(t)
        rows += [(f"Terkonfirmasi {TARGET_TITLES[t]}", total.rows_confirmed, total.amount_confirmed),
                 (f"Gagal {TARGET_TITLES[t]}", total.rows_failed, total.amount_failed),
                 (f"Belum terkonfirmasi {TARGET_TITLES[t]}", total.rows - total.rows_confirmed - total.rows_failed,
                  total.amount - total.amount_confirmed - total.amount_failed)]
    return rows


# ---------------------------------------------------------------- PDF

SUMMARY = (Column("Uraian", 90), Column("Jumlah baris", 35, "R"), Column("Jumlah", 55, "R"))
ROUNDS = (Column("Putaran", 16, "R"), Column("Status", 30), Column("Disiapkan", 52), Column("Baris", 20, "R"),
          Column("Jumlah", 40, "R"), Column("Batch", 22, "R"))
APPROVALS = (Column("Putaran", 14, "R"), Column("Pengajuan", 18), Column("Langkah", 34), Column("Oleh", 34),
             Column("Hasil", 24), Column("Waktu", 28), Column("Catatan", 28))
PER_KPP = (Column("Tujuan", 16), Column("KPP", 46), Column("Batch", 12, "R"), Column("Baris", 18, "R"),
           Column("Jumlah", 32, "R"), Column("Terkonfirmasi", 20, "R"), Column("Gagal", 14, "R"),
           Column("Percobaan", 22, "R"))
HELD = (Column("Bank", 62), Column("Alasan", 58), Column("Baris", 25, "R"), Column("Jumlah", 35, "R"))
ROUND_TIMES = (Column("Putaran", 16, "R"), Column("Disetujui", 36), Column("Pengiriman pertama", 36),
               Column("Sejak disetujui", 22), Column("Konfirmasi terakhir", 36),
               Column("Sejak disetujui", 34))
LATENCY = (Column("Tujuan", 26), Column("Percobaan", 24, "R"), Column("Terkonfirmasi", 26, "R"),
           Column("Pengiriman pertama", 36), Column("Median", 34, "R"), Column("P95", 34, "R"))
AVAILABLE = (Column("KPP", 85), Column("Baris", 25, "R"), Column("Jumlah", 35, "R"),
             Column("Tersedia sejak", 35))
ESCALATIONS = (Column("No.", 10, "R"), Column("Bank", 52), Column("Tanggal buku", 38), Column("Nomor surat", 38),
               Column("Dikirim", 21), Column("Batas jawab", 21))


def _section(pdf: Document, heading: str) -> None:
    """A section heading, on the next page when too little room is left for it and a table's first rows.

    Inside another report (a document with a `within` letter, say "E") "C. Per KPP" becomes "E.3 Per KPP".
    """
    within = getattr(pdf, "within", "")
    letter, _, title = heading.partition(". ")
    if within and len(letter) == 1 and title:
        heading = f"{within}.{ord(letter) - ord('A') + 1} {title}"
    if pdf.get_y() > pdf.page_break_trigger - 25:
        pdf.add_page()
    else:
        pdf.ln(3)
    pdf.write_line(heading, style="B")


def _pdf_summary(pdf: Document, data: DistributionReportData) -> None:
    done = ("seluruh batch telah terkonfirmasi oleh SIDJP dan SIPMOD" if data.complete
            else "distribusi BELUM selesai: masih ada batch yang belum terkonfirmasi atau belum disetujui")
    for label, value in (("Tanggal buku", tanggal_panjang(data.business_date)),
                         ("Laporan dibuat", waktu_wib(data.made_at)),
                         ("Putaran distribusi", angka(len(data.rounds))), ("Keadaan", done)):
        pdf.set_font("helvetica", size=9)
        pdf.cell(40, 5, label)
        pdf.cell(4, 5, ":")
        pdf.multi_cell(0, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
    _section(pdf, "A. Ringkasan")
    table(pdf, SUMMARY, [(what, angka(n), rupiah(amount)) for what, n, amount in summary_rows(data)])
    pdf.ln(1)
    pdf.write_line(f"{angka(sum(r.distribution.batch_count for r in data.rounds))} batch, "
                   f"{angka(data.attempt_count)} percobaan pengiriman; {angka(len(data.available))} KPP telah "
                   f"menerima seluruh datanya; {angka(len(data.escalations))} Surat Himbauan melewati batas jawaban.")


def _pdf_rounds(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "B. Putaran dan persetujuan")
    table(pdf, ROUNDS, [(angka(r.distribution.round), r.distribution.status_title,
                         f"{_at(r.distribution.prepared_at)} oleh {r.prepared_by}", angka(r.distribution.row_count),
                         rupiah(r.distribution.amount), angka(r.distribution.batch_count)) for r in data.rounds])
    pdf.ln(2)
    if not data.approvals:
        pdf.write_line("Belum ada pengajuan persetujuan.")
        return
    table(pdf, APPROVALS, [(angka(a.round), f"#{a.request_id}", _step_title(a), a.who, _outcome(a), _at(a.at),
                            a.note or "-") for a in data.approvals], size=7.5)


def _pdf_per_kpp(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "C. Distribusi per sistem tujuan dan KPP")
    rows: list[tuple[str, ...]] = []
    for t in TARGETS:
        lines = [k for k in data.per_kpp if k.target == t]
        rows += [(TARGET_TITLES[t], _kpp(k.kpp_code, k.kpp_name), angka(k.batches), angka(k.rows), rupiah(k.amount),
                  angka(k.rows_confirmed), angka(k.rows_failed), angka(k.attempts)) for k in lines]
        s = data.target_total(t)
        rows.append((TARGET_TITLES[t], "Jumlah", angka(s.batches), angka(s.rows), rupiah(s.amount),
                     angka(s.rows_confirmed), angka(s.rows_failed), angka(s.attempts)))
    table(pdf, PER_KPP, rows, size=7.5)
    _section(pdf, "D. KPP yang telah menerima seluruh datanya (tersedia)")
    if not data.available:
        pdf.write_line("Belum ada KPP yang seluruh datanya terkonfirmasi di kedua sistem tujuan.")
    else:
        table(pdf, AVAILABLE, [(_kpp(k.kpp_code, k.kpp_name), angka(k.rows), rupiah(k.amount), _at(k.since))
                               for k in data.available])


def _pdf_held(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "E. Data yang ditahan")
    if not data.held:
        pdf.write_line("Tidak ada data yang ditahan.")
        return
    rows = [(f"{h.bank_code} {h.bank_name}", REASONS[h.reason], angka(h.row_count), rupiah(h.amount))
            for h in data.held]
    rows.append(("Jumlah", "", angka(sum(h.row_count for h in data.held)), rupiah(sum(h.amount for h in data.held))))
    table(pdf, HELD, rows)


def _pdf_timings(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "F. Waktu pelaksanaan")
    table(pdf, ROUND_TIMES, [
        (angka(r.distribution.round), _at(r.distribution.approved_at), _at(r.first_post_at),
         durasi(_since(r.distribution.approved_at, r.first_post_at)), _at(r.last_confirmed_at),
         durasi(_since(r.distribution.approved_at, r.last_confirmed_at))) for r in data.rounds])
    pdf.ln(2)
    table(pdf, LATENCY, [(TARGET_TITLES[t.target], angka(t.attempts), angka(t.confirmed), _at(t.first_post_at),
                          _ms(t.median_ms), _ms(t.p95_ms)) for t in data.timings])


def _pdf_escalations(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "G. Eskalasi: Surat Himbauan yang melewati batas jawaban")
    if not data.escalations:
        pdf.write_line("Tidak ada Surat Himbauan yang melewati batas jawaban.")
        return
    table(pdf, ESCALATIONS, [
        (angka(i), f"{a.bank_code} {a.bank_name}", ", ".join(f"{d:%d/%m/%Y}" for d in a.business_dates),
         a.letter_number or "-", f"{a.sent_on:%d/%m/%Y}" if a.sent_on else "-",
         f"{a.due_on:%d/%m/%Y}" if a.due_on else "-") for i, a in enumerate(data.escalations, 1)])


def _pdf_audit(pdf: Document, data: DistributionReportData) -> None:
    _section(pdf, "H. Jejak audit")
    state = "utuh" if data.audit.ok else f"TIDAK UTUH ({data.audit.reason})"
    pdf.write_line(f"Rantai jejak audit {state}; {angka(data.audit.rows)} baris pada saat laporan dibuat. "
                   "Hash kepala rantai:")
    pdf.set_font("courier", size=8)
    pdf.cell(0, 5, data.audit.head_hash, new_x="LMARGIN", new_y="NEXT")


def pdf_signature(pdf: Document, *, signer: Person | None, made_at: datetime, settings: Settings) -> None:
    """The place and date, "Dibuat oleh," the pelaksana's title, name and NIP (dotted lines when unknown)."""
    if pdf.get_y() > pdf.h - pdf.b_margin - 50:
        pdf.add_page()
    pdf.ln(6)
    lines = [(f"{settings.place}, {date_words(made_at.astimezone(WIB).date())}", "", 0.0),
             ("Dibuat oleh,", "", 0.0), (ROLES["pelaksana"] + ",", "", 18.0),
             (signer.name if signer else "(" + "." * 45 + ")", "BU" if signer else "", 0.0),
             ("NIP " + (signer.nip if signer and signer.nip else "." * 30), "", 0.0)]
    for value, style, gap in lines:
        pdf.set_x(110)
        pdf.set_font("helvetica", style=style, size=9)
        pdf.multi_cell(0, 5, latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)


def _pdf_signature(pdf: Document, data: DistributionReportData, settings: Settings) -> None:
    pdf_signature(pdf, signer=data.signer, made_at=data.made_at, settings=settings)
    if data.made_by.startswith("system:"):
        pdf.ln(2)
        pdf.write_line(f"Laporan ini dibuat otomatis oleh sistem ({data.made_by}) pada akhir distribusi.", size=7)


def pdf_sections(pdf: Document, data: DistributionReportData) -> None:
    """The report's sections A-H (summary, rounds, per KPP, held, timings, escalations, audit) on `pdf`."""
    for part in (_pdf_summary, _pdf_rounds, _pdf_per_kpp, _pdf_held, _pdf_timings, _pdf_escalations, _pdf_audit):
        part(pdf, data)


def report_pdf(data: DistributionReportData, settings: Settings) -> bytes:
    """The report as A4 PDF bytes in the house style; deterministic (its only time is `data.made_at`)."""
    pdf = Document(f"Laporan distribusi MPN {data.business_date:%d/%m/%Y} - dibuat {waktu_wib(data.made_at)} - "
                   f"audit {data.audit.head_hash[:16]}")
    pdf.set_creation_date(data.made_at)
    pdf.set_title(f"Laporan Distribusi MPN {data.business_date:%Y-%m-%d}")
    pdf.set_author(latin1(settings.letterhead[min(1, len(settings.letterhead) - 1)].title())
                   if settings.letterhead else "")
    pdf.add_page()
    draw_letterhead(pdf, settings.letterhead, settings.office_address)
    pdf.write_line(TITLE, size=11.5, style="BU", align="C", h=6)
    pdf.write_line(f"Tanggal buku {date_words(data.business_date)}", align="C")
    pdf.ln(3)
    pdf_sections(pdf, data)
    _pdf_signature(pdf, data, settings)
    return bytes(pdf.output())


# ---------------------------------------------------------------- XLSX


def report_xlsx(data: DistributionReportData, attempts: Iterable[Sequence[Any]] = ()) -> bytes:
    """The report as inert XLSX (the shared writer): Ringkasan, Per KPP, Ditahan, Percobaan (capped), Persetujuan."""
    book = tabular.Workbook()
    xlsx_sheets(book, data, attempts)
    return book.content()


_MONEY: tabular.Kind = "money"
_MOMENT: tabular.Kind = "datetime"


def _summary_sheet(sheet: tabular.Sheet, data: DistributionReportData) -> None:
    """Ringkasan: blocks of label/value rows, each block under its own header; timestamps in WIB."""
    sheet.title(title_rows(TITLE, f"tanggal buku {tanggal_pendek(data.business_date)}", None,
                           made_at=data.made_at, made_by=data.made_by))
    for row in (["Tanggal buku", data.business_date], ["Dibuat pada (WIB)", data.made_at],
                ["Dibuat oleh", data.signer.name if data.signer else data.made_by], ["Pembuat (akun)", data.made_by],
                ["Selesai", "ya" if data.complete else "belum"], []):
        sheet.row(row)
    blocks: list[tuple[list[tabular.Column], list[Sequence[Any]]]] = [
        (tabular.columns("Uraian", "Jumlah baris", tabular.Column("Jumlah (Rp)", _MONEY)),
         [list(r) for r in summary_rows(data)]),
        (tabular.columns("Putaran", "Status", tabular.Column("Disiapkan", _MOMENT), "Disiapkan oleh",
                         tabular.Column("Disetujui", _MOMENT), tabular.Column("Pengiriman pertama", _MOMENT),
                         tabular.Column("Konfirmasi terakhir", _MOMENT), "Baris",
                         tabular.Column("Jumlah (Rp)", _MONEY), "Batch"),
         [[r.distribution.round, label_of(STATUS_WORDS, r.distribution.status), r.distribution.prepared_at,
           actor_name(r.prepared_by),
           r.distribution.approved_at, r.first_post_at, r.last_confirmed_at, r.distribution.row_count,
           r.distribution.amount, r.distribution.batch_count] for r in data.rounds]),
        (tabular.columns("Tujuan", "Percobaan", "Terkonfirmasi", "Median (ms)", "P95 (ms)",
                         tabular.Column("Pengiriman pertama", _MOMENT), tabular.Column("Konfirmasi terakhir", _MOMENT)),
         [[label_of(TARGET_LABELS, t.target), t.attempts, t.confirmed, t.median_ms, t.p95_ms, t.first_post_at,
           t.last_confirmed_at] for t in data.timings]),
        (tabular.columns("KPP tersedia", "Nama", "Baris", tabular.Column("Jumlah (Rp)", _MONEY),
                         tabular.Column("Tersedia sejak", _MOMENT)),
         [[k.kpp_code, k.kpp_name, k.rows, k.amount, k.since] for k in data.available]),
        (tabular.columns("Eskalasi: surat", "Bank", "Tanggal buku", "Nomor surat", "Dikirim", "Batas jawab"),
         [[a.letter_id, a.bank_code, ", ".join(tanggal_pendek(d) for d in a.business_dates), a.letter_number,
           a.sent_on, a.due_on] for a in data.escalations]),
    ]
    for cols, rows in blocks:
        sheet.table(cols, rows)
        sheet.row([])
    for row in (["Jejak audit utuh", "ya" if data.audit.ok else "tidak"], ["Jejak audit: baris", data.audit.rows],
                ["Jejak audit: hash kepala", data.audit.head_hash]):
        sheet.row(row)


#: The XLSX attempt log's columns (ATTEMPT_HEADER, its time in WIB).
ATTEMPT_COLUMNS = tuple(labelled_columns(ATTEMPT_HEADER, {"started_at": _MOMENT}))


def _capped(attempts: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    for written, attempt in enumerate(attempts):
        if written >= ATTEMPT_CAP:
            return
        yield attempt


def xlsx_sheets(book: tabular.Workbook, data: DistributionReportData, attempts: Iterable[Sequence[Any]] = (), *,
                prefix: str = "") -> None:
    """The report's five sheets added to a workbook of the shared writer, their names after `prefix`."""
    _summary_sheet(book.sheet(prefix + "Ringkasan"), data)
    kpp_keys = ("target", "kpp_code", "kpp_name", "batches", "rows", "amount", "rows_confirmed", "amount_confirmed",
                "rows_failed", "amount_failed", "attempts")
    money = {k: _MONEY for k in ("amount", "amount_confirmed", "amount_failed")}
    book.sheet(prefix + "Per KPP").table(labelled_columns(kpp_keys, money), labelled_rows(kpp_keys, (
        [k.target, k.kpp_code, k.kpp_name, k.batches, k.rows, k.amount, k.rows_confirmed, k.amount_confirmed,
         k.rows_failed, k.amount_failed, k.attempts] for k in data.per_kpp)))
    held_keys = ("round", "bank_code", "bank_name", "reason", "rows", "amount")
    book.sheet(prefix + "Ditahan").table(labelled_columns(held_keys, money), labelled_rows(held_keys, (
        [h.round, h.bank_code, h.bank_name, h.reason, h.row_count, h.amount] for h in data.held)))
    s = book.sheet(prefix + "Percobaan")
    written = s.table(ATTEMPT_COLUMNS, labelled_rows(ATTEMPT_HEADER, _capped(attempts)))
    if data.attempt_count > written:
        s.row([f"... {angka(data.attempt_count - written)} percobaan lainnya tidak dicantumkan "
               f"(batas {angka(ATTEMPT_CAP)})"])
    approval_keys = ("round", "request_id", "step", "role", "who", "outcome", "at", "note")
    book.sheet(prefix + "Persetujuan").table(labelled_columns(approval_keys, {"at": _MOMENT}), labelled_rows(
        approval_keys, ([a.round, a.request_id, a.step, a.role, actor_name(a.who), a.outcome, a.at, a.note]
                        for a in data.approvals)))


# ---------------------------------------------------------------- kept on file


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as it was made and kept (`dist_report`)."""

    report_id: int
    business_date: date
    format: str
    file_name: str
    sha256: str
    content: bytes
    made_by: str
    made_at: datetime
    kind: str = "distribution"


def file_name(business_date: date, fmt: str) -> str:
    """`laporan-distribusi-mpn_2026-11-20.pdf`."""
    return f"laporan-distribusi-mpn_{business_date:%Y-%m-%d}.{fmt}"


def _make(conn: Connection, business_date: date, fmt: str, made_by: str, now: datetime | None) -> tuple[str, bytes]:
    if fmt not in FORMATS:
        raise ValueError(f"format tidak dikenal: {fmt}")
    data = report_data(conn, business_date, made_by=made_by, now=now)
    if fmt == "pdf":
        content = report_pdf(data, current_settings(conn))
    else:
        content = report_xlsx(data, attempt_rows(conn, business_date))
    name = file_name(business_date, fmt)
    keep(conn, kind="distribution", business_date=business_date, fmt=fmt, name=name, content=content,
         made_by=made_by, made_at=data.made_at, audit=data.audit)
    return name, content


def keep(conn: Connection, *, kind: str, business_date: date, fmt: str, name: str, content: bytes, made_by: str,
         made_at: datetime, audit: ChainCheck) -> int:
    """Keep one made report in `dist_report` with its SHA-256 and audit it (`<kind>.report`); its id."""
    sha = hashlib.sha256(content).hexdigest()
    report_id = int(conn.execute(text("""
        INSERT INTO dist_report (kind, business_date, format, file_name, sha256, content, made_by, made_at)
        VALUES (:k, :d, :f, :n, :s, :c, :by, :at) RETURNING report_id"""),
        {"k": kind, "d": business_date, "f": fmt, "n": name, "s": sha, "c": content, "by": made_by,
         "at": made_at}).scalar_one())
    user = None if made_by.startswith("system:") else user_by_name(conn, made_by)
    actor = user.actor() if user else Actor(made_by, "system", None)
    record(conn, actor, f"{kind}.report", object_type="dist_report", object_id=str(report_id),
           after={"business_date": business_date.isoformat(), "format": fmt, "sha256": sha,
                  "audit_head": audit.head_hash, "audit_rows": audit.rows})
    return report_id


def make_report(engine_or_conn: Engine | Connection, business_date: date, *, fmt: str, made_by: str,
                now: datetime | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the date's report in `fmt`, kept in `dist_report`; `NoDistribution` when none.

    Given an engine it opens and commits its own transaction; given a connection the caller owns it.
    """
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            return _make(conn, business_date, fmt, made_by, now)
    return _make(engine_or_conn, business_date, fmt, made_by, now)


def latest_report(conn: Connection, business_date: date, fmt: str, *,
                  kind: str = "distribution") -> StoredReport | None:
    """The last report of `kind` and `fmt` kept for the date, or None."""
    row = conn.execute(text("""
        SELECT report_id, business_date, format, file_name, sha256, content, made_by, made_at, kind FROM dist_report
         WHERE business_date = :d AND format = :f AND kind = :k ORDER BY report_id DESC LIMIT 1"""),
        {"d": business_date, "f": fmt, "k": kind}).first()
    return None if row is None else stored(row)


def stored(row: Any) -> StoredReport:
    """A `dist_report` row (every column, `content` as bytes) as a StoredReport."""
    return StoredReport(report_id=row.report_id, business_date=row.business_date, format=row.format,
                        file_name=row.file_name, sha256=row.sha256, content=bytes(row.content), made_by=row.made_by,
                        made_at=row.made_at, kind=row.kind)


def keep_reports(engine: Engine, business_date: date, made_by: str = SYSTEM_MAKER) -> list[str]:
    """Make and keep both formats when a round of the date was delivered since the last kept report (the
    delivery's hook; calling it after every run is safe); returns the file names made, [] when nothing new."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('dist_report:' || :d))"),
                     {"d": str(business_date)})
        due = conn.execute(text("""
            SELECT EXISTS (SELECT 1 FROM distribution d WHERE d.business_date = :d AND d.status = 'delivered'
                              AND d.delivered_at > coalesce((SELECT max(made_at) FROM dist_report r
                                                              WHERE r.business_date = :d AND r.made_by = :by
                                                                AND r.kind = 'distribution'),
                                                             '-infinity'))"""),
            {"d": business_date, "by": made_by}).scalar_one()
        if not due:
            return []
        now = conn.execute(text("SELECT now()")).scalar_one()  # the database's clock, as delivered_at's
        made = [_make(conn, business_date, fmt, made_by, now)[0] for fmt in FORMATS]
    log.info("laporan distribusi %s disimpan: %s", business_date, ", ".join(made))
    return made


__all__ = ["DistributionReportData", "NoDistribution", "StoredReport", "keep", "keep_reports", "latest_report",
           "make_report", "pdf_sections", "pdf_signature", "report_data", "report_pdf", "report_xlsx", "stored",
           "xlsx_sheets"]
