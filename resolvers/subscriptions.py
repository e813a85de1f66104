"""Subscriptions: replay what the caller missed from the durable log (ticket_events, whose
ids only grow), then go live from the hub; access rules apply to every event."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

from tortoise.expressions import Q

from domain.enums import EventKind, Role
from domain.errors import BadUserInput, Conflict, Forbidden
from domain.events import TicketActivity
from domain.models import Message, Ticket, TicketEvent
from domain.rules.access import Actor, can_see_event, can_view_ticket
from resolvers.context import Info
from server.hub import Overflow, Resync

REPLAY_LIMIT = 1000
SLA_KINDS = (EventKind.SLA_NEAR_BREACH, EventKind.SLA_BREACHED)


@dataclass(frozen=True)
class Delivery:
    event: TicketEvent
    ticket: Ticket
    message: Message | None = None  # for a reply or a note: the message itself


async def delivery(event: TicketEvent, ticket: Ticket) -> Delivery:
    message_id = (event.after or {}).get("messageId")
    message = await Message.get_or_none(id=message_id) if message_id else None
    return Delivery(event, ticket, message)


@dataclass(frozen=True)
class Selection:
    """What one subscription follows: a filter for the replay and one for live events."""

    replay: Q
    live: Callable[[TicketActivity], bool]
    # A last check on the loaded event, for what the announcement does not say.
    accept: Callable[[Delivery], bool] = lambda _: True


def _visible(actor: Actor, ticket: Ticket) -> bool:
    return can_view_ticket(
        actor, group_id=ticket.group_id, assignee_id=ticket.assignee_id, customer_id=ticket.customer_id
    )


async def _replay(actor: Actor, selection: Selection, after: int, delivered: set[int]) -> list[Delivery]:
    rows = await TicketEvent.filter(selection.replay, id__gt=after).order_by("id").limit(REPLAY_LIMIT + 1)
    if len(rows) > REPLAY_LIMIT:
        raise Conflict(
            f"More than {REPLAY_LIMIT} events were missed: reload the data, then subscribe without `since`.",
            field="since",
        )
    tickets = {t.id: t for t in await Ticket.filter(id__in={r.ticket_id for r in rows})}
    return [
        await delivery(row, tickets[row.ticket_id])
        for row in rows
        if row.id not in delivered
        and row.ticket_id in tickets
        and _visible(actor, tickets[row.ticket_id])
        and can_see_event(actor, row.kind)
        and selection.accept(Delivery(row, tickets[row.ticket_id]))
    ]


async def follow(info: Info, *, since: str | None, selection: Selection) -> AsyncIterator[Delivery]:
    actor = info.context.require_actor()
    hub = info.context.services.hub
    after = -1
    if since is not None:
        try:
            after = int(since)
        except ValueError:
            raise BadUserInput("since is not an event id.", field="since") from None
    delivered: set[int] = set()
    async with hub.listen() as inbox:  # listening before replaying leaves no gap
        if since is not None:
            for item in await _replay(actor, selection, after, delivered):
                delivered.add(item.event.id)
                yield item
        while True:
            message = await inbox.queue.get()
            if isinstance(message, Overflow):
                raise Conflict(
                    "Too slow: events were dropped. Subscribe again with `since` set to the "
                    "last event id you received.",
                    field="since",
                )
            if isinstance(message, Resync):
                last = max(delivered, default=after)
                for item in await _replay(actor, selection, last, delivered):
                    delivered.add(item.event.id)
                    yield item
                continue
            if message.event_id in delivered or not selection.live(message):
                continue
            if not can_see_event(actor, message.kind):
                continue
            loaded = await hub.load_once(message.event_id, partial(_load_event, message.event_id))
            # The row must be the announced ticket's: never deliver another ticket's event on
            # the strength of a message (a foreign publisher on a shared broker, say).
            if loaded is None or loaded.ticket.id != message.ticket_id or not _visible(actor, loaded.ticket):
                continue
            if not selection.accept(loaded):
                continue
            delivered.add(loaded.event.id)
            yield loaded


async def _load_event(event_id: int) -> Delivery | None:
    row = await TicketEvent.get_or_none(id=event_id)
    ticket = await Ticket.get_or_none(id=row.ticket_id) if row is not None else None
    return await delivery(row, ticket) if row is not None and ticket is not None else None


def ticket_selection(ticket_id: int) -> Selection:
    return Selection(replay=Q(ticket_id=ticket_id), live=lambda a: a.ticket_id == ticket_id)


def workbench_selection(actor: Actor) -> Selection:
    if not actor.is_staff:
        raise Forbidden("The workbench is for agents.")
    me = actor.user_id
    return Selection(
        replay=Q(assignee_id=me) | Q(previous_assignee_id=me),
        live=lambda a: a.assignee_id == me or a.previous_assignee_id == me,
    )


def page_selection(actor: Actor) -> Selection:
    """The on-call pages that call the caller."""
    if not actor.is_staff:
        raise Forbidden("Pages are for staff.")
    me = actor.user_id
    return Selection(
        replay=Q(kind=EventKind.PAGED),
        live=lambda a: a.kind is EventKind.PAGED,
        accept=lambda d: (d.event.after or {}).get("userId") == me,
    )


def alert_selection(actor: Actor, group_id: int | None) -> Selection:
    if not actor.is_staff:
        raise Forbidden("SLA alerts are for staff.")
    replay = Q(kind__in=list(SLA_KINDS))
    if group_id is not None:
        if actor.role is Role.AGENT and group_id not in actor.group_ids:
            raise Forbidden("You are not a member of that group.")
        replay &= Q(ticket__group_id=group_id)
    elif not actor.sees_all_tickets:
        replay &= Q(ticket__group_id__in=list(actor.group_ids)) | Q(ticket__assignee_id=actor.user_id)

    def live(activity: TicketActivity) -> bool:
        return activity.kind in SLA_KINDS and (group_id is None or activity.group_id == group_id)

    return Selection(replay=replay, live=live)
