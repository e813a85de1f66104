"""Two desks on one Redis (each with its own HELPDESK_QUEUE_NAME and database) stay apart:
Redis pub/sub ignores the database index, so without a channel per deployment every event
of one desk reached the other's subscribers' hub, which then looked the ids up in its own
database and, where they existed, replayed its own old events as new."""

import time
from collections.abc import Iterator

import pytest

from tests.api.own_desk import OwnDesk, own_desk
from tests.backends import Backend
from tests.ws import Socket

CREATE = """mutation($s: String!) { createTicket(input: {subject: $s, description: "d", source: API,
  customerEmail: "shared-redis@example.com"}) { id } }"""
NOTE = """mutation($t: ID!, $b: String!) { addReply(ticketId: $t, body: $b, internal: true) { id } }"""
EVENTS = "subscription($t: ID!) { ticketEvents(ticketId: $t) { id kind note } }"


@pytest.fixture(scope="module")
def two_desks(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[tuple[OwnDesk, OwnDesk]]:
    if not backend.is_real:
        pytest.skip("the embedded backend has no broker to share")
    with (
        own_desk(tmp_path_factory.mktemp("desk-a"), {"HELPDESK_TRIAGE": "off"}) as a,
        own_desk(tmp_path_factory.mktemp("desk-b"), {"HELPDESK_TRIAGE": "off"}) as b,
    ):
        yield a[0], b[0]


def test_a_desk_hears_only_its_own_events(two_desks: tuple[OwnDesk, OwnDesk]) -> None:
    a, b = two_desks
    ticket_a = a.gql.ok(CREATE, {"s": "desk A"}, a.admin)["createTicket"]["id"]
    for n in range(5):  # desk A's log has old events with the ids desk B is about to publish
        a.gql.ok(NOTE, {"t": ticket_a, "b": f"old note {n}"}, a.admin)
    ticket_b = b.gql.ok(CREATE, {"s": "desk B"}, b.admin)["createTicket"]["id"]
    assert ticket_a == ticket_b  # two fresh databases: the same ids on both desks

    socket = Socket(a.gql.base_url, a.admin)
    try:
        socket.subscribe(EVENTS, {"t": ticket_a})
        time.sleep(0.3)  # registered once the server has read it
        for n in range(3):
            b.gql.ok(NOTE, {"t": ticket_b, "b": f"desk B note {n}"}, b.admin)
        fresh = a.gql.ok(NOTE, {"t": ticket_a, "b": "new on A"}, a.admin)["addReply"]["id"]
        first = socket.next(timeout=20)["ticketEvents"]
        assert first["kind"] == "NOTE_ADDED"
        # Desk A's own newest note, not one of its old events woken by desk B's ids.
        newest = a.gql.ok("query($t: ID!) { ticket(id: $t) { events { id kind } } }", {"t": ticket_a},
                          a.admin)["ticket"]["events"][-1]
        assert first["id"] == newest["id"], (first, newest, fresh)
    finally:
        socket.close()
