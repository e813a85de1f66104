"""kpis over the API: exact figures for this test's own agent, customer, product, category and
group rows (the session's database holds other tests' tickets too), access per role, bad
input, and a query count that does not grow with the rows."""

from datetime import UTC, datetime, timedelta, timezone
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.services.satisfaction import survey_token
from tests.api.desk import Desk, unique
from tests.api.test_query_count import counting_queries, wait_for_quiet
from tests.api.test_sla import kinds, scoped_policy, ts, wait_for

# The session server's HELPDESK_SECRET_KEY (tests/conftest.py): a survey link signed with it
# is what the closing mail carries.
SECRET = "test-secret"

FIGURES = """ticketsCreated ticketsResolved ticketsClosed ticketsReopened
  firstResponse { met breached pending metPercent } resolution { met breached pending metPercent }
  firstResponseTime { count meanSeconds medianSeconds p90Seconds }
  resolutionTime { count meanSeconds medianSeconds p90Seconds }
  satisfaction { count averageStars satisfiedPercent distribution { stars count } }"""
KPIS = f"""query($f: DateTime!, $t: DateTime!, $g: KpiDimension, $z: String) {{
  kpis(from: $f, to: $t, groupBy: $g, timeZone: $z) {{ from to groupBy timeZone total {{ {FIGURES} }}
    rows {{ key label day priority figures {{ {FIGURES} }} }} }} }}"""
SIMPLE = "query($f: DateTime!, $t: DateTime!, $g: KpiDimension) { kpis(from: $f, to: $t, groupBy: $g) { total { ticketsCreated } rows { key } } }"
ELAPSED = "query($i: ID) { ticket(id: $i) { sla { firstResponse { elapsedSeconds metAt } resolution { elapsedSeconds metAt } } } }"


def iso(value: datetime) -> str:
    return value.isoformat()


def now() -> datetime:
    return datetime.now(UTC)


def act(desk: Desk, mutation: str, ticket_id: str, token: str | None = None) -> None:
    desk.gql.ok(
        f"mutation($t: ID!) {{ {mutation}(ticketId: $t) {{ id }} }}", {"t": ticket_id}, token or desk.admin
    )


def reply(desk: Desk, ticket_id: str, token: str) -> None:
    desk.gql.ok(
        'mutation($t: ID!) { addReply(ticketId: $t, body: "Looking into it") { id } }',
        {"t": ticket_id},
        token,
    )


def assign(desk: Desk, ticket_id: str, agent_id: str) -> None:
    desk.gql.ok(
        "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }",
        {"t": ticket_id, "a": agent_id},
        desk.admin,
    )


def rate(desk: Desk, ticket_id: str, stars: int) -> None:
    token = survey_token(ticket_id=int(ticket_id), secret_key=SECRET, now=now())
    desk.gql.ok(
        "mutation($t: String!, $s: Int!) { rateTicket(token: $t, stars: $s) { stars } }",
        {"t": token, "s": stars},
    )


def report(
    desk: Desk,
    start: datetime,
    end: datetime,
    group_by: str | None,
    token: str | None = None,
    zone: str | None = None,
) -> dict[str, Any]:
    variables: dict[str, Any] = {"f": iso(start), "t": iso(end), "g": group_by}
    if zone is not None:
        variables["z"] = zone
    result: dict[str, Any] = desk.gql.ok(KPIS, variables, token or desk.admin)["kpis"]
    return result


def row(result: dict[str, Any], key: str) -> dict[str, Any]:
    found = [r for r in result["rows"] if r["key"] == key]
    assert len(found) == 1, (key, [r["key"] for r in result["rows"]])
    figures: dict[str, Any] = found[0]["figures"]
    return figures


def times(values: list[int]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "count": len(values),
        "meanSeconds": round(sum(values) / len(values), 2),
        "medianSeconds": float(median(values)),
        "p90Seconds": ordered[-(-9 * len(values) // 10) - 1],
    }


def attainment(met: int, breached: int, pending: int) -> dict[str, Any]:
    decided = met + breached
    return {
        "met": met,
        "breached": breached,
        "pending": pending,
        "metPercent": round(100 * met / decided, 2) if decided else None,
    }


def build(desk: Desk) -> dict[str, Any]:
    """Four tickets: A answered, resolved, closed, rated 5; B answered, resolved and reopened;
    C untouched (another customer, unassigned); D urgent under a 1-second first-response
    target, breached, answered late, resolved and rated 2."""
    assert desk.agent is not None and desk.customer is not None and desk.other_customer is not None
    product = desk.gql.ok(
        "mutation($n: String!) { createProduct(input: {name: $n}) { id } }",
        {"n": unique("KPI product")},
        desk.admin,
    )["createProduct"]["id"]
    category = desk.gql.ok(
        "mutation($n: String!) { createCategory(input: {name: $n}) { id } }",
        {"n": unique("KPI category")},
        desk.admin,
    )["createCategory"]["id"]
    scoped_policy(desk, first=1, resolution=3600, warn=[50], priority="URGENT")
    start = now() - timedelta(seconds=1)
    a = desk.ticket(priority="HIGH", productId=product, categoryId=category)
    b = desk.ticket(priority="HIGH", productId=product, categoryId=category)
    c = desk.ticket(priority="LOW", customerId=desk.other_customer.id)
    d = desk.ticket(priority="URGENT", productId=product)
    for t in (a, b, d):
        assign(desk, t["id"], desk.agent.id)
    for t in (a, b):
        reply(desk, t["id"], desk.agent.token)
        act(desk, "resolveTicket", t["id"], desk.agent.token)
    act(desk, "closeTicket", a["id"], desk.agent.token)
    act(desk, "reopenTicket", b["id"], desk.agent.token)
    rate(desk, a["id"], 5)
    breached = wait_for(
        desk,
        d["id"],
        lambda t: any(e["after"]["target"] == "FIRST_RESPONSE" for e in kinds(t, "SLA_BREACHED")),
    )
    assert kinds(breached, "SLA_BREACHED"), "the 1-second first-response target never breached"
    reply(desk, d["id"], desk.agent.token)
    act(desk, "resolveTicket", d["id"], desk.agent.token)
    rate(desk, d["id"], 2)
    sla = {t["id"]: desk.gql.ok(ELAPSED, {"i": t["id"]}, desk.admin)["ticket"]["sla"] for t in (a, b, d)}
    return {
        "start": start,
        "end": now() + timedelta(hours=1),
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "product": product,
        "category": category,
        "sla": sla,
    }


def test_exact_figures_per_agent_customer_product_category_and_group(desk: Desk) -> None:
    assert desk.agent and desk.supervisor and desk.customer and desk.other_customer
    built = build(desk)
    start, end, sla = built["start"], built["end"], built["sla"]
    a, b, d = built["a"]["id"], built["b"]["id"], built["d"]["id"]
    first_response = [sla[t]["firstResponse"]["elapsedSeconds"] for t in (a, b, d)]
    resolution = [sla[t]["resolution"]["elapsedSeconds"] for t in (a, d)]  # B was reopened
    assert sla[b]["resolution"]["metAt"] is None
    handled = {  # A, B and D: the agent's, the customer's and the product's
        "ticketsCreated": 3,
        "ticketsResolved": 3,
        "ticketsClosed": 1,
        "ticketsReopened": 1,
        "firstResponse": attainment(2, 1, 0),
        "resolution": attainment(2, 0, 1),
        "firstResponseTime": times(first_response),
        "resolutionTime": times(resolution),
        "satisfaction": {
            "count": 2,
            "averageStars": 3.5,
            "satisfiedPercent": 50.0,
            "distribution": [{"stars": s, "count": int(s in (2, 5))} for s in range(1, 6)],
        },
    }

    by_agent = report(desk, start, end, "AGENT")
    assert (by_agent["groupBy"], by_agent["timeZone"]) == ("AGENT", "UTC")
    assert ts(by_agent["from"]) == start and ts(by_agent["to"]) == end
    assert row(by_agent, desk.agent.id) == handled
    [agent_row] = [r for r in by_agent["rows"] if r["key"] == desk.agent.id]
    assert agent_row["day"] is None and agent_row["priority"] is None
    names = desk.gql.ok(
        "query($f: DateTime!, $t: DateTime!) { kpis(from: $f, to: $t, groupBy: AGENT) { rows { key label agent { id name } customer { id } } } }",
        {"f": iso(start), "t": iso(end)},
        desk.supervisor.token,
    )["kpis"]["rows"]
    [named] = [r for r in names if r["key"] == desk.agent.id]
    assert named["agent"]["id"] == desk.agent.id and named["label"] == named["agent"]["name"]
    assert named["customer"] is None
    labels = [r["label"] for r in names]
    if names[-1]["key"] == "none":  # unassigned last, the others by name
        assert names[-1]["label"] == "Unassigned" and names[-1]["agent"] is None
        labels = labels[:-1]
    assert labels == sorted(labels, key=str.casefold)
    # rows add up to the total (each ticket has one current agent)
    for figure in ("ticketsCreated", "ticketsResolved", "ticketsClosed", "ticketsReopened"):
        assert sum(r["figures"][figure] for r in by_agent["rows"]) == by_agent["total"][figure], figure
    assert by_agent["total"]["ticketsCreated"] >= 4

    by_customer = report(desk, start, end, "CUSTOMER")
    assert row(by_customer, desk.customer.id) == handled
    untouched = row(by_customer, desk.other_customer.id)
    assert (
        untouched["ticketsCreated"],
        untouched["ticketsResolved"],
        untouched["satisfaction"]["averageStars"],
    ) == (1, 0, None)
    assert untouched["firstResponse"] == attainment(0, 0, 1) and untouched["firstResponseTime"]["count"] == 0

    assert row(report(desk, start, end, "PRODUCT"), built["product"]) == handled

    by_category = row(report(desk, start, end, "CATEGORY"), built["category"])
    assert (
        by_category["ticketsCreated"],
        by_category["ticketsResolved"],
        by_category["ticketsReopened"],
    ) == (2, 2, 1)
    assert by_category["satisfaction"]["count"] == 1

    by_group = row(report(desk, start, end, "GROUP"), desk.group_id)
    assert (by_group["ticketsCreated"], by_group["firstResponse"]["pending"]) == (4, 1)

    # A period that ends before the work: nothing of it
    early = report(desk, start - timedelta(days=1), start, "AGENT")
    assert desk.agent.id not in [r["key"] for r in early["rows"]]


def test_priority_and_day_rows_in_a_time_zone(desk: Desk) -> None:
    built = build(desk)
    start, end = built["start"], built["end"]
    by_priority = report(desk, start, end, "PRIORITY")
    keys = [r["key"] for r in by_priority["rows"]]
    assert {"URGENT", "HIGH", "LOW"} <= set(keys)
    order = ["URGENT", "HIGH", "MEDIUM", "LOW"]
    assert keys == sorted(keys, key=order.index)
    assert all(r["priority"] == r["key"] and r["label"] == r["key"].title() for r in by_priority["rows"])
    assert row(by_priority, "URGENT")["firstResponse"]["breached"] >= 1

    kolkata = ZoneInfo("Asia/Kolkata")  # +05:30: a day boundary that is not UTC's
    by_day = report(desk, start, end, "DAY", zone="Asia/Kolkata")
    assert by_day["timeZone"] == "Asia/Kolkata"
    days = [r["key"] for r in by_day["rows"]]
    assert days == sorted(days) and all(r["day"] == r["key"] == r["label"] for r in by_day["rows"])
    mine = {ts(built[t]["createdAt"]).astimezone(kolkata).date().isoformat() for t in "abcd"}
    assert mine <= set(days)
    assert sum(r["figures"]["ticketsCreated"] for r in by_day["rows"]) == by_day["total"]["ticketsCreated"]
    assert by_day["total"]["satisfaction"]["count"] >= 2

    total_only = report(desk, start, end, None)
    assert total_only["rows"] == [] and total_only["groupBy"] is None
    assert total_only["total"] == by_day["total"]


def test_access_per_role(desk: Desk) -> None:
    assert desk.agent and desk.supervisor and desk.reporter and desk.customer
    variables = {"f": iso(now() - timedelta(days=1)), "t": iso(now() + timedelta(hours=1)), "g": "AGENT"}
    for token in (desk.admin, desk.supervisor.token, desk.reporter.token):
        assert desk.gql.ok(SIMPLE, variables, token)["kpis"]["total"]["ticketsCreated"] >= 0
    for token in (desk.agent.token, desk.customer.token):
        assert desk.gql.error(SIMPLE, variables, token).code == "FORBIDDEN"
    assert desk.gql.error(SIMPLE, variables).code == "UNAUTHENTICATED"
    assert desk.gql.error(SIMPLE, variables, "hd_not-a-token").code == "UNAUTHENTICATED"

    # Reporters read keys and labels; the agents' and customers' records are for managers.
    desk.ticket()
    contact = "query($f: DateTime!, $t: DateTime!, $g: KpiDimension) { kpis(from: $f, to: $t, groupBy: $g) { rows { key label customer { email } } } }"
    body = desk.gql.raw(contact, {**variables, "g": "CUSTOMER"}, desk.reporter.token)
    assert body["errors"] and {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert all(r["customer"] is None and r["label"] for r in body["data"]["kpis"]["rows"])
    managed = desk.gql.ok(contact, {**variables, "g": "CUSTOMER"}, desk.supervisor.token)["kpis"]["rows"]
    assert {"key": desk.customer.id, "customer": {"email": desk.customer.email}} in [
        {"key": r["key"], "customer": r["customer"]} for r in managed
    ]
    products = "query($f: DateTime!, $t: DateTime!) { kpis(from: $f, to: $t, groupBy: PRODUCT) { rows { key product { id name } } } }"
    assert "kpis" in desk.gql.ok(products, variables, desk.reporter.token)


@pytest.mark.parametrize(
    ("start", "end", "zone", "field"),
    [
        ("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", "UTC", "to"),
        ("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", "UTC", "to"),
        ("2026-01-01T00:00:00Z", "2027-01-02T00:00:01Z", "UTC", "to"),
        ("2026-03-01T00:00:00", "2026-03-02T00:00:00Z", "UTC", "from"),
        ("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "Europe/Atlantis", "timeZone"),
    ],
)
def test_bad_input_names_the_argument(desk: Desk, start: str, end: str, zone: str, field: str) -> None:
    error = desk.gql.error(KPIS, {"f": start, "t": end, "g": "DAY", "z": zone}, desk.admin)
    assert error.code == "BAD_USER_INPUT" and error.errors[0]["extensions"]["field"] == field


def test_an_unknown_dimension_is_bad_input(desk: Desk) -> None:
    error = desk.gql.error(
        SIMPLE, {"f": "2026-03-01T00:00:00Z", "t": "2026-03-02T00:00:00Z", "g": "WEEKDAY"}, desk.admin
    )
    assert error.code == "BAD_USER_INPUT"


def test_a_year_of_366_days_is_accepted(desk: Desk) -> None:
    data = desk.gql.ok(
        SIMPLE, {"f": "2028-01-01T00:00:00Z", "t": "2029-01-01T00:00:00Z", "g": "DAY"}, desk.admin
    )
    assert data["kpis"] == {"total": {"ticketsCreated": 0}, "rows": []}


def test_query_count_does_not_grow_with_the_rows(desk: Desk) -> None:
    """Twelve customers with a ticket each, rated: the report over the first two and over all
    twelve (and everything else in the session) sends the same SQL."""
    start = now() - timedelta(seconds=1)
    created = []
    for _ in range(12):
        customer = desk.new_customer()
        ticket = desk.ticket(customerId=customer.id, priority="LOW")
        act(desk, "resolveTicket", ticket["id"])
        rate(desk, ticket["id"], 4)
        created.append(ts(ticket["createdAt"]))
    nested = f"""query($f: DateTime!, $t: DateTime!) {{ kpis(from: $f, to: $t, groupBy: CUSTOMER) {{
      total {{ {FIGURES} }} rows {{ key label customer {{ id name tier }} figures {{ {FIGURES} }} }} }} }}"""
    periods = {
        "two": (start, created[1] + timedelta(microseconds=1)),
        "all": (start - timedelta(days=2), now() + timedelta(hours=1)),
    }
    counts = {}
    for name, (begin, end) in periods.items():
        runs = []
        for _ in range(3):
            wait_for_quiet()
            with counting_queries() as counter:
                rows = desk.gql.ok(nested, {"f": iso(begin), "t": iso(end)}, desk.admin)["kpis"]["rows"]
            runs.append(len(counter.statements))
        counts[name] = min(runs)
        assert len(rows) >= (2 if name == "two" else 12)
    # auth, four fact queries, names, one batch of customers
    assert counts["two"] == counts["all"] <= 10, counts


def test_a_period_given_with_any_offset_counts_the_same_instants(desk: Desk) -> None:
    """from and to are instants: written with +05:30 or -05:00 instead of Z they select the
    same facts (SQLite keeps datetimes as text, so the bounds must be compared in UTC)."""
    product = desk.gql.ok(
        "mutation($n: String!) { createProduct(input: {name: $n}) { id } }",
        {"n": unique("KPI offsets")},
        desk.admin,
    )["createProduct"]["id"]
    start = now() - timedelta(seconds=1)
    tickets = [desk.ticket(productId=product, priority="LOW") for _ in range(2)]
    act(desk, "resolveTicket", tickets[0]["id"])
    end = now() + timedelta(seconds=1)
    in_utc = row(report(desk, start, end, "PRODUCT"), product)
    assert (in_utc["ticketsCreated"], in_utc["ticketsResolved"]) == (2, 1)
    for east, west in (
        (timedelta(hours=5, minutes=30), timedelta(hours=-5)),
        (timedelta(0), timedelta(hours=-5)),
    ):
        shifted = report(desk, start.astimezone(timezone(east)), end.astimezone(timezone(west)), "PRODUCT")
        assert row(shifted, product) == in_utc, (east, west)
