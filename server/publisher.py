"""After commit: publish domain events on broadcaster and schedule SLA checks, on the
in-process timers (embedded) or as arq deferred jobs (Redis)."""

import json
from datetime import datetime
from typing import Protocol

from arq.connections import ArqRedis
from broadcaster import Broadcast

from domain.events import ALL_TICKETS_CHANNEL, TicketActivity
from server.keys import SLA_CHECK_JOB, sla_job_id


class SlaTimers(Protocol):
    async def schedule(self, ticket_id: int, at: datetime) -> None: ...


class ArqTimers:
    def __init__(self, pool: ArqRedis) -> None:
        self._pool = pool

    async def schedule(self, ticket_id: int, at: datetime) -> None:
        await self._pool.enqueue_job(
            SLA_CHECK_JOB,
            ticket_id,
            _job_id=sla_job_id(ticket_id, int(at.timestamp() * 1000)),
            _defer_until=at,
        )


class AppPublisher:
    def __init__(self, broadcast: Broadcast, timers: SlaTimers) -> None:
        self._broadcast = broadcast
        self._timers = timers

    async def publish(self, activities: list[TicketActivity]) -> None:
        for activity in activities:
            message = json.dumps(activity.to_json())
            await self._broadcast.publish(channel=ALL_TICKETS_CHANNEL, message=message)

    async def schedule_sla_check(self, ticket_id: int, at: datetime) -> None:
        await self._timers.schedule(ticket_id, at)
