"""`mpn reconcile`, `mpn summary`, `mpn exceptions`: output, formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine

from cli.main import main
from queries.reconciliation.classify import CATEGORIES
from tests.builders.reconciliation import Day, clean, payments


def _seed(db_url: str) -> None:
    engine = create_engine(db_url)
    rows = clean(3)
    Day(rows).load(engine, bank=[rows[0].but(amount=7), rows[1]])
    payments(engine, clean(2, start=40, bank_code="008"))
    engine.dispose()


def test_reconcile_prints_one_line_per_bank_and_the_totals(db_url: str) -> None:
    _seed(db_url)
    out = CliRunner().invoke(main, ["reconcile", "--date", "2026-11-20"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("002   mpn 3 / Rp 60.000  bank 2 / Rp 20.007  matched 1 / Rp 20.000")
    assert "missing_in_bank=1 amount_mismatch=1" in lines[0]
    assert lines[1].startswith("008   mpn 2") and "missing_batch=1 missing_statement=1" in lines[1]
    assert lines[2].startswith("total mpn 5 / Rp 870.000") and "4 detected, 4 new" in lines[2]


def test_reconcile_refuses_an_unknown_bank_or_a_date_without_data(db_url: str) -> None:
    _seed(db_url)
    unknown = CliRunner().invoke(main, ["reconcile", "--date", "2026-11-20", "--bank", "777"])
    assert unknown.exit_code == 2 and "unknown bank '777'" in unknown.output
    empty = CliRunner().invoke(main, ["reconcile", "--date", "2026-11-19"])
    assert empty.exit_code == 2 and "no payments, batches or statement letters" in empty.output


def test_summary_has_the_contract_columns_in_json_and_csv(db_url: str) -> None:
    _seed(db_url)
    CliRunner().invoke(main, ["reconcile", "--date", "2026-11-20"])
    as_json = json.loads(CliRunner().invoke(main, ["summary", "--date", "2026-11-20"]).output)
    assert list(as_json[0]) == [
        "bank_code",
        "mpn_count",
        "mpn_amount",
        "bank_count",
        "bank_amount",
        "matched_count",
        "matched_amount",
        *CATEGORIES,
    ]
    assert as_json[0]["amount_mismatch"] == 1 and as_json[1]["missing_batch"] == 1
    as_csv = list(
        csv.DictReader(
            io.StringIO(CliRunner().invoke(main, ["summary", "--date", "2026-11-20", "--format", "csv"]).output)
        )
    )
    assert as_csv[0]["matched_amount"] == "20000" and as_csv[1]["bank_code"] == "008"
    none = CliRunner().invoke(main, ["summary", "--date", "2026-11-19"])
    assert none.exit_code == 2


def test_exceptions_export_has_exactly_the_contract_columns(db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    CliRunner().invoke(main, ["reconcile", "--date", "2026-11-20"])
    target = tmp_path / "exc.csv"
    out = CliRunner().invoke(main, ["exceptions", "--from", "2026-11-20", "--to", "2026-11-20", "-o", str(target)])
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(target.open()))
    assert rows[0] == [
        "business_date",
        "level",
        "bank_code",
        "ntpn",
        "category",
        "fields",
        "mpn_amount",
        "bank_amount",
        "status",
        "opened_at",
        "resolved_at",
        "note",
    ]
    assert [(r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows[1:]] == [
        ("002", "NTPN000000000001", "amount_mismatch", "amount", "10000", "7"),
        ("002", "NTPN000000000003", "missing_in_bank", "", "30000", ""),
        ("008", "", "missing_batch", "", "810000", ""),
        ("008", "", "missing_statement", "", "810000", ""),
    ]
    as_json = json.loads(
        CliRunner()
        .invoke(
            main, ["exceptions", "--from", "2026-11-20", "--to", "2026-11-20", "--format", "json", "--status", "all"]
        )
        .output
    )
    assert len(as_json) == 4 and as_json[0]["status"] == "open" and as_json[0]["resolved_at"] is None
    empty = CliRunner().invoke(main, ["exceptions", "--from", "2026-11-01", "--to", "2026-11-02", "--format", "json"])
    assert json.loads(empty.output) == []
