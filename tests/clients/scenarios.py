"""What both client examples must do, written once; each test module supplies the command
that starts its client (`Start`: extra arguments -> a running client)."""

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from tests.api.desk import Desk
from tests.clients.proxy import DroppingProxy
from tests.clients.runner import ClientProcess

Start = Callable[..., AbstractContextManager[ClientProcess]]

ASSIGN = "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }"
SET_PRIORITY = "mutation($t: ID!, $p: Priority!) { setPriority(ticketId: $t, priority: $p) { id } }"
EVENTS = "query($t: ID!) { ticket(id: $t) { events { id } } }"
# The client subscribes before it reads the workbench, so once the workbench line is out the
# subscription is (almost surely) registered; a short pause removes the "almost".
SETTLE = 0.3


def assign(desk: Desk, ticket_id: str) -> None:
    assert desk.agent is not None
    desk.gql.ok(ASSIGN, {"t": ticket_id, "a": desk.agent.id}, desk.admin)


def event_ids_after(desk: Desk, ticket_ids: list[str], after: int) -> list[int]:
    """From the durable log: what a client resuming after `after` must print, in order."""
    ids = [int(e["id"]) for t in ticket_ids
           for e in desk.gql.ok(EVENTS, {"t": t}, desk.admin)["ticket"]["events"]]
    return sorted(i for i in ids if i > after)


def follow_live_assignment(desk: Desk, start: Start) -> dict[str, Any]:
    """Start the client, assign a ticket to its agent, return the event it printed."""
    ticket = desk.ticket()
    with start("--max-events", "1", "--timeout", "30") as client:
        workbench = client.line()
        assert workbench["__typename"] == "Workbench", workbench
        assert ticket["id"] in {t["id"] for t in workbench["unassignedInMyGroups"]}
        time.sleep(SETTLE)
        assign(desk, ticket["id"])
        event = client.line()
        assert client.rest() == []  # --max-events 1: it printed the one event and stopped
    assert event["__typename"] == "TicketAssigned", event
    assert event["ticket"]["id"] == ticket["id"]
    assert desk.agent is not None and event["ticket"]["assignee"]["id"] == desk.agent.id
    assert event["previousAssigneeId"] is None
    return event


def resume_with_since(desk: Desk, start: Start) -> None:
    """Stop after one event, let more happen while nobody listens, restart with --since:
    exactly the newer events come, in order, and no workbench is re-read."""
    other = desk.ticket()  # created now, so its creation is older than what we resume from
    first = follow_live_assignment(desk, start)
    last = int(first["eventId"])
    assign(desk, other["id"])
    desk.gql.ok(SET_PRIORITY, {"t": first["ticket"]["id"], "p": "HIGH"}, desk.admin)
    expected = event_ids_after(desk, [first["ticket"]["id"], other["id"]], last)
    assert expected, "the mutations left no events"
    with start("--since", str(last), "--max-events", str(len(expected)), "--timeout", "30") as client:
        printed = client.rest(timeout=30)
    assert [int(e["eventId"]) for e in printed] == expected
    kinds = {(e["__typename"], e["ticket"]["id"]) for e in printed}
    assert ("TicketAssigned", other["id"]) in kinds
    assert ("TicketUpdated", first["ticket"]["id"]) in kinds
    assert any(e.get("event", {}).get("kind") == "PRIORITY_CHANGED" for e in printed)


def resume_after_a_dropped_connection(desk: Desk, start: Start) -> None:
    """The connection drops and an event happens while it is down: the client reconnects by
    itself, resumes from its last eventId, and prints every later event exactly once."""
    ticket = desk.ticket()
    with DroppingProxy(desk.gql.base_url) as proxy, start("--timeout", "40", url=proxy.base_url) as client:
        assert client.line()["__typename"] == "Workbench"
        time.sleep(SETTLE)
        assign(desk, ticket["id"])
        last = int(client.line()["eventId"])
        proxy.down()
        desk.gql.ok(SET_PRIORITY, {"t": ticket["id"], "p": "HIGH"}, desk.admin)  # missed live
        proxy.up()
        desk.gql.ok(SET_PRIORITY, {"t": ticket["id"], "p": "LOW"}, desk.admin)  # replayed or live
        expected = event_ids_after(desk, [ticket["id"]], last)
        printed = [client.line(timeout=20) for _ in expected]
        assert [int(e["eventId"]) for e in printed] == expected
        assert [e["event"]["kind"] for e in printed if e["__typename"] == "TicketUpdated"].count(
            "PRIORITY_CHANGED") == 2
        assert "connection lost" in "".join(client.stderr)


def refuse_a_bad_token(start: Start) -> None:
    """A refused token ends the client with exit code 1 at once, without retrying."""
    with start("--timeout", "20", token="hd_not-a-token") as client:
        code = client.wait(timeout=15)
        assert code == 1, client.describe()
        assert "refused the token" in "".join(client.stderr)
