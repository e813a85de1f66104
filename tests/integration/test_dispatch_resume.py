"""Dispatch runs after the change that calls for it has committed. A process that dies in
between (or a dispatch that fails) must not leave an urgent ticket unrouted and nobody paged:
the change marks the ticket in its own transaction, and the dispatch sweep finishes the job."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from domain.enums import AssignmentStrategy, Availability, EventKind, Priority, Role, TriageState
from domain.events import NullPublisher
from domain.models import Group, GroupMembership, Page, Ticket, TicketEvent, User
from domain.services import dispatch, escalation, paging, tickets
from tests.integration.crash_points import (
    LATER,
    NOW,
    admin,
    corrected_while_dying,
    create_urgent,
    on_call_group,
    process_dies_after_commit,
)
from workers.jobs import dispatch_due


async def test_an_urgent_ticket_whose_dispatch_died_is_routed_and_paged_by_the_sweep(database: None) -> None:
    group, person = await on_call_group()
    actor = await admin()
    with process_dies_after_commit():
        ticket = await create_urgent(actor)

    stored = await Ticket.get(id=ticket.id)
    assert stored.group_id is None and stored.dispatch_pending_since == NOW
    assert not await Page.exists(ticket_id=ticket.id)

    # Within the grace the first process may still be dispatching: the sweep leaves it.
    assert await dispatch.resume_pending(now=NOW + timedelta(seconds=5), publisher=NullPublisher()) == 0
    assert await dispatch_due(now=LATER, publisher=NullPublisher()) >= 1

    stored = await Ticket.get(id=ticket.id)
    assert stored.group_id == group.id
    assert stored.dispatch_pending_since is None
    page = await Page.get(ticket_id=ticket.id)
    assert [user_id for user_id, _at in page.notified] == [person.id]
    # Done is done: the next sweeps find nothing to resume and open no second page.
    assert await dispatch.resume_pending(now=LATER + timedelta(minutes=5), publisher=NullPublisher()) == 0
    assert await Page.filter(ticket_id=ticket.id).count() == 1


async def test_a_dispatch_cut_short_after_paging_does_not_page_again_when_resumed(database: None) -> None:
    """The page went out, then the process died before clearing the mark; meanwhile the
    on-call person acknowledged. Resuming must not open a new page for the same call."""
    _group, _person = await on_call_group()
    ticket = await create_urgent(await admin())
    page = await Page.get(ticket_id=ticket.id)
    await Page.filter(id=page.id).update(acknowledged_at=NOW + timedelta(seconds=3))
    await Ticket.filter(id=ticket.id).update(dispatch_pending_since=NOW)  # the clear was lost

    assert await dispatch.resume_pending(now=LATER, publisher=NullPublisher()) == 1
    assert await Page.filter(ticket_id=ticket.id).count() == 1
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since is None


async def test_a_ticket_marked_again_meanwhile_keeps_the_newer_mark(database: None) -> None:
    """Clearing removes only the mark the dispatch started from."""
    await on_call_group()
    ticket = await create_urgent(await admin())
    newer = NOW + timedelta(minutes=1)
    await Ticket.filter(id=ticket.id).update(dispatch_pending_since=newer)
    original_dispatch = dispatch._dispatch

    async def marked_meanwhile(ticket: Ticket, **kwargs: Any) -> None:
        await original_dispatch(ticket, **kwargs)
        await Ticket.filter(id=ticket.id).update(dispatch_pending_since=newer + timedelta(seconds=1))

    dispatch._dispatch = marked_meanwhile  # type: ignore[assignment]
    try:
        await dispatch.dispatch(ticket_id=ticket.id, now=newer, publisher=NullPublisher(), why="test")
    finally:
        dispatch._dispatch = original_dispatch  # type: ignore[assignment]
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since == newer + timedelta(seconds=1)


async def test_a_failing_dispatch_keeps_its_mark_for_the_sweep(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    group, _person = await on_call_group()
    failures = 0

    async def broken(*_: Any, **__: Any) -> Any:
        nonlocal failures
        failures += 1
        raise ConnectionError("the database went away")

    real_route = dispatch.route
    monkeypatch.setattr(dispatch, "route", broken)
    ticket = await create_urgent(await admin())  # dispatch fails and logs: the create stands
    assert failures == 1
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since == NOW

    monkeypatch.setattr(dispatch, "route", real_route)
    assert await dispatch.resume_pending(now=LATER, publisher=NullPublisher()) == 1
    stored = await Ticket.get(id=ticket.id)
    assert stored.group_id == group.id and stored.dispatch_pending_since is None
    assert await Page.exists(ticket_id=ticket.id)


async def test_a_classified_ticket_whose_hand_off_died_is_dispatched_by_the_sweep(database: None) -> None:
    """The classification marks the ticket in the transaction that records it."""
    group, _person = await on_call_group()
    ticket = await tickets.create(
        actor=await admin(),
        data=tickets.NewTicket(subject="Checkout down", description="Every payment fails",
                               customer_email="c@example.com", priority=Priority.URGENT),
        now=NOW, publisher=NullPublisher(), classify=True,
    )
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since is None  # triage hands it on

    from domain.services import triage
    from domain.services.triage_models import TriageModels

    # No categories or priority examples: the classifier skips it and hands it on at once.
    with process_dies_after_commit():
        await triage.classify_tickets(models=TriageModels(_NoEncoder), ticket_ids=[ticket.id],
                                      threshold=0.5, now=NOW, publisher=NullPublisher())
    stored = await Ticket.get(id=ticket.id)
    assert stored.triage_state is TriageState.SKIPPED and stored.dispatch_pending_since == NOW
    assert stored.group_id is None

    assert await dispatch.resume_pending(now=LATER, publisher=NullPublisher()) == 1
    stored = await Ticket.get(id=ticket.id)
    assert stored.group_id == group.id and stored.dispatch_pending_since is None
    assert await Page.exists(ticket_id=ticket.id)


class _NoEncoder:
    name = "none"

    def encode(self, texts: Any) -> Any:
        raise AssertionError("nothing to classify with, so nothing is encoded")


async def test_a_corrected_category_is_rerouted_by_the_sweep_if_its_dispatch_died(database: None) -> None:
    ops, _person = await on_call_group()
    ticket, billing = await corrected_while_dying(await admin())
    stored = await Ticket.get(id=ticket.id)
    assert stored.group_id == ops.id and stored.dispatch_reroute

    await dispatch.resume_pending(now=LATER, publisher=NullPublisher())
    stored = await Ticket.get(id=ticket.id)
    assert stored.group_id == billing.id
    assert stored.dispatch_pending_since is None and not stored.dispatch_reroute


async def test_a_dispatch_cut_short_between_assigning_and_paging_still_pages(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Automatic assignment commits before the page: resuming an assigned ticket must page."""
    group, person = await on_call_group()
    group.assignment_strategy = AssignmentStrategy.ROUND_ROBIN
    await group.save()
    agent = await User.create(email="agent@desk.test", name="Agent", role=Role.AGENT,
                              availability=Availability.ONLINE)
    await GroupMembership.create(group=group, user=agent)
    real_start = paging.start

    async def died(**_: Any) -> None:
        raise ConnectionError("the process died before paging")

    monkeypatch.setattr(paging, "start", died)
    ticket = await create_urgent(await admin())
    stored = await Ticket.get(id=ticket.id)
    assert stored.assignee_id == agent.id and stored.dispatch_pending_since == NOW

    monkeypatch.setattr(paging, "start", real_start)
    assert await dispatch.resume_pending(now=LATER, publisher=NullPublisher()) == 1
    page = await Page.get(ticket_id=ticket.id)
    assert [user_id for user_id, _at in page.notified] == [person.id]
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since is None


async def test_a_transfer_beats_a_pending_reroute(database: None) -> None:
    """A person moved the ticket after a correction whose reroute was cut short."""
    await on_call_group()
    tier2 = await Group.create(name="Tier 2")
    actor = await admin()
    ticket, _billing = await corrected_while_dying(actor)
    await escalation.transfer(actor=actor, ticket_id=ticket.id, group_id=tier2.id, agent_id=None,
                              reason="needs tier 2", expected_version=None, now=NOW, publisher=NullPublisher())
    await dispatch.resume_pending(now=LATER, publisher=NullPublisher())
    assert (await Ticket.get(id=ticket.id)).group_id == tier2.id


async def test_overlapping_sweeps_resume_a_dispatch_once(database: None) -> None:
    await on_call_group()
    with process_dies_after_commit():
        ticket = await create_urgent(await admin())
    counts = await asyncio.gather(
        dispatch.resume_pending(now=LATER, publisher=NullPublisher()),
        dispatch.resume_pending(now=LATER, publisher=NullPublisher()),
    )
    assert sorted(counts) == [0, 1]
    assert await Page.filter(ticket_id=ticket.id).count() == 1
    assert await TicketEvent.filter(ticket_id=ticket.id, kind=EventKind.ASSIGNED).count() <= 1
