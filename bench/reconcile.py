"""Reconcile benchmark: a peak day on both sides through `mpn import` and `mpn reconcile`, vs a bare join, datacompy.

    python bench/reconcile.py [--rows 3000000] [--seed 1] [--no-datacompy] [--keep] [--reuse] [--no-resend]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database
`mpn_bench_rec` it creates and drops. The MPN file is `jobs.demo.peak.write_peak_day`'s; the bank
batches (one per agent) are derived from it with ~0.9 % planted differences: 0.3 % rows left out,
0.2 % amounts and 0.2 % NPWPs changed, 0.1 % extra rows, 0.1 % duplicated rows. Prints the seconds
of `mpn reconcile` in its own process and its peak RSS, the seconds of one bare FULL OUTER JOIN
classification over the same two partitions, and of `datacompy.Compare` on the same rows (install it
with `.venv/bin/pip install -e '.[bench]'`).

After the first run, the largest bank resends its batch with two rows fewer (`mpn import bank`, which supersedes
the first batch) and `mpn reconcile` runs again: first run and rerun after the resend are printed side by side
with their ratio (goal <= 1.2: a resend minutes after the first run must not meet statistics the first run made
stale). `--no-resend` reruns without one.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Engine, create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobs.demo.data import Master, write_peak_day  # noqa: E402
from queries.calendar import WorkingCalendar  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.migrate import upgrade  # noqa: E402

DB = "mpn_bench_rec"
BANK_COLUMNS = (
    "bank_code",
    "business_date",
    "ntpn",
    "ntb",
    "paid_at",
    "npwp",
    "kap",
    "kjs",
    "tax_period",
    "kpp_code",
    "amount",
)
COMPARED = ("amount", "bank_code", "ntb", "npwp", "kap", "kjs", "tax_period", "kpp_code")


def write_batches(mpn_path: Path, out: Path, day: date, seed: int) -> tuple[list[Path], dict[str, int]]:
    """One batch file per agent from the MPN file, with planted differences; returns paths and counts."""
    table = pcsv.read_csv(
        mpn_path,
        convert_options=pcsv.ConvertOptions(
            column_types={
                c: pa.string()
                for c in ("ntpn", "ntb", "npwp", "kap", "kjs", "tax_period", "kpp_code", "bank_code", "paid_at")
            }
        ),
    )
    n = table.num_rows
    u = pc.random(n, initializer=seed)  # pyarrow alone: numpy is not a dependency of the product

    def band(lo: float, hi: float) -> pa.Array:
        return pc.and_(pc.greater_equal(u, lo), pc.less(u, hi))

    amount = pc.if_else(band(0.003, 0.005), pc.add(table["amount"], 1000), table["amount"])
    npwp = pc.if_else(band(0.005, 0.007), "099999999999999", table["npwp"])
    base = pa.table(
        {
            "bank_code": table["bank_code"],
            "business_date": pa.array([day.isoformat()] * n),
            "ntpn": table["ntpn"],
            "ntb": table["ntb"],
            "paid_at": table["paid_at"],
            "npwp": npwp,
            "kap": table["kap"],
            "kjs": table["kjs"],
            "tax_period": table["tax_period"],
            "kpp_code": table["kpp_code"],
            "amount": amount,
        }
    )
    keep = base.filter(pc.greater_equal(u, 0.003))
    extra = base.filter(band(0.007, 0.008))
    extra = extra.set_column(
        2, "ntpn", pc.binary_join_element_wise("ZZ", pc.utf8_slice_codeunits(extra["ntpn"], 2), "")
    )
    extra = extra.set_column(3, "ntb", pc.binary_join_element_wise("X", pc.utf8_slice_codeunits(extra["ntb"], 1), ""))
    dup = base.filter(band(0.008, 0.009))
    batch = pa.concat_tables([keep, extra, dup])
    counts = {
        "left_out": n - keep.num_rows,
        "amount": pc.sum(band(0.003, 0.005)).as_py(),
        "npwp": pc.sum(band(0.005, 0.007)).as_py(),
        "extra": extra.num_rows,
        "duplicated": dup.num_rows,
    }
    paths = []
    for code in pc.unique(batch["bank_code"]).to_pylist():
        path = out / f"bank_{code}_{day:%Y%m%d}.csv"
        pcsv.write_csv(batch.filter(pc.equal(batch["bank_code"], code)), path, pcsv.WriteOptions(quoting_style="none"))
        paths.append(path)
    return paths, counts


def bare_join(url: str, day: date) -> float:
    """Seconds of one FULL OUTER JOIN classifying every NTPN of the two partitions (best of two)."""
    m, b = f"mpn_record_{day:%Y%m%d}", f"bank_batch_row_{day:%Y%m%d}"
    differs = " OR ".join(f"m.{c} <> b.{c}" for c in COMPARED)
    sql = (
        f"SELECT CASE WHEN m.ntpn IS NULL THEN 'missing_in_mpn' WHEN b.ntpn IS NULL THEN 'missing_in_bank'"
        f" WHEN m.amount <> b.amount THEN 'amount_mismatch' WHEN {differs} THEN 'attribute_mismatch'"
        f" ELSE 'matched' END, count(*), sum(coalesce(m.amount, b.amount))"
        f" FROM (SELECT * FROM {m} WHERE record_type = 'payment') m FULL JOIN {b} b ON b.ntpn = m.ntpn GROUP BY 1"
    )
    eng = create_engine(url)
    best = float("inf")
    with eng.connect() as conn:
        conn.execute(text("SET work_mem = '256MB'"))
        conn.execute(text("SET jit = off"))
        for _ in range(2):
            started = time.perf_counter()
            conn.execute(text(sql)).all()
            best = min(best, time.perf_counter() - started)
    eng.dispose()
    return best


def datacompy_seconds(url: str, day: date) -> tuple[float, float] | None:
    """Seconds to load both sides into pandas, and of `datacompy.Compare` on them; None if not installed."""
    try:
        import datacompy
        import datacompy.pandas
        import pandas as pd
    except ImportError:
        return None
    cols = "ntpn, " + ", ".join(COMPARED)
    eng = create_engine(url)
    started = time.perf_counter()
    with eng.connect() as conn:
        mpn = pd.read_sql(text(f"SELECT {cols} FROM mpn_record_{day:%Y%m%d} WHERE record_type = 'payment'"), conn)
        bank = pd.read_sql(text(f"SELECT {cols} FROM bank_batch_row_{day:%Y%m%d}"), conn)
    loaded = time.perf_counter() - started
    eng.dispose()
    started = time.perf_counter()
    compare_class = getattr(datacompy, "Compare", None) or datacompy.pandas.PandasCompare  # 1.x renamed it
    compare = compare_class(mpn, bank, join_columns="ntpn", df1_name="mpn", df2_name="bank")
    compare.report()
    return loaded, time.perf_counter() - started


def mpn(env: dict[str, str], *args: str) -> tuple[float, str, float]:
    """Run `mpn ARGS` in its own process: seconds, standard output, and that process's peak RSS in MiB.

    The peak is the child's own `VmHWM`, sampled until it exits: `ru_maxrss` from `wait4` would report
    this (large) parent's, which the child inherits across fork and exec.
    """
    out_path = ROOT / "bench" / "out" / "reconcile" / "mpn.out"
    with open(out_path, "w+") as out, open(out_path.with_suffix(".err"), "w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, stdout=out, stderr=err)
        hwm_kib = 0
        while True:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            hwm_kib = max(hwm_kib, _vm_hwm_kib(proc.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"mpn {' '.join(args[:2])} failed ({proc.returncode}):\n{err.read()[-3000:]}")
        return seconds, out.read(), hwm_kib / 1024


def _vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:  # exited between the wait and the read
        return 0


def prepare(admin: Engine, url: str, env: dict[str, str], out: Path, args: argparse.Namespace) -> None:
    """Create the scratch database, generate the day's files and import them through `mpn import`."""
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DB}"))
    bench_engine = create_engine(url)
    upgrade(bench_engine)
    bench_engine.dispose()
    started = time.perf_counter()
    mpn_path = out / f"mpn_peak_{args.rows}.csv"
    write_peak_day(mpn_path, args.rows, args.seed, Master.from_csv(), args.day, WorkingCalendar())
    batches, planted = write_batches(mpn_path, out, args.day, args.seed)
    print(
        f"generated {args.rows:,} payments and {len(batches)} batches in {time.perf_counter() - started:.1f} s;"
        f" planted {planted}"
    )
    seconds, _, _ = mpn(env, "import", "mpn", str(mpn_path))
    print(f"mpn import mpn      : {seconds:6.1f} s")
    seconds, _, _ = mpn(env, "import", "bank", *map(str, batches))
    print(f"mpn import bank     : {seconds:6.1f} s ({len(batches)} files)")
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:  # as autovacuum would, soon after
        conn.execute(text(f"VACUUM ANALYZE mpn_record_{args.day:%Y%m%d}, bank_batch_row_{args.day:%Y%m%d}"))
    for path in [mpn_path, *batches]:
        path.unlink()


_RESEND = """
    COPY (SELECT r.bank_code, r.business_date, r.ntpn, r.ntb,
                 to_char(r.paid_at AT TIME ZONE 'UTC' + make_interval(hours => r.utc_offset),
                         'YYYY-MM-DD"T"HH24:MI:SS') || '+0' || r.utc_offset || ':00',
                 r.npwp, r.kap, r.kjs, r.tax_period, r.kpp_code, r.amount
            FROM bank_batch_row r
           WHERE r.batch_id = {batch} AND r.business_date = '{day}' AND r.line > 3
           ORDER BY r.line) TO STDOUT WITH (FORMAT csv, HEADER false)
"""


def write_resend(url: str, day: date, out: Path) -> tuple[Path, str, int]:
    """The largest bank's current batch of `day` again, two rows fewer, as a new batch file; path, bank, rows."""
    eng = create_engine(url)
    with eng.connect() as conn:
        batch, bank, rows = conn.execute(
            text(
                "SELECT batch_id, bank_code, row_count FROM bank_batch"
                " WHERE business_date = :d AND superseded_at IS NULL"
                " ORDER BY row_count DESC, bank_code LIMIT 1"
            ),
            {"d": day},
        ).one()
        path = out / f"bank_{bank}_{day:%Y%m%d}.csv"
        raw = conn.connection.dbapi_connection
        with open(path, "w", encoding="utf-8") as f, raw.cursor() as cur:  # type: ignore[union-attr]
            f.write(",".join(BANK_COLUMNS) + "\n")
            cur.copy_expert(_RESEND.format(batch=int(batch), day=day.isoformat()), f)
    eng.dispose()
    return path, bank, int(rows) - 2


def forget_runs(url: str, day: date) -> None:
    """Remove earlier reconciliations of `day` and its revenue so the next run is a first run again (for --reuse)."""
    with create_engine(url).begin() as conn:
        runs = "(SELECT run_id FROM recon_run WHERE business_date = :d)"
        conn.execute(text(f"DELETE FROM notice_catchup WHERE run_id IN {runs}"), {"d": day})
        for table in ("bank_result", "recon_exception", "recon_result", "recon_run", "revenue_day"):
            conn.execute(text(f"DELETE FROM {table} WHERE business_date = :d"), {"d": day})
        conn.execute(
            text("DELETE FROM revenue_rollup WHERE period = :d OR (span = 'month' AND period = :m)"),
            {"d": day, "m": day.replace(day=1)},
        )


def _inner_seconds(output: str) -> float:
    """The seconds `mpn reconcile` reports for its own transaction (`(12.3 s, run 4)`)."""
    found = re.search(r"\(([0-9.]+) s, run [0-9]+\)", output)
    if found is None:
        sys.exit(f"no run time in the output of mpn reconcile:\n{output[-2000:]}")
    return float(found.group(1))


def main() -> None:
    """Generate, import, reconcile, compare, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--no-datacompy", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch database: skip generate/import")
    parser.add_argument("--no-resend", action="store_true", help="rerun without a bank resending its batch first")
    args = parser.parse_args()

    server = resolve_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    url = make_url(server).set(database=DB).render_as_string(hide_password=False)
    out = ROOT / "bench" / "out" / "reconcile"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MPN_DATABASE_URL": url, "MPN_DATA_DIR": str(out / "data")}
    if args.reuse:
        forget_runs(url, args.day)
    else:
        prepare(admin, url, env, out, args)

    reconcile_s, output, rss_mib = mpn(env, "reconcile", "--date", args.day.isoformat())
    print(output.strip().splitlines()[-1])
    if not args.no_resend:
        path, bank, rows = write_resend(url, args.day, out)
        seconds, _, _ = mpn(env, "import", "bank", str(path))
        path.unlink()
        print(f"resend of bank {bank} ({rows:,} rows, two fewer): mpn import bank {seconds:.1f} s")
    rerun_s, rerun_out, _ = mpn(env, "reconcile", "--date", args.day.isoformat())
    print(rerun_out.strip().splitlines()[-1])
    join_s = bare_join(url, args.day)
    what = "rerun" if args.no_resend else "rerun after resend"
    first_in, rerun_in = _inner_seconds(output), _inner_seconds(rerun_out)
    print(
        f"mpn reconcile, first run           : {first_in:6.1f} s in its transaction, {reconcile_s:.1f} s own process"
        f" (with sending the banks' results)"
    )
    print(f"mpn reconcile, {what:<20}: {rerun_in:6.1f} s in its transaction, {rerun_s:.1f} s own process")
    print(
        f"{what} / first run       : {rerun_in / first_in:6.2f}  (transactions; goal <= 1.2)"
        f"  {rerun_s / reconcile_s:.2f} (processes)"
    )
    print(f"bare FULL OUTER JOIN classification: {join_s:6.1f} s")
    print(
        f"ratio reconcile / bare join        : {first_in / join_s:6.2f}  (transaction; goal <= 1.5)"
        f"  {reconcile_s / join_s:.2f} (process)"
    )
    print(f"peak RSS of the reconcile process  : {rss_mib:,.0f} MiB  (goal < 500 MiB)")
    compared = None if args.no_datacompy else datacompy_seconds(url, args.day)
    if args.no_datacompy:
        print("datacompy: skipped (--no-datacompy)")
    elif compared is None:
        print("datacompy: skipped (install with `.venv/bin/pip install -e '.[bench]'`)")
    else:
        loaded, compare_s = compared
        print(
            f"datacompy load + Compare + report  : {loaded + compare_s:6.1f} s  ({loaded:.1f} s loading into pandas,"
            f" {compare_s:.1f} s comparing); reconcile is {(loaded + compare_s) / reconcile_s:.1f}x faster"
            f" ({compare_s / reconcile_s:.1f}x against the comparison alone; goal >= 4)"
        )
    if not args.keep:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))


if __name__ == "__main__":
    main()
