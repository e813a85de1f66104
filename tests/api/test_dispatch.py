"""Dispatch through the running server: routing rules, each assignment strategy within
capacity, the queue draining as capacity frees, transfer and escalation, on-call paging down
its chain with a signed webhook, and automatic escalation on an SLA breach.

Its own desk (fresh database, triage off so tickets are dispatched as they arrive): routing
rules and the default group act on every new ticket of a desk."""

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest

from tests.api.desk import Desk, Person, build_desk, unique
from tests.api.own_desk import OwnDesk, own_desk, wait_for
from tests.backends import Backend
from tests.conftest import free_port
from tests.mail_sink import MailSink
from tests.ws import Socket

T = TypeVar("T")
SECRET = "dispatch-test-secret"

TICKET = """query($id: ID!) { ticket(id: $id) { id priority group { id } assignee { id } tags
  events { kind note before after } } }"""




@pytest.fixture(scope="module")
def desks(tmp_path_factory: pytest.TempPathFactory, backend: Backend, sink: MailSink) -> Iterator[list[OwnDesk]]:
    settings = {"HELPDESK_TRIAGE": "off", "HELPDESK_SECRET_KEY": SECRET, "HELPDESK_SMTP_HOST": "127.0.0.1",
                "HELPDESK_SMTP_PORT": str(sink.port), "HELPDESK_SMTP_FROM": "desk@helpdesk.test"}
    with own_desk(tmp_path_factory.mktemp("dispatch"), settings, api_processes=2) as running:
        yield running


@pytest.fixture
def desk(desks: list[OwnDesk]) -> Desk:
    return build_desk(desks[0].gql, desks[0].admin)


def ticket(desk: Desk, ticket_id: str) -> dict[str, Any]:
    return desk.gql.ok(TICKET, {"id": ticket_id}, desk.admin)["ticket"]


def create(desk: Desk, subject: str, **fields: Any) -> str:
    assert desk.other_customer is not None
    return str(desk.gql.ok(
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }",
        {"i": {"subject": subject, "description": fields.pop("description", "details"),
               "customerId": fields.pop("customerId", desk.other_customer.id), **fields}},
        desk.admin,
    )["createTicket"]["id"])


def agents(desk: Desk, group_id: str, count: int, capacity: int = 10, skills: list[str] | None = None,
           online: bool = True) -> list[Person]:
    people = [desk.staff("AGENT", [group_id]) for _ in range(count)]
    for person in people:
        desk.gql.ok("mutation($u: ID!, $c: Int, $s: [String!]) { updateAgentDispatch(userId: $u, capacity: $c, skills: $s) { id } }",
                    {"u": person.id, "c": capacity, "s": skills or []}, desk.admin)
        if online:
            desk.gql.ok("mutation { setAvailability(availability: ONLINE) { availability } }", None, person.token)
    return people


def strategy(desk: Desk, group_id: str, name: str, **extra: Any) -> None:
    desk.gql.ok("mutation($g: ID!, $s: AssignmentStrategy, $e: ID, $d: Boolean) { updateGroupDispatch(groupId: $g, strategy: $s, escalationGroupId: $e, isDefault: $d) { id } }",
                {"g": group_id, "s": name, "e": extra.get("escalation"), "d": extra.get("default")}, desk.admin)


def test_routing_rules_route_by_keyword_tier_and_category_and_log_why(desk: Desk) -> None:
    word = unique("zebra").replace("-", "")
    rule = desk.gql.ok(
        "mutation($i: RoutingRuleInput!) { upsertRoutingRule(input: $i) { id name keywords } }",
        {"i": {"name": unique("Zebra rule"), "position": 1, "keywords": [word], "groupId": desk.other_group_id,
               "tags": ["Zebra"], "setPriority": "HIGH"}},
        desk.admin,
    )["upsertRoutingRule"]
    routed = ticket(desk, create(desk, f"Problem with {word} today"))
    assert routed["group"]["id"] == desk.other_group_id
    assert routed["tags"] == ["zebra"] and routed["priority"] == "HIGH"
    assigned = [e for e in routed["events"] if e["kind"] == "ASSIGNED"]
    assert rule["name"] in assigned[0]["note"] and "keyword" in assigned[0]["note"]
    # Without a default group, a ticket nothing claims stays without one, until a rule that
    # claims it is saved, or a default group is set.
    later = unique("okapi").replace("-", "")
    waiting_for_rule = create(desk, f"Where is my {later}?")
    stranded = create(desk, "Nothing claims this one")
    assert ticket(desk, waiting_for_rule)["group"] is None and ticket(desk, stranded)["group"] is None
    desk.gql.ok("mutation($i: RoutingRuleInput!) { upsertRoutingRule(input: $i) { id } }",
                {"i": {"name": unique("Okapi rule"), "position": 2, "keywords": [later],
                       "groupId": desk.other_group_id}}, desk.admin)
    assert ticket(desk, waiting_for_rule)["group"]["id"] == desk.other_group_id
    assert ticket(desk, stranded)["group"] is None
    # A ticket nothing claims goes to the default group; one with a group stays there.
    strategy(desk, desk.group_id, "MANUAL", default=True)
    assert ticket(desk, stranded)["group"]["id"] == desk.group_id
    assert ticket(desk, create(desk, "Anything else"))["group"]["id"] == desk.group_id
    assert ticket(desk, create(desk, f"{word} again", groupId=desk.other_group_id))["group"]["id"] == desk.other_group_id
    desk.gql.ok("mutation($id: ID!) { deleteRoutingRule(id: $id) }", {"id": rule["id"]}, desk.admin)
    bad = desk.gql.error("mutation($i: RoutingRuleInput!) { upsertRoutingRule(input: $i) { id } }",
                         {"i": {"name": unique("no effect"), "keywords": ["x"]}}, desk.admin)
    assert bad.code == "BAD_USER_INPUT"


def test_least_loaded_spreads_work_within_capacity_and_the_queue_waits(desk: Desk) -> None:
    group = desk.group()
    a, b = agents(desk, group, 2, capacity=2)
    strategy(desk, group, "LEAST_LOADED")
    ids = [create(desk, f"t{i}", groupId=group, priority="MEDIUM") for i in range(5)]
    assignees = [(ticket(desk, i)["assignee"] or {}).get("id") for i in ids]
    assert sorted(x for x in assignees if x) == sorted([a.id, a.id, b.id, b.id])  # 2 points each
    waiting = ids[assignees.index(None)]
    note = next(e["note"] for e in ticket(desk, ids[0])["events"] if e["kind"] == "ASSIGNED" and e["after"]["assigneeId"])
    assert note.startswith("least loaded")
    # Capacity frees: the queue moves up at once.
    done = ids[assignees.index(a.id)]
    desk.gql.ok("mutation($t: ID!) { resolveTicket(ticketId: $t) { id } }", {"t": done}, desk.admin)
    assert ticket(desk, waiting)["assignee"]["id"] == a.id


def test_nobody_offline_or_away_gets_work_until_they_come_online(desk: Desk) -> None:
    group = desk.group()
    [agent] = agents(desk, group, 1, online=False)
    strategy(desk, group, "LEAST_LOADED")
    waiting = create(desk, "while nobody is in", groupId=group)
    assert ticket(desk, waiting)["assignee"] is None
    desk.gql.ok("mutation { setAvailability(availability: AWAY) { id } }", None, agent.token)
    assert ticket(desk, create(desk, "still away", groupId=group))["assignee"] is None
    desk.gql.ok("mutation { setAvailability(availability: ONLINE) { id } }", None, agent.token)
    assert ticket(desk, waiting)["assignee"]["id"] == agent.id


def test_round_robin_takes_turns(desk: Desk) -> None:
    group = desk.group()
    people = agents(desk, group, 3)
    strategy(desk, group, "ROUND_ROBIN")
    got = [ticket(desk, create(desk, f"rr{i}", groupId=group, priority="LOW"))["assignee"]["id"] for i in range(6)]
    assert got[:3] == [p.id for p in people] and got[3:] == got[:3]


def test_skills_match_category_and_product_names(desk: Desk) -> None:
    group = desk.group()
    name = unique("Payroll")
    category = desk.gql.ok("mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }",
                           {"i": {"name": name}}, desk.admin)["createCategory"]["id"]
    [generalist] = agents(desk, group, 1)
    [expert] = agents(desk, group, 1, skills=[name])
    strategy(desk, group, "SKILLS")
    routed = ticket(desk, create(desk, "payroll export", groupId=group, categoryId=category))
    assert routed["assignee"]["id"] == expert.id
    assert "skills" in next(e["note"] for e in routed["events"] if e["kind"] == "ASSIGNED")
    assert ticket(desk, create(desk, "other", groupId=group))["assignee"]["id"] in (generalist.id, expert.id)


def test_transfer_and_escalation_are_logged_and_dispatched_in_the_new_group(desk: Desk) -> None:
    tier2 = desk.group()
    [senior] = agents(desk, tier2, 1)
    strategy(desk, tier2, "LEAST_LOADED")
    strategy(desk, desk.group_id, "MANUAL", escalation=tier2)
    ticket_id = create(desk, "hard one", groupId=desk.group_id)
    moved = desk.gql.ok("mutation($t: ID!) { escalateTicket(ticketId: $t, note: \"needs tier 2\", raisePriority: true) { group { id } assignee { id } priority } }",
                        {"t": ticket_id}, desk.admin)["escalateTicket"]
    assert moved["group"]["id"] == tier2 and moved["priority"] == "HIGH"
    after = ticket(desk, ticket_id)
    assert after["assignee"]["id"] == senior.id  # dispatched in the new group
    assert [e["note"] for e in after["events"] if e["kind"] == "ESCALATED"] == ["needs tier 2"]
    assert desk.gql.error("mutation($t: ID!) { escalateTicket(ticketId: $t) { id } }", {"t": ticket_id},
                          desk.admin).code == "CONFLICT"  # tier 2 has no next tier
    back = desk.gql.ok("mutation($t: ID!, $g: ID) { transferTicket(ticketId: $t, groupId: $g, reason: \"billing question after all\") { group { id } } }",
                       {"t": ticket_id, "g": desk.other_group_id}, desk.admin)["transferTicket"]
    assert back["group"]["id"] == desk.other_group_id
    assert [e["note"] for e in ticket(desk, ticket_id)["events"] if e["kind"] == "TRANSFERRED"] == ["billing question after all"]
    assert desk.gql.error("mutation($t: ID!, $g: ID) { transferTicket(ticketId: $t, groupId: $g, reason: \" \") { id } }",
                          {"t": ticket_id, "g": desk.group_id}, desk.admin).code == "BAD_USER_INPUT"


class Receiver:
    """A local webhook receiver that records what arrives and whether the signature holds."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], bool]] = []
        self.failures_left = 0  # answer this many calls with 503 first (an outage)
        self.refused = 0
        received = self.calls
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    receiver.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                stamp = self.headers["X-Helpdesk-Timestamp"]
                expected = "sha256=" + hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
                received.append((json.loads(body), hmac.compare_digest(expected, self.headers["X-Helpdesk-Signature"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


PAGES = "query { pages(openOnly: false) { id reason exhausted acknowledgedBy { id } calls { agent { id } } ticket { id } } }"


def test_urgent_tickets_page_on_call_and_walk_the_chain_until_acknowledged(
    desk: Desk, receiver: Receiver, sink: MailSink
) -> None:
    group = desk.group()
    first, second = agents(desk, group, 2, online=False)
    supervisor = desk.staff("SUPERVISOR", [group])
    desk.gql.ok("mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
                {"i": {"groupId": group, "participantIds": [first.id, second.id],
                       "startsAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "shiftSeconds": 86400,
                       "ackTimeoutSeconds": 1, "webhookUrl": receiver.url}}, desk.admin)
    ticket_id = create(desk, "Everything is down", groupId=group, priority="URGENT")

    def page() -> dict[str, Any] | None:
        found = [p for p in desk.gql.ok(PAGES, None, desk.admin)["pages"] if p["ticket"]["id"] == ticket_id]
        return found[0] if found else None

    opened = wait_for(page, "the page")
    assert opened["calls"][0]["agent"]["id"] == first.id
    # Nobody answers within a second: the next in the chain, then the supervisor.
    escalated = wait_for(lambda: (p := page()) and len(p["calls"]) >= 2 and p, "the second call", timeout=30)
    assert escalated["calls"][1]["agent"]["id"] == second.id
    acked = desk.gql.ok("mutation($p: ID!) { acknowledgePage(pageId: $p) { acknowledgedBy { id } } }",
                        {"p": opened["id"]}, second.token)["acknowledgePage"]
    assert acked["acknowledgedBy"]["id"] == second.id
    events = [e["kind"] for e in ticket(desk, ticket_id)["events"]]
    assert events.count("PAGED") >= 2 and "PAGE_ACKNOWLEDGED" in events
    called = wait_for(lambda: len(receiver.calls) >= 2 and receiver.calls, "two webhook calls", timeout=20)
    assert all(ok for _, ok in called)
    assert [c["user"]["id"] for c, _ in called[:2]] == [int(first.id), int(second.id)]
    outsider = desk.staff("AGENT", [desk.group_id])
    assert desk.gql.error("mutation($p: ID!) { acknowledgePage(pageId: $p) { id } }", {"p": opened["id"]},
                          outsider.token).code == "FORBIDDEN"
    # Unanswered, the chain ends with the group's supervisor, then is logged as exhausted.
    unanswered = create(desk, "Still everything is down", groupId=group, priority="URGENT")

    def exhausted() -> dict[str, Any] | None:
        found = [p for p in desk.gql.ok(PAGES, None, desk.admin)["pages"] if p["ticket"]["id"] == unanswered]
        return found[0] if found and found[0]["exhausted"] else None

    ended = wait_for(exhausted, "the chain to run out", timeout=45)
    assert [c["agent"]["id"] for c in ended["calls"]] == [first.id, second.id, supervisor.id]
    assert "PAGE_EXHAUSTED" in [e["kind"] for e in ticket(desk, unanswered)["events"]]
    mails = wait_for(lambda: [m for m in sink.messages if first.email in m["To"] or second.email in m["To"]],
                     "the page mails", timeout=30)
    assert any(m["Subject"].startswith("[HD-") and "Paged" in m["Subject"] for m in mails)
    assert all(m["Auto-Submitted"] == "auto-generated" and m["Message-ID"] for m in mails)


def test_a_page_webhook_waits_through_the_receivers_outage(desk: Desk, receiver: Receiver) -> None:
    group = desk.group()
    (on_call,) = agents(desk, group, 1, online=False)
    receiver.failures_left = 1  # the first call meets a 503
    desk.gql.ok("mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
                {"i": {"groupId": group, "participantIds": [on_call.id],
                       "startsAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "shiftSeconds": 86400,
                       "ackTimeoutSeconds": 3600, "webhookUrl": receiver.url}}, desk.admin)
    ticket_id = create(desk, "Checkout is down", groupId=group, priority="URGENT")
    # Retried from the table by the sweep (5 s after the failure), signed anew, made once.
    arrived = wait_for(lambda: receiver.calls or None, "the call after the outage", timeout=60)
    assert receiver.refused == 1
    body, signed = arrived[0]
    assert signed and body["ticket"]["id"] == int(ticket_id) and body["user"]["id"] == int(on_call.id)
    time.sleep(1)
    assert len(receiver.calls) == 1


def test_page_mail_waits_in_the_outbox_while_smtp_is_down(desk: Desk, sink: MailSink) -> None:
    group = desk.group()
    [person] = agents(desk, group, 1, online=False)
    desk.gql.ok("mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
                {"i": {"groupId": group, "participantIds": [person.id],
                       "startsAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}}, desk.admin)
    sink.stop()
    try:
        create(desk, "Outage while mail is down", groupId=group, priority="URGENT")
        time.sleep(2)  # the first attempt fails: nobody listens
        assert not [m for m in sink.messages if person.email in m["To"]]
    finally:
        sink.start()
    mails = wait_for(lambda: [m for m in sink.messages if person.email in m["To"]], "the retried mail", timeout=60)
    assert len(mails) == 1


def test_on_call_follows_the_rotation_across_its_hand_over(desk: Desk) -> None:
    group = desk.group()
    a, b = agents(desk, group, 2, online=False)
    start = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (CET)
    desk.gql.ok("mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
                {"i": {"groupId": group, "participantIds": [a.id, b.id], "startsAt": start.isoformat(),
                       "shiftSeconds": 86400, "timeZone": "Europe/Berlin"}}, desk.admin)
    query = "query($g: ID!, $at: DateTime) { onCallSchedule(groupId: $g) { onCall(at: $at) { id } nextHandover(after: $at) } }"
    # 09:00 Berlin is 08:00 UTC before the DST change on 29 March and 07:00 UTC after it.
    before = desk.gql.ok(query, {"g": group, "at": "2026-03-29T06:59:59Z"}, desk.admin)["onCallSchedule"]
    after = desk.gql.ok(query, {"g": group, "at": "2026-03-29T07:00:00Z"}, desk.admin)["onCallSchedule"]
    assert before["onCall"]["id"] == a.id and after["onCall"]["id"] == b.id
    assert before["nextHandover"].startswith("2026-03-29T07:00:00")


def test_a_breach_escalates_by_policy_once(desk: Desk) -> None:
    tier2 = desk.group()
    supervisor = desk.staff("SUPERVISOR", [tier2])
    desk.gql.ok("mutation($i: SlaPolicyInput!) { upsertSlaPolicy(input: $i) { id } }",
                {"i": {"name": unique("Breach fast"), "priority": "LOW", "firstResponseSeconds": 1,
                       "resolutionSeconds": 3600, "position": 1,
                       "conditions": {"groupIds": [desk.group_id]},
                       "escalation": {"groupId": tier2, "raisePriority": True, "notifySupervisor": True}}},
                desk.admin)
    ticket_id = create(desk, "slow one", groupId=desk.group_id, priority="LOW")

    def escalated() -> dict[str, Any] | None:
        row = ticket(desk, ticket_id)
        return row if any(e["kind"] == "ESCALATED" for e in row["events"]) else None

    row = wait_for(escalated, "the breach escalation", timeout=45)
    assert row["group"]["id"] == tier2 and row["priority"] == "MEDIUM"
    assert [e["kind"] for e in row["events"]].count("ESCALATED") == 1
    # The page follows the escalation's commit, and its first call follows the page.
    def paged() -> list[dict[str, Any]] | None:
        found = [p for p in desk.gql.ok(PAGES, None, desk.admin)["pages"] if p["ticket"]["id"] == ticket_id]
        return found if found and found[0]["calls"] else None

    pages = wait_for(paged, "the supervisor's page", timeout=30)
    assert pages[0]["reason"] == "SLA breached"
    assert pages[0]["calls"][0]["agent"]["id"] == supervisor.id


def test_concurrent_intake_on_every_api_process_never_overfills_an_agent_or_assigns_twice(
    desks: list[OwnDesk], desk: Desk
) -> None:
    """On the real backend: two API processes on one PostgreSQL, twelve clients at once."""
    group = desk.group()
    people = agents(desk, group, 3, capacity=3)
    strategy(desk, group, "LEAST_LOADED")
    assert desk.other_customer is not None
    customer = desk.other_customer.id

    def intake(i: int) -> str:
        gql = desks[i % len(desks)].gql
        return str(gql.ok("mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }",
                          {"i": {"subject": f"rush {i}", "description": "d", "customerId": customer,
                                 "groupId": group, "priority": "MEDIUM"}}, desk.admin)["createTicket"]["id"])

    with ThreadPoolExecutor(12) as pool:
        ids = list(pool.map(intake, range(30)))
    rows = [ticket(desk, i) for i in ids]
    load = Counter(r["assignee"]["id"] for r in rows if r["assignee"])
    assert sorted(load) == sorted(p.id for p in people)
    assert all(n == 3 for n in load.values())  # full, never past capacity (MEDIUM weighs 1)
    for row in rows:
        automatic = [e for e in row["events"] if e["kind"] == "ASSIGNED" and (e["after"] or {}).get("strategy")]
        assert len(automatic) <= 1


def test_a_corrected_category_routes_an_unassigned_ticket_again(desk: Desk) -> None:
    target = desk.group()
    category = desk.gql.ok("mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }",
                           {"i": {"name": unique("Refunds")}}, desk.admin)["createCategory"]["id"]
    desk.gql.ok("mutation($i: RoutingRuleInput!) { upsertRoutingRule(input: $i) { id } }",
                {"i": {"name": unique("Refunds rule"), "position": 0, "categoryIds": [category], "groupId": target}},
                desk.admin)
    ticket_id = create(desk, "money back please", groupId=desk.group_id)
    desk.gql.ok("mutation($t: ID!, $c: ID) { setCategory(ticketId: $t, categoryId: $c) { id } }",
                {"t": ticket_id, "c": category}, desk.admin)
    row = ticket(desk, ticket_id)
    assert row["group"]["id"] == target
    assert any(e["kind"] == "ASSIGNED" and e["note"].startswith("category corrected") for e in row["events"])


def test_a_ticket_created_with_a_category_meets_the_routing_rules_before_its_default_group(
    desk: Desk,
) -> None:
    vip_group, billing_group = desk.group(), desk.group()
    word = unique("chargeback").replace("-", "")
    category = desk.gql.ok(
        "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }",
        {"i": {"name": unique("Billing"), "defaultGroupId": billing_group}}, desk.admin,
    )["createCategory"]["id"]
    rule = desk.gql.ok(
        "mutation($i: RoutingRuleInput!) { upsertRoutingRule(input: $i) { id name } }",
        {"i": {"name": unique("Chargebacks"), "position": 0, "categoryIds": [category],
               "keywords": [word], "groupId": vip_group}}, desk.admin,
    )["upsertRoutingRule"]
    created = desk.gql.ok(
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id group { id } } }",
        {"i": {"subject": f"A {word} on my card", "description": "details", "categoryId": category,
               "customerId": desk.other_customer.id if desk.other_customer else None}}, desk.admin,
    )["createTicket"]
    # The response already shows where dispatch put it.
    assert created["group"] == {"id": vip_group}
    routed = [e for e in ticket(desk, created["id"])["events"] if e["kind"] == "ASSIGNED"]
    assert rule["name"] in routed[0]["note"]
    # No rule claims it: the category's default group takes it, and the log says why.
    plain = ticket(desk, create(desk, "A plain invoice question", categoryId=category))
    assert plain["group"] == {"id": billing_group}
    assert any("default group of category" in (e["note"] or "") for e in plain["events"])
    # A group given by the creator is kept, whatever the rules say.
    chosen = ticket(desk, create(desk, f"Another {word}", categoryId=category, groupId=desk.group_id))
    assert chosen["group"] == {"id": desk.group_id}


def test_an_override_takes_the_watch_for_its_window(desk: Desk) -> None:
    group = desk.group()
    a, b = agents(desk, group, 2, online=False)
    desk.gql.ok("mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
                {"i": {"groupId": group, "participantIds": [a.id], "startsAt": "2026-01-01T00:00:00Z"}}, desk.admin)
    query = "query($g: ID!, $at: DateTime) { onCallSchedule(groupId: $g) { onCall(at: $at) { id } overrides { id } } }"
    override = desk.gql.ok(
        "mutation($g: ID!, $u: ID!, $s: DateTime!, $e: DateTime!) { addOnCallOverride(groupId: $g, userId: $u, startsAt: $s, endsAt: $e) { id } }",
        {"g": group, "u": b.id, "s": "2026-06-01T00:00:00Z", "e": "2026-06-02T00:00:00Z"}, desk.admin,
    )["addOnCallOverride"]
    during = desk.gql.ok(query, {"g": group, "at": "2026-06-01T12:00:00Z"}, desk.admin)["onCallSchedule"]
    after = desk.gql.ok(query, {"g": group, "at": "2026-06-02T00:00:00Z"}, desk.admin)["onCallSchedule"]
    assert during["onCall"]["id"] == b.id and after["onCall"]["id"] == a.id
    desk.gql.ok("mutation($id: ID!) { removeOnCallOverride(id: $id) }", {"id": override["id"]}, desk.admin)
    assert desk.gql.ok(query, {"g": group, "at": "2026-06-01T12:00:00Z"}, desk.admin)["onCallSchedule"]["onCall"]["id"] == a.id
    bad = desk.gql.error("mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
                         {"i": {"groupId": group, "participantIds": [desk.agent.id if desk.agent else ""],
                                "startsAt": "2026-01-01T00:00:00Z"}}, desk.admin)
    assert bad.code == "BAD_USER_INPUT"  # not a member of the group


def test_the_paged_person_hears_it_live_and_others_do_not(desks: list[OwnDesk], desk: Desk) -> None:
    group = desk.group()
    on_call, bystander = agents(desk, group, 2, online=False)
    desk.gql.ok("mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
                {"i": {"groupId": group, "participantIds": [on_call.id],
                       "startsAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}}, desk.admin)
    query = "subscription { myPages { id ticketId kind note after } }"
    mine, theirs = Socket(desks[-1].gql.base_url, on_call.token), Socket(desks[-1].gql.base_url, bystander.token)
    try:
        mine.subscribe(query)
        theirs.subscribe(query)
        time.sleep(0.3)  # registered once the server has read them
        ticket_id = create(desk, "Payments are down", groupId=group, priority="URGENT")
        page = mine.next(timeout=30)["myPages"]
        assert page["kind"] == "PAGED" and page["ticketId"] == ticket_id
        assert page["after"]["userId"] == int(on_call.id)
        with pytest.raises(TimeoutError):
            theirs.receive(timeout=2)
    finally:
        mine.close()
        theirs.close()
