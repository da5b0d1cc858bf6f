"""Issue 15 §4: every XLSX a page or a report makes speaks Bahasa Indonesia. Each file is made from a day with every
case (distribution returned and approved, exceptions worked, letters sent) and opened: its title rows name the
report, the period, the filters and when (WIB) and by whom it was made; headers are Indonesian (no snake_case); no
cell holds a raw stored code (`done`, `waiting`, `na`, `sidjp`, `amount_mismatch`…); money is numeric with `#,##0`.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Engine

from dashboard.app import create_app
from jobs.documents.daily_report import TITLE as DAILY_TITLE
from jobs.documents.daily_report import make_daily_report
from jobs.documents.distribution_report import TITLE as DISTRIBUTION_TITLE
from jobs.documents.distribution_report import make_report
from jobs.documents.exports import exceptions_xlsx, scorecard_xlsx
from jobs.documents.tabular import MONEY_FORMAT
from queries import labels
from queries.reconciliation.exception_list import ExceptionFilter
from tests.builders.distribution import NOW
from tests.builders.reconciliation import D1, D2
from tests.builders.revenue import ask_for_xlsx
from tests.dashboard.helpers import client_as

#: Stored codes that must never reach a cell as they are (case matters: `SIDJP` is the label of `sidjp`).
RAW = {
    code
    for table in (
        labels.STATES,
        labels.STATUS_WORDS,
        labels.TARGETS,
        labels.CATEGORIES,
        labels.RULES,
        labels.HOLD_REASONS,
        labels.OUTCOMES,
        labels.ROLES,
        labels.EXCEPTION_STATUSES,
    )
    for code in table
} | {"na"}
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
MADE = re.compile(r"^Dibuat \d{2}/\d{2}/\d{4} \d{2}:\d{2} WIB( oleh .+)?$")


def _cells(content: bytes) -> list[tuple[str, list[list[Any]]]]:
    book = load_workbook(io.BytesIO(content))
    return [(s.title, [list(r) for r in s.iter_rows()]) for s in book.worksheets]


def check_workbook(content: bytes, title: str, period: str, *, by: str | None, money: bool = True) -> None:
    """Title rows first; no raw code, no snake_case; every number under a `(Rp)` header is `#,##0`."""
    sheets = _cells(content)
    first = [row[0].value for row in sheets[0][1][:4]]
    assert first[0] == title and first[1] == f"Periode: {period}" and first[2].startswith("Filter: "), first
    assert MADE.match(first[3]) and (by is None or first[3].endswith(f"oleh {by}")), first[3]
    money_cells = 0
    for name, rows in sheets:
        money_columns: set[int] = set()
        for row in rows:
            values = [c.value for c in row]
            if not any(v is not None for v in values):
                money_columns = set()
                continue
            for c in row:
                if isinstance(c.value, str):
                    assert c.value not in RAW and not SNAKE.match(c.value), (name, c.coordinate, c.value)
            if any(isinstance(v, str) and v.endswith("(Rp)") for v in values):
                money_columns = {i for i, v in enumerate(values) if isinstance(v, str) and v.endswith("(Rp)")}
                continue
            for i in money_columns:
                if i < len(row) and isinstance(row[i].value, int):
                    assert row[i].number_format == MONEY_FORMAT, (name, row[i].coordinate)
                    money_cells += 1
    assert money_cells > 0 or not money


def test_rekonsiliasi_export_is_indonesian_with_title_rows(poisoned: Engine) -> None:  # noqa: F811
    out = io.BytesIO()
    with poisoned.connect() as conn:
        assert exceptions_xlsx(conn, out, flt=ExceptionFilter.day(D2, statuses=None), made_at=NOW, made_by="ani") > 0
    check_workbook(out.getvalue(), "Selisih rekonsiliasi MPN", "tanggal buku 20/11/2026", by="ani")
    [(_, rows)] = _cells(out.getvalue())
    header = [c.value for c in rows[4]]
    assert header[:5] == ["Tanggal buku", "Tingkat", "Kode bank", "NTPN", "Kategori"]
    assert "Jumlah MPN (Rp)" in header and "Terdeteksi (WIB)" in header
    shown = {c.value for row in rows[5:] for c in row}
    assert "Tidak ada di bank" in shown and "Terbuka" in shown


def test_rapor_bank_export_has_period_and_maker(poisoned: Engine) -> None:  # noqa: F811
    out = io.BytesIO()
    with poisoned.connect() as conn:
        assert scorecard_xlsx(conn, out, first=D1, last=D2, now=NOW, made_by="budi") > 0
    check_workbook(out.getvalue(), "Rapor bank/pos persepsi", "19/11/2026 – 20/11/2026", by="budi", money=False)


def test_daily_and_distribution_reports_are_indonesian(poisoned: Engine) -> None:  # noqa: F811
    _, daily = make_daily_report(poisoned, D2, fmt="xlsx", made_by="ani", now=NOW)
    check_workbook(daily, DAILY_TITLE, "tanggal buku 20/11/2026", by="ani")
    sheets = dict(_cells(daily))
    assert [c.value for c in sheets["Kelengkapan"][0][:4]] == [
        "Kode bank",
        "Nama bank",
        "Data MPN",
        "Data MPN: waktu (WIB)",
    ]
    states = {c.value for row in sheets["Kelengkapan"][1:] for c in row[2::2]}
    assert states <= set(labels.STATES.values()) and states
    _, distribution = make_report(poisoned, D2, fmt="xlsx", made_by="ani", now=NOW)
    check_workbook(distribution, DISTRIBUTION_TITLE, "tanggal buku 20/11/2026", by="ani")
    per_kpp = dict(_cells(distribution))["Per KPP"]
    assert {row[0].value for row in per_kpp[1:]} == {"SIDJP", "SIPMOD"}


def test_penerimaan_download_has_title_rows_on_every_sheet(poisoned: Engine) -> None:  # noqa: F811
    client = client_as(create_app(), poisoned, "manajemen")
    data = ask_for_xlsx(client).get_json()["response"]["pn-unduhan"]["data"]
    content = base64.b64decode(data["content"])
    check_workbook(content, "Penerimaan negara melalui MPN", "01/11/2026 – 20/11/2026", by=None)
    for _, rows in _cells(content):
        assert rows[0][0].value == "Penerimaan negara melalui MPN"
