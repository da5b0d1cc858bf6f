"""Property tests (issue 14): every mutated input file is imported exactly as it says or rejected whole and kept.

One database per test function, cleaned between examples (`import_fuzz.clean`); see `import_fuzz` for the
mutations and the promise checked. `bench/fuzz_import.py N` runs N more examples of the same kind.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from queries.csvfile import InputRejected
from queries.imports.master import parse_master_file, upsert_master
from tests.builders.import_fuzz import LINE, check_example, mutated_file

EXAMPLES = {"mpn": 80, "bank": 80, "statements": 70}
CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


def fuzz(examples: int) -> settings:
    """Settings of one property: no deadline (a 5 MiB field takes a while), no example database on disk."""
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=CHECKS)


class Drawn:
    """A `Chooser` over hypothesis' `data()`, so failures shrink."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        return self.data.draw(st.integers(low, high))


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_every_mutated_file_is_imported_as_it_says_or_rejected_whole(engine: Engine, tmp_path: Path, kind: str) -> None:
    outcomes: list[str] = []

    @fuzz(EXAMPLES[kind])
    @given(st.data())
    def run(data: st.DataObject) -> None:
        outcomes.append(check_example(engine, kind, mutated_file(kind, Drawn(data)), tmp_path))

    run()
    assert len(outcomes) >= EXAMPLES[kind] and {"imported", "rejected"} <= set(outcomes), Counter(outcomes)


MASTER = {
    "banks": "bank_code,name,kind,cutoff\n002,BRI,bank,15:00\n900,Pos Baru,pos,\n",
    "kpp": "kpp_code,name,kanwil_code\n021,KPP Madya Jakarta,040\n",
    "non_working_days": "date,description\n2026-12-24,Cuti bersama Natal\n2026-12-31,Cuti bersama\n",
}


@fuzz(60)
@given(st.sampled_from(sorted(MASTER)), st.data())
def test_master_parser_reads_a_mutated_file_or_rejects_it_with_lines(
    engine: Engine, tmp_path: Path, kind: str, data: st.DataObject
) -> None:
    from tests.builders.import_fuzz import MUTATIONS

    content = MASTER[kind].encode()
    ch = Drawn(data)
    for _ in range(ch.integer(0, 3)):
        content = MUTATIONS[ch.integer(0, len(MUTATIONS) - 1)](content, ch)
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content)
    try:
        rows = parse_master_file(kind, path, "m.csv")
    except InputRejected as exc:
        lines = exc.report().splitlines()
        assert lines and all(LINE.match(line) and line.startswith("m.csv:") for line in lines), lines
        return
    with engine.connect() as conn, conn.begin() as tx:  # what the parser accepts, the database stores
        try:
            upsert_master(conn, kind, rows, "m.csv", actor=None)
        except InputRejected as exc:  # an unknown Kanwil: a whole-file line
            assert all(LINE.match(line) for line in exc.report().splitlines())
        tx.rollback()
