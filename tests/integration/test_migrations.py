import subprocess
import sys
from datetime import UTC, datetime

import pytest
from tortoise.exceptions import IntegrityError

from domain.enums import (
    AssignmentStrategy,
    Availability,
    EventKind,
    ExampleSource,
    PriorityOrigin,
    TicketSource,
    TriageState,
)
from domain.models import CategoryExample, Customer, Group, Ticket, TicketEvent, User
from tests.backends import Backend
from tests.conftest import REPO
from tests.integration.old_schema import (
    desk_at_level,
    insert_row,
    insert_ticket_at_0005,
    ticket_at_0002,
    upgraded_desk,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_models_and_migrations_agree() -> None:
    result = subprocess.run([sys.executable, "-m", "scripts.check_migrations"], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_an_alert_event_cannot_be_logged_twice_after_migrating(database: None) -> None:
    """The unique (ticket, dedupe_key) index holds on this run's database. On SQLite the table
    rebuilds of earlier migrations had dropped it, and 0007 makes it again."""
    now = NOW
    customer = await Customer.create(email="c@example.com", name="C")
    ticket = await Ticket.create(subject="s", description="d", source=TicketSource.API,
                                 customer=customer, created_at=now, updated_at=now)
    await TicketEvent.create(ticket=ticket, kind=EventKind.SLA_BREACHED, dedupe_key="breach:1",
                             created_at=now)
    with pytest.raises(IntegrityError):
        await TicketEvent.create(ticket=ticket, kind=EventKind.SLA_BREACHED, dedupe_key="breach:1",
                                 created_at=now)
    await TicketEvent.create(ticket=ticket, kind=EventKind.NOTE_ADDED, created_at=now)
    await TicketEvent.create(ticket=ticket, kind=EventKind.NOTE_ADDED, created_at=now)  # no key: no limit
    assert await TicketEvent.filter(ticket=ticket).count() == 3


async def test_0007_keeps_the_first_of_alerts_logged_twice_and_every_other_event(
    empty_database: Backend,
) -> None:
    """SQLite desks ran without the unique index from 0003 to 0006, so an alert may have been
    logged twice: 0007 keeps the first and touches no other event. (PostgreSQL kept the
    index, so there the duplicate cannot be written and nothing is removed.)"""
    url = empty_database.database_url
    sqlite = url.startswith("sqlite")
    async with desk_at_level(url, "models.0006_knowledge"):
        customer = await Customer.create(email="c@example.com", name="C")
        ticket_id = await insert_ticket_at_0005(customer_id=customer.id, now=NOW)
        first = await TicketEvent.create(ticket_id=ticket_id, kind=EventKind.SLA_BREACHED, dedupe_key="breach:1",
                                         created_at=NOW)
        if sqlite:
            await TicketEvent.create(ticket_id=ticket_id, kind=EventKind.SLA_BREACHED, dedupe_key="breach:1",
                                     created_at=NOW)
        other = await TicketEvent.create(ticket_id=ticket_id, kind=EventKind.SLA_NEAR_BREACH,
                                         dedupe_key="near:75", created_at=NOW)
        notes = [await TicketEvent.create(ticket_id=ticket_id, kind=EventKind.NOTE_ADDED, created_at=NOW)
                 for _ in range(2)]
        assert await TicketEvent.filter(ticket_id=ticket_id).count() == (5 if sqlite else 4)

    async with upgraded_desk(url):
        kept = await TicketEvent.filter(ticket_id=ticket_id).order_by("id").values_list("id", flat=True)
        assert kept == [first.id, other.id, *(n.id for n in notes)]


async def test_0008_upgrades_a_desk_that_holds_tickets(empty_database: Backend) -> None:
    """The dispatch mark's columns are added to a tickets table with rows in it: the flag
    is NOT NULL, so the database itself must fill it in (tortoise's defaults are Python's)."""
    url = empty_database.database_url
    async with desk_at_level(url, "models.0007_indexes"):
        customer = await Customer.create(email="c@example.com", name="C")
        ticket_id = await insert_ticket_at_0005(customer_id=customer.id, now=NOW)

    async with upgraded_desk(url):
        ticket = await Ticket.get(id=ticket_id)
        assert ticket.dispatch_pending_since is None and ticket.dispatch_reroute is False
        assert ticket.subject == "s" and ticket.customer_id == customer.id


async def test_a_desk_with_data_at_0002_upgrades_to_the_newest_level(empty_database: Backend) -> None:
    """0003 and 0004 add NOT NULL columns to users, groups, tickets and category examples:
    the database fills the rows already there with each field's default."""
    url = empty_database.database_url
    async with desk_at_level(url, "models.0002_event_assignees"):
        user_id = await insert_row("users", {"email": "a@desk.test", "name": "A", "role": "AGENT",
                                             "is_active": True, "created_at": NOW})
        group_id = await insert_row("groups", {"name": "Ops", "description": "", "created_at": NOW})
        customer_id = await insert_row("customers", {"name": "C", "email": "c@example.com",
                                                     "tier": "STANDARD", "created_at": NOW})
        category_id = await insert_row("categories", {"name": "Billing", "description": "", "created_at": NOW})
        example_id = await insert_row("category_examples", {"text": "refund please", "created_at": NOW,
                                                            "category_id": category_id})
        ticket_id = await insert_row("tickets", ticket_at_0002(customer_id=customer_id, now=NOW))

    async with upgraded_desk(url):
        user = await User.get(id=user_id)
        assert (user.availability, user.capacity, user.skills) == (Availability.OFFLINE, 10, [])
        group = await Group.get(id=group_id)
        assert (group.assignment_strategy, group.is_default) == (AssignmentStrategy.MANUAL, False)
        assert (await CategoryExample.get(id=example_id)).source is ExampleSource.SEED
        ticket = await Ticket.get(id=ticket_id)
        assert (ticket.triage_state, ticket.priority_origin, ticket.tags) == (
            TriageState.SKIPPED, PriorityOrigin.DEFAULT, [])
        assert not ticket.needs_review and not ticket.category_confirmed and not ticket.dispatch_reroute
