"""`mpn settings`: list every setting with its value and meaning; set one, checked by its rule and audited."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner, Result
from sqlalchemy import Engine, text

from cli.main import main
from queries.settings import DEFINITIONS


def mpn(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_list_shows_every_setting_with_its_default_and_label(engine: Engine) -> None:
    out = mpn("settings", "list", "--format", "json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["key"] for r in rows] == [s.key for s in DEFINITIONS]
    assert {
        "key": "letters.reply_days",
        "value": "5",
        "label": next(s.label for s in DEFINITIONS if s.key == "letters.reply_days"),
    } in rows
    table = mpn("settings", "list").output.splitlines()
    assert len(table) == len(DEFINITIONS)
    assert any(line.startswith("letters.letterhead") and "INDONESIA\\nDIREKTORAT" in line for line in table)
    as_csv = list(csv.DictReader(io.StringIO(mpn("settings", "list", "--format", "csv").output)))
    assert as_csv == rows


def test_set_a_good_value_shows_in_the_list_and_is_audited(engine: Engine) -> None:
    out = mpn("settings", "set", "letters.reply_days", "7")
    assert out.exit_code == 0 and out.output == "letters.reply_days = 7\n"
    rows = {r["key"]: r["value"] for r in json.loads(mpn("settings", "list", "--format", "json").output)}
    assert rows["letters.reply_days"] == "7"
    assert mpn("settings", "set", "letters.number_pattern", "S-{seq}/PJ.10/{roman}/{year}").exit_code == 0
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT actor, action, object_id FROM audit_log ORDER BY seq")).all()
    assert [tuple(a) for a in audit] == [
        ("system:cli", "settings.change", "letters.reply_days"),
        ("system:cli", "settings.change", "letters.number_pattern"),
    ]


def test_a_bad_value_or_unknown_key_exits_2_with_the_reason_and_changes_nothing(engine: Engine) -> None:
    bad = mpn("settings", "set", "letters.reply_days", "banyak")
    assert bad.exit_code == 2 and "letters.reply_days: harus bilangan bulat 1 sampai 60" in bad.stderr
    pattern = mpn("settings", "set", "letters.number_pattern", "S-/PJ.10")
    assert pattern.exit_code == 2 and "harus memuat {seq}" in pattern.stderr
    unknown = mpn("settings", "set", "letters.colour", "biru")
    assert unknown.exit_code == 2 and "pengaturan tidak dikenal: letters.colour" in unknown.stderr
    rows = {r["key"]: r["value"] for r in json.loads(mpn("settings", "list", "--format", "json").output)}
    assert rows["letters.reply_days"] == "5" and rows["letters.number_pattern"] == "S-{seq}/PJ.10/{year}"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 0
