"""Every `--format json` of every command, run on a real day (reconciled, distributed, an appeal letter sent) and
parsed with `json.loads`: rupiah are integers (no `Decimal is not JSON serializable`), timestamps ISO with offset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from cli.main import main
from cli.output import json_default, to_json
from tests.builders.distribution import approved_day, deliver, overdue_letter

DAY = "2026-11-20"


def _aware(value: str) -> bool:
    return datetime.fromisoformat(value).tzinfo is not None


def _summary(rows: list[dict[str, Any]]) -> None:
    by_bank = {r["bank_code"]: r for r in rows}
    assert set(by_bank) >= {"002", "008"}
    assert all(isinstance(r["mpn_amount"], int) and r["mpn_amount"] > 0 for r in rows)


def _exceptions(rows: list[dict[str, Any]]) -> None:
    assert rows and {r["business_date"] for r in rows} == {DAY}
    assert "missing_statement" in {r["category"] for r in rows} and all(_aware(r["opened_at"]) for r in rows)


def _letters(rows: list[dict[str, Any]]) -> None:
    [letter] = rows
    assert (letter["bank_code"], letter["status"], letter["agenda_number"]) == ("008", "sent", "AG-1")
    assert letter["business_dates"] == [DAY]


def _users(rows: list[dict[str, Any]]) -> None:
    ani = next(r for r in rows if r["username"] == "ani")
    assert (ani["full_name"], ani["role"], ani["active"]) == ("Ani Lestari", "pelaksana", True)


def _settings(rows: list[dict[str, Any]]) -> None:
    assert all(set(r) == {"key", "value", "label"} for r in rows) and len(rows) >= 3


def _distribution(data: dict[str, Any]) -> None:
    [one] = data["rounds"]
    assert data["business_date"] == DAY and one["rows"] == 5 and one["amount"] == 670_000
    assert sum(t["amount"] for t in data["targets"]) == 2 * 670_000
    assert {t["target"] for t in data["targets"]} == {"sidjp", "sipmod"}
    assert all(isinstance(h["amount"], int) for h in data["held"]) and data["held"]


def _scheduler(data: dict[str, Any]) -> None:
    assert data["jobs"] and all("schedule" in j and isinstance(j["paused"], bool) for j in data["jobs"])


def _audit(rows: list[dict[str, Any]]) -> None:
    assert rows and all(_aware(r["at"]) for r in rows)
    assert "distribution.approve" in {r["action"] for r in rows} or any(r["actor"] == "dedi" for r in rows)


COMMANDS: list[tuple[list[str], Callable[[Any], None]]] = [
    (["summary", "--date", DAY, "--format", "json"], _summary),
    (["exceptions", "--from", DAY, "--to", DAY, "--status", "all", "--format", "json"], _exceptions),
    (["letters", "list", "--format", "json"], _letters),
    (["users", "list", "--format", "json"], _users),
    (["settings", "list", "--format", "json"], _settings),
    (["distribution", "status", "--date", DAY, "--format", "json"], _distribution),
    (["scheduler", "status", "--format", "json"], _scheduler),
    (["audit", "list", "--limit", "200", "--format", "json"], _audit),
]


@pytest.fixture
def real_day(engine: Engine, people: dict[str, Any]) -> Engine:  # noqa: F811 - the shared fixture
    """A reconciled day with every case, prepared, approved twice and delivered, and an appeal letter sent."""
    deliver(engine, approved_day(engine, people))
    overdue_letter(engine, people)
    return engine


@pytest.mark.parametrize(("args", "check"), COMMANDS, ids=[" ".join(a[:2]) for a, _ in COMMANDS])
def test_every_json_output_parses_and_holds_the_data(
    real_day: Engine, args: list[str], check: Callable[[Any], None]
) -> None:
    import json

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    check(json.loads(result.stdout))


def test_the_helper_writes_rupiah_as_integers_dates_iso_and_keeps_indonesian_text() -> None:
    text = to_json(
        {
            "amount": Decimal("670000"),
            "rate": Decimal("0.5"),
            "day": datetime(2026, 11, 20, 9).date(),
            "note": "Sudah dicek, terima kasih – ✓",
        },
        indent=None,
    )
    assert text == '{"amount": 670000, "rate": 0.5, "day": "2026-11-20", "note": "Sudah dicek, terima kasih – ✓"}'
    with pytest.raises(TypeError, match="object"):
        json_default(object())
