"""The settings admins tune in the running product (not the environment's, which are `queries.config`).

Each setting has a default here; `app_setting` holds a row only once someone changed it, so a new default
reaches every database that never overrode it. Values are text, checked by the setting's own rule before
they are stored; `current_settings` returns them typed. Changes are audited with the old and new value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import Connection, text

from queries.accounts.audit import Actor, record
from queries.accounts.users import administering
from queries.permissions import Refused


class SettingError(Refused, ValueError):
    """An unknown setting or a value its rule refuses; the message is in Indonesian."""


def _time(value: str) -> str | None:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        return "harus berupa jam HH:MM, misalnya 09:00"
    return None


def _days(low: int, high: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if not value.isdigit() or not low <= int(value) <= high:
            return f"harus bilangan bulat {low} sampai {high}"
        return None

    return check


def _pattern(value: str) -> str | None:
    if "{seq}" not in value:
        return "harus memuat {seq} (nomor urut)"
    try:
        value.format(seq=1, year=2026, month=1, roman="I", bank="002")  # the types `appeal_letters._number` passes
    except (KeyError, IndexError, ValueError, AttributeError) as err:
        return f"penanda tidak dikenal: {err}; yang tersedia: {{seq}}, {{year}}, {{month}}, {{roman}}, {{bank}}"
    return None


def _nip(value: str) -> str | None:
    if value and not re.fullmatch(r"\d{18}", value):
        return "harus 18 angka (atau kosong)"
    return None


def _text(limit: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return f"paling banyak {limit} karakter" if len(value) > limit else None

    return check


def _required(limit: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return "tidak boleh kosong" if not value.strip() else _text(limit)(value)

    return check


@dataclass(frozen=True, slots=True)
class Setting:
    """One tunable value: its default, what it means (Indonesian), and the rule a new value must pass."""

    key: str
    default: str
    label: str
    check: Callable[[str], str | None]


DEFINITIONS: tuple[Setting, ...] = (
    Setting("statement.deadline_time", "09:00", "Batas jam penerimaan Surat Pernyataan (zona waktu jadwal)", _time),
    Setting(
        "statement.deadline_days",
        "1",
        "Batas penerimaan Surat Pernyataan: hari kerja setelah tanggal buku",
        _days(0, 10),
    ),
    Setting(
        "letters.number_pattern",
        "S-{seq}/PJ.10/{year}",
        "Pola nomor Surat Himbauan ({seq}, {year}, {month} atau {month:02d}, {roman}, {bank})",
        _pattern,
    ),
    Setting(
        "letters.reply_days",
        "5",
        "Surat Himbauan: batas jawaban bank dalam hari kerja setelah dikirim (lewat dari itu: eskalasi)",
        _days(1, 60),
    ),
    Setting(
        "letters.signer_name",
        "",
        "Nama Kasubdit penanda tangan (kosong: nama pengguna yang menandatangani)",
        _text(120),
    ),
    Setting("letters.signer_nip", "", "NIP Kasubdit penanda tangan (kosong: NIP pengguna yang menandatangani)", _nip),
    Setting(
        "letters.signer_title",
        "Kepala Subdirektorat Pemantauan Sistem dan Infrastruktur",
        "Jabatan penanda tangan",
        _required(120),
    ),
    Setting(
        "letters.letterhead",
        "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA\nDIREKTORAT JENDERAL PAJAK\n"
        "SUBDIREKTORAT PEMANTAUAN SISTEM DAN INFRASTRUKTUR",
        "Kop surat (satu baris per baris kop)",
        _required(400),
    ),
    Setting(
        "letters.office_address",
        "Jalan Jenderal Gatot Subroto Nomor 40-42, Jakarta 12190; Telepon (021) 5250208; www.pajak.go.id",
        "Alamat kantor di bawah kop surat",
        _text(200),
    ),
    Setting("letters.place", "Jakarta", "Tempat penandatanganan surat", _required(60)),
    Setting(
        "report.daily_time",
        "18:00",
        "Jam pembuatan Laporan Harian otomatis pada akhir setiap hari kerja (zona waktu jadwal)",
        _time,
    ),
    Setting(
        "results.require_approval",
        "tidak",
        "Hasil rekonsiliasi ke bank menunggu persetujuan Kasi sebelum dikirim (ya/tidak)",
        lambda v: None if v.lower() in ("ya", "tidak") else "harus 'ya' atau 'tidak'",
    ),
)
#: Alert e-mail per role: rule names of `queries.alerts` and `digest` (the 08:00 WIB working-day summary).
ALERT_TOKENS = (
    "batch_late",
    "statement_late",
    "result_late",
    "distribution_late",
    "file_rejected",
    "scheduler_down",
    "storm",
    "digest",
)
ALERT_SUBSCRIPTIONS: dict[str, tuple[str, str]] = {  # role -> (Indonesian title, default)
    "kasubdit": ("Kepala Subdirektorat", "distribution_late,scheduler_down,storm,digest"),
    "kasi": ("Kepala Seksi", "batch_late,statement_late,result_late,distribution_late,storm,digest"),
    "pelaksana": ("Pelaksana", "batch_late,statement_late,result_late,distribution_late,file_rejected,storm"),
    "petugas_mpn": ("Petugas Sistem MPN", "distribution_late,file_rejected,scheduler_down,storm"),
    "tu": ("Tata Usaha", ""),
    "manajemen": ("Manajemen", ""),
    "admin": ("Administrator", "file_rejected,scheduler_down"),
}


def _tokens(value: str) -> str | None:
    names = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [t for t in names if t not in ALERT_TOKENS]
    if unknown:
        return f"tidak dikenal: {', '.join(unknown)}; yang ada: {', '.join(ALERT_TOKENS)}"
    return "ada yang tertulis dua kali" if len(set(names)) != len(names) else None


DEFINITIONS += tuple(
    Setting(
        f"alerts.subscriptions.{role}",
        default,
        f"Surel peringatan untuk {title}: aturan dipisah koma (digest = ringkasan pagi 08:00 WIB)",
        _tokens,
    )
    for role, (title, default) in ALERT_SUBSCRIPTIONS.items()
)
#: Report e-mail per role: `daily_pdf` = the daily report's PDF attached as soon as it is made.
REPORT_TOKENS = ("daily_pdf",)
REPORT_SUBSCRIPTIONS: dict[str, str] = {"kasubdit": "daily_pdf", "kasi": "daily_pdf", "manajemen": "daily_pdf"}


def _report_tokens(value: str) -> str | None:
    names = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [t for t in names if t not in REPORT_TOKENS]
    if unknown:
        return f"tidak dikenal: {', '.join(unknown)}; yang ada: {', '.join(REPORT_TOKENS)} (atau kosong)"
    return "ada yang tertulis dua kali" if len(set(names)) != len(names) else None


DEFINITIONS += tuple(
    Setting(
        f"reports.subscriptions.{role}",
        REPORT_SUBSCRIPTIONS.get(role, ""),
        f"Surel laporan untuk {title}: daily_pdf = Laporan Harian (PDF terlampir) begitu dibuat; kosong = tidak",
        _report_tokens,
    )
    for role, (title, _default) in ALERT_SUBSCRIPTIONS.items()
)
BY_KEY = {s.key: s for s in DEFINITIONS}


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings, typed; built by `current_settings`."""

    statement_deadline_time: time
    statement_deadline_days: int
    letter_number_pattern: str
    letter_reply_days: int
    signer_name: str
    signer_nip: str
    signer_title: str
    letterhead: tuple[str, ...]
    office_address: str
    place: str
    daily_report_time: time = time(18, 0)


def raw_settings(conn: Connection) -> dict[str, str]:
    """Every setting's current text value (stored, else its default), in definition order."""
    stored: dict[str, str] = {k: v for k, v in conn.execute(text("SELECT key, value FROM app_setting"))}
    return {s.key: stored.get(s.key, s.default) for s in DEFINITIONS}


def current_settings(conn: Connection) -> Settings:
    """The settings as typed values."""
    v = raw_settings(conn)
    hh, mm = v["statement.deadline_time"].split(":")
    return Settings(
        statement_deadline_time=time(int(hh), int(mm)),
        statement_deadline_days=int(v["statement.deadline_days"]),
        letter_number_pattern=v["letters.number_pattern"],
        letter_reply_days=int(v["letters.reply_days"]),
        signer_name=v["letters.signer_name"].strip(),
        signer_nip=v["letters.signer_nip"].strip(),
        signer_title=v["letters.signer_title"].strip(),
        letterhead=tuple(line.strip() for line in v["letters.letterhead"].splitlines() if line.strip()),
        office_address=v["letters.office_address"].strip(),
        place=v["letters.place"].strip(),
        daily_report_time=_clock(v["report.daily_time"]),
    )


@dataclass(frozen=True, slots=True)
class SettingRow:
    """One setting as the Pengaturan page lists it: meaning, default, current value, who changed it and when."""

    key: str
    label: str
    default: str
    value: str
    changed_by: str | None
    changed_at: datetime | None

    @property
    def changed(self) -> bool:
        """Does the current value differ from the default?"""
        return self.value != self.default


def setting_rows(conn: Connection) -> list[SettingRow]:
    """Every setting in definition order, with its stored value (else the default) and its last change."""
    stored = {r.key: r for r in conn.execute(text("SELECT key, value, updated_by, updated_at FROM app_setting"))}
    rows = []
    for s in DEFINITIONS:
        row = stored.get(s.key)
        rows.append(
            SettingRow(
                s.key,
                s.label,
                s.default,
                row.value if row else s.default,
                row.updated_by if row else None,
                row.updated_at if row else None,
            )
        )
    return rows


def _clock(value: str) -> time:
    """`HH:MM` as a time."""
    hh, mm = value.split(":")
    return time(int(hh), int(mm))


def set_setting(conn: Connection, key: str, value: str, *, actor: Actor) -> str:
    """Store `value` for `key` after its rule accepts it; returns the stored text. Audited. Only an administrator
    (or the product itself) changes a setting."""
    administering(actor, "mengubah pengaturan")
    setting = BY_KEY.get(key)
    if setting is None:
        raise SettingError(f"pengaturan tidak dikenal: {key}; yang ada: {', '.join(BY_KEY)}")
    value = value.replace("\r\n", "\n").strip() if "\n" in value else value.strip()
    if (why := setting.check(value)) is not None:
        raise SettingError(f"{key}: {why}")
    before = raw_settings(conn)[key]
    if before == value:
        return value
    conn.execute(
        text("""INSERT INTO app_setting (key, value, updated_by) VALUES (:k, :v, :by)
                         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by,
                                                         updated_at = now()"""),
        {"k": key, "v": value, "by": actor.name},
    )
    record(
        conn,
        actor,
        "settings.change",
        object_type="setting",
        object_id=key,
        before={"value": before},
        after={"value": value},
    )
    return value
