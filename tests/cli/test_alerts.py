"""`mpn alerts evaluate|list` from the shell: stepping time with `--at`, the CONTRACT §6 line and columns, bad input."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner, Result
from sqlalchemy import Engine

from cli.main import main
from queries.alerts import COLUMNS
from tests.builders.alerts import DAY, at, batch, payments


def mpn(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_evaluate_steps_through_the_afternoon_and_list_writes_the_contract_columns(engine: Engine) -> None:
    with engine.begin() as conn:
        payments(conn, DAY, ["002", "008"])

    assert mpn("alerts", "evaluate", "--at", "2026-11-20T15:59:00+07:00").output == "opened 0, resolved 0, open 0\n"
    first = mpn("alerts", "evaluate", "--at", "2026-11-20T16:05")  # no offset: the schedule zone (WIB)
    assert (first.exit_code, first.output) == (0, "opened 2, resolved 0, open 2\n")
    assert mpn("alerts", "evaluate", "--at", "2026-11-20T16:05").output == "opened 0, resolved 0, open 2\n"

    with engine.begin() as conn:
        batch(conn, "002", DAY, at(DAY, 16, 20))
    assert mpn("alerts", "evaluate", "--at", "2026-11-20T16:25+07:00").output == "opened 0, resolved 1, open 1\n"

    listed = mpn("alerts", "list", "--status", "all", "--at", "2026-11-20T16:25+07:00")
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert listed.exit_code == 0 and tuple(rows[0]) == COLUMNS
    by_bank = {r["bank_code"]: r for r in rows}
    assert by_bank["002"]["status"] == "resolved" and by_bank["002"]["late_minutes"] == "20"
    assert by_bank["008"]["status"] == "open" and by_bank["008"]["late_minutes"] == ""
    assert by_bank["008"]["rule"] == "batch_late" and by_bank["008"]["business_date"] == "2026-11-20"

    opened = json.loads(mpn("alerts", "list", "--format", "json", "--at", "2026-11-20T16:25+07:00").output)
    assert [(a["rule"], a["bank_code"], a["deadline"]) for a in opened] == [
        ("batch_late", "008", "2026-11-20T16:00:00+07:00")
    ]
    assert list(opened[0]) == list(COLUMNS)


def test_a_bad_time_is_exit_2_without_a_traceback(engine: Engine) -> None:
    result = CliRunner().invoke(main, ["alerts", "evaluate", "--at", "kemarin sore"])
    assert result.exit_code == 2 and "not an ISO timestamp" in result.output
    assert "Traceback" not in result.output
    assert mpn("alerts", "list", "--status", "tertunda").exit_code == 2
