"""Adjustments (DOMAIN R8) and their order rule (R9), through a kasi's approval.

An adjustment never edits imported data: it is an `adjustment` row naming the record it refers to, with the
record's values before and after; the original stays visible. R9 (PER-78 Ps.7(3)-(4)): it may not move money
out of the treasury (lower what MPN recorded) and is booked on a business date that is not yet reconciled
(LHP receipt is no input here; a date's LHP is due the morning after its reconciliation, so a finished run is
the binding and checkable moment). After reconciliation the bank's Nota Perbaikan is the path
(`queries.reconciliation.berita_acara.record_nota_perbaikan`). Nothing here commits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from queries.accounts.approvals import Approval
from queries.accounts.audit import record
from queries.accounts.users import User
from queries.calendar import WIB
from queries.reconciliation.model import ExceptionRow
from queries.reconciliation.work import (
    KIND_ADJUSTMENT,
    OBJECT_TYPE,
    WORK,
    WorkRefused,
    acting,
    approve_resolution,
    ask,
    check_cause,
    check_date,
    clean_text,
    close,
    content_hash,
    decide,
    exception_row,
    locked_open,
    pending_request,
    reject_resolution,
    waiting,
)

#: The largest amount a form may carry: PostgreSQL's bigint.
MAX_AMOUNT = 9_223_372_036_854_775_807

#: Adjustment kinds with their Indonesian labels.
ADJUSTMENT_KINDS: dict[str, str] = {
    "reversal": "Reversal (pembatalan, dapat disertai perekaman ulang)",
    "addition": "Penambahan",
    "correction": "Koreksi",
}
SIDES: dict[str, str] = {"mpn": "Data MPN", "bank": "Batch bank"}
#: The fields of one payment, as both sides carry them.
PAYMENT_FIELDS = ("ntpn", "bank_code", "ntb", "paid_at", "npwp", "kap", "kjs", "tax_period", "kpp_code", "amount")
WIB_FORMAT = "%d-%m-%Y %H:%M"


class NeedsNotaPerbaikan(WorkRefused):
    """R9: the booking date is reconciled, so the correction can no longer be an adjustment; it comes as the bank's
    Nota Perbaikan (`queries.reconciliation.berita_acara.record_nota_perbaikan`), which the page then offers."""


class RecordRef(NamedTuple):
    """One imported record: side `mpn` (`source_id` = import_id) or `bank` (`source_id` = batch_id)."""

    side: str
    business_date: date
    source_id: int
    line: int


def _iso(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def jsonable(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """`values` as they read back from jsonb (dates and times as ISO text)."""
    return None if values is None else json.loads(json.dumps(dict(values), default=_iso, sort_keys=True))


_SOURCE = {
    "mpn": """SELECT ntpn, bank_code, ntb, paid_at, npwp, kap, kjs, tax_period, kpp_code, amount, record_type
                FROM mpn_record WHERE business_date = :d AND import_id = :src AND line = :line""",
    "bank": """SELECT ntpn, bank_code, ntb, paid_at, npwp, kap, kjs, tax_period, kpp_code, amount
                 FROM bank_batch_row WHERE business_date = :d AND batch_id = :src AND line = :line""",
}


def source_record(conn: Connection, ref: RecordRef) -> dict[str, Any] | None:
    """The imported record `ref` points at, as jsonable values, or None."""
    if ref.side not in _SOURCE:
        raise WorkRefused(f"Sisi data '{ref.side}' tidak dikenal; pilih mpn atau bank.")
    row = (
        conn.execute(text(_SOURCE[ref.side]), {"d": ref.business_date, "src": ref.source_id, "line": ref.line})
        .mappings()
        .first()
    )
    return None if row is None else jsonable(dict(row))


def payment_values(values: Mapping[str, Any], *, what: str) -> dict[str, Any]:
    """Check payment fields (known names, a positive whole amount, an aware time); returns them jsonable."""
    unknown = sorted(set(values) - set(PAYMENT_FIELDS) - {"record_type"})
    if unknown:
        raise WorkRefused(f"{what}: kolom tidak dikenal: {', '.join(unknown)}.")
    out = dict(values)
    if "amount" in out:
        amount = out["amount"]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise WorkRefused(f"{what}: jumlah harus bilangan bulat rupiah lebih dari nol.")
        if amount > MAX_AMOUNT:
            raise WorkRefused(f"{what}: jumlah {amount} terlalu besar (paling banyak {MAX_AMOUNT}).")
    if "paid_at" in out:
        paid = out["paid_at"]
        try:
            moment = paid if isinstance(paid, datetime) else datetime.fromisoformat(str(paid))
        except ValueError as err:
            raise WorkRefused(
                f"{what}: waktu bayar '{paid}' tidak terbaca (contoh 2026-11-20T10:00:00+07:00)."
            ) from err
        if moment.tzinfo is None:
            raise WorkRefused(f"{what}: waktu bayar harus menyertakan zona waktu (+07:00, +08:00 atau +09:00).")
        check_date(moment.date(), f"{what}: waktu bayar")
        out["paid_at"] = moment
    for key in PAYMENT_FIELDS:
        if key in out and key not in ("amount", "paid_at"):
            if not str(out[key]).strip():
                raise WorkRefused(f"{what}: {key} tidak boleh kosong.")
            clean_text(str(out[key]), f"{what}: {key}", multiline=False)
    return jsonable(out) or {}


def cancelled_numbers(conn: Connection, values: Mapping[str, Any]) -> list[str]:
    """The NTPN and (bank, NTB) of `values` that are in the cancelled-number register (R10)."""
    return list(
        conn.execute(
            text("""
        SELECT kind || ' ' || number FROM cancelled_number
         WHERE (kind = 'ntpn' AND number = :ntpn) OR (kind = 'ntb' AND bank_code = :bank AND number = :ntb)
         ORDER BY kind"""),
            {"ntpn": values.get("ntpn"), "bank": values.get("bank_code"), "ntb": values.get("ntb")},
        ).scalars()
    )


def reconciled_at(conn: Connection, business_date: date, bank_code: str) -> datetime | None:
    """When the first reconciliation run covering (date, bank) finished, or None while it has not."""
    return conn.execute(
        text("""
        SELECT min(finished_at) FROM recon_run
         WHERE business_date = :d AND status = 'finished' AND (bank_code IS NULL OR bank_code = :bank)"""),
        {"d": business_date, "bank": bank_code},
    ).scalar_one()


def order_refusal(conn: Connection, effective: date, bank_code: str) -> str | None:
    """R9: why nothing can be booked on `effective` any more (reconciled: use a Nota Perbaikan), or None."""
    done = reconciled_at(conn, effective, bank_code)
    if done is None:
        return None
    return (
        f"Rekonsiliasi tanggal {effective:%d-%m-%Y} untuk bank {bank_code} sudah selesai pada "
        f"{done.astimezone(WIB):{WIB_FORMAT}} WIB; setelah rekonsiliasi, koreksi tidak dapat lagi dicatat "
        "sebagai reversal/penyesuaian (PER-78 Ps.7 ayat (4)). Gunakan Nota Perbaikan dari bank "
        "(PER-78 Ps.11 ayat (3))."
    )


def _rupiah(n: int) -> str:
    return "Rp " + f"{n:,}".replace(",", ".")


def _proposal(
    conn: Connection,
    exc: ExceptionRow,
    *,
    kind: str,
    side: str,
    ref: RecordRef | None,
    changes: Mapping[str, Any] | None,
    effective: date,
) -> dict[str, Any]:
    """Validate an adjustment against R8/R9/R10; returns what the request pins (before, after, ...)."""
    if kind not in ADJUSTMENT_KINDS:
        raise WorkRefused(f"Jenis penyesuaian '{kind}' tidak dikenal; pilih: {', '.join(ADJUSTMENT_KINDS)}.")
    if side not in SIDES:
        raise WorkRefused(f"Sisi data '{side}' tidak dikenal; pilih mpn atau bank.")
    if exc.level != "transaction":
        raise WorkRefused("Penyesuaian hanya untuk selisih tingkat transaksi (ber-NTPN).")
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None
    if kind == "addition":
        if ref is not None:
            raise WorkRefused("Penambahan tidak merujuk data yang sudah ada; kosongkan rujukannya.")
        after = payment_values(
            {"ntpn": exc.ntpn, "bank_code": exc.bank_code, **(changes or {})}, what="Data penambahan"
        )
        missing = [f for f in PAYMENT_FIELDS if f not in after]
        if missing:
            raise WorkRefused(f"Data penambahan belum lengkap: {', '.join(missing)}.")
    else:
        if ref is None or ref.side != side:
            raise WorkRefused("Reversal dan koreksi harus merujuk satu data impor di sisi yang dipilih.")
        before = source_record(conn, ref)
        if before is None or before["ntpn"] != exc.ntpn:
            raise WorkRefused(f"Data yang dirujuk tidak ditemukan atau bukan NTPN {exc.ntpn}.")
        if kind == "correction" and not changes:
            raise WorkRefused("Koreksi memerlukan nilai yang diubah.")
        after = payment_values({**before, **changes}, what="Nilai sesudah") if changes else None
        if after is not None and after == before:
            raise WorkRefused("Nilai sesudah sama dengan nilai sebelum; tidak ada yang dikoreksi.")
    if after is not None:
        changed_ref = before is None or (after["ntpn"], after["ntb"]) != (before["ntpn"], before["ntb"])
        reused = cancelled_numbers(conn, after) if changed_ref else []
        if reused:
            raise WorkRefused(
                f"Nomor yang sudah dibatalkan tidak boleh dipakai lagi ({'; '.join(reused)}; KEP-162 Ps.6 ayat (4))."
            )
    money_out = (before or {}).get("amount", 0) - (after or {}).get("amount", 0) if side == "mpn" else 0
    if money_out > 0:
        raise WorkRefused(
            f"Penyesuaian ini mengurangi penerimaan yang tercatat di MPN sebesar {_rupiah(money_out)},"
            " berarti mengeluarkan uang dari Kas Negara; reversal/penyesuaian hanya boleh untuk koreksi"
            " yang tidak mengeluarkan uang dari Kas Negara (PER-78 Ps.7 ayat (3))."
        )
    check_date(effective, "Tanggal pembukuan penyesuaian")
    if effective < exc.business_date:
        raise WorkRefused("Tanggal pembukuan penyesuaian tidak boleh sebelum tanggal bisnis selisihnya.")
    if (why := order_refusal(conn, effective, exc.bank_code)) is not None:
        raise NeedsNotaPerbaikan(why)
    return {
        "kind": kind,
        "side": side,
        "record": None if ref is None else jsonable(ref._asdict()),
        "before": before,
        "after": after,
        "effective_date": effective.isoformat(),
    }


def request_adjustment(
    conn: Connection,
    exception_id: int,
    *,
    kind: str,
    side: str,
    record_ref: RecordRef | None,
    changes: Mapping[str, Any] | None,
    cause: str,
    note: str,
    actor: User,
    effective_date: date | None = None,
) -> Approval:
    """Ask a kasi to close the exception as `adjusted` by a reversal, addition or correction (R8, R9).

    `record_ref`: the imported record a reversal or correction refers to (None for an addition). `changes`:
    the fields that change (correction), the re-recorded values (reversal with re-recording; None cancels) or
    the whole new record (addition). `effective_date`: the business date it is booked on (default: the
    exception's); refused once that date is reconciled, with the Nota Perbaikan path in the message.
    """
    user = acting(conn, actor, WORK, "mengajukan penyesuaian")
    cause = check_cause(cause)
    note = clean_text(note, "Keterangan penyesuaian")
    exc = locked_open(conn, exception_id, "disesuaikan")
    proposal = _proposal(
        conn, exc, kind=kind, side=side, ref=record_ref, changes=changes, effective=effective_date or exc.business_date
    )
    return ask(
        conn, exc, kind=KIND_ADJUSTMENT, actor=user, proposal={**proposal, "cause": cause, "note": note}, note=note
    )


def approve_adjustment(conn: Connection, exception_id: int, *, actor: User, note: str = "") -> ExceptionRow:
    """The kasi approves the pending adjustment: the adjustment row is written, the exception becomes `adjusted`.

    Refused when the booking date was reconciled meanwhile (R9), or the record or exception changed.
    """
    exc = locked_open(conn, exception_id, "disesuaikan")
    request = waiting(conn, exc, KIND_ADJUSTMENT)
    p = request.summary
    effective = date.fromisoformat(p["effective_date"])
    if (why := order_refusal(conn, effective, exc.bank_code)) is not None:
        raise NeedsNotaPerbaikan(why)
    ref = (
        None
        if p["record"] is None
        else RecordRef(
            p["record"]["side"],
            date.fromisoformat(p["record"]["business_date"]),
            p["record"]["source_id"],
            p["record"]["line"],
        )
    )
    now = {**p, "before": None if ref is None else source_record(conn, ref)}  # the record as it is now
    done = decide(conn, request, actor=actor, approve=True, note=note, pinned=content_hash(exc, now))
    adjustment_id = conn.execute(
        text("""
        INSERT INTO adjustment (exception_id, kind, side, ref_business_date, ref_source_id, ref_line, effective_date,
                                before, after, cause, note, request_id, requested_by, approved_by)
        VALUES (:id, :kind, :side, :rdate, :rsrc, :rline, :eff, CAST(:before AS jsonb), CAST(:after AS jsonb),
                :cause, :note, :request, :maker, :checker)
        RETURNING adjustment_id"""),
        {
            "id": exception_id,
            "kind": p["kind"],
            "side": p["side"],
            "eff": effective,
            **(
                {"rdate": None, "rsrc": None, "rline": None}
                if ref is None
                else {"rdate": ref.business_date, "rsrc": ref.source_id, "rline": ref.line}
            ),
            "before": None if p["before"] is None else json.dumps(p["before"]),
            "after": None if p["after"] is None else json.dumps(p["after"]),
            "cause": p["cause"],
            "note": p["note"],
            "request": done.request_id,
            "maker": done.made_by,
            "checker": actor.username,
        },
    ).scalar_one()
    closed = close(conn, exc, done, status="adjusted", cause=p["cause"], note=p["note"])
    record(
        conn,
        actor.actor(),
        "exception.adjust",
        object_type=OBJECT_TYPE,
        object_id=str(exception_id),
        before={"status": exc.status, "record": p["before"]},
        after={
            "status": "adjusted",
            "adjustment_id": adjustment_id,
            "kind": p["kind"],
            "side": p["side"],
            "record": p["after"],
            "effective_date": p["effective_date"],
            "request_id": done.request_id,
        },
    )
    return closed


def reject_adjustment(conn: Connection, exception_id: int, *, actor: User, note: str) -> Approval:
    """The kasi returns the pending adjustment with a note; the exception stays as it was."""
    exc = exception_row(conn, exception_id, lock=True)
    request = waiting(conn, exc, KIND_ADJUSTMENT)
    return decide(conn, request, actor=actor, approve=False, note=clean_text(note, "Alasan pengembalian"))


def approve_pending(conn: Connection, exception_id: int, *, actor: User, note: str = "") -> ExceptionRow:
    """The kasi approves the exception's pending request, an adjustment or a resolution; returns the closed
    exception (`adjusted` or `resolved`)."""
    request = pending_request(conn, exception_id)
    if request is not None and request.kind == KIND_ADJUSTMENT:
        return approve_adjustment(conn, exception_id, actor=actor, note=note)
    return approve_resolution(conn, exception_id, actor=actor, note=note)


def return_pending(conn: Connection, exception_id: int, *, actor: User, note: str) -> Approval:
    """The kasi returns the exception's pending request, an adjustment or a resolution, to its maker with a note."""
    request = pending_request(conn, exception_id)
    if request is not None and request.kind == KIND_ADJUSTMENT:
        return reject_adjustment(conn, exception_id, actor=actor, note=note)
    return reject_resolution(conn, exception_id, actor=actor, note=note)
