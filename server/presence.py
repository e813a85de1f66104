"""Where presence heartbeats live: in memory when embedded, in Redis sorted sets (score = the
moment the entry expires) so that every API process sees the same people."""

import json
from datetime import UTC, datetime

import redis.asyncio as aioredis

from domain.rules.presence import ONLINE_TTL, TICKET_TTL, Activity, Presence
from server.keys import online_key, ticket_presence_key


class MemoryPresence:
    def __init__(self) -> None:
        self._online: dict[int, datetime] = {}
        self._tickets: dict[int, dict[int, Presence]] = {}

    async def touch_online(self, user_id: int, now: datetime) -> None:
        self._online[user_id] = now + ONLINE_TTL

    async def online(self, now: datetime) -> list[int]:
        self._online = {u: t for u, t in self._online.items() if t > now}
        return sorted(self._online)

    async def set_ticket(
        self, ticket_id: int, user_id: int, activity: Activity | None, now: datetime
    ) -> None:
        entries = self._tickets.setdefault(ticket_id, {})
        if activity is None:
            entries.pop(user_id, None)
        else:
            entries[user_id] = Presence(user_id, activity, now + TICKET_TTL)

    async def on_ticket(self, ticket_id: int, now: datetime) -> list[Presence]:
        entries = self._tickets.get(ticket_id, {})
        for user_id in [u for u, p in entries.items() if p.expires_at <= now]:
            del entries[user_id]
        return list(entries.values())


class RedisPresence:
    def __init__(self, client: aioredis.Redis, deployment: str = "") -> None:
        self._client = client
        self._deployment = deployment
        self._online = online_key(deployment)

    async def touch_online(self, user_id: int, now: datetime) -> None:
        await self._client.zadd(self._online, {str(user_id): (now + ONLINE_TTL).timestamp()})

    async def online(self, now: datetime) -> list[int]:
        await self._client.zremrangebyscore(self._online, "-inf", now.timestamp())
        return sorted(int(m) for m in await self._client.zrange(self._online, 0, -1))

    async def set_ticket(
        self, ticket_id: int, user_id: int, activity: Activity | None, now: datetime
    ) -> None:
        key = ticket_presence_key(ticket_id, self._deployment)
        async with self._client.pipeline(transaction=True) as pipe:
            # one member per user: drop any earlier activity of theirs first
            for old in (Activity.VIEWING, Activity.REPLYING):
                pipe.zrem(key, json.dumps([user_id, old.value]))
            if activity is not None:
                pipe.zadd(key, {json.dumps([user_id, activity.value]): (now + TICKET_TTL).timestamp()})
                pipe.expire(key, int(TICKET_TTL.total_seconds()) * 2)
            await pipe.execute()

    async def on_ticket(self, ticket_id: int, now: datetime) -> list[Presence]:
        key = ticket_presence_key(ticket_id, self._deployment)
        await self._client.zremrangebyscore(key, "-inf", now.timestamp())
        entries = []
        for member, score in await self._client.zrange(key, 0, -1, withscores=True):
            user_id, activity = json.loads(member)
            entries.append(Presence(int(user_id), Activity(activity), datetime.fromtimestamp(score, UTC)))
        return entries
