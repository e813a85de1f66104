"""The embedded mode's job runners: the same SLA checks, sweeps and classification as the
arq worker, run inside `helpdesk serve`."""

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType

from resolvers.context import utc_now
from workers.batching import Batcher

logger = logging.getLogger("helpdesk.timers")

SWEEP_INTERVAL_SECONDS = 5.0


class InProcessTimers:
    def __init__(
        self,
        on_due: Callable[[int], Awaitable[None]],
        on_sweep: Callable[[], Awaitable[int]],
        clock: Callable[[], datetime] = utc_now,
        sweep_interval: float = SWEEP_INTERVAL_SECONDS,
    ) -> None:
        self._on_due = on_due
        self._on_sweep = on_sweep
        self._clock = clock
        self._sweep_interval = sweep_interval
        self._heap: list[tuple[datetime, int]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def schedule(self, ticket_id: int, at: datetime) -> None:
        heapq.heappush(self._heap, (at, ticket_id))
        self._wake.set()

    async def _run_safely(self, work: Awaitable[object], what: str) -> None:
        try:
            await work
        except Exception:  # a failed check is retried by the next sweep
            logger.exception("SLA %s failed", what)

    async def _loop(self) -> None:
        next_sweep = 0.0
        loop = asyncio.get_running_loop()
        while True:
            if loop.time() >= next_sweep:
                await self._run_safely(self._on_sweep(), "sweep")
                next_sweep = loop.time() + self._sweep_interval
            now = self._clock()
            while self._heap and self._heap[0][0] <= now:
                _, ticket_id = heapq.heappop(self._heap)
                await self._run_safely(self._on_due(ticket_id), f"check of ticket {ticket_id}")
            wait = next_sweep - loop.time()
            if self._heap:
                wait = min(wait, (self._heap[0][0] - self._clock()).total_seconds())
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0.0))

    async def __aenter__(self) -> "InProcessTimers":
        self._task = asyncio.create_task(self._loop(), name="sla-timers")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


CLASSIFY_SWEEP_SECONDS = 30.0


class InProcessClassifier:
    """The embedded mode's classification job: tickets queued together are classified in one
    batch, and a sweep (at start, then every CLASSIFY_SWEEP_SECONDS) picks up tickets left
    pending by a restart."""

    def __init__(
        self,
        classify: Callable[[list[int]], Awaitable[object]],
        pending: Callable[[], Awaitable[list[int]]],
        sweep_interval: float = CLASSIFY_SWEEP_SECONDS,
    ) -> None:
        self._batcher: Batcher[int] = Batcher(classify)
        self._pending = pending
        self._sweep_interval = sweep_interval
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def enqueue(self, ticket_id: int) -> None:
        task = asyncio.create_task(self._classify(ticket_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _classify(self, ticket_id: int) -> None:
        try:
            await self._batcher.submit(ticket_id)
        except Exception:  # the ticket stays pending; the sweep retries it
            logger.exception("classifying ticket %s failed", ticket_id)

    async def _sweep_forever(self) -> None:
        while True:
            try:
                for ticket_id in await self._pending():
                    await self.enqueue(ticket_id)
            except Exception:
                logger.exception("classification sweep failed")
            await asyncio.sleep(self._sweep_interval)

    async def __aenter__(self) -> "InProcessClassifier":
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="classification-sweep")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        tasks = [*self._tasks, *([self._sweeper] if self._sweeper else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
