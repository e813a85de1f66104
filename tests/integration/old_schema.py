"""Rows written as an older schema level holds them, for tests that migrate a desk with data.

The models are at the newest level, so they cannot write a row into a table that lacks a
later column: these inserts name only the columns that level has (the NOT NULL ones, whose
defaults tortoise applies in Python, not in the database)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrations

from server.db import migrate, tortoise_config


@asynccontextmanager
async def desk_at_level(url: str, target: str) -> AsyncIterator[None]:
    """The database at `url` migrated (up or down) to `target`, connected for reading and
    writing rows as that level holds them. Connections are closed on the way out, also on failure: an open
    SQLite connection keeps pytest from exiting."""
    try:
        await run_migrations(config=tortoise_config(url), target=target)
        await Tortoise.close_connections()
        await Tortoise.init(config=tortoise_config(url))
        yield
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def upgraded_desk(url: str) -> AsyncIterator[None]:
    """The database at `url` upgraded the way `helpdesk serve` does, connected to read it."""
    try:
        await migrate(url)
        await Tortoise.init(config=tortoise_config(url))
        yield
    finally:
        await Tortoise.close_connections()


async def insert_row(table: str, values: dict[str, Any]) -> int:
    """Inserts one row with exactly these columns; its id."""
    conn = connections.get("default")
    sqlite = conn.capabilities.dialect == "sqlite"
    marks = ", ".join("?" if sqlite else f"${i}" for i in range(1, len(values) + 1))
    columns = ", ".join(f'"{c}"' for c in values)
    await conn.execute_query(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(values.values()))
    _, rows = await conn.execute_query(f'SELECT MAX("id") AS "id" FROM "{table}"')
    return int(rows[0]["id"])


def ticket_at_0002(*, customer_id: int, now: datetime) -> dict[str, Any]:
    """A NEW, MEDIUM, API ticket as levels 0001-0002 store one."""
    return {"subject": "s", "description": "d", "source": "API", "status": "NEW", "priority": 3,
            "created_at": now, "updated_at": now, "version": 1, "customer_id": customer_id}


async def insert_ticket_at_0005(*, customer_id: int, now: datetime) -> int:
    """A NEW, MEDIUM, API ticket as levels 0005-0007 store one; its id."""
    return await insert_row("tickets", {
        **ticket_at_0002(customer_id=customer_id, now=now), "category_confirmed": False,
        "needs_review": False, "priority_origin": "DEFAULT", "triage_state": "SKIPPED", "tags": "[]",
    })
