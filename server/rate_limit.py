"""Request rate limits per caller: in memory when embedded, in Redis across processes."""

import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

from domain.rules.rate_limit import retry_after, window_at
from server.keys import rate_limit_key

WINDOW_SECONDS = 60


class CounterStore(Protocol):
    """`window_seconds`: the windows' length, so a count lives as long as its window."""

    async def hit(self, identity: str, window_index: int, window_seconds: int = WINDOW_SECONDS) -> int: ...


class MemoryCounters:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int, int], int] = {}

    async def hit(self, identity: str, window_index: int, window_seconds: int = WINDOW_SECONDS) -> int:
        key = (identity, window_seconds, window_index)
        self._counts[key] = self._counts.get(key, 0) + 1
        if len(self._counts) > 10_000:  # forget finished windows (of this length: indexes differ)
            self._counts = {
                k: v for k, v in self._counts.items() if k[1] != window_seconds or k[2] >= window_index
            }
        return self._counts[key]


class RedisCounters:
    def __init__(self, client: aioredis.Redis, deployment: str = "") -> None:
        self._client = client
        self._deployment = deployment

    async def hit(self, identity: str, window_index: int, window_seconds: int = WINDOW_SECONDS) -> int:
        key = rate_limit_key(identity, window_index, self._deployment)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds * 2)
            count, _ = await pipe.execute()
        return int(count)


class RateLimiter:
    def __init__(
        self,
        store: CounterStore,
        limit_per_minute: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.limit = limit_per_minute
        self._clock = clock

    async def check(self, identity: str) -> float | None:
        """Counts one request; returns the seconds to wait when over the limit."""
        if self.limit <= 0:
            return None
        now = self._clock()
        window = window_at(now, WINDOW_SECONDS)
        count = await self.store.hit(identity, window.index)
        return retry_after(count, limit=self.limit, window=window, now_seconds=now)
