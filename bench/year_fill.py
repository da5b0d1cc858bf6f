"""The SQL that fills `bench/year.py`'s scratch database with national volume, one business date at a time.

Everything is set-based and deterministic: a payment is `k = day_number * 10^8 + line`, and every choice about
it (bank, taxpayer, KAP, amount, planted anomaly) is a hash of `k` (`hashint8extended`), so the MPN side and the
bank side derived from it agree without a table of choices. Per 100,000 payments (the demo's rates, DOMAIN §7):
50 missing in the bank's batch, 30 amount mismatches, 50 attribute mismatches (NPWP), 20 duplicated NTPNs in the
MPN data, 100 reversals (the bank leaves the reversed payment out), 30 batch rows without an MPN payment. Per
1,000 bank-days: 10 without a batch, 30 without a statement letter, 15 whose letter declares one row more, 50
batches late. Each day's partitions are built as the importer builds them (`queries.imports.store._attach`: a table
filled first, its indexes after, then ATTACH).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from queries.imports.store import _attach, partition_name, refresh_bank_days

#: A payment's per-100,000 draw decides its anomaly: [lo, hi) ranges.
MISSING_IN_BANK, AMOUNT, ATTRIBUTE, DUPLICATE, REVERSAL, MISSING_IN_MPN = (
    (0, 50),
    (50, 80),
    (80, 130),
    (130, 150),
    (150, 250),
    (300, 330),
)
TAXPAYERS = 8_000_000

_DRAW = "abs(hashint8extended({k}, {salt})) % {mod}"


def draw(k: str, salt: int, mod: int) -> str:
    """SQL for a deterministic draw in [0, mod) of payment key `k`."""
    return _DRAW.format(k=k, salt=salt, mod=mod)


def within(k: str, span: tuple[int, int]) -> str:
    """SQL: payment `k`'s anomaly draw falls in `span`."""
    return f"{draw(k, 9, 100_000)} BETWEEN {span[0]} AND {span[1] - 1}"


CODES = """
CREATE TABLE IF NOT EXISTS year_codes AS
SELECT (SELECT array_agg(bank_code ORDER BY bank_code) FROM bank) AS banks,
       (SELECT array_agg(kpp_code ORDER BY kpp_code) FROM kpp) AS kpps,
       (SELECT array_agg(kap ORDER BY kap) FROM kap) AS kaps,
       (SELECT array_agg(kjs ORDER BY kjs) FROM kjs) AS kjss
"""

#: One day's MPN payments (`:n` of them), duplicates and reversals; `{k}` is the payment key expression.
MPN = """
INSERT INTO {table} (business_date, import_id, line, record_type, ntpn, billing_code, bank_code, branch_code, ntb,
                     paid_at, utc_offset, npwp, taxpayer_name, kap, kjs, tax_period, kpp_code, amount)
SELECT :d, :imp, p.line, 'payment', p.ntpn, p.billing, p.bank, lpad((p.k % 997)::text, 5, '0'), p.ntb,
       p.paid, 7, lpad(p.tp::text, 15, '0'), 'WAJIB PAJAK ' || p.tp, c.kaps[1 + floor(power(p.ka / 1e6, 4)
       * cardinality(c.kaps))::int], c.kjss[1 + p.k % cardinality(c.kjss)], to_char(:d - 20, 'MMYYYY'),
       c.kpps[1 + p.tp % cardinality(c.kpps)], p.amount
  FROM year_codes c, LATERAL (
       SELECT i AS line, k, upper(substr(md5(k::text), 1, 16)) AS ntpn, lpad(k::text, 15, '0') AS billing,
              c.banks[1 + floor(power({bank_draw} / 1e6, 3) * cardinality(c.banks))::int] AS bank,
              'T' || k AS ntb, (CAST(:d AS timestamp) + time '08:00' + ({time_draw}) * interval '1 second')
              AT TIME ZONE 'Asia/Jakarta' AS paid,
              floor(power({tp_draw} / 1e7, 2) * {taxpayers})::bigint AS tp, {kap_draw} AS ka,
              (10000 + power({amount_draw} / 1e6, 6) * 5e8)::bigint * 100 AS amount
         FROM generate_series(1, :n) i, LATERAL (SELECT :dn * 100000000::bigint + i AS k) kk) p
"""

#: The second row of each duplicated NTPN and the reversal rows, copied from the day's payments.
MPN_EXTRA = """
INSERT INTO {table} (business_date, import_id, line, record_type, ntpn, billing_code, bank_code, branch_code, ntb,
                     paid_at, utc_offset, npwp, taxpayer_name, kap, kjs, tax_period, kpp_code, amount)
SELECT business_date, import_id, line + CASE WHEN {dup} THEN :n ELSE 2 * :n END,
       CASE WHEN {dup} THEN 'payment' ELSE 'reversal' END, ntpn, billing_code, bank_code, branch_code, ntb,
       paid_at + interval '2 hours', utc_offset, npwp, taxpayer_name, kap, kjs, tax_period, kpp_code, amount
  FROM {table} WHERE {dup} OR {rev}
"""

#: The day's batches: one per bank with payments, but for 1 % of bank-days; 5 % arrive late.
BATCHES = """
WITH banks AS (
    SELECT DISTINCT bank_code FROM {mpn}
     WHERE abs(hashtext(bank_code || :d)) % 1000 >= 10
), files AS (
    INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, first_date,
                             last_date, bank_code)
    SELECT 'bank', 'ADK_' || bank_code || '_' || to_char(CAST(:d AS date), 'YYYYMMDD') || '.csv',
           md5('bank' || bank_code || :d), 1, t.at, t.at, 'imported', :d, :d, bank_code
      FROM banks, LATERAL (SELECT CAST(:d AS timestamp) AT TIME ZONE 'Asia/Jakarta'
                                  + CASE WHEN abs(hashtext(bank_code || :d)) % 1000 < 60 THEN interval '19 hours'
                                         ELSE interval '15 hours 40 minutes' END AS at) t
    RETURNING import_id, bank_code, received_at
)
INSERT INTO bank_batch (import_id, bank_code, business_date, received_at, row_count, total_amount)
SELECT import_id, bank_code, :d, received_at, 0, 0 FROM files
"""

#: The batches' rows, derived from the MPN payments with the planted differences, and the rows MPN lacks.
BANK_ROWS = """
INSERT INTO {table} (business_date, batch_id, line, bank_code, ntpn, ntb, paid_at, utc_offset, derived_date, npwp,
                     kap, kjs, tax_period, kpp_code, amount)
SELECT m.business_date, b.batch_id, m.line + x.extra * :n, m.bank_code,
       CASE WHEN x.extra = 1 THEN 'Z' || substr(m.ntpn, 2) ELSE m.ntpn END, m.ntb, m.paid_at, m.utc_offset,
       m.business_date, CASE WHEN {attr} AND x.extra = 0 THEN '9' || substr(m.npwp, 2) ELSE m.npwp END,
       m.kap, m.kjs, m.tax_period, m.kpp_code, m.amount + CASE WHEN {amount} AND x.extra = 0 THEN 1000 ELSE 0 END
  FROM {mpn} m JOIN bank_batch b ON b.business_date = :d AND b.bank_code = m.bank_code,
       LATERAL (SELECT 0 AS extra UNION ALL SELECT 1 WHERE {missing_in_mpn}) x
 WHERE m.line <= :n AND NOT ({missing} OR {rev})
"""

TOTALS = """
WITH t AS (SELECT batch_id, count(*) AS n, sum(amount) AS amount FROM {bank} GROUP BY batch_id),
     b AS (UPDATE bank_batch k SET row_count = t.n, total_amount = t.amount FROM t WHERE k.batch_id = t.batch_id
           RETURNING k.import_id, t.n, t.amount)
UPDATE import_file f SET row_count = b.n, total_amount = b.amount FROM b WHERE f.import_id = b.import_id
"""

#: Statement letters at 08:00 the next day (before the deadline), declaring the batch; 3 % missing, 1.5 % one row
#: off, 8 % late.
LETTERS = """
INSERT INTO statement_letter (bank_code, business_date, letter_number, letter_date, received_at, declared_count,
                              declared_amount, signer, entered_by)
SELECT bank_code, business_date, 'SP-' || batch_id || '/' || bank_code, business_date + 1,
       CAST(business_date + 1 AS timestamp) AT TIME ZONE 'Asia/Jakarta'
       + CASE WHEN h % 1000 < 80 THEN interval '3 days 10 hours' ELSE interval '8 hours' END,
       row_count + CASE WHEN h % 1000 BETWEEN 30 AND 44 THEN 1 ELSE 0 END, total_amount, 'Direksi', 'bench'
  FROM (SELECT *, abs(hashtext(bank_code || business_date || 'sp')) AS h FROM bank_batch WHERE business_date = :d) b
 WHERE h % 1000 >= 30
"""

#: The day's round: every payment without an open exception, delivered and confirmed the next working day.
DISTRIBUTION = """
WITH d AS (
    INSERT INTO distribution (business_date, round, status, prepared_at, prepared_by, approved_at, delivered_at,
                              row_count, amount)
    SELECT :d, 1, 'delivered', (:next + time '09:00') AT TIME ZONE 'Asia/Jakarta', 'bench',
           (:next + time '10:00') AT TIME ZONE 'Asia/Jakarta', (:next + time '11:00') AT TIME ZONE 'Asia/Jakarta', 0, 0
    RETURNING distribution_id
)
INSERT INTO dist_item (distribution_id, ntpn, business_date, kpp_code, chunk, bank_code, amount, import_id, line)
SELECT d.distribution_id, m.ntpn, :d, m.kpp_code,
       (row_number() OVER (PARTITION BY m.kpp_code ORDER BY m.ntpn) - 1) / 5000, m.bank_code, m.amount,
       m.import_id, m.line
  FROM d, {mpn} m
 WHERE m.record_type = 'payment' AND m.line <= :n AND NOT ({skip})
   AND NOT EXISTS (SELECT 1 FROM recon_exception e WHERE e.business_date = :d AND e.ntpn = m.ntpn
                      AND e.status IN ('open', 'in_clarification'))
"""

DIST_BATCHES = """
INSERT INTO dist_batch (target, batch_id, distribution_id, kpp_code, chunk, row_count, amount, ntpn_sha256, state,
                        attempts, first_sent_at, confirmed_at)
SELECT t.target, 'MPN-' || to_char(CAST(:d AS date), 'YYYYMMDD') || '-R1-' || i.kpp_code || '-'
                 || lpad(i.chunk::text, 4, '0'),
       i.distribution_id, i.kpp_code, i.chunk, count(*), sum(i.amount), md5(string_agg(i.ntpn, '')), 'confirmed', 1,
       (:next + time '11:00') AT TIME ZONE 'Asia/Jakarta',
       (:next + time '11:05') AT TIME ZONE 'Asia/Jakarta'
  FROM dist_item i JOIN distribution d ON d.distribution_id = i.distribution_id AND d.business_date = :d
 CROSS JOIN (VALUES ('sidjp'), ('sipmod')) t(target)
 WHERE i.business_date = :d
 GROUP BY t.target, i.distribution_id, i.kpp_code, i.chunk
"""


def _mpn_sql(table: str) -> str:
    k = "kk.k"
    return MPN.format(
        table=table,
        bank_draw=draw(k, 1, 1_000_000),
        time_draw=draw(k, 2, 25_200),
        tp_draw=draw(k, 3, 10_000_000),
        kap_draw=draw(k, 4, 1_000_000),
        amount_draw=draw(k, 5, 1_000_000),
        taxpayers=TAXPAYERS,
    )


def fill_day(conn: Connection, day: date, number: int, rows: int, next_day: date) -> int:
    """Both sides, batches and letters of one business date; returns the MPN rows written (payments and reversals).

    Distribution comes after the reconciliation (`distribute_day`), as in production."""
    k = "(:dn * 100000000::bigint + line)"
    mpn, bank = partition_name("mpn_record", day), partition_name("bank_batch_row", day)
    params = {"d": day, "dn": number, "n": rows, "next": next_day}
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    conn.execute(text(CODES))
    params["imp"] = conn.execute(
        text(
            "INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status, first_date,"
            " last_date) VALUES ('mpn', 'MPN_' || to_char(CAST(:d AS date), 'YYYYMMDD') || '.csv', md5('mpn' || :d), 1,"
            " CAST(:d AS timestamp) AT TIME ZONE 'Asia/Jakarta' + interval '15 hours 10 minutes',"
            " CAST(:d AS timestamp) AT TIME ZONE 'Asia/Jakarta' + interval '15 hours 10 minutes', 'imported', :d, :d)"
            " RETURNING import_id"
        ),
        params,
    ).scalar_one()
    for parent, table in (("mpn_record", mpn), ("bank_batch_row", bank)):
        conn.execute(text(f"CREATE TABLE new_{table} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    conn.execute(text(_mpn_sql(f"new_{mpn}")), params)
    conn.execute(text(MPN_EXTRA.format(table=f"new_{mpn}", dup=within(k, DUPLICATE), rev=within(k, REVERSAL))), params)
    written = conn.execute(
        text(
            f"UPDATE import_file SET row_count = (SELECT count(*) FROM new_{mpn}), total_amount = (SELECT sum(amount)"
            f" FROM new_{mpn} WHERE record_type = 'payment') WHERE import_id = :imp RETURNING row_count"
        ),
        params,
    ).scalar_one()
    conn.execute(text(BATCHES.format(mpn=f"new_{mpn}")), params)
    m = "(:dn * 100000000::bigint + m.line)"
    conn.execute(
        text(
            BANK_ROWS.format(
                table=f"new_{bank}",
                mpn=f"new_{mpn}",
                attr=within(m, ATTRIBUTE),
                amount=within(m, AMOUNT),
                missing_in_mpn=within(m, MISSING_IN_MPN),
                missing=within(m, MISSING_IN_BANK),
                rev=within(m, REVERSAL),
            )
        ),
        params,
    )
    conn.execute(text(TOTALS.format(bank=f"new_{bank}")), params)
    _attach(conn, "mpn_record", f"new_{mpn}", day)
    _attach(conn, "bank_batch_row", f"new_{bank}", day)
    conn.execute(text(f"ANALYZE {mpn}"))
    conn.execute(text(f"ANALYZE {bank}"))
    refresh_bank_days(conn, [day])
    conn.execute(text(LETTERS), params)
    return int(written)


def distribute_day(conn: Connection, day: date, number: int, rows: int, next_day: date) -> None:
    """The day's delivered distribution round (items and confirmed batches), after its reconciliation."""
    params = {"d": day, "dn": number, "n": rows, "next": next_day}
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    m = "(:dn * 100000000::bigint + m.line)"
    skip = f"{within(m, DUPLICATE)} OR {within(m, REVERSAL)}"
    conn.execute(text(DISTRIBUTION.format(mpn=partition_name("mpn_record", day), skip=skip)), params)
    conn.execute(text(DIST_BATCHES), params)
    conn.execute(
        text("""UPDATE distribution d SET row_count = s.n, amount = s.amount
                           FROM (SELECT count(*) AS n, sum(amount) AS amount FROM dist_item
                                  WHERE business_date = :d) s WHERE d.business_date = :d"""),
        params,
    )
