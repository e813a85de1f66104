"""Signed outgoing webhooks (on-call pages): JSON bodies with an HMAC-SHA256 signature over
"<timestamp>.<body>", so receivers can check both origin and freshness. Calls go through a
table, so a receiver that is down or a restart of the sender delays them, never loses them."""

import asyncio
import hashlib
import hmac
import time
from datetime import datetime
from typing import Any

import httpx

from domain.services import webhook_outbox

SIGNATURE_HEADER = "X-Helpdesk-Signature"
TIMESTAMP_HEADER = "X-Helpdesk-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSender:
    """Queues calls in the database (domain/services/webhook_outbox.py) and makes them at
    once, off the caller's path; the sweeps retry what fails. Each attempt is signed anew,
    so its timestamp is fresh for the receiver's replay check."""

    def __init__(self, secret: str, client: httpx.AsyncClient) -> None:
        self._secret = secret
        self._client = client
        self._tasks: set[asyncio.Task[bool]] = set()

    async def write(self, *, url: str, payload: dict[str, Any], kind: str, now: datetime) -> int:
        """The call as a row, in the caller's transaction; `deliver_soon` it once committed."""
        row = await webhook_outbox.enqueue(url=url, payload=payload, kind=kind, now=now)
        return row.id

    def deliver_soon(self, delivery_id: int, now: datetime) -> None:
        """Makes a written call at once, off the caller's path; the claim keeps it from going
        out twice, and the sweeps retry what this does not deliver."""
        task = asyncio.create_task(webhook_outbox.deliver(delivery_id=delivery_id, now=now, post=self.post))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def post(self, url: str, body: bytes) -> int:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        response = await self._client.post(url, content=body, headers=headers, timeout=5.0)
        return response.status_code

    async def deliver_due(self, now: datetime) -> int:
        return await webhook_outbox.deliver_due(now=now, post=self.post)

    async def aclose(self) -> None:
        # A call cut short stays claimed in the table and is made again after its claim.
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
