"""Who is told: each role's subscriptions (settings `alerts.subscriptions.<role>`), the e-mail when an alert opens,
and the daily digest of what is open and late.

Messages go through the outbox (`queries.mail.outbox.enqueue`) in the evaluation's own transaction, so a message exists
exactly when its alert does; dedupe keys `alert:<id>:opened` and `digest:<date>:<role>` make them once-only.
Recipients are the active users of a subscribed role who have an e-mail address. Bahasa Indonesia, plain text and
HTML, with a link to the Peringatan page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, text

from queries import config
from queries.alerts.model import OWNERS, Alert
from queries.alerts.read import alert_by_id, alerts
from queries.formatting import tanggal_panjang, tanggal_pendek, waktu_wib
from queries.mail.outbox import body, enqueue, page_url
from queries.settings import raw_settings

PAGE = "/peringatan"
#: The subscription token of the daily digest (beside the rule names).
DIGEST = "digest"


def subscriptions(conn: Connection) -> dict[str, set[str]]:
    """Role -> the rule names (and `digest`) it is subscribed to."""
    prefix = "alerts.subscriptions."
    return {
        key.removeprefix(prefix): {t.strip() for t in value.split(",") if t.strip()}
        for key, value in raw_settings(conn).items()
        if key.startswith(prefix)
    }


def recipients(conn: Connection, token: str) -> dict[str, list[str]]:
    """Role -> the addresses of its active users, for the roles subscribed to `token`."""
    roles = [role for role, tokens in subscriptions(conn).items() if token in tokens]
    if not roles:
        return {}
    found: dict[str, list[str]] = {}
    for role, email in conn.execute(
        text("""SELECT role, email FROM app_user WHERE active AND email <> ''
                                              AND role = ANY(:roles) ORDER BY role, username"""),
        {"roles": roles},
    ):
        found.setdefault(role, []).append(email)
    return found


def _who(alert: Alert) -> str:
    return f"{alert.bank_code} {alert.bank_name}".strip() if alert.bank_code else "semua bank"


def _opened_message(alert: Alert, now: datetime) -> tuple[str, str, str]:
    subject = f"Peringatan MPN: {alert.rule_title} — {_who(alert)}, {tanggal_pendek(alert.business_date)}"
    paragraphs = [
        f"{alert.rule_title}: {_who(alert)}, tanggal buku {tanggal_panjang(alert.business_date)}.",
        alert.detail,
        f"Batas: {waktu_wib(alert.deadline)}. Terbuka sejak {waktu_wib(alert.opened_at)} "
        f"(terlambat {alert.minutes_late(now)} menit saat pesan ini dibuat).",
        "Peringatan ini selesai sendiri begitu tugasnya dikerjakan, dengan catatan berapa menit terlambat. "
        "Pemegang tugas dapat menandainya diketahui atau menundanya di halaman Peringatan.",
    ]
    plain, page = body(paragraphs, [("Buka Peringatan", page_url(PAGE, tanggal=alert.business_date.isoformat()))])
    return subject, plain, page


def notify_opened(conn: Connection, alert_ids: Sequence[int], now: datetime) -> int:
    """Queue one message per opened alert to its rule's subscribers; messages queued."""
    queued = 0
    for alert_id in alert_ids:
        alert = alert_by_id(conn, alert_id, now=now)
        if alert is None:
            continue
        to = sorted({a for addresses in recipients(conn, alert.rule).values() for a in addresses})
        if not to:
            continue
        subject, plain, page = _opened_message(alert, now)
        queued += enqueue(
            conn,
            kind="alert",
            to=to,
            subject=subject,
            text_body=plain,
            html_body=page,
            dedupe_key=f"alert:{alert_id}:opened:{alert.opened_at:%Y%m%d%H%M%S}",
            now=now,
        ).new
    return queued


def digest(conn: Connection, now: datetime) -> int:
    """The morning digest: to each subscribed role, the unresolved alerts of its duties (nothing open: no mail).
    Once per role and day (`digest:<date>:<role>`). Messages queued."""
    day = now.astimezone(config.timezone()).date()
    open_now = alerts(conn, now=now, status="open")
    queued = 0
    for role, to in recipients(conn, DIGEST).items():
        mine = [a for a in open_now if role in OWNERS.get(a.rule, ())]
        if not mine:
            continue
        lines = [
            f"- {a.rule_title}: {_who(a)}, {tanggal_pendek(a.business_date)}, batas {waktu_wib(a.deadline)}, "
            f"terlambat {a.minutes_late(now)} menit ({a.status_title.lower()})"
            for a in mine[:100]
        ]
        more = [f"... dan {len(mine) - 100} lainnya di halaman Peringatan."] if len(mine) > 100 else []
        plain, page = body(
            [f"Ringkasan pagi {tanggal_panjang(day)}: {len(mine)} peringatan masih terbuka.", "\n".join(lines + more)],
            [("Buka Peringatan", page_url(PAGE))],
        )
        queued += enqueue(
            conn,
            kind="digest",
            to=sorted(set(to)),
            text_body=plain,
            html_body=page,
            now=now,
            subject=f"Ringkasan peringatan MPN {tanggal_pendek(day)}: {len(mine)} terbuka",
            dedupe_key=f"digest:{day.isoformat()}:{role}",
        ).new
    return queued
