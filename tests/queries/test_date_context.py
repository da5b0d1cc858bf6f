"""The day every page opens on, and the business date a rejected file was meant for."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from queries.calendar import WorkingCalendar, current_business_day
from queries.imports.rejected import rejected_banner_files, rejected_for_day

WIB = ZoneInfo("Asia/Jakarta")


def test_the_default_day_is_today_on_a_working_day_and_the_last_one_before_it_otherwise() -> None:
    calendar = WorkingCalendar()
    assert current_business_day(calendar, datetime(2026, 12, 4, 8, 0, tzinfo=WIB)) == date(2026, 12, 4)
    assert current_business_day(calendar, datetime(2026, 12, 6, 23, 59, tzinfo=WIB)) == date(2026, 12, 4)
    # 06/12 17:30 UTC is already Monday 07/12 00:30 WIB: Monday has begun.
    assert current_business_day(calendar, datetime(2026, 12, 6, 17, 30, tzinfo=ZoneInfo("UTC"))) == date(2026, 12, 7)
    assert current_business_day(
        WorkingCalendar({date(2026, 12, 4): "libur"}), datetime(2026, 12, 6, 9, 0, tzinfo=WIB)
    ) == date(2026, 12, 3)


def _reject(engine: Engine, name: str, received: datetime, kept: Path | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("""
            INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, row_count,
                                     total_amount, error_count, report, kept_path)
            VALUES ('bank', :name, md5(:name), 10, :at, :at, 'rejected', 0, 0, 1, 'x', :kept)
        """),
            {"name": name, "at": received, "kept": str(kept) if kept else None},
        )


def test_a_rejected_file_belongs_to_the_date_in_its_rows_else_the_working_day_of_its_receipt(
    engine: Engine, tmp_path: Path
) -> None:
    batch = tmp_path / "bank.csv"
    batch.write_text("bank_code;business_date;ntpn\n999;2026-12-02;X\n", encoding="utf-8-sig")
    payments = tmp_path / "mpn.csv"
    payments.write_text("ntpn,paid_at\nX,2026-12-03T16:10:00+07:00\n", encoding="utf-8")  # after cut-off: Friday
    sunday = datetime(2026, 12, 6, 7, 19, tzinfo=WIB)
    _reject(engine, "bank.csv", sunday, batch)
    _reject(engine, "mpn.csv", sunday, payments)
    _reject(engine, "gone.csv", sunday, tmp_path / "missing.csv")
    with engine.connect() as conn:
        assert [f.file_name for f in rejected_for_day(conn, date(2026, 12, 2))] == ["bank.csv"]
        assert sorted(f.file_name for f in rejected_for_day(conn, date(2026, 12, 4))) == ["gone.csv", "mpn.csv"]
        on_sunday = rejected_banner_files(conn, date(2026, 12, 6))  # listed under its receipt date too
        assert sorted(r.file.file_name for r in on_sunday) == ["bank.csv", "gone.csv", "mpn.csv"]
        assert {r.file.file_name: r.meant_for for r in on_sunday}["bank.csv"] == date(2026, 12, 2)
