"""Rows written as an older schema level holds them, for tests that migrate a desk with data.

The models are at the newest level, so they cannot write a row into a table that lacks a
later column: these inserts name only the columns that level has."""

from datetime import datetime

from tortoise import connections

# The columns a ticket row must fill at levels 0005_intake to 0007_indexes (NOT NULL ones,
# whose defaults tortoise applies in Python, not in the database).
_TICKET_AT_0005 = ("subject", "description", "source", "status", "priority", "created_at", "updated_at",
                   "version", "customer_id", "category_confirmed", "needs_review", "priority_origin",
                   "triage_state", "tags")


async def insert_ticket_at_0005(*, customer_id: int, now: datetime) -> int:
    """A NEW, MEDIUM, API ticket for the customer, as levels 0005-0007 store one; its id."""
    conn = connections.get("default")
    sqlite = conn.capabilities.dialect == "sqlite"
    values = ("s", "d", "API", "NEW", 3, now, now, 1, customer_id, False, False, "DEFAULT", "SKIPPED", "[]")
    marks = ", ".join("?" if sqlite else f"${i}" for i in range(1, len(values) + 1))
    columns = ", ".join(f'"{c}"' for c in _TICKET_AT_0005)
    await conn.execute_query(f'INSERT INTO "tickets" ({columns}) VALUES ({marks})', list(values))
    _, rows = await conn.execute_query('SELECT MAX("id") AS "id" FROM "tickets"')
    return int(rows[0]["id"])
