"""Reply templates and macros over GraphQL."""

from typing import Any

from tests.api.desk import Desk, unique

UPSERT_TEMPLATE = """mutation($i: ReplyTemplateInput!) { upsertReplyTemplate(input: $i) { id name body } }"""
RENDER = """query($m: ID!, $t: ID!) { renderReplyTemplate(templateId: $m, ticketId: $t) }"""
UPSERT_MACRO = """mutation($i: MacroInput!) { upsertMacro(input: $i) { id name description
  actions { type status reason priority groupId agentId templateId internal tags } } }"""
APPLY = """mutation($t: ID!, $m: ID!, $v: Int) { applyMacro(ticketId: $t, macroId: $m, expectedVersion: $v) {
  id status waitReason priority version tags firstRespondedAt
  messages { body internal authorKind } events { kind before after note } } }"""
TICKET = """query($t: ID!) { ticket(id: $t) { id key status waitReason priority version tags
  customer { name } group { name } messages { body internal } events { kind } } }"""
GREETING = "Hello {{customer.name}}, about {{ ticket.key }} ({{ticket.priority}}, {{ticket.status}}, " \
    "{{group.name}}, [{{product.name}}]). {{agent.name}}"


def template(desk: Desk, body: str = GREETING) -> str:
    assert desk.supervisor is not None
    row = desk.gql.ok(UPSERT_TEMPLATE, {"i": {"name": unique("Greeting"), "body": body}},
                      desk.supervisor.token)["upsertReplyTemplate"]
    return str(row["id"])


def macro(desk: Desk, actions: list[dict[str, Any]], name: str | None = None) -> dict[str, Any]:
    assert desk.supervisor is not None
    result: dict[str, Any] = desk.gql.ok(
        UPSERT_MACRO, {"i": {"name": name or unique("Macro"), "description": "test", "actions": actions}},
        desk.supervisor.token,
    )["upsertMacro"]
    return result


def names(desk: Desk, ticket_id: str) -> tuple[str, str, str, str]:
    assert desk.agent is not None
    ticket = desk.gql.ok(TICKET, {"t": ticket_id}, desk.agent.token)["ticket"]
    agent = desk.gql.ok("{ me { name } }", None, desk.agent.token)["me"]["name"]
    return ticket["key"], ticket["customer"]["name"], ticket["group"]["name"], agent


def test_a_template_renders_with_the_tickets_variables(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket(priority="LOW")
    template_id = template(desk)
    key, customer, group, agent = names(desk, ticket["id"])
    text = desk.gql.ok(RENDER, {"m": template_id, "t": ticket["id"]}, desk.agent.token)["renderReplyTemplate"]
    assert text == f"Hello {customer}, about {key} (LOW, NEW, {group}, []). {agent}"
    listed = desk.gql.ok("{ replyTemplates { id body } }", None, desk.agent.token)["replyTemplates"]
    assert {"id": template_id, "body": GREETING} in listed
    # Agents use templates; only supervisors and admins write them; customers do neither.
    assert desk.gql.error(UPSERT_TEMPLATE, {"i": {"name": unique("T"), "body": "x"}}, desk.agent.token).code == "FORBIDDEN"
    assert desk.gql.error(RENDER, {"m": template_id, "t": ticket["id"]}, desk.customer.token).code == "FORBIDDEN"
    # Nor for a ticket the agent cannot see.
    assert desk.other_agent is not None
    assert desk.gql.error(RENDER, {"m": template_id, "t": ticket["id"]}, desk.other_agent.token).code == "NOT_FOUND"


def test_an_unknown_variable_is_refused_when_saved(desk: Desk) -> None:
    assert desk.supervisor is not None
    name = unique("Bad")
    error = desk.gql.error(UPSERT_TEMPLATE, {"i": {"name": name, "body": "Hi {{customer.password}}"}},
                           desk.supervisor.token)
    assert error.code == "BAD_USER_INPUT"
    assert error.errors[0]["extensions"]["field"] == "body"
    assert "customer.password" in error.errors[0]["message"]
    assert "customer.name" in error.errors[0]["message"] and "product.name" in error.errors[0]["message"]
    listed = desk.gql.ok("{ replyTemplates { name } }", None, desk.supervisor.token)["replyTemplates"]
    assert name not in [t["name"] for t in listed]


def test_a_macro_is_applied_in_one_change(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    assert (ticket["status"], ticket["version"]) == ("NEW", 1)
    template_id = template(desk)
    saved = macro(desk, [
        {"type": "SET_WAITING", "reason": "CUSTOMER"},
        {"type": "SET_PRIORITY", "priority": "HIGH"},
        {"type": "REPLY", "templateId": template_id},
        {"type": "ADD_TAGS", "tags": ["Asked", "billing"]},
    ])
    assert [a["type"] for a in saved["actions"]] == ["SET_WAITING", "SET_PRIORITY", "REPLY", "ADD_TAGS"]
    assert saved["actions"][2] == {"type": "REPLY", "status": None, "reason": None, "priority": None,
                                   "groupId": None, "agentId": None, "templateId": template_id,
                                   "internal": False, "tags": None}
    assert saved["actions"][3]["tags"] == ["asked", "billing"]
    key, customer, group, agent = names(desk, ticket["id"])

    applied = desk.gql.ok(APPLY, {"t": ticket["id"], "m": saved["id"], "v": 1}, desk.agent.token)["applyMacro"]
    assert applied["version"] == 2  # one change, one version
    assert (applied["status"], applied["waitReason"], applied["priority"]) == ("WAITING", "CUSTOMER", "HIGH")
    assert applied["tags"] == ["asked", "billing"]
    assert applied["firstRespondedAt"] is not None
    (message,) = applied["messages"]
    assert message == {
        "body": f"Hello {customer}, about {key} (HIGH, WAITING, {group}, []). {agent}",
        "internal": False, "authorKind": "AGENT",
    }
    kinds = [e["kind"] for e in applied["events"]]
    assert kinds == ["CREATED", "MACRO_APPLIED", "STATUS_CHANGED", "PRIORITY_CHANGED", "REPLIED", "FIRST_RESPONSE"]
    logged = applied["events"][1]
    assert logged["note"] == saved["name"]
    assert logged["after"]["name"] == saved["name"] and logged["after"]["tags"] == ["asked", "billing"]

    # The version moved: a client still holding version 1 is told.
    assert desk.gql.error(APPLY, {"t": ticket["id"], "m": saved["id"], "v": 1}, desk.agent.token).code == "CONFLICT"
    # The customer sees the reply, as any agent reply.
    seen = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.customer.token)["ticket"]
    assert [m["body"] for m in seen["messages"]] == [message["body"]]


def test_a_macro_whose_step_is_not_allowed_writes_nothing(desk: Desk) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    template_id = template(desk)
    saved = macro(desk, [
        {"type": "SET_PRIORITY", "priority": "URGENT"},
        {"type": "REPLY", "templateId": template_id},
        {"type": "SET_STATUS", "status": "CLOSED"},  # an OPEN ticket is resolved before it is closed
    ])
    before = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]
    error = desk.gql.error(APPLY, {"t": ticket["id"], "m": saved["id"]}, desk.agent.token)
    assert error.code == "CONFLICT"
    assert "Action 3 (SET_STATUS)" in error.errors[0]["message"]
    assert error.errors[0]["extensions"]["field"] == "actions[2]"
    after = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]
    assert after == before  # same version, priority, status, no message, no event

    # An agent outside the ticket's group: refused at that step, again with nothing written.
    assert desk.other_agent is not None
    outsider = macro(desk, [{"type": "ADD_TAGS", "tags": ["x"]}, {"type": "ASSIGN_AGENT", "agentId": desk.other_agent.id}])
    error = desk.gql.error(APPLY, {"t": ticket["id"], "m": outsider["id"]}, desk.agent.token)
    assert error.code == "BAD_USER_INPUT" and "Action 2 (ASSIGN_AGENT)" in error.errors[0]["message"]
    assert desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"] == before


def test_macros_are_checked_when_saved_and_managed_by_supervisors(desk: Desk) -> None:
    assert desk.supervisor is not None and desk.agent is not None and desk.customer is not None
    cases = [
        ([{"type": "SET_PRIORITY"}], "actions[0]", "needs priority"),
        ([{"type": "ADD_TAGS", "tags": ["a"]}, {"type": "REPLY", "templateId": "999999"}], "actions[1]",
         "no reply template"),
        ([{"type": "ASSIGN_GROUP", "groupId": "999999"}], "actions[0]", "no group"),
        ([{"type": "SET_STATUS", "status": "WAITING"}], "actions[0]", "SET_WAITING"),
        ([], "actions", "at least one"),
    ]
    for actions, field, words in cases:
        error = desk.gql.error(UPSERT_MACRO, {"i": {"name": unique("M"), "actions": actions}}, desk.supervisor.token)
        assert error.code == "BAD_USER_INPUT", (actions, error.errors)
        assert error.errors[0]["extensions"]["field"] == field
        assert words in error.errors[0]["message"]
    ok_actions = [{"type": "ADD_TAGS", "tags": ["a"]}]
    assert desk.gql.error(UPSERT_MACRO, {"i": {"name": unique("M"), "actions": ok_actions}},
                          desk.agent.token).code == "FORBIDDEN"
    saved = macro(desk, ok_actions)
    listed = desk.gql.ok("{ macros { id name } }", None, desk.agent.token)["macros"]
    assert {"id": saved["id"], "name": saved["name"]} in listed
    assert desk.gql.error("{ macros { id } }", None, desk.customer.token).code == "FORBIDDEN"
    ticket = desk.ticket()
    assert desk.gql.error(APPLY, {"t": ticket["id"], "m": saved["id"]}, desk.customer.token).code == "FORBIDDEN"

    # A template in use by a macro is not deleted from under it.
    template_id = template(desk)
    using = macro(desk, [{"type": "REPLY", "templateId": template_id, "internal": True}])
    delete = "mutation($i: ID!) { deleteReplyTemplate(id: $i) }"
    assert desk.gql.error(delete, {"i": template_id}, desk.supervisor.token).code == "CONFLICT"
    assert desk.gql.ok("mutation($i: ID!) { deleteMacro(id: $i) }", {"i": using["id"]}, desk.supervisor.token)
    assert desk.gql.ok(delete, {"i": template_id}, desk.supervisor.token)["deleteReplyTemplate"] is True
