"""Signed outgoing webhooks (on-call pages): JSON bodies with an HMAC-SHA256 signature over
"<timestamp>.<body>", so receivers can check both origin and freshness."""

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

logger = logging.getLogger("helpdesk.webhooks")

SIGNATURE_HEADER = "X-Helpdesk-Signature"
TIMESTAMP_HEADER = "X-Helpdesk-Timestamp"
ATTEMPTS = 4


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSender:
    """Delivers in the background with retries (1, 2, 4 s apart): a slow or failing receiver
    never holds up the change that caused the call."""

    def __init__(self, secret: str, client: httpx.AsyncClient) -> None:
        self._secret = secret
        self._client = client
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, url: str, payload: dict[str, Any]) -> None:
        task = asyncio.create_task(self._deliver(url, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        for attempt in range(ATTEMPTS):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            }
            try:
                response = await self._client.post(url, content=body, headers=headers, timeout=5.0)
                if response.status_code < 500:
                    if response.status_code >= 400:
                        logger.warning("webhook %s refused the call: %s", url, response.status_code)
                    return
            except httpx.HTTPError as error:
                logger.info("webhook %s failed (%s), attempt %d", url, error, attempt + 1)
            await asyncio.sleep(2**attempt)
        logger.warning("webhook %s: giving up after %d attempts", url, ATTEMPTS)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
