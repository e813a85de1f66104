"""Transfer and escalation: a person moves a ticket to another group or agent with a reason,
or up to the group's next tier; an SLA breach escalates by the ticket's policy (move to an
escalation group, raise the priority, page the supervisors). Each is one logged change,
then dispatch within the new group; urgent tickets page its on-call."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from tortoise.exceptions import IntegrityError

from domain.enums import EventKind, Priority, PriorityOrigin, TicketStatus
from domain.errors import Conflict
from domain.events import Publisher
from domain.models import Group, Page, SlaPolicy, Ticket, TicketEvent, TicketSlaTarget
from domain.rules import transitions, validation
from domain.rules.access import Actor, require_staff
from domain.services import dispatch, paging, tickets
from domain.services.ticket_changes import EventDraft, TicketChange, change_ticket

logger = logging.getLogger("helpdesk.escalation")


def raised(priority: Priority) -> Priority:
    return Priority(max(Priority.URGENT.value, priority.value - 1))


async def _after_move(ticket: Ticket, *, reason: str, now: datetime, publisher: Publisher) -> None:
    """Dispatch within the ticket's (new) group: assignment by its strategy, and its on-call
    paged when the ticket is urgent. The move marked the ticket for dispatch in its own
    transaction, so the dispatch sweep does this if the process dies first."""
    if ticket.group_id is None:
        return
    await dispatch.dispatch(ticket_id=ticket.id, now=now, publisher=publisher, why=reason,
                            page_reason=reason)


async def transfer(
    *,
    actor: Actor,
    ticket_id: int,
    group_id: int | None,
    agent_id: int | None,
    reason: str,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    """assignTicket's rules, with a reason that the log keeps; the new group's dispatch takes
    an unassigned ticket."""
    why = validation.text(reason, field="reason", max_length=validation.NOTE_MAX)
    ticket = await tickets.assign(
        actor=actor, ticket_id=ticket_id, agent_id=agent_id, group_id=group_id, note=why,
        expected_version=expected_version, now=now, publisher=publisher, kind=EventKind.TRANSFERRED,
        then_dispatch=True,
    )
    await _after_move(ticket, reason=f"transferred: {why}", now=now, publisher=publisher)
    return ticket


async def escalate(
    *,
    actor: Actor,
    ticket_id: int,
    note: str | None,
    raise_priority: bool,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    require_staff(actor, "escalate tickets")
    why = validation.optional_text(note, field="note", max_length=validation.NOTE_MAX)
    current = await tickets.get(actor=actor, ticket_id=ticket_id)
    group = await Group.get_or_none(id=current.group_id) if current.group_id is not None else None
    if group is None or group.escalation_group_id is None:
        raise Conflict("The ticket's group has no next tier to escalate to.", field="ticketId")
    target = group.escalation_group_id

    def decide(ticket: Ticket) -> TicketChange:
        if not transitions.is_editable(ticket.status):
            raise Conflict("The ticket is closed; reopen it first.")
        if ticket.group_id != group.id:
            raise Conflict("The ticket moved while you escalated it; reload and try again.")
        return _escalation(ticket, target, raise_priority=raise_priority, note=why or "escalated", now=now)

    result = await change_ticket(actor=actor, ticket_id=ticket_id, expected_version=expected_version,
                                 now=now, decide=decide, publisher=publisher)
    await _after_move(result.ticket, reason="escalated", now=now, publisher=publisher)
    return result.ticket


def _escalation(
    ticket: Ticket, group_id: int | None, *, raise_priority: bool, note: str, now: datetime,
    dedupe_key: str | None = None,
) -> TicketChange:
    moves_group = group_id is not None and group_id != ticket.group_id
    updates: dict[str, object] = {}
    if moves_group:
        updates.update(group_id=group_id, assignee_id=None)
    priority = raised(ticket.priority) if raise_priority else ticket.priority
    if priority is not ticket.priority:
        updates.update(priority=priority, priority_origin=PriorityOrigin.AGENT)
    if updates.get("group_id", ticket.group_id) is not None:
        # Marked for the dispatch that follows (assignment in the group, the urgent page).
        updates |= dispatch.marked_after_move(ticket, now, moves_group=moves_group)
    before = {"groupId": ticket.group_id, "assigneeId": ticket.assignee_id, "priority": ticket.priority.name}
    after = {"groupId": updates.get("group_id", ticket.group_id),
             "assigneeId": updates.get("assignee_id", ticket.assignee_id), "priority": priority.name}
    return TicketChange(
        updates=updates,
        events=(EventDraft(kind=EventKind.ESCALATED, before=before, after=after, note=note,
                           dedupe_key=dedupe_key),),
    )


async def on_breach(*, ticket_id: int, now: datetime, publisher: Publisher) -> None:
    """Escalates once per breached target, as the ticket's SLA policy says (nothing when the
    policy says nothing). The unique event key makes a second run, or a racing worker, a no-op."""
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None or ticket.sla_policy_id is None or ticket.status not in dispatch.ACTIVE:
        return
    policy = await SlaPolicy.get_or_none(id=ticket.sla_policy_id)
    config = policy.escalation if policy is not None else None
    if not config:
        return
    breached = await TicketSlaTarget.filter(ticket_id=ticket_id, state="BREACHED").values_list(
        "kind", flat=True
    )
    for kind in breached:
        key = f"breach-escalation:{kind}"
        if await TicketEvent.exists(ticket_id=ticket_id, dedupe_key=key):
            continue
        group_id = config.get("groupId")
        opened: list[int] = []
        decide = _breach_change(
            group_id if isinstance(group_id, int) else None, bool(config.get("raisePriority")),
            key, str(kind), now=now, page_supervisors=opened if config.get("notifySupervisor") else None,
        )
        try:
            result = await change_ticket(actor=None, ticket_id=ticket_id, expected_version=None, now=now,
                                         decide=decide, publisher=publisher)
        except IntegrityError:
            continue  # another worker escalated this breach a moment ago
        for page_id in opened:
            await paging.advance(page_id=page_id, now=now, publisher=publisher)
        await _after_move(result.ticket, reason="SLA breached", now=now, publisher=publisher)


def _breach_change(
    group_id: int | None, raise_priority: bool, key: str, kind: str, *, now: datetime,
    page_supervisors: list[int] | None,
) -> Callable[[Ticket], TicketChange]:
    """`page_supervisors`, when given, collects the page the change opens for the group's
    supervisors, for the caller to notify once it has committed."""
    def decide(row: Ticket) -> TicketChange:
        if row.status is TicketStatus.CLOSED:
            return TicketChange()
        change = _escalation(row, group_id, raise_priority=raise_priority, now=now,
                             note=f"SLA {kind.lower().replace('_', ' ')} target breached", dedupe_key=key)
        if page_supervisors is None:
            return change
        made_urgent = change.updates.get("priority") is Priority.URGENT  # it was not before
        page = _supervisors_page(now, page_supervisors, on_call_first=made_urgent)
        return replace(change, side_writes=(*change.side_writes, page))

    return decide


def _supervisors_page(
    now: datetime, opened: list[int], *, on_call_first: bool
) -> Callable[[Ticket], Awaitable[None]]:
    """The breach's page, written in the escalation's transaction so a crash cannot lose it
    (the sweep notifies a page nobody was told of yet). `on_call_first`: the breach made the
    ticket urgent, so this page is also its first on-call page and walks the on-call chain
    before the supervisors (a page for supervisors alone would stand in for it: one open page
    per ticket and group). A ticket that was urgent already had its on-call page: the
    supervisors are paged, alone, unless that page is still open (they close its chain)."""
    async def write(ticket: Ticket) -> None:
        if ticket.group_id is None:
            return
        page: Page | None = None
        new = False
        if on_call_first:
            page, new = await paging.open_page(ticket_id=ticket.id, group_id=ticket.group_id,
                                               reason="SLA breached", now=now)
        if page is None:
            page, new = await paging.open_page(ticket_id=ticket.id, group_id=ticket.group_id,
                                               reason="SLA breached", now=now, supervisors_only=True)
        if page is not None and new:
            opened.append(page.id)

    return write
