"""Presence use cases: announce what you are doing on a ticket, see who else is there."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.models import Ticket
from domain.rules.access import Actor, require_staff
from domain.rules.presence import Activity, Presence, collisions, current
from domain.services.ticket_changes import ensure_visible


class PresenceStore(Protocol):
    async def touch_online(self, user_id: int, now: datetime) -> None: ...
    async def online(self, now: datetime) -> list[int]: ...
    async def set_ticket(
        self, ticket_id: int, user_id: int, activity: Activity | None, now: datetime
    ) -> None: ...
    async def on_ticket(self, ticket_id: int, now: datetime) -> list[Presence]: ...


@dataclass(frozen=True)
class PresenceReport:
    present: list[Presence]
    collisions: list[Presence]


async def announce(
    *, actor: Actor, ticket_id: int, activity: Activity | None, store: PresenceStore, now: datetime
) -> PresenceReport:
    """`activity` None: the agent left the ticket."""
    require_staff(actor, "share presence")
    ensure_visible(actor, await Ticket.get_or_none(id=ticket_id))
    others = await store.on_ticket(ticket_id, now)
    await store.set_ticket(ticket_id, actor.user_id, activity, now)
    await store.touch_online(actor.user_id, now)
    clashes = collisions(others, user_id=actor.user_id, activity=activity, now=now) if activity else []
    return PresenceReport(present=current(await store.on_ticket(ticket_id, now), now), collisions=clashes)


async def on_ticket(*, actor: Actor, ticket_id: int, store: PresenceStore, now: datetime) -> list[Presence]:
    require_staff(actor, "see presence")
    return current(await store.on_ticket(ticket_id, now), now)
