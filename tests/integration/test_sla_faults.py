"""Timers survive a killed worker and a flushed Redis: the sweep over the indexed next-alert
time finds every moment a lost job would have handled, and the unique (ticket, dedupe key)
keeps each alert single. Real backend only: the embedded mode has no worker or Redis."""

import asyncio
import signal
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import redis

from tests.api.desk import Desk
from tests.backends import REDIS_URL, Backend
from tests.conftest import WorkerHandle
from tests.gql import run_async

TICKETS = 1000
FIRST, RESOLUTION = 90, 100
ARQ_QUEUE = "arq:queue"
CREATE = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"


async def create_many(url: str, token: str, payloads: list[dict[str, Any]], concurrency: int = 8) -> list[str]:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        async def one(payload: dict[str, Any]) -> str:
            async with gate:
                response = await client.post(url, json={"query": CREATE, "variables": {"i": payload}})
                body = response.json()
                assert not body.get("errors"), body
                return str(body["data"]["createTicket"]["id"])
        return await asyncio.gather(*(one(p) for p in payloads))


def alert_counts(desk: Desk) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    after = None
    while True:
        page = desk.gql.ok(
            "query($g: ID!, $a: String) { tickets(first: 200, after: $a, filter: {groupId: [$g]}) {"
            " pageInfo { hasNextPage endCursor } nodes { id events { kind after } } } }",
            {"g": desk.group_id, "a": after}, desk.admin)["tickets"]
        for ticket in page["nodes"]:
            for event in ticket["events"]:
                if event["kind"].startswith("SLA_"):
                    counts[(ticket["id"], event["kind"], event["after"]["target"])] += 1
        if not page["pageInfo"]["hasNextPage"]:
            return counts
        after = page["pageInfo"]["endCursor"]


def test_killed_worker_and_flushed_redis_lose_and_repeat_nothing(
    desk: Desk, backend: Backend, worker: WorkerHandle | None
) -> None:
    if not backend.is_real or worker is None:
        pytest.skip("needs the real backend: arq workers on Redis")
    desk.gql.ok("mutation($i: SlaPolicyInput!) { upsertSlaPolicy(input: $i) { id } }", {"i": {
        "name": f"Faults {desk.group_id}", "priority": "HIGH", "firstResponseSeconds": FIRST,
        "resolutionSeconds": RESOLUTION, "warnAtPercent": [50], "conditions": {"groupIds": [desk.group_id]},
        "position": 1}}, desk.admin)
    payloads = [{"subject": f"Timer {i}", "description": "pending timer", "priority": "HIGH",
                 "customerId": desk.customer.id, "groupId": desk.group_id} for i in range(TICKETS)]  # type: ignore[union-attr]
    ids = run_async(create_many(desk.gql.url, desk.admin, payloads))
    assert len(set(ids)) == TICKETS
    created_all = time.monotonic()
    # Each ticket's first moment is FIRST/2 after its creation: on any machine that creates a
    # ticket in under 45 ms most timers are still pending in arq's queue here.
    client = redis.Redis.from_url(REDIS_URL)
    pending = client.zcard(ARQ_QUEUE)
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait()
    client.flushall()
    assert client.zcard(ARQ_QUEUE) == 0  # every pending timer is gone
    time.sleep(1)
    worker.restart()
    print(f"{pending} timers were pending when the worker was killed and Redis flushed")
    # The last ticket's last moment is RESOLUTION after its creation. Past that, wait as long
    # as the sweep keeps making progress (a loaded CI machine is slow, not wrong).
    deadline = created_all + RESOLUTION + 600
    expected = {(tid, kind, target) for tid in ids
                for kind in ("SLA_NEAR_BREACH", "SLA_BREACHED") for target in ("FIRST_RESPONSE", "RESOLUTION")}
    counts: Counter[tuple[str, str, str]] = Counter()
    while time.monotonic() < deadline:
        counts = alert_counts(desk)
        if set(counts) >= expected:
            break
        time.sleep(3)
    missed = expected - set(counts)
    duplicated = {key: n for key, n in counts.items() if n > 1}
    assert not missed, f"{len(missed)} alerts missed, e.g. {sorted(missed)[:3]}"
    assert not duplicated, f"duplicated: {list(duplicated.items())[:3]}"
    assert len(counts) == 4 * TICKETS
