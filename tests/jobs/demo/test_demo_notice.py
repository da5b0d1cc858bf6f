"""The demo includes one disruption notice: a regional bank's outage, shown on Kelengkapan and Rapor bank."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from jobs.demo.build import load_demo
from queries.letters.notices import EXCUSED, notices
from queries.monitoring.completeness import bank_days
from queries.monitoring.scorecard import bank_scores
from tests.builders.demo import LATE as CFG


def test_the_demo_has_a_regional_banks_outage_notice_excusing_its_late_duties(engine: Engine, tmp_path: Path) -> None:
    summary = load_demo(engine, days=3, out_dir=tmp_path, config=CFG)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        [notice] = notices(conn)
        rows = bank_days(conn, first=summary.days[0], last=summary.days[-1], now=now)
        scores = {s.bank_code: s for s in bank_scores(conn, first=summary.days[0], last=summary.days[-1], now=now)}
    assert 110 <= int(notice.bank_code) < 136 and notice.active and notice.received_at <= now
    excused = [
        (r.business_date, d)
        for r in rows
        if r.bank_code == notice.bank_code
        for d, s in r.duties.items()
        if s.state == EXCUSED and s.notice_id == notice.notice_id
    ]
    assert excused and scores[notice.bank_code].excused == len(excused)
