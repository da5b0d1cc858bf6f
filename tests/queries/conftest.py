"""Fixtures shared by the domain-core tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from queries.accounts.users import User
from tests.builders.work import make_people


@pytest.fixture
def people(engine: Engine) -> dict[str, User]:
    """The staff of `make_people` by username; a module's own `people` fixture overrides it."""
    return make_people(engine)
