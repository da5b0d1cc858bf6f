"""Sending each bank its reconciliation result (PER-78/PB/2006 Ps.11(2): within one hour of its batch).

`dispatch_results(engine, now)` runs right after every reconciliation commits (the scheduler's reconcile jobs and
`mpn reconcile` call it, and the mail job every minute as a safety net). For each current batch a finished
reconciliation included and no result carries yet, in its own transaction under the (bank, date) lock:

1. the Berita Acara Rekonsiliasi PDF of that bank and date (totals of both sides, matched, every difference, the
   one-hour line, and section D: version, what it replaces, the deadline, how to verify it) and the bank's open
   differences as a formula-safe CSV (`mpn exceptions`' columns) are made and stored by SHA-256;
2. the result row is stored as the next version for the bank and date (a resend of the batch: version 2, which
   says it replaces version 1; earlier versions still waiting never leave);
3. the message (Bahasa Indonesia, text and HTML: date, counts, what the bank must do, the verification code) goes
   to the outbox for the bank's head-office addresses, or waits for the kasi (`results.require_approval`), or is
   recorded `no_address` when master data has no address (shown by `mpn results list`, audited).

Idempotent: one result per batch (`bank_result.batch_id` is unique; the outbox's dedupe key is bank, date and
version), so running it twice, or two schedulers at once, sends nothing twice.

Verification code: the SHA-256 of the attached PDF file exactly as sent. A file cannot contain its own hash, so the
code is printed in the message body and written to the audit trail (`result.queued`), and the PDF states the
method and carries the SHA-256 of the CSV sent with it. `mpn results verify FILE` says whether a file is one we sent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from jobs.documents.berita_acara_pdf import berita_acara_rekonsiliasi
from jobs.documents.tabular import csv_text
from jobs.scheduling.daily import Outcome
from queries.accounts.audit import Actor
from queries.calendar import calendar_from_db
from queries.db import xact_lock
from queries.formatting import angka, rupiah, tanggal_panjang, waktu_wib
from queries.letters.statements import deadline
from queries.mail.outbox import body, page_url
from queries.reconciliation import bank_results as q
from queries.reconciliation.classify import CATEGORY_LABELS, RESULT_DEADLINE_MINUTES
from queries.reconciliation.report import ReconReport, reconciliation_report
from queries.reconciliation.summary import EXPORT_COLUMNS
from queries.settings import current_settings

log = logging.getLogger(__name__)
REGULATION = "PER-78/PB/2006 Pasal 11 ayat (2)"


def dispatch_results(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """Make and queue the result of every reconciled batch not yet sent; move waiting ones whose reason is gone."""
    with engine.connect() as conn:
        pending = q.pending_results(conn, now)
    made: list[q.ResultRow] = []
    for p in pending:
        with engine.begin() as conn:
            row = _make(conn, p, now, actor)
        if row is not None:
            made.append(row)
    with engine.begin() as conn:
        moved = q.follow_up(conn, actor=actor, now=now)
    if not made and not moved:
        return Outcome(0, "Tidak ada hasil rekonsiliasi baru untuk bank")
    states = [q.STATUS_LABELS[r.state].lower() for r in made]
    parts = [f"{r.bank_code} {r.business_date:%d/%m} v{r.version} ({s})" for r, s in zip(made, states, strict=True)]
    if moved:
        parts.append(f"{moved} hasil yang menunggu diteruskan")
    return Outcome(len(made) + moved, "Hasil ke bank: " + ", ".join(parts))


def _make(conn: Connection, p: q.Pending, now: datetime, actor: Actor) -> q.ResultRow | None:
    """One batch's result, stored and queued (or waiting); None when another dispatcher or a newer run was first."""
    xact_lock(conn, "bank_result", p.bank_code, p.business_date)
    report = reconciliation_report(conn, business_date=p.business_date, bank_code=p.bank_code)
    older = q.versions(conn, p.bank_code, p.business_date)
    if report.batch_id != p.batch_id or any(r.batch_id == p.batch_id for r in older):
        return None
    previous = older[-1] if older else None
    version = previous.version + 1 if previous else 1
    name, addresses = q.bank_addresses(conn, p.bank_code)
    csv_bytes = csv_text(
        EXPORT_COLUMNS, q.bank_differences(conn, business_date=p.business_date, bank_code=p.bank_code)
    ).encode("utf-8")
    csv_sha = q.store_content(conn, csv_bytes)
    stem = f"{p.bank_code}_{p.business_date:%Y-%m-%d}_v{version}"
    pdf = berita_acara_rekonsiliasi(
        report,
        signer=None,
        number=None,
        generated_at=now,
        delivery=_section_d(report, version, previous, csv_sha),
        footer=f" - versi {version}",
    )
    pdf_sha = q.store_content(conn, pdf)
    subject, text_body, html_body = _message(conn, report, version, previous, pdf_sha)
    state = "awaiting_approval" if q.require_approval(conn) else "no_address"
    new = q.NewResult(
        version,
        previous.result_id if previous else None,
        state,
        ";".join(addresses),
        (f"berita-acara-rekonsiliasi_{stem}.pdf", pdf_sha),
        (f"daftar-selisih_{stem}.csv", csv_sha),
        (report.mpn_count, report.bank_count, report.matched_count, report.exception_total),
        subject,
        text_body,
        html_body,
    )
    row = q.insert_result(conn, p, new)
    if row is None:
        return None
    q.supersede_older(conn, row, actor=actor)
    if state == "awaiting_approval":
        return q.ask_approval(conn, row, actor=actor)
    return q.enqueue_result(conn, row, actor=actor, now=now, fresh=True)


def _section_d(r: ReconReport, version: int, previous: q.ResultRow | None, csv_sha: str) -> list[str]:
    """Section D of the PDF: version, what it replaces, the one-hour deadline, how to verify the file."""
    due = (
        None
        if r.batch_received_at is None
        else waktu_wib(r.batch_received_at + timedelta(minutes=RESULT_DEADLINE_MINUTES))
    )
    lines = [
        f"Versi {version} hasil rekonsiliasi ini disampaikan kepada Kantor Pusat {r.bank_name} melalui surat "
        f"elektronik sesuai {REGULATION}, paling lambat {RESULT_DEADLINE_MINUTES} menit setelah batch "
        f"diterima{f' (batas: {due})' if due else ''}; waktu diterimanya oleh server surat dicatat sebagai "
        "waktu penyampaian."
    ]
    if previous is not None:
        lines.append(
            f"Versi ini menggantikan versi {previous.version} (batch #{previous.batch_id}) karena bank "
            "mengirim ulang batch untuk tanggal buku yang sama."
        )
    lines.append(
        "Kode verifikasi: SHA-256 dari berkas PDF ini persis sebagaimana terlampir. Karena sebuah berkas "
        "tidak dapat memuat kode hash-nya sendiri, kode tersebut dicantumkan pada badan surat elektronik "
        "pengantar dan dicatat pada jejak audit DJP; hitung dengan `sha256sum` (atau `certutil -hashfile "
        "BERKAS SHA256`) dan bandingkan. Daftar lengkap selisih (CSV) yang dikirim bersama berkas ini "
        f"memiliki SHA-256 {csv_sha}."
    )
    return lines


def _counts(r: ReconReport) -> str:
    parts = [f"{CATEGORY_LABELS.get(c, c)}: {angka(n)}" for c, n in r.counts.items() if n]
    return "; ".join(parts) if parts else "tidak ada"


def _message(
    conn: Connection, r: ReconReport, version: int, previous: q.ResultRow | None, pdf_sha: str
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the message to the bank."""
    day = tanggal_panjang(r.business_date)
    subject = (
        f"Hasil Rekonsiliasi MPN {r.bank_code} tanggal buku {r.business_date:%d/%m/%Y} versi {version}: "
        f"{angka(r.matched_count)} cocok, {angka(r.exception_total)} selisih"
    )
    statement_due = deadline(r.business_date, current_settings(conn), calendar_from_db(conn))
    paragraphs = [
        f"Yth. Kantor Pusat {r.bank_name} (kode {r.bank_code}),",
        f"Sesuai {REGULATION}, bersama ini kami sampaikan hasil rekonsiliasi data penerimaan negara "
        f"tanggal buku {day}: Berita Acara Rekonsiliasi (PDF) dan daftar lengkap selisih (CSV).",
    ]
    if previous is not None:
        message_id, sent_at, _ = q.sent_info(conn, previous.mail_id)
        sent = f", dikirim {waktu_wib(sent_at)}" if sent_at else ", belum terkirim"
        paragraphs.append(
            f"Versi {version} ini MENGGANTIKAN versi {previous.version} ({previous.reference}"
            f"{f', Message-ID {message_id}' if message_id else ''}{sent}) karena batch tanggal buku "
            "ini dikirim ulang. Gunakan versi ini."
        )
    paragraphs += [
        f"Data MPN: {angka(r.mpn_count)} transaksi, {rupiah(r.mpn_amount)}. Data batch bank: {angka(r.bank_count)} "
        f"transaksi, {rupiah(r.bank_amount)}. Cocok: {angka(r.matched_count)} transaksi, {rupiah(r.matched_amount)}. "
        f"Selisih: {angka(r.exception_total)} ({_counts(r)}).",
        f"Batch diterima {waktu_wib(r.batch_received_at)}; hasil rekonsiliasi {waktu_wib(r.result_at)}.",
        _todo(r, statement_due),
        f"Kode verifikasi Berita Acara (SHA-256 berkas PDF terlampir): {pdf_sha}. Kode yang sama tercatat pada jejak "
        "audit DJP.",
        f"Dalam setiap jawaban (klarifikasi, Nota Perbaikan, Surat Pernyataan) sebutkan referensi "
        f"HASIL-{r.bank_code}-{r.business_date:%Y%m%d}-V{version}.",
    ]
    links = [("Rekonsiliasi (untuk petugas DJP)", page_url("/rekonsiliasi", tanggal=r.business_date.isoformat()))]
    text_body, html_body = body(paragraphs, links)
    return subject, text_body, html_body


def _todo(r: ReconReport, statement_due: datetime) -> str:
    letter = f"sampaikan Surat Pernyataan tanggal buku ini paling lambat {waktu_wib(statement_due)}"
    if not r.exception_total:
        return f"Tidak terdapat selisih. Mohon {letter}."
    return (
        "Mohon: (1) klarifikasi setiap selisih dalam daftar terlampir kepada Subdirektorat Pemantauan Sistem dan "
        "Infrastruktur; (2) untuk kesalahan yang ditemukan setelah rekonsiliasi, kirimkan Nota Perbaikan (PER-78/"
        f"PB/2006 Pasal 11 ayat (3)); (3) {letter}."
    )


def dispatch_and_send(
    engine: Engine, now: datetime, *, actor: Actor, smtp_url: str | None = None, always: bool = False
) -> Outcome:
    """`dispatch_results`, then, when something was queued (or `always`) and a mail server is configured (`smtp_url`,
    default `MPN_SMTP_URL`), send what is due at once (the mail job would within a minute)."""
    from jobs.mail.send import ServerUnreachable, send_queued, smtp_settings

    outcome = dispatch_results(engine, now, actor=actor)
    settings = smtp_settings(smtp_url)
    if (outcome.rows or always) and settings is not None:
        try:
            sent = send_queued(engine, now, settings=settings)
        except ServerUnreachable as exc:  # the messages stay queued; the mail job retries
            log.warning("results queued, mail server unreachable: %s", exc)
            return Outcome(outcome.rows, f"{outcome.message}; server surat tidak terjangkau")
        return Outcome(outcome.rows, f"{outcome.message}; terkirim {sent.sent}")
    return outcome
