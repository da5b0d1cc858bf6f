"""Who may act on a distribution: every command refuses a role without its action (`queries.permissions`) by
itself, on the database, whatever page or command line asked; `acts_for` names the buttons a role sees per state."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from queries.accounts.users import User
from queries.distribution import prepare as dist
from queries.distribution.prepare import DistributionRefused
from queries.distribution.read import mark_for_redistribution
from tests.builders.distribution import day_with_every_case, prepared
from tests.builders.reconciliation import D2

ROUND_ACTS = {"prepare", "request", "approve", "reject"}


def refusal(engine: Engine, command: object, user: User, **kwargs: object) -> str:
    with pytest.raises(DistributionRefused) as info, engine.begin() as conn:
        command(conn, D2, actor=user, **kwargs)  # type: ignore[operator]
    return info.value.message


def counts(engine: Engine) -> tuple[int, int, int]:
    """Rounds, approval requests and batches sent back to `approved`: what a refused act must not have written."""
    with engine.connect() as conn:
        row = conn.execute(
            text("""
            SELECT (SELECT count(*) FROM distribution), (SELECT count(*) FROM approval_request),
                   (SELECT count(*) FROM dist_batch WHERE state = 'approved')""")
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def approve(engine: Engine, people: dict[str, User]) -> None:  # noqa: F811
    """The pelaksana asks, the kasi and the kasubdit approve: the round is frozen for delivery."""
    with engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
        dist.approve(conn, D2, actor=people["budi"])
        dist.approve(conn, D2, actor=people["dedi"])


def test_each_command_refuses_a_role_without_its_action(engine: Engine, people: dict[str, User]) -> None:  # noqa: F811
    day_with_every_case(engine)
    assert refusal(engine, dist.prepare, people["budi"]) == (
        "Peran Anda (Kepala Seksi) tidak berwenang menyiapkan distribusi; yang berwenang: Pelaksana, "
        "Petugas Sistem MPN."
    )
    assert refusal(engine, dist.prepare, people["maya"]).startswith("Peran Anda (Manajemen) tidak berwenang")
    assert counts(engine) == (0, 0, 0)
    with engine.begin() as conn:
        made = dist.prepare(conn, D2, actor=people["putu"])  # a petugas MPN prepares, as the page's user
    assert made.prepared_by == "putu"
    assert refusal(engine, dist.request, people["putu"]) == (
        "Peran Anda (Petugas Sistem MPN) tidak dapat mengajukan persetujuan distribusi; yang berwenang: Pelaksana."
    )
    with engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
    assert refusal(engine, dist.approve, people["ani"]) == (
        "Peran Anda (Pelaksana) tidak berwenang menyetujui distribusi; yang berwenang: Kepala Seksi, "
        "Kepala Subdirektorat."
    )
    assert "tidak berwenang mengembalikan" in refusal(engine, dist.reject, people["putu"], note="x")
    with engine.connect() as conn:
        waiting = dist.pending(conn, D2)
    assert waiting is not None and waiting[1].status == "pending" and not waiting[1].decisions


def test_redistribution_is_refused_to_a_role_without_it(engine: Engine, people: dict[str, User]) -> None:  # noqa: F811
    day_with_every_case(engine)
    prepared(engine)
    approve(engine, people)
    with engine.begin() as conn:
        conn.execute(text("UPDATE dist_batch SET state = 'failed'"))
    for name in ("budi", "dedi"):
        assert refusal(engine, mark_for_redistribution, people[name], batches=None).endswith(
            "tidak berwenang mendistribusikan ulang; yang berwenang: Pelaksana, Petugas Sistem MPN."
        )
    assert counts(engine)[2] == 0
    with engine.begin() as conn:
        reset = mark_for_redistribution(conn, D2, None, actor=people["putu"])
    assert len(reset) == 4 and counts(engine)[2] == 4  # two KPPs at two targets


def test_the_role_as_stored_now_decides_not_the_one_at_login(engine: Engine, people: dict[str, User]) -> None:  # noqa: F811
    day_with_every_case(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE app_user SET role = 'kasi' WHERE username = 'ani'"))
    assert "(Kepala Seksi) tidak berwenang menyiapkan" in refusal(engine, dist.prepare, people["ani"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE app_user SET role = 'pelaksana', active = false WHERE username = 'ani'"))
    assert refusal(engine, dist.prepare, people["ani"]) == "Akun Anda tidak aktif; hubungi administrator."
    assert counts(engine) == (0, 0, 0)


def acts(engine: Engine, people: dict[str, User]) -> dict[str, set[str]]:  # noqa: F811
    """What `acts_for` gives each role on the date's latest round and its latest request, as the page reads them."""
    with engine.connect() as conn:
        rounds = dist.distributions(conn, D2)
        latest = rounds[-1] if rounds else None
        found = dist.pending(conn, D2)
    approval = found[1] if found else None
    return {name: set(dist.acts_for(user, latest, approval)) for name, user in people.items()}


def test_acts_for_follows_role_and_state(engine: Engine, people: dict[str, User]) -> None:  # noqa: F811
    day_with_every_case(engine)
    assert dist.acts_for(None, None, None) == frozenset()
    makers = {"prepare", "redistribute"}
    assert acts(engine, people) == {"ani": makers, "putu": makers, "budi": set(), "dedi": set(), "maya": set()}
    prepared(engine)
    assert acts(engine, people) == {
        "ani": makers | {"request"},
        "putu": makers,
        "budi": set(),
        "dedi": set(),
        "maya": set(),
    }
    with engine.begin() as conn:
        dist.request(conn, D2, actor=people["ani"])
    assert acts(engine, people) == {
        "ani": makers,
        "putu": makers,
        "budi": {"approve", "reject"},
        "dedi": set(),
        "maya": set(),
    }
    with engine.begin() as conn:
        dist.approve(conn, D2, actor=people["budi"])
    assert acts(engine, people)["budi"] == set() and acts(engine, people)["dedi"] == {"approve", "reject"}
    with engine.begin() as conn:
        dist.reject(conn, D2, actor=people["dedi"], note="cek ulang")
    assert acts(engine, people)["ani"] == makers | {"request"} and acts(engine, people)["dedi"] == set()
    approve(engine, people)
    assert {name: found & ROUND_ACTS for name, found in acts(engine, people).items()} == {
        "ani": {"prepare"},
        "putu": {"prepare"},
        "budi": set(),
        "dedi": set(),
        "maya": set(),
    }
