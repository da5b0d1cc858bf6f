"""`appeal_letter_pdf` / `letter_pdf_for`: the Surat Himbauan as an official letter, a KONSEP until signed."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from jobs.documents.appeal_letter_pdf import draft_number, letter_pdf_for, terbilang
from queries.accounts.audit import Actor
from queries.accounts.users import User
from queries.letters.appeals import initial, propose_drafts, settle, sign
from queries.settings import set_setting
from tests.builders.reconciliation import D1, D2, Day, clean, letter
from tests.builders.work import make_people

BRI = "PT Bank Rakyat Indonesia (Persero) Tbk"
SIGNER, NIP = "Dr. Hendra Wijaya, S.E., M.Ak.", "197503122000031002"
SE127 = (
    "Surat Edaran Direktur Jenderal Pajak Nomor SE-127/PJ/2010 tentang Perubahan atas Surat Edaran Direktur "
    "Jenderal Pajak Nomor SE-03/PJ/2010"
)


def text_of(pdf: bytes) -> str:
    """The PDF's text, lines joined with spaces (a wrapped sentence reads as one)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def two_missing_days(engine: Engine) -> tuple[dict[str, User], int]:
    """Bank 002 with MPN payments and batches on D1 and D2 but no statement letter; the system's draft for both."""
    people = make_people(engine)
    Day(clean(3, start=10, day=D1)).load(engine, letters=False)
    Day(clean(2)).load(engine, letters=False)
    with engine.begin() as conn:
        [proposed] = propose_drafts(conn, D2)
    return people, proposed.letter_id


def pdf_of(engine: Engine, letter_id: int) -> tuple[str, bytes]:
    with engine.connect() as conn:
        return letter_pdf_for(conn, letter_id)


def test_draft_is_a_konsep_without_number_with_every_asked_date_and_its_mpn_totals(engine: Engine) -> None:
    _, letter_id = two_missing_days(engine)
    name, pdf = pdf_of(engine, letter_id)
    assert name == f"surat-himbauan-{letter_id}-002.pdf" and pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in (
        "KONSEP",
        "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA",
        "Gatot Subroto",
        "Sifat : Segera",
        "Hal : Permintaan Penyampaian Surat Pernyataan",
        "Yth. Pemimpin Kantor Pusat",
        BRI,
        "di tempat",
        SE127,
        "(SIDJP/SIPMOD)",
        "Kamis, 19 November 2026",
        "Jumat, 20 November 2026",
        "330.000",
        "30.000",
        "5 (lima) hari kerja",
        "Demikian disampaikan",
        "Kepala Subdirektorat Pemantauan Sistem dan",
        "Halaman 1 dari 1",
    ):
        assert expected in text, expected
    assert "/PJ.10/20" in text and "S-1/" not in text  # the pattern with its sequence left blank
    assert "Ditandatangani secara elektronik" not in text and "Paraf:" not in text


def test_signed_letter_has_its_number_date_signer_and_nip_and_no_konsep(engine: Engine) -> None:
    people, letter_id = two_missing_days(engine)
    with engine.begin() as conn:
        set_setting(conn, "letters.signer_name", SIGNER, actor=Actor.system("test"))
        set_setting(conn, "letters.signer_nip", NIP, actor=Actor.system("test"))
        set_setting(conn, "letters.reply_days", "7", actor=Actor.system("test"))
    with engine.begin() as conn:
        assert initial(conn, letter_id, actor=people["budi"]).status == "initialled"
    _, initialled = pdf_of(engine, letter_id)
    assert "KONSEP" in text_of(initialled) and "Paraf: budi" in text_of(initialled)
    with engine.begin() as conn:
        signed = sign(conn, letter_id, actor=people["dedi"])
    assert signed.letter_number and signed.letter_date
    text = text_of(pdf_of(engine, letter_id)[1])
    day = signed.letter_date
    for expected in (
        f"Nomor : {signed.letter_number}",
        f"Jakarta, {day.day} ",
        BRI,
        "19 November 2026",
        "20 November 2026",
        "SE-127/PJ/2010",
        "Ditandatangani secara elektronik",
        SIGNER,
        f"NIP {NIP}",
        "7 (tujuh) hari kerja",
    ):
        assert expected in text, expected
    assert "KONSEP" not in text and "Paraf:" not in text


def test_the_pdf_is_deterministic(engine: Engine) -> None:
    _, letter_id = two_missing_days(engine)
    assert pdf_of(engine, letter_id) == pdf_of(engine, letter_id)


def test_a_void_letter_says_dibatalkan(engine: Engine) -> None:
    _, letter_id = two_missing_days(engine)
    letter(engine, "002", D1, 3, 330_000)
    letter(engine, "002", D2, 2, 30_000)
    with engine.begin() as conn:
        assert settle(conn, actor=Actor.system("test")) == [letter_id]
    text = text_of(pdf_of(engine, letter_id)[1])
    assert "DIBATALKAN" in text and "KONSEP" not in text


def test_an_unknown_letter_is_a_lookup_error(engine: Engine) -> None:
    with pytest.raises(LookupError), engine.connect() as conn:
        letter_pdf_for(conn, 999)


def test_draft_number_leaves_the_sequence_blank_whatever_its_format() -> None:
    from datetime import date

    assert draft_number("S-{seq}/PJ.10/{year}", date(2026, 11, 23), "002") == "S-      /PJ.10/2026"
    assert draft_number("S-{seq:04d}/{roman}/{bank}/{year}", date(2026, 3, 2), "002") == "S-      /III/002/2026"
    assert draft_number("S-{seq}/{month}/{year}", date(2026, 3, 2), "002") == "S-      /03/2026"
    assert draft_number("S-{seq}/{month:02d}/{year}", date(2026, 3, 2), "002") == "S-      /03/2026"


def test_terbilang_spells_reply_periods() -> None:
    assert [terbilang(n) for n in (1, 5, 10, 11, 12, 19, 20, 21, 60, 100, 115)] == [
        "satu",
        "lima",
        "sepuluh",
        "sebelas",
        "dua belas",
        "sembilan belas",
        "dua puluh",
        "dua puluh satu",
        "enam puluh",
        "seratus",
        "seratus lima belas",
    ]
