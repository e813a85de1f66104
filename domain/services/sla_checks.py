"""The SLA timer use cases: re-check one ticket when its next threshold or due time comes,
sweep for any moment a timer missed, and recompute open tickets after a policy edit."""

import asyncio
import time
from datetime import datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from domain.enums import Priority, TicketStatus
from domain.events import Publisher
from domain.models import SlaPolicy, Ticket
from domain.services import sla
from domain.services.ticket_changes import activity_of, after_commit

SWEEP_BATCH = 500
SWEEP_CONCURRENCY = 8
ACTIVE = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING]

# Out-of-the-box targets so that every ticket has an SLA from the first start (24/7; edit
# them, add business calendars and more specific policies through the API).
DEFAULT_POLICIES = (
    ("Urgent", Priority.URGENT, 3600, 4 * 3600),
    ("High", Priority.HIGH, 4 * 3600, 24 * 3600),
    ("Medium", Priority.MEDIUM, 8 * 3600, 72 * 3600),
    ("Low", Priority.LOW, 24 * 3600, 120 * 3600),
)


async def ensure_default_policies() -> int:
    """Creates the default policies on an empty table; returns how many it created."""
    if await SlaPolicy.exists():
        return 0
    for name, priority, first, resolution in DEFAULT_POLICIES:
        await SlaPolicy.create(
            name=name,
            priority=priority,
            first_response_seconds=first,
            resolution_seconds=resolution,
            warn_at_percent=[75, 90],
            pause_reasons=None,
            conditions={},
            position=100,
        )
    return len(DEFAULT_POLICIES)


async def check(
    *, ticket_id: int, now: datetime, publisher: Publisher, book: sla.PolicyBook | None = None
) -> None:
    """Idempotent: runs any number of times; each alert is written once (row lock + unique key)."""
    async with in_transaction():
        ticket = await Ticket.filter(id=ticket_id).select_for_update().first()
        if ticket is None or not _moment_has_come(ticket.sla_next_alert_at, now):
            # A timer for a moment that has since moved (a pause, a priority change, a reply)
            # or gone: the ticket's current moment has its own timer. Most timers end here.
            return
        rows = await sla.refresh(ticket=ticket, book=book, now=now)
        activities = [activity_of(row, ticket, ticket.assignee_id) for row in rows]
    await after_commit(ticket=ticket, activities=activities, publisher=publisher)


# Clocks of different processes differ a little: a timer that fires this much before the
# stored moment still counts as due rather than being dropped.
CLOCK_SLACK = timedelta(seconds=1)


def _moment_has_come(next_alert_at: datetime | None, now: datetime) -> bool:
    return next_alert_at is not None and next_alert_at <= now + CLOCK_SLACK


async def sweep(
    *, now: datetime, publisher: Publisher, limit: int = SWEEP_BATCH, budget_seconds: float = 4.0
) -> int:
    """Checks every ticket whose next SLA moment has passed (a lost or late timer, or a policy
    edit); the index on sla_next_alert_at keeps finding them cheap however many tickets are
    open. Works in batches until none is left or the time budget is spent."""
    started = time.monotonic()
    book: sla.PolicyBook | None = None
    checked = 0
    while True:
        due = cast(
            list[int],
            await Ticket.filter(sla_next_alert_at__lte=now)
            .order_by("sla_next_alert_at")
            .limit(limit)
            .values_list("id", flat=True),
        )
        if not due:
            return checked
        book = book or await sla.load_policy_book()
        await _check_all(due, now=now, publisher=publisher, book=book)
        checked += len(due)
        if len(due) < limit or time.monotonic() - started > budget_seconds:
            return checked


async def _check_all(
    ticket_ids: list[int], *, now: datetime, publisher: Publisher, book: sla.PolicyBook
) -> None:
    """A few checks at a time: each is a short transaction on its own ticket row, so they do
    not contend, and the database round trips overlap instead of queueing."""
    gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

    async def one(ticket_id: int) -> None:
        async with gate:
            await check(ticket_id=ticket_id, now=now, publisher=publisher, book=book)

    await asyncio.gather(*(one(t) for t in ticket_ids))
