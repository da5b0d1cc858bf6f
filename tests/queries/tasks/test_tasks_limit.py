"""Tugas saya for someone holding many items: the page builds only the most urgent of each kind (SQL LIMIT), says
how many wait in all (SQL COUNT), and the badge counts without building a row."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, text

from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user
from queries.tasks.waiting import task_count, task_list, task_totals, tasks_for

FIRST = date(2026, 11, 2)


def many_assigned(engine: Engine, who: str, days: int, per_day: int) -> None:
    """`days` business dates with `per_day` open exceptions each assigned to `who` (a third resolved, not waiting)."""
    with engine.begin() as conn:
        for n in range(days):
            day = FIRST + timedelta(days=n)
            run = conn.execute(
                text("""INSERT INTO recon_run (business_date, actor, status, finished_at)
                                       VALUES (:d, 'test', 'finished', now()) RETURNING run_id"""),
                {"d": day},
            ).scalar_one()
            conn.execute(
                text("""
                INSERT INTO recon_exception (business_date, level, bank_code, ntpn, category, mpn_amount, status,
                                             first_seen_run, last_seen_run, assignee, resolved_at)
                SELECT :d, 'transaction', '002', 'NTPN' || lpad((:n * 1000 + i)::text, 12, '0'), 'missing_in_bank',
                       1000 * i, CASE WHEN i % 3 = 0 THEN 'resolved' ELSE 'open' END, :run, :run, :who,
                       CASE WHEN i % 3 = 0 THEN now() END
                  FROM generate_series(1, :per) i"""),
                {"d": day, "n": n, "run": run, "who": who, "per": per_day},
            )


def test_the_page_builds_the_most_urgent_rows_and_counts_them_all(engine: Engine) -> None:
    with engine.begin() as conn:
        ani = add_user(conn, username="ani", role="pelaksana", password="demo", actor=Actor.system("t"), policy=False)
    many_assigned(engine, "ani", days=5, per_day=30)  # 20 open a day, 100 in all
    with engine.connect() as conn:
        listed = task_list(conn, ani, limit=25)
        everything = tasks_for(conn, ani)
        assert listed.totals == {"exception_assigned": 100} and listed.total == 100
        assert len(listed.tasks) == 25
        assert [t.key for t in listed.tasks] == [t.key for t in everything[:25]]  # the same most urgent rows
        assert {t.business_date for t in listed.tasks} == {FIRST, FIRST + timedelta(days=1)}
        assert task_count(conn, ani) == 100 == len(everything)
        assert task_totals(conn, ani) == {"exception_assigned": 100}


def test_counts_leave_out_what_waits_for_someone_else(engine: Engine) -> None:
    with engine.begin() as conn:
        users: dict[str, User] = {
            name: add_user(
                conn, username=name, role="pelaksana", password="demo", actor=Actor.system("t"), policy=False
            )
            for name in ("ani", "rudi")
        }
    many_assigned(engine, "rudi", days=2, per_day=3)
    with engine.connect() as conn:
        assert task_count(conn, users["ani"]) == 0 and task_list(conn, users["ani"]).tasks == []
        assert task_count(conn, users["rudi"]) == 4
