"""Presence types: who is viewing or replying to a ticket right now."""

from datetime import datetime
from enum import Enum

import strawberry

from domain.rules.presence import Presence
from resolvers.context import Info
from schema.types import Agent, utc


@strawberry.enum
class PresenceActivity(Enum):
    VIEWING = "VIEWING"
    REPLYING = "REPLYING"


@strawberry.type
class TicketPresence:
    activity: PresenceActivity
    expires_at: datetime = strawberry.field(description="Gone unless renewed: heartbeat every ~15 s.")
    user_id: strawberry.Private[int]

    @classmethod
    def from_rule(cls, entry: Presence) -> "TicketPresence":
        return cls(
            activity=PresenceActivity(entry.activity.value),
            expires_at=utc(entry.expires_at),
            user_id=entry.user_id,
        )

    @strawberry.field
    async def agent(self, info: Info) -> Agent | None:
        row = await info.context.loaders.users.load(self.user_id)
        return Agent.from_model(row) if row else None


@strawberry.type
class PresenceResult:
    present: list[TicketPresence]
    collisions: list[TicketPresence] = strawberry.field(
        description="Others already replying: answering now would send the customer two replies."
    )
