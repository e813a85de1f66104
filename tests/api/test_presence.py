"""Presence and collision: who is viewing or replying to a ticket right now."""

import time

from tests.api.desk import Desk
from tests.ws import Socket

SET = """mutation($t: ID!, $a: PresenceActivity) { setTicketPresence(ticketId: $t, activity: $a) {
  present { activity agent { id } } collisions { agent { id } } } }"""


def test_collision_when_two_agents_reply(desk: Desk) -> None:
    assert desk.agent is not None and desk.supervisor is not None and desk.customer is not None
    ticket = desk.ticket()
    viewing = desk.gql.ok(SET, {"t": ticket["id"], "a": "VIEWING"}, desk.agent.token)["setTicketPresence"]
    assert viewing == {"present": [{"activity": "VIEWING", "agent": {"id": desk.agent.id}}], "collisions": []}
    replying = desk.gql.ok(SET, {"t": ticket["id"], "a": "REPLYING"}, desk.supervisor.token)["setTicketPresence"]
    assert replying["collisions"] == []  # the other one is only looking
    assert [p["agent"]["id"] for p in replying["present"]] == [desk.supervisor.id, desk.agent.id]
    clash = desk.gql.ok(SET, {"t": ticket["id"], "a": "REPLYING"}, desk.agent.token)["setTicketPresence"]
    assert clash["collisions"] == [{"agent": {"id": desk.supervisor.id}}]
    on_ticket = desk.gql.ok("query($i: ID) { ticket(id: $i) { presence { activity agent { id } } } }",
                            {"i": ticket["id"]}, desk.admin)["ticket"]["presence"]
    assert {p["agent"]["id"] for p in on_ticket} == {desk.agent.id, desk.supervisor.id}
    online = {a["id"] for a in desk.gql.ok("{ onlineAgents { id } }", None, desk.admin)["onlineAgents"]}
    assert {desk.agent.id, desk.supervisor.id} <= online
    left = desk.gql.ok(SET, {"t": ticket["id"], "a": None}, desk.agent.token)["setTicketPresence"]
    assert [p["agent"]["id"] for p in left["present"]] == [desk.supervisor.id]
    assert desk.gql.error(SET, {"t": ticket["id"], "a": "VIEWING"}, desk.customer.token).code == "FORBIDDEN"
    assert desk.other_agent is not None  # not in the ticket's group: the ticket does not exist for them
    assert desk.gql.error(SET, {"t": ticket["id"], "a": "VIEWING"}, desk.other_agent.token).code == "NOT_FOUND"


def test_presence_subscription_pushes_changes(desk: Desk) -> None:
    assert desk.agent is not None and desk.supervisor is not None
    ticket = desk.ticket()
    socket = Socket(desk.gql.base_url, desk.agent.token)
    try:
        socket.subscribe("subscription($t: ID!) { ticketPresence(ticketId: $t) { activity agent { id } } }",
                         {"t": ticket["id"]})
        assert socket.next()["ticketPresence"] == []
        desk.gql.ok(SET, {"t": ticket["id"], "a": "REPLYING"}, desk.supervisor.token)
        assert socket.next()["ticketPresence"] == [{"activity": "REPLYING", "agent": {"id": desk.supervisor.id}}]
        time.sleep(0.2)
        desk.gql.ok(SET, {"t": ticket["id"], "a": None}, desk.supervisor.token)
        assert socket.next()["ticketPresence"] == []
    finally:
        socket.close()
