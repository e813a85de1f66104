"""dashboard over the API: exact figures for this test's own group (the session's database
holds other tests' tickets too), access per role, bad arguments, and a query count that does
not grow with the tickets."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api.desk import Desk
from tests.api.test_kpis import act, assign, reply
from tests.api.test_query_count import counting_queries, wait_for_quiet
from tests.api.test_sla import kinds, scoped_policy, ts, wait_for

DASHBOARD = """query($z: String, $g: ID) { dashboard(timeZone: $z, groupId: $g) {
  day timeZone dayStart dayEnd asOf newToday resolvedToday closedToday pending
  waiting { total byReason { reason count } } unassigned urgentPending overdue nearBreach
  slaAttainmentToday { firstResponse { met breached metPercent } resolution { met breached metPercent } }
  group { id } } }"""
# The figures alone, for comparing callers and scopes.
FIGURES = """query($z: String, $g: ID) { dashboard(timeZone: $z, groupId: $g) {
  newToday resolvedToday closedToday pending waiting { total byReason { reason count } } unassigned
  urgentPending overdue nearBreach
  slaAttainmentToday { firstResponse { met breached metPercent } resolution { met breached metPercent } } } }"""


def noon_zone() -> str:
    """A fixed-offset IANA zone where it is now between 12:00 and 13:00, so the test's tickets
    fall on one local day however close to midnight it runs (Etc/GMT-N is UTC+N)."""
    offset = 12 - datetime.now(UTC).hour  # -11 .. +12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def dashboard(
    desk: Desk, token: str | None, zone: str | None = None, group: str | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {"g": group}
    if zone is not None:
        variables["z"] = zone
    result: dict[str, Any] = desk.gql.ok(DASHBOARD, variables, token)["dashboard"]
    return result


def set_waiting(desk: Desk, ticket_id: str, reason: str) -> None:
    desk.gql.ok(
        "mutation($t: ID!, $r: WaitReason!) { setWaiting(ticketId: $t, reason: $r) { id } }",
        {"t": ticket_id, "r": reason},
        desk.admin,
    )


def build(desk: Desk) -> dict[str, dict[str, Any]]:
    """Eight tickets in the test's group, all created now:
    T1 URGENT, unassigned, never answered: first response (1 s) breached and still owed
    T2 HIGH, assigned: first response reaches its 1% warning after 1 s (due after 100 s)
    T3 LOW, assigned, answered on time, waiting on the customer
    T4 LOW, unassigned, waiting on a third party straight from NEW
    T5 MEDIUM, answered and resolved
    T6 MEDIUM, answered, resolved and closed
    T7 MEDIUM, resolved without a reply (meets first response) and reopened
    T8 URGENT, assigned: first response breached, then answered late"""
    assert desk.agent is not None
    scoped_policy(desk, first=1, resolution=3600, warn=[50], priority="URGENT")
    scoped_policy(desk, first=100, resolution=3600, warn=[1], priority="HIGH")
    scoped_policy(desk, first=3600, resolution=7200, warn=[75], priority="MEDIUM")
    scoped_policy(desk, first=3600, resolution=7200, warn=[75], priority="LOW")
    priorities = ["URGENT", "HIGH", "LOW", "LOW", "MEDIUM", "MEDIUM", "MEDIUM", "URGENT"]
    t = {f"T{i}": desk.ticket(priority=p) for i, p in enumerate(priorities, start=1)}
    for name in ("T2", "T3", "T5", "T6", "T7", "T8"):
        assign(desk, t[name]["id"], desk.agent.id)
    for name in ("T3", "T5", "T6"):
        reply(desk, t[name]["id"], desk.agent.token)
    set_waiting(desk, t["T3"]["id"], "CUSTOMER")
    set_waiting(desk, t["T4"]["id"], "THIRD_PARTY")
    for name in ("T5", "T6", "T7"):
        act(desk, "resolveTicket", t[name]["id"], desk.agent.token)
    act(desk, "closeTicket", t["T6"]["id"], desk.agent.token)
    act(desk, "reopenTicket", t["T7"]["id"], desk.agent.token)
    for name in ("T1", "T8"):
        breached = wait_for(
            desk,
            t[name]["id"],
            lambda found: any(e["after"]["target"] == "FIRST_RESPONSE" for e in kinds(found, "SLA_BREACHED")),
        )
        assert kinds(breached, "SLA_BREACHED"), f"{name}: the 1-second first response never breached"
    near = wait_for(desk, t["T2"]["id"], lambda found: kinds(found, "SLA_NEAR_BREACH"))
    assert near["sla"]["firstResponse"]["state"] == "NEAR_BREACH"
    reply(desk, t["T8"]["id"], desk.agent.token)
    return t


EXPECTED = {
    "newToday": 8,
    "resolvedToday": 3,  # T5, T6, T7 (reopened since: still resolved today)
    "closedToday": 1,  # T6
    "pending": 6,  # T1, T2, T3, T4, T7, T8
    "waiting": {
        "total": 2,
        "byReason": [
            {"reason": "CUSTOMER", "count": 1},
            {"reason": "THIRD_PARTY", "count": 1},
            {"reason": "REVIEW", "count": 0},
        ],
    },
    "unassigned": 2,  # T1, T4
    "urgentPending": 2,  # T1, T8
    "overdue": 1,  # T1; T8 was answered late: breached, but no longer owed
    "nearBreach": 1,  # T2
    "slaAttainmentToday": {
        # met: T3, T5, T6 answered on time, T7 resolved before a reply; breached: T1, T8
        "firstResponse": {"met": 4, "breached": 2, "metPercent": 66.67},
        # met: T5, T6; T7's resolution runs again since its reopen
        "resolution": {"met": 2, "breached": 0, "metPercent": 100.0},
    },
}


def test_exact_figures_for_the_tests_own_group(desk: Desk) -> None:
    assert desk.agent and desk.supervisor and desk.reporter
    zone = noon_zone()
    before = datetime.now(UTC)
    t = build(desk)
    assignees = desk.gql.ok(
        "query($i: ID, $j: ID) { a: ticket(id: $i) { assignee { id } } b: ticket(id: $j) { assignee { id } } }",
        {"i": t["T1"]["id"], "j": t["T4"]["id"]},
        desk.admin,
    )
    assert assignees == {"a": {"assignee": None}, "b": {"assignee": None}}

    found = dashboard(desk, desk.admin, zone, desk.group_id)
    after = datetime.now(UTC)
    figures = {k: v for k, v in found.items() if k in EXPECTED}
    assert figures == EXPECTED
    assert found["group"] == {"id": desk.group_id} and found["timeZone"] == zone
    as_of = ts(found["asOf"])
    assert before <= as_of <= after
    local = as_of.astimezone(ZoneInfo(zone))
    assert found["day"] == local.date().isoformat()
    start, end = ts(found["dayStart"]), ts(found["dayEnd"])
    assert start == local.replace(hour=0, minute=0, second=0, microsecond=0) and end - start == timedelta(
        days=1
    )
    assert all(start <= ts(ticket["createdAt"]) < end for ticket in t.values())

    # Every reader of the group sees the same figures: the supervisor and the reporter by
    # groupId, the group's agent by groupId and by default (it is their only group).
    for token, group in (
        (desk.supervisor.token, desk.group_id),
        (desk.reporter.token, desk.group_id),
        (desk.agent.token, desk.group_id),
        (desk.agent.token, None),
    ):
        seen = desk.gql.ok(FIGURES, {"z": zone, "g": group}, token)["dashboard"]
        assert seen == EXPECTED, token

    # The whole desk holds at least this group's tickets.
    desk_wide = dashboard(desk, desk.admin, zone)
    assert desk_wide["group"] is None
    for figure in ("newToday", "resolvedToday", "closedToday", "pending", "unassigned", "overdue"):
        assert desk_wide[figure] >= EXPECTED[figure], figure  # type: ignore[operator]

    # The other group's agent sees their own group, where nothing happened.
    assert desk.other_agent is not None
    other = desk.gql.ok(FIGURES, {"z": zone}, desk.other_agent.token)["dashboard"]
    assert (other["newToday"], other["pending"], other["overdue"]) == (0, 0, 0)
    assert other["slaAttainmentToday"]["firstResponse"] == {"met": 0, "breached": 0, "metPercent": None}


def test_today_is_counted_in_the_time_zone_given(desk: Desk) -> None:
    for zone in ("UTC", "Asia/Kolkata", "America/Santiago", "Pacific/Kiritimati", "Etc/GMT+12"):
        found = dashboard(desk, desk.admin, zone, desk.group_id)
        local = ts(found["asOf"]).astimezone(ZoneInfo(zone))
        assert found["timeZone"] == zone and found["day"] == local.date().isoformat()
        assert ts(found["dayStart"]) <= ts(found["asOf"]) < ts(found["dayEnd"])
        assert ts(found["dayStart"]).astimezone(ZoneInfo(zone)).date() == local.date()
    assert dashboard(desk, desk.admin, None, desk.group_id)["timeZone"] == "UTC"  # the default


def test_access_per_role(desk: Desk) -> None:
    assert desk.agent and desk.other_agent and desk.supervisor and desk.reporter and desk.customer
    for token in (desk.admin, desk.supervisor.token, desk.reporter.token, desk.agent.token):
        assert desk.gql.ok(FIGURES, {"g": desk.group_id}, token)["dashboard"]["pending"] == 0
    for token in (desk.admin, desk.supervisor.token, desk.reporter.token, desk.agent.token):
        assert desk.gql.ok(FIGURES, {}, token)["dashboard"]["newToday"] >= 0
    # An agent sees only their own groups; another group is FORBIDDEN, as with queues, whether
    # it exists or not.
    for token, group in (
        (desk.agent.token, desk.other_group_id),
        (desk.other_agent.token, desk.group_id),
        (desk.agent.token, "987654321"),
    ):
        assert desk.gql.error(FIGURES, {"g": group}, token).code == "FORBIDDEN"
    assert desk.gql.error(FIGURES, {}, desk.customer.token).code == "FORBIDDEN"
    assert desk.gql.error(FIGURES, {"g": desk.group_id}, desk.customer.token).code == "FORBIDDEN"
    assert desk.gql.error(FIGURES, {}).code == "UNAUTHENTICATED"
    assert desk.gql.error(FIGURES, {}, "hd_not-a-token").code == "UNAUTHENTICATED"
    # Those who see the whole desk are told a group does not exist.
    for token in (desk.admin, desk.reporter.token):
        missing = desk.gql.error(FIGURES, {"g": "987654321"}, token)
        assert missing.code == "NOT_FOUND" and missing.errors[0]["extensions"]["field"] == "groupId"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"z": "Europe/Atlantis"}, "timeZone"),
        ({"z": ""}, "timeZone"),
        ({"z": "../../etc/passwd"}, "timeZone"),
        ({"g": "not-an-id"}, "groupId"),
    ],
)
def test_bad_arguments_name_the_argument(desk: Desk, variables: dict[str, Any], field: str) -> None:
    error = desk.gql.error(FIGURES, variables, desk.admin)
    assert error.code == "BAD_USER_INPUT" and error.errors[0]["extensions"]["field"] == field


def test_query_count_does_not_grow_with_the_tickets(desk: Desk) -> None:
    """The same SQL for a group with two tickets and with twelve, in every state."""
    assert desk.agent is not None
    counts = []
    for batch in (2, 10):
        for i in range(batch):
            ticket = desk.ticket(priority=["LOW", "HIGH", "MEDIUM"][i % 3])
            if i % 2:
                assign(desk, ticket["id"], desk.agent.id)
            if i % 3 == 1:
                act(desk, "resolveTicket", ticket["id"])
            elif i % 4 == 3:
                set_waiting(desk, ticket["id"], "REVIEW")
        runs = []
        for _ in range(3):
            wait_for_quiet()
            with counting_queries() as counter:
                desk.gql.ok(FIGURES, {"g": desk.group_id}, desk.admin)
            runs.append(len(counter.statements))
        counts.append(min(runs))
    # auth, the group lookup, the count, status changes, pending groups, two target reads
    assert counts[0] == counts[1] <= 10, counts
