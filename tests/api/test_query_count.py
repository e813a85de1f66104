"""DataLoaders everywhere: the SQL for a page does not grow with the page size."""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.api.desk import Desk

NESTED = """query($n: Int) { tickets(first: $n) { edges { node {
  id key subject status priority customer { name email } assignee { name groups { name } }
  group { name members { name } } product { name } category { name defaultGroup { name } }
  messages { body authorName attachments { id url } } attachments { id filename }
  events { kind actor { name } } satisfaction { stars } } } } }"""


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip().upper()
        if message.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            with self._lock:
                self.statements.append(record.getMessage())


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    """Counts the SQL the in-process test server sends (tortoise logs each at DEBUG)."""
    db_logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    previous = db_logger.level
    db_logger.setLevel(logging.DEBUG)
    db_logger.addHandler(counter)
    try:
        yield counter
    finally:
        db_logger.removeHandler(counter)
        db_logger.setLevel(previous)


def wait_for_quiet(seconds: float = 0.5, limit: float = 15) -> None:
    """Until the server process has sent no SQL for `seconds`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with counting_queries() as counter:
            time.sleep(seconds)
        if not counter.statements:
            return


def test_tickets_query_count_is_the_same_for_5_and_50(desk: Desk) -> None:
    assert desk.agent is not None and desk.supervisor is not None
    product = desk.gql.ok(
        "mutation($n: String!) { createProduct(input: {name: $n}) { id } }",
        {"n": f"QC {desk.group_id}"},
        desk.admin,
    )["createProduct"]["id"]
    for i in range(50):
        ticket = desk.ticket(productId=product, priority=["LOW", "HIGH"][i % 2])
        if i % 3 == 0:
            desk.gql.ok(
                "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
                {"t": ticket["id"], "a": desk.agent.id},
                desk.admin,
            )
        if i % 4 == 0:
            uploaded = httpx.post(
                f"{desk.gql.base_url}/tickets/{ticket['id']}/attachments",
                files={"file": ("log.txt", f"log {i}".encode(), "text/plain")},
                headers={"Authorization": f"Bearer {desk.agent.token}"},
            )
            assert uploaded.status_code == 201, uploaded.text
            desk.gql.ok(
                'mutation($t: ID!, $a: [ID!]) { addReply(ticketId: $t, body: "On it", attachmentIds: $a) { id } }',
                {"t": ticket["id"], "a": [uploaded.json()[0]["id"]]},
                desk.agent.token,
            )
    # The server process also runs background work (timers, other tests' subscriptions
    # reacting to these events) whose SQL can land in the window: wait for quiet, repeat,
    # and keep the least, since background work only ever adds statements.
    counts = {}
    for size in (5, 50):
        runs = []
        for _ in range(3):
            wait_for_quiet()
            with counting_queries() as counter:
                data = desk.gql.ok(NESTED, {"n": size}, desk.supervisor.token)
            assert len(data["tickets"]["edges"]) == size
            runs.append(len(counter.statements))
        counts[size] = min(runs)
    # Equal up to one batch: two chains of resolvers that reach the same DataLoader (members'
    # users, events' actors) share a batch only when they get there in the same tick, which
    # depends on the order the database answers in. An N+1 would add dozens.
    assert abs(counts[5] - counts[50]) <= 1, counts
    assert counts[50] <= 20, counts  # a fixed handful: auth, page, count, one per relation
