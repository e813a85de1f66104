"""The dashboard's definitions, table-driven: today's bounds in several zones (DST days and a
skipped midnight included), who sees what, and what counts as pending, overdue, near breach,
resolved or closed today and attained today."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.enums import Priority, Role, TicketStatus, WaitReason
from domain.errors import Forbidden
from domain.rules.access import Actor
from domain.rules.dashboard import (
    Day,
    PendingGroup,
    Scope,
    StatusChange,
    TargetFact,
    compute,
    day_start,
    decided_on,
    is_near_breach,
    is_overdue,
    scope,
    today,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "day", "start", "end", "hours"),
    [
        ("UTC", "2026-03-01T12:00", date(2026, 3, 1), "2026-03-01T00:00", "2026-03-02T00:00", 24),
        # the first instant of a day belongs to it; the last microsecond of the previous does not
        ("UTC", "2026-03-02T00:00", date(2026, 3, 2), "2026-03-02T00:00", "2026-03-03T00:00", 24),
        ("UTC", "2026-03-01T23:59:59.999999", date(2026, 3, 1), "2026-03-01T00:00", "2026-03-02T00:00", 24),
        # +05:30: local midnight is 18:30 UTC the day before
        ("Asia/Kolkata", "2026-03-01T19:00", date(2026, 3, 2), "2026-03-01T18:30", "2026-03-02T18:30", 24),
        ("Asia/Kolkata", "2026-03-01T18:29:59", date(2026, 3, 1), "2026-02-28T18:30", "2026-03-01T18:30", 24),
        # Berlin springs forward on 2026-03-29 (23 hours) and falls back on 2026-10-25 (25 hours)
        ("Europe/Berlin", "2026-03-29T10:00", date(2026, 3, 29), "2026-03-28T23:00", "2026-03-29T22:00", 23),
        ("Europe/Berlin", "2026-03-28T22:59", date(2026, 3, 28), "2026-03-27T23:00", "2026-03-28T23:00", 24),
        ("Europe/Berlin", "2026-10-25T01:30", date(2026, 10, 25), "2026-10-24T22:00", "2026-10-25T23:00", 25),
        # New York: late evening local is already tomorrow in UTC; DST began that morning
        (
            "America/New_York",
            "2026-03-09T03:30",
            date(2026, 3, 8),
            "2026-03-08T05:00",
            "2026-03-09T04:00",
            23,
        ),
        # Santiago springs forward at 24:00: midnight of 2024-09-08 does not exist, the day
        # starts at the transition (01:00 local, 04:00 UTC)
        (
            "America/Santiago",
            "2024-09-08T12:00",
            date(2024, 9, 8),
            "2024-09-08T04:00",
            "2024-09-09T03:00",
            23,
        ),
        (
            "America/Santiago",
            "2024-09-08T03:59:59",
            date(2024, 9, 7),
            "2024-09-07T04:00",
            "2024-09-08T04:00",
            24,
        ),
        ("America/Havana", "2024-03-10T12:00", date(2024, 3, 10), "2024-03-10T05:00", "2024-03-11T04:00", 23),
    ],
)
def test_today_is_the_local_day_holding_now(
    zone: str, now: str, day: date, start: str, end: str, hours: int
) -> None:
    found = today(now=utc(now), tz=ZoneInfo(zone))
    assert (found.day, found.start, found.end) == (day, utc(start), utc(end))
    assert found.end - found.start == timedelta(hours=hours)
    assert found.holds(utc(now))
    # the bounds are exactly where the local date changes
    tz = ZoneInfo(zone)
    assert (found.start - timedelta(microseconds=1)).astimezone(tz).date() < day
    assert found.start.astimezone(tz).date() == day
    assert (found.end - timedelta(microseconds=1)).astimezone(tz).date() == day


def test_day_start_is_aware_utc() -> None:
    start = day_start(date(2024, 9, 8), ZoneInfo("America/Santiago"))
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)


ADMIN = Actor(user_id=1, role=Role.ADMIN)
SUPERVISOR = Actor(user_id=2, role=Role.SUPERVISOR, group_ids=frozenset({7}))
REPORTER = Actor(user_id=3, role=Role.REPORTER)
AGENT = Actor(user_id=4, role=Role.AGENT, group_ids=frozenset({7, 8}))
LONE_AGENT = Actor(user_id=5, role=Role.AGENT)
CUSTOMER = Actor(user_id=6, role=Role.CUSTOMER, customer_ids=frozenset({9}))


@pytest.mark.parametrize(
    ("actor", "group_id", "expected"),
    [
        (ADMIN, None, Scope(group_ids=None)),
        (ADMIN, 99, Scope(group_ids=frozenset({99}))),
        (SUPERVISOR, None, Scope(group_ids=None)),  # the whole desk, not only their groups
        (SUPERVISOR, 8, Scope(group_ids=frozenset({8}))),
        (REPORTER, None, Scope(group_ids=None)),
        (REPORTER, 7, Scope(group_ids=frozenset({7}))),
        (AGENT, None, Scope(group_ids=frozenset({7, 8}))),
        (AGENT, 8, Scope(group_ids=frozenset({8}))),
        (AGENT, 99, Forbidden),
        (LONE_AGENT, None, Scope(group_ids=frozenset())),
        (LONE_AGENT, 7, Forbidden),
        (CUSTOMER, None, Forbidden),
        (CUSTOMER, 7, Forbidden),
    ],
)
def test_scope_per_role(actor: Actor, group_id: int | None, expected: Scope | type[Forbidden]) -> None:
    if isinstance(expected, Scope):
        assert scope(actor, group_id) == expected
    else:
        with pytest.raises(expected):
            scope(actor, group_id)


def test_an_agent_in_no_group_has_an_empty_scope() -> None:
    assert scope(LONE_AGENT, None).empty and not scope(ADMIN, None).empty


NOW = utc("2026-03-29T10:00")
DAY = today(now=NOW, tz=ZoneInfo("Europe/Berlin"))  # [2026-03-28T23:00Z, 2026-03-29T22:00Z)


def target(
    state: str,
    *,
    ticket_id: int = 1,
    kind: str = "FIRST_RESPONSE",
    status: TicketStatus = TicketStatus.OPEN,
    due: float | None = None,
    alert: float | None = None,
    met: float | None = None,
    breached: float | None = None,
) -> TargetFact:
    """Instants in hours from NOW (negative: before)."""

    def at(hours: float | None) -> datetime | None:
        return None if hours is None else NOW + timedelta(hours=hours)

    return TargetFact(
        ticket_id=ticket_id,
        ticket_status=status,
        kind=kind,
        state=state,
        due_at=at(due),
        next_alert_at=at(alert),
        met_at=at(met),
        breached_at=at(breached),
    )


@pytest.mark.parametrize(
    ("fact", "overdue", "near"),
    [
        (target("RUNNING", due=2, alert=1), False, False),
        (target("RUNNING", due=2, alert=0), False, True),  # a threshold's instant has come
        (target("RUNNING", due=2, alert=-0.5), False, True),  # ... and its timer has not run yet
        (target("RUNNING", due=0, alert=0), False, True),  # exactly at the due instant: on time
        (target("RUNNING", due=-0.001, alert=-0.001), True, False),  # past due, timer not run yet
        (target("NEAR_BREACH", due=1, alert=1), False, True),
        (target("NEAR_BREACH", due=-1, alert=-1), True, False),
        (target("BREACHED", due=-1, breached=-1), True, False),  # still owed
        (target("BREACHED", due=-1, breached=-1, met=-0.5), False, False),  # answered late
        (target("PAUSED"), False, False),
        (target("MET", due=5, met=-1), False, False),
    ],
)
def test_overdue_and_near_breach_at_now(fact: TargetFact, overdue: bool, near: bool) -> None:
    assert (is_overdue(fact, NOW), is_near_breach(fact, NOW)) == (overdue, near)


@pytest.mark.parametrize(
    ("fact", "outcome"),
    [
        (target("MET", due=5, met=-1), "MET"),
        (target("MET", due=5, met=-10.5), "MET"),  # 23:30 UTC the day before is today in Berlin
        (target("MET", due=5, met=-11.5), None),  # yesterday in Berlin
        (target("BREACHED", due=-2, breached=-2), "BREACHED"),
        (target("BREACHED", due=-2, breached=-2, met=-1), "BREACHED"),  # met late: still a breach
        (target("BREACHED", due=-20, breached=-20, met=-1), None),  # breached yesterday, met late today
        (target("RUNNING", due=-1, alert=-1), "BREACHED"),  # past due before its timer ran
        (target("NEAR_BREACH", due=-0.5, alert=-0.5), "BREACHED"),
        (target("RUNNING", due=-20, alert=-20), None),  # past due since yesterday
        (target("RUNNING", due=3, alert=1), None),
        (target("PAUSED"), None),
        (target("RUNNING", kind="RESOLUTION", due=5, alert=4), None),  # resolved today, reopened since
    ],
)
def test_what_was_decided_today(fact: TargetFact, outcome: str | None) -> None:
    assert decided_on(fact, DAY, NOW) == outcome


def group(
    status: TicketStatus,
    count: int,
    *,
    reason: WaitReason | None = None,
    priority: Priority = Priority.MEDIUM,
    unassigned: int = 0,
) -> PendingGroup:
    return PendingGroup(
        status=status, wait_reason=reason, priority=priority, count=count, unassigned=unassigned
    )


def change(ticket_id: int, hours: float, before: str | None, after: str) -> StatusChange:
    return StatusChange(ticket_id=ticket_id, at=NOW + timedelta(hours=hours), before=before, after=after)


def figures(**facts: object) -> dict[str, object]:
    found = compute(
        day=DAY,
        now=NOW,
        created_today=int(facts.get("created", 0)),  # type: ignore[call-overload]
        changes=facts.get("changes", ()),  # type: ignore[arg-type]
        pending=facts.get("pending", ()),  # type: ignore[arg-type]
        targets=facts.get("targets", ()),  # type: ignore[arg-type]
    )
    return {
        "new": found.new_today,
        "resolved": found.resolved_today,
        "closed": found.closed_today,
        "pending": found.pending,
        "waiting": found.waiting,
        "by_reason": dict(found.waiting_by_reason),
        "unassigned": found.unassigned,
        "urgent": found.urgent_pending,
        "overdue": found.overdue,
        "near": found.near_breach,
        "first_response": (
            found.first_response_today.met,
            found.first_response_today.breached,
            found.first_response_today.met_percent,
        ),
        "resolution": (
            found.resolution_today.met,
            found.resolution_today.breached,
            found.resolution_today.met_percent,
        ),
    }


NOTHING = {
    "new": 0,
    "resolved": 0,
    "closed": 0,
    "pending": 0,
    "waiting": 0,
    "by_reason": {WaitReason.CUSTOMER: 0, WaitReason.THIRD_PARTY: 0, WaitReason.REVIEW: 0},
    "unassigned": 0,
    "urgent": 0,
    "overdue": 0,
    "near": 0,
    "first_response": (0, 0, None),
    "resolution": (0, 0, None),
}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, {}),
        ({"created": 4}, {"new": 4}),
        # pending: NEW, OPEN and WAITING; RESOLVED and CLOSED groups are ignored
        (
            {
                "pending": [
                    group(TicketStatus.NEW, 3, unassigned=3, priority=Priority.URGENT),
                    group(TicketStatus.OPEN, 2, unassigned=1),
                    group(TicketStatus.WAITING, 2, reason=WaitReason.CUSTOMER, priority=Priority.URGENT),
                    group(TicketStatus.WAITING, 1, reason=WaitReason.REVIEW, unassigned=1),
                    group(TicketStatus.RESOLVED, 5, unassigned=5, priority=Priority.URGENT),
                    group(TicketStatus.CLOSED, 9),
                ]
            },
            {
                "pending": 8,
                "waiting": 3,
                "by_reason": {WaitReason.CUSTOMER: 2, WaitReason.THIRD_PARTY: 0, WaitReason.REVIEW: 1},
                "unassigned": 5,
                "urgent": 5,
            },
        ),
        # moves today: distinct tickets; RESOLVED -> CLOSED is a close only; reopens and
        # yesterday's moves do not count
        (
            {
                "changes": [
                    change(1, -1, "OPEN", "RESOLVED"),
                    change(1, -0.5, "RESOLVED", "OPEN"),
                    change(1, -0.2, "OPEN", "RESOLVED"),
                    change(1, -0.1, "RESOLVED", "CLOSED"),
                    change(2, -2, "NEW", "RESOLVED"),
                    change(3, -1, "RESOLVED", "CLOSED"),
                    change(4, -12, "OPEN", "RESOLVED"),  # 22:00 UTC yesterday = yesterday in Berlin
                    change(5, -3, "CLOSED", "OPEN"),
                    change(6, -1, "OPEN", "WAITING"),
                    change(7, 13, "OPEN", "RESOLVED"),  # tomorrow in Berlin (over-fetched)
                ]
            },
            {"resolved": 2, "closed": 2},
        ),
        # overdue and near breach: per pending ticket, overdue first
        (
            {
                "targets": [
                    target("BREACHED", ticket_id=1, due=-1, breached=-1),
                    target("NEAR_BREACH", ticket_id=1, kind="RESOLUTION", due=1, alert=1),
                    target("RUNNING", ticket_id=2, due=-0.1, alert=-0.1),
                    target("NEAR_BREACH", ticket_id=3, due=1, alert=1),
                    target("RUNNING", ticket_id=3, kind="RESOLUTION", due=1, alert=-0.5),
                    target("BREACHED", ticket_id=4, due=-30, breached=-30, met=-29),  # answered late
                    target("RUNNING", ticket_id=4, kind="RESOLUTION", due=5, alert=3),
                    target("PAUSED", ticket_id=5, status=TicketStatus.WAITING),
                    target("BREACHED", ticket_id=6, due=-30, breached=-30, status=TicketStatus.WAITING),
                    target(
                        "BREACHED",
                        ticket_id=7,
                        kind="RESOLUTION",
                        due=-30,
                        breached=-30,
                        status=TicketStatus.RESOLVED,
                        met=-2,
                    ),
                    target("NEAR_BREACH", ticket_id=8, due=1, alert=1, status=TicketStatus.CLOSED),
                ]
            },
            {"overdue": 3, "near": 1, "first_response": (0, 2, 0.0)},
        ),
        # attainment today, per target kind; a target read twice counts once
        (
            {
                "targets": [
                    target("MET", ticket_id=1, due=5, met=-1, status=TicketStatus.RESOLVED),
                    target(
                        "MET", ticket_id=1, kind="RESOLUTION", due=9, met=-0.5, status=TicketStatus.RESOLVED
                    ),
                    target(
                        "MET", ticket_id=1, kind="RESOLUTION", due=9, met=-0.5, status=TicketStatus.RESOLVED
                    ),
                    target("MET", ticket_id=2, due=5, met=-2),
                    target("MET", ticket_id=3, due=5, met=-30),
                    target("BREACHED", ticket_id=4, due=-3, breached=-3, met=-1),
                    target("RUNNING", ticket_id=5, due=-0.5, alert=-0.5),
                ]
            },
            {"overdue": 1, "first_response": (2, 2, 50.0), "resolution": (1, 0, 100.0)},
        ),
    ],
)
def test_figures(facts: dict[str, object], expected: dict[str, object]) -> None:
    assert figures(**facts) == {**NOTHING, **expected}


def test_the_day_window_is_the_rules_own() -> None:
    """Facts are judged against the day handed in, not the local date of now."""
    tokyo = Day(
        day=date(2026, 3, 29),
        start=utc("2026-03-28T15:00"),
        end=utc("2026-03-29T15:00"),
        zone=ZoneInfo("Asia/Tokyo"),
    )
    late = target("MET", due=5, met=-9.5)  # 00:30 UTC = 09:30 in Tokyo, today there
    early = target("MET", due=5, met=-19.5)  # 14:30 UTC the day before = 23:30 in Tokyo
    assert (decided_on(late, tokyo, NOW), decided_on(early, tokyo, NOW)) == ("MET", None)
