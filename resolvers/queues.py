"""Queues, and their live changes."""

from collections.abc import AsyncGenerator

import strawberry

from domain.services import queues
from resolvers.context import Info
from resolvers.ids import parse_optional_id
from schema.queue_types import Queue
from server.hub import Overflow, Resync


async def queue_list(info: Info) -> list[Queue]:
    ids = await queues.visible_group_ids(info.context.require_actor())
    return [Queue.from_figures(f) for f in await queues.figures(group_ids=ids)]


async def follow_queues(info: Info, group_id: strawberry.ID | None) -> AsyncGenerator[Queue, None]:
    """The current figures of each queue, then a group's new figures whenever one of its
    tickets changes (both groups on a transfer). A snapshot, not a log: no `since`."""
    actor = info.context.require_actor()
    ids = set(await queues.visible_group_ids(actor, parse_optional_id(group_id, "groupId")))
    last: dict[int, queues.QueueFigures] = {}
    async with info.context.services.hub.listen() as inbox:
        changed = set(ids)
        while True:
            for figures in await queues.figures(group_ids=sorted(changed)):
                if last.get(figures.group_id) != figures:
                    last[figures.group_id] = figures
                    yield Queue.from_figures(figures)
            message = await inbox.queue.get()
            if isinstance(message, Overflow):
                changed = set(ids)  # a snapshot stream can simply start over
                continue
            if isinstance(message, Resync):
                changed = set(ids)
                continue
            changed = {g for g in (message.group_id, message.previous_group_id) if g in ids}
