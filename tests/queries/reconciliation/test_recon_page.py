"""`recon_page`: the grid's filters, the sort whitelist, paging totals, category counts and the exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from jobs.documents.exports import exceptions_csv as write_csv
from jobs.documents.exports import exceptions_xlsx as write_xlsx
from jobs.reconciliation.run import reconcile
from queries.reconciliation.classify import CATEGORIES
from queries.reconciliation.exception_list import (
    CATEGORY_LABELS,
    EXPORT_HEADER,
    ExceptionFilter,
    category_counts,
    exception_page,
)
from queries.reconciliation.model import CAUSES
from queries.reconciliation.work import request_resolution
from tests.builders.reconciliation import D2, Day, clean, ntpn
from tests.builders.work import exception_id, make_people

DAY = ExceptionFilter.day(D2)


@pytest.fixture
def reconciled(engine: Engine) -> Engine:
    """Bank 002: 12 payments, 4 missing in the bank, 2 amounts differ; bank 008: 3 payments, 1 missing."""
    bri = clean(12)
    bni = clean(3, start=20, bank_code="008")
    bank = [r.but(amount=1) if i in (4, 5) else r for i, r in enumerate(bri[:8])] + bni[:2]
    Day(bri + bni).load(engine, bank=bank)
    reconcile(engine, D2)
    return engine


def page(engine: Engine, flt: ExceptionFilter = DAY, **kwargs: object):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return exception_page(conn, flt=flt, **kwargs)  # type: ignore[arg-type]


def keys(rows) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(r.ntpn or r.bank_code, r.category) for r in rows]


def test_labels_cover_every_category_in_contract_order() -> None:
    assert tuple(CATEGORY_LABELS) == CATEGORIES


def test_default_sort_is_contract_order_then_ntpn(reconciled: Engine) -> None:
    result = page(reconciled)
    transaction = [k for k in keys(result.rows) if k[0].startswith("NTPN")]
    assert transaction == [(ntpn(i), "missing_in_bank") for i in (9, 10, 11, 12, 22)] + [
        (ntpn(5), "amount_mismatch"),
        (ntpn(6), "amount_mismatch"),
    ]
    assert result.total == len(result.rows)


def test_filters_by_bank_category_and_ntpn_text(reconciled: Engine) -> None:
    assert keys(page(reconciled, ExceptionFilter.day(D2, bank="008", category="missing_in_bank")).rows) == [
        (ntpn(22), "missing_in_bank")
    ]
    assert keys(page(reconciled, ExceptionFilter.day(D2, category="amount_mismatch")).rows) == [
        (ntpn(5), "amount_mismatch"),
        (ntpn(6), "amount_mismatch"),
    ]
    assert keys(page(reconciled, ExceptionFilter.day(D2, ntpn=" ntpn00000000001 ")).rows) == [
        (ntpn(10), "missing_in_bank"),
        (ntpn(11), "missing_in_bank"),
        (ntpn(12), "missing_in_bank"),
    ]
    assert page(reconciled, ExceptionFilter(D2.replace(day=21), None)).total == 0


def test_status_filter_open_means_not_yet_closed_and_pending_only(reconciled: Engine) -> None:
    people = make_people(reconciled)
    exc = exception_id(reconciled, ntpn(9), "missing_in_bank")
    with reconciled.begin() as conn:
        request_resolution(conn, exc, cause=next(iter(CAUSES)), note="batch susulan", actor=people["ani"])
    assert page(reconciled, ExceptionFilter.day(D2, pending_only=True)).rows[0].exception_id == exc
    assert page(reconciled, ExceptionFilter.day(D2, pending_only=True)).total == 1
    everything = page(reconciled, ExceptionFilter.day(D2, statuses=None)).total
    assert everything == page(reconciled).total  # nothing closed yet
    assert page(reconciled, ExceptionFilter.day(D2, statuses=("resolved",))).total == 0
    assert [r.pending for r in page(reconciled, ExceptionFilter.day(D2, ntpn=ntpn(9))).rows] == [True]
    with pytest.raises(ValueError):
        page(reconciled, ExceptionFilter.day(D2, statuses=("closed",)))
    with pytest.raises(ValueError):
        page(reconciled, ExceptionFilter.day(D2, category="DROP TABLE"))


def test_sorts_on_whitelisted_columns_only(reconciled: Engine) -> None:
    by_amount = page(
        reconciled, ExceptionFilter.day(D2, category="missing_in_bank"), sort_column="mpn_amount", descending=True
    ).rows
    assert [r.mpn_amount for r in by_amount] == [220_000, 120_000, 110_000, 100_000, 90_000]
    default = keys(page(reconciled).rows)
    assert keys(page(reconciled, sort_column="mpn_amount; DROP TABLE recon_exception").rows) == default
    assert keys(page(reconciled, sort_column="ntpn", descending=True).rows)[0][0] == ntpn(22)


def test_blocks_page_through_every_row_once_with_the_total(reconciled: Engine) -> None:
    whole = page(reconciled, limit=1000)
    blocks = [page(reconciled, offset=o, limit=3) for o in range(0, whole.total, 3)]
    assert {b.total for b in blocks} == {whole.total}
    assert [r for b in blocks for r in b.rows] == whole.rows
    assert page(reconciled, offset=whole.total, limit=3) == ([], whole.total)


def test_category_counts_list_every_category_with_open_and_closed(reconciled: Engine) -> None:
    with reconciled.connect() as conn:
        counts = {c.category: (c.open, c.closed) for c in category_counts(conn, business_date=D2)}
    assert list(counts) == list(CATEGORIES)
    assert counts["missing_in_bank"] == (5, 0) and counts["amount_mismatch"] == (2, 0)
    assert counts["duplicate"] == (0, 0)


def test_csv_and_xlsx_exports_hold_the_filtered_rows(reconciled: Engine) -> None:
    flt = ExceptionFilter.day(D2, category="amount_mismatch")
    out = io.BytesIO()
    with reconciled.connect() as conn:
        assert write_csv(conn, out, flt=flt) == 2
    lines = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert tuple(lines[0]) == EXPORT_HEADER and lines[0][:3] == ["business_date", "level", "bank_code"]
    assert [(line[3], line[4], line[6], line[7]) for line in lines[1:]] == [
        (ntpn(5), "amount_mismatch", "50000", "1"),
        (ntpn(6), "amount_mismatch", "60000", "1"),
    ]

    book = io.BytesIO()
    with reconciled.connect() as conn:
        assert write_xlsx(conn, book, flt=flt) == 2
    sheet = load_workbook(io.BytesIO(book.getvalue()), read_only=True).active
    values = [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]
    assert (
        values[2][0]
        == "Filter: semua bank; kategori " + CATEGORY_LABELS["amount_mismatch"] + "; status Terbuka, Dalam klarifikasi"
    )
    assert values[4][:5] == ("Tanggal buku", "Tingkat", "Kode bank", "NTPN", "Kategori")
    assert values[4][9] == "Terdeteksi (WIB)" and len(values[4]) == len(EXPORT_HEADER)
    assert [(v[3], v[4], v[6], v[7]) for v in values[5:]] == [
        (ntpn(5), "Nilai berbeda", 50_000, 1),
        (ntpn(6), "Nilai berbeda", 60_000, 1),
    ]
    assert [(v[3], v[6], v[7]) for v in values[5:]] == [(ntpn(5), 50_000, 1), (ntpn(6), 60_000, 1)]
