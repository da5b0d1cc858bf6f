"""The payment trace: find payments by NTPN, billing code, NTB or NPWP, and follow one payment's path.

`find_payments` looks an NTPN up by the partitions' NTPN index over all dates; billing code, NTB and NPWP by the
search indexes the scheduler builds on each partition a few minutes after its import
(`queries.monitoring.search_index`), on
every date that has them, and in the last `SEARCH_DAYS` business dates whether indexed yet or not (partition pruning
bounds the scan of a partition still without them).
`trace` gathers, by index, everything the product knows about one NTPN, in the order the payment travels: paid at
the branch, recorded in the MPN data, received in the bank's batch, reconciled (and the exception worked), vouched
for by the statement letter (and chased by an appeal letter), distributed, confirmed at SIDJP and SIPMOD. Each
`Step` says when, who and how it went. Read-only; the caller owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from queries.accounts import approvals
from queries.accounts.audit import ACTIONS
from queries.accounts.users import ROLES
from queries.calendar import ZONES
from queries.distribution.prepare import KIND as DIST_KIND
from queries.distribution.prepare import REASONS, TARGET_TITLES, TARGETS
from queries.formatting import rupiah, tanggal_pendek, waktu_wib
from queries.letters.appeals import appeal_letter
from queries.letters.statements import statement_cell
from queries.monitoring.search_index import indexed_dates
from queries.reconciliation.classify import CATEGORY_LABELS, CUTOFF_WINDOW
from queries.reconciliation.model import CAUSES, STATUSES
from queries.reconciliation.work import KIND_ADJUSTMENT, KIND_RESOLUTION, OBJECT_TYPE

#: How many of the newest business dates a billing code, NTB or NPWP search covers.
SEARCH_DAYS = 62
#: At most this many payments are listed for one search.
MAX_HITS = 50
#: What a search term can be, in the order a hit names what matched.
SEARCH_KINDS: dict[str, str] = {"ntpn": "NTPN", "billing_code": "Kode billing", "npwp": "NPWP", "ntb": "NTB/NTP"}
#: Step states: done (green), warning (amber), failed (red), pending (not yet), info (a note on the way).
STEP_STATES = ("done", "warning", "failed", "pending", "info")
#: The official reconciliation outcome (SE-87/PJ/2011) of an exception category while it is open (DOMAIN §7).
OFFICIAL = {"missing_in_bank": "Belum Kirim", "missing_batch": "Belum Kirim"}
ATTEMPT_OUTCOMES = {
    "confirmed": "terkonfirmasi",
    "not_stored": "belum tersimpan di target",
    "unknown": "jawaban tidak pasti",
    "rejected": "ditolak target",
    "mismatch": "tanda terima berbeda",
}
_CLEAN = re.compile(r"[\s.\-/]")
_TERM = re.compile(r"[0-9A-Z]{1,20}")


@dataclass(frozen=True, slots=True)
class PaymentHit:
    """One payment found by a search: its identifiers, where and when it was paid, and what matched the term."""

    ntpn: str
    matched_on: str
    business_date: date
    paid_at: datetime
    utc_offset: int
    bank_code: str
    bank_name: str
    branch_code: str
    ntb: str
    billing_code: str
    npwp: str
    taxpayer_name: str
    kpp_code: str
    amount: int

    @property
    def zone(self) -> str:
        """The branch's time zone: WIB, WITA or WIT."""
        return ZONES.get(self.utc_offset, f"UTC+{self.utc_offset}")


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the path: `kind` is the stage (paid, mpn, batch, recon, statement, appeal, distribution, sidjp,
    sipmod); `state` one of STEP_STATES; `at` None when it has not happened yet; `ref` the id of the thing the
    step is about where a page opens it (the appeal letter's id)."""

    kind: str
    title: str
    at: datetime | None
    actor: str | None
    detail: str
    state: str
    ref: int | None = None


@dataclass(frozen=True, slots=True)
class Trace:
    """The path of one NTPN; `payment` is its first MPN payment (None when MPN has none)."""

    ntpn: str
    payment: PaymentHit | None
    business_date: date | None
    bank_code: str | None
    utc_offset: int
    steps: tuple[Step, ...]

    @property
    def found(self) -> bool:
        """Does the product know this NTPN at all?"""
        return bool(self.steps)

    @property
    def zone(self) -> str:
        """The branch's time zone (WIB when unknown)."""
        return ZONES.get(self.utc_offset, "WIB")


def normalise(term: str) -> str:
    """The term as identifiers are stored: trimmed, upper-cased, without spaces, dots, dashes or slashes
    (an NPWP is often written `01.234.567.8-901.000`)."""
    return _CLEAN.sub("", term or "").upper()


def search_kinds(term: str) -> tuple[str, ...]:
    """What a normalised term may be: NTPN (16 characters), billing code (15 digits), NPWP (15 or 16 digits),
    NTB/NTP (1-20 characters); empty when it can be none of them."""
    if not _TERM.fullmatch(term):
        return ()
    kinds = ["ntpn"] if len(term) == 16 else []
    if term.isdigit() and len(term) == 15:
        kinds.append("billing_code")
    if term.isdigit() and len(term) in (15, 16):
        kinds.append("npwp")
    return (*kinds, "ntb")


def search_since(conn: Connection, *, days: int = SEARCH_DAYS) -> date | None:
    """The oldest of the newest `days` business dates with MPN data: where unindexed searches start."""
    return conn.execute(
        text("""
        SELECT min(business_date) FROM (SELECT DISTINCT business_date FROM mpn_bank_day
                                         ORDER BY business_date DESC LIMIT :n) x"""),
        {"n": days},
    ).scalar_one()


_HIT_COLUMNS = """m.ntpn, m.business_date, m.paid_at, m.utc_offset, m.bank_code, coalesce(m.branch_code, '') AS branch,
                  m.ntb, coalesce(m.billing_code, '') AS billing, m.npwp, m.taxpayer_name, m.kpp_code, m.amount"""
#: The unindexed columns a term is compared with (fixed SQL per kind: never the user's text).
_UNINDEXED = {"billing_code": "m.billing_code = :t", "npwp": "m.npwp = :t", "ntb": "m.ntb = :t"}


def find_payments(conn: Connection, term: str, *, days: int = SEARCH_DAYS, limit: int = MAX_HITS) -> list[PaymentHit]:
    """Payments whose NTPN (any date, by index), billing code, NPWP or NTB (any indexed date, and the newest `days`
    business dates) is `term`; one per NTPN, newest first, at most `limit`."""
    term = normalise(term)
    kinds = search_kinds(term)
    if not kinds:
        return []
    parts = []
    if "ntpn" in kinds:
        parts.append(
            f"SELECT {_HIT_COLUMNS}, 'ntpn' AS matched_on FROM mpn_record m"
            " WHERE m.ntpn = :t AND m.record_type = 'payment'"
        )
    since = search_since(conn, days=days)
    unindexed = [k for k in kinds if k in _UNINDEXED]
    indexed = indexed_dates(conn) if unindexed else []
    if (since is not None or indexed) and unindexed:
        which = " ".join(f"WHEN {_UNINDEXED[k]} THEN '{k}'" for k in unindexed)
        # The newest `days` dates (scanned when not yet indexed) and every date the search indexes cover.
        parts.append(
            f"SELECT {_HIT_COLUMNS}, CASE {which} END AS matched_on FROM mpn_record m"
            f" WHERE (m.business_date >= :since OR m.business_date = ANY(:indexed))"
            f" AND m.record_type = 'payment' AND ({' OR '.join(_UNINDEXED[k] for k in unindexed)})"
        )
    rows = conn.execute(
        text(f"""
        SELECT h.*, b.name FROM (
            SELECT DISTINCT ON (ntpn) * FROM ({" UNION ALL ".join(parts)}) u ORDER BY ntpn, paid_at DESC
        ) h JOIN bank b ON b.bank_code = h.bank_code
         ORDER BY h.paid_at DESC, h.ntpn LIMIT :limit"""),
        {"t": term, "since": since or date.max, "indexed": indexed, "limit": limit},
    )
    return [_hit(r._mapping) for r in rows]


def _hit(r: Any) -> PaymentHit:
    return PaymentHit(
        r["ntpn"],
        r["matched_on"],
        r["business_date"],
        r["paid_at"],
        r["utc_offset"],
        r["bank_code"],
        r["name"],
        r["branch"],
        r["ntb"],
        r["billing"],
        r["npwp"],
        r["taxpayer_name"],
        r["kpp_code"],
        r["amount"],
    )


# --- the trace ----------------------------------------------------------------------------------------------------


def who(actor: str | None) -> str | None:
    """A stored actor as people read it: `system:cli` is `sistem (cli)`."""
    if actor and actor.startswith("system:"):
        return f"sistem ({actor.removeprefix('system:')})"
    return actor


def _role(role: str | None) -> str:
    return ROLES.get(role or "", role or "")


def trace(conn: Connection, ntpn: str) -> Trace:
    """Everything known about the NTPN, as an ordered list of steps (empty when the product never saw it)."""
    ntpn = normalise(ntpn)
    records = (
        conn.execute(
            text(f"""
        SELECT {_HIT_COLUMNS}, m.kap, m.kjs, m.record_type, m.import_id, m.line, f.file_name, f.finished_at, b.name,
               (SELECT a.actor FROM audit_log a WHERE a.object_type = 'file' AND a.object_id = m.import_id::text
                   AND a.action = 'import.file' ORDER BY a.seq LIMIT 1) AS imported_by
          FROM mpn_record m JOIN import_file f ON f.import_id = m.import_id JOIN bank b ON b.bank_code = m.bank_code
         WHERE m.ntpn = :n ORDER BY m.record_type, m.paid_at, m.import_id, m.line"""),
            {"n": ntpn},
        )
        .mappings()
        .all()
    )
    payments = [r for r in records if r["record_type"] == "payment"]
    payment = None if not payments else _hit({**payments[0], "matched_on": "ntpn"})
    rows = _batch_rows(conn, ntpn, payment)
    if payment is None and not rows:
        return Trace(ntpn, None, None, None, 7, ())
    first = payments[0] if payments else rows[0]
    day, bank, offset = first["business_date"], first["bank_code"], first["utc_offset"]
    steps = _paid(first, payment) + _mpn(records) + _batch(conn, rows, day, bank)
    exceptions = _exceptions(conn, ntpn, day)
    steps += _recon(conn, exceptions, rows, day, bank, bool(payments)) + result_steps(conn, bank, day)
    steps += _statement(conn, bank, day) + _appeals(conn, bank, day)
    reversed_ = any(r["record_type"] == "reversal" for r in records)
    steps += _distribution(conn, ntpn, day, exceptions, reversed_, bool(payments))
    return Trace(ntpn, payment, day, bank, offset, tuple(steps))


def _paid(first: Any, payment: PaymentHit | None) -> list[Step]:
    branch = f" cabang {first['branch']}" if first.get("branch") else ""
    bank = payment.bank_name if payment else first["bank_code"]
    facts = [f"NTB/NTP {first['ntb']}"]
    if payment is not None:
        facts += [
            f"kode billing {payment.billing_code}" if payment.billing_code else "",
            f"NPWP {payment.npwp} ({payment.taxpayer_name})",
        ]
    facts += [f"KAP {first['kap']}-{first['kjs']}", f"KPP {first['kpp_code']}", rupiah(first["amount"])]
    return [
        Step("paid", f"Dibayar di {bank}{branch}", first["paid_at"], bank, " · ".join(f for f in facts if f), "done")
    ]


def _mpn(records: Sequence[Any]) -> list[Step]:
    steps, seen = [], 0
    for r in records:
        where = f"Berkas {r['file_name']} baris {r['line']}, tanggal buku {tanggal_pendek(r['business_date'])}"
        actor = who(r["imported_by"]) or "impor"
        if r["record_type"] == "reversal":
            steps.append(
                Step(
                    "mpn",
                    "Dibatalkan (reversal) di data MPN",
                    r["paid_at"],
                    actor,
                    f"{where}; NTPN dan NTB masuk daftar nomor batal",
                    "failed",
                )
            )
            continue
        seen += 1
        title = "Tercatat di data MPN" if seen == 1 else f"Tercatat lagi di data MPN (ganda, ke-{seen})"
        steps.append(
            Step(
                "mpn",
                title,
                r["finished_at"],
                actor,
                f"{where}; diimpor {waktu_wib(r['finished_at'])}",
                "done" if seen == 1 else "warning",
            )
        )
    if not records:
        steps.append(Step("mpn", "Tidak ada di data MPN", None, None, "Hanya bank yang melaporkan NTPN ini.", "failed"))
    return steps


def _batch_rows(conn: Connection, ntpn: str, payment: PaymentHit | None) -> list[Any]:
    """The bank batch rows with the NTPN (all versions), by index; with the batch and its file.

    With the payment known, only the partitions within the cut-off window of its date are probed (where
    reconciliation looks for its other side): a year is 250 partitions, each an index probe, cold on disk."""
    window = "" if payment is None else " AND r.business_date BETWEEN CAST(:first AS date) AND CAST(:last AS date)"
    span = (
        {}
        if payment is None
        else {"first": payment.business_date - CUTOFF_WINDOW, "last": payment.business_date + CUTOFF_WINDOW}
    )
    return list(
        conn.execute(
            text(f"""
        SELECT r.business_date, r.batch_id, r.line, r.bank_code, r.ntb, r.paid_at, r.utc_offset, r.derived_date,
               r.kap, r.kjs, r.kpp_code, r.amount, '' AS branch, k.received_at, k.superseded_at, k.superseded_by,
               f.file_name, EXISTS (SELECT 1 FROM bank_batch p WHERE p.superseded_by = k.batch_id) AS resend
          FROM bank_batch_row r JOIN bank_batch k ON k.batch_id = r.batch_id
          JOIN import_file f ON f.import_id = k.import_id
         WHERE r.ntpn = :n{window} ORDER BY k.received_at, r.batch_id, r.line"""),
            {"n": ntpn, **span},
        ).mappings()
    )


def _batch(conn: Connection, rows: list[Any], day: date, bank: str) -> list[Step]:
    steps = []
    for r in rows:
        resend = " (kiriman ulang)" if r["resend"] else ""
        detail = (
            f"Berkas {r['file_name']} baris {r['line']}, tanggal buku bank {tanggal_pendek(r['business_date'])}"
            f"; diterima {waktu_wib(r['received_at'])}"
        )
        if r["superseded_at"] is not None:
            steps.append(
                Step(
                    "batch",
                    f"Ada di batch bank #{r['batch_id']}{resend}, kemudian diganti",
                    r["received_at"],
                    r["bank_code"],
                    f"{detail}; diganti batch #{r['superseded_by']}",
                    "info",
                )
            )
        else:
            steps.append(
                Step(
                    "batch",
                    f"Diterima dalam batch bank #{r['batch_id']}{resend}",
                    r["received_at"],
                    r["bank_code"],
                    detail,
                    "done",
                )
            )
    if not any(r["superseded_at"] is None for r in rows):
        current = conn.execute(
            text("""SELECT batch_id, received_at FROM bank_batch WHERE bank_code = :b
                                          AND business_date = :d AND superseded_at IS NULL"""),
            {"b": bank, "d": day},
        ).first()
        if current is None:
            steps.append(
                Step(
                    "batch",
                    "Batch bank belum diterima",
                    None,
                    bank,
                    f"Bank belum mengirim batch tanggal buku {tanggal_pendek(day)}.",
                    "pending",
                )
            )
        else:
            steps.append(
                Step(
                    "batch",
                    f"Tidak ada di batch bank #{current.batch_id}",
                    current.received_at,
                    bank,
                    f"Batch tanggal buku {tanggal_pendek(day)} diterima {waktu_wib(current.received_at)} "
                    "tanpa NTPN ini.",
                    "failed",
                )
            )
    return steps


def _exceptions(conn: Connection, ntpn: str, day: date) -> list[Any]:
    """Transaction exceptions on the NTPN around its date (the identity index: date range, level, bank, NTPN)."""
    return list(
        conn.execute(
            text("""
        SELECT e.exception_id, e.ntpn, e.business_date, e.bank_code, e.category, e.fields, e.mpn_amount, e.bank_amount,
               e.status, e.opened_at, e.resolved_at, e.resolved_by, e.cause, e.note, e.closed_by_data, r.actor
          FROM recon_exception e JOIN recon_run r ON r.run_id = e.first_seen_run
         WHERE e.business_date BETWEEN :lo AND :hi AND e.level = 'transaction' AND e.ntpn = :n
         ORDER BY e.opened_at, e.exception_id"""),
            {"n": ntpn, "lo": day - CUTOFF_WINDOW, "hi": day + CUTOFF_WINDOW},
        ).mappings()
    )


def _recon(
    conn: Connection, exceptions: list[Any], rows: list[Any], day: date, bank: str, has_payment: bool
) -> list[Step]:
    result = (
        conn.execute(
            text("""
        SELECT r.result_at, r.batch_id, u.actor, u.finished_at,
               (SELECT batch_id FROM bank_batch WHERE bank_code = :b AND business_date = :d
                   AND superseded_at IS NULL) AS current_batch
          FROM recon_result r JOIN recon_run u ON u.run_id = r.last_run_id
         WHERE r.business_date = :d AND r.bank_code = :b"""),
            {"b": bank, "d": day},
        )
        .mappings()
        .first()
    )
    steps: list[Step] = []
    if result is None:
        steps.append(
            Step(
                "recon",
                "Belum direkonsiliasi",
                None,
                None,
                f"Tanggal buku {tanggal_pendek(day)} bank {bank} belum direkonsiliasi.",
                "pending",
            )
        )
    elif result["current_batch"] is None:
        steps.append(
            Step(
                "recon",
                "Selisih: Batch belum diterima (Belum Kirim)",
                result["result_at"] or result["finished_at"],
                who(result["actor"]),
                "Transaksi belum dapat dicocokkan sampai batch bank datang.",
                "failed",
            )
        )
    elif not exceptions:
        current = result["batch_id"] is not None and result["batch_id"] == result["current_batch"]
        in_batch = any(r["superseded_at"] is None for r in rows)
        if current and in_batch and has_payment:
            steps.append(
                Step(
                    "recon",
                    "Cocok dengan batch bank (Diakui)",
                    result["result_at"] or result["finished_at"],
                    who(result["actor"]),
                    "MPN dan batch bank sama untuk semua kolom.",
                    "done",
                )
            )
        else:
            steps.append(
                Step(
                    "recon",
                    "Belum direkonsiliasi dengan batch terakhir",
                    None,
                    who(result["actor"]),
                    "Rekonsiliasi terakhir belum mencakup batch bank yang berlaku.",
                    "pending",
                )
            )
    for e in exceptions:
        steps += _exception_steps(conn, e)
    return steps


def result_steps(conn: Connection, bank: str, day: date) -> list[Step]:
    """The result messages that reported the bank's date to its head office (CONTRACT §6), one per version."""
    from queries.reconciliation.bank_results import STATUS_LABELS, Delivery, result_steps_data

    steps = []
    for row, message_id, sent_at, status in result_steps_data(conn, bank, day):
        d = Delivery(
            bank,
            day,
            row.batch_id,
            row.batch_received_at,
            row.result_at,
            sent_at,
            message_id,
            status or row.state,
            row.version,
        )
        facts = [f"batch #{row.batch_id}", f"{row.exception_count} selisih dilaporkan"]
        if row.replaces is not None:
            facts.append(f"menggantikan versi {row.version - 1}")
        if message_id:
            facts.append(f"Message-ID {message_id}")
        facts.append(
            f"diterima server surat {d.minutes:g} menit setelah batch"
            if d.minutes is not None
            else STATUS_LABELS.get(d.status, d.status).lower()
        )
        state = (
            ("warning" if d.late(sent_at) else "done")
            if sent_at is not None
            else "info"
            if d.status == "superseded"
            else "failed"
            if d.status in ("failed", "no_address", "rejected")
            else "pending"
        )
        steps.append(
            Step(
                "result",
                f"Hasil dikirim ke bank: {row.reference}",
                sent_at,
                "sistem",
                "; ".join(facts),
                state,
                row.result_id,
            )
        )
    return steps


def _exception_steps(conn: Connection, e: Any) -> list[Step]:
    label = CATEGORY_LABELS.get(e["category"], e["category"])
    closed = e["status"] in ("resolved", "adjusted")
    official = (
        ("Audit" if e["category"] == "attribute_mismatch" else "Diakui")
        if closed
        else OFFICIAL.get(e["category"], "Tidak Diakui")
    )
    facts = [f"#{e['exception_id']}", f"status {STATUSES.get(e['status'], e['status']).lower()}"]
    if e["fields"]:
        facts.append(f"kolom berbeda: {e['fields'].replace(';', ', ')}")
    if e["mpn_amount"] is not None or e["bank_amount"] is not None:
        facts.append(f"MPN {_money(e['mpn_amount'])} / bank {_money(e['bank_amount'])}")
    steps = [
        Step(
            "recon",
            f"Selisih: {label} ({official})",
            e["opened_at"],
            who(e["actor"]),
            "; ".join(facts),
            "warning" if closed else "failed",
        )
    ]
    key = str(e["exception_id"])
    events = (
        conn.execute(
            text("""
        SELECT at, actor, actor_role, action, object_type, coalesce(after, '{}'::jsonb) AS after FROM audit_log
         WHERE (object_type, object_id) IN ((:t1, :id), (:t2, :id), (:t3, :id)) ORDER BY seq"""),
            {"t1": OBJECT_TYPE, "t2": KIND_RESOLUTION, "t3": KIND_ADJUSTMENT, "id": key},
        )
        .mappings()
        .all()
    )
    work = [_work_step(ev) for ev in events]
    work += [
        Step(
            "recon",
            f"Berita Acara {ba.number} dicatat",
            ba.registered_at,
            ba.registered_by,
            f"Alasan: {ba.reason}; permintaan: {ba.request}; status {ba.status}",
            "info",
        )
        for ba in conn.execute(
            text("""SELECT number, reason, request, status, registered_by, registered_at
                                              FROM berita_acara WHERE exception_id = :i OR ntpn = :n
                                             ORDER BY ba_id"""),
            {"i": e["exception_id"], "n": e["ntpn"]},
        )
    ]
    work += [
        Step("recon", f"Nota Perbaikan {np.number} dicatat", np.recorded_at, np.recorded_by, np.description, "info")
        for np in conn.execute(
            text("""SELECT number, description, recorded_by, recorded_at FROM nota_perbaikan
                                             WHERE exception_id = :i ORDER BY nota_id"""),
            {"i": e["exception_id"]},
        )
    ]
    if e["closed_by_data"] and e["resolved_at"] is not None:
        work.append(
            Step(
                "recon",
                "Tertutup otomatis oleh data",
                e["resolved_at"],
                who(e["resolved_by"]) or "sistem",
                e["note"],
                "done",
            )
        )
    return steps + sorted(work, key=lambda s: s.at or e["opened_at"])


def _money(amount: int | None) -> str:
    return "—" if amount is None else rupiah(amount)


def _work_step(ev: Any) -> Step:
    """One audited act on an exception (assignment, comment, clarification, request, decision, closure)."""
    after, action, role = ev["after"], ev["action"], _role(ev["actor_role"])
    actor = who(ev["actor"])
    title, detail, state = ACTIONS.get(action, action), "", "info"
    if action == "exception.assign":
        title = f"Ditugaskan kepada {after.get('assignee')}" if after.get("assignee") else "Penugasan dicabut"
    elif action == "exception.comment":
        title, detail = "Komentar", str(after.get("body", ""))
    elif action == "exception.clarify":
        title, detail = "Klarifikasi dengan bank dimulai", str(after.get("note", ""))
    elif action == "approval.request":
        what = "penyelesaian" if ev["object_type"] == KIND_RESOLUTION else "penyesuaian"
        title = f"Pengajuan {what}"
        detail = "; ".join(
            str(v) for v in (CAUSES.get(after.get("summary", {}).get("cause", ""), ""), after.get("note", "")) if v
        )
    elif action == "approval.approve":
        title, state = f"Disetujui {role}".strip(), "done"
        detail = str(after.get("note", ""))
    elif action == "approval.reject":
        title, state, detail = f"Dikembalikan {role}".strip(), "warning", str(after.get("note", ""))
    elif action == "exception.resolve":
        title, state = "Selisih diselesaikan", "done"
        detail = "; ".join(
            str(v)
            for v in (
                CAUSES.get(str(after.get("cause", "")), after.get("cause")),
                after.get("note"),
                f"diajukan oleh {after['maker']}" if after.get("maker") else "",
            )
            if v
        )
    elif action == "exception.adjust":
        title, state = "Penyesuaian dicatat", "done"
        detail = ", ".join(f"{k}: {v}" for k, v in after.items() if k in ("kind", "side", "cause", "note"))
    return Step("recon", title, ev["at"], f"{actor} ({role})" if role and actor else actor, detail, state)


def _statement(conn: Connection, bank: str, day: date) -> list[Step]:
    cell = statement_cell(conn, bank, day)
    if cell is None:
        return []
    due = f"batas {waktu_wib(cell.deadline)}"
    if cell.letter_id is None:
        late = datetime.now(cell.deadline.tzinfo) > cell.deadline
        return [
            Step(
                "statement",
                "Surat pernyataan belum diterima",
                None,
                None,
                f"Bank {cell.bank_name}, tanggal buku {tanggal_pendek(day)}; {due}",
                "failed" if late else "pending",
            )
        ]
    states = {"received": "done", "late": "warning", "mismatch": "failed"}
    letter_date = tanggal_pendek(cell.letter_date) if cell.letter_date else "—"
    detail = (
        f"Nomor {cell.letter_number} tanggal {letter_date}"
        f", menyatakan {cell.declared_count} transaksi {_money(cell.declared_amount)}; {due}; "
        f"status: {cell.status_title.lower()}"
    )
    return [
        Step(
            "statement",
            f"Surat pernyataan {cell.letter_number} diterima",
            cell.received_at,
            who(cell.entered_by) or cell.signer,
            detail,
            states.get(cell.status, "info"),
        )
    ]


def _appeals(conn: Connection, bank: str, day: date) -> list[Step]:
    ids = (
        conn.execute(
            text("""SELECT letter_id FROM appeal_letter WHERE bank_code = :b AND :d = ANY(business_dates)
                                AND status <> 'void' ORDER BY letter_id"""),
            {"b": bank, "d": day},
        )
        .scalars()
        .all()
    )
    steps = []
    for letter_id in ids:
        a = appeal_letter(conn, letter_id)
        done = [f"dikonsep {a.drafted_by} {waktu_wib(a.drafted_at)}"]
        if a.initialled_by and a.initialled_at:
            done.append(f"paraf {a.initialled_by} {waktu_wib(a.initialled_at)}")
        if a.signed_by and a.signed_at:
            done.append(f"ditandatangani {a.signed_by} {waktu_wib(a.signed_at)}")
        if a.sent_on:
            done.append(f"dikirim {tanggal_pendek(a.sent_on)} oleh {a.sent_by} (agenda {a.agenda_number})")
        if a.answered_at:
            done.append(f"dijawab {waktu_wib(a.answered_at)}")
        moments = [m for m in (a.drafted_at, a.initialled_at, a.signed_at, a.answered_at) if m is not None]
        last = max(moments)
        actor = a.signed_by or a.initialled_by or a.drafted_by
        number = a.letter_number or f"#{a.letter_id} (konsep)"
        state = "done" if a.status == "answered" else "warning"
        steps.append(
            Step(
                "appeal",
                f"Surat himbauan {number}: {a.status_title.lower()}",
                last,
                who(actor),
                "; ".join(done),
                state,
                ref=a.letter_id,
            )
        )
    return steps


def _distribution(
    conn: Connection, ntpn: str, day: date, exceptions: list[Any], reversed_: bool, has_payment: bool
) -> list[Step]:
    item = (
        conn.execute(
            text("""
        SELECT d.distribution_id, d.round, d.status, d.prepared_at, d.prepared_by, d.approved_at, i.kpp_code, i.chunk,
               (SELECT batch_id FROM dist_batch b WHERE b.distribution_id = i.distribution_id
                   AND b.kpp_code = i.kpp_code AND b.chunk = i.chunk LIMIT 1) AS batch_id
          FROM dist_item i JOIN distribution d ON d.distribution_id = i.distribution_id
         WHERE i.business_date = :d AND i.ntpn = :n"""),
            {"d": day, "n": ntpn},
        )
        .mappings()
        .first()
    )
    if item is None:
        return [_not_distributed(conn, day, exceptions, reversed_, has_payment)]
    steps = [
        Step(
            "distribution",
            f"Disiapkan untuk distribusi: putaran {item['round']}, batch {item['batch_id']}",
            item["prepared_at"],
            who(item["prepared_by"]),
            f"KPP {item['kpp_code']}; ke SIDJP dan SIPMOD",
            "done" if item["status"] != "prepared" else "pending",
        )
    ]
    request = approvals.latest_for_object(conn, DIST_KIND, str(item["distribution_id"]))
    if request is not None:
        steps.append(
            Step(
                "distribution",
                "Persetujuan diajukan",
                request.made_at,
                f"{request.made_by} ({_role(request.maker_role)})",
                request.note,
                "done",
            )
        )
        for d in request.decisions:
            verb = "Disetujui" if d.decision == "approved" else "Dikembalikan"
            steps.append(
                Step(
                    "distribution",
                    f"{verb} {_role(d.role)}",
                    d.decided_at,
                    f"{d.username} ({_role(d.role)})",
                    d.note,
                    "done" if d.decision == "approved" else "warning",
                )
            )
        if request.status == "pending" and request.next_role:
            steps.append(
                Step("distribution", f"Menunggu persetujuan {_role(request.next_role)}", None, None, "", "pending")
            )
    if item["batch_id"] is not None:
        for target in TARGETS:
            steps += _delivery(conn, target, item["batch_id"], day)
    return steps


def _not_distributed(conn: Connection, day: date, exceptions: list[Any], reversed_: bool, has_payment: bool) -> Step:
    if reversed_ or not has_payment:
        why = (
            "Pembayaran dibatalkan (reversal): tidak didistribusikan."
            if reversed_
            else "Tidak ada pembayaran MPN: tidak didistribusikan."
        )
        return Step("distribution", "Tidak didistribusikan", None, None, why, "info")
    if any(e["status"] in ("open", "in_clarification") for e in exceptions):
        why = REASONS["open_exception"]
    else:
        prepared = conn.execute(
            text("SELECT count(*) FROM distribution WHERE business_date = :d"), {"d": day}
        ).scalar_one()
        why = "Ditahan atau menunggu putaran berikutnya" if prepared else "Distribusi tanggal ini belum disiapkan"
    return Step("distribution", "Belum didistribusikan", None, None, why, "pending")


def _delivery(conn: Connection, target: str, batch_id: str, day: date) -> list[Step]:
    name = TARGET_TITLES[target]
    batch = (
        conn.execute(
            text("SELECT state, confirmed_at FROM dist_batch WHERE target = :t AND batch_id = :b"),
            {"t": target, "b": batch_id},
        )
        .mappings()
        .first()
    )
    attempts = (
        conn.execute(
            text("""SELECT method, started_at, http_status, outcome, error, run_by FROM dist_attempt
                                     WHERE target = :t AND batch_id = :b ORDER BY attempt_id"""),
            {"t": target, "b": batch_id},
        )
        .mappings()
        .all()
    )
    steps = []
    for n, a in enumerate(attempts, start=1):
        outcome = ATTEMPT_OUTCOMES.get(a["outcome"], a["outcome"])
        status = f" (HTTP {a['http_status']})" if a["http_status"] else ""
        if a["outcome"] == "confirmed":
            title, state = f"Terkonfirmasi di {name}", "done"
        else:
            title, state = (
                f"{name}: percobaan {n} {a['method']} — {outcome}{status}",
                "info" if a["outcome"] == "not_stored" else "failed",
            )
        detail = f"Percobaan {n}, {a['method']}{status}" + (f"; {a['error']}" if a["error"] else "")
        steps.append(Step(target, title, a["started_at"], who(a["run_by"]), detail, state))
    key = f"{target}:{batch_id}"
    for at, actor, role, after in conn.execute(
        text("""
            SELECT at, actor, actor_role, after FROM audit_log
             WHERE object_type = 'business_date' AND object_id = :d AND action = 'distribution.redistribute'
             ORDER BY seq"""),
        {"d": day.isoformat()},
    ):
        if key in (after or {}).get("batches", []):
            steps.append(
                Step(
                    target,
                    f"Didistribusikan ulang ke {name}",
                    at,
                    f"{who(actor)} ({_role(role)})" if role != "system" else who(actor),
                    f"Batch {batch_id} dikirim lagi setelah gagal",
                    "info",
                )
            )
    steps.sort(key=lambda s: s.at.timestamp() if s.at else 0.0)
    if batch is not None and batch["state"] != "confirmed":
        waiting = {"failed": ("Gagal; menunggu distribusi ulang", "failed")}.get(
            batch["state"], ("Belum terkonfirmasi", "pending")
        )
        steps.append(Step(target, f"{name}: {waiting[0].lower()}", None, None, f"Batch {batch_id}", waiting[1]))
    return steps
