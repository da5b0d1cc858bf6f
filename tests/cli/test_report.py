"""`mpn report daily --date D --format pdf|xlsx -o FILE`: the daily report made, kept on file and written, for a
date with a distribution and for one without."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, text

from cli.main import main
from jobs.documents.distribution_report import latest_report
from queries.accounts.users import User
from tests.builders.distribution import approved_day, deliver
from tests.builders.reconciliation import D1, D2
from tests.builders.work import make_people


def mpn(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def staff(engine: Engine) -> dict[str, User]:
    people = make_people(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE app_user SET full_name = 'Ani Lestari' WHERE username = 'ani'"))
    return people


def test_report_daily_writes_and_keeps_the_daily_report_with_the_distribution(engine: Engine, tmp_path: Path) -> None:
    deliver(engine, approved_day(engine, staff(engine)))
    out = tmp_path / "laporan.pdf"

    result = mpn("report", "daily", "--date", "2026-11-20", "--format", "pdf", "-o", str(out))

    assert result.exit_code == 0, result.output
    assert "laporan-harian-mpn_2026-11-20.pdf" in result.output
    words = text_of(out.read_bytes())
    assert "LAPORAN HARIAN" in words and "091 KPP Wajib Pajak Besar Satu" in words and "Skor kelengkapan" in words
    with engine.connect() as conn:
        kept = latest_report(conn, D2, "pdf", kind="daily")
    assert kept is not None and kept.content == out.read_bytes() and kept.made_by == "system:cli"
    xlsx = tmp_path / "laporan.xlsx"
    as_ani = mpn("report", "daily", "--date", "2026-11-20", "--format", "xlsx", "-o", str(xlsx), "--user", "ani")
    assert as_ani.exit_code == 0 and load_workbook(xlsx).sheetnames[0] == "Ringkasan"
    with engine.connect() as conn:
        by_ani = latest_report(conn, D2, "xlsx", kind="daily")
    assert by_ani is not None and by_ani.made_by == "ani"


def test_report_daily_reports_a_date_without_distribution_and_refuses_bad_input(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "kosong.pdf"

    result = mpn("report", "daily", "--date", "2026-11-19", "--format", "pdf", "-o", str(out))

    assert result.exit_code == 0, result.output
    assert "Belum didistribusikan" in text_of(out.read_bytes())
    with engine.connect() as conn:
        assert latest_report(conn, D1, "pdf", kind="daily") is not None
    assert mpn("report", "daily", "--date", "2026-11-20", "--format", "doc", "-o", str(out)).exit_code == 2
    assert mpn("report", "daily", "--date", "20-11-2026", "--format", "pdf", "-o", str(out)).exit_code == 2
    unknown = mpn("report", "daily", "--date", "2026-11-20", "--format", "pdf", "-o", str(out), "--user", "nobody")
    assert unknown.exit_code == 2 and "no active user" in unknown.stderr
