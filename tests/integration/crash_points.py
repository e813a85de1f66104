"""A desk with an on-call group, and a process that dies right after a change commits, for
the tests that show dispatch and paging finish what a dead process left undone."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.enums import Priority, Role
from domain.events import NullPublisher
from domain.models import Category, Group, OnCallSchedule, Ticket, User
from domain.rules.access import Actor
from domain.services import dispatch, tickets

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LATER = NOW + dispatch.RESUME_GRACE + timedelta(seconds=1)


@contextmanager
def process_dies_after_commit() -> Iterator[None]:
    """Within it, dispatch does nothing at all, as if the process died right after commit."""
    real = dispatch.dispatch

    async def died(**_: Any) -> None:
        return None

    dispatch.dispatch = died  # type: ignore[assignment]
    try:
        yield
    finally:
        dispatch.dispatch = real  # type: ignore[assignment]


@contextmanager
def nothing_runs_after_commit() -> Iterator[None]:
    """Within it, neither dispatch nor paging runs after a change commits."""
    from domain.services import paging

    async def died(**_: Any) -> None:
        return None

    real = paging.start, paging.advance
    paging.start = paging.advance = died  # type: ignore[assignment]
    try:
        with process_dies_after_commit():
            yield
    finally:
        paging.start, paging.advance = real  # type: ignore[assignment]


async def on_call_group() -> tuple[Group, User]:
    group = await Group.create(name="Ops", is_default=True)
    person = await User.create(email="oncall@desk.test", name="On Call", role=Role.AGENT)
    await OnCallSchedule.create(group=group, participants=[person.id], starts_at=NOW - timedelta(days=1))
    return group, person


async def admin() -> Actor:
    user = await User.create(email="admin@desk.test", name="Admin", role=Role.ADMIN)
    return Actor(user_id=user.id, role=Role.ADMIN)


async def create_urgent(actor: Actor) -> Ticket:
    return await tickets.create(
        actor=actor,
        data=tickets.NewTicket(subject="Checkout down", description="Every payment fails",
                               customer_email="c@example.com", priority=Priority.URGENT),
        now=NOW, publisher=NullPublisher(), classify=False,
    )


async def corrected_while_dying(actor: Actor) -> tuple[Ticket, Group]:
    """A MEDIUM ticket in the default group, corrected to a category whose default group is
    Billing, with the correction's reroute cut short; the ticket and Billing."""
    billing = await Group.create(name="Billing")
    invoices = await Category.create(name="Invoices", default_group=billing)
    ticket = await tickets.create(
        actor=actor,
        data=tickets.NewTicket(subject="Invoice wrong", description="Charged twice",
                               customer_email="c@example.com"),
        now=NOW, publisher=NullPublisher(), classify=False,
    )
    with process_dies_after_commit():
        await tickets.set_category(actor=actor, ticket_id=ticket.id, category_id=invoices.id,
                                   expected_version=None, now=NOW, publisher=NullPublisher())
    return ticket, billing
