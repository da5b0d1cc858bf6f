"""Who may make the daily report on demand ("Buat laporan" on Laporan): the command itself refuses the others,
and a business date after today, keeping nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text

from jobs.documents.daily_report import ReportRefused, make_daily_reports_by
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Monday 18:00 WIB
DAY = date(2026, 11, 20)


def person(engine: Engine, username: str, role: str) -> User:
    with engine.begin() as conn:
        return add_user(conn, username=username, role=role, password="demo", actor=Actor.system("test"), policy=False)


def kept(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(  # type: ignore[misc]
                    "SELECT file_name, made_by FROM dist_report WHERE kind = 'daily' ORDER BY report_id"
                )
            )
        ]


def test_a_pelaksana_makes_both_files_and_management_is_refused_naming_who_may(engine: Engine) -> None:
    ani, maya = person(engine, "ani", "pelaksana"), person(engine, "maya", "manajemen")

    with pytest.raises(ReportRefused) as refused, engine.begin() as conn:
        make_daily_reports_by(conn, DAY, maya, now=NOW)
    assert "tidak berwenang untuk membuat laporan harian" in refused.value.message
    assert "Pelaksana" in refused.value.message and kept(engine) == []

    with engine.begin() as conn:
        made = make_daily_reports_by(conn, DAY, ani, now=NOW)
    assert [name.rsplit(".", 1)[1] for name in made] == ["pdf", "xlsx"]
    assert kept(engine) == [(made[0], "ani"), (made[1], "ani")]


def test_a_business_date_after_today_is_refused(engine: Engine) -> None:
    ani = person(engine, "ani", "pelaksana")
    with pytest.raises(ReportRefused) as refused, engine.begin() as conn:
        make_daily_reports_by(conn, date(2026, 11, 24), ani, now=NOW)
    assert refused.value.message == "Tanggal buku tidak boleh setelah hari ini." and kept(engine) == []
