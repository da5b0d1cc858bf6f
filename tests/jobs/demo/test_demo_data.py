"""The demo data generator: deterministic, valid per CONTRACT §2, realistic, with every planted
exception category listed in the manifest and visible in the files."""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from jobs.demo.data import DemoConfig, Manifest, Master, generate, write_day, write_peak_day
from jobs.demo.model import ALL_KINDS
from queries.calendar import WorkingCalendar

CAL = WorkingCalendar()
MASTER = Master.from_csv()
CUTOFF = {b.code: b.cutoff for b in MASTER.banks}
DAYS = CAL.last_working_days(16, date(2026, 11, 30))  # 9 Nov .. 30 Nov 2026
CFG = DemoConfig(
    seed=7,
    rows_per_day=300,
    taxpayers=3000,
    missing_in_bank=0.004,
    missing_in_mpn=0.004,
    amount_mismatch=0.004,
    attribute_mismatch=0.004,
    cutoff_mismatch=0.004,
    duplicate=0.004,
    cancelled_reused=0.004,
    reversal=0.004,
    missing_batch=0.04,
    missing_statement=0.04,
    statement_mismatch=0.04,
    late_batch=0.06,
    late_statement=0.06,
)
WIB = datetime.fromisoformat("2026-01-01T00:00:00+07:00").tzinfo

NTPN = re.compile(r"[0-9A-Z]{16}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[789]:00")
MPN_CHECKS = {
    "record_type": re.compile(r"payment|reversal"),
    "ntpn": NTPN,
    "billing_code": re.compile(r"[0-3]\d{14}|"),
    "bank_code": re.compile("|".join(CUTOFF)),
    "branch_code": re.compile(r"\d{4,5}|"),
    "ntb": re.compile(r"[0-9A-Z]{1,20}"),
    "paid_at": TIMESTAMP,
    "npwp": re.compile(r"\d{15}|\d{16}"),
    "taxpayer_name": re.compile(r"[A-Z][A-Z ]+"),
    "kap": re.compile("|".join(k.kap for k in MASTER.kaps)),
    "kjs": re.compile(r"\d{3}"),
    "tax_period": re.compile(r"(0[1-9]|1[0-2])20\d\d"),
    "kpp_code": re.compile("|".join(MASTER.kpps)),
    "amount": re.compile(r"[1-9]\d*"),
}
BANK_CHECKS = {
    k: v for k, v in MPN_CHECKS.items() if k not in ("record_type", "billing_code", "branch_code", "taxpayer_name")
}
BANK_CHECKS["business_date"] = re.compile(r"\d{4}-\d\d-\d\d")


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Files:
    """Every generated file, read back."""

    def __init__(self, out: Path) -> None:
        self.mpn = {d: read(out / f"mpn_{d:%Y%m%d}.csv") for d in DAYS}
        self.batch: dict[tuple[str, date], list[dict[str, str]]] = {}
        for path in sorted(out.glob("bank_*.csv")):
            _, code, stamp = path.stem.split("_")
            self.batch[(code, datetime.strptime(stamp, "%Y%m%d").date())] = read(path)
        self.letters = {
            (r["bank_code"], date.fromisoformat(r["business_date"])): r
            for d in DAYS
            if (out / f"statements_{d:%Y%m%d}.csv").exists()
            for r in read(out / f"statements_{d:%Y%m%d}.csv")
        }
        self.mpn_payments = {d: [r for r in rows if r["record_type"] == "payment"] for d, rows in self.mpn.items()}

    def all_batch_ntpns(self) -> set[str]:
        return {r["ntpn"] for rows in self.batch.values() for r in rows}

    def all_mpn_ntpns(self) -> set[str]:
        return {r["ntpn"] for rows in self.mpn.values() for r in rows}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest, Files]:
    out = tmp_path_factory.mktemp("demo")
    manifest = generate(out, DAYS, MASTER, CFG, CAL)
    return out, manifest, Files(out)


def paid(row: dict[str, str]) -> datetime:
    return datetime.fromisoformat(row["paid_at"])


def test_same_seed_gives_byte_identical_files(demo, tmp_path: Path) -> None:
    out, _, _ = demo
    generate(tmp_path, DAYS, MASTER, CFG, CAL)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert len(names) > 16 * 30
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_other_seed_gives_other_data(demo, tmp_path: Path) -> None:
    out, _, files = demo
    write_day(tmp_path, DAYS[0], MASTER, replace(CFG, seed=8), CAL)
    name = f"mpn_{DAYS[0]:%Y%m%d}.csv"
    assert (tmp_path / name).read_bytes() != (out / name).read_bytes()
    assert not {r["ntpn"] for r in read(tmp_path / name)} & files.all_mpn_ntpns()


def test_a_day_is_the_same_whatever_range_it_is_generated_in(demo, tmp_path: Path) -> None:
    out, _, _ = demo
    write_day(tmp_path, DAYS[5], MASTER, CFG, CAL)
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name


def test_every_row_follows_contract_section_2(demo) -> None:
    out, _, files = demo
    assert (out / f"mpn_{DAYS[0]:%Y%m%d}.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(MPN_CHECKS)
    for rows, checks in [(r, MPN_CHECKS) for r in files.mpn.values()] + [
        (r, BANK_CHECKS) for r in files.batch.values()
    ]:
        for row in rows:
            for column, pattern in checks.items():
                assert pattern.fullmatch(row[column]), (column, row)
            if row.get("record_type") == "payment":
                assert row["billing_code"]
    for (code, day), rows in files.batch.items():
        assert {r["bank_code"] for r in rows} == {code}
        assert {r["business_date"] for r in rows} == {day.isoformat()}
    for letter in files.letters.values():
        assert TIMESTAMP.fullmatch(letter["received_at"])
        assert re.fullmatch(r"\d+", letter["declared_count"])
        assert re.fullmatch(r"\d+", letter["declared_amount"])
        received = datetime.fromisoformat(letter["received_at"])
        assert date.fromisoformat(letter["business_date"]) <= date.fromisoformat(letter["letter_date"])
        assert date.fromisoformat(letter["letter_date"]) <= received.date()


def test_leading_zeros_are_kept(demo) -> None:
    _, _, files = demo
    rows = [r for rows in files.mpn.values() for r in rows]
    assert any(r["bank_code"] == "002" for r in rows)
    assert any(r["kpp_code"].startswith("0") for r in rows)
    assert any(r["npwp"].startswith("0") for r in rows)
    assert any(r["billing_code"].startswith("0") for r in rows)


def test_mpn_rows_belong_to_their_day_by_r3(demo) -> None:
    _, manifest, files = demo
    late = {p.ntpn for p in manifest.planted["cutoff_mismatch"]}
    for day, rows in files.mpn.items():
        for row in rows:
            derived = CAL.business_date_of(paid(row), CUTOFF[row["bank_code"]])
            if row["ntpn"] in late and row["record_type"] == "payment":
                assert derived == CAL.next_after(day)
            else:
                assert derived == day, row


def test_npwp15_carries_the_kpp_code(demo) -> None:
    _, _, files = demo
    rows = [r for rows in files.mpn.values() for r in rows]
    assert 0.5 < sum(len(r["npwp"]) == 15 for r in rows) / len(rows) < 0.95
    for r in rows:
        if len(r["npwp"]) == 15:
            assert r["npwp"][9:12] == r["kpp_code"]


def test_ntpn_and_ntb_are_unique_except_where_planted(demo) -> None:
    _, manifest, files = demo
    payments = [r for rows in files.mpn_payments.values() for r in rows]
    twice = {n for n, c in Counter(r["ntpn"] for r in payments).items() if c > 1}
    assert twice == {p.ntpn for p in manifest.planted["duplicate"] if "MPN" in p.detail}
    ntbs = Counter(r["ntb"] for r in payments if r["ntpn"] not in twice)
    reused = {p.detail.split()[2] for p in manifest.planted["cancelled_reused"] if "NTB" in p.detail}
    assert {n for n, c in ntbs.items() if c > 1} == reused


def test_state_banks_carry_most_of_the_volume(demo) -> None:
    _, _, files = demo
    count = Counter(r["bank_code"] for rows in files.mpn_payments.values() for r in rows)
    assert sum(count[c] for c in ("002", "008", "009", "200")) / sum(count.values()) > 0.55
    assert {c for c, _ in count.most_common(3)} == {"002", "008", "009"}
    assert count["002"] > 10 * count["POS"]


def test_due_dates_and_month_end_are_peak_days(demo) -> None:
    _, manifest, _ = demo
    size = {d.day: d.payments for d in manifest.days}
    peaks = [date(2026, 11, 10), date(2026, 11, 16), date(2026, 11, 20), date(2026, 11, 30)]
    ordinary = statistics.median(n for d, n in size.items() if d not in peaks)
    assert 250 < ordinary < 350
    for day in peaks:
        assert 2.5 * ordinary < size[day] < 6 * ordinary, day


def test_amounts_kaps_periods_and_zones_look_real(demo) -> None:
    _, _, files = demo
    rows = [r for rows in files.mpn_payments.values() for r in rows]
    amounts = sorted(int(r["amount"]) for r in rows)
    assert 1_000_000 < statistics.median(amounts) < 20_000_000
    assert amounts[0] >= 1_000 and amounts[-1] > 1_000_000_000
    main = {"411121", "411124", "411125", "411126", "411211"}  # PPh 21, 23, 25/29, PPN
    assert sum(r["kap"] in main for r in rows) / len(rows) > 0.6
    previous = sum(r["tax_period"] == "102026" for r in rows)
    assert previous / len(rows) > 0.75
    zones = Counter(r["paid_at"][-6:] for r in rows)
    assert set(zones) == {"+07:00", "+08:00", "+09:00"} and zones["+07:00"] / len(rows) > 0.6
    assert sum(time(8) <= paid(r).time() <= time(15) for r in rows) / len(rows) > 0.75


def test_every_category_is_planted(demo) -> None:
    _, manifest, _ = demo
    for kind in ALL_KINDS:
        assert manifest.planted[kind], kind
    assert {p.detail for p in manifest.planted["duplicate"]} == {"twice in MPN data", "twice in the batch"}


def test_missing_in_bank_is_in_mpn_and_in_no_batch(demo) -> None:
    _, manifest, files = demo
    for p in manifest.planted["missing_in_bank"]:
        assert p.ntpn in {r["ntpn"] for r in files.mpn_payments[p.day]}
        assert p.ntpn not in files.all_batch_ntpns()
        assert (p.bank_code, p.day) in files.batch


def test_missing_in_mpn_is_in_the_batch_only(demo) -> None:
    _, manifest, files = demo
    for p in manifest.planted["missing_in_mpn"]:
        assert p.ntpn in {r["ntpn"] for r in files.batch[(p.bank_code, p.day)]}
        assert p.ntpn not in files.all_mpn_ntpns()


def pair(files: Files, bank: str, day: date, ntpn: str) -> tuple[dict[str, str], dict[str, str]]:
    mpn = [r for r in files.mpn_payments[day] if r["ntpn"] == ntpn]
    bank_rows = [r for r in files.batch[(bank, day)] if r["ntpn"] == ntpn]
    assert len(mpn) == 1 and len(bank_rows) == 1
    return mpn[0], bank_rows[0]


def test_amount_and_attribute_mismatches_differ_only_where_planted(demo) -> None:
    _, manifest, files = demo
    columns = ("ntb", "npwp", "kap", "kjs", "tax_period", "kpp_code", "paid_at")
    for p in manifest.planted["amount_mismatch"]:
        mpn, bank = pair(files, p.bank_code, p.day, p.ntpn)
        assert mpn["amount"] != bank["amount"] and all(mpn[c] == bank[c] for c in columns)
    for p in manifest.planted["attribute_mismatch"]:
        mpn, bank = pair(files, p.bank_code, p.day, p.ntpn)
        assert mpn["amount"] == bank["amount"]
        assert [c for c in columns if mpn[c] != bank[c]] == [p.detail]


def test_cutoff_mismatch_is_paid_after_the_cutoff_but_batched_on_the_day(demo) -> None:
    _, manifest, files = demo
    for p in manifest.planted["cutoff_mismatch"]:
        mpn, bank = pair(files, p.bank_code, p.day, p.ntpn)
        assert all(mpn[c] == bank[c] for c in bank if c != "business_date")
        at = paid(mpn)
        assert at.date() == p.day and CUTOFF[p.bank_code] < at.time() <= time(15, 5)
        assert CAL.business_date_of(at) == CAL.next_after(p.day)


def test_duplicates_occur_twice_on_one_side(demo) -> None:
    _, manifest, files = demo
    for p in manifest.planted["duplicate"]:
        mpn = [r for r in files.mpn_payments[p.day] if r["ntpn"] == p.ntpn]
        bank = [r for r in files.batch[(p.bank_code, p.day)] if r["ntpn"] == p.ntpn]
        assert (len(mpn), len(bank)) == ((2, 1) if "MPN" in p.detail else (1, 2))


def test_cancelled_numbers_come_back(demo) -> None:
    _, manifest, files = demo
    for p in manifest.planted["cancelled_reused"]:
        reversals = {r["ntpn"]: r for r in files.mpn[p.day] if r["record_type"] == "reversal"}
        if "NTB" in p.detail:
            _, _, ntb, _, _, cancelled = p.detail.split()
            assert cancelled in reversals and reversals[cancelled]["ntb"] == ntb
            mpn, bank = pair(files, p.bank_code, p.day, p.ntpn)
            assert mpn["ntb"] == bank["ntb"] == ntb and paid(mpn) > paid(reversals[cancelled])
        else:
            assert p.ntpn in reversals
            assert p.ntpn in {r["ntpn"] for r in files.batch[(p.bank_code, p.day)]}


def test_ordinary_reversals_cancel_a_payment_and_leave_the_batch(demo) -> None:
    _, manifest, files = demo
    for p in manifest.planted["reversal"]:
        rows = [r for r in files.mpn[p.day] if r["ntpn"] == p.ntpn]
        assert [r["record_type"] for r in rows] == ["payment", "reversal"]
        assert rows[1]["billing_code"] == "" and rows[1]["amount"] == rows[0]["amount"]
        assert p.ntpn not in {r["ntpn"] for r in files.batch[(p.bank_code, p.day)]}


def test_missing_batch_bank_has_mpn_rows_but_no_file(demo) -> None:
    out, manifest, files = demo
    for p in manifest.planted["missing_batch"]:
        assert any(r["bank_code"] == p.bank_code for r in files.mpn_payments[p.day])
        assert not (out / f"bank_{p.bank_code}_{p.day:%Y%m%d}.csv").exists()
    missing = {(p.bank_code, p.day) for p in manifest.planted["missing_batch"]}
    for day, rows in files.mpn_payments.items():
        for code in {r["bank_code"] for r in rows}:
            assert ((code, day) in files.batch) != ((code, day) in missing)


def test_statement_letters_match_batches_except_where_planted(demo) -> None:
    _, manifest, files = demo
    missing = {(p.bank_code, p.day) for p in manifest.planted["missing_statement"]}
    wrong = {(p.bank_code, p.day) for p in manifest.planted["statement_mismatch"]}
    assert missing and wrong
    for key, rows in files.batch.items():
        letter = files.letters.get(key)
        assert (letter is None) == (key in missing)
        if letter:
            declared = (int(letter["declared_count"]), int(letter["declared_amount"]))
            assert (declared != (len(rows), sum(int(r["amount"]) for r in rows))) == (key in wrong)


def test_late_batches_and_letters_arrive_after_their_deadlines(demo) -> None:
    _, manifest, files = demo
    late_batches = {(p.bank_code, p.day) for p in manifest.planted["late_batch"]}
    for day_files in manifest.days:
        due = datetime.combine(day_files.day, time(16), WIB)
        for b in day_files.batches:
            assert (b.received_at > due) == ((b.bank_code, day_files.day) in late_batches)
            assert b.received_at > datetime.combine(day_files.day, time(15), WIB)
        assert day_files.mpn_received_at < min(b.received_at for b in day_files.batches)
    late_letters = {(p.bank_code, p.day) for p in manifest.planted["late_statement"]}
    for key, letter in files.letters.items():
        received = datetime.fromisoformat(letter["received_at"])
        due = datetime.combine(CAL.next_after(key[1]), time(9), received.tzinfo)
        assert (received > due) == (key in late_letters)
        assert received >= datetime.combine(key[1], time(16), WIB)


def test_manifest_counts_match_the_files(demo) -> None:
    out, manifest, files = demo
    for d in manifest.days:
        assert d.mpn_rows == len(files.mpn[d.day]) and d.payments == len(files.mpn_payments[d.day])
        assert {b.bank_code: b.rows for b in d.batches} == {
            code: len(rows) for (code, day), rows in files.batch.items() if day == d.day
        }
        assert d.letters == sum(1 for (_, day) in files.letters if day == d.day)
    assert (out / "manifest.json").read_text(encoding="utf-8") == manifest.to_json()


def test_master_from_database_equals_the_shipped_csv(engine: Engine) -> None:
    with engine.connect() as conn:
        assert Master.from_db(conn) == MASTER


def test_peak_file_is_valid_and_unique(tmp_path: Path) -> None:
    day = date(2026, 11, 16)
    result = write_peak_day(tmp_path / "peak.csv", 70_000, 3, MASTER, day, CAL, batch_bank="002")
    rows = read(result.path)
    assert len(rows) == result.rows == 70_000
    assert sum(int(r["amount"]) for r in rows) == result.amount
    assert len({r["ntpn"] for r in rows}) == len(rows) and len({r["ntb"] for r in rows}) == len(rows)
    for row in rows[:5000]:
        for column, pattern in MPN_CHECKS.items():
            assert pattern.fullmatch(row[column]), (column, row)
    assert all(CAL.business_date_of(paid(r), CUTOFF[r["bank_code"]]) == day for r in rows)
    assert result.batch_path is not None
    batch = read(result.batch_path)
    assert len(batch) == result.batch_rows == sum(r["bank_code"] == "002" for r in rows)
    by_ntpn = {r["ntpn"]: r for r in rows}
    for b in batch:
        assert b["business_date"] == day.isoformat()
        assert all(b[c] == by_ntpn[b["ntpn"]][c] for c in ("ntb", "paid_at", "npwp", "kap", "amount"))


def test_peak_day_is_deterministic(tmp_path: Path) -> None:
    a = write_peak_day(tmp_path / "a.csv", 2_000, 3, MASTER, date(2026, 11, 16), CAL)
    b = write_peak_day(tmp_path / "b.csv", 2_000, 3, MASTER, date(2026, 11, 16), CAL)
    assert a.path.read_bytes() == b.path.read_bytes()


def test_generator_refuses_a_non_working_day(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a working day"):
        write_day(tmp_path, date(2026, 11, 21), MASTER, CFG, CAL)


def test_reversal_and_planting_counts_follow_the_rates(demo) -> None:
    _, manifest, _ = demo
    payments = sum(d.payments for d in manifest.days)
    expected = CFG.missing_in_bank * payments
    assert 0.4 * expected < len(manifest.planted["missing_in_bank"]) < 2 * expected
    by_day = defaultdict(int)
    for p in manifest.planted["missing_in_bank"]:
        by_day[p.day] += 1
    assert max(by_day.values()) <= 10
