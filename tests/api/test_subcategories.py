"""Subcategories through the running server: two levels of categories, the classifier
falling back to the parent when it cannot tell the subcategories apart, and rules, default
groups and policies of a parent holding for its subcategories.

The module runs its own desk with triage on: the classifier learns from every category in
the database, so it must not see the categories other tests make."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.desk import Desk, build_desk
from tests.api.own_desk import own_desk, wait_for
from tests.api.triage_examples import ACCESS
from tests.backends import Backend
from tests.gql import GraphQL

THRESHOLD = 0.6
MONEY = [
    "I was charged twice for my subscription this month",
    "Please give me my money back for the double payment",
    "My card was billed the wrong amount",
    "I want a refund for last month's charge",
    "There is a charge on my statement I do not recognise",
    "The renewal took money from my account twice",
]
CREATE = "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }"
UPDATE = "mutation($i: UpdateCategoryInput!) { updateCategory(input: $i) { id parent { id } } }"
TICKET = """query($id: ID!) { ticket(id: $id) {
  category { id name } group { id } needsReview
  classification { category { name } confidence needsReview rolledUp }
  events { kind note } } }"""


@dataclass
class SubcategoryDesk:
    gql: GraphQL
    desk: Desk
    admin: str
    ids: dict[str, str]  # category name -> id


@pytest.fixture(scope="module")
def sub_desk(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[SubcategoryDesk]:
    # Corrections teach nothing here: the tests rely on Refunds and Charges staying alike.
    settings = {"HELPDESK_TRIAGE_THRESHOLD": str(THRESHOLD), "HELPDESK_TRIAGE_LEARN": "off"}
    with own_desk(tmp_path_factory.mktemp("subcategories"), settings) as desks:
        gql, admin = desks[0].gql, desks[0].admin
        desk = build_desk(gql, admin)
        ids: dict[str, str] = {}

        def category(name: str, **extra: Any) -> None:
            ids[name] = gql.ok(CREATE, {"i": {"name": name, **extra}}, admin)["createCategory"]["id"]

        category("Billing", defaultGroupId=desk.group_id)
        # Two subcategories no example tells apart: the classifier can only be sure of Billing.
        category("Refunds", parentId=ids["Billing"], examples=MONEY)
        category("Charges", parentId=ids["Billing"], examples=MONEY)
        category("Access", defaultGroupId=desk.other_group_id, examples=ACCESS)
        yield SubcategoryDesk(gql, desk, admin, ids)


def create_ticket(s: SubcategoryDesk, subject: str, description: str, **extra: Any) -> str:
    assert s.desk.other_customer is not None
    return str(s.gql.ok(
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }",
        {"i": {"subject": subject, "description": description, "customerId": s.desk.other_customer.id, **extra}},
        s.admin,
    )["createTicket"]["id"])


def routed(s: SubcategoryDesk, ticket_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        ticket: dict[str, Any] = s.gql.ok(TICKET, {"id": ticket_id}, s.admin)["ticket"]
        return ticket if ticket["group"] is not None and ticket["classification"] is not None else None

    return wait_for(probe, f"ticket {ticket_id} to be classified and routed", timeout=180)


def test_categories_nest_two_levels(sub_desk: SubcategoryDesk) -> None:
    s, ids = sub_desk, sub_desk.ids
    listed = {c["name"]: c for c in s.gql.ok(
        "query { categories { name parent { name } subcategories { name } } }", None, s.admin)["categories"]}
    assert listed["Billing"]["parent"] is None
    assert [c["name"] for c in listed["Billing"]["subcategories"]] == ["Charges", "Refunds"]
    assert listed["Refunds"]["parent"] == {"name": "Billing"} and listed["Refunds"]["subcategories"] == []

    def refused(query: str, data: dict[str, Any], message: str) -> None:
        error = s.gql.error(query, {"i": data}, s.admin).errors[0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "parentId"}
        assert message in error["message"], error["message"]

    refused(CREATE, {"name": "Deep", "parentId": ids["Refunds"]}, "two levels")
    refused(CREATE, {"name": "Orphan", "parentId": "999999"}, "No category")
    refused(UPDATE, {"id": ids["Billing"], "parentId": ids["Access"]}, "has subcategories")
    refused(UPDATE, {"id": ids["Access"], "parentId": ids["Access"]}, "its own parent")
    names = [c["name"] for c in s.gql.ok("query { categories { name } }", None, s.admin)["categories"]]
    assert "Deep" not in names and "Orphan" not in names  # nothing half-written

    # A subcategory can be made top-level and moved back.
    assert s.gql.ok(UPDATE, {"i": {"id": ids["Charges"], "parentId": None}}, s.admin)["updateCategory"]["parent"] is None
    moved = s.gql.ok(UPDATE, {"i": {"id": ids["Charges"], "parentId": ids["Billing"]}}, s.admin)["updateCategory"]
    assert moved["parent"] == {"id": ids["Billing"]}


def test_unsure_between_subcategories_the_parent_is_set_and_routes(sub_desk: SubcategoryDesk) -> None:
    s = sub_desk
    preview = s.gql.ok("query($t: String!) { classify(text: $t) { category { name } confidence needsReview "
                       "rolledUp } }", {"t": "I was charged twice and want my money back"}, s.admin)["classify"]
    assert preview["category"]["name"] == "Billing" and preview["rolledUp"] is True
    assert preview["confidence"] >= THRESHOLD and preview["needsReview"] is False

    ticket_id = create_ticket(s, "Double charge", "You billed my card twice this month, I want the money back")
    ticket = routed(s, ticket_id)
    assert ticket["category"]["name"] == "Billing" and not ticket["needsReview"]
    assert ticket["classification"]["rolledUp"] is True
    assert ticket["group"]["id"] == s.desk.group_id  # Billing's default group
    notes = [e["note"] for e in ticket["events"] if e["kind"] == "CLASSIFIED"]
    assert notes == [f"classified as Billing (subcategory unsure), {ticket['classification']['confidence']:.2f}"]

    # A text the classifier is sure of keeps its own category.
    sure = routed(s, create_ticket(s, "Locked out", "I cannot log in, the password reset email never arrives"))
    assert sure["category"]["name"] == "Access" and sure["classification"]["rolledUp"] is False


def test_a_subcategory_takes_its_parents_default_group_and_rules(sub_desk: SubcategoryDesk) -> None:
    s = sub_desk
    # Refunds has no default group of its own: Billing's, from creation on.
    first = routed(s, create_ticket(s, "Refund", "Please refund my last invoice", categoryId=s.ids["Refunds"]))
    assert first["category"]["name"] == "Refunds" and first["group"]["id"] == s.desk.group_id

    third = s.desk.group()
    upsert = "mutation($i: RoutingRuleInput!) { upsertRoutingRule(input: $i) { id } }"
    rule = {"name": "billing to a third group", "groupId": third, "categoryIds": [s.ids["Billing"]]}
    rule_id = s.gql.ok(upsert, {"i": rule}, s.admin)["upsertRoutingRule"]["id"]
    try:
        # Filed under Access, then corrected to Refunds: routed again, by the rule for Billing.
        ticket_id = create_ticket(s, "Refund", "Please refund my last invoice", categoryId=s.ids["Access"])
        assert routed(s, ticket_id)["group"]["id"] == s.desk.other_group_id
        s.gql.ok("mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { id } }",
                 {"t": ticket_id, "c": s.ids["Refunds"]}, s.admin)

        def moved() -> dict[str, Any] | None:
            row: dict[str, Any] = s.gql.ok(TICKET, {"id": ticket_id}, s.admin)["ticket"]
            return row if row["group"]["id"] == third else None

        second = wait_for(moved, "the corrected ticket to be routed by the parent's rule")
        assigned = [e["note"] for e in second["events"] if e["kind"] == "ASSIGNED"]
        assert any("parent category" in (note or "") for note in assigned), assigned
    finally:
        s.gql.ok(upsert, {"i": {**rule, "id": rule_id, "enabled": False}}, s.admin)


def test_a_parents_ticket_list_takes_in_its_subcategories(sub_desk: SubcategoryDesk) -> None:
    s = sub_desk
    refund = create_ticket(s, "Refund", "Refund my invoice please", categoryId=s.ids["Refunds"])
    billing = create_ticket(s, "Invoice", "Where is my invoice", categoryId=s.ids["Billing"])
    access = create_ticket(s, "Login", "Cannot log in", categoryId=s.ids["Access"])

    def listed(category: str) -> set[str]:
        nodes = s.gql.ok("query($c: ID!) { tickets(filter: {categoryId: $c}, first: 100) { nodes { id } } }",
                         {"c": s.ids[category]}, s.admin)["tickets"]["nodes"]
        return {n["id"] for n in nodes}

    assert {refund, billing} <= listed("Billing") and access not in listed("Billing")
    assert refund in listed("Refunds") and billing not in listed("Refunds")




def test_a_parents_articles_take_in_its_subcategories(sub_desk: SubcategoryDesk) -> None:
    s = sub_desk
    upsert = "mutation($i: ArticleInput!) { upsertArticle(input: $i) { id } }"

    def article(title: str, category: str) -> str:
        data = {"title": title, "body": "How refunds work.", "categoryId": s.ids[category], "status": "PUBLISHED"}
        return str(s.gql.ok(upsert, {"i": data}, s.admin)["upsertArticle"]["id"])

    general, specific = article("Billing basics", "Billing"), article("Refund timelines", "Refunds")

    def listed(category: str) -> set[str]:
        data = s.gql.ok("query($c: ID!) { articles(filter: {categoryId: $c}, first: 50) { edges { node { id } } } }",
                        {"c": s.ids[category]}, s.admin)["articles"]
        return {edge["node"]["id"] for edge in data["edges"]}

    assert listed("Billing") == {general, specific}
    assert listed("Refunds") == {specific}



def test_kpis_by_top_category_count_subcategories_in_their_parents_row(sub_desk: SubcategoryDesk) -> None:
    s = sub_desk
    query = """query($g: KpiDimension, $f: DateTime!, $t: DateTime!) { kpis(from: $f, to: $t, groupBy: $g) {
      total { ticketsCreated } rows { label category { name } figures { ticketsCreated } } } }"""
    now = datetime.now(UTC)
    period = {"f": (now - timedelta(days=1)).isoformat(), "t": (now + timedelta(days=1)).isoformat()}

    def rows(dimension: str) -> tuple[int, dict[str, int]]:
        report = s.gql.ok(query, {"g": dimension, **period}, s.admin)["kpis"]
        for row in report["rows"]:
            assert row["category"] is None or row["category"]["name"] == row["label"]
        return report["total"]["ticketsCreated"], {r["label"]: r["figures"]["ticketsCreated"] for r in report["rows"]}

    total, fine = rows("CATEGORY")
    top_total, top = rows("TOP_CATEGORY")
    assert top_total == total
    billing_family = sum(fine.get(name, 0) for name in ("Billing", "Refunds", "Charges"))
    assert billing_family > fine.get("Billing", 0)  # the module made Refunds tickets
    assert top["Billing"] == billing_family and "Refunds" not in top and "Charges" not in top
    assert top.get("Access", 0) == fine.get("Access", 0)
    assert sum(top.values()) == total



ACCURACY = """query { classifierAccuracy(createdFrom: "2000-01-01T00:00:00Z", createdTo: "2100-01-01T00:00:00Z")
  { confirmed correct } }"""


def test_picking_a_subcategory_of_the_rolled_up_parent_counts_as_right(sub_desk: SubcategoryDesk) -> None:
    s = sub_desk
    ticket_id = create_ticket(s, "Charged twice", "I was billed twice for one month, please return the money")
    assert routed(s, ticket_id)["classification"]["rolledUp"] is True
    before = s.gql.ok(ACCURACY, None, s.admin)["classifierAccuracy"]
    s.gql.ok("mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { id } }",
             {"t": ticket_id, "c": s.ids["Refunds"]}, s.admin)
    after = s.gql.ok(ACCURACY, None, s.admin)["classifierAccuracy"]
    assert (after["confirmed"] - before["confirmed"], after["correct"] - before["correct"]) == (1, 1)

    # Another parent's subcategory is a correction, not a refinement.
    other = create_ticket(s, "Double payment", "You took the money two times, I want it back")
    assert routed(s, other)["classification"]["rolledUp"] is True
    s.gql.ok("mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { id } }",
             {"t": other, "c": s.ids["Access"]}, s.admin)
    last = s.gql.ok(ACCURACY, None, s.admin)["classifierAccuracy"]
    assert (last["confirmed"] - after["confirmed"], last["correct"] - after["correct"]) == (1, 0)
