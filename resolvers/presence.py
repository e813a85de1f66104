"""Presence: thin resolvers over domain/services/presence.py."""

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from domain.models import User
from domain.rules.access import require_staff
from domain.rules.presence import Activity
from domain.services import presence
from resolvers.context import Info
from resolvers.ids import parse_id
from schema.presence_types import PresenceActivity, PresenceResult, TicketPresence
from schema.types import Agent

POLL_SECONDS = 1.0


async def set_ticket_presence(
    info: Info, ticket_id: strawberry.ID, activity: PresenceActivity | None = None
) -> PresenceResult:
    """Call every ~15 s while the ticket is open; `activity: null` when leaving it."""
    ctx = info.context
    report = await presence.announce(
        actor=ctx.require_actor(),
        ticket_id=parse_id(ticket_id, "ticketId"),
        activity=Activity(activity.value) if activity else None,
        store=ctx.services.presence,
        now=ctx.now(),
    )
    return PresenceResult(
        present=[TicketPresence.from_rule(p) for p in report.present],
        collisions=[TicketPresence.from_rule(p) for p in report.collisions],
    )


async def online_agents(info: Info) -> list[Agent]:
    ctx = info.context
    require_staff(ctx.require_actor(), "see who is online")
    ids = await ctx.services.presence.online(ctx.now())
    return [Agent.from_model(u) for u in await User.filter(id__in=ids).order_by("name")]


async def follow_ticket_presence(
    info: Info, ticket_id: strawberry.ID
) -> AsyncGenerator[list[TicketPresence], None]:
    """Yields the people on the ticket whenever that changes (and once at the start)."""
    ctx = info.context
    actor = ctx.require_actor()
    tid = parse_id(ticket_id, "ticketId")
    last: list[tuple[int, str]] | None = None
    while True:
        entries = await presence.on_ticket(
            actor=actor, ticket_id=tid, store=ctx.services.presence, now=ctx.now()
        )
        shape = [(e.user_id, e.activity.value) for e in entries]
        if shape != last:
            last = shape
            yield [TicketPresence.from_rule(e) for e in entries]
        await asyncio.sleep(POLL_SECONDS)
