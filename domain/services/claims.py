"""Rows waiting to be sent (mail in the outbox, webhook calls) and claimed by one sender at
a time: a claim moves the row's `next_attempt_at` forward in one conditional UPDATE, so two
senders never both take it, and a sender that dies frees it when the claim runs out."""

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, cast


async def claim(model: Any, row_id: int, *, now: datetime, hold: timedelta) -> bool:
    """True when this sender took the due row."""
    taken = await model.filter(id=row_id, next_attempt_at__lte=now).update(next_attempt_at=now + hold)
    return bool(taken)


async def each_due(
    model: Any, *, now: datetime, limit: int, handle: Callable[[int, datetime], Awaitable[bool]]
) -> int:
    """Handles the due rows, oldest first; how many `handle` reported done."""
    due = cast(list[int], await model.filter(next_attempt_at__lte=now).order_by("next_attempt_at")
               .limit(limit).values_list("id", flat=True))
    done = 0
    started = time.monotonic()
    for row_id in due:
        # Each claim timed when it is made: a run of slow sends must not claim a row with a
        # moment already past, which another sender could then claim again.
        done += await handle(row_id, now + timedelta(seconds=time.monotonic() - started))
    return done
