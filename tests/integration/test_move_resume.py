"""Transfers, escalations and SLA breaches dispatch within the new group and page after they
commit. A process that dies in between must not leave an urgent ticket's new group unpaged
or a breach's supervisors uninformed: the move marks the ticket for dispatch, and a breach's
page is written in the escalation's own transaction. Two pages started at once are one."""

import asyncio
from datetime import timedelta
from typing import Any

from domain.enums import Priority, Role
from domain.events import NullPublisher
from domain.models import (
    Category,
    Group,
    GroupMembership,
    OnCallSchedule,
    Page,
    SlaPolicy,
    Ticket,
    TicketSlaTarget,
    User,
)
from domain.rules.access import Actor
from domain.services import dispatch, escalation, paging, tickets
from domain.services.ticket_changes import change_ticket
from tests.integration.crash_points import (
    NOW,
    admin,
    corrected_while_dying,
    create_urgent,
    nothing_runs_after_commit,
    on_call_group,
)

MOVED_AT = NOW + timedelta(minutes=1)
SWEEP_AT = MOVED_AT + dispatch.RESUME_GRACE + timedelta(seconds=1)


async def breached(ticket: Ticket, escalation_config: dict[str, Any]) -> None:
    """The ticket's first response target breached under a policy that escalates so."""
    policy = await SlaPolicy.create(name="Breach policy", priority=ticket.priority, first_response_seconds=60,
                                    resolution_seconds=3600, escalation=escalation_config)
    await Ticket.filter(id=ticket.id).update(sla_policy_id=policy.id)
    await TicketSlaTarget.create(ticket_id=ticket.id, kind="FIRST_RESPONSE", state="BREACHED", target_seconds=60,
                                 elapsed_seconds=120, breached_at=MOVED_AT, computed_at=MOVED_AT)


async def supervisor_of(group: Group) -> User:
    user = await User.create(email="lead@desk.test", name="Lead", role=Role.SUPERVISOR)
    await GroupMembership.create(group=group, user=user)
    return user


async def create_ticket(actor: Actor, priority: Priority) -> Ticket:
    return await tickets.create(
        actor=actor,
        data=tickets.NewTicket(subject="Slow exports", description="Exports take an hour",
                               customer_email="c@example.com", priority=priority),
        now=NOW, publisher=NullPublisher(), classify=False,
    )


def notified(page: Page) -> list[int]:
    return [user_id for user_id, _at in page.notified]


async def test_an_urgent_transfer_whose_dispatch_died_pages_the_new_groups_on_call(database: None) -> None:
    ops, _ = await on_call_group()
    tier2 = await Group.create(name="Tier 2")
    tier2_on_call = await User.create(email="t2@desk.test", name="Tier 2 On Call", role=Role.AGENT)
    await OnCallSchedule.create(group=tier2, participants=[tier2_on_call.id], starts_at=NOW - timedelta(days=1))
    actor = await admin()
    ticket = await create_urgent(actor)
    assert (await Ticket.get(id=ticket.id)).group_id == ops.id

    with nothing_runs_after_commit():
        await escalation.transfer(actor=actor, ticket_id=ticket.id, group_id=tier2.id, agent_id=None,
                                  reason="needs tier 2", expected_version=None, now=MOVED_AT,
                                  publisher=NullPublisher())
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since == MOVED_AT
    assert not await Page.exists(ticket_id=ticket.id, group_id=tier2.id)

    assert await dispatch.resume_pending(now=SWEEP_AT, publisher=NullPublisher()) == 1
    page = await Page.get(ticket_id=ticket.id, group_id=tier2.id)
    assert notified(page) == [tier2_on_call.id]
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since is None


async def test_a_transfer_that_completes_leaves_nothing_for_the_sweep(database: None) -> None:
    await on_call_group()
    tier2 = await Group.create(name="Tier 2")
    actor = await admin()
    ticket = await create_ticket(actor, Priority.MEDIUM)
    await escalation.transfer(actor=actor, ticket_id=ticket.id, group_id=tier2.id, agent_id=None,
                              reason="needs tier 2", expected_version=None, now=MOVED_AT, publisher=NullPublisher())
    stored = await Ticket.get(id=ticket.id)
    assert stored.group_id == tier2.id and stored.dispatch_pending_since is None
    assert await dispatch.resume_pending(now=SWEEP_AT, publisher=NullPublisher()) == 0


async def test_a_breach_escalation_cut_short_still_pages_the_supervisors(database: None) -> None:
    ops, _ = await on_call_group()
    lead = await supervisor_of(ops)
    ticket = await create_ticket(await admin(), Priority.MEDIUM)
    await breached(ticket, {"notifySupervisor": True})

    with nothing_runs_after_commit():
        await escalation.on_breach(ticket_id=ticket.id, now=MOVED_AT, publisher=NullPublisher())
    page = await Page.get(ticket_id=ticket.id)
    assert page.chain == [lead.id] and page.notified == []

    # The page sweep tells the supervisor; the escalation is not run again.
    assert await paging.advance_due(now=MOVED_AT, publisher=NullPublisher()) == 1
    assert notified(await Page.get(id=page.id)) == [lead.id]
    await escalation.on_breach(ticket_id=ticket.id, now=SWEEP_AT, publisher=NullPublisher())
    assert await Page.filter(ticket_id=ticket.id).count() == 1


async def test_a_breach_that_makes_a_ticket_urgent_pages_on_call_before_the_supervisors(database: None) -> None:
    """The breach's page for an urgent ticket is the on-call page: a supervisors-only page
    opened first would stand in for it, and the person on call would never hear."""
    ops, person = await on_call_group()
    lead = await supervisor_of(ops)
    ticket = await create_ticket(await admin(), Priority.HIGH)
    assert not await Page.exists(ticket_id=ticket.id)
    await breached(ticket, {"raisePriority": True, "notifySupervisor": True})

    await escalation.on_breach(ticket_id=ticket.id, now=MOVED_AT, publisher=NullPublisher())
    assert (await Ticket.get(id=ticket.id)).priority is Priority.URGENT
    page = await Page.get(ticket_id=ticket.id)
    assert page.chain == [person.id, lead.id] and notified(page) == [person.id]
    assert (await Ticket.get(id=ticket.id)).dispatch_pending_since is None


async def test_a_breach_that_only_raises_the_priority_keeps_a_pending_reroute(database: None) -> None:
    await on_call_group()
    ticket, billing = await corrected_while_dying(await admin())
    await breached(ticket, {"raisePriority": True})
    with nothing_runs_after_commit():
        await escalation.on_breach(ticket_id=ticket.id, now=MOVED_AT, publisher=NullPublisher())
    stored = await Ticket.get(id=ticket.id)
    assert stored.dispatch_reroute and stored.priority is Priority.HIGH

    await dispatch.resume_pending(now=SWEEP_AT, publisher=NullPublisher())
    assert (await Ticket.get(id=ticket.id)).group_id == billing.id


async def test_stranded_tickets_whose_routing_died_are_routed_by_the_sweep(database: None) -> None:
    ticket = await create_ticket(await admin(), Priority.MEDIUM)
    assert (await Ticket.get(id=ticket.id)).group_id is None  # no rule, no default group
    ops, _ = await on_call_group()  # a default group now exists

    with nothing_runs_after_commit():
        await dispatch.route_stranded(now=MOVED_AT, publisher=NullPublisher(), why="a default group was set")
    assert (await Ticket.get(id=ticket.id)).group_id is None

    assert await dispatch.resume_pending(now=SWEEP_AT, publisher=NullPublisher()) == 1
    assert (await Ticket.get(id=ticket.id)).group_id == ops.id


async def test_two_pages_started_at_once_are_one(database: None) -> None:
    ops, person = await on_call_group()
    ticket = await create_ticket(await admin(), Priority.MEDIUM)
    await Ticket.filter(id=ticket.id).update(group_id=ops.id)
    pages = await asyncio.gather(*(
        paging.start(ticket_id=ticket.id, group_id=ops.id, reason="urgent ticket", now=MOVED_AT,
                     publisher=NullPublisher())
        for _ in range(3)
    ))
    assert await Page.filter(ticket_id=ticket.id).count() == 1
    assert {page.id for page in pages if page is not None} == {(await Page.get(ticket_id=ticket.id)).id}
    assert notified(await Page.get(ticket_id=ticket.id)) == [person.id]


async def test_a_breach_of_an_urgent_ticket_whose_page_was_taken_pages_the_supervisors(database: None) -> None:
    """The on-call person already acknowledged the urgent page: the breach tells the
    supervisors, and does not page that person again."""
    ops, person = await on_call_group()
    lead = await supervisor_of(ops)
    ticket = await create_urgent(await admin())
    first = await Page.get(ticket_id=ticket.id)
    await paging.acknowledge(actor=Actor(user_id=person.id, role=Role.AGENT), page_id=first.id,
                             now=NOW + timedelta(seconds=30), publisher=NullPublisher())
    await breached(await Ticket.get(id=ticket.id), {"notifySupervisor": True})

    await escalation.on_breach(ticket_id=ticket.id, now=MOVED_AT, publisher=NullPublisher())
    breach_page = await Page.filter(ticket_id=ticket.id).exclude(id=first.id).get()
    assert breach_page.chain == [lead.id] and notified(breach_page) == [lead.id]


async def test_a_route_decided_before_a_correction_leaves_its_reroute_pending(database: None) -> None:
    """Dispatch's routing is no person's move: written after a category correction it did not
    know of, it must not settle that correction's reroute (whose own dispatch died)."""
    actor = await admin()
    front = await Group.create(name="Front", is_default=True)
    billing = await Group.create(name="Billing")
    invoices = await Category.create(name="Invoices", default_group=billing)
    ticket = await create_ticket(actor, Priority.MEDIUM)
    await Ticket.filter(id=ticket.id).update(group_id=None)  # stranded, about to be routed
    stale = await dispatch.decide_route(await Ticket.get(id=ticket.id))
    assert stale.group_id == front.id

    with nothing_runs_after_commit():
        await tickets.set_category(actor=actor, ticket_id=ticket.id, category_id=invoices.id,
                                   expected_version=None, now=MOVED_AT, publisher=NullPublisher())
    await change_ticket(actor=None, ticket_id=ticket.id, expected_version=None, now=MOVED_AT,
                        decide=dispatch._route_change(stale, "routed"), publisher=NullPublisher())
    assert (await Ticket.get(id=ticket.id)).dispatch_reroute

    await dispatch.resume_pending(now=SWEEP_AT, publisher=NullPublisher())
    assert (await Ticket.get(id=ticket.id)).group_id == billing.id
