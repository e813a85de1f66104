"""Outgoing webhook calls through a table, as mail goes through the outbox: written when the
page is, sent at once after commit, retried with backoff by the sweeps while the receiver
fails, claimed atomically so that two senders never both make a call."""

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from domain.models import WebhookDelivery
from domain.rules.retry import retry_delay
from domain.services.claims import claim, each_due

logger = logging.getLogger("helpdesk.webhooks")

# Longer than one call with its timeout: a sender that dies mid-call frees it after this.
CLAIM = timedelta(minutes=1)
# About a day of tries (5 s doubling to every 30 min) before a call is given up on.
MAX_ATTEMPTS = 60

# Makes the call: the receiver's HTTP status, or an exception when there was no answer.
Post = Callable[[str, bytes], Awaitable[int]]


def permanent(status: int) -> bool:
    """A 4xx says the call itself is wrong (gone, forbidden): repeating it cannot help. A
    timeout (408) or a rate limit (429) can pass."""
    return 400 <= status < 500 and status not in (408, 429)


async def enqueue(*, url: str, payload: dict[str, Any], kind: str, now: datetime) -> WebhookDelivery:
    return await WebhookDelivery.create(
        url=url, body=json.dumps(payload, separators=(",", ":")), kind=kind, next_attempt_at=now,
        created_at=now,
    )


async def deliver(*, delivery_id: int, now: datetime, post: Post) -> bool:
    """Makes one due call nobody else has claimed; True when the receiver took it (2xx)."""
    if not await claim(WebhookDelivery, delivery_id, now=now, hold=CLAIM):
        return False
    row = await WebhookDelivery.get(id=delivery_id)
    attempts = row.attempts + 1
    try:
        status = await post(row.url, row.body.encode())
    except Exception as error:  # no answer (refused, timed out): try again later
        status, problem = 0, f"{type(error).__name__}: {error}"
    else:
        problem = f"HTTP {status}"
    if 200 <= status < 300:
        await WebhookDelivery.filter(id=delivery_id).update(
            attempts=attempts, delivered_at=now, next_attempt_at=None, last_error=None
        )
        return True
    final = permanent(status) or attempts >= MAX_ATTEMPTS
    await WebhookDelivery.filter(id=delivery_id).update(
        attempts=attempts, next_attempt_at=None if final else now + retry_delay(attempts),
        last_error=problem[:2000],
    )
    log = logger.warning if final else logger.info
    log("webhook %s not delivered (attempt %d%s): %s", row.url, attempts, ", given up" if final else "",
        problem)
    return False


async def deliver_due(*, now: datetime, post: Post, limit: int = 100) -> int:
    async def handle(delivery_id: int, moment: datetime) -> bool:
        return await deliver(delivery_id=delivery_id, now=moment, post=post)

    return await each_due(WebhookDelivery, now=now, limit=limit, handle=handle)
