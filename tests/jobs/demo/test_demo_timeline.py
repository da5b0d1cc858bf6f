"""`mpn demo`'s history is one coherent timeline before now: nothing in the future, no anomaly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from jobs.demo.build import load_demo
from queries.monitoring.completeness import DUTIES, bank_days
from queries.timeline import ANOMALY
from tests.builders.demo import LATE as CFG


def stamped_columns(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("""
            SELECT c.table_name, c.column_name FROM information_schema.columns c
              JOIN pg_class k ON k.relname = c.table_name AND k.relkind IN ('r', 'p') AND NOT k.relispartition
             WHERE c.table_schema = current_schema() AND c.data_type = 'timestamp with time zone'""")
            ).all()
        ]


def test_demo_history_ends_before_now_in_order_and_without_anomalies(engine: Engine, tmp_path: Path) -> None:
    summary = load_demo(engine, days=3, out_dir=tmp_path, config=CFG)  # up to the last working day before today
    now = datetime.now(UTC)
    assert summary.loaded
    first, last = summary.days[0], summary.days[-1]
    with engine.connect() as conn:
        future = {
            f"{t}.{c}": conn.execute(text(f'SELECT max("{c}") FROM "{t}"')).scalar_one()
            for t, c in stamped_columns(engine)
        }
        results = conn.execute(
            text("""SELECT bank_code, business_date, batch_received_at, result_at, result_minutes
                                         FROM recon_result WHERE batch_id IS NOT NULL""")
        ).all()
        out_of_order = conn.execute(
            text("""
            SELECT 'import before arrival', count(*) FROM import_file WHERE started_at < received_at
            UNION ALL SELECT 'exception before its data', count(*) FROM recon_exception e
             WHERE e.opened_at < (SELECT min(f.received_at) FROM import_file f)
            UNION ALL SELECT 'run before its batch', count(*) FROM recon_result
             WHERE result_at < batch_received_at OR result_minutes < 0
            UNION ALL SELECT 'letter before its day', count(*) FROM statement_letter
             WHERE (received_at AT TIME ZONE 'Asia/Jakarta')::date < business_date
            UNION ALL SELECT 'decision before request', count(*) FROM approval_decision d
              JOIN approval_request r ON r.request_id = d.request_id WHERE d.decided_at < r.made_at
            UNION ALL SELECT 'round prepared before its letters were due', count(*) FROM distribution d
             WHERE d.prepared_at < (d.business_date + 1)::timestamp AT TIME ZONE 'Asia/Jakarta'
            UNION ALL SELECT 'approved before prepared', count(*) FROM distribution WHERE approved_at < prepared_at
        """)
        ).all()
        rows = bank_days(conn, first=first, last=last, now=now)
    assert {k: v for k, v in future.items() if v is not None and v > now} == {}
    assert results and all(r.result_minutes >= 0 and r.result_at >= r.batch_received_at for r in results)
    assert {what: n for what, n in out_of_order if n} == {}
    anomalies = [
        (r.bank_code, r.business_date, d, r.status(d).note)
        for r in rows
        for d in DUTIES
        if r.status(d).state == ANOMALY
    ]
    assert rows and anomalies == []
    with engine.connect() as conn:  # the history happened over the days it covers, not at the moment it was loaded
        spread = conn.execute(
            text("SELECT count(DISTINCT (opened_at AT TIME ZONE 'Asia/Jakarta')::date) FROM recon_exception")
        ).scalar_one()
    assert spread >= 2
