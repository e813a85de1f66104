"""The embedded SLA timers fire a scheduled check by themselves, without waiting for the
sweep: the sweep here comes once at start and then not for an hour."""

import asyncio
from datetime import UTC, datetime, timedelta

from workers.in_process import InProcessTimers


async def test_a_scheduled_check_fires_without_the_sweep() -> None:
    fired: asyncio.Queue[int] = asyncio.Queue()
    sweeps: list[int] = []

    async def on_due(ticket_id: int) -> None:
        await fired.put(ticket_id)

    async def on_sweep() -> int:
        sweeps.append(1)
        return 0

    async with InProcessTimers(on_due, on_sweep, sweep_interval=3600.0) as timers:
        now = datetime.now(UTC)
        await timers.schedule(7, now + timedelta(milliseconds=50))
        await timers.schedule(3, now + timedelta(milliseconds=10))
        # Generous: only a timer that never fires fails this (the next sweep is an hour away).
        got = [await asyncio.wait_for(fired.get(), timeout=30) for _ in range(2)]
    assert got == [3, 7]  # in due order
    assert sweeps == [1]  # only the sweep at start ran


async def test_a_failing_check_does_not_stop_the_timers() -> None:
    fired: asyncio.Queue[int] = asyncio.Queue()

    async def on_due(ticket_id: int) -> None:
        if ticket_id == 1:
            raise RuntimeError("database away")
        await fired.put(ticket_id)

    async def on_sweep() -> int:
        return 0

    async with InProcessTimers(on_due, on_sweep, sweep_interval=3600.0) as timers:
        now = datetime.now(UTC)
        await timers.schedule(1, now)
        await timers.schedule(2, now + timedelta(milliseconds=20))
        assert await asyncio.wait_for(fired.get(), timeout=30) == 2
