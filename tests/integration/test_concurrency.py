"""Concurrent edits through the API. Run on both backends; on PostgreSQL the transactions
really overlap (SQLite serialises them), which is where these tests earn their keep."""

import asyncio

import httpx
import pytest

from tests.api.desk import Desk
from tests.backends import Backend
from tests.gql import run_async

SET_PRIORITY = """mutation($t: ID!, $p: Priority!, $v: Int) {
  setPriority(ticketId: $t, priority: $p, expectedVersion: $v) { priority version } }"""


async def _post_all(url: str, token: str, bodies: list[dict[str, object]]) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30) as client:
        responses = await asyncio.gather(*(client.post(url, json=b, headers=headers) for b in bodies))
    return [r.json() for r in responses]


@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_expected_version_edits_one_wins(desk: Desk, backend: Backend, attempt: int) -> None:
    ticket = desk.ticket(priority="MEDIUM")
    bodies: list[dict[str, object]] = [
        {"query": SET_PRIORITY, "variables": {"t": ticket["id"], "p": p, "v": 1}} for p in ("URGENT", "LOW")
    ]
    results = run_async(_post_all(desk.gql.url, desk.admin, bodies))
    winners = [r for r in results if not r.get("errors")]
    losers = [r for r in results if r.get("errors")]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0]["errors"][0]["extensions"]["code"] == "CONFLICT"  # type: ignore[index]
    final = desk.gql.ok(
        "query($i: ID) { ticket(id: $i) { priority version events { kind } } }",
        {"i": ticket["id"]},
        desk.admin,
    )["ticket"]
    assert final["priority"] == winners[0]["data"]["setPriority"]["priority"]  # type: ignore[index]
    assert final["version"] == 2
    assert [e["kind"] for e in final["events"]] == ["CREATED", "PRIORITY_CHANGED"]


def test_concurrent_edits_without_expected_version_all_apply(desk: Desk) -> None:
    """Without expectedVersion a lost race is retried on fresh data: nothing is lost."""
    ticket = desk.ticket()
    bodies: list[dict[str, object]] = [
        {
            "query": "mutation($t: ID!, $b: String!) { addReply(ticketId: $t, body: $b, internal: true) { id } }",
            "variables": {"t": ticket["id"], "b": f"note {i}"},
        }
        for i in range(8)
    ]
    results = run_async(_post_all(desk.gql.url, desk.admin, bodies))
    assert all(not r.get("errors") for r in results), results
    final = desk.gql.ok(
        "query($i: ID) { ticket(id: $i) { version messages { body } events { kind } } }",
        {"i": ticket["id"]},
        desk.admin,
    )["ticket"]
    assert sorted(m["body"] for m in final["messages"]) == sorted(f"note {i}" for i in range(8))
    assert final["version"] == 1 + 8
    assert [e["kind"] for e in final["events"]].count("NOTE_ADDED") == 8


def test_concurrent_creates_with_one_idempotency_key_make_one_ticket(desk: Desk) -> None:
    assert desk.customer is not None
    create = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"
    payload = {
        "subject": "Dup",
        "description": "Sent twice by a flaky client",
        "customerEmail": f"brand-new-{desk.group_id}@dup.test",
        "idempotencyKey": f"k-{desk.group_id}",
    }
    results = run_async(
        _post_all(desk.gql.url, desk.admin, [{"query": create, "variables": {"i": payload}}] * 6)
    )
    assert all(not r.get("errors") for r in results), results
    ids = {r["data"]["createTicket"]["id"] for r in results}  # type: ignore[index]
    assert len(ids) == 1
    customers = desk.gql.ok(
        "query($s: String) { customers(search: $s) { id } }", {"s": f"brand-new-{desk.group_id}"}, desk.admin
    )["customers"]
    assert len(customers) == 1
