"""Publishes domain events after commit on broadcaster (memory embedded, Redis across
processes)."""

import json

from broadcaster import Broadcast

from domain.events import ALL_TICKETS_CHANNEL, TicketActivity, ticket_channel


class BroadcastPublisher:
    def __init__(self, broadcast: Broadcast) -> None:
        self._broadcast = broadcast

    async def publish(self, activities: list[TicketActivity]) -> None:
        for activity in activities:
            message = json.dumps(activity.to_json())
            await self._broadcast.publish(channel=ALL_TICKETS_CHANNEL, message=message)
            await self._broadcast.publish(channel=ticket_channel(activity.ticket_id), message=message)
