"""Group queues."""

from datetime import datetime

import strawberry

from domain.services.queues import QueueFigures
from resolvers.context import Info
from schema.types import Group, utc_or_none


@strawberry.type(description="What is waiting in one group: active tickets by status and SLA.")
class Queue:
    new: int
    open: int
    waiting: int
    unassigned: int
    near_breach: int
    breached: int
    oldest_due_at: datetime | None = strawberry.field(description="The soonest due time in the queue.")
    group_id: strawberry.Private[int]

    @classmethod
    def from_figures(cls, f: QueueFigures) -> "Queue":
        return cls(
            new=f.new,
            open=f.open,
            waiting=f.waiting,
            unassigned=f.unassigned,
            near_breach=f.near_breach,
            breached=f.breached,
            oldest_due_at=utc_or_none(f.oldest_due_at),
            group_id=f.group_id,
        )

    @strawberry.field
    async def group(self, info: Info) -> Group:
        row = await info.context.loaders.groups.load(self.group_id)
        assert row is not None
        return Group.from_model(row)
