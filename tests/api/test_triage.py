"""AI triage through the running server: classification of new tickets (in-process in the
embedded mode, by `helpdesk worker` over arq on the real backend), the review queue,
priority suggestion, corrections that teach the classifier, and the `classify` preview.

The module runs its own desk (a fresh database and a `helpdesk serve` process with triage
on): the classifier learns from every category in the database, so it must not see the
categories other tests make."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from tests.api.desk import Desk, build_desk, unique
from tests.api.own_desk import own_desk, wait_for
from tests.api.triage_examples import ACCESS, BILLING, BUGS
from tests.backends import Backend
from tests.gql import GraphQL

T = TypeVar("T")

THRESHOLD = 0.6
@dataclass
class TriageDesk:
    gql: GraphQL
    desk: Desk
    admin: str
    categories: dict[str, str]  # name -> id
    groups: dict[str, str]  # category name -> its default group id




@pytest.fixture(scope="module")
def triage_desk(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[TriageDesk]:
    with own_desk(tmp_path_factory.mktemp("triage"), {"HELPDESK_TRIAGE_THRESHOLD": str(THRESHOLD)}) as desks:
        gql, admin = desks[0].gql, desks[0].admin
        desk = build_desk(gql, admin)
        groups = {"Billing": desk.group_id, "Access": desk.other_group_id, "Bugs": desk.group_id}
        categories = {}
        for name, examples in (("Billing", BILLING), ("Access", ACCESS), ("Bugs", BUGS)):
            categories[name] = gql.ok(
                "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }",
                {"i": {"name": name, "examples": examples, "defaultGroupId": groups[name]}},
                admin,
            )["createCategory"]["id"]
        yield TriageDesk(gql, desk, admin, categories, groups)


CLASSIFY = """query($t: String!) { classify(text: $t) {
  category { id name } suggestedPriority confidence needsReview model reasons } }"""

TICKET = """query($id: ID!) { ticket(id: $id) {
  id version priority needsReview category { id name } group { id }
  classification { category { id name } suggestedPriority confidence needsReview model reasons }
  events { kind note } } }"""


def classify(t: TriageDesk, text: str) -> dict[str, Any]:
    return t.gql.ok(CLASSIFY, {"t": text}, t.admin)["classify"]


def create(t: TriageDesk, subject: str, description: str, **extra: Any) -> str:
    customer = extra.pop("customer", None) or t.desk.other_customer  # a STANDARD tier one
    assert customer is not None
    data = t.gql.ok(
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id classification { confidence } } }",
        {"i": {"subject": subject, "description": description, "customerId": customer.id, **extra}},
        t.admin,
    )["createTicket"]
    return str(data["id"])


def classified(t: TriageDesk, ticket_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        ticket = t.gql.ok(TICKET, {"id": ticket_id}, t.admin)["ticket"]
        return ticket if ticket["classification"] is not None else None

    return wait_for(probe, f"ticket {ticket_id} to be classified", timeout=180)  # the first loads the model


def test_classify_previews_a_text_with_a_calibrated_confidence(triage_desk: TriageDesk) -> None:
    result = classify(triage_desk, "I got charged two times for the same subscription")
    assert result["category"]["name"] == "Billing"
    assert 0 < result["confidence"] <= 1
    assert result["needsReview"] is (result["confidence"] < THRESHOLD)
    assert "MiniLM" in result["model"]
    vague = classify(triage_desk, "hello")
    assert vague["confidence"] < result["confidence"]


def test_examples_change_and_the_predictions_follow(triage_desk: TriageDesk) -> None:
    text = "Where can I download the receipt for my annual plan?"
    assert classify(triage_desk, text)["category"]["name"] == "Billing"
    receipts = triage_desk.gql.ok(
        "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }",
        {"i": {"name": "Receipts", "examples": [
            "Where can I download the receipt for my plan?",
            "I need a receipt for my annual plan",
            "Download receipts for the yearly plan",
            "Receipt for annual subscription download",
        ]}},
        triage_desk.admin,
    )["createCategory"]["id"]
    assert classify(triage_desk, text)["category"]["name"] == "Receipts"
    # Removing the examples again brings the old answer back: nothing is cached stale.
    examples = triage_desk.gql.ok(
        "query { categories { id examples { id } } }", None, triage_desk.admin
    )["categories"]
    for example in next(c for c in examples if c["id"] == receipts)["examples"]:
        triage_desk.gql.ok("mutation($e: ID!) { removeCategoryExample(exampleId: $e) { id } }",
                           {"e": example["id"]}, triage_desk.admin)
    assert classify(triage_desk, text)["category"]["name"] == "Billing"


def test_a_new_ticket_is_classified_routed_and_logged(triage_desk: TriageDesk) -> None:
    ticket_id = create(triage_desk, "Cannot sign in", "I cannot log in to my account since this morning, "
                       "the password reset mail never comes")
    ticket = classified(triage_desk, ticket_id)
    guess = ticket["classification"]
    assert guess["category"]["name"] == "Access"
    if guess["confidence"] >= THRESHOLD:
        assert ticket["category"]["name"] == "Access"
        # Dispatch follows the classification's commit in a change of its own: wait for it.
        def routed() -> dict[str, Any] | None:
            row: dict[str, Any] = triage_desk.gql.ok(TICKET, {"id": ticket_id}, triage_desk.admin)["ticket"]
            return row if row["group"] is not None else None

        ticket = wait_for(routed, "the classified ticket to be routed")
        assert ticket["group"]["id"] == triage_desk.groups["Access"]  # the category's group
        notes = [e["note"] for e in ticket["events"] if e["kind"] == "CLASSIFIED"]
        assert notes == [f"classified as Access, {guess['confidence']:.2f}"]
        assert not ticket["needsReview"]
    else:
        assert ticket["category"] is None and ticket["needsReview"]


def test_below_the_threshold_a_ticket_waits_in_the_review_queue(triage_desk: TriageDesk) -> None:
    ticket_id = create(triage_desk, "Question", "hello there")
    ticket = classified(triage_desk, ticket_id)
    assert ticket["classification"]["confidence"] < THRESHOLD
    assert ticket["needsReview"] is True and ticket["category"] is None
    assert ticket["classification"]["needsReview"] is True
    queue = triage_desk.gql.ok("query { triageReview { id } }", None, triage_desk.admin)["triageReview"]
    assert ticket_id in [t["id"] for t in queue]
    listed = triage_desk.gql.ok("query { tickets(filter: {needsReview: true}) { nodes { id } } }", None,
                                triage_desk.admin)["tickets"]["nodes"]
    assert ticket_id in [t["id"] for t in listed]
    # A person decides: the ticket leaves the queue, and the choice counts as confirmed.
    triage_desk.gql.ok("mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { id } }",
                       {"t": ticket_id, "c": triage_desk.categories["Bugs"]}, triage_desk.admin)
    queue = triage_desk.gql.ok("query { triageReview { id } }", None, triage_desk.admin)["triageReview"]
    assert ticket_id not in [t["id"] for t in queue]
    # Agents work tickets; the review queue is for supervisors.
    agent = triage_desk.desk.agent
    assert agent is not None
    assert triage_desk.gql.error("query { triageReview { id } }", None, agent.token).code == "FORBIDDEN"


def test_a_correction_becomes_an_example_and_counts_against_accuracy(triage_desk: TriageDesk) -> None:
    subject = f"Dashboard {unique('x')}"
    ticket_id = create(triage_desk, subject, "Charts do not load and the export button crashes the app")
    ticket = classified(triage_desk, ticket_id)
    assert ticket["classification"]["category"]["name"] == "Bugs"
    before = triage_desk.gql.ok(
        "query($f: DateTime!, $t: DateTime!) { classifierAccuracy(createdFrom: $f, createdTo: $t) "
        "{ classified confirmed correct accuracy } }",
        {"f": "2000-01-01T00:00:00Z", "t": "2100-01-01T00:00:00Z"}, triage_desk.admin,
    )["classifierAccuracy"]
    # An agent says it is a billing matter after all.
    triage_desk.gql.ok("mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { id } }",
                       {"t": ticket_id, "c": triage_desk.categories["Billing"]}, triage_desk.admin)
    categories = triage_desk.gql.ok("query { categories { name examples { text } } }", None,
                                    triage_desk.admin)["categories"]
    billing = next(c for c in categories if c["name"] == "Billing")
    assert any(subject in e["text"] for e in billing["examples"])
    after = triage_desk.gql.ok(
        "query($f: DateTime!, $t: DateTime!) { classifierAccuracy(createdFrom: $f, createdTo: $t) "
        "{ classified confirmed correct accuracy } }",
        {"f": "2000-01-01T00:00:00Z", "t": "2100-01-01T00:00:00Z"}, triage_desk.admin,
    )["classifierAccuracy"]
    assert after["classified"] == before["classified"]
    assert (after["confirmed"], after["correct"]) == (before["confirmed"] + 1, before["correct"])
    # The human's choice stands, and the classifier's is kept beside it.
    final = triage_desk.gql.ok(TICKET, {"id": ticket_id}, triage_desk.admin)["ticket"]
    assert final["category"]["name"] == "Billing"
    assert final["classification"]["category"]["name"] == "Bugs"
    # Correcting again moves the example instead of adding a second one.
    triage_desk.gql.ok("mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { id } }",
                       {"t": ticket_id, "c": triage_desk.categories["Access"]}, triage_desk.admin)
    categories = triage_desk.gql.ok("query { categories { name examples { text } } }", None,
                                    triage_desk.admin)["categories"]
    holding = [c["name"] for c in categories if any(subject in e["text"] for e in c["examples"])]
    assert holding == ["Access"]


def test_priority_is_suggested_from_examples_and_rules_but_never_overrides_a_person(
    triage_desk: TriageDesk,
) -> None:
    t = triage_desk
    for priority, texts in {
        "URGENT": ["Production is down for all our users", "Everything is down and nobody can work",
                   "Total outage, the service does not respond at all"],
        "LOW": ["Small suggestion for a future version", "Just curious whether you plan dark mode",
                "A minor typo on the about page"],
    }.items():
        t.gql.ok("mutation($p: Priority!, $e: [String!]!) { addPriorityExamples(priority: $p, examples: $e) { id } }",
                 {"p": priority, "e": texts}, t.admin)
    low = classified(t, create(t, "Idea", "Just a small suggestion: a dark mode would be nice"))
    assert low["classification"]["suggestedPriority"] == "LOW"
    assert low["priority"] == "LOW"
    assert any(e["kind"] == "PRIORITY_CHANGED" for e in low["events"])
    # A VIP's ticket is raised a level by the default rule, whatever was learned.
    vip = t.desk.new_customer("VIP")
    raised = classified(t, create(t, "Idea", "Just a small suggestion: a dark mode would be nice", customer=vip))
    assert raised["classification"]["suggestedPriority"] == "MEDIUM"
    assert "VIP customers" in raised["classification"]["reasons"]
    # The creator chose a priority: the suggestion is kept beside it, not applied.
    chosen = classified(t, create(t, "Down", "Production is down for all our users", priority="LOW"))
    assert chosen["priority"] == "LOW"
    assert chosen["classification"]["suggestedPriority"] in ("URGENT", "HIGH")


def test_priority_rules_are_data_managed_through_the_api(triage_desk: TriageDesk) -> None:
    t = triage_desk
    rules = t.gql.ok("query { priorityRules { name keywords customerTiers raiseLevels minimumPriority } }",
                     None, t.admin)["priorityRules"]
    assert {r["name"] for r in rules} >= {"VIP customers", "Outage or security words"}
    rule = t.gql.ok(
        "mutation($i: PriorityRuleInput!) { upsertPriorityRule(input: $i) { id name keywords minimumPriority } }",
        {"i": {"name": "Legal threats", "keywords": ["Lawyer", "court"], "minimumPriority": "URGENT"}}, t.admin,
    )["upsertPriorityRule"]
    assert rule["keywords"] == ["lawyer", "court"]
    text = "Just a small suggestion from our lawyer: a dark mode would be nice"
    preview = classify(t, text)
    assert preview["suggestedPriority"] == "URGENT" and "Legal threats" in preview["reasons"]
    t.gql.ok("mutation($id: ID!) { deletePriorityRule(id: $id) }", {"id": rule["id"]}, t.admin)
    after = classify(t, text)
    assert "Legal threats" not in after["reasons"] and after["suggestedPriority"] != "URGENT"
    bad = t.gql.error("mutation($i: PriorityRuleInput!) { upsertPriorityRule(input: $i) { id } }",
                      {"i": {"name": "No condition", "raiseLevels": 1}}, t.admin)
    assert bad.code == "BAD_USER_INPUT"


def test_access_and_bad_input(triage_desk: TriageDesk) -> None:
    t = triage_desk
    customer = t.desk.customer
    assert customer is not None
    assert t.gql.error(CLASSIFY, {"t": "hello"}, customer.token).code == "FORBIDDEN"
    assert t.gql.error(CLASSIFY, {"t": "   "}, t.admin).code == "BAD_USER_INPUT"
    assert t.gql.error(CLASSIFY, {"t": "hello"}, None).code == "UNAUTHENTICATED"
    # A customer sees their ticket, but not what the classifier thought of it.
    ticket_id = create(t, "Login", "I cannot log in", customer=customer)
    classified(t, ticket_id)
    seen = t.gql.ok("query($id: ID!) { ticket(id: $id) { classification { confidence } } }",
                    {"id": ticket_id}, customer.token)["ticket"]
    assert seen["classification"] is None
