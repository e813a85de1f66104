"""Who sees which tickets, and the `tickets` connection: filters, ordering, cursors."""

from typing import Any

import pytest

from tests.api.desk import Desk

LIST = """query($f: TicketFilter, $first: Int, $after: String, $o: TicketOrder) {
  tickets(filter: $f, first: $first, after: $after, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id priority createdAt } } } }"""


def ids(gql_result: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in gql_result["tickets"]["edges"]]


def test_agent_sees_their_groups_tickets_and_their_own(desk: Desk) -> None:
    assert desk.agent is not None and desk.other_agent is not None
    mine = desk.ticket()
    elsewhere = desk.ticket(groupId=desk.other_group_id)
    seen = ids(desk.gql.ok(LIST, {"f": {"customerId": desk.customer.id}}, desk.agent.token))  # type: ignore[union-attr]
    assert mine["id"] in seen and elsewhere["id"] not in seen
    # assigned across groups: the assignee sees it
    desk.gql.ok(
        "mutation($t: ID!, $a: ID, $g: ID) { assignTicket(ticketId: $t, agentId: $a, groupId: $g) { id } }",
        {"t": mine["id"], "a": desk.other_agent.id, "g": desk.other_group_id},
        desk.admin,
    )
    seen_by_other = ids(desk.gql.ok(LIST, {"f": {"customerId": desk.customer.id}}, desk.other_agent.token))  # type: ignore[union-attr]
    assert mine["id"] in seen_by_other


def test_customer_sees_only_their_own(desk: Desk) -> None:
    assert desk.customer is not None and desk.other_customer is not None
    theirs = desk.ticket()
    other = desk.ticket(customerId=desk.other_customer.id)
    seen = ids(desk.gql.ok(LIST, {"first": 200}, desk.customer.token))
    assert theirs["id"] in seen and other["id"] not in seen


def test_supervisor_sees_everything(desk: Desk) -> None:
    assert desk.supervisor is not None
    elsewhere = desk.ticket(groupId=desk.other_group_id)
    seen = ids(desk.gql.ok(LIST, {"f": {"groupId": [desk.other_group_id]}}, desk.supervisor.token))
    assert seen == [elsewhere["id"]]


@pytest.mark.parametrize("order", ["CREATED_AT_DESC", "CREATED_AT_ASC", "UPDATED_AT_DESC", "PRIORITY"])
def test_cursor_pagination_walks_every_ticket_once(desk: Desk, order: str) -> None:
    created = [
        desk.ticket(priority=p)["id"] for p in ("LOW", "URGENT", "MEDIUM", "HIGH", "URGENT", "LOW", "MEDIUM")
    ]
    walked: list[str] = []
    after = None
    while True:
        page = desk.gql.ok(
            LIST,
            {"f": {"customerId": desk.customer.id}, "first": 3, "after": after, "o": order},  # type: ignore[union-attr]
            desk.admin,
        )["tickets"]
        assert page["totalCount"] == len(created)
        walked += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(walked) == sorted(created) and len(walked) == len(set(walked))
    if order == "PRIORITY":
        full = desk.gql.ok(LIST, {"f": {"customerId": desk.customer.id}, "o": order}, desk.admin)  # type: ignore[union-attr]
        ranks = [e["node"]["priority"] for e in full["tickets"]["edges"]]
        assert ranks == ["URGENT", "URGENT", "HIGH", "MEDIUM", "MEDIUM", "LOW", "LOW"]
    if order == "CREATED_AT_DESC":
        assert walked == list(reversed(created))


def test_a_cursor_of_another_order_is_rejected(desk: Desk) -> None:
    desk.ticket()
    desk.ticket()
    first = desk.gql.ok(LIST, {"first": 1}, desk.admin)["tickets"]["pageInfo"]["endCursor"]
    error = desk.gql.error(LIST, {"first": 1, "after": first, "o": "PRIORITY"}, desk.admin)
    assert error.code == "BAD_USER_INPUT"


def test_filters(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    product = desk.gql.ok(
        "mutation($n: String!) { createProduct(input: {name: $n}) { id } }",
        {"n": f"Product {desk.group_id}"},
        desk.admin,
    )["createProduct"]["id"]
    a = desk.ticket(
        priority="URGENT", source="CHAT", productId=product, subject=f"Printer on fire {desk.group_id}"
    )
    b = desk.ticket(priority="LOW", source="EMAIL")
    desk.gql.ok(
        "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
        {"t": b["id"], "a": desk.agent.id},
        desk.admin,
    )
    desk.gql.ok(
        "mutation($t: ID!) { setWaiting(ticketId: $t, reason: CUSTOMER) { id } }", {"t": b["id"]}, desk.admin
    )
    base = {"customerId": desk.customer.id}
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"priority": ["URGENT"]}, [a["id"]]),
        ({"source": ["EMAIL"]}, [b["id"]]),
        ({"status": ["WAITING"]}, [b["id"]]),
        ({"status": ["NEW", "WAITING"]}, [b["id"], a["id"]]),
        ({"assigneeId": [desk.agent.id]}, [b["id"]]),
        ({"unassigned": True}, [a["id"]]),
        ({"productId": product}, [a["id"]]),
        ({"text": "printer ON fire"}, [a["id"]]),
        ({"text": b["key"]}, [b["id"]]),
        ({"groupId": [desk.other_group_id]}, []),
    ]
    for extra, expected in cases:
        got = ids(desk.gql.ok(LIST, {"f": {**base, **extra}}, desk.admin))
        assert got == expected, extra


def test_staff_contact_details_are_for_staff_only(desk: Desk) -> None:
    """A customer sees who handles their ticket by name, never the team's emails, capacity,
    skills or membership lists; staff see everything."""
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    desk.gql.ok(
        "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
        {"t": ticket["id"], "a": desk.agent.id},
        desk.admin,
    )
    named = "query($i: ID!) { ticket(id: $i) { assignee { id name } group { id name } } }"
    seen = desk.gql.ok(named, {"i": ticket["id"]}, desk.customer.token)["ticket"]
    assert seen["assignee"]["id"] == desk.agent.id and seen["group"]["id"] == desk.group_id
    details = [
        "query($i: ID!) { ticket(id: $i) { assignee { email } } }",
        "query($i: ID!) { ticket(id: $i) { assignee { capacity skills availability } } }",
        "query($i: ID!) { ticket(id: $i) { assignee { groups { id } } } }",
        "query($i: ID!) { ticket(id: $i) { group { email } } }",
        "query($i: ID!) { ticket(id: $i) { group { members { email } } } }",
    ]
    for query in details:
        assert desk.gql.error(query, {"i": ticket["id"]}, desk.customer.token).code == "FORBIDDEN", query
        desk.gql.ok(query, {"i": ticket["id"]}, desk.agent.token)
    through_categories = "{ categories { defaultGroup { members { email } } } }"
    desk.gql.ok(
        "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }",
        {
            "i": {
                "name": f"Staff details {ticket['id']}",
                "examples": ["a question"],
                "defaultGroupId": desk.group_id,
            }
        },
        desk.admin,
    )
    assert desk.gql.error(through_categories, None, desk.customer.token).code == "FORBIDDEN"
    desk.gql.ok(through_categories, None, desk.agent.token)
