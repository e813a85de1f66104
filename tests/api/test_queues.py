"""Group queues and their live changes (QueueChanged)."""

from tests.api.desk import Desk
from tests.ws import Socket

QUEUES = "{ queues { group { id } new open waiting unassigned nearBreach breached oldestDueAt } }"
CHANGES = "subscription($g: ID) { queueChanges(groupId: $g) { group { id } new open unassigned } }"


def queue_of(desk: Desk, token: str, group_id: str) -> dict[str, object]:
    queues = desk.gql.ok(QUEUES, None, token)["queues"]
    return next(q for q in queues if q["group"]["id"] == group_id)


def test_queue_figures_and_visibility(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    first = desk.ticket(priority="URGENT")
    desk.ticket()
    desk.gql.ok("mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
                {"t": first["id"], "a": desk.agent.id}, desk.admin)
    desk.gql.ok('mutation($t: ID!) { addReply(ticketId: $t, body: "on it") { id } }', {"t": first["id"]}, desk.agent.token)
    queue = queue_of(desk, desk.agent.token, desk.group_id)
    assert {k: queue[k] for k in ("new", "open", "waiting", "unassigned", "breached")} == {
        "new": 1, "open": 1, "waiting": 0, "unassigned": 1, "breached": 0}
    assert queue["oldestDueAt"] is not None
    seen = [q["group"]["id"] for q in desk.gql.ok(QUEUES, None, desk.agent.token)["queues"]]
    assert seen == [desk.group_id]  # an agent sees their own groups' queues
    assert desk.group_id in [q["group"]["id"] for q in desk.gql.ok(QUEUES, None, desk.admin)["queues"]]
    assert desk.gql.error(QUEUES, None, desk.customer.token).code == "FORBIDDEN"


def test_queue_changes_follow_new_tickets_and_transfers(desk: Desk) -> None:
    socket = Socket(desk.gql.base_url, desk.admin)
    try:
        socket.subscribe(CHANGES, {"g": desk.group_id})
        assert socket.next()["queueChanges"] == {"group": {"id": desk.group_id}, "new": 0, "open": 0, "unassigned": 0}
        ticket = desk.ticket()
        assert socket.next()["queueChanges"]["new"] == 1
        desk.gql.ok("mutation($t: ID!, $g: ID) { assignTicket(ticketId: $t, groupId: $g) { id } }",
                    {"t": ticket["id"], "g": desk.other_group_id}, desk.admin)
        assert socket.next()["queueChanges"] == {"group": {"id": desk.group_id}, "new": 0, "open": 0, "unassigned": 0}
    finally:
        socket.close()
    assert desk.agent is not None
    outsider = Socket(desk.gql.base_url, desk.agent.token)
    try:
        outsider.subscribe(CHANGES, {"g": desk.other_group_id})
        error = outsider.receive(5)
        assert error["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        outsider.close()
