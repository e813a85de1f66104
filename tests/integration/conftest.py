"""Fixtures for the integration tests that call the domain directly, without a server."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from tortoise import Tortoise

from server.db import migrate, tortoise_config
from tests.backends import Backend, create_backend, drop_backend


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Backend]:
    """A fresh database of this run's backend with no schema yet, dropped afterwards. For a
    test that migrates it itself (to an earlier level, say): such a test opens Tortoise and
    closes it itself too (see `database`)."""
    backend = create_backend(tmp_path)
    yield backend
    drop_backend(backend)


@pytest.fixture
async def database(empty_database: Backend) -> AsyncIterator[None]:
    """A fresh desk per test on the backend HELPDESK_TEST_BACKEND selects (SQLite or
    PostgreSQL), migrated and with Tortoise open on it, so each test sees only its own rows
    in the schema the migrations make on that database.

    Tortoise is opened and closed in this one fixture: it keeps its connections in a context
    variable and pytest-asyncio runs each fixture in a context of its own, so another fixture
    could not close them (and an open SQLite connection keeps pytest from exiting)."""
    await migrate(empty_database.database_url)
    await Tortoise.init(config=tortoise_config(empty_database.database_url))
    try:
        yield
    finally:
        await Tortoise.close_connections()
