"""Classification of one business date's reconciliation (CONTRACT §4), in PostgreSQL, set-based.

The date's data are its MPN payments not cancelled by a reversal and the rows of its current bank
batches. One hash FULL JOIN on NTPN keeps only the rows that are not a clean 1:1 match (about one
percent) in the temporary table `rc_pair`; everything after that, including the cross-date look-ups of
cut-off cases through the NTPN indexes, works on that small table. The result is `rc_found`: every
exception detected on the date, one row per (level, bank, NTPN). Temporary tables live until the
transaction ends; nothing here commits.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, text

from queries import labels
from queries.imports.store import partition_name

#: CONTRACT §4's categories, in its order (the summary's column order).
CATEGORIES = (
    "missing_in_bank",
    "missing_in_mpn",
    "amount_mismatch",
    "attribute_mismatch",
    "cutoff_mismatch",
    "duplicate",
    "cancelled_reused",
    "missing_batch",
    "missing_statement",
    "statement_mismatch",
)
#: CONTRACT §4's categories in Bahasa Indonesia, in its order.
CATEGORY_LABELS: dict[str, str] = labels.CATEGORIES
#: R5 (PER-78 Ps.11(2)): the result is due within this many minutes of the bank's batch.
RESULT_DEADLINE_MINUTES = 60
#: Columns compared between the two sides, in the order `fields` lists them.
COMPARED = ("amount", "bank_code", "ntb", "npwp", "kap", "kjs", "tax_period", "kpp_code")
#: How far (calendar days) a cut-off case may lie from its other side: a long Lebaran break is ~10.
CUTOFF_WINDOW = timedelta(days=14)


class DateData(NamedTuple):
    """What a business date holds before reconciling it."""

    payments: int
    batches: int
    letters: int


def date_data(conn: Connection, day: date) -> DateData:
    """Payments, current batches and current statement letters of `day` (to refuse a date with none)."""
    return DateData(
        *conn.execute(
            text("""
        SELECT (SELECT count(*) FROM (SELECT 1 FROM mpn_record WHERE business_date = :d
                                        AND record_type = 'payment' LIMIT 1) x),
               (SELECT count(*) FROM bank_batch WHERE business_date = :d AND superseded_at IS NULL),
               (SELECT count(*) FROM statement_letter WHERE business_date = :d AND superseded_at IS NULL)
    """),
            {"d": day},
        ).one()
    )


def register_reversals(conn: Connection) -> int:
    """Add every reversal's NTPN and (bank, NTB) to the cancelled-number register; returns rows added.

    Reads reversals through their partial index, so the cost follows the reversals, not the payments.
    """
    result = conn.execute(
        text("""
        INSERT INTO cancelled_number (kind, bank_code, number, ntpn, cancelled_at, source, source_ref)
        SELECT k.kind, r.bank_code, CASE k.kind WHEN 'ntpn' THEN r.ntpn ELSE r.ntb END, r.ntpn, r.paid_at,
               'reversal', 'mpn_record:' || r.import_id || ':' || r.line
          FROM (SELECT DISTINCT ON (ntpn) * FROM mpn_record WHERE record_type = 'reversal'
                 ORDER BY ntpn, paid_at, import_id, line) r
         CROSS JOIN (VALUES ('ntpn'), ('ntb')) k(kind)
        ON CONFLICT DO NOTHING
    """)
    )
    return result.rowcount


_SIDES = """
    CREATE TEMP VIEW rc_m AS
    SELECT r.import_id, r.line, r.ntpn, r.bank_code, r.ntb, r.npwp, r.kap, r.kjs, r.tax_period, r.kpp_code,
           r.amount, r.paid_at,
           (cn.cancelled_at IS NOT NULL OR cb.number IS NOT NULL) AS reused
      FROM mpn_record r
      LEFT JOIN (SELECT number, min(cancelled_at) AS cancelled_at FROM cancelled_number
                  WHERE kind = 'ntpn' GROUP BY number) cn ON cn.number = r.ntpn
      LEFT JOIN cancelled_number cb
             ON cb.kind = 'ntb' AND cb.bank_code = r.bank_code AND cb.number = r.ntb AND cb.ntpn <> r.ntpn
     WHERE r.business_date = {day} AND r.record_type = 'payment'
       AND NOT coalesce(r.paid_at <= cn.cancelled_at, false);
    CREATE TEMP VIEW rc_b AS
    SELECT r.batch_id, r.line, r.ntpn, r.bank_code, r.ntb, r.npwp, r.kap, r.kjs, r.tax_period, r.kpp_code,
           r.amount,
           (cn.number IS NOT NULL OR cb.number IS NOT NULL) AS reused
      FROM bank_batch_row r
      JOIN bank_batch k ON k.batch_id = r.batch_id AND k.superseded_at IS NULL AND k.business_date = {day}
      LEFT JOIN (SELECT DISTINCT number FROM cancelled_number WHERE kind = 'ntpn') cn ON cn.number = r.ntpn
      LEFT JOIN cancelled_number cb
             ON cb.kind = 'ntb' AND cb.bank_code = r.bank_code AND cb.number = r.ntb AND cb.ntpn <> r.ntpn
     WHERE r.business_date = {day};
"""


def stage_sides(conn: Connection, day: date) -> None:
    """Temporary views `rc_m` (the date's live payments) and `rc_b` (its current batches' rows)."""
    conn.execute(text("DROP VIEW IF EXISTS rc_m, rc_b"))
    # A view cannot take bind parameters; the date is a `date`, rendered as a literal.
    conn.execute(text(_SIDES.format(day=f"DATE '{day.isoformat()}'")))


#: A table's statistics count as stale once this many rows changed since its last ANALYZE: a tenth of its rows,
#: but at least `STALE_MIN` (ANALYZE of a small table buys nothing) and at most `STALE_MAX` (ANALYZE samples a fixed
#: 30,000 rows whatever the size, so on a year of data it is cheap next to a reconciliation and overdue long before
#: a tenth of the table changed).
STALE_MIN, STALE_MAX = 500, 50_000
#: What a reconciliation writes in bulk and later statements (its own next run, the pages) plan on.
WRITTEN = ("recon_exception", "recon_result", "revenue_day", "revenue_rollup", "cancelled_number")


def analyze_stale(conn: Connection, tables: list[str] | tuple[str, ...]) -> list[str]:
    """ANALYZE those of `tables` whose statistics are stale, counting this transaction's own writes; returns them.

    Stale: never analysed, or more rows changed since than `STALE_MIN`/a tenth/`STALE_MAX` allow (committed changes
    from `pg_stat_user_tables`, this transaction's from `pg_stat_xact_user_tables`: autovacuum, where it runs at all,
    sees a write only a minute or more after its commit). ANALYZE inside the transaction samples its own new rows
    and its statistics take effect with the commit. SKIP_LOCKED: a table another transaction is analysing (a
    reconciliation of another date) is left to that one rather than waited for. A missing table is skipped.
    """
    stale = (
        conn.execute(
            text("""
        SELECT c.relname FROM pg_class c
          JOIN pg_stat_user_tables s ON s.relid = c.oid
          LEFT JOIN pg_stat_xact_user_tables x ON x.relid = c.oid
         WHERE c.relname = ANY(CAST(:tables AS text[])) AND c.relnamespace = 'public'::regnamespace
           AND s.n_mod_since_analyze + coalesce(x.n_tup_ins + x.n_tup_upd + x.n_tup_del, 0)
               > CASE WHEN s.last_analyze IS NULL AND s.last_autoanalyze IS NULL THEN 0
                      ELSE greatest(:lo, least(0.1 * c.reltuples, :hi)) END
         ORDER BY c.relname
    """),
            {"tables": list(tables), "lo": STALE_MIN, "hi": STALE_MAX},
        )
        .scalars()
        .all()
    )
    for name in stale:
        conn.execute(text(f'ANALYZE (SKIP_LOCKED) "{name}"'))
    return list(stale)


def refresh_statistics(conn: Connection, day: date) -> list[str]:
    """ANALYZE the day's partitions when they changed much since their last statistics; returns those analysed.

    A batch partition fresh from the importer (or grown by a bank's resend) has no or stale statistics, and the
    plans below depend on them (hash join sides, index-only scans). Sampling costs a fraction of a second at
    3,000,000 rows.
    """
    return analyze_stale(conn, [partition_name("mpn_record", day), partition_name("bank_batch_row", day)])


def duplicate_candidates(conn: Connection, day: date) -> list[str]:
    """NTPNs on more than one row of either partition of `day`: the candidates for `duplicate`.

    Read from each partition's NTPN index alone (an index-only scan read in order, no hashing of
    3,000,000 keys); a superset (reversals), checked exactly by `stage_exact`. A bank's resend leaves its superseded
    batch in the partition, every NTPN of it twice: those candidates are recounted over the current batches' rows
    (only they, so the exact path gets the real duplicates, not the whole resent batch). Meant for a second
    connection, alongside `stage_pairs`, in the main transaction's exported snapshot.
    """
    parts = []
    superseded = conn.execute(
        text(
            "SELECT coalesce(array_agg(batch_id ORDER BY batch_id), '{}') FROM bank_batch"
            " WHERE business_date = :d AND superseded_at IS NOT NULL"
        ),
        {"d": day},
    ).scalar_one()
    for parent in ("mpn_record", "bank_batch_row"):
        name = partition_name(parent, day)
        if conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar_one() is None:
            continue
        twice = f'SELECT ntpn FROM "{name}" GROUP BY ntpn HAVING count(*) > 1'
        if parent == "bank_batch_row" and superseded:
            old = ",".join(str(int(i)) for i in superseded)
            twice = (
                f'SELECT r.ntpn FROM "{name}" r WHERE r.ntpn IN ({twice})'
                f" AND r.batch_id <> ALL('{{{old}}}'::bigint[]) GROUP BY r.ntpn HAVING count(*) > 1"
            )
        parts.append(twice)
    if not parts:
        return []
    # The planner prices a hash aggregate of 3,000,000 keys below the ordered index-only scan; measured, it is
    # three times slower (and holds ~400 MB), so sorted grouping is asked for here only.
    for setting in ("enable_hashagg = off", "jit = off"):
        conn.execute(text(f"SET LOCAL {setting}"))
    return list(conn.execute(text(" UNION ALL ".join(parts))).scalars())


def stage_special(conn: Connection, duplicates: list[str]) -> None:
    """`rc_special`: NTPNs that need the exact (slow) path: possibly duplicated, or in the cancelled register."""
    conn.execute(text("DROP TABLE IF EXISTS rc_special"))
    conn.execute(text('CREATE TEMP TABLE rc_special (ntpn text COLLATE "C") ON COMMIT DROP'))
    conn.execute(
        text("""
        INSERT INTO rc_special SELECT number FROM cancelled_number WHERE kind = 'ntpn'
        UNION SELECT unnest(CAST(:dups AS text[]))
    """),
        {"dups": duplicates},
    )
    conn.execute(text("ANALYZE rc_special"))


_PAIR_COLUMNS = ", ".join(f"m.{c} AS m_{c}, b.{c} AS b_{c}" for c in COMPARED)
_DIFFERS = " OR ".join(f"m.{c} <> b.{c}" for c in COMPARED)
_PAIR_OUT = ", ".join(f"m_{c}, b_{c}" for c in COMPARED)
_PAIR_TABLE = """
    CREATE TEMP TABLE rc_pair (
        ntpn text COLLATE "C", m_import bigint, m_line integer, b_batch bigint, b_line integer,
        {columns}, m_reused boolean, b_reused boolean, deferred_to date, special boolean
    ) ON COMMIT DROP
""".format(
    columns=", ".join(
        f"m_{c} {t}, b_{c} {t}" for c, t in zip(COMPARED, ("bigint", *['text COLLATE "C"'] * 7), strict=True)
    )
)
_NTB_CANCELLED = "(({s}.bank_code, {s}.ntb) IN (SELECT bank_code, number FROM cancelled_number WHERE kind = 'ntb'))"


def _pairs_sql(conn: Connection, day: date, keys: str | None = None) -> str:
    """The date's FULL JOIN grouped by MPN bank: payment count and amount, and the unclean rows as an array.

    The batch side carries no ids (`b_line` 0 marks it present): `stage_exact` reads them back.

    `keys` (an SQL array of NTPNs) limits both sides to those NTPNs, read by NTPN index. Rows whose NTB is
    in the cancelled register are `special`: left out of the counts, kept for `stage_exact`.
    """
    mpn = partition_name("mpn_record", day)
    bank = partition_name("bank_batch_row", day)
    have = {n for n in (mpn, bank) if conn.execute(text("SELECT to_regclass(:n)"), {"n": n}).scalar_one()}
    only = f" AND ntpn = ANY({keys})" if keys else ""
    empty = "(SELECT * FROM {parent} WHERE false)"
    m_src = (
        f"(SELECT * FROM \"{mpn}\" WHERE record_type = 'payment'{only})"
        if mpn in have
        else empty.format(parent="mpn_record")
    )
    # The current batches as a literal array: PostgreSQL hashes a constant array (one probe per row) but
    # searches an array from a subquery element by element (~40 comparisons for each of 3,000,000 rows).
    current = conn.execute(
        text(
            "SELECT coalesce(array_agg(batch_id ORDER BY batch_id), '{}') FROM bank_batch"
            " WHERE business_date = :d AND superseded_at IS NULL"
        ),
        {"d": day},
    ).scalar_one()
    b_src = (
        (
            f"(SELECT * FROM \"{bank}\" WHERE batch_id = ANY('{{{','.join(str(int(i)) for i in current)}}}'"
            f"::bigint[]){only})"
        )
        if bank in have
        else empty.format(parent="bank_batch_row")
    )
    special, fence = "false", ""
    if conn.execute(text("SELECT EXISTS (SELECT 1 FROM cancelled_number WHERE kind = 'ntb')")).scalar_one():
        special = " OR ".join(f"coalesce({_NTB_CANCELLED.format(s=s)}, false)" for s in "mb")
        fence = "OFFSET 0"  # `special` is probed once per row, not once per aggregate
    return f"""
        SELECT m_bank_code AS bank_code, count(m_ntpn) FILTER (WHERE NOT special) AS n,
               coalesce(sum(m_amount) FILTER (WHERE NOT special), 0) AS amount,
               array_agg(ROW(coalesce(m_ntpn, b_ntpn), m_import, m_line, b_batch, b_line, {_PAIR_OUT},
                             false, false, NULL, special)::rc_pair) FILTER (WHERE unclean OR special) AS rows
          FROM (SELECT m.ntpn AS m_ntpn, b.ntpn AS b_ntpn, m.import_id AS m_import, m.line AS m_line,
                       NULL::bigint AS b_batch, CASE WHEN b.ntpn IS NOT NULL THEN 0 END AS b_line, {_PAIR_COLUMNS},
                       {special} AS special,
                       m.ntpn IS NULL OR b.ntpn IS NULL OR {_DIFFERS} AS unclean
                  FROM {m_src} m
                  FULL JOIN {b_src} b ON b.ntpn = m.ntpn
                {fence}) x
         GROUP BY m_bank_code
    """


def stage_pairs(conn: Connection, day: date) -> int:
    """`rc_pair`: the rows of the date's FULL JOIN that are not a clean 1:1 match; returns their number.

    One hash FULL JOIN of the two partitions, grouped by MPN bank on the way out: the group carries that
    bank's payment count and amount (`rc_mtotal`) and, as an array, its few unclean rows, so the 3,000,000
    clean rows are never written anywhere. Duplicated NTPNs are counted here as the join sees them;
    `stage_exact` takes them back out and redoes them exactly.
    """
    conn.execute(text("DROP TABLE IF EXISTS rc_pair, rc_mtotal"))
    conn.execute(text(_PAIR_TABLE))
    conn.execute(text(f"CREATE TEMP TABLE rc_mtotal ON COMMIT DROP AS {_pairs_sql(conn, day)}"))
    return conn.execute(
        text("INSERT INTO rc_pair SELECT (unnest(rows)).* FROM rc_mtotal WHERE rows IS NOT NULL")
    ).rowcount


def stage_exact(conn: Connection, day: date) -> int:
    """Redo the `rc_special` NTPNs (and `special` rows) of `rc_pair` exactly, and `rc_dup`: NTPNs twice on one side.

    First takes out what `stage_pairs` counted and kept for them (the same join, limited to those NTPNs).
    Exact = cancelled payments dropped, cancelled numbers flagged, every row of a duplicated NTPN kept;
    read by NTPN index, so the cost follows the (few) special NTPNs. Adds their payments to `rc_mtotal`;
    returns the rows `rc_pair` ends with.
    """
    conn.execute(text("DROP TABLE IF EXISTS rc_exact, rc_dup"))
    conn.execute(
        text("""
        CREATE TEMP TABLE rc_exact ON COMMIT DROP AS
        SELECT ntpn FROM rc_special UNION SELECT ntpn FROM rc_pair WHERE special
    """)
    )
    conn.execute(text("ANALYZE rc_exact"))
    keys = "ARRAY(SELECT ntpn FROM rc_exact)"
    conn.execute(
        text(f"""
        INSERT INTO rc_mtotal (bank_code, n, amount)
        SELECT bank_code, -n, -amount FROM ({_pairs_sql(conn, day, keys)}) x
    """)
    )
    conn.execute(text("DELETE FROM rc_pair WHERE ntpn IN (SELECT ntpn FROM rc_exact)"))
    # The join's hash table (the batch rows) carries no row ids; every NTPN left is on at most one row of the
    # batch partition, so the ids of its batch side are read back by NTPN index.
    bank = partition_name("bank_batch_row", day)
    if conn.execute(text("SELECT to_regclass(:n)"), {"n": bank}).scalar_one() is not None:
        conn.execute(
            text(f"""
            UPDATE rc_pair p SET b_batch = r.batch_id, b_line = r.line FROM "{bank}" r
             WHERE r.ntpn = p.ntpn AND p.b_batch IS NULL AND p.b_line IS NOT NULL
        """)
        )
    keys = f"ntpn = ANY({keys})"
    conn.execute(
        text(f"""
        CREATE TEMP TABLE rc_dup ON COMMIT DROP AS
        SELECT 'mpn'::text AS side, ntpn, count(*) AS n FROM rc_m WHERE {keys} GROUP BY ntpn HAVING count(*) > 1
        UNION ALL
        SELECT 'bank', ntpn, count(*) FROM rc_b WHERE {keys} GROUP BY ntpn HAVING count(*) > 1
    """)
    )
    conn.execute(text("ANALYZE rc_dup"))
    conn.execute(
        text(f"""
        INSERT INTO rc_pair
        SELECT coalesce(m.ntpn, b.ntpn), m.import_id, m.line, b.batch_id, b.line, {_PAIR_COLUMNS},
               coalesce(m.reused, false), coalesce(b.reused, false), NULL, false
          FROM (SELECT * FROM rc_m WHERE {keys}) m
          FULL JOIN (SELECT * FROM rc_b WHERE {keys}) b ON b.ntpn = m.ntpn
         WHERE m.ntpn IS NULL OR b.ntpn IS NULL OR m.reused OR b.reused OR {_DIFFERS}
            OR coalesce(m.ntpn, b.ntpn) IN (SELECT ntpn FROM rc_dup)
    """)
    )
    conn.execute(
        text(f"""
        INSERT INTO rc_mtotal (bank_code, n, amount)
        SELECT bank_code, count(*), sum(amount) FROM rc_m WHERE {keys} GROUP BY bank_code
    """)
    )
    return int(conn.execute(text("SELECT count(*) FROM rc_pair")).scalar_one())


def stage_banks(conn: Connection, day: date) -> None:
    """`rc_bank`: per bank of the date, MPN totals, the current batch and the current statement letter."""
    conn.execute(text("DROP TABLE IF EXISTS rc_bank"))
    conn.execute(
        text("""
        CREATE TEMP TABLE rc_bank ON COMMIT DROP AS
        WITH mpn AS (SELECT bank_code, sum(n) AS n, sum(amount) AS amount FROM rc_mtotal
                      WHERE bank_code IS NOT NULL GROUP BY bank_code HAVING sum(n) > 0),
             batch AS (SELECT * FROM bank_batch WHERE business_date = :d AND superseded_at IS NULL),
             letter AS (SELECT * FROM statement_letter WHERE business_date = :d AND superseded_at IS NULL)
        SELECT coalesce(m.bank_code, b.bank_code, l.bank_code) AS bank_code,
               coalesce(m.n, 0) AS mpn_count, coalesce(m.amount, 0) AS mpn_amount,
               b.batch_id, b.received_at AS batch_received_at,
               coalesce(b.row_count, 0) AS bank_count, coalesce(b.total_amount, 0) AS bank_amount,
               l.letter_id, l.declared_count, l.declared_amount
          FROM mpn m
          FULL JOIN batch b ON b.bank_code = m.bank_code
          FULL JOIN letter l ON l.bank_code = coalesce(m.bank_code, b.bank_code)
    """),
        {"d": day},
    )
    conn.execute(text("ANALYZE rc_bank"))


def stage_cross_date(conn: Connection, day: date) -> None:
    """Cut-off cases, looked up by NTPN index on the unpaired rows only, within `CUTOFF_WINDOW`.

    A payment of `day` in no batch of `day` but in a current batch of another date belongs to that
    date's reconciliation (`deferred_to`). A batch row of `day` whose NTPN is a live payment of
    another date goes to `rc_other` to be reported as `cutoff_mismatch` here.
    """
    window = {"d": day, "lo": day - CUTOFF_WINDOW, "hi": day + CUTOFF_WINDOW}
    conn.execute(
        text("""
        UPDATE rc_pair p SET deferred_to = o.business_date
          FROM (SELECT DISTINCT ON (p2.ntpn) p2.ntpn, r.business_date
                  FROM rc_pair p2
                  JOIN bank_batch_row r ON r.ntpn = p2.ntpn AND r.business_date BETWEEN :lo AND :hi
                                       AND r.business_date <> :d
                  JOIN bank_batch k ON k.batch_id = r.batch_id AND k.superseded_at IS NULL
                 WHERE p2.b_line IS NULL
                 ORDER BY p2.ntpn, r.business_date) o
         WHERE p.ntpn = o.ntpn AND p.b_line IS NULL
    """),
        window,
    )
    conn.execute(text("DROP TABLE IF EXISTS rc_other"))
    conn.execute(
        text("""
        CREATE TEMP TABLE rc_other ON COMMIT DROP AS
        SELECT DISTINCT ON (r.ntpn) r.ntpn, r.business_date, r.amount, r.bank_code, r.ntb, r.npwp, r.kap,
               r.kjs, r.tax_period, r.kpp_code
          FROM (SELECT DISTINCT ntpn FROM rc_pair WHERE m_line IS NULL) p
          JOIN mpn_record r ON r.ntpn = p.ntpn AND r.business_date BETWEEN :lo AND :hi
                           AND r.business_date <> :d AND r.record_type = 'payment'
         WHERE NOT EXISTS (SELECT 1 FROM cancelled_number c
                            WHERE c.kind = 'ntpn' AND c.number = r.ntpn AND r.paid_at <= c.cancelled_at)
         ORDER BY r.ntpn, r.business_date
    """),
        window,
    )


def _fields(m: str, b: str, *, with_date: str | None = None) -> str:
    parts = [f"CASE WHEN {m}{c} IS DISTINCT FROM {b}{c} THEN '{c}' END" for c in COMPARED]
    if with_date:
        parts.append(f"CASE WHEN {with_date} THEN 'business_date' END")
    return f"concat_ws(';', {', '.join(parts)})"


_CLASSIFY = f"""
    CREATE TEMP TABLE rc_found ON COMMIT DROP AS
    WITH mside AS (
        SELECT DISTINCT ON (ntpn, m_import, m_line) ntpn, m_import, m_line, m_amount, m_bank_code, m_reused,
               deferred_to
          FROM rc_pair WHERE m_line IS NOT NULL
    ), bside AS (
        SELECT DISTINCT ON (ntpn, b_batch, b_line) ntpn, b_batch, b_line, b_amount, b_bank_code, b_reused
          FROM rc_pair WHERE b_line IS NOT NULL
    ), per AS (
        SELECT n.ntpn, m.n AS nm, m.amount AS mpn_amount, m.bank_code AS m_bank, m.reused AS m_reused,
               m.deferred_to, b.n AS nb, b.amount AS bank_amount, b.bank_code AS b_bank, b.reused AS b_reused
          FROM (SELECT DISTINCT ntpn FROM rc_pair) n
          LEFT JOIN (SELECT ntpn, count(*) AS n, sum(m_amount) AS amount, min(m_bank_code) AS bank_code,
                            bool_or(m_reused) AS reused, min(deferred_to) AS deferred_to
                       FROM mside GROUP BY ntpn) m ON m.ntpn = n.ntpn
          LEFT JOIN (SELECT ntpn, count(*) AS n, sum(b_amount) AS amount, min(b_bank_code) AS bank_code,
                            bool_or(b_reused) AS reused
                       FROM bside GROUP BY ntpn) b ON b.ntpn = n.ntpn
    ), first_pair AS (
        SELECT DISTINCT ON (ntpn) * FROM rc_pair WHERE m_line IS NOT NULL AND b_line IS NOT NULL
         ORDER BY ntpn, m_import, m_line, b_batch, b_line
    ), judged AS (
        SELECT p.*, o.business_date AS other_date, o.amount AS other_amount,
               CASE WHEN p.nm IS NOT NULL AND p.nb IS NOT NULL THEN {_fields("f.m_", "f.b_")}
                    WHEN o.ntpn IS NOT NULL THEN {_fields("o.", "f2.b_", with_date="true")}
                    ELSE '' END AS fields,
               CASE WHEN EXISTS (SELECT 1 FROM rc_dup d WHERE d.ntpn = p.ntpn) THEN 'duplicate'
                    WHEN coalesce(p.m_reused, false) OR coalesce(p.b_reused, false) THEN 'cancelled_reused'
                    WHEN p.nm IS NOT NULL AND p.nb IS NOT NULL THEN
                         CASE WHEN f.m_amount <> f.b_amount THEN 'amount_mismatch' ELSE 'attribute_mismatch' END
                    WHEN o.ntpn IS NOT NULL THEN 'cutoff_mismatch'
                    WHEN p.nb IS NOT NULL THEN 'missing_in_mpn'
                    WHEN p.deferred_to IS NULL THEN 'missing_in_bank'
               END AS category
          FROM per p
          LEFT JOIN first_pair f ON f.ntpn = p.ntpn
          LEFT JOIN rc_other o ON o.ntpn = p.ntpn AND p.nm IS NULL
          LEFT JOIN LATERAL (SELECT * FROM rc_pair x WHERE x.ntpn = p.ntpn AND x.b_line IS NOT NULL
                              ORDER BY x.b_batch, x.b_line LIMIT 1) f2 ON o.ntpn IS NOT NULL
    )
    SELECT 'transaction'::text AS level, coalesce(j.b_bank, j.m_bank) AS bank_code, j.ntpn, j.category,
           CASE WHEN j.category = 'cutoff_mismatch' THEN j.other_amount ELSE j.mpn_amount END AS mpn_amount,
           j.bank_amount, j.fields,
           CASE WHEN j.category = 'cutoff_mismatch' THEN j.other_date END AS other_date,
           j.m_bank, j.nm IS NOT NULL AS has_mpn
      FROM judged j
     WHERE j.category IS NOT NULL
       -- no transaction rows for a bank whose batch has not arrived (its payments wait for it)
       AND (j.nb IS NOT NULL OR j.m_bank NOT IN (SELECT bank_code FROM rc_bank WHERE batch_id IS NULL))
    UNION ALL
    SELECT 'bank', k.bank_code, '', c.category, k.mpn_amount,
           CASE WHEN k.batch_id IS NOT NULL THEN k.bank_amount END, c.fields, NULL, k.bank_code, true
      FROM rc_bank k
     CROSS JOIN LATERAL (VALUES
        ('missing_batch', '', k.batch_id IS NULL AND k.mpn_count > 0),
        ('missing_statement', '', k.letter_id IS NULL AND (k.batch_id IS NOT NULL OR k.mpn_count > 0)),
        ('statement_mismatch',
         concat_ws(';', CASE WHEN k.declared_count <> k.bank_count THEN 'count' END,
                        CASE WHEN k.declared_amount <> k.bank_amount THEN 'amount' END),
         k.letter_id IS NOT NULL AND k.batch_id IS NOT NULL
         AND (k.declared_count <> k.bank_count OR k.declared_amount <> k.bank_amount))
     ) c(category, fields, hit)
     WHERE c.hit
"""


def classify(conn: Connection) -> None:
    """`rc_found`: one row per exception detected on the date, at transaction and bank level.

    Precedence on one NTPN: duplicate > cancelled_reused > cutoff_mismatch > amount_mismatch >
    attribute_mismatch; one-sided: duplicate > cancelled_reused > missing_in_bank / missing_in_mpn.
    `mpn_amount`/`bank_amount` are the sums over the date's rows of that NTPN on each side (so a
    duplicate counts all its rows); for `cutoff_mismatch` `mpn_amount` is the other date's payment.
    """
    conn.execute(text("DROP TABLE IF EXISTS rc_found"))
    conn.execute(text(_CLASSIFY))
