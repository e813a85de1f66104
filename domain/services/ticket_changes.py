"""The one write path for an existing ticket: optimistic version check, change and log in one
transaction, publish after commit."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from domain.enums import AuthorKind, EventKind, TicketSource
from domain.errors import Conflict, NotFound
from domain.events import Publisher, TicketActivity
from domain.models import Message, Ticket, TicketEvent
from domain.rules.access import Actor, can_view_ticket
from domain.services import sla

logger = logging.getLogger("helpdesk.tickets")

# Without expectedVersion a lost race is retried on fresh data; with it, the caller is told.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class EventDraft:
    kind: EventKind
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str | None = None
    # Unique per ticket: an event that must happen once (an escalation on breach) says so.
    dedupe_key: str | None = None


@dataclass(frozen=True)
class MessageDraft:
    body: str
    internal: bool
    author_kind: AuthorKind
    channel: TicketSource
    # The RFC 5322 Message-ID it came in with (inbound mail), for threading and dedupe.
    email_message_id: str | None = None


MessageWrite = Callable[[Ticket, Message], Awaitable[None]]


@dataclass(frozen=True)
class TicketChange:
    updates: dict[str, Any] = field(default_factory=dict)
    events: tuple[EventDraft, ...] = ()
    message: MessageDraft | None = None
    # Rows of other tables that belong to the same change, written in its transaction
    # after the ticket row (e.g. a corrected ticket's text becoming a category example).
    side_writes: tuple[Callable[[Ticket], Awaitable[None]], ...] = ()
    # Rows that belong to the change's message, written after it in the same transaction
    # (attachments linked to it, the mail that carries it to the customer).
    message_writes: tuple[MessageWrite, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.updates and not self.events and self.message is None


def settling_reroute(updates: dict[str, Any], current_group_id: int | None) -> dict[str, Any]:
    """A change that moves the ticket to another group (a transfer, an escalation) settles a
    reroute a category correction left pending: the resumed dispatch must not move the ticket
    back. A change that says what the flag becomes (a new mark, dispatch's own routing, which
    keeps it) is left as it is."""
    moves = "group_id" in updates and updates["group_id"] != current_group_id
    if moves and "dispatch_reroute" not in updates:
        return {**updates, "dispatch_reroute": False}
    return updates


@dataclass(frozen=True)
class ChangeResult:
    ticket: Ticket
    message: Message | None
    activities: list[TicketActivity]


def ensure_visible(actor: Actor, ticket: Ticket | None) -> Ticket:
    """A ticket the actor may not see is reported as missing, so ids leak nothing."""
    if ticket is None or not can_view_ticket(
        actor,
        group_id=ticket.group_id,
        assignee_id=ticket.assignee_id,
        customer_id=ticket.customer_id,
    ):
        raise NotFound("No such ticket.", field="ticketId")
    return ticket


def activity_of(
    row: TicketEvent, ticket: Ticket, previous_assignee_id: int | None, previous_group_id: int | None = None
) -> TicketActivity:
    return TicketActivity(
        event_id=row.id,
        ticket_id=ticket.id,
        kind=row.kind,
        at=row.created_at,
        customer_id=ticket.customer_id,
        group_id=ticket.group_id,
        assignee_id=ticket.assignee_id,
        previous_assignee_id=previous_assignee_id,
        previous_group_id=previous_group_id,
    )


async def write_events(
    *,
    ticket: Ticket,
    actor_id: int | None,
    drafts: tuple[EventDraft, ...],
    now: datetime,
    previous_assignee_id: int | None,
    previous_group_id: int | None = None,
) -> list[TicketActivity]:
    """Writes the change's events, then brings the ticket's SLA state up to date (which may
    add alert events), all in the caller's transaction."""
    rows = [
        await TicketEvent.create(
            ticket_id=ticket.id,
            actor_id=actor_id,
            kind=draft.kind,
            before=draft.before,
            after=draft.after,
            note=draft.note,
            dedupe_key=draft.dedupe_key,
            assignee_id=ticket.assignee_id,
            previous_assignee_id=previous_assignee_id,
            created_at=now,
        )
        for draft in drafts
    ]
    rows += await sla.refresh(ticket=ticket, book=None, now=now)
    return [activity_of(row, ticket, previous_assignee_id, previous_group_id) for row in rows]


async def after_commit(*, ticket: Ticket, activities: list[TicketActivity], publisher: Publisher) -> None:
    """Best effort: the change is committed whatever happens here. A lost publish is caught
    up from the event log by subscribers (`since`); a lost timer by the SLA sweep."""
    try:
        await publisher.publish(activities)
    except Exception:
        logger.warning("publishing ticket %s events failed; subscribers catch up from the log",
                       ticket.id, exc_info=True)
    if ticket.sla_next_alert_at is not None:
        try:
            await publisher.schedule_sla_check(ticket.id, ticket.sla_next_alert_at)
        except Exception:
            logger.warning("scheduling ticket %s's SLA check failed; the sweep will do it",
                           ticket.id, exc_info=True)
    breaches = [a for a in activities if a.kind is EventKind.SLA_BREACHED]
    if breaches:
        from domain.services import escalation  # escalation changes tickets too: imported late

        try:
            await escalation.on_breach(ticket_id=ticket.id, now=breaches[-1].at, publisher=publisher)
        except Exception:
            logger.exception("escalating ticket %s on its SLA breach failed", ticket.id)


async def change_ticket(
    *,
    actor: Actor | None,
    ticket_id: int,
    expected_version: int | None,
    now: datetime,
    decide: Callable[[Ticket], TicketChange],
    publisher: Publisher,
) -> ChangeResult:
    """Loads the ticket, lets `decide` (pure) say what changes, and writes it all or nothing.

    `actor` None is the desk itself (the classifier, timers): it sees every ticket and its
    events are logged without an actor."""
    for _attempt in range(MAX_ATTEMPTS):
        async with in_transaction():
            # The row lock queues concurrent writers on PostgreSQL (SQLite serialises whole
            # transactions), so without expectedVersion nobody has to retry.
            row = await Ticket.filter(id=ticket_id).select_for_update().first()
            if row is None:
                raise NotFound("No such ticket.", field="ticketId")
            ticket = row if actor is None else ensure_visible(actor, row)
            if expected_version is not None and ticket.version != expected_version:
                raise Conflict(
                    f"The ticket changed since version {expected_version}; it is now at "
                    f"version {ticket.version}. Reload and try again.",
                    field="expectedVersion",
                )
            change = decide(ticket)
            if change.is_empty:
                return ChangeResult(ticket=ticket, message=None, activities=[])
            previous_assignee_id = ticket.assignee_id
            previous_group_id = ticket.group_id
            updates = settling_reroute(change.updates, ticket.group_id)
            written = await Ticket.filter(id=ticket.id, version=ticket.version).update(
                **updates, version=ticket.version + 1, updated_at=now
            )
            if not written:
                if expected_version is not None:
                    raise Conflict(
                        "The ticket was changed by someone else at the same moment. Reload and try again.",
                        field="expectedVersion",
                    )
                continue
            for name, value in updates.items():
                setattr(ticket, name, value)
            ticket.version += 1
            ticket.updated_at = now
            for side_write in change.side_writes:
                await side_write(ticket)
            actor_id = actor.user_id if actor is not None else None
            message = None
            if change.message is not None:
                message = await Message.create(
                    ticket_id=ticket.id,
                    author_id=actor_id,
                    author_kind=change.message.author_kind,
                    internal=change.message.internal,
                    channel=change.message.channel,
                    body=change.message.body,
                    created_at=now,
                    email_message_id=change.message.email_message_id,
                )
                for message_write in change.message_writes:
                    await message_write(ticket, message)
            drafts = change.events
            if message is not None:
                # The log names the message, so live clients can fetch exactly that one.
                drafts = tuple(
                    replace(d, after={**(d.after or {}), "messageId": message.id})
                    if d.kind in (EventKind.REPLIED, EventKind.NOTE_ADDED)
                    else d
                    for d in drafts
                )
            activities = await write_events(
                ticket=ticket,
                actor_id=actor_id,
                drafts=drafts,
                now=now,
                previous_assignee_id=previous_assignee_id,
                previous_group_id=previous_group_id,
            )
        await after_commit(ticket=ticket, activities=activities, publisher=publisher)
        return ChangeResult(ticket=ticket, message=message, activities=activities)
    raise Conflict("The ticket is busy with other changes; try again.")
