"""Each error code of API.md, with nothing half-written behind a rejected input."""

import httpx
import pytest

from tests.api.desk import Desk
from tests.conftest import serve_process
from tests.gql import GraphQL

CREATE = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"
COUNT = "query($c: ID) { tickets(filter: {customerId: $c}) { totalCount } }"


def test_unauthenticated_without_or_with_a_bad_token(gql: GraphQL) -> None:
    assert gql.error("{ tickets { totalCount } }").code == "UNAUTHENTICATED"
    assert gql.error("{ tickets { totalCount } }", token="hd_not-a-token").code == "UNAUTHENTICATED"
    assert gql.ok("{ me { id } }") == {"me": None}  # anonymous may ask who they are


def test_revoked_token_is_unauthenticated(desk: Desk) -> None:
    person = desk.staff("AGENT", [desk.group_id])
    assert desk.gql.ok("{ me { email role } }", token=person.token)["me"]["role"] == "AGENT"
    desk.gql.ok("mutation($u: ID!) { revokeApiTokens(userId: $u) }", {"u": person.id}, desk.admin)
    assert desk.gql.error("{ me { id } }", token=person.token).code == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("who", "operation"),
    [
        ("reporter", "{ tickets { totalCount } }"),
        ("agent", 'mutation { createGroup(input: {name: "x"}) { id } }'),
        ("customer", "{ groups { id } }"),
        ("supervisor", 'mutation { createUser(input: {email: "a@b.cd", name: "A", role: ADMIN}) { id } }'),
        ("customer", 'mutation { issueApiToken(userId: "1") }'),
    ],
)
def test_forbidden(desk: Desk, who: str, operation: str) -> None:
    person = getattr(desk, who)
    assert desk.gql.error(operation, token=person.token).code == "FORBIDDEN"


def test_customer_cannot_write_internal_notes(desk: Desk) -> None:
    assert desk.customer is not None
    ticket = desk.ticket(token=desk.customer.token)
    error = desk.gql.error(
        'mutation($t: ID!) { addReply(ticketId: $t, body: "x", internal: true) { id } }',
        {"t": ticket["id"]},
        desk.customer.token,
    )
    assert error.code == "FORBIDDEN"


def test_not_found_for_missing_and_for_invisible_tickets(desk: Desk) -> None:
    assert desk.other_agent is not None and desk.other_customer is not None
    ticket = desk.ticket()  # in desk.group_id, which other_agent is not in
    for token in (desk.other_agent.token, desk.other_customer.token):
        error = desk.gql.error("query($i: ID) { ticket(id: $i) { id } }", {"i": ticket["id"]}, token)
        assert error.code == "NOT_FOUND"
    missing = desk.gql.error('{ ticket(id: "999999999") { id } }', token=desk.admin)
    assert missing.code == "NOT_FOUND"
    assert desk.gql.error('{ ticket(key: "HD-999999999") { id } }', token=desk.admin).code == "NOT_FOUND"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": ""}, "description"),
        ({"customerId": None, "customerEmail": "not-an-email"}, "customerEmail"),
        ({"customerId": None}, "customerEmail"),
        ({"customerId": "abc"}, "customerId"),
        ({"customerId": "999999999"}, "customerId"),
        ({"productId": "999999999"}, "productId"),
        ({"groupId": "-3"}, "groupId"),
    ],
)
def test_bad_user_input_names_the_field_and_writes_nothing(
    desk: Desk, changes: dict[str, object], field: str
) -> None:
    assert desk.customer is not None
    before = desk.gql.ok(COUNT, {"c": desk.customer.id}, desk.admin)["tickets"]["totalCount"]
    payload = {
        "subject": "s",
        "description": "d",
        "customerId": desk.customer.id,
        "groupId": desk.group_id,
        **changes,
    }
    error = desk.gql.error(CREATE, {"i": payload}, desk.admin)
    assert error.code == "BAD_USER_INPUT"
    assert error.errors[0]["extensions"]["field"] == field
    after = desk.gql.ok(COUNT, {"c": desk.customer.id}, desk.admin)["tickets"]["totalCount"]
    assert after == before


def test_bad_user_input_for_invalid_graphql(desk: Desk) -> None:
    assert desk.gql.error("{ nope }", token=desk.admin).code == "BAD_USER_INPUT"
    assert desk.gql.error("{ tickets( ", token=desk.admin).code == "BAD_USER_INPUT"
    bad_enum = desk.gql.error(
        "mutation($t: ID!, $p: Priority!) { setPriority(ticketId: $t, priority: $p) { id } }",
        {"t": "1", "p": "SUPER_URGENT"},
        desk.admin,
    )
    assert bad_enum.code == "BAD_USER_INPUT"
    assert (
        desk.gql.error('{ tickets(after: "garbage") { totalCount } }', token=desk.admin).code
        == "BAD_USER_INPUT"
    )
    assert (
        desk.gql.error("{ tickets(first: 100000) { totalCount } }", token=desk.admin).code == "BAD_USER_INPUT"
    )


def test_bad_input_on_a_ticket_change_leaves_it_untouched(desk: Desk) -> None:
    assert desk.agent is not None and desk.other_agent is not None
    ticket = desk.ticket()
    error = desk.gql.error(  # other_agent is not a member of the ticket's group
        "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
        {"t": ticket["id"], "a": desk.other_agent.id},
        desk.admin,
    )
    assert (error.code, error.errors[0]["extensions"]["field"]) == ("BAD_USER_INPUT", "agentId")
    after = desk.gql.ok(
        "query($i: ID) { ticket(id: $i) { version assignee { id } events { kind } } }",
        {"i": ticket["id"]},
        desk.admin,
    )["ticket"]
    assert after == {"version": 1, "assignee": None, "events": [{"kind": "CREATED"}]}


@pytest.mark.parametrize(
    ("steps", "then"),
    [
        ([], "closeTicket(ticketId: $t)"),  # NEW -> CLOSED skips resolving
        ([], "resume(ticketId: $t)"),  # not waiting
        ([], "reopenTicket(ticketId: $t)"),  # not resolved or closed
        (["resolveTicket(ticketId: $t)"], "setWaiting(ticketId: $t, reason: CUSTOMER)"),
        (
            ["resolveTicket(ticketId: $t)", "closeTicket(ticketId: $t)"],
            "setPriority(ticketId: $t, priority: HIGH)",
        ),
        (
            ["resolveTicket(ticketId: $t)", "closeTicket(ticketId: $t)"],
            'addReply(ticketId: $t, body: "hi") { id }',
        ),
        (["setWaiting(ticketId: $t, reason: CUSTOMER)"], "setWaiting(ticketId: $t, reason: CUSTOMER)"),
    ],
)
def test_conflict_for_transitions_not_allowed(desk: Desk, steps: list[str], then: str) -> None:
    ticket = desk.ticket()
    for step in steps:
        desk.gql.ok(f"mutation($t: ID!) {{ {step} {{ id }} }}", {"t": ticket["id"]}, desk.admin)
    selection = "" if "{ id }" in then else " { id }"
    error = desk.gql.error(f"mutation($t: ID!) {{ {then}{selection} }}", {"t": ticket["id"]}, desk.admin)
    assert error.code == "CONFLICT"


def test_conflict_for_a_stale_expected_version(desk: Desk) -> None:
    ticket = desk.ticket()
    desk.gql.ok(
        "mutation($t: ID!) { setPriority(ticketId: $t, priority: HIGH, expectedVersion: 1) { version } }",
        {"t": ticket["id"]},
        desk.admin,
    )
    error = desk.gql.error(
        "mutation($t: ID!) { setPriority(ticketId: $t, priority: LOW, expectedVersion: 1) { version } }",
        {"t": ticket["id"]},
        desk.admin,
    )
    assert (error.code, error.errors[0]["extensions"]["field"]) == ("CONFLICT", "expectedVersion")
    current = desk.gql.ok(
        "query($i: ID) { ticket(id: $i) { priority version } }", {"i": ticket["id"]}, desk.admin
    )
    assert current["ticket"] == {"priority": "HIGH", "version": 2}


def test_conflict_for_duplicate_names(desk: Desk) -> None:
    name = f"Unique {desk.group_id}"
    desk.gql.ok("mutation($n: String!) { createProduct(input: {name: $n}) { id } }", {"n": name}, desk.admin)
    error = desk.gql.error(
        "mutation($n: String!) { createProduct(input: {name: $n}) { id } }", {"n": name}, desk.admin
    )
    assert error.code == "CONFLICT"


def test_rate_limited(cli_env: dict[str, str], admin_token: str) -> None:
    """A second API process with a limit of 3 a minute, on the same database."""
    env = {**cli_env, "HELPDESK_RATE_LIMIT_PER_MINUTE": "3"}
    with serve_process(env) as base_url:
        client = GraphQL(base_url)
        for _ in range(3):
            client.ok("{ me { id } }", token=admin_token)
        error = client.error("{ me { id } }", token=admin_token)
        assert error.code == "RATE_LIMITED"
        assert 0 <= error.errors[0]["extensions"]["retryAfterSeconds"] <= 60
        # another caller has a budget of its own
        assert client.ok("{ me { id } }") == {"me": None}


def test_internal_errors_are_masked() -> None:
    from graphql import GraphQLError

    from schema.errors import INTERNAL_MESSAGE, apply_code

    leaked = GraphQLError("password=hunter2 in /srv/db", original_error=RuntimeError("boom"))
    apply_code(leaked)
    assert leaked.formatted["message"] == INTERNAL_MESSAGE
    assert leaked.formatted["extensions"] == {"code": "INTERNAL"}


def test_health_and_readiness(server: object) -> None:
    base = server.base_url  # type: ignore[attr-defined]
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_too_deep_queries_are_refused(desk: Desk) -> None:
    deep = "{ tickets { nodes { " + "messages { ticket { " * 7 + "id" + " } }" * 7 + " } } }"
    error = desk.gql.error(deep, token=desk.admin)
    assert error.code == "BAD_USER_INPUT" and "depth" in error.errors[0]["message"]
    again = desk.gql.error(deep, token=desk.admin)  # the validation cache keeps the verdict
    assert again.code == "BAD_USER_INPUT"
