"""Every code the product stores, as users read it: one dict per kind of code, in Bahasa Indonesia.

Action names of the audit trail, states, categories, targets, roles, alert rules, the fields of audit summaries
and of page exports, and who acted (`system:scheduler` is "sistem (penjadwal)"). Pages, documents and messages
take their words from here; the area modules re-export the dict they own under their old names. `change_text`
turns an audit row's before/after into one readable line. Codes without a label fall back to a readable form,
never to a snake_case identifier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from queries.formatting import angka, rupiah, tanggal_pendek, waktu_wib

#: Audit action codes (`queries.accounts.audit.record`), with the name the audit page, the trail and the reports show.
ACTIONS: dict[str, str] = {
    "auth.login": "Masuk",
    "auth.login_failed": "Gagal masuk",
    "auth.locked": "Akun terkunci",
    "auth.logout": "Keluar",
    "auth.throttled": "Percobaan masuk dibatasi",
    "auth.password_change": "Ganti kata sandi",
    "user.add": "Tambah pengguna",
    "user.disable": "Nonaktifkan pengguna",
    "user.enable": "Aktifkan pengguna",
    "user.role": "Ubah peran",
    "user.email": "Ubah e-mail pengguna",
    "user.unlock": "Buka kunci akun",
    "user.profile": "Ubah profil pengguna",
    "user.password_reset": "Reset kata sandi",
    "import.file": "Impor berkas",
    "import.duplicate": "Impor berkas (sudah ada)",
    "import.rejected": "Berkas ditolak",
    "import.handled": "Berkas ditolak ditandai sudah ditangani",
    "master.import": "Impor data induk",
    "master.rejected": "Impor data induk ditolak",
    "master.edit": "Ubah data induk",
    "master.delete": "Hapus data induk",
    "master.demo_emails": "Alamat e-mail demo bank",
    "demo.load": "Muat data demo",
    "reconcile.run": "Rekonsiliasi",
    "approval.request": "Ajukan persetujuan",
    "approval.approve": "Setujui",
    "approval.reject": "Kembalikan",
    "approval.withdraw": "Tarik pengajuan",
    "approval.lapse": "Persetujuan gugur",
    "exception.assign": "Tugaskan selisih",
    "exception.comment": "Komentar selisih",
    "exception.clarify": "Mulai klarifikasi selisih",
    "exception.resolve": "Selisih diselesaikan",
    "exception.adjust": "Penyesuaian dicatat",
    "berita_acara.register": "Catat Berita Acara",
    "nota_perbaikan.record": "Catat Nota Perbaikan",
    "statement.record": "Catat surat pernyataan",
    "letter.draft": "Buat konsep surat himbauan",
    "letter.revise": "Perbaiki surat himbauan",
    "letter.initial": "Paraf surat himbauan",
    "letter.sign": "Tanda tangani surat himbauan",
    "letter.return": "Kembalikan surat himbauan",
    "letter.send": "Catat pengiriman surat himbauan",
    "letter.answered": "Surat himbauan dijawab",
    "letter.void": "Surat himbauan dibatalkan",
    "distribution.prepare": "Siapkan distribusi",
    "distribution.approved": "Distribusi disetujui",
    "distribution.run": "Kirim distribusi",
    "distribution.redistribute": "Distribusi ulang",
    "distribution.report": "Laporan akhir distribusi",
    "daily.report": "Laporan harian",
    "result.queued": "Hasil rekonsiliasi masuk kotak keluar",
    "result.no_address": "Hasil rekonsiliasi tanpa alamat bank",
    "result.superseded": "Hasil rekonsiliasi digantikan",
    "result.awaiting_approval": "Hasil rekonsiliasi menunggu persetujuan",
    "result.rejected": "Hasil rekonsiliasi dikembalikan",
    "settings.change": "Ubah pengaturan",
    "scheduler.pause": "Jeda tugas terjadwal",
    "scheduler.resume": "Lanjutkan tugas terjadwal",
    "scheduler.run_now": "Jalankan tugas sekarang",
    "scheduler.run_orphaned": "Tugas terputus ditutup",
    "mail.requeue": "Kirim ulang e-mail",
    "mail.test": "E-mail uji",
    "alert.acknowledge": "Peringatan ditandai diketahui",
    "alert.snooze": "Peringatan ditunda",
    "alert.reopen": "Peringatan dibuka kembali",
    "notice.record": "Catat pemberitahuan gangguan",
    "notice.withdraw": "Tarik pemberitahuan gangguan",
}

#: Role codes with their Indonesian titles (DOMAIN §1), in the order the UI lists them.
ROLES: dict[str, str] = {
    "kasubdit": "Kepala Subdirektorat",
    "kasi": "Kepala Seksi",
    "pelaksana": "Pelaksana",
    "petugas_mpn": "Petugas Sistem MPN",
    "tu": "Tata Usaha",
    "manajemen": "Manajemen",
    "admin": "Administrator",
}

#: Parts of the product that act by themselves (`Actor.system(part)`, stored as `system:<part>`).
SYSTEM_PARTS: dict[str, str] = {
    "scheduler": "penjadwal",
    "cli": "baris perintah",
    "demo": "data demo",
    "distribution": "distribusi",
    "pemberitahuan": "pemberitahuan",
    "test": "uji",
}

#: CONTRACT §4's exception categories, in its order.
CATEGORIES: dict[str, str] = {
    "missing_in_bank": "Tidak ada di bank",
    "missing_in_mpn": "Tidak ada di MPN",
    "amount_mismatch": "Nilai berbeda",
    "attribute_mismatch": "Atribut berbeda",
    "cutoff_mismatch": "Beda tanggal buku (cut-off)",
    "duplicate": "Ganda",
    "cancelled_reused": "Nomor batal dipakai lagi",
    "missing_batch": "Batch belum diterima",
    "missing_statement": "Surat pernyataan belum diterima",
    "statement_mismatch": "Surat pernyataan tidak sesuai",
}

#: The columns reconciliation compares (CONTRACT §4 `fields`), and the statement letter's declared figures.
RECON_FIELDS: dict[str, str] = {
    "ntpn": "NTPN",
    "bank_code": "Kode bank",
    "ntb": "NTB/NTP",
    "paid_at": "Waktu bayar",
    "npwp": "NPWP",
    "kap": "KAP",
    "kjs": "KJS",
    "tax_period": "Masa pajak",
    "kpp_code": "KPP",
    "amount": "Nilai",
    "business_date": "Tanggal buku",
    "count": "Jumlah transaksi",
}

#: Distribution targets.
TARGETS: dict[str, str] = {"sidjp": "SIDJP", "sipmod": "SIPMOD"}

#: States of a duty on Kelengkapan, the daily report and page exports.
STATES: dict[str, str] = {
    "done": "Tepat waktu",
    "late": "Terlambat",
    "missing": "Belum, lewat batas",
    "waiting": "Menunggu",
    "na": "Tidak diharapkan",
    "anomaly": "Anomali",
    "excused": "Terlambat — ada pemberitahuan",
}

#: Alert rules (CONTRACT §6).
RULES: dict[str, str] = {
    "batch_late": "Batch bank terlambat",
    "statement_late": "Surat pernyataan terlambat",
    "result_late": "Hasil rekonsiliasi terlambat",
    "distribution_late": "Distribusi SIDJP/SIPMOD terlambat",
    "file_rejected": "Berkas masukan ditolak",
    "scheduler_down": "Penjadwal tidak aktif",
    "storm": "Banyak peringatan sekaligus",
}

#: What an alert or report subscription (Pengaturan `alerts.subscriptions.*`, `reports.subscriptions.*`) may hold.
SUBSCRIPTIONS: dict[str, str] = {
    **RULES,
    "digest": "Ringkasan pagi 08:00 WIB",
    "daily_pdf": "Laporan Harian (PDF terlampir)",
}

#: Exception statuses.
EXCEPTION_STATUSES: dict[str, str] = {
    "open": "Terbuka",
    "in_clarification": "Dalam klarifikasi",
    "resolved": "Selesai",
    "adjusted": "Disesuaikan",
}

#: Maker-checker request statuses.
APPROVAL_STATUSES: dict[str, str] = {
    "pending": "Menunggu persetujuan",
    "approved": "Disetujui",
    "rejected": "Dikembalikan",
    "withdrawn": "Ditarik",
    "lapsed": "Gugur",
}

#: What a maker-checker request is about (`approval_request.kind`, audit object types).
OBJECTS: dict[str, str] = {
    "distribution": "Distribusi",
    "appeal_letter": "Surat himbauan",
    "exception_resolution": "Penyelesaian selisih",
    "exception_adjustment": "Penyesuaian selisih",
    "bank_result": "Hasil rekonsiliasi untuk bank",
    "recon_exception": "Selisih",
    "business_date": "Tanggal buku",
    "user": "Pengguna",
    "file": "Berkas",
    "import_file": "Berkas",
    "master": "Data induk",
    "setting": "Pengaturan",
    "job": "Tugas terjadwal",
    "mail": "E-mail",
    "mail_message": "E-mail",
    "alert": "Peringatan",
    "berita_acara": "Berita Acara",
    "nota_perbaikan": "Nota Perbaikan",
    "statement_letter": "Surat pernyataan",
    "dist_report": "Laporan",
    "demo": "Data demo",
    "notice": "Pemberitahuan gangguan",
    "disruption_notice": "Pemberitahuan gangguan",
    "master.banks": "Data induk bank",
    "master.kanwil": "Data induk Kanwil",
    "master.kpp": "Data induk KPP",
    "master.kap": "Data induk KAP",
    "master.kjs": "Data induk KJS",
    "master.non_working_days": "Hari libur",
}

#: Every other stored state word an audit summary or an export may hold, by code.
STATUS_WORDS: dict[str, str] = {
    **EXCEPTION_STATUSES,
    **APPROVAL_STATUSES,
    "prepared": "Disiapkan",
    "delivering": "Sedang dikirim",
    "delivered": "Terkirim seluruhnya",
    "discarded": "Dibatalkan",
    "sending": "Sedang dikirim",
    "confirmed": "Terkonfirmasi",
    "failed": "Gagal",
    "queued": "Antre",
    "sent": "Terkirim",
    "imported": "Diimpor",
    "running": "Berjalan",
    "succeeded": "Berhasil",
    "skipped": "Dilewati",
    "draft": "Konsep",
    "returned": "Dikembalikan",
    "initialled": "Diparaf",
    "signed": "Ditandatangani",
    "answered": "Dijawab",
    "void": "Dibatalkan",
    "received": "Diterima",
    "mismatch": "Tidak sesuai batch",
    "acknowledged": "Diketahui",
    "snoozed": "Ditunda",
    "awaiting_approval": "Menunggu persetujuan",
    "no_address": "Alamat e-mail bank belum ada",
    "superseded": "Digantikan versi baru",
    "not_reconciled": "Belum direkonsiliasi",
    "bank": "Bank",
    "pos": "Pos",
    "other": "Lainnya",
    "mpn": "Data MPN",
    "statements": "Surat pernyataan",
    "payment": "Pembayaran",
    "reversal": "Pembatalan",
    "transaction": "Transaksi",
    **{k: v for k, v in STATES.items() if k != "na"},
}

#: Fields of audit summaries and columns of page exports.
FIELDS: dict[str, str] = {
    "active": "aktif",
    "address": "alamat",
    "adjustment_id": "penyesuaian",
    "agenda_number": "nomor agenda",
    "amount": "jumlah",
    "assignee": "petugas",
    "attempts": "percobaan",
    "audit_head": "kepala rantai audit",
    "audit_rows": "baris audit",
    "ba_id": "Berita Acara",
    "bank": "bank",
    "bank_code": "kode bank",
    "bank_name": "nama bank",
    "banks": "bank",
    "batch_id": "batch",
    "batches": "batch",
    "body": "isi",
    "business_date": "tanggal buku",
    "by_version": "digantikan versi",
    "cancelled_numbers": "nomor dibatalkan",
    "cause": "penyebab",
    "changed": "berubah",
    "changes": "perubahan",
    "comment_id": "komentar",
    "confirmed": "terkonfirmasi",
    "content_hash": "sidik isi",
    "count": "jumlah transaksi",
    "date": "tanggal",
    "dates": "tanggal",
    "day": "tanggal",
    "days": "hari",
    "deadline": "batas waktu",
    "declared_amount": "jumlah dinyatakan",
    "declared_count": "transaksi dinyatakan",
    "description": "uraian",
    "duties": "tugas",
    "effective_date": "tanggal berlaku",
    "email": "e-mail",
    "error": "galat",
    "errors": "kesalahan",
    "exception_id": "selisih",
    "failed": "gagal",
    "failed_logins": "gagal masuk",
    "failures": "kegagalan",
    "file_name": "nama berkas",
    "files": "berkas",
    "first_date": "tanggal pertama",
    "format": "format",
    "full_name": "nama lengkap",
    "held": "ditahan",
    "import_id": "berkas",
    "inserted": "ditambah",
    "instance": "instans",
    "kept_path": "berkas disimpan",
    "kind": "jenis",
    "last_date": "tanggal terakhir",
    "last_received": "terakhir diterima",
    "letter_date": "tanggal surat",
    "letter_number": "nomor surat",
    "letters": "surat",
    "limit": "batas",
    "locked_until": "terkunci sampai",
    "maker": "pengaju",
    "message_id": "pesan",
    "mpn_rows": "baris MPN",
    "nip": "NIP",
    "nota_id": "Nota Perbaikan",
    "note": "catatan",
    "notice_id": "pemberitahuan",
    "ntbs": "NTB",
    "ntb": "NTB",
    "ntpn": "NTPN",
    "npwp": "NPWP",
    "kap": "KAP",
    "kjs": "KJS",
    "tax_period": "masa pajak",
    "kpp_code": "kode KPP",
    "paid_at": "waktu bayar",
    "object_id": "objek",
    "object_type": "jenis objek",
    "paused": "dijeda",
    "period_from": "periode dari",
    "period_to": "periode sampai",
    "reason": "alasan",
    "received_at": "diterima",
    "record": "catatan",
    "remaining": "sisa",
    "request": "permintaan",
    "request_id": "pengajuan",
    "rerecord": "rekam ulang",
    "resubmitted": "diajukan ulang",
    "result_id": "hasil",
    "retry_after": "coba lagi setelah",
    "role": "peran",
    "round": "putaran",
    "rows": "baris",
    "rule": "aturan",
    "run_id": "proses",
    "scan_id": "pindaian",
    "seed": "benih",
    "sent_on": "tanggal kirim",
    "side": "sisi",
    "signer": "penanda tangan",
    "state": "keadaan",
    "status": "status",
    "step": "langkah",
    "steps": "langkah",
    "summary": "ringkasan",
    "taken_over_by": "diambil alih oleh",
    "temporary": "sementara",
    "to": "kepada",
    "uncertain": "belum pasti",
    "until": "sampai",
    "updated": "diubah",
    "value": "nilai",
    "version": "versi",
    "window_seconds": "jendela (detik)",
    "window_start": "awal jendela",
    "withdrawn": "ditarik",
    "withdrawn_notice_id": "pemberitahuan ditarik",
    "sha256": "SHA-256",
    "pdf_sha256": "SHA-256 PDF",
    "csv_sha256": "SHA-256 CSV",
    "bank_amount": "jumlah bank",
    "mpn_amount": "jumlah MPN",
    "mpn_count": "transaksi MPN",
    "bank_count": "transaksi bank",
    "matched_count": "transaksi cocok",
    "matched_amount": "jumlah cocok",
    "level": "tingkat",
    "category": "kategori",
    "fields": "kolom berbeda",
    "opened_at": "terdeteksi",
    "resolved_at": "ditutup",
    "target": "target",
    "kpp_name": "nama KPP",
    "total_amount": "jumlah total",
    "name": "nama",
    "key": "kunci",
    "at": "waktu",
    "actor": "pelaku",
}
#: Fields whose numbers are rupiah.
MONEY_FIELDS = frozenset({"amount", "total_amount", "declared_amount", "bank_amount", "mpn_amount", "matched_amount"})
#: Fields whose values are codes of one of the dicts above.
VALUE_LABELS: dict[str, Mapping[str, str]] = {
    "role": ROLES,
    "category": CATEGORIES,
    "rule": RULES,
    "target": TARGETS,
    "state": STATES,
    "kind": STATUS_WORDS,
    "status": STATUS_WORDS,
    "level": {"transaction": "Transaksi", "bank": "Bank"},
}

#: Why rows were held back from a distribution (`queries.distribution.prepare.REASONS` re-exports it).
HOLD_REASONS: dict[str, str] = {
    "no_statement": "Surat pernyataan belum diterima",
    "statement_mismatch": "Surat pernyataan tidak sesuai batch",
    "no_batch": "Batch bank belum diterima",
    "not_reconciled": "Belum direkonsiliasi dengan batch terakhir",
    "open_exception": "Selisih rekonsiliasi belum selesai",
}
#: How a target answered one delivery attempt.
OUTCOMES: dict[str, str] = {
    "confirmed": "Terkonfirmasi",
    "not_stored": "Tidak tersimpan",
    "unknown": "Tidak diketahui",
    "rejected": "Ditolak",
    "mismatch": "Tidak sesuai",
    "approved": "Disetujui",
    "pending": "Menunggu persetujuan",
}
#: Columns of page and report exports that FIELDS does not name (their headers in the XLSX files).
EXPORT_FIELDS: dict[str, str] = {
    "result_minutes": "Menit sampai hasil",
    "letter_id": "Nomor surat (sistem)",
    "appeal_letter_id": "Surat himbauan",
    "appeal_status": "Status surat himbauan",
    "batch_count": "Transaksi batch",
    "batch_amount": "Jumlah batch",
    "business_dates": "Tanggal buku",
    "due_on": "Batas jawab",
    "overdue": "Lewat batas",
    "total": "Jumlah",
    "in_clarification": "Dalam klarifikasi",
    "oldest_business_date": "Tanggal buku tertua",
    "oldest": "Tertua",
    "who": "Oleh",
    "outcome": "Hasil",
    "method": "Metode",
    "latency_ms": "Waktu tanggap (ms)",
    "http_status": "Kode HTTP",
    "run_by": "Dijalankan oleh",
    "rows_confirmed": "Baris terkonfirmasi",
    "amount_confirmed": "Jumlah terkonfirmasi",
    "rows_failed": "Baris gagal",
    "amount_failed": "Jumlah gagal",
    "attempts": "Percobaan",
    "attempt_id": "Percobaan",
    "keterangan": "Keterangan",
    "started_at": "Mulai",
    "mpn_count": "Transaksi MPN",
    "bank_count": "Transaksi bank",
    "count": "Jumlah",
    "dates": "Tanggal",
    "batch_id": "Batch",
    "round": "Putaran",
    "reason": "Alasan",
    "kpp_code": "Kode KPP",
    "role": "Peran",
    "batches": "Batch",
    "rows": "Baris",
    "fields": "Kolom berbeda",
    "note": "Catatan",
    "amount": "Jumlah (Rp)",
    "step": "Langkah",
    "at": "Waktu",
    "target": "Tujuan",
    "mpn_amount": "Jumlah MPN (Rp)",
    "bank_amount": "Jumlah bank (Rp)",
    "matched_amount": "Jumlah cocok (Rp)",
    "declared_amount": "Jumlah dinyatakan (Rp)",
    "exception_id": "Nomor selisih",
    "state": "Keadaan",
}
#: Export columns whose values are codes, with the labels they are shown by.
EXPORT_VALUES: dict[str, Mapping[str, str]] = {
    **VALUE_LABELS,
    "reason": HOLD_REASONS,
    "outcome": OUTCOMES,
    "appeal_status": STATUS_WORDS,
    "role": {**ROLES, "system": "Sistem"},
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_HEX = re.compile(r"^[0-9a-f]{40,}$")


def label(codes: Mapping[str, str], code: str | None) -> str:
    """The label of `code` in `codes`; an unknown code made readable (`in_clarification` -> `in clarification`)."""
    if code is None or code == "":
        return "—"
    return codes.get(code, code.replace("_", " ").replace(".", " "))


def field_list(fields: str) -> str:
    """Reconciliation's `fields` (`count;amount`) as people read them: `Jumlah transaksi, Nilai`."""
    return ", ".join(label(RECON_FIELDS, f) for f in fields.split(";") if f)


def action_name(action: str) -> str:
    """An audit action's name: `distribution.prepare` is `Siapkan distribusi`."""
    return label(ACTIONS, action)


def role_title(role: str | None) -> str:
    """A role's title; the product itself acting is `Sistem`."""
    return "Sistem" if role == "system" else label(ROLES, role)


def actor_name(actor: str | None) -> str:
    """Who acted, as people read it: `system:scheduler` is `sistem (penjadwal)`, a user name stays as it is."""
    if not actor:
        return "—"
    if actor.startswith("system:"):
        part = actor.removeprefix("system:")
        return f"sistem ({SYSTEM_PARTS.get(part, part)})"
    if actor in ("sistem", "system"):
        return "sistem"
    return actor


def field_name(key: str) -> str:
    """A summary field or export column: `bank_code` is `kode bank`."""
    return label(FIELDS, key)


def value_text(key: str, value: Any) -> str:
    """One value of an audit summary in Indonesian forms: dates `dd/mm/yyyy`, times WIB, rupiah, codes labelled."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return rupiah(value) if key in MONEY_FIELDS else angka(value)
    if isinstance(value, datetime):
        return waktu_wib(value)
    if isinstance(value, date):
        return tanggal_pendek(value)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(key, v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)} {value_text(k, v)}" for k, v in value.items()) or "—"
    return _text_value(key, str(value))


def _text_value(key: str, value: str) -> str:
    if key in VALUE_LABELS and value in VALUE_LABELS[key]:
        return VALUE_LABELS[key][value]
    if _ISO_DATE.match(value):
        return tanggal_pendek(date.fromisoformat(value))
    if _ISO_TIME.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return waktu_wib(moment) if moment.tzinfo else value
    if _HEX.match(value):
        return value[:12] + "…"
    return value


def change_text(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """An audit row's before → after on one line: `peran: Pelaksana → Kepala Seksi; baris: 5.344`."""
    before, after = before or {}, after or {}
    parts = []
    for key in dict.fromkeys([*before, *after]):
        if key in before and key in after:
            parts.append(f"{field_name(key)}: {value_text(key, before[key])} → {value_text(key, after[key])}")
        elif key in after:
            parts.append(f"{field_name(key)}: {value_text(key, after[key])}")
        else:
            parts.append(f"{field_name(key)}: {value_text(key, before[key])} → —")
    return "; ".join(parts)


def column_title(key: str) -> str:
    """An export column's header: `bank_code` is `Kode bank`, a category code its name, `done_at` the duty's time."""
    if key in CATEGORIES:
        return CATEGORIES[key]
    text = EXPORT_FIELDS.get(key) or label(FIELDS, key)
    return text[:1].upper() + text[1:]


def export_value(key: str, value: Any) -> Any:
    """A cell of a page or report export: a stored code under `key` by its label; anything else unchanged."""
    if isinstance(value, str) and key == "fields":
        return field_list(value)
    if isinstance(value, str) and key in EXPORT_VALUES:
        return EXPORT_VALUES[key].get(value, label({}, value))
    return value


def subscription_text(value: str) -> str:
    """A subscription setting's value by rule names: `batch_late,digest` is `Batch bank terlambat, Ringkasan…`."""
    return ", ".join(label(SUBSCRIPTIONS, t.strip()) for t in value.split(",") if t.strip())


#: Results sent to banks (PER-78 Ps.11(2)): their states.
RESULT_STATUSES: dict[str, str] = {
    "sent": "Terkirim",
    "queued": "Antre di kotak keluar",
    "sending": "Sedang dikirim",
    "failed": "Gagal dikirim",
    "awaiting_approval": "Menunggu persetujuan Kasi",
    "no_address": "Alamat e-mail bank belum ada",
    "not_sent": "Hasil belum dibuat untuk bank",
    "rejected": "Dikembalikan Kasi",
    "superseded": "Digantikan versi baru",
    "not_reconciled": "Batch belum direkonsiliasi",
}

#: Outbox messages: their states.
MAIL_STATUSES: dict[str, str] = {"queued": "Antre", "sending": "Sedang dikirim", "sent": "Terkirim", "failed": "Gagal"}

#: Statement letters per bank and date: their states.
STATEMENT_STATUSES: dict[str, str] = {
    "missing": "Belum diterima",
    "mismatch": "Tidak sesuai batch",
    "late": "Terlambat",
    "received": "Diterima",
    "anomaly": "Anomali waktu terima",
}

#: Kinds of work on Tugas saya.
TASK_KINDS: dict[str, str] = {
    "distribution": "Persetujuan distribusi",
    "exception_resolution": "Persetujuan penyelesaian selisih",
    "exception_adjustment": "Persetujuan penyesuaian selisih",
    "bank_result": "Persetujuan hasil rekonsiliasi untuk bank",
    "letter_initial": "Paraf surat himbauan",
    "letter_sign": "Tanda tangan surat himbauan",
    "letter_send": "Pengiriman surat himbauan",
    "letter_revise": "Perbaikan surat himbauan yang dikembalikan",
    "exception_assigned": "Selisih yang ditugaskan kepada Anda",
    "file_rejected": "Berkas masuk yang ditolak",
    "approval": "Persetujuan lainnya",
}
