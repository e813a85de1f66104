"""Group work that arrives together into one call: the classifier encodes a batch of
tickets in about the time it takes for one, so concurrent jobs share a batch."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Batcher(Generic[T]):
    """`submit` waits until its item has been processed. Items submitted while a batch is
    running form the next batch; a batch's failure is raised in each of its submitters."""

    def __init__(self, run: Callable[[list[T]], Awaitable[object]], max_batch: int = 64) -> None:
        self._run = run
        self._max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        # Shielded: a cancelled submitter (a job timing out) must not cancel the batch.
        await asyncio.shield(future)

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # submitters of the same moment join the first batch
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                await self._run([item for item, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
