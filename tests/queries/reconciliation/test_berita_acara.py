"""Berita Acara (R11) and the cancelled-number register (R10); Nota Perbaikan as the path after reconciliation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from jobs.reconciliation.run import reconcile
from queries.accounts.users import User
from queries.reconciliation.berita_acara import record_nota_perbaikan, register_berita_acara
from queries.reconciliation.exception_detail import exception_detail
from tests.builders.reconciliation import D2, D3, Day, Row, clean, ntpn, open_set
from tests.builders.work import audit_actions, exception, missing_in_bank, refused

FORM: dict[str, Any] = {
    "ntb": "B-NEW-77",
    "paid_at": "2026-11-20T10:05:00+07:00",
    "npwp": "012345678901000",
    "kap": "411121",
    "kjs": "100",
    "tax_period": "102026",
    "kpp_code": "091",
    "amount": 30_000,
}


def register(
    engine: Engine,
    actor: User,
    *,
    number: str = "BA-001/2026",
    ntpn_: str = ntpn(3),
    bank: str = "002",
    reason: str = "recording_error",
    request: str = "cancel",
    rerecord: dict[str, Any] | None = None,
) -> Any:
    with engine.begin() as conn:
        return register_berita_acara(
            conn,
            number=number,
            ntpn=ntpn_,
            bank_code=bank,
            reason=reason,
            request=request,
            rerecord=rerecord,
            actor=actor,
        )


def cancelled(engine: Engine) -> set[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(text("SELECT kind, number, source, source_ref FROM cancelled_number"))}


def test_cancel_registers_ntpn_and_ntb_and_a_later_reuse_is_cancelled_reused(
    engine: Engine, people: dict[str, User]
) -> None:
    Day(clean(3)).load(engine)
    reconcile(engine, D2)
    ba = register(engine, people["ani"])
    assert (ba.ntpn, ba.ntb, ba.request_label, ba.reason_label, ba.status, ba.registered_by) == (
        ntpn(3),
        "B0000000003",
        "Pembatalan",
        "Kesalahan perekaman",
        "registered",
        "ani",
    )
    assert cancelled(engine) == {
        ("ntpn", ntpn(3), "berita_acara", "BA-001/2026"),
        ("ntb", "B0000000003", "berita_acara", "BA-001/2026"),
    }
    reuse = Row(ntpn(40), amount=5_000, ntb="B0000000003", day=D3)
    Day([*clean(1, start=30, day=D3), reuse]).load(engine)
    reconcile(engine, D3)
    assert open_set(engine, D3) == {(ntpn(40), "cancelled_reused"): ""}
    assert audit_actions(engine).count("berita_acara.register") == 1


def test_cancelling_a_payment_missing_in_bank_closes_its_exception_by_itself(
    engine: Engine, people: dict[str, User]
) -> None:
    exc_id = missing_in_bank(engine)
    ba = register(engine, people["putu"], request="cancel_rerecord", rerecord=FORM)
    assert ba.exception_id == exc_id and ba.rerecord is not None and ba.rerecord["amount"] == 30_000
    reconcile(engine, D2)
    exc = exception(engine, exc_id)
    assert (exc["status"], exc["closed_by_data"], exc["note"]) == ("resolved", True, "payment cancelled by reversal")
    with engine.connect() as conn:
        assert [b.number for b in exception_detail(conn, exc_id).berita_acara] == ["BA-001/2026"]


def test_duplicate_number_is_refused(engine: Engine, people: dict[str, User]) -> None:
    Day(clean(3)).load(engine)
    register(engine, people["ani"], request="cancel")
    message = refused(
        engine,
        register_berita_acara,
        number=" ba-001/2026 ",
        ntpn=ntpn(2),
        bank_code="002",
        reason="other_rule",
        request="cancel",
        rerecord=None,
        actor=people["ani"],
    )
    assert message.startswith("Nomor Berita Acara BA-001/2026 sudah terdaftar pada ")


def test_unknown_ntpn_is_refused(engine: Engine, people: dict[str, User]) -> None:
    Day(clean(3)).load(engine)
    message = refused(
        engine,
        register_berita_acara,
        number="BA-9",
        ntpn="NTPN999999999999",
        bank_code="002",
        reason="communication_failure",
        request="cancel",
        rerecord=None,
        actor=people["ani"],
    )
    assert "tidak ditemukan di data MPN maupun di batch bank" in message
    assert cancelled(engine) == set()


def test_rerecording_without_its_data_is_refused(engine: Engine, people: dict[str, User]) -> None:
    rows = clean(3)
    Day(rows).load(engine, mpn=rows[:2])  # NTPN 3 only in the batch: the bank asks MPN to record it
    for request in ("cancel_rerecord", "record"):
        message = refused(
            engine,
            register_berita_acara,
            number="BA-2",
            ntpn=ntpn(3),
            bank_code="002",
            reason="application_failure",
            request=request,
            rerecord=None,
            actor=people["ani"],
        )
        assert "memerlukan data perekaman ulang" in message
    incomplete = {k: v for k, v in FORM.items() if k != "kap"}
    assert "belum lengkap: kap" in refused(
        engine,
        register_berita_acara,
        number="BA-2",
        ntpn=ntpn(3),
        bank_code="002",
        reason="application_failure",
        request="record",
        rerecord=incomplete,
        actor=people["ani"],
    )
    assert register(engine, people["ani"], number="BA-2", request="record", rerecord=FORM).request == "record"
    assert cancelled(engine) == set()  # recording cancels nothing


def test_other_checks_of_r11(engine: Engine, people: dict[str, User]) -> None:
    rows = clean(3)
    Day(rows).load(engine, mpn=[*rows, rows[1].but(paid_at=None, amount=7)])  # NTPN 2 twice in MPN

    def why(**changes: Any) -> str:
        args: dict[str, Any] = {
            "number": "BA-3",
            "ntpn": ntpn(3),
            "bank_code": "002",
            "reason": "recording_error",
            "request": "cancel",
            "rerecord": None,
            "actor": people["ani"],
            **changes,
        }
        return refused(engine, register_berita_acara, **args)

    assert "lebih dari sekali" in why(ntpn=ntpn(2))
    assert "milik bank 002, bukan 008" in why(bank_code="008")
    assert "Alasan 'late' tidak dikenal" in why(reason="late")
    assert "Permintaan 'delete' tidak dikenal" in why(request="delete")
    assert "tidak memerlukan data perekaman ulang" in why(rerecord=FORM)
    assert "sudah tercatat di MPN" in why(request="record", rerecord=FORM)
    assert "tidak dapat mencatat Berita Acara" in why(actor=people["budi"])
    assert "NTPN/NTB baru" in why(request="cancel_rerecord", rerecord={**FORM, "ntb": "B0000000003"})
    register(engine, people["ani"], number="BA-4")
    assert "sudah dibatalkan sebelumnya" in why()


def test_nota_perbaikan_is_the_path_after_reconciliation_only(engine: Engine, people: dict[str, User]) -> None:
    rows = clean(2)
    Day(rows).load(engine, bank=[rows[0], rows[1].but(amount=1)])

    def note(**changes: Any) -> Any:
        with engine.begin() as conn:
            return record_nota_perbaikan(
                conn,
                **{
                    "number": "NP-1",
                    "bank_code": "002",
                    "business_date": D2,
                    "letter_date": D3,
                    "description": "Koreksi jumlah NTPN 2",
                    "actor": people["ani"],
                    **changes,
                },
            )

    assert "belum direkonsiliasi" in refused(
        engine,
        record_nota_perbaikan,
        number="NP-1",
        bank_code="002",
        business_date=D2,
        letter_date=D3,
        description="x",
        actor=people["ani"],
    )
    reconcile(engine, D2)
    with engine.connect() as conn:
        exc_id = conn.execute(
            text("SELECT exception_id FROM recon_exception WHERE category = 'amount_mismatch'")
        ).scalar_one()
    nota = note(exception_id=exc_id, corrections={"amount": 20_000})
    assert (nota.ntpn, nota.exception_id, nota.corrections, nota.recorded_by) == (
        ntpn(2),
        exc_id,
        {"amount": 20_000},
        "ani",
    )
    assert "sudah tercatat" in refused(
        engine,
        record_nota_perbaikan,
        number="NP-1",
        bank_code="002",
        business_date=D2,
        letter_date=D3,
        description="x",
        actor=people["ani"],
    )
    with engine.connect() as conn:
        assert [n.number for n in exception_detail(conn, exc_id).nota_perbaikan] == ["NP-1"]
    assert audit_actions(engine)[-1] == "nota_perbaikan.record"
