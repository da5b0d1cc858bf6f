"""Report subscriptions: the daily report's PDF, attached, to each subscribed user as soon as it is made.

Each role's `reports.subscriptions.<role>` setting (`queries.settings`, shown on Pengaturan) lists `daily_pdf` or
nothing. When `jobs.documents.daily_report` keeps a PDF version (the scheduler's end-of-day job or someone on
Laporan), it calls `mail_daily_pdf` in the same transaction: one outbox message per active subscribed user with an
e-mail address, the kept bytes attached, deduplicated per (report version, user) by
`report:daily:<report_id>:<user_id>`, so making the report again sends the new version and replaying the hook
sends nothing twice. The `mail` job sends.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection

from queries.formatting import tanggal_panjang, tanggal_pendek, waktu_wib
from queries.mail.outbox import Attachment, body, enqueue, page_url
from queries.mail.read import users_of_roles
from queries.settings import raw_settings

TOKEN = "daily_pdf"
PREFIX = "reports.subscriptions."
PAGE = "/laporan"


def subscribed_roles(conn: Connection, token: str = TOKEN) -> list[str]:
    """The roles whose report subscription lists `token`."""
    return sorted(
        key.removeprefix(PREFIX)
        for key, value in raw_settings(conn).items()
        if key.startswith(PREFIX) and token in {t.strip() for t in value.split(",")}
    )


def subscribers(conn: Connection, token: str = TOKEN) -> list[tuple[int, str]]:
    """(user id, address) of the active users of the subscribed roles who have an e-mail address."""
    roles = subscribed_roles(conn, token)
    if not roles:
        return []
    return users_of_roles(conn, roles)


def mail_daily_pdf(
    conn: Connection, *, report_id: int, business_date: date, name: str, content: bytes, made_at: datetime
) -> int:
    """Queue the kept PDF `report_id` to every subscriber, once per (version, user); the messages new."""
    people = subscribers(conn)
    if not people:
        return 0
    subject = f"Laporan Harian MPN tanggal buku {tanggal_pendek(business_date)}"
    plain, page = body(
        [
            "Terlampir Laporan Harian Distribusi dan Monitoring Data MPN tanggal buku "
            f"{tanggal_panjang(business_date)}, "
            f"dibuat {waktu_wib(made_at)} (versi #{report_id}).",
            "Laporan yang sama tersimpan di halaman Laporan, dengan versi sebelumnya dan berkas XLSX-nya.",
        ],
        [("Buka Laporan", page_url(PAGE, tanggal=business_date.isoformat()))],
    )
    attachment = Attachment(name, "application/pdf", content)
    return sum(
        enqueue(
            conn,
            kind="report",
            to=[address],
            subject=subject,
            text_body=plain,
            html_body=page,
            attachments=[attachment],
            dedupe_key=f"report:daily:{report_id}:{user_id}",
            now=made_at,
        ).new
        for user_id, address in people
    )
