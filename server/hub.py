"""One broadcaster subscription per process, fanned out to bounded per-subscriber inboxes:
a slow client is told to resubscribe instead of growing the server's memory."""

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from broadcaster import Broadcast

from domain.events import ALL_TICKETS_CHANNEL, TicketActivity

logger = logging.getLogger("helpdesk.hub")

INBOX_SIZE = 1000
T = TypeVar("T")


@dataclass(frozen=True)
class Resync:
    """The broker was away: events may have been published that this process missed."""


@dataclass(frozen=True)
class Overflow:
    """The inbox filled up: the subscriber fell too far behind."""


InboxItem = TicketActivity | Resync | Overflow


class Inbox:
    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[InboxItem] = asyncio.Queue(maxsize=size + 1)
        self.size = size
        self.overflowed = False

    def offer(self, item: InboxItem) -> None:
        if self.overflowed:
            return
        if self.queue.qsize() >= self.size:
            self.overflowed = True
            self.queue.put_nowait(Overflow())  # the one slot kept free for this
            return
        self.queue.put_nowait(item)


LOADED_EVENTS_KEPT = 256


class EventHub:
    def __init__(
        self, broadcast: Broadcast, inbox_size: int = INBOX_SIZE, channel: str = ALL_TICKETS_CHANNEL
    ) -> None:
        self._broadcast = broadcast
        self._channel = channel
        self._inbox_size = inbox_size
        self._loaded: OrderedDict[int, asyncio.Future[Any]] = OrderedDict()
        self._inboxes: set[Inbox] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def load_once(self, event_id: int, load: Callable[[], Awaitable[T]]) -> T:
        """Every subscriber of this process gets the same event: read it from the database
        once, not once per subscriber (which was most of a broadcast's cost)."""
        future = self._loaded.get(event_id)
        if future is None:
            future = asyncio.ensure_future(load())
            self._loaded[event_id] = future
            while len(self._loaded) > LOADED_EVENTS_KEPT:
                self._loaded.popitem(last=False)
        if future.done() and not future.cancelled() and future.exception() is None:
            # Every subscriber after the first: no shield, no wake-up through the loop (a
            # shield per subscriber was a tenth of a broadcast's CPU).
            done: T = future.result()
            return done
        result: T = await asyncio.shield(future)
        return result

    @property
    def subscriber_count(self) -> int:
        return len(self._inboxes)

    def resync(self) -> None:
        for inbox in list(self._inboxes):
            inbox.offer(Resync())

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[Inbox]:
        await self._ready.wait()
        inbox = Inbox(self._inbox_size)
        self._inboxes.add(inbox)
        try:
            yield inbox
        finally:
            self._inboxes.discard(inbox)

    async def _run(self) -> None:
        async with self._broadcast.subscribe(self._channel) as subscriber:
            self._ready.set()
            while True:
                event = await subscriber.get()
                try:
                    activity = TicketActivity.from_json(json.loads(event.message))
                except (ValueError, KeyError, TypeError):
                    logger.exception("unreadable event on %s", self._channel)
                    continue
                for inbox in list(self._inboxes):
                    inbox.offer(activity)

    async def __aenter__(self) -> "EventHub":
        self._task = asyncio.create_task(self._run(), name="event-hub")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
