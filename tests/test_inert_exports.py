"""CONTRACT §4, issue 14 part 3: a formula planted in every free-text field that reaches an export, through the real
importers and domain functions, never runs in a spreadsheet. Every export is made (command line, page downloads,
daily and distribution reports, scorecard, revenue data): no XLSX cell is a formula (neither by openpyxl's reading
nor in the raw XML), every CSV text value that would be read as a formula carries a leading `'`, and the numbers
are still numbers."""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from cli.main import main
from dashboard.app import create_app
from jobs.documents.daily_report import make_daily_report
from jobs.documents.distribution_report import make_report
from jobs.documents.exports import exceptions_csv, exceptions_xlsx, scorecard_xlsx
from jobs.documents.tabular import DANGEROUS
from queries.reconciliation.exception_list import ExceptionFilter
from tests.builders.distribution import NOW
from tests.builders.exports import PLANTED
from tests.builders.reconciliation import D1, D2
from tests.builders.revenue import ask_for_xlsx
from tests.dashboard.helpers import client_as

NUMBER = re.compile(r"-?\d+(\.\d+)?")


# ---------------------------------------------------------------- checks


def inert_xlsx(content: bytes, *expected: str) -> None:
    """No formula anywhere in the workbook; each `expected` payload is there as a text cell."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    texts = set()
    for sheet in load_workbook(io.BytesIO(content)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.data_type == "s" and cell.value is not None:
                    texts.add(cell.value)
    for payload in expected:
        assert any(payload in t for t in texts), payload


def inert_csv(content: str, *expected: str, numbers: Iterable[str] = ()) -> list[dict[str, str]]:
    """No field a spreadsheet would run; each `expected` payload is there behind `'`; `numbers` columns numeric."""
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    fields = [v for r in rows for v in r.values()]
    for value in fields:
        assert not value.startswith(DANGEROUS) or NUMBER.fullmatch(value), value
    for payload in expected:
        assert any(v == "'" + payload or v.startswith("'" + payload) for v in fields), payload
    for column in numbers:
        assert all(NUMBER.fullmatch(r[column]) for r in rows if r[column]), column
    return rows


def mpn(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


# ---------------------------------------------------------------- the exports


def test_command_line_csv_exports_are_inert(poisoned: Engine, tmp_path: Path) -> None:
    target = tmp_path / "exceptions.csv"
    mpn("exceptions", "--from", D2.isoformat(), "--to", D2.isoformat(), "--status", "all", "-o", str(target))
    rows = inert_csv(
        target.read_text(encoding="utf-8"), PLANTED["resolution_note"], numbers=("mpn_amount", "bank_amount")
    )
    assert any(r["status"] == "resolved" for r in rows)
    letters = inert_csv(mpn("letters", "list", "--format", "csv"), PLANTED["agenda_number"], numbers=("letter_id",))
    assert letters[0]["bank_code"] == "008"
    inert_csv(mpn("users", "list", "--format", "csv"), PLANTED["full_name"])
    inert_csv(mpn("settings", "list", "--format", "csv"), PLANTED["setting"])
    inert_csv(mpn("summary", "--date", D2.isoformat(), "--format", "csv"), numbers=("mpn_amount", "matched_amount"))


def test_rekonsiliasi_and_rapor_bank_downloads_are_inert(poisoned: Engine) -> None:
    flt = ExceptionFilter.day(D2, statuses=None)
    with poisoned.connect() as conn:
        out = io.BytesIO()
        assert exceptions_csv(conn, out, flt=flt) > 0
        inert_csv(out.getvalue().decode(), PLANTED["resolution_note"], numbers=("mpn_amount", "bank_amount"))
        book = io.BytesIO()
        exceptions_xlsx(conn, book, flt=flt)
        inert_xlsx(book.getvalue(), PLANTED["resolution_note"])
        card = io.BytesIO()
        assert scorecard_xlsx(conn, card, first=D1, last=D2, now=NOW) > 0
    inert_xlsx(card.getvalue(), PLANTED["bank_name"])


def test_daily_and_distribution_reports_are_inert(poisoned: Engine) -> None:
    _, daily = make_daily_report(poisoned, D2, fmt="xlsx", made_by="ani", now=NOW)
    inert_xlsx(daily, PLANTED["letter_number"], PLANTED["bank_name"], PLANTED["approval_note"], PLANTED["kpp_name"])
    _, distribution = make_report(poisoned, D2, fmt="xlsx", made_by="ani", now=NOW)
    inert_xlsx(distribution, PLANTED["approval_note"], PLANTED["reject_note"], PLANTED["kpp_name"])
    with poisoned.connect() as conn:  # Laporan serves what was kept: the same inert bytes
        kept = conn.execute(text("SELECT content FROM dist_report WHERE format = 'xlsx'")).scalars().all()
    assert sorted(bytes(k) for k in kept) == sorted([daily, distribution])


def test_penerimaan_download_is_inert(poisoned: Engine) -> None:
    client = client_as(create_app(), poisoned, "manajemen")
    data = ask_for_xlsx(client).get_json()["response"]["pn-unduhan"]["data"]
    content = base64.b64decode(data["content"])
    inert_xlsx(content, PLANTED["bank_name"])
    bank = load_workbook(io.BytesIO(content))["Bank"]
    amounts = [row[2] for row in bank.iter_rows(min_row=6, values_only=True)]  # 4 title rows, the header
    assert amounts and all(isinstance(a, int) for a in amounts)
