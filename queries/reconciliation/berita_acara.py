"""Berita Acara (DOMAIN R11, KEP-162 Ps.6), the cancelled-number register it feeds (R10), and Nota Perbaikan.

A Berita Acara is the collecting agent's report on one transaction it could not complete online, asking to
cancel it, cancel and re-record it, or record it. Registering one that cancels puts the transaction's NTPN and
NTB in `cancelled_number`, so reconciliation reports any later use of them as `cancelled_reused`. A Nota
Perbaikan (PER-78 Ps.11(3)) records a correction the bank sends after reconciliation (R9's second path).
Refusals are `WorkRefused` (nothing written); everything is audited last; nothing commits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from queries.accounts.audit import record
from queries.accounts.users import User
from queries.db import xact_lock
from queries.reconciliation.adjust import PAYMENT_FIELDS, cancelled_numbers, payment_values, reconciled_at
from queries.reconciliation.work import WORK, WorkRefused, acting, check_date, clean_text, exception_row

#: KEP-162 Ps.6: why the transaction could not be completed online.
REASONS: dict[str, str] = {
    "communication_failure": "Gangguan komunikasi data lebih dari satu hari",
    "application_failure": "Gangguan aplikasi lebih dari satu hari",
    "late_reversal": "Reversal lebih dari satu hari kerja",
    "recording_error": "Kesalahan perekaman",
    "other_rule": "Ketentuan lain",
}
#: KEP-162 Ps.6: what the Berita Acara asks for.
REQUESTS: dict[str, str] = {
    "cancel": "Pembatalan",
    "cancel_rerecord": "Pembatalan dan perekaman ulang",
    "record": "Perekaman",
}
CANCELS = ("cancel", "cancel_rerecord")
#: The re-recording form's mandatory fields (the NTPN of a re-recorded payment is issued by MPN later).
RERECORD_FIELDS = tuple(f for f in PAYMENT_FIELDS if f != "ntpn")


@dataclass(frozen=True, slots=True)
class BeritaAcara:
    """One registered Berita Acara."""

    ba_id: int
    number: str
    ntpn: str
    bank_code: str
    ntb: str
    reason: str
    request: str
    rerecord: dict[str, Any] | None
    exception_id: int | None
    note: str
    registered_by: str
    registered_at: datetime
    status: str

    @property
    def reason_label(self) -> str:
        """The reason in Indonesian."""
        return REASONS.get(self.reason, self.reason)

    @property
    def request_label(self) -> str:
        """The request in Indonesian."""
        return REQUESTS.get(self.request, self.request)


@dataclass(frozen=True, slots=True)
class NotaPerbaikan:
    """One recorded Nota Perbaikan."""

    nota_id: int
    bank_code: str
    number: str
    letter_date: date
    business_date: date
    ntpn: str
    exception_id: int | None
    description: str
    corrections: dict[str, Any]
    recorded_by: str
    recorded_at: datetime


BA_COLUMNS = """ba_id, number, ntpn, bank_code, ntb, reason, request, rerecord, exception_id, note, registered_by,
                registered_at, status"""
NOTA_COLUMNS = """nota_id, bank_code, number, letter_date, business_date, ntpn, exception_id, description,
                  corrections, recorded_by, recorded_at"""


#: Berita Acara reasons that cite a disruption, and the notice causes that cover each.
BA_CAUSES: dict[str, tuple[str, ...]] = {
    "communication_failure": ("communication_failure", "force_majeure"),
    "application_failure": ("application_failure", "force_majeure"),
}


_LINK = text("""
WITH paid AS (
    SELECT ba.ba_id, ba.reason, ba.bank_code,
           coalesce((SELECT max(m.paid_at) FROM mpn_record m WHERE m.ntpn = ba.ntpn AND m.record_type = 'payment'),
                    (SELECT max(r.paid_at) FROM bank_batch_row r WHERE r.ntpn = ba.ntpn)) AS paid_at
      FROM berita_acara ba
     WHERE ba.notice_id IS NULL AND ba.bank_code = :bank AND ba.reason = ANY(:reasons)
)
UPDATE berita_acara ba SET notice_id = pick.notice_id
  FROM (SELECT DISTINCT ON (p.ba_id) p.ba_id, n.notice_id
          FROM paid p JOIN disruption_notice n ON n.bank_code = p.bank_code AND n.withdrawn_at IS NULL
           AND p.paid_at BETWEEN n.period_from AND n.period_to
           AND n.cause = ANY(CASE p.reason WHEN 'communication_failure' THEN CAST(:comm AS text[])
                                           ELSE CAST(:app AS text[]) END)
         ORDER BY p.ba_id, n.received_at DESC, n.notice_id DESC) pick
 WHERE ba.ba_id = pick.ba_id
RETURNING ba.ba_id, ba.notice_id
""")


def link_berita_acara(conn: Connection, *, bank_code: str) -> int:
    """Link the bank's unlinked Berita Acara citing a disruption to the active notice whose period holds the
    transaction's payment time (the latest notice when several do); returns how many were linked."""
    return len(
        conn.execute(
            _LINK,
            {
                "bank": bank_code,
                "reasons": list(BA_CAUSES),
                "comm": list(BA_CAUSES["communication_failure"]),
                "app": list(BA_CAUSES["application_failure"]),
            },
        ).all()
    )


def linked_berita_acara(conn: Connection, notice_id: int) -> list[BeritaAcara]:
    """The Berita Acara that refer to the notice, oldest first (the reconciliation's own row type)."""
    rows = conn.execute(
        text(f"""SELECT {BA_COLUMNS} FROM berita_acara
                                  WHERE notice_id = :id ORDER BY registered_at, ba_id"""),
        {"id": notice_id},
    )
    return [BeritaAcara(*r) for r in rows]


def _number(value: str, what: str) -> str:
    return clean_text(" ".join((value or "").split()), f"Nomor {what}", multiline=False)


def _constraint(err: IntegrityError) -> str:
    diag = getattr(err.orig, "diag", None)
    return str(getattr(diag, "constraint_name", "") or "")


_TRANSACTION = text("""
    SELECT 'mpn' AS side, business_date, bank_code, ntb, paid_at FROM mpn_record
     WHERE ntpn = :ntpn AND record_type = 'payment'
    UNION ALL
    SELECT 'bank', r.business_date, r.bank_code, r.ntb, r.paid_at FROM bank_batch_row r
      JOIN bank_batch k ON k.batch_id = r.batch_id AND k.superseded_at IS NULL
     WHERE r.ntpn = :ntpn""")


def _rerecord(
    conn: Connection, request: str, values: Mapping[str, Any] | None, *, ntpn: str, bank_code: str, ntbs: set[str]
) -> dict[str, Any] | None:
    """The re-recording form, checked: present exactly when the request re-records, complete, no cancelled number."""
    if request == "cancel":
        if values:
            raise WorkRefused("Permintaan pembatalan saja tidak memerlukan data perekaman ulang.")
        return None
    if not values:
        raise WorkRefused(f"Permintaan '{REQUESTS[request]}' memerlukan data perekaman ulang (formulir perekaman).")
    form = payment_values({"bank_code": bank_code, **values}, what="Data perekaman ulang")
    missing = [f for f in RERECORD_FIELDS if f not in form]
    if missing:
        raise WorkRefused(f"Data perekaman ulang belum lengkap: {', '.join(missing)}.")
    if request == "cancel_rerecord" and (form.get("ntpn") == ntpn or form["ntb"] in ntbs):
        raise WorkRefused(
            "Perekaman ulang harus memakai NTPN/NTB baru: nomor transaksi yang dibatalkan tidak boleh "
            "dipakai lagi (KEP-162 Ps.6 ayat (4))."
        )
    reused = cancelled_numbers(conn, form)
    if reused:
        raise WorkRefused(f"Data perekaman ulang memakai nomor yang sudah dibatalkan ({'; '.join(reused)}).")
    return form


def register_berita_acara(
    conn: Connection,
    *,
    number: str,
    ntpn: str,
    bank_code: str,
    reason: str,
    request: str,
    rerecord: Mapping[str, Any] | None,
    actor: User,
    note: str = "",
) -> BeritaAcara:
    """Register a Berita Acara for one transaction (R11); a cancel registers its NTPN and NTB as cancelled (R10).

    Refused: a number already used, an NTPN in no MPN data and no current batch or found more than once, a
    bank other than the transaction's, an unknown reason or request, missing or unneeded re-recording data,
    a cancel of a number already cancelled, a `record` of a transaction MPN already holds.
    """
    user = acting(conn, actor, WORK, "mencatat Berita Acara")
    number = _number(number, "Berita Acara")
    ntpn = "".join((ntpn or "").split()).upper()
    if not ntpn:
        raise WorkRefused("NTPN wajib diisi: satu Berita Acara untuk tepat satu transaksi.")
    if reason not in REASONS:
        raise WorkRefused(f"Alasan '{reason}' tidak dikenal; pilih: {'; '.join(REASONS.values())}.")
    if request not in REQUESTS:
        raise WorkRefused(f"Permintaan '{request}' tidak dikenal; pilih: {'; '.join(REQUESTS.values())}.")
    note = clean_text(note, "Catatan", required=False)
    xact_lock(conn, "berita_acara", ntpn)
    taken = conn.execute(
        text("SELECT number, registered_at FROM berita_acara WHERE lower(number) = lower(:n)"), {"n": number}
    ).first()
    if taken is not None:
        raise WorkRefused(
            f"Nomor Berita Acara {taken.number} sudah terdaftar pada {taken.registered_at:%d-%m-%Y}; "
            "nomor Berita Acara harus unik."
        )
    found = conn.execute(_TRANSACTION, {"ntpn": ntpn}).all()
    if not found:
        raise WorkRefused(
            f"NTPN {ntpn} tidak ditemukan di data MPN maupun di batch bank; Berita Acara harus merujuk "
            "satu transaksi yang ada."
        )
    sides = [r.side for r in found]
    if sides.count("mpn") > 1 or sides.count("bank") > 1:
        raise WorkRefused(
            f"NTPN {ntpn} tercatat lebih dari sekali; satu Berita Acara hanya untuk tepat satu "
            "transaksi. Selesaikan duplikasinya lebih dulu."
        )
    banks = {r.bank_code for r in found}
    if banks != {bank_code}:
        raise WorkRefused(f"Transaksi NTPN {ntpn} milik bank {', '.join(sorted(banks))}, bukan {bank_code}.")
    if request == "record" and "mpn" in sides:
        raise WorkRefused(f"Transaksi NTPN {ntpn} sudah tercatat di MPN; permintaan perekaman tidak diperlukan.")
    if (
        request in CANCELS
        and conn.execute(
            text("SELECT 1 FROM cancelled_number WHERE kind = 'ntpn' AND number = :n"), {"n": ntpn}
        ).first()
    ):
        raise WorkRefused(f"NTPN {ntpn} sudah dibatalkan sebelumnya.")
    ntbs = {r.ntb for r in found}
    form = _rerecord(conn, request, rerecord, ntpn=ntpn, bank_code=bank_code, ntbs=ntbs)
    main_ntb = next((r.ntb for r in found if r.side == "mpn"), found[0].ntb)
    exception_id = conn.execute(
        text("""
        SELECT exception_id FROM recon_exception
         WHERE business_date = ANY(:dates) AND level = 'transaction' AND bank_code = :bank AND ntpn = :ntpn
         ORDER BY status IN ('open', 'in_clarification') DESC, business_date DESC, exception_id DESC LIMIT 1"""),
        {"dates": sorted({r.business_date for r in found}), "bank": bank_code, "ntpn": ntpn},
    ).scalar()
    try:
        with conn.begin_nested():
            ba = conn.execute(
                text(f"""
                INSERT INTO berita_acara (number, ntpn, bank_code, ntb, reason, request, rerecord, exception_id, note,
                                          registered_by)
                VALUES (:number, :ntpn, :bank, :ntb, :reason, :request, CAST(:form AS jsonb), :exc, :note, :by)
                RETURNING {BA_COLUMNS}"""),
                {
                    "number": number,
                    "ntpn": ntpn,
                    "bank": bank_code,
                    "ntb": main_ntb,
                    "reason": reason,
                    "request": request,
                    "form": None if form is None else json.dumps(form),
                    "exc": exception_id,
                    "note": note,
                    "by": user.username,
                },
            ).one()
    except IntegrityError as err:
        if _constraint(err) != "uq_berita_acara_number":
            raise
        raise WorkRefused(f"Nomor Berita Acara {number} sudah terdaftar; nomor Berita Acara harus unik.") from err
    cancelled = 0
    if request in CANCELS:
        # cancelled_at covers the cancelled payment itself: reconciliation drops MPN payments paid up to it
        cancelled = conn.execute(
            text("""
            INSERT INTO cancelled_number (kind, bank_code, number, ntpn, cancelled_at, source, source_ref)
            SELECT k.kind, :bank, k.number, :ntpn, greatest(now(), CAST(:paid AS timestamptz)), 'berita_acara', :ref
              FROM (SELECT 'ntpn' AS kind, CAST(:ntpn AS text) AS number
                    UNION SELECT 'ntb', unnest(CAST(:ntbs AS text[]))) k
            ON CONFLICT DO NOTHING"""),
            {
                "bank": bank_code,
                "ntpn": ntpn,
                "ntbs": sorted(ntbs),
                "ref": number,
                "paid": max(r.paid_at for r in found),
            },
        ).rowcount
    if reason in BA_CAUSES:  # KEP-162 Ps.6(1) a-b: a disruption the bank may have notified in writing
        link_berita_acara(conn, bank_code=bank_code)
    record(
        conn,
        user.actor(),
        "berita_acara.register",
        object_type="berita_acara",
        object_id=number,
        after={
            "ba_id": ba.ba_id,
            "ntpn": ntpn,
            "bank_code": bank_code,
            "reason": reason,
            "request": request,
            "rerecord": form,
            "exception_id": exception_id,
            "cancelled_numbers": cancelled,
        },
    )
    return BeritaAcara(*ba)


def record_nota_perbaikan(
    conn: Connection,
    *,
    number: str,
    bank_code: str,
    business_date: date,
    letter_date: date,
    description: str,
    actor: User,
    exception_id: int | None = None,
    ntpn: str = "",
    corrections: Mapping[str, Any] | None = None,
) -> NotaPerbaikan:
    """Record the bank's Nota Perbaikan for an error found after the date's reconciliation (PER-78 Ps.11(3)).

    Refused before the date (and bank) is reconciled: then the path is a reversal/adjustment (R9).
    """
    user = acting(conn, actor, WORK, "mencatat Nota Perbaikan")
    number = _number(number, "Nota Perbaikan")
    description = clean_text(description, "Uraian perbaikan")
    check_date(letter_date, "Tanggal nota")
    check_date(business_date, "Tanggal buku")
    if conn.execute(text("SELECT 1 FROM bank WHERE bank_code = :b"), {"b": bank_code}).first() is None:
        raise WorkRefused(f"Bank {bank_code} tidak dikenal.")
    if exception_id is not None:
        exc = exception_row(conn, exception_id, lock=True)
        if (exc.bank_code, exc.business_date) != (bank_code, business_date):
            raise WorkRefused(
                f"Selisih #{exception_id} milik bank {exc.bank_code} tanggal "
                f"{exc.business_date:%d-%m-%Y}, bukan bank {bank_code} tanggal {business_date:%d-%m-%Y}."
            )
        ntpn = ntpn or exc.ntpn
    if reconciled_at(conn, business_date, bank_code) is None:
        raise WorkRefused(
            f"Tanggal {business_date:%d-%m-%Y} untuk bank {bank_code} belum direkonsiliasi; sebelum "
            "rekonsiliasi, koreksi dicatat sebagai reversal/penyesuaian, bukan Nota Perbaikan."
        )
    try:
        with conn.begin_nested():
            nota = conn.execute(
                text(f"""
                INSERT INTO nota_perbaikan (bank_code, number, letter_date, business_date, ntpn, exception_id,
                                            description, corrections, recorded_by)
                VALUES (:bank, :number, :letter, :d, :ntpn, :exc, :desc, CAST(:corr AS jsonb), :by)
                RETURNING {NOTA_COLUMNS}"""),
                {
                    "bank": bank_code,
                    "number": number,
                    "letter": letter_date,
                    "d": business_date,
                    "ntpn": (ntpn or "").strip().upper(),
                    "exc": exception_id,
                    "desc": description,
                    "corr": json.dumps(dict(corrections or {}), default=str),
                    "by": user.username,
                },
            ).one()
    except IntegrityError as err:
        if _constraint(err) != "uq_nota_perbaikan_number":
            raise
        raise WorkRefused(f"Nota Perbaikan nomor {number} dari bank {bank_code} sudah tercatat.") from err
    record(
        conn,
        user.actor(),
        "nota_perbaikan.record",
        object_type="nota_perbaikan",
        object_id=f"{bank_code}:{number}",
        after={
            "nota_id": nota.nota_id,
            "business_date": business_date,
            "ntpn": nota.ntpn,
            "exception_id": exception_id,
            "description": description[:200],
        },
    )
    return NotaPerbaikan(*nota)
