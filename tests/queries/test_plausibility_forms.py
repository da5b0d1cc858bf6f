"""Forms refuse what the schema would (issue 14 §1, CONTRACT §2 plausibility): the domain functions behind the
statement-letter, appeal-letter, exception, Berita Acara and Nota Perbaikan forms refuse an implausible date, a
control character or more than 500 characters with a sentence in Indonesian, and store nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries import plausibility
from queries.accounts.approvals import ApprovalRefused
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user
from queries.letters import appeals as al
from queries.letters.statement_entry import DeclaredDay, record_statement
from queries.letters.statements import statement_cell
from queries.reconciliation.berita_acara import record_nota_perbaikan, register_berita_acara
from queries.reconciliation.work import comment
from tests.builders.reconciliation import D2, WIB, Day, clean, ntpn, wib
from tests.builders.work import make_people, missing_in_bank


def refused(engine: Engine, act: Callable[..., object], *args: object, **kwargs: object) -> str:
    """Run `act(conn, ...)` expecting a refusal; its message (the transaction is rolled back)."""
    with pytest.raises(ApprovalRefused) as info, engine.begin() as conn:
        act(conn, *args, **kwargs)
    return info.value.message


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def people(engine: Engine) -> dict[str, User]:
    staff = make_people(engine)
    with engine.begin() as conn:
        staff["tina"] = add_user(
            conn, username="tina", role="tu", password="demo", actor=Actor.system("test"), policy=False
        )
    return staff


def letter(**changes: object) -> dict[str, object]:
    """A good statement letter for 002 on D2, with `changes`."""
    return {
        "bank_code": "002",
        "days": [DeclaredDay(D2, 2, 30_000)],
        "letter_number": "B.1/DIR/2026",
        "letter_date": D2,
        "received_at": wib(D2, 16),
        "signer": "Direksi",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"received_at": datetime(1, 1, 1, tzinfo=WIB)}, "Tanggal diterima: tanggal 0001-01-01 sebelum 01/01/2000"),
        ({"letter_date": date(1999, 12, 31)}, "Tanggal surat: tanggal 1999-12-31 sebelum 01/01/2000 tidak masuk akal."),
        ({"days": [DeclaredDay(date(1900, 1, 1), 1, 1)]}, "Tanggal buku: tanggal 1900-01-01 sebelum"),
        ({"letter_number": "B.1\x1b[31m"}, "Nomor surat berisi karakter kontrol"),
        ({"signer": "Direksi\nPalsu"}, "Penanda tangan berisi karakter kontrol"),
        ({"signer": "x" * 201}, "Penanda tangan terlalu panjang: 201 karakter, paling banyak 200."),
        ({"days": [DeclaredDay(D2, 1, 10**19)]}, "terlalu besar"),
    ],
)
def test_the_statement_form_refuses_implausible_values_and_stores_nothing(
    engine: Engine, people: dict[str, User], changes: dict[str, object], reason: str
) -> None:
    Day(clean(2)).load(engine, letters=False)
    assert reason in refused(engine, record_statement, **letter(**changes), actor=people["ani"])
    assert count(engine, "statement_letter") == 0


def test_a_new_letter_replaces_a_poisoned_one(engine: Engine, people: dict[str, User]) -> None:
    Day(clean(2)).load(engine)  # the letter received 16:00 on D2, then poisoned as an old database may hold it
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE statement_letter DROP CONSTRAINT ck_statement_letter_received_at_plausible"))
        conn.execute(text("UPDATE statement_letter SET received_at = '0001-01-01 00:00+07'"))
    with engine.connect() as conn:
        before = statement_cell(conn, "002", D2)
    assert before is not None and before.status == "anomaly" and before.received_at is None
    with engine.begin() as conn:
        stored = record_statement(conn, **letter(), actor=people["ani"])  # type: ignore[arg-type]
    with engine.connect() as conn:
        after = statement_cell(conn, "002", D2)
    assert len(stored) == 1 and after is not None and after.status == "received"
    assert after.received_at == wib(D2, 16) and after.letter_id == stored[0]


def test_appeal_letter_agenda_and_notes_are_checked(engine: Engine, people: dict[str, User]) -> None:
    Day(clean(2)).load(engine, letters=False)
    with engine.begin() as conn:
        letter_id = al.propose_drafts(conn, D2)[0].letter_id
    assert "Catatan berisi karakter kontrol" in refused(
        engine, al.initial, letter_id, actor=people["budi"], note="ok\x00"
    )
    with engine.begin() as conn:
        al.initial(conn, letter_id, actor=people["budi"], note="Paraf.\r\nLanjut.")
        al.sign(conn, letter_id, actor=people["dedi"])
    assert "Nomor agenda berisi karakter kontrol" in refused(
        engine, al.send, letter_id, actor=people["tina"], agenda_number="AG-1\tX"
    )
    assert "Nomor agenda terlalu panjang: 501 karakter" in refused(
        engine, al.send, letter_id, actor=people["tina"], agenda_number="A" * 501
    )
    with engine.begin() as conn:
        sent = al.send(conn, letter_id, actor=people["tina"], agenda_number="  AG-1/2026 ")
    assert sent.status == "sent" and sent.agenda_number == "AG-1/2026"


def test_a_comment_keeps_its_lines_but_no_other_control_character_nor_501_characters(
    engine: Engine, people: dict[str, User]
) -> None:
    exc_id = missing_in_bank(engine)
    assert "Komentar berisi karakter kontrol" in refused(engine, comment, exc_id, body="a\x07b", actor=people["ani"])
    assert "Komentar terlalu panjang: 501 karakter, paling banyak 500." in refused(
        engine, comment, exc_id, body="k" * 501, actor=people["ani"]
    )
    with engine.begin() as conn:
        comment(conn, exc_id, body="Baris satu\r\nBaris dua", actor=people["ani"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM exception_comment")).scalar_one() == "Baris satu\nBaris dua"


def test_berita_acara_number_and_nota_dates_are_checked(engine: Engine, people: dict[str, User]) -> None:
    Day(clean(3)).load(engine)
    reconcile(engine, D2)
    assert "Nomor Berita Acara berisi karakter kontrol" in refused(
        engine,
        register_berita_acara,
        number="BA-1\x1b",
        ntpn=ntpn(3),
        bank_code="002",
        reason="recording_error",
        request="cancel",
        rerecord=None,
        actor=people["ani"],
    )
    nota = {
        "number": "NP-1",
        "bank_code": "002",
        "business_date": D2,
        "description": "Salah rekam",
        "actor": people["ani"],
    }
    assert "Tanggal nota: tanggal 1900-01-01 sebelum" in refused(
        engine, record_nota_perbaikan, **nota, letter_date=date(1900, 1, 1)
    )
    assert "Tanggal nota: tanggal 2999-01-01 lebih dari 7 hari" in refused(
        engine, record_nota_perbaikan, **nota, letter_date=date(2999, 1, 1)
    )
    assert "Uraian perbaikan terlalu panjang" in refused(
        engine, record_nota_perbaikan, **{**nota, "description": "u" * 600}, letter_date=D2
    )
    assert count(engine, "berita_acara") == 0 and count(engine, "nota_perbaikan") == 0


def test_form_text_is_the_schemas_rule() -> None:
    assert plausibility.form_text("  Baris\r\nkedua  ", "Catatan", multiline=True) == ("Baris\nkedua", None)
    assert plausibility.form_text("", "Catatan", required=False) == ("", None)
    assert plausibility.form_text(" ", "Nomor")[1] == "Nomor wajib diisi."
    assert plausibility.form_text("x" * 500, "Nomor") == ("x" * 500, None)
