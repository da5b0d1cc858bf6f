"""Import fuzzing: N mutated input files through `mpn import`, each imported as it says or rejected whole and kept.

    python bench/fuzz_import.py [N=500] [--seed 1]

Runs on the configured database server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_fuzz` it creates and drops. The mutations and the promise checked are those of the property tests
(`tests/builders/import_fuzz.py`). Prints how many examples ran per kind and outcome, and how many failed; each
failing file is kept under `bench/out/fuzz-failures/` with what went wrong. Exit 1 when any failed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queries import db as qdb  # noqa: E402
from queries.migrate import upgrade  # noqa: E402
from tests.builders.import_fuzz import check_example, mutated_file  # noqa: E402

KINDS = ("mpn", "bank", "statements")


class Seeded:
    """The `Chooser` of the property tests over `random.Random`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        return self.rng.randint(low, high)


def main() -> None:
    """Create the scratch database, run N examples, print the tally."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    server = qdb.resolve_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS mpn_fuzz WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE mpn_fuzz"))
    url = make_url(server).set(database="mpn_fuzz").render_as_string(hide_password=False)
    os.environ["MPN_DATABASE_URL"] = url
    qdb.engine.cache_clear()
    engine = qdb.engine()
    upgrade(engine)
    failures = ROOT / "bench" / "out" / "fuzz-failures"
    tally: Counter[tuple[str, str]] = Counter()
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="mpn-fuzz-") as tmp:
            os.environ["MPN_DATA_DIR"] = str(Path(tmp) / "data")
            for i in range(args.n):
                kind = KINDS[i % len(KINDS)]
                data = mutated_file(kind, Seeded(random.Random(f"{args.seed}:{i}")))
                try:
                    tally[kind, check_example(engine, kind, data, Path(tmp))] += 1
                except Exception:  # noqa: BLE001 - a failed example is counted and kept, the run goes on
                    tally[kind, "failed"] += 1
                    failures.mkdir(parents=True, exist_ok=True)
                    (failures / f"{args.seed}-{i}-{kind}.csv").write_bytes(data)
                    (failures / f"{args.seed}-{i}-{kind}.txt").write_text(traceback.format_exc(), encoding="utf-8")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS mpn_fuzz WITH (FORCE)"))
    elapsed = time.perf_counter() - started
    failed = sum(v for (_, outcome), v in tally.items() if outcome == "failed")
    for kind in KINDS:
        print(
            f"{kind:<10} imported {tally[kind, 'imported']:>5}  rejected {tally[kind, 'rejected']:>5}"
            f"  failed {tally[kind, 'failed']:>3}"
        )
    print(
        f"ran {args.n} examples in {elapsed:.1f} s (seed {args.seed}): {failed} failed"
        + (f"; kept in {failures}" if failed else "")
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
