"""Subscriptions over real WebSockets: auth, access per event, catch-up with `since`."""

import json
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.api.desk import Desk
from tests.ws import LEGACY_WS, Socket

TICKET_EVENTS = "subscription($t: ID!, $s: ID) { ticketEvents(ticketId: $t, since: $s) { id kind } }"
WORKBENCH = """subscription($s: ID) { workbenchEvents(since: $s) { __typename
  ... on TicketActivityItem { eventId ticket { id } }
  ... on TicketUpdated { event { kind } } ... on TicketAssigned { previousAssigneeId }
  ... on MessageAdded { message { body internal } } } }"""
ALERTS = """subscription($g: ID) { slaAlerts(groupId: $g) { __typename
  ... on TicketActivityItem { eventId ticket { id } }
  ... on SlaNearBreach { target percent } ... on SlaBreached { target } } }"""
REPLY = 'mutation($t: ID!, $b: String!, $i: Boolean) { addReply(ticketId: $t, body: $b, internal: $i) { id } }'


def base(desk: Desk) -> str:
    return desk.gql.base_url


def collect(socket: Socket, count: int, key: str) -> list[dict[str, Any]]:
    return [socket.next()[key] for _ in range(count)]


def test_ticket_events_arrive_live(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    socket = Socket(base(desk), desk.agent.token)
    try:
        socket.subscribe(TICKET_EVENTS, {"t": ticket["id"]})
        time.sleep(0.3)  # the subscription is registered once the server has read it
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Looking"}, desk.agent.token)
        kinds = [e["kind"] for e in collect(socket, 3, "ticketEvents")]
        assert kinds == ["REPLIED", "FIRST_RESPONSE", "STATUS_CHANGED"]
    finally:
        socket.close()


def test_customers_follow_their_ticket_without_internal_notes(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    socket = Socket(base(desk), desk.customer.token)
    try:
        socket.subscribe(TICKET_EVENTS, {"t": ticket["id"]})
        time.sleep(0.3)
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": "secret", "i": True}, desk.agent.token)
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": "public"}, desk.agent.token)
        kinds = [e["kind"] for e in collect(socket, 2, "ticketEvents")]
        assert kinds == ["STATUS_CHANGED", "REPLIED"]  # no NOTE_ADDED, no FIRST_RESPONSE
    finally:
        socket.close()


def test_missed_events_are_replayed_with_since_exactly_once(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    socket = Socket(base(desk), desk.agent.token)
    socket.subscribe(TICKET_EVENTS, {"t": ticket["id"]})
    time.sleep(0.3)
    desk.gql.ok(REPLY, {"t": ticket["id"], "b": "one", "i": True}, desk.agent.token)
    first = collect(socket, 2, "ticketEvents")  # NOTE_ADDED, STATUS_CHANGED
    socket.close()
    for body in ("two", "three"):  # while nobody listens
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": body, "i": True}, desk.agent.token)
    again = Socket(base(desk), desk.agent.token)
    try:
        again.subscribe(TICKET_EVENTS, {"t": ticket["id"], "s": first[-1]["id"]})
        time.sleep(0.3)
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": "four", "i": True}, desk.agent.token)
        rest = collect(again, 3, "ticketEvents")
        assert [e["kind"] for e in rest] == ["NOTE_ADDED"] * 3
        ids = [int(e["id"]) for e in first + rest]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        with pytest.raises(TimeoutError):
            again.next(timeout=0.8)  # nothing else, in particular no repeat
    finally:
        again.close()


def test_workbench_events_reach_the_assignee_only(desk: Desk) -> None:
    assert desk.agent is not None and desk.other_agent is not None
    mine = Socket(base(desk), desk.agent.token)
    other = Socket(base(desk), desk.other_agent.token)
    try:
        mine.subscribe(WORKBENCH)
        other.subscribe(WORKBENCH)
        time.sleep(0.3)
        ticket = desk.ticket()
        desk.gql.ok("mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
                    {"t": ticket["id"], "a": desk.agent.id}, desk.admin)
        assigned = mine.next()["workbenchEvents"]
        assert assigned["__typename"] == "TicketAssigned" and assigned["ticket"]["id"] == ticket["id"]
        desk.gql.ok("mutation($t: ID!) { setPriority(ticketId: $t, priority: HIGH) { id } }", {"t": ticket["id"]}, desk.admin)
        updated = mine.next()["workbenchEvents"]
        assert (updated["__typename"], updated["event"]["kind"]) == ("TicketUpdated", "PRIORITY_CHANGED")
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Try clearing the cache"}, desk.supervisor.token)  # type: ignore[union-attr]
        added = mine.next()["workbenchEvents"]
        assert (added["__typename"], added["message"]) == ("MessageAdded", {"body": "Try clearing the cache", "internal": False})
        with pytest.raises(TimeoutError):
            other.next(timeout=0.8)
    finally:
        mine.close()
        other.close()


def test_sla_alerts_for_a_group(desk: Desk) -> None:
    assert desk.agent is not None
    desk.gql.ok("mutation($i: SlaPolicyInput!) { upsertSlaPolicy(input: $i) { id } }", {"i": {
        "name": f"Alerts {desk.group_id}", "priority": "URGENT", "firstResponseSeconds": 1,
        "resolutionSeconds": 3600, "warnAtPercent": [50], "conditions": {"groupIds": [desk.group_id]},
        "position": 1}}, desk.admin)
    socket = Socket(base(desk), desk.agent.token)
    try:
        socket.subscribe(ALERTS, {"g": desk.group_id})
        time.sleep(0.3)
        ticket = desk.ticket(priority="URGENT")
        alerts = collect(socket, 2, "slaAlerts")
        assert [(a["__typename"], a["target"]) for a in alerts] == [
            ("SlaNearBreach", "FIRST_RESPONSE"), ("SlaBreached", "FIRST_RESPONSE")]
        assert alerts[0]["percent"] == 50 and {a["ticket"]["id"] for a in alerts} == {ticket["id"]}
    finally:
        socket.close()
    assert desk.other_agent is not None
    outsider = Socket(base(desk), desk.other_agent.token)
    try:
        outsider.subscribe(ALERTS, {"g": desk.group_id})
        error = outsider.receive(5)  # raised while subscribing: a `next` carrying the error
        assert error["type"] == "next" and error["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        outsider.close()


def test_legacy_graphql_ws_protocol_serves_subscriptions(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    socket = Socket(base(desk), desk.agent.token, protocol=LEGACY_WS)
    try:
        socket.subscribe(TICKET_EVENTS, {"t": ticket["id"]})
        time.sleep(0.3)
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": "hi", "i": True}, desk.agent.token)
        assert socket.next()["ticketEvents"]["kind"] == "NOTE_ADDED"
    finally:
        socket.close()


def test_a_bad_token_or_no_init_closes_the_socket(desk: Desk) -> None:
    bad = Socket(base(desk), None, init=False)
    bad.send({"type": "connection_init", "payload": {"authorization": "Bearer hd_wrong"}})
    with pytest.raises(ConnectionClosed) as closed:
        bad.receive(5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    silent = Socket(base(desk), None, init=False)
    with pytest.raises(ConnectionClosed) as timed_out:
        silent.receive(10)  # the init timeout is 3 s
    assert timed_out.value.rcvd is not None and timed_out.value.rcvd.code == 4408


def test_the_server_pings_idle_sockets(desk: Desk) -> None:
    """The test server pings every second (production: HELPDESK_WS_PING_SECONDS, 15)."""
    assert desk.agent is not None
    socket = Socket(base(desk), desk.agent.token)
    try:
        message = json.loads(socket.ws.recv(timeout=5))
        assert message == {"type": "ping"}
    finally:
        socket.close()


def test_workbench_replay_delivers_what_the_live_stream_did(desk: Desk) -> None:
    """Assigned, changed, then taken away: a replay with `since` must match the live stream."""
    assert desk.agent is not None
    live = Socket(base(desk), desk.agent.token)
    try:
        live.subscribe(WORKBENCH)
        time.sleep(0.3)
        start = desk.ticket()  # CREATED while unassigned: not the agent's work
        events = desk.gql.ok("query($i: ID) { ticket(id: $i) { events { id } } }", {"i": start["id"]}, desk.admin)
        since = events["ticket"]["events"][-1]["id"]
        desk.gql.ok("mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
                    {"t": start["id"], "a": desk.agent.id}, desk.admin)
        desk.gql.ok("mutation($t: ID!) { setPriority(ticketId: $t, priority: HIGH) { id } }", {"t": start["id"]}, desk.admin)
        desk.gql.ok("mutation($t: ID!) { unassignTicket(ticketId: $t) { id } }", {"t": start["id"]}, desk.admin)
        desk.gql.ok("mutation($t: ID!) { setPriority(ticketId: $t, priority: LOW) { id } }", {"t": start["id"]}, desk.admin)
        seen_live = [live.next()["workbenchEvents"] for _ in range(3)]
        with pytest.raises(TimeoutError):
            live.next(timeout=0.8)  # the change after the unassignment is no longer theirs
    finally:
        live.close()
    assert [e["__typename"] for e in seen_live] == ["TicketAssigned", "TicketUpdated", "TicketAssigned"]
    assert seen_live[2]["previousAssigneeId"] == desk.agent.id
    replay = Socket(base(desk), desk.agent.token)
    try:
        replay.subscribe(WORKBENCH, {"s": since})
        replayed = [replay.next()["workbenchEvents"] for _ in range(3)]
        with pytest.raises(TimeoutError):
            replay.next(timeout=0.8)
    finally:
        replay.close()
    assert [e["eventId"] for e in replayed] == [e["eventId"] for e in seen_live]


def test_the_workbench_gives_the_since_that_closes_the_gap_to_the_subscription(desk: Desk) -> None:
    """A page loads its workbench, then subscribes: what happens between the two (here: on
    purpose, before the subscription exists) comes with `since` = the load's lastEventId."""
    assert desk.agent is not None
    loaded = desk.gql.ok("{ workbench { lastEventId pending { id } } }", None, desk.agent.token)["workbench"]
    ticket = desk.ticket()
    assert ticket["id"] not in [t["id"] for t in loaded["pending"]]
    desk.gql.ok("mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
                {"t": ticket["id"], "a": desk.agent.id}, desk.admin)
    socket = Socket(base(desk), desk.agent.token)
    try:
        socket.subscribe(WORKBENCH, {"s": loaded["lastEventId"]})
        caught_up = socket.next()["workbenchEvents"]
    finally:
        socket.close()
    assert caught_up["__typename"] == "TicketAssigned" and caught_up["ticket"]["id"] == ticket["id"]
    assert int(caught_up["eventId"]) > int(loaded["lastEventId"])
