"""Tugas saya: each kind of work appears for the user whose turn it is (and nobody else) and leaves when done; bulk
acts decide each item on its own, skip an item that changed since the list was shown and name the refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from queries.accounts.approvals import request_approval
from queries.accounts.audit import Actor
from queries.accounts.users import User, add_user, system_user
from queries.distribution import prepare as dist
from queries.letters import appeals as al
from queries.reconciliation.adjust import approve_adjustment, request_adjustment
from queries.reconciliation.exception_detail import exception_detail
from queries.reconciliation.work import approve_resolution, assign, request_resolution
from queries.tasks.acts import Seen, TaskRefused, decide_many, mark_handled
from queries.tasks.waiting import Task, counts, task_count, tasks_for
from tests.builders.distribution import day_with_every_case
from tests.builders.reconciliation import D1, D2, D3, Day, clean, ntpn, wib
from tests.builders.work import amount_mismatch, exception_id, make_people, missing_in_bank

SYSTEM = Actor.system("test")


@pytest.fixture
def people(engine: Engine) -> dict[str, User]:
    staff = make_people(engine)
    with engine.begin() as conn:
        for name, role in (("tina", "tu"), ("sari", "kasi")):
            staff[name] = add_user(conn, username=name, role=role, password="demo", actor=SYSTEM, policy=False)
    return staff


def run(engine: Engine, call: Callable[..., object], /, *args: object, **kwargs: object) -> object:
    with engine.begin() as conn:
        return call(conn, *args, **kwargs)


def tasks(engine: Engine, user: User) -> list[Task]:
    with engine.connect() as conn:
        return tasks_for(conn, user)


def keys(engine: Engine, user: User) -> list[str]:
    return [t.key for t in tasks(engine, user)]


def who_sees(engine: Engine, people: dict[str, User], key: str) -> list[str]:
    return sorted(name for name, user in people.items() if key in keys(engine, user))


def requested_round(engine: Engine, people: dict[str, User], maker: User | None = None) -> dist.Distribution:
    day_with_every_case(engine)
    with engine.begin() as conn:
        d = dist.prepare(conn, D2, actor=SYSTEM)
        dist.request(conn, D2, actor=maker or people["ani"])
    return d


def test_a_distribution_round_waits_for_the_kasi_then_the_kasubdit_and_leaves_when_approved(
    engine: Engine, people: dict[str, User]
) -> None:
    d = requested_round(engine, people)
    key = f"distribution:{d.distribution_id}"
    assert who_sees(engine, people, key) == ["budi", "sari"]  # both kasi; not the maker, the kasubdit or others
    task = next(t for t in tasks(engine, people["budi"]) if t.key == key)
    assert (task.kind_title, task.business_date, task.amount, task.rows) == (
        "Persetujuan distribusi",
        D2,
        d.amount,
        d.row_count,
    )
    assert task.link == "/distribusi?tanggal=2026-11-20"
    assert task.deadline == datetime(2026, 11, 23, 17, 0, tzinfo=task.deadline.tzinfo)  # statement due Monday
    run(engine, dist.approve, D2, actor=people["budi"])
    assert who_sees(engine, people, key) == ["dedi"]
    step2 = next(t for t in tasks(engine, people["dedi"]) if t.key == key)
    assert step2.waiting_since > task.waiting_since  # since the kasi's decision
    run(engine, dist.approve, D2, actor=people["dedi"])
    assert who_sees(engine, people, key) == []


def test_a_round_the_system_asked_for_is_in_the_kasis_list(engine: Engine, people: dict[str, User]) -> None:
    with engine.connect() as conn:
        system = system_user(conn)
    d = requested_round(engine, people, maker=system)
    assert who_sees(engine, people, f"distribution:{d.distribution_id}") == ["budi", "sari"]


def test_an_exception_resolution_waits_for_a_kasi_and_leaves_once_approved(
    engine: Engine, people: dict[str, User]
) -> None:
    exc_id = missing_in_bank(engine)
    run(engine, request_resolution, exc_id, cause="late_file", note="Batch menyusul", actor=people["ani"])
    key = f"exception_resolution:{exc_id}"
    assert who_sees(engine, people, key) == ["budi", "sari"]
    task = next(t for t in tasks(engine, people["sari"]) if t.key == key)
    assert (task.business_date, task.bank_code, task.amount) == (D2, "002", 30_000)
    assert task.link == ("/rekonsiliasi?tanggal=2026-11-20&bank=002&status=menunggu&ntpn=NTPN000000000003")
    run(engine, approve_resolution, exc_id, actor=people["budi"])
    assert who_sees(engine, people, key) == []


def test_an_adjustment_waits_for_a_kasi_and_leaves_once_approved(engine: Engine, people: dict[str, User]) -> None:
    exc_id = amount_mismatch(engine)
    with engine.connect() as conn:
        ref = exception_detail(conn, exc_id).bank[0].ref
    run(
        engine,
        request_adjustment,
        exc_id,
        kind="correction",
        side="bank",
        record_ref=ref,
        changes={"amount": 20_000},
        cause="bank_keying_error",
        note="Koreksi jumlah",
        actor=people["ani"],
        effective_date=D3,
    )
    key = f"exception_adjustment:{exc_id}"
    assert who_sees(engine, people, key) == ["budi", "sari"]
    run(engine, approve_adjustment, exc_id, actor=people["sari"])
    assert who_sees(engine, people, key) == []


def test_an_appeal_letter_goes_from_the_kasi_to_the_kasubdit_to_tu_and_back_to_the_pelaksana_when_returned(
    engine: Engine, people: dict[str, User]
) -> None:
    Day(clean(2, day=D1) + clean(2, start=10)).load(engine, letters=False)
    letter_id = run(engine, al.propose_drafts, D2)[0].letter_id  # type: ignore[index]
    assert who_sees(engine, people, f"letter_initial:{letter_id}") == ["budi", "sari"]
    task = next(t for t in tasks(engine, people["budi"]) if t.kind == "letter_initial")
    assert (task.link, task.rows, task.bank_code, task.business_date) == (
        f"/surat-himbauan?surat={letter_id}",
        2,
        "002",
        D2,
    )
    run(engine, al.initial, letter_id, actor=people["budi"])
    assert who_sees(engine, people, f"letter_initial:{letter_id}") == []
    assert who_sees(engine, people, f"letter_sign:{letter_id}") == ["dedi"]
    run(engine, al.return_letter, letter_id, actor=people["dedi"], note="Alamat kurang lengkap")
    assert who_sees(engine, people, f"letter_revise:{letter_id}") == ["ani"]
    letter_ = run(engine, al.appeal_letter, letter_id)
    run(
        engine,
        al.revise,
        letter_id,
        actor=people["ani"],
        dates=letter_.business_dates,  # type: ignore[attr-defined]
        addressee="Pemimpin Kantor Pusat\nBank Rakyat Indonesia\nJakarta",
    )
    assert who_sees(engine, people, f"letter_revise:{letter_id}") == []
    run(engine, al.initial, letter_id, actor=people["sari"])
    run(engine, al.sign, letter_id, actor=people["dedi"])
    assert who_sees(engine, people, f"letter_send:{letter_id}") == ["tina"]
    run(engine, al.send, letter_id, actor=people["tina"], agenda_number="AG-1")
    assert [k for k in keys(engine, people["tina"]) if k.startswith("letter_")] == []


def test_an_assigned_exception_is_in_the_assignees_list_until_it_is_closed(
    engine: Engine, people: dict[str, User]
) -> None:
    exc_id = missing_in_bank(engine)
    key = f"exception_assigned:{exc_id}"
    assert who_sees(engine, people, key) == []
    run(engine, assign, exc_id, assignee="ani", actor=people["budi"])
    assert who_sees(engine, people, key) == ["ani"]
    task = next(t for t in tasks(engine, people["ani"]) if t.key == key)
    assert task.link.endswith("status=belum&ntpn=NTPN000000000003") and task.kind_title.startswith("Selisih")
    run(engine, assign, exc_id, assignee="putu", actor=people["budi"])
    assert who_sees(engine, people, key) == ["putu"]
    run(engine, request_resolution, exc_id, cause="late_file", note="Batch menyusul", actor=people["putu"])
    run(engine, approve_resolution, exc_id, actor=people["budi"])
    assert who_sees(engine, people, key) == []


def rejected_file(engine: Engine, name: str, kind: str, *, status: str = "rejected", hour: int = 16) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                text("""
            INSERT INTO import_file (kind, file_name, sha256, size_bytes, received_at, started_at, status,
                                     error_count, report)
            VALUES (:kind, :name, md5(:name || :status || :hour), 100, :at, :at, :status, 1, 'baris 2: salah')
            RETURNING import_id"""),
                {"kind": kind, "name": name, "status": status, "hour": hour, "at": wib(D2, hour)},
            ).scalar_one()
        )


def test_rejected_files_wait_for_their_roles_until_sent_again_or_marked_handled(
    engine: Engine, people: dict[str, User]
) -> None:
    mpn = rejected_file(engine, "mpn-20261120.csv", "mpn")
    bank = rejected_file(engine, "bank-009-20261120.csv", "bank")
    letters = rejected_file(engine, "surat-20261120.csv", "statements")
    assert who_sees(engine, people, f"file_rejected:{mpn}") == ["putu"]
    assert who_sees(engine, people, f"file_rejected:{bank}") == ["ani", "putu"]
    assert who_sees(engine, people, f"file_rejected:{letters}") == ["ani"]
    task = next(t for t in tasks(engine, people["ani"]) if t.key == f"file_rejected:{letters}")
    assert (task.business_date, task.link) == (D2, "/data-masuk?tanggal=2026-11-20")
    rejected_file(engine, "bank-009-20261120.csv", "bank", status="imported", hour=17)  # sent again, accepted
    assert who_sees(engine, people, f"file_rejected:{bank}") == []
    with pytest.raises(TaskRefused, match="tidak menangani berkas ini"):
        run(engine, mark_handled, letters, actor=people["putu"])
    run(engine, mark_handled, letters, actor=people["ani"], note="Bank mengirim ulang lewat e-mail")
    assert who_sees(engine, people, f"file_rejected:{letters}") == []
    with pytest.raises(TaskRefused, match="sudah ditandai ditangani oleh ani"):
        run(engine, mark_handled, letters, actor=people["ani"])


def test_an_approval_of_another_kind_is_listed_with_its_date(engine: Engine, people: dict[str, User]) -> None:
    run(
        engine,
        request_approval,
        kind="report_signoff",
        object_key="2026-11-20",
        steps=("kasubdit",),
        actor=people["budi"],
        summary={"business_date": "2026-11-20", "subject": "Laporan harian 20/11/2026"},
    )
    found = [t for t in tasks(engine, people["dedi"]) if t.kind == "approval"]
    assert [(t.title, t.business_date, t.kind_title) for t in found] == [
        ("Laporan harian 20/11/2026", D2, "Persetujuan lainnya")
    ]


def test_counts_and_the_badge_number_follow_the_list(engine: Engine, people: dict[str, User]) -> None:
    requested_round(engine, people)
    exc_id = exception_id(engine, ntpn(32), "missing_in_bank")  # BTN's open exception on that day
    run(engine, request_resolution, exc_id, cause="late_file", note="Batch menyusul", actor=people["ani"])
    with engine.connect() as conn:
        assert counts(tasks_for(conn, people["budi"])) == {"distribution": 1, "exception_resolution": 1}
        assert task_count(conn, people["budi"]) == 2
        assert task_count(conn, people["maya"]) == 0  # management has no tasks


def seen(task: Task) -> Seen:
    return Seen(task.key, task.token, task.name)


def test_bulk_approval_skips_a_round_that_changed_after_it_was_shown_and_approves_the_rest(
    engine: Engine, people: dict[str, User]
) -> None:
    requested_round(engine, people)
    exc_id = exception_id(engine, ntpn(32), "missing_in_bank")  # BTN's open exception on that day
    run(engine, request_resolution, exc_id, cause="late_file", note="Batch menyusul", actor=people["ani"])
    shown = tasks(engine, people["budi"])
    assert {t.kind for t in shown} == {"distribution", "exception_resolution"}
    # Between listing and approving, the round is prepared again with other content and asked for again.
    with engine.begin() as conn:
        changed = dist.prepare(conn, D2, actor=SYSTEM, chunk=1)
        dist.request(conn, D2, actor=people["ani"])
    round_name = next(t.name for t in shown if t.kind == "distribution")
    outcome = run(engine, decide_many, actor=people["budi"], act="setujui", seen=[seen(t) for t in shown])
    assert outcome.skipped == (round_name,)  # type: ignore[attr-defined]
    assert len(outcome.done) == 1 and outcome.refused == ()  # type: ignore[attr-defined]
    message = outcome.message()  # type: ignore[attr-defined]
    assert f"Dilewati: {round_name} berubah sejak ditampilkan" in message and message.startswith("Disetujui 1 butir")
    with engine.connect() as conn:
        waiting = dist.pending(conn, D2)
        status = conn.execute(
            text("SELECT status FROM recon_exception WHERE exception_id = :i"), {"i": exc_id}
        ).scalar_one()
    assert waiting is not None and waiting[1].status == "pending" and waiting[1].decisions == ()
    assert waiting[0].content_hash == changed.content_hash and status == "resolved"
    # Shown again, the changed round is approved like any other.
    fresh = [t for t in tasks(engine, people["budi"]) if t.kind == "distribution"]
    again = run(engine, decide_many, actor=people["budi"], act="setujui", seen=[seen(t) for t in fresh])
    assert len(again.done) == 1  # type: ignore[attr-defined]
    assert [t.kind for t in tasks(engine, people["dedi"])] == ["distribution"]


def test_bulk_names_an_item_someone_else_decided_meanwhile_and_refuses_what_the_role_may_not_do(
    engine: Engine, people: dict[str, User]
) -> None:
    Day(clean(2, day=D1) + clean(2, start=10, bank_code="008")).load(engine, letters=False)
    drafts = run(engine, al.propose_drafts, D2)
    shown = [t for t in tasks(engine, people["budi"]) if t.kind == "letter_initial"]
    assert len(shown) == len(drafts) == 2  # type: ignore[arg-type]
    run(engine, al.initial, int(shown[0].object_key), actor=people["sari"])  # the other kasi was quicker
    outcome = run(engine, decide_many, actor=people["budi"], act="paraf", seen=[seen(t) for t in shown])
    assert outcome.done == (shown[1].name,)  # type: ignore[attr-defined]
    ((name, why),) = outcome.refused  # type: ignore[attr-defined]
    assert name == shown[0].name and "sudah diparaf oleh sari" in why
    with pytest.raises(TaskRefused, match="tidak dapat melakukan 'Paraf terpilih'"):
        run(engine, decide_many, actor=people["dedi"], act="paraf", seen=[seen(t) for t in shown])
    signing = tasks(engine, people["dedi"])
    assert [t.kind for t in signing] == ["letter_sign", "letter_sign"]
    signed = run(engine, decide_many, actor=people["dedi"], act="setujui", seen=[seen(t) for t in signing])
    assert len(signed.done) == 2 and [t.kind for t in tasks(engine, people["tina"])] == ["letter_send"] * 2  # type: ignore[attr-defined]
