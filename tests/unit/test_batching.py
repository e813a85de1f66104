import asyncio

import pytest

from workers.batching import Batcher


async def test_items_submitted_together_share_a_batch_and_later_ones_form_the_next() -> None:
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def run(items: list[int]) -> None:
        batches.append(items)
        if len(batches) == 1:
            await gate.wait()

    batcher: Batcher[int] = Batcher(run, max_batch=3)
    first = [asyncio.create_task(batcher.submit(i)) for i in range(2)]
    await asyncio.sleep(0.01)
    later = [asyncio.create_task(batcher.submit(i)) for i in range(2, 7)]  # while batch 1 runs
    await asyncio.sleep(0.01)
    gate.set()
    await asyncio.gather(*first, *later)
    assert batches == [[0, 1], [2, 3, 4], [5, 6]]


async def test_a_failed_batch_fails_its_submitters_only() -> None:
    async def run(items: list[int]) -> None:
        if 13 in items:
            raise RuntimeError("bad batch")

    batcher: Batcher[int] = Batcher(run)
    with pytest.raises(RuntimeError):
        await batcher.submit(13)
    await batcher.submit(1)  # the next batch runs normally
