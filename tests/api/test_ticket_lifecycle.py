"""Every ticket operation of API.md over real HTTP, on the backend of this run."""

from tests.api.desk import TICKET_FIELDS, Desk

ASSIGN = f"""mutation($t: ID!, $a: ID, $g: ID, $n: String, $v: Int) {{
  assignTicket(ticketId: $t, agentId: $a, groupId: $g, note: $n, expectedVersion: $v) {{ {TICKET_FIELDS} }} }}"""
REPLY = """mutation($t: ID!, $b: String!, $i: Boolean) {
  addReply(ticketId: $t, body: $b, internal: $i) { id body internal authorKind authorName
    ticket { status version firstRespondedAt } } }"""
WAIT = f"mutation($t: ID!, $r: WaitReason!) {{ setWaiting(ticketId: $t, reason: $r) {{ {TICKET_FIELDS} }} }}"
RESUME = f"mutation($t: ID!) {{ resume(ticketId: $t) {{ {TICKET_FIELDS} }} }}"
RESOLVE = f"mutation($t: ID!) {{ resolveTicket(ticketId: $t) {{ {TICKET_FIELDS} }} }}"
CLOSE = f"mutation($t: ID!) {{ closeTicket(ticketId: $t) {{ {TICKET_FIELDS} }} }}"
REOPEN = f"mutation($t: ID!) {{ reopenTicket(ticketId: $t) {{ {TICKET_FIELDS} }} }}"
PRIORITY = (
    f"mutation($t: ID!, $p: Priority!) {{ setPriority(ticketId: $t, priority: $p) {{ {TICKET_FIELDS} }} }}"
)


def test_create_ticket_as_agent_for_a_new_customer(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.gql.ok(
        f"mutation($i: CreateTicketInput!) {{ createTicket(input: $i) {{ {TICKET_FIELDS} }} }}",
        {
            "i": {
                "subject": "  Invoice twice  ",
                "description": "Charged twice in March",
                "customerEmail": "New.Person@Example.TEST",
                "customerName": "New Person",
                "source": "PHONE",
                "priority": "HIGH",
                "groupId": desk.group_id,
            }
        },
        desk.agent.token,
    )["createTicket"]
    assert ticket["key"] == f"HD-{ticket['id']}"
    assert ticket["subject"] == "Invoice twice"
    assert (ticket["status"], ticket["priority"], ticket["source"]) == ("NEW", "HIGH", "PHONE")
    assert ticket["customer"]["email"] == "new.person@example.test"
    assert ticket["version"] == 1
    assert [e["kind"] for e in ticket["events"]] == ["CREATED"]
    assert ticket["createdAt"].endswith("+00:00")


def test_create_ticket_as_customer_is_for_themselves(desk: Desk) -> None:
    assert desk.customer is not None
    ticket = desk.ticket(token=desk.customer.token)
    assert ticket["customer"]["id"] == desk.customer.id
    assert [e["kind"] for e in ticket["events"]] == ["CREATED"]


def test_idempotency_key_returns_the_first_ticket(desk: Desk) -> None:
    first = desk.ticket(idempotencyKey="mail-<abc@x>")
    again = desk.ticket(idempotencyKey="mail-<abc@x>", subject="Different")
    assert again["id"] == first["id"]
    other = desk.ticket(idempotencyKey="mail-<other@x>")
    assert other["id"] != first["id"]


def test_assign_to_agent_and_group_logs_before_and_after(desk: Desk) -> None:
    assert desk.agent is not None and desk.supervisor is not None
    ticket = desk.ticket()
    assigned = desk.gql.ok(
        ASSIGN,
        {"t": ticket["id"], "a": desk.agent.id, "n": "knows billing"},
        desk.supervisor.token,
    )["assignTicket"]
    assert assigned["assignee"]["id"] == desk.agent.id
    assert assigned["version"] == 2
    event = assigned["events"][-1]
    assert event["kind"] == "ASSIGNED"
    assert event["before"] == {"groupId": int(desk.group_id), "assigneeId": None}
    assert event["after"] == {"groupId": int(desk.group_id), "assigneeId": int(desk.agent.id)}
    assert event["note"] == "knows billing"


def test_moving_to_another_group_unassigns_a_non_member(desk: Desk) -> None:
    assert desk.agent is not None and desk.other_agent is not None
    ticket = desk.ticket()
    desk.gql.ok(ASSIGN, {"t": ticket["id"], "a": desk.agent.id}, desk.admin)
    moved = desk.gql.ok(ASSIGN, {"t": ticket["id"], "g": desk.other_group_id}, desk.admin)["assignTicket"]
    assert moved["group"]["id"] == desk.other_group_id
    assert moved["assignee"] is None
    both = desk.gql.ok(ASSIGN, {"t": ticket["id"], "a": desk.other_agent.id}, desk.admin)["assignTicket"]
    assert both["assignee"]["id"] == desk.other_agent.id


def test_unassign(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    desk.gql.ok(ASSIGN, {"t": ticket["id"], "a": desk.agent.id}, desk.admin)
    result = desk.gql.ok(
        "mutation($t: ID!) { unassignTicket(ticketId: $t) { assignee { id } version } }",
        {"t": ticket["id"]},
        desk.admin,
    )["unassignTicket"]
    assert result == {"assignee": None, "version": 3}


def test_first_public_agent_reply_meets_first_response_and_opens(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    note = desk.gql.ok(REPLY, {"t": ticket["id"], "b": "check the mail logs", "i": True}, desk.agent.token)[
        "addReply"
    ]
    assert note["internal"] is True
    assert note["ticket"]["firstRespondedAt"] is None  # a note is not a response...
    assert note["ticket"]["status"] == "OPEN"  # ...but the agent has started on it
    reply = desk.gql.ok(REPLY, {"t": ticket["id"], "b": "We are on it."}, desk.agent.token)["addReply"]
    assert reply["authorKind"] == "AGENT"
    assert reply["ticket"]["status"] == "OPEN"
    assert reply["ticket"]["firstRespondedAt"] is not None
    events = desk.gql.ok(
        "query($id: ID!) { ticket(id: $id) { events { kind } } }", {"id": ticket["id"]}, desk.agent.token
    )["ticket"]["events"]
    assert [e["kind"] for e in events] == [
        "CREATED",
        "NOTE_ADDED",
        "STATUS_CHANGED",
        "REPLIED",
        "FIRST_RESPONSE",
    ]
    second = desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Any news?"}, desk.agent.token)
    assert second["addReply"]["ticket"]["firstRespondedAt"] == reply["ticket"]["firstRespondedAt"]


def test_customer_sees_public_messages_and_events_only(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    desk.gql.ok(REPLY, {"t": ticket["id"], "b": "internal thoughts", "i": True}, desk.agent.token)
    desk.gql.ok(REPLY, {"t": ticket["id"], "b": "public answer"}, desk.agent.token)
    seen = desk.gql.ok(
        "query($id: ID!) { ticket(id: $id) { messages { body internal } events { kind } } }",
        {"id": ticket["id"]},
        desk.customer.token,
    )["ticket"]
    assert seen["messages"] == [{"body": "public answer", "internal": False}]
    assert [e["kind"] for e in seen["events"]] == ["CREATED", "STATUS_CHANGED", "REPLIED"]


def test_waiting_on_customer_resumes_when_the_customer_replies(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    waiting = desk.gql.ok(WAIT, {"t": ticket["id"], "r": "CUSTOMER"}, desk.agent.token)["setWaiting"]
    assert (waiting["status"], waiting["waitReason"]) == ("WAITING", "CUSTOMER")
    answer = desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Here is the screenshot"}, desk.customer.token)[
        "addReply"
    ]
    assert answer["authorKind"] == "CUSTOMER"
    assert answer["ticket"]["status"] == "OPEN"


def test_wait_reason_changes_and_resume(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    desk.gql.ok(WAIT, {"t": ticket["id"], "r": "THIRD_PARTY"}, desk.agent.token)
    review = desk.gql.ok(WAIT, {"t": ticket["id"], "r": "REVIEW"}, desk.agent.token)["setWaiting"]
    assert review["waitReason"] == "REVIEW"
    resumed = desk.gql.ok(RESUME, {"t": ticket["id"]}, desk.agent.token)["resume"]
    assert (resumed["status"], resumed["waitReason"]) == ("OPEN", None)
    change = resumed["events"][-1]
    assert change["before"] == {"status": "WAITING", "waitReason": "REVIEW"}
    assert change["after"] == {"status": "OPEN", "waitReason": None}


def test_resolve_close_reopen(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    resolved = desk.gql.ok(RESOLVE, {"t": ticket["id"]}, desk.agent.token)["resolveTicket"]
    assert resolved["status"] == "RESOLVED" and resolved["resolvedAt"] is not None
    closed = desk.gql.ok(CLOSE, {"t": ticket["id"]}, desk.agent.token)["closeTicket"]
    assert closed["status"] == "CLOSED" and closed["closedAt"] is not None
    reopened = desk.gql.ok(REOPEN, {"t": ticket["id"]}, desk.agent.token)["reopenTicket"]
    assert (reopened["status"], reopened["resolvedAt"], reopened["closedAt"]) == ("OPEN", None, None)


def test_customer_reopens_a_resolved_ticket_by_replying(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    desk.gql.ok(RESOLVE, {"t": ticket["id"]}, desk.agent.token)
    answer = desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Still broken"}, desk.customer.token)
    assert answer["addReply"]["ticket"]["status"] == "OPEN"


def test_set_priority_logs_and_is_a_no_op_when_unchanged(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket(priority="LOW")
    urgent = desk.gql.ok(PRIORITY, {"t": ticket["id"], "p": "URGENT"}, desk.agent.token)["setPriority"]
    assert urgent["priority"] == "URGENT" and urgent["version"] == 2
    assert urgent["events"][-1]["before"] == {"priority": "LOW"}
    same = desk.gql.ok(PRIORITY, {"t": ticket["id"], "p": "URGENT"}, desk.agent.token)["setPriority"]
    assert same["version"] == 2


def test_set_category(desk: Desk) -> None:
    category = desk.gql.ok(
        'mutation($n: String!) { createCategory(input: {name: $n, examples: ["charged twice", '
        '"refund please", "charged twice"]}) { id examples { text } } }',
        {"n": f"Billing {desk.group_id}"},
        desk.admin,
    )["createCategory"]
    assert [e["text"] for e in category["examples"]] == ["charged twice", "refund please"]
    ticket = desk.ticket()
    result = desk.gql.ok(
        "mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { category { id } "
        "events { kind after } } }",
        {"t": ticket["id"], "c": category["id"]},
        desk.admin,
    )["setCategory"]
    assert result["category"]["id"] == category["id"]
    assert result["events"][-1] == {"kind": "CATEGORY_CHANGED", "after": {"categoryId": int(category["id"])}}


def test_ticket_by_key_and_by_id(desk: Desk) -> None:
    ticket = desk.ticket()
    by_key = desk.gql.ok(
        "query($k: String) { ticket(key: $k) { id } }", {"k": ticket["key"].lower()}, desk.admin
    )["ticket"]
    assert by_key["id"] == ticket["id"]
    by_id = desk.gql.ok("query($i: ID) { ticket(id: $i) { key } }", {"i": ticket["id"]}, desk.admin)["ticket"]
    assert by_id["key"] == ticket["key"]


def test_workbench_lists_my_work_urgent_first(desk: Desk) -> None:
    assert desk.agent is not None
    ids = {}
    for priority in ("LOW", "URGENT", "MEDIUM"):
        ticket = desk.ticket(priority=priority)
        desk.gql.ok(ASSIGN, {"t": ticket["id"], "a": desk.agent.id}, desk.admin)
        ids[priority] = ticket["id"]
    waiting = desk.ticket(priority="HIGH")
    desk.gql.ok(ASSIGN, {"t": waiting["id"], "a": desk.agent.id}, desk.admin)
    desk.gql.ok(WAIT, {"t": waiting["id"], "r": "CUSTOMER"}, desk.agent.token)
    unassigned = desk.ticket(priority="HIGH")
    bench = desk.gql.ok(
        "{ workbench { pending { id priority } inProgress { id } waiting { id } "
        "unassignedInMyGroups { id } } }",
        None,
        desk.agent.token,
    )["workbench"]
    assert [t["id"] for t in bench["pending"]] == [ids["URGENT"], ids["MEDIUM"], ids["LOW"]]
    assert [t["id"] for t in bench["waiting"]] == [waiting["id"]]
    assert unassigned["id"] in [t["id"] for t in bench["unassignedInMyGroups"]]
