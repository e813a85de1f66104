"""A throwaway PostgreSQL database with a realistic help desk in it.

The schema comes from the project's own migrations; the rows are written with COPY through
asyncpg, because creating 100k tickets through the ORM takes minutes and the benchmark is
about reading them.
"""

import argparse
import json
import random
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from tortoise import Tortoise

from domain.enums import (
    AuthorKind,
    CustomerTier,
    EventKind,
    Priority,
    Role,
    TicketSource,
    TicketStatus,
    WaitReason,
)
from server.db import migrate, tortoise_config

ADMIN_USER_ID = 1
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=700)  # tickets spread over about two years, newest near "now"

SUBJECTS = (
    "Cannot log in to {p}", "{p} crashes on start", "Invoice for {p} is wrong",
    "How do I export data from {p}?", "{p}: password reset mail never arrives",
    "Feature request for {p}", "{p} is slow since the last update", "Refund for {p}",
    "Error 500 when saving in {p}", "Licence key for {p} rejected",
)
TEXT = (
    "the customer reports that the screen stays blank after the update and nothing in the "
    "logs explains why; they tried again from another browser and the result was the same"
)
WORDS = TEXT.split()
STATUS_WEIGHTS = (
    (TicketStatus.CLOSED, 50), (TicketStatus.RESOLVED, 20), (TicketStatus.OPEN, 15),
    (TicketStatus.WAITING, 8), (TicketStatus.NEW, 7),
)
SOURCES = [s.value for s in TicketSource]
PRIORITY_WEIGHTS = ((Priority.LOW, 30), (Priority.MEDIUM, 45), (Priority.HIGH, 20),
                    (Priority.URGENT, 5))


@dataclass(frozen=True)
class Shape:
    """How much of everything; the defaults are the foundation issue's 100k tickets."""

    tickets: int = 100_000
    groups: int = 20
    agents: int = 200
    customers: int = 5_000
    products: int = 6
    categories: int = 10
    threaded: float = 0.2  # the fraction of tickets that carry messages and events


def admin_dsn(host: str, port: int) -> str:
    return f"postgres://postgres@{host}:{port}/postgres"


def database_url(host: str, port: int, name: str) -> str:
    return f"postgres://postgres@{host}:{port}/{name}"


async def create_database(host: str, port: int, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn(host, port))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(host: str, port: int, name: str) -> None:
    # FORCE: a server that did not stop cleanly may still hold connections.
    conn = await asyncpg.connect(admin_dsn(host, port))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def database_bench_parser(module: str, doc: str) -> argparse.ArgumentParser:
    """The argument parser of a bench that runs on throwaway_database: its --sqlite option."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    return parser


@asynccontextmanager
async def throwaway_database(*, sqlite: bool, prefix: str) -> AsyncIterator[str]:
    """The URL of a database that is gone afterwards: a temporary SQLite file, or a fresh
    PostgreSQL database on 127.0.0.1:5432, dropped even when the bench fails."""
    if sqlite:
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
            yield f"sqlite://{tmp}/bench.sqlite3"
        return
    name = f"helpdesk_bench_{uuid.uuid4().hex[:8]}"
    await create_database("127.0.0.1", 5432, name)
    try:
        yield database_url("127.0.0.1", 5432, name)
    finally:
        await drop_database("127.0.0.1", 5432, name)


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]], k: int) -> list[Any]:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted], k=k)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


def _people(shape: Shape, now: datetime) -> list[tuple[Any, ...]]:
    users: list[tuple[Any, ...]] = [
        (ADMIN_USER_ID, "admin@bench.test", "Bench Admin", Role.ADMIN.value, True, now)
    ]
    for i in range(shape.agents):
        users.append((i + 2, f"agent{i}@bench.test", f"Agent {i:03d}", Role.AGENT.value, True, now))
    return users


def _memberships(rng: random.Random, shape: Shape, now: datetime) -> list[tuple[Any, ...]]:
    # Every agent in one to three groups, so that visibility filters have real work to do.
    rows: list[tuple[Any, ...]] = []
    for i in range(shape.agents):
        for group_id in rng.sample(range(1, shape.groups + 1), rng.randint(1, 3)):
            rows.append((len(rows) + 1, group_id, i + 2, now))
    return rows


def _customers(rng: random.Random, shape: Shape, now: datetime) -> list[tuple[Any, ...]]:
    tiers = [t.value for t in CustomerTier]
    return [
        (i, f"Customer {i:05d}", f"customer{i}@example.test", f"Org {i % 700:03d}",
         rng.choice(tiers), None, None, None, now)
        for i in range(1, shape.customers + 1)
    ]


def _ticket(
    rng: random.Random, shape: Shape, ticket_id: int, status: TicketStatus, priority: Priority
) -> tuple[Any, ...]:
    # Ids and creation times grow together, with jitter, as they do in production.
    jitter = timedelta(seconds=rng.randint(0, 600))
    created = EPOCH + SPAN * (ticket_id - 1) / shape.tickets + jitter
    updated = created + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
    done = status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    responded = status is not TicketStatus.NEW
    product_id = rng.randint(1, shape.products)
    return (
        ticket_id,
        SUBJECTS[ticket_id % len(SUBJECTS)].format(p=f"Product {product_id}"),
        _text(rng, 40),
        rng.choice(SOURCES),
        status.value,
        WaitReason.CUSTOMER.value if status is TicketStatus.WAITING else None,
        int(priority),
        None,  # idempotency_key
        created,
        updated,
        created + timedelta(minutes=rng.randint(5, 600)) if responded else None,
        updated if done else None,
        updated if status is TicketStatus.CLOSED else None,
        rng.randint(1, 6),  # version
        # 90% assigned: a NEW ticket may still wait in its group's queue.
        rng.randint(2, shape.agents + 1) if rng.random() < 0.9 else None,
        rng.randint(1, shape.categories),
        None,  # created_by: intake by mail or form
        rng.randint(1, shape.customers),
        rng.randint(1, shape.groups),
        product_id,
        None,  # sla_policy
    )


def _tickets(rng: random.Random, shape: Shape) -> list[tuple[Any, ...]]:
    statuses = _pick(rng, STATUS_WEIGHTS, shape.tickets)
    priorities = _pick(rng, PRIORITY_WEIGHTS, shape.tickets)
    return [_ticket(rng, shape, i + 1, statuses[i], priorities[i]) for i in range(shape.tickets)]


def _threads(
    rng: random.Random, shape: Shape, tickets: list[tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    messages: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for ticket in tickets:
        if rng.random() >= shape.threaded:
            continue
        ticket_id, created, assignee = ticket[0], ticket[8], ticket[14]
        events.append((len(events) + 1, EventKind.CREATED.value, None, None, None, None,
                       created, None, ticket_id))
        if assignee is not None:
            events.append((len(events) + 1, EventKind.ASSIGNED.value, json.dumps(None),
                           json.dumps({"assigneeId": assignee}), None, None,
                           created + timedelta(minutes=3), ADMIN_USER_ID, ticket_id))
        for k in range(rng.randint(1, 3)):
            agent = k % 2 == 1 and assignee is not None
            messages.append((
                len(messages) + 1, (AuthorKind.AGENT if agent else AuthorKind.CUSTOMER).value,
                rng.random() < 0.1, rng.choice(SOURCES), _text(rng, 30),
                created + timedelta(hours=k), assignee if agent else None, ticket_id,
            ))
    return messages, events


TABLES: dict[str, tuple[str, ...]] = {
    "users": ("id", "email", "name", "role", "is_active", "created_at"),
    "groups": ("id", "name", "description", "email", "created_at"),
    "group_memberships": ("id", "group_id", "user_id", "created_at"),
    "customers": ("id", "name", "email", "organisation", "tier", "external_id", "phone",
                  "user_id", "created_at"),
    "products": ("id", "name", "product_line", "description", "created_at"),
    "categories": ("id", "name", "description", "default_group_id", "created_at"),
    "tickets": ("id", "subject", "description", "source", "status", "wait_reason", "priority",
                "idempotency_key", "created_at", "updated_at", "first_responded_at",
                "resolved_at", "closed_at", "version", "assignee_id", "category_id",
                "created_by_id", "customer_id", "group_id", "product_id", "sla_policy_id"),
    "messages": ("id", "author_kind", "internal", "channel", "body", "created_at", "author_id",
                 "ticket_id"),
    "ticket_events": ("id", "kind", "before", "after", "note", "dedupe_key", "created_at",
                      "actor_id", "ticket_id"),
}


def build_rows(shape: Shape, seed: int = 7) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, deterministic for a given seed so that runs are comparable."""
    rng = random.Random(seed)
    now = EPOCH + SPAN
    tickets = _tickets(rng, shape)
    messages, events = _threads(rng, shape, tickets)
    return {
        "users": _people(shape, now),
        "groups": [(i, f"Group {i:02d}", "", None, now) for i in range(1, shape.groups + 1)],
        "group_memberships": _memberships(rng, shape, now),
        "customers": _customers(rng, shape, now),
        "products": [(i, f"Product {i}", f"Line {i % 3}", "", now)
                     for i in range(1, shape.products + 1)],
        "categories": [(i, f"Category {i:02d}", "", (i - 1) % shape.groups + 1, now)
                       for i in range(1, shape.categories + 1)],
        "tickets": tickets,
        "messages": messages,
        "ticket_events": events,
    }


async def _copy(conn: asyncpg.Connection, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table(table, records=rows, columns=list(TABLES[table]))
    # Explicit ids bypass the sequences; move them on so that later inserts (the token) work.
    await conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


async def load(url: str, shape: Shape) -> dict[str, int]:
    """Copies the data set in (in foreign-key order) and returns the row counts."""
    rows = build_rows(shape)
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            for table in TABLES:
                await _copy(conn, table, rows[table])
        # Fresh statistics and visibility map, as on a database that has been running a while.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return {table: len(table_rows) for table, table_rows in rows.items()}


async def issue_admin_token(url: str) -> str:
    from domain.models import User
    from domain.services import tokens

    await Tortoise.init(config=tortoise_config(url))
    try:
        return await tokens.issue(user=await User.get(id=ADMIN_USER_ID), name="bench")
    finally:
        await Tortoise.close_connections()


async def prepare(url: str, shape: Shape) -> tuple[dict[str, int], str]:
    """Migrations, data and an ADMIN token: everything the server and the client need."""
    await migrate(url)
    counts = await load(url, shape)
    return counts, await issue_admin_token(url)
