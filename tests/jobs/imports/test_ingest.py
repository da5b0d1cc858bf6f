"""`mpn import`: good files of every kind, every rejection rule, re-import, resend, business dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from jobs.imports.ingest import import_file
from queries.csvfile import InputRejected
from tests.builders.files import BANK_HEADER, MPN_HEADER, STATEMENT_HEADER, bank_row, mpn_row, rows_of, write


def test_good_mpn_file_is_stored_with_business_dates_and_leading_zeros(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mpn.csv",
        MPN_HEADER,
        [
            mpn_row("0000000000000001", paid_at="2026-11-20T15:00:00+07:00"),
            mpn_row("0000000000000002", paid_at="2026-11-20T15:00:01+07:00"),
        ],
    )
    result = import_file(engine, "mpn", path)
    assert (result.status, result.rows, result.amount) == ("imported", 2, 3_000_000)
    stored = rows_of(
        engine, "SELECT ntpn, business_date, billing_code, npwp, ntb, utc_offset FROM mpn_record ORDER BY ntpn"
    )
    assert stored == [
        ("0000000000000001", date(2026, 11, 20), "012345678901234", "012345678021000", "000123", 7),
        ("0000000000000002", date(2026, 11, 23), "012345678901234", "012345678021000", "000123", 7),
    ]


def test_bom_semicolon_crlf_case_insensitive_header_and_extra_columns(engine: Engine, tmp_path: Path) -> None:
    header = (
        "  NTPN ;Record_Type;billing_code;BANK_CODE;branch_code;ntb;paid_at;npwp;taxpayer_name;kap;kjs;"
        "tax_period;kpp_code;amount;catatan"
    )
    row = (
        "  0000a1b2c3d4e5f6 ;payment;012345678901234; 002 ;KC;000123;2026-11-20T10:00:00+07:00;"
        "012345678021000;PT A, B dan C;411121;100;102026;021;1500000;extra value"
    )
    path = write(tmp_path, "mpn_semicolon.csv", header, [row], newline="\r\n", prefix=b"\xef\xbb\xbf")
    assert import_file(engine, "mpn", path).rows == 1
    assert rows_of(engine, "SELECT ntpn, bank_code, taxpayer_name FROM mpn_record") == [
        ("0000A1B2C3D4E5F6", "002", "PT A, B dan C")
    ]


@pytest.mark.parametrize(
    ("column", "row", "reason"),
    [
        ("ntpn", mpn_row("12345"), "harus 16 karakter [0-9A-Z]"),
        ("ntpn", mpn_row("0000A1B2C3D4E5F!"), "harus 16 karakter [0-9A-Z]"),
        ("billing_code", mpn_row(billing="12345678901234"), "harus 15 digit"),
        ("billing_code", mpn_row(billing=""), "boleh kosong hanya untuk reversal"),
        ("bank_code", mpn_row(bank="999"), "bank/pos persepsi 999 tidak dikenal"),
        ("ntb", mpn_row(ntb="ABC-1"), "harus 1-20 karakter [0-9A-Z]"),
        ("paid_at", mpn_row(paid_at="2026-11-20 10:00"), "harus waktu ISO 8601 dengan selisih UTC"),
        ("paid_at", mpn_row(paid_at="2026-11-20T10:00:00Z"), "+07:00 (WIB), +08:00 (WITA) atau +09:00 (WIT)"),
        ("paid_at", mpn_row(paid_at="2026-02-30T10:00:00+07:00"), "bukan tanggal dan jam yang ada"),
        ("npwp", mpn_row(npwp="12.345.678.9-021.000"), "harus 15 atau 16 digit"),
        ("kap", mpn_row(kap="411999"), "KAP 411999 tidak dikenal"),
        ("kap", mpn_row(kap="41112"), "harus 6 digit"),
        ("tax_period", mpn_row(period="132026"), "harus MMYYYY"),
        ("kpp_code", mpn_row(kpp="999"), "KPP 999 tidak dikenal"),
        ("amount", mpn_row(amount="0"), "lebih dari nol"),
        ("amount", mpn_row(amount="1.500.000"), "tanpa pemisah ribuan atau desimal"),
        ("amount", mpn_row(amount="1500000.50"), "tanpa pemisah ribuan atau desimal"),
        ("record_type", mpn_row(record_type="refund"), "harus payment atau reversal"),
    ],
)
def test_each_rule_rejects_the_whole_file_naming_line_and_column(
    engine: Engine, tmp_path: Path, column: str, row: str, reason: str
) -> None:
    path = write(tmp_path, "bad.csv", MPN_HEADER, [mpn_row("0000000000000001"), row])
    with pytest.raises(InputRejected) as caught:
        import_file(engine, "mpn", path, label="bad.csv")
    lines = caught.value.report().splitlines()
    assert any(line.startswith(f"bad.csv:3: {column}: ") and reason in line for line in lines), lines
    assert rows_of(engine, "SELECT count(*) FROM mpn_record") == [(0,)]


def test_rejected_file_is_kept_with_its_report_and_logged(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", MPN_HEADER, [mpn_row(amount="-5"), mpn_row(kpp="ABC")])
    with pytest.raises(InputRejected) as caught:
        import_file(engine, "mpn", path, label="bad.csv")
    assert caught.value.total == 2
    [(status, errors, report, kept)] = rows_of(engine, "SELECT status, error_count, report, kept_path FROM import_file")
    assert status == "rejected" and errors == 2
    assert "bad.csv:2: amount:" in report and "bad.csv:3: kpp_code:" in report
    assert Path(kept).read_bytes() == path.read_bytes()
    assert Path(kept + ".errors.txt").read_text() == report


def test_missing_column_and_malformed_row_and_bad_utf8(engine: Engine, tmp_path: Path) -> None:
    no_amount = write(tmp_path, "a.csv", MPN_HEADER.removesuffix(",amount"), [mpn_row().rsplit(",", 1)[0]])
    with pytest.raises(InputRejected, match=r"a.csv:1: amount: kolom wajib tidak ada"):
        import_file(engine, "mpn", no_amount, label="a.csv")
    short = write(tmp_path, "b.csv", MPN_HEADER, [mpn_row("0000000000000001"), "payment,123"])
    with pytest.raises(InputRejected, match=r"b.csv:3: -: baris berisi 2 nilai, baris judul 14 kolom"):
        import_file(engine, "mpn", short, label="b.csv")
    latin1 = tmp_path / "c.csv"
    latin1.write_bytes(
        (MPN_HEADER + "\n" + mpn_row() + "\n").encode()
        + mpn_row("0000000000000002").replace("PT Maju Jaya", "PT Caf\xe9").encode("latin-1")
        + b"\n"
    )
    with pytest.raises(InputRejected, match=r"c.csv:3: -: bukan UTF-8 yang sah"):
        import_file(engine, "mpn", latin1, label="c.csv")
    assert rows_of(engine, "SELECT count(*) FROM mpn_record") == [(0,)]


def test_same_content_again_is_a_no_op(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "mpn.csv", MPN_HEADER, [mpn_row()])
    first = import_file(engine, "mpn", path)
    again = import_file(engine, "mpn", path)
    assert again.status == "duplicate" and "sudah diimpor" in again.message
    assert again.import_id == first.import_id
    assert rows_of(engine, "SELECT count(*) FROM mpn_record") == [(1,)]


def test_reversal_may_have_empty_billing_code(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mpn.csv",
        MPN_HEADER,
        [mpn_row(), mpn_row(record_type="reversal", billing="", paid_at="2026-11-20T11:00:00+07:00")],
    )
    import_file(engine, "mpn", path)
    assert rows_of(engine, "SELECT record_type, billing_code FROM mpn_record ORDER BY line") == [
        ("payment", "012345678901234"),
        ("reversal", None),
    ]


@pytest.mark.parametrize(
    ("paid_at", "expected"),
    [
        ("2026-11-20T15:00:00+07:00", date(2026, 11, 20)),  # at the cut-off: same day
        ("2026-11-20T15:00:01+07:00", date(2026, 11, 23)),  # Friday after cut-off: Monday
        ("2026-11-21T09:00:00+07:00", date(2026, 11, 23)),  # Saturday: next working day
        ("2025-12-24T15:30:00+07:00", date(2025, 12, 29)),  # after cut-off: Christmas, cuti bersama, the weekend
        ("2026-08-17T08:00:00+07:00", date(2026, 8, 18)),  # Independence Day
        ("2026-11-19T15:30:00+08:00", date(2026, 11, 20)),  # WITA branch after its local cut-off
        ("2026-11-19T14:59:59+09:00", date(2026, 11, 19)),  # WIT branch, before its local cut-off
        ("2026-11-19T15:00:00+09:00", date(2026, 11, 19)),  # 13:00 WIB, exactly 15:00 WIT
    ],
)
def test_business_date_follows_local_cutoff_and_indonesian_working_days(
    engine: Engine, tmp_path: Path, paid_at: str, expected: date
) -> None:
    import_file(engine, "mpn", write(tmp_path, "mpn.csv", MPN_HEADER, [mpn_row(paid_at=paid_at)]))
    assert rows_of(engine, "SELECT business_date FROM mpn_record") == [(expected,)]


def test_master_non_working_day_and_bank_cutoff_are_honoured(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO non_working_day (day, description) VALUES ('2026-11-23', 'cuti')"))
        conn.execute(text("UPDATE bank SET cutoff = '16:00' WHERE bank_code = '008'"))
    import_file(
        engine,
        "mpn",
        write(
            tmp_path,
            "mpn.csv",
            MPN_HEADER,
            [
                mpn_row("0000000000000001", paid_at="2026-11-20T15:30:00+07:00"),
                mpn_row("0000000000000002", paid_at="2026-11-20T15:30:00+07:00", bank="008"),
            ],
        ),
    )
    assert rows_of(engine, "SELECT ntpn, business_date FROM mpn_record ORDER BY ntpn") == [
        ("0000000000000001", date(2026, 11, 24)),
        ("0000000000000002", date(2026, 11, 20)),
    ]


def test_bank_batch_and_resend_supersedes_keeping_history(engine: Engine, tmp_path: Path) -> None:
    first = write(tmp_path, "b1.csv", BANK_HEADER, [bank_row("0000000000000001"), bank_row("0000000000000002")])
    import_file(engine, "bank", first)
    resend = write(tmp_path, "b2.csv", BANK_HEADER, [bank_row("0000000000000001")])
    result = import_file(engine, "bank", resend)
    assert "menggantikan batch" in result.message
    batches = rows_of(engine, "SELECT row_count, superseded_by IS NOT NULL FROM bank_batch ORDER BY batch_id")
    assert batches == [(2, True), (1, False)]
    assert rows_of(engine, "SELECT count(*) FROM bank_batch_row") == [(3,)]  # history kept
    current = rows_of(
        engine, "SELECT count(*) FROM bank_batch_row r JOIN bank_batch b USING (batch_id) WHERE b.superseded_at IS NULL"
    )
    assert current == [(1,)]


def test_bank_batch_keeps_its_own_date_and_the_derived_one(engine: Engine, tmp_path: Path) -> None:
    late = bank_row(paid_at="2026-11-20T15:00:20+07:00")
    import_file(engine, "bank", write(tmp_path, "b.csv", BANK_HEADER, [late]))
    assert rows_of(engine, "SELECT business_date, derived_date FROM bank_batch_row") == [
        (date(2026, 11, 20), date(2026, 11, 23))
    ]


def test_bank_file_mixing_batches_is_rejected(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path, "mix.csv", BANK_HEADER, [bank_row("0000000000000001"), bank_row("0000000000000002", bank="008")]
    )
    with pytest.raises(InputRejected, match=r"mix.csv:3: bank_code: berkas mencampur beberapa batch"):
        import_file(engine, "bank", path, label="mix.csv")
    assert rows_of(engine, "SELECT count(*) FROM bank_batch") == [(0,)]


def test_statement_letters_import_and_supersede(engine: Engine, tmp_path: Path) -> None:
    letter = "002,2026-11-20,SP-001/BRI/XI/2026,2026-11-21,2026-11-21T08:30:00+07:00,2,3000000,Budi Santoso"
    import_file(engine, "statements", write(tmp_path, "s1.csv", STATEMENT_HEADER, [letter]))
    corrected = letter.replace("SP-001", "SP-002").replace(",2,3000000,", ",3,4500000,")
    result = import_file(engine, "statements", write(tmp_path, "s2.csv", STATEMENT_HEADER, [corrected]))
    assert "1 surat pernyataan disimpan" in result.message
    assert rows_of(
        engine, "SELECT letter_number, declared_count, superseded_at IS NULL FROM statement_letter ORDER BY letter_id"
    ) == [("SP-001/BRI/XI/2026", 2, False), ("SP-002/BRI/XI/2026", 3, True)]


def test_statement_rules(engine: Engine, tmp_path: Path) -> None:
    good = "002,2026-11-20,SP-1,2026-11-21,2026-11-21T08:30:00+07:00,2,3000000,Budi"
    bad = [
        good,
        good.replace(",2,3000000,", ",-1,3000000,").replace("002,", "008,"),
        "009,2026-13-01,SP-3,2026-11-21,2026-11-21T08:30:00+07:00,2,3000000,Ani",
        good,
    ]
    with pytest.raises(InputRejected) as caught:
        import_file(engine, "statements", write(tmp_path, "s.csv", STATEMENT_HEADER, bad), label="s.csv")
    report = caught.value.report()
    assert "s.csv:3: declared_count: harus bilangan bulat >= 0" in report
    assert "s.csv:4: business_date:" in report
    assert "s.csv:5: bank_code: surat kedua untuk 002 2026-11-20 (yang pertama di baris 2)" in report
    assert rows_of(engine, "SELECT count(*) FROM statement_letter") == [(0,)]


def audit_of(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT actor, action, object_type, object_id, after FROM audit_log ORDER BY seq")
            )
        ]


def test_an_import_is_audited_once_with_what_came_in(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mpn.csv",
        MPN_HEADER,
        [mpn_row("0000000000000001"), mpn_row("0000000000000002", paid_at="2026-11-23T09:00:00+07:00")],
    )
    result = import_file(engine, "mpn", path)
    [(actor, action, otype, oid, after)] = audit_of(engine)
    assert (actor, action, otype, oid) == ("system:cli", "import.file", "file", str(result.import_id))
    assert after == {
        "kind": "mpn",
        "file_name": "mpn.csv",
        "sha256": after["sha256"],
        "rows": 2,
        "amount": 3_000_000,
        "first_date": "2026-11-20",
        "last_date": "2026-11-23",
    }
    assert len(after["sha256"]) == 64


def test_duplicate_and_rejected_files_are_audited_as_such_by_the_given_actor(engine: Engine, tmp_path: Path) -> None:
    from queries.accounts.audit import Actor, verify_chain

    ani = Actor("ani", "petugas_mpn", 1)
    bank = write(tmp_path, "b.csv", BANK_HEADER, [bank_row()])
    first = import_file(engine, "bank", bank, actor=ani)
    import_file(engine, "bank", bank, actor=ani)
    bad = write(tmp_path, "bad.csv", MPN_HEADER, [mpn_row(amount="-5"), mpn_row(kpp="ABC")])
    with pytest.raises(InputRejected):
        import_file(engine, "mpn", bad, actor=ani)
    [rejected_id] = rows_of(engine, "SELECT import_id FROM import_file WHERE status = 'rejected'")[0]
    trail = audit_of(engine)
    assert [(a, act, oid) for a, act, _, oid, _ in trail] == [
        ("ani", "import.file", str(first.import_id)),
        ("ani", "import.duplicate", str(first.import_id)),
        ("ani", "import.rejected", str(rejected_id)),
    ]
    assert trail[1][4] == {"kind": "bank", "file_name": "b.csv", "sha256": trail[0][4]["sha256"]}
    assert trail[2][4] == {"kind": "mpn", "file_name": "bad.csv", "sha256": trail[2][4]["sha256"], "errors": 2}
    with engine.connect() as conn:
        assert verify_chain(conn).ok


def test_a_rejected_file_leaves_no_import_audit_row(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path, "mix.csv", BANK_HEADER, [bank_row("0000000000000001"), bank_row("0000000000000002", bank="008")]
    )
    with pytest.raises(InputRejected):
        import_file(engine, "bank", path)
    assert [row[1] for row in audit_of(engine)] == ["import.rejected"]
