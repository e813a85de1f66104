"""broadcaster's Redis backend, made to survive a Redis restart: its own listener dies
silently on a dropped connection (subscribers then hear nothing until a process restart).
This one logs, waits, listens again (redis-py re-subscribes its channels) and tells the app,
so subscriptions can catch up on what was published while Redis was away."""

import asyncio
import logging
from collections.abc import Callable

from broadcaster._backends.redis import RedisBackend
from broadcaster._base import Event
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("helpdesk.broadcast")

RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0)


class ResilientRedisBackend(RedisBackend):
    def __init__(self, url: str, on_reconnect: Callable[[], None] | None = None) -> None:
        super().__init__(url)
        self.healthy = True
        self._on_reconnect = on_reconnect

    async def _pubsub_listener(self) -> None:
        failures = 0
        while True:
            await self._ready.wait()
            try:
                if self._pubsub.connection is None:
                    await self._pubsub.connect()
                if failures:
                    # redis-py re-subscribes its channels when it connects again
                    await self._pubsub.ping()
                    self.healthy = True
                    failures = 0
                    logger.warning("Redis pub/sub is back")
                    if self._on_reconnect is not None:
                        self._on_reconnect()
                async for message in self._pubsub.listen():
                    if message["type"] == "message":
                        await self._queue.put(
                            Event(channel=message["channel"].decode(), message=message["data"].decode())
                        )
                self._ready.clear()
            except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                self.healthy = False
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                logger.warning("Redis pub/sub lost (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
