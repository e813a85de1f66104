"""The SLA clock, the timeline and the policy chooser: table tests with explicit instants."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.enums import CustomerTier, EventKind, Priority, TicketSource, TicketStatus, WaitReason
from domain.errors import BadUserInput
from domain.rules.calendar import BusinessCalendar
from domain.rules.sla_clock import (
    ALL_WAIT_REASONS,
    Segment,
    SlaState,
    SlaTargetKind,
    SlaTargetStatus,
    SlaTerms,
    StateChange,
    TicketSlaStatus,
    TimelineReason,
    compute_sla,
    segments_from_changes,
    sla_timeline,
)
from domain.rules.sla_policy_choice import (
    PolicyConditions,
    PolicyRow,
    TicketFacts,
    choose_policies_by_priority,
    choose_policy,
)

P = Priority
S = TicketStatus
W = WaitReason
FR = SlaTargetKind.FIRST_RESPONSE
RES = SlaTargetKind.RESOLUTION
BERLIN = ZoneInfo("Europe/Berlin")
M = 60
H = 3600

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday


def at(hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Berlin wall-clock time, as the UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def waiting(when: datetime, reason: WaitReason = W.CUSTOMER) -> StateChange:
    return StateChange(when, status=S.WAITING, wait_reason=reason)


def opened(when: datetime) -> StateChange:
    return StateChange(when, status=S.OPEN)


def resolved(when: datetime) -> StateChange:
    return StateChange(when, status=S.RESOLVED)


def closed(when: datetime) -> StateChange:
    return StateChange(when, status=S.CLOSED)


def priority(when: datetime, value: Priority) -> StateChange:
    return StateChange(when, priority=value)


TERMS = {
    P.URGENT: SlaTerms(15 * M, 4 * H, (75, 90)),
    P.HIGH: SlaTerms(1 * H, 8 * H, (75, 90)),
    P.MEDIUM: SlaTerms(4 * H, 24 * H, (75, 90)),
    P.LOW: SlaTerms(8 * H, 72 * H, (75, 90)),
}

OFFICE = BusinessCalendar.from_json(
    timezone="Europe/Berlin",
    weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    holidays=["2026-12-25"],
)
BERLIN_DAILY = BusinessCalendar.from_json(
    timezone="Europe/Berlin", weekly_hours={str(day): [["09:00", "17:00"]] for day in range(7)}
)
SPLIT = BusinessCalendar.from_json(
    timezone="UTC",
    weekly_hours={str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(5)},
)
OFFICE_TERMS = SlaTerms(3 * H, 16 * H, (75,), calendar=OFFICE)


def run(
    *changes: StateChange,
    now: datetime,
    created: datetime = T0,
    start_priority: Priority = P.HIGH,
    first_responded_at: datetime | None = None,
    terms: SlaTerms | Mapping[Priority, SlaTerms] = TERMS,
) -> TicketSlaStatus:
    segments = segments_from_changes(
        created_at=created, priority=start_priority, status=S.OPEN, changes=changes
    )
    return compute_sla(
        segments=segments,
        created_at=created,
        first_responded_at=first_responded_at,
        terms=terms,
        now=now,
    )


def summary(target: SlaTargetStatus, keys: set[str]) -> dict[str, Any]:
    full = {
        "state": target.state,
        "priority": target.priority,
        "elapsed": target.elapsed_seconds,
        "remaining": target.remaining_seconds,
        "due": target.due_at,
        "breached": target.breached_at,
        "met": target.met_at,
        "crossed": tuple((c.percent, c.at) for c in target.crossed),
        "next_alert": target.next_alert_at,
    }
    return {key: full[key] for key in keys}


# (id, kwargs for run, target, expected subset)
CASES: list[tuple[str, dict[str, Any], SlaTargetKind, dict[str, Any]]] = [
    # --- first response, 24/7, HIGH: 1h, warn at 75% (45m) and 90% (54m) ----------------------
    ("fresh", {"now": at(minutes=30)}, FR, {
        "state": SlaState.RUNNING, "elapsed": 1800, "remaining": 1800, "due": at(1),
        "breached": None, "met": None, "crossed": (), "next_alert": at(minutes=45)}),
    ("first-threshold-crossed", {"now": at(minutes=50)}, FR, {
        "state": SlaState.NEAR_BREACH, "elapsed": 3000, "due": at(1),
        "crossed": ((75, at(minutes=45)),), "next_alert": at(minutes=54)}),
    ("at-due-not-yet-passed", {"now": at(1)}, FR, {
        "state": SlaState.NEAR_BREACH, "elapsed": 3600, "remaining": 0, "due": at(1),
        "breached": None, "crossed": ((75, at(minutes=45)), (90, at(minutes=54))),
        "next_alert": at(1)}),
    ("breached", {"now": at(minutes=61)}, FR, {
        "state": SlaState.BREACHED, "elapsed": 3660, "remaining": -60, "due": at(1),
        "breached": at(1), "crossed": ((75, at(minutes=45)), (90, at(minutes=54))),
        "next_alert": None}),
    ("met-on-time", {"now": at(3), "first_responded_at": at(minutes=20)}, FR, {
        "state": SlaState.MET, "elapsed": 1200, "remaining": 2400, "due": at(1),
        "met": at(minutes=20), "crossed": (), "next_alert": None}),
    ("met-exactly-at-due-is-on-time", {"now": at(2), "first_responded_at": at(1)}, FR, {
        "state": SlaState.MET, "elapsed": 3600, "remaining": 0, "breached": None,
        "met": at(1)}),
    ("met-late-stays-breached", {"now": at(2), "first_responded_at": at(minutes=70)}, FR, {
        "state": SlaState.BREACHED, "elapsed": 4200, "remaining": -600, "due": at(1),
        "breached": at(1), "met": at(minutes=70), "next_alert": None}),
    ("resolution-without-reply-meets-first-response",
     {"now": at(2), "changes": [resolved(at(minutes=30))]}, FR, {
         "state": SlaState.MET, "elapsed": 1800, "met": at(minutes=30)}),
    ("reopen-does-not-restart-first-response",
     {"now": at(3), "changes": [resolved(at(minutes=30)), opened(at(minutes=40))]}, FR, {
         "state": SlaState.MET, "elapsed": 1800, "met": at(minutes=30)}),
    ("paused-waiting-on-customer", {"now": at(minutes=40), "changes": [waiting(at(minutes=10))]},
     FR, {"state": SlaState.PAUSED, "elapsed": 600, "remaining": 3000, "due": None,
          "next_alert": None}),
    ("resumed-after-pause",
     {"now": at(minutes=50), "changes": [waiting(at(minutes=10)), opened(at(minutes=40))]}, FR, {
         "state": SlaState.RUNNING, "elapsed": 1200, "due": at(minutes=90),
         "next_alert": at(minutes=75)}),
    ("reply-while-waiting",
     {"now": at(1), "changes": [waiting(at(minutes=10))], "first_responded_at": at(minutes=20)},
     FR, {"state": SlaState.MET, "elapsed": 600, "met": at(minutes=20)}),
    ("paused-while-breached-stays-breached",
     {"now": at(2), "changes": [waiting(at(minutes=90))]}, FR, {
         "state": SlaState.BREACHED, "elapsed": 5400, "due": at(1), "breached": at(1)}),
    # --- resolution, 24/7, HIGH: 8h, warn at 6h and 7h12m --------------------------------------
    ("reopen-resumes-where-it-stopped",
     {"now": at(12), "changes": [resolved(at(3)), opened(at(10))]}, RES, {
         "state": SlaState.RUNNING, "elapsed": 5 * H, "remaining": 3 * H, "due": at(15),
         "met": None, "next_alert": at(13)}),
    ("resolved-is-met", {"now": at(5), "changes": [resolved(at(3))]}, RES, {
        "state": SlaState.MET, "elapsed": 3 * H, "remaining": 5 * H, "due": at(8),
        "met": at(3), "next_alert": None}),
    ("closed-after-resolved-is-met-at-resolution",
     {"now": at(5), "changes": [resolved(at(3)), closed(at(4))]}, RES, {
         "state": SlaState.MET, "met": at(3), "elapsed": 3 * H}),
    ("resolved-late-is-breached", {"now": at(10), "changes": [resolved(at(9))]}, RES, {
        "state": SlaState.BREACHED, "elapsed": 9 * H, "remaining": -H, "due": at(8),
        "breached": at(8), "met": at(9)}),
    ("breach-survives-reopen-and-second-resolution",
     {"now": at(12), "changes": [resolved(at(9)), opened(at(10)), resolved(at(11))]}, RES, {
         "state": SlaState.BREACHED, "elapsed": 10 * H, "breached": at(8), "met": at(11)}),
    ("met-then-reopened-then-breached",
     {"now": at(10), "changes": [resolved(at(5)), opened(at(6))]}, RES, {
         "state": SlaState.BREACHED, "elapsed": 9 * H, "breached": at(9), "met": None,
         "crossed": ((75, at(7)), (90, at(8, 12)))}),
    ("reopened-with-no-time-left-breaches-at-once",
     {"now": at(9, 30), "changes": [resolved(at(8)), opened(at(9))]}, RES, {
         "state": SlaState.BREACHED, "elapsed": 8 * H + 30 * M, "breached": at(9)}),
    ("resolved-exactly-at-due-is-on-time", {"now": at(9), "changes": [resolved(at(8))]}, RES, {
        "state": SlaState.MET, "breached": None, "remaining": 0}),
    ("waiting-for-a-reason-that-does-not-pause-counts",
     {"now": at(3), "changes": [waiting(at(1), W.THIRD_PARTY)],
      "terms": SlaTerms(H, 8 * H, pause_reasons=frozenset({W.CUSTOMER}))}, RES, {
         "state": SlaState.RUNNING, "elapsed": 3 * H}),
    ("waiting-for-a-reason-that-pauses",
     {"now": at(3), "changes": [waiting(at(1), W.REVIEW)],
      "terms": SlaTerms(H, 8 * H, pause_reasons=frozenset({W.REVIEW}))}, RES, {
         "state": SlaState.PAUSED, "elapsed": H, "due": None}),
    ("per-target-pause-reasons-first-response-keeps-running",
     {"now": at(minutes=70), "changes": [waiting(at(minutes=10))],
      "terms": SlaTerms(H, 8 * H, first_response_pause_reasons=frozenset())}, FR, {
         "state": SlaState.BREACHED, "breached": at(1), "elapsed": 70 * M}),
    ("per-target-pause-reasons-resolution-pauses",
     {"now": at(minutes=70), "changes": [waiting(at(minutes=10))],
      "terms": SlaTerms(H, 8 * H, first_response_pause_reasons=frozenset())}, RES, {
         "state": SlaState.PAUSED, "elapsed": 10 * M}),
    # --- priority changes: the new priority's targets apply to the time already counted -------
    ("upgrade-with-time-used-up-breaches-at-the-change",
     {"now": at(2, 1), "start_priority": P.LOW, "changes": [priority(at(2), P.URGENT)]}, FR, {
         "state": SlaState.BREACHED, "priority": P.URGENT, "breached": at(2), "due": at(2),
         "crossed": (), "elapsed": 121 * M, "remaining": 15 * M - 121 * M}),
    ("upgrade-resolution-keeps-running",
     {"now": at(2, 1), "start_priority": P.LOW, "changes": [priority(at(2), P.URGENT)]}, RES, {
         "state": SlaState.RUNNING, "priority": P.URGENT, "elapsed": 121 * M, "due": at(4),
         "next_alert": at(3)}),
    ("upgrade-into-near-breach",
     {"now": at(3, 20), "start_priority": P.LOW,
      "changes": [priority(at(3, 10), P.URGENT)]}, RES, {
         "state": SlaState.NEAR_BREACH, "crossed": ((75, at(3, 10)),), "due": at(4),
         "next_alert": at(3, 36)}),
    ("upgrade-after-a-threshold-of-the-old-priority",
     {"now": at(20, 30), "start_priority": P.MEDIUM,
      "changes": [priority(at(20), P.HIGH)]}, RES, {
         "state": SlaState.BREACHED, "breached": at(20), "crossed": ((75, at(18)),)}),
    ("downgrade-keeps-crossings-but-runs-again",
     {"now": at(10), "changes": [priority(at(7), P.LOW)]}, RES, {
         "state": SlaState.RUNNING, "priority": P.LOW, "elapsed": 10 * H,
         "remaining": 62 * H, "crossed": ((75, at(6)),), "due": at(72),
         "next_alert": at(64, 48)}),
    ("downgrade-does-not-undo-a-breach",
     {"now": at(10), "changes": [priority(at(7), P.LOW)]}, FR, {
         "state": SlaState.BREACHED, "priority": P.LOW, "breached": at(1), "due": at(1),
         "remaining": 8 * H - 10 * H}),
    ("met-target-is-frozen-at-the-priority-it-was-met-under",
     {"now": at(6), "changes": [resolved(at(5)), priority(at(5, 30), P.URGENT)]}, RES, {
         "state": SlaState.MET, "priority": P.HIGH, "remaining": 3 * H, "due": at(8)}),
    ("priority-change-while-paused-can-breach",
     {"now": at(3), "start_priority": P.LOW,
      "changes": [waiting(at(1)), priority(at(2), P.URGENT)]}, FR, {
         "state": SlaState.BREACHED, "breached": at(2), "elapsed": H}),
    # --- business calendars -------------------------------------------------------------------
    ("pause-spanning-closing-time",
     {"created": berlin(2026, 1, 12, 15), "now": berlin(2026, 1, 13, 11),
      "changes": [waiting(berlin(2026, 1, 12, 16)), opened(berlin(2026, 1, 13, 10))],
      "terms": OFFICE_TERMS}, FR, {
         "state": SlaState.RUNNING, "elapsed": 2 * H, "due": berlin(2026, 1, 13, 12),
         "next_alert": berlin(2026, 1, 13, 11, 15)}),
    ("pause-spanning-closing-time-resolution",
     {"created": berlin(2026, 1, 12, 15), "now": berlin(2026, 1, 13, 11),
      "changes": [waiting(berlin(2026, 1, 12, 16)), opened(berlin(2026, 1, 13, 10))],
      "terms": OFFICE_TERMS}, RES, {
         "state": SlaState.RUNNING, "elapsed": 2 * H, "due": berlin(2026, 1, 14, 17)}),
    ("same-without-the-pause",
     {"created": berlin(2026, 1, 12, 15), "now": berlin(2026, 1, 13, 11),
      "terms": OFFICE_TERMS}, FR, {
         "state": SlaState.BREACHED, "elapsed": 4 * H, "breached": berlin(2026, 1, 13, 10),
         "crossed": ((75, berlin(2026, 1, 13, 9, 15)),)}),
    ("pause-while-closed-changes-nothing",
     {"created": berlin(2026, 1, 12, 15), "now": berlin(2026, 1, 13, 11),
      "changes": [waiting(berlin(2026, 1, 12, 18)), opened(berlin(2026, 1, 13, 8))],
      "terms": OFFICE_TERMS}, FR, {
         "state": SlaState.BREACHED, "elapsed": 4 * H, "breached": berlin(2026, 1, 13, 10)}),
    ("outside-business-hours-is-running-not-paused",
     {"created": berlin(2026, 1, 9, 16), "now": berlin(2026, 1, 9, 18), "terms": OFFICE_TERMS},
     FR, {"state": SlaState.RUNNING, "elapsed": H, "due": berlin(2026, 1, 12, 11),
          "next_alert": berlin(2026, 1, 12, 10, 15)}),
    ("over-a-holiday-and-weekend",
     {"created": berlin(2026, 12, 24, 16), "now": berlin(2026, 12, 24, 17),
      "terms": OFFICE_TERMS}, RES, {
         "state": SlaState.RUNNING, "elapsed": H, "due": berlin(2026, 12, 29, 16)}),
    ("dst-spring",
     {"created": berlin(2026, 3, 28, 16), "now": berlin(2026, 3, 29, 12),
      "terms": SlaTerms(2 * H, 8 * H, calendar=BERLIN_DAILY)}, FR, {
         "state": SlaState.BREACHED, "elapsed": 4 * H,
         "breached": datetime(2026, 3, 29, 8, tzinfo=UTC)}),
    ("dst-autumn",
     {"created": berlin(2026, 10, 24, 16), "now": berlin(2026, 10, 25, 12),
      "terms": SlaTerms(2 * H, 8 * H, calendar=BERLIN_DAILY)}, FR, {
         "state": SlaState.BREACHED, "elapsed": 4 * H,
         "breached": datetime(2026, 10, 25, 9, tzinfo=UTC)}),
    ("split-shifts",
     {"created": datetime(2026, 1, 12, 11, tzinfo=UTC),
      "now": datetime(2026, 1, 12, 12, 30, tzinfo=UTC),
      "terms": SlaTerms(2 * H, 8 * H, (75,), calendar=SPLIT)}, FR, {
         "state": SlaState.RUNNING, "elapsed": H, "due": datetime(2026, 1, 12, 14, tzinfo=UTC),
         "next_alert": datetime(2026, 1, 12, 13, 30, tzinfo=UTC)}),
    ("each-priority-counts-with-its-own-calendar",
     {"created": berlin(2026, 1, 9, 16), "now": berlin(2026, 1, 9, 20), "start_priority": P.LOW,
      "changes": [priority(berlin(2026, 1, 9, 18), P.URGENT)],
      "terms": {P.LOW: SlaTerms(8 * H, 72 * H, calendar=OFFICE),
                P.URGENT: SlaTerms(H, 4 * H)}}, RES, {
         "state": SlaState.RUNNING, "elapsed": 3 * H, "due": berlin(2026, 1, 9, 21)}),
    ("now-before-creation-counts-nothing", {"now": at(minutes=-5)}, FR, {
        "state": SlaState.RUNNING, "elapsed": 0, "due": at(1)}),
]


@pytest.mark.parametrize(
    ("kwargs", "target", "expected"),
    [pytest.param(kwargs, target, expected, id=name) for name, kwargs, target, expected in CASES],
)
def test_clock(kwargs: dict[str, Any], target: SlaTargetKind, expected: dict[str, Any]) -> None:
    arguments = dict(kwargs)
    changes = arguments.pop("changes", [])
    status = run(*changes, **arguments)
    result = status.first_response if target is FR else status.resolution
    assert summary(result, set(expected)) == expected


@pytest.mark.parametrize(
    ("changes", "now", "first_responded_at", "state", "next_alert"),
    [
        pytest.param([], at(minutes=30), None, SlaState.RUNNING, at(minutes=45), id="both-running"),
        pytest.param([], at(2), at(minutes=20), SlaState.RUNNING, at(6), id="first-met"),
        pytest.param([waiting(at(1))], at(2), at(minutes=20), SlaState.PAUSED, None,
                     id="first-met-resolution-paused"),
        pytest.param([resolved(at(2))], at(3), at(minutes=20), SlaState.MET, None, id="all-met"),
        pytest.param([resolved(at(2))], at(3), at(minutes=90), SlaState.BREACHED, None,
                     id="one-breached"),
        pytest.param([], at(minutes=50), None, SlaState.NEAR_BREACH, at(minutes=54),
                     id="near-breach-wins-over-running"),
    ],
)
def test_ticket_state(
    changes: list[StateChange],
    now: datetime,
    first_responded_at: datetime | None,
    state: SlaState,
    next_alert: datetime | None,
) -> None:
    status = run(*changes, now=now, first_responded_at=first_responded_at)
    assert status.state is state
    assert status.next_alert_at == next_alert


def test_next_due_at_ignores_met_targets() -> None:
    status = run(now=at(2), first_responded_at=at(minutes=20))
    assert status.next_due_at == at(8)
    assert run(now=at(minutes=10)).next_due_at == at(1)


def test_alerts_have_one_dedupe_key_each() -> None:
    status = run(now=at(7), first_responded_at=None)
    alerts = status.alerts()
    assert [(a.dedupe_key, a.kind, a.at) for a in alerts] == [
        ("sla:FIRST_RESPONSE:NEAR_BREACH:75", EventKind.SLA_NEAR_BREACH, at(minutes=45)),
        ("sla:FIRST_RESPONSE:NEAR_BREACH:90", EventKind.SLA_NEAR_BREACH, at(minutes=54)),
        ("sla:FIRST_RESPONSE:BREACHED", EventKind.SLA_BREACHED, at(1)),
        ("sla:RESOLUTION:NEAR_BREACH:75", EventKind.SLA_NEAR_BREACH, at(6)),
    ]
    assert len({a.dedupe_key for a in alerts}) == len(alerts)
    # Later, the same alerts come out again (the caller writes each once), plus the new ones.
    later = run(now=at(9)).alerts()
    assert later[: len(alerts)] == alerts
    assert [a.dedupe_key for a in later[len(alerts):]] == [
        "sla:RESOLUTION:NEAR_BREACH:90", "sla:RESOLUTION:BREACHED"
    ]


def test_results_are_in_utc() -> None:
    created = datetime(2026, 1, 5, 10, tzinfo=BERLIN)
    status = run(now=created + timedelta(minutes=50), created=created)
    assert status.first_response.due_at == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert status.first_response.crossed[0].at.tzinfo is UTC


def test_terms_missing_for_an_earlier_priority_fall_back_to_the_current_ones() -> None:
    status = run(
        priority(at(2), P.HIGH), now=at(2, 10), start_priority=P.LOW,
        terms={P.HIGH: TERMS[P.HIGH]},
    )
    assert status.first_response.breached_at == at(1)


@pytest.mark.parametrize(
    ("segments", "now", "terms"),
    [
        pytest.param([], at(1), TERMS, id="no-segments"),
        pytest.param([Segment(at(1), S.OPEN, None, P.HIGH), Segment(at(0), S.OPEN, None, P.HIGH)],
                     at(2), TERMS, id="out-of-order"),
        pytest.param([Segment(T0, S.OPEN, None, P.HIGH)], datetime(2026, 1, 5, 10), TERMS,
                     id="naive-now"),
        pytest.param([Segment(T0, S.OPEN, None, P.HIGH)], at(1), {P.LOW: TERMS[P.LOW]},
                     id="no-terms-for-current-priority"),
    ],
)
def test_malformed_histories(
    segments: list[Segment], now: datetime, terms: Mapping[Priority, SlaTerms]
) -> None:
    with pytest.raises(ValueError):
        compute_sla(segments=segments, created_at=T0, first_responded_at=None, terms=terms, now=now)


def test_segments_need_their_wait_reason() -> None:
    with pytest.raises(ValueError):
        Segment(T0, S.WAITING, None, P.HIGH)
    assert Segment(T0, S.OPEN, W.CUSTOMER, P.HIGH).wait_reason is None


# --- segments from logged changes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param([], [(T0, S.OPEN, None, P.HIGH)], id="no-changes"),
        pytest.param(
            [waiting(at(1)), opened(at(2))],
            [(T0, S.OPEN, None, P.HIGH), (at(1), S.WAITING, W.CUSTOMER, P.HIGH),
             (at(2), S.OPEN, None, P.HIGH)],
            id="wait-and-resume",
        ),
        pytest.param(
            [waiting(at(1)), priority(at(1), P.URGENT)],
            [(T0, S.OPEN, None, P.HIGH), (at(1), S.WAITING, W.CUSTOMER, P.URGENT)],
            id="same-instant-changes-make-one-segment",
        ),
        pytest.param([priority(at(1), P.HIGH)], [(T0, S.OPEN, None, P.HIGH)],
                     id="no-op-change-dropped"),
        pytest.param([priority(at(-1), P.LOW)], [(T0, S.OPEN, None, P.LOW)],
                     id="change-before-creation-applies-from-creation"),
        pytest.param(
            [waiting(at(1)), StateChange(at(2), wait_reason=W.THIRD_PARTY)],
            [(T0, S.OPEN, None, P.HIGH), (at(1), S.WAITING, W.CUSTOMER, P.HIGH),
             (at(2), S.WAITING, W.THIRD_PARTY, P.HIGH)],
            id="wait-reason-change",
        ),
        pytest.param(
            [opened(at(2)), waiting(at(1))],
            [(T0, S.OPEN, None, P.HIGH), (at(1), S.WAITING, W.CUSTOMER, P.HIGH),
             (at(2), S.OPEN, None, P.HIGH)],
            id="sorted-by-time",
        ),
        pytest.param(
            [waiting(at(1)), opened(at(1))], [(T0, S.OPEN, None, P.HIGH)],
            id="changes-cancelling-out",
        ),
    ],
)
def test_segments_from_changes(
    changes: list[StateChange],
    expected: list[tuple[datetime, TicketStatus, WaitReason | None, Priority]],
) -> None:
    segments = segments_from_changes(
        created_at=T0, priority=P.HIGH, status=S.OPEN, changes=changes
    )
    assert [(s.start, s.status, s.wait_reason, s.priority) for s in segments] == expected


# --- timeline ---------------------------------------------------------------------------------

C, PA, OUT, ST = (
    TimelineReason.COUNTING,
    TimelineReason.PAUSED,
    TimelineReason.OUTSIDE_BUSINESS_HOURS,
    TimelineReason.STOPPED,
)


@pytest.mark.parametrize(
    ("kwargs", "target", "expected"),
    [
        pytest.param(
            {"changes": [waiting(at(1)), opened(at(2)), resolved(at(3)), opened(at(5))],
             "now": at(6)},
            RES,
            [(T0, at(1), C, None), (at(1), at(2), PA, W.CUSTOMER), (at(2), at(3), C, None),
             (at(3), at(5), ST, None), (at(5), at(6), C, None)],
            id="pause-resolve-reopen",
        ),
        pytest.param(
            {"changes": [], "now": at(2), "first_responded_at": at(minutes=30)},
            FR,
            [(T0, at(minutes=30), C, None), (at(minutes=30), at(2), ST, None)],
            id="first-response-stops-at-reply",
        ),
        pytest.param(
            {"changes": [waiting(berlin(2026, 1, 12, 16)), opened(berlin(2026, 1, 13, 8))],
             "created": berlin(2026, 1, 12, 15), "now": berlin(2026, 1, 13, 11),
             "terms": OFFICE_TERMS},
            RES,
            [(berlin(2026, 1, 12, 15), berlin(2026, 1, 12, 16), C, None),
             (berlin(2026, 1, 12, 16), berlin(2026, 1, 13, 8), PA, W.CUSTOMER),
             (berlin(2026, 1, 13, 8), berlin(2026, 1, 13, 9), OUT, None),
             (berlin(2026, 1, 13, 9), berlin(2026, 1, 13, 11), C, None)],
            id="business-hours-and-pause-over-night",
        ),
        pytest.param(
            {"changes": [waiting(at(1), W.THIRD_PARTY)], "now": at(2),
             "terms": SlaTerms(H, 8 * H, pause_reasons=frozenset({W.CUSTOMER}))},
            RES,
            [(T0, at(2), C, None)],
            id="non-pausing-wait-counts",
        ),
    ],
)
def test_timeline(
    kwargs: dict[str, Any],
    target: SlaTargetKind,
    expected: list[tuple[datetime, datetime, TimelineReason, WaitReason | None]],
) -> None:
    arguments = dict(kwargs)
    created = arguments.pop("created", T0)
    segments = segments_from_changes(
        created_at=created, priority=P.HIGH, status=S.OPEN, changes=arguments.pop("changes")
    )
    timeline = sla_timeline(
        segments=segments,
        created_at=created,
        first_responded_at=arguments.pop("first_responded_at", None),
        terms=arguments.pop("terms", TERMS),
        now=arguments.pop("now"),
        target=target,
    )
    assert [(i.start, i.end, i.reason, i.wait_reason) for i in timeline] == expected


def test_timeline_splits_on_priority_change() -> None:
    segments = segments_from_changes(
        created_at=T0, priority=P.LOW, status=S.OPEN, changes=[priority(at(1), P.URGENT)]
    )
    timeline = sla_timeline(
        segments=segments, created_at=T0, first_responded_at=None, terms=TERMS, now=at(2)
    )
    assert [(i.start, i.end, i.reason, i.priority, i.seconds) for i in timeline] == [
        (T0, at(1), C, P.LOW, H),
        (at(1), at(2), C, P.URGENT, H),
    ]


# --- policy terms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"first_response_seconds": 0}, "firstResponseSeconds", id="zero"),
        pytest.param({"first_response_seconds": -5}, "firstResponseSeconds", id="negative"),
        pytest.param({"resolution_seconds": True}, "resolutionSeconds", id="bool"),
        pytest.param({"resolution_seconds": 1.5}, "resolutionSeconds", id="float"),
        pytest.param({"resolution_seconds": 10**10}, "resolutionSeconds", id="too-long"),
        pytest.param({"warn_at_percent": (0,)}, "warnAtPercent", id="warn-0"),
        pytest.param({"warn_at_percent": (100,)}, "warnAtPercent", id="warn-100"),
        pytest.param({"warn_at_percent": (75, 75)}, "warnAtPercent", id="warn-twice"),
        pytest.param({"warn_at_percent": ("75",)}, "warnAtPercent", id="warn-string"),
        pytest.param({"warn_at_percent": "75"}, "warnAtPercent", id="warn-not-a-list"),
        pytest.param({"calendar": "Europe/Berlin"}, "calendar", id="calendar-not-a-calendar"),
        pytest.param({"pause_reasons": frozenset({"LUNCH"})}, "pauseReasons", id="bad-reason"),
    ],
)
def test_invalid_terms(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"first_response_seconds": 60, "resolution_seconds": 600}
    arguments.update(kwargs)
    with pytest.raises(BadUserInput) as raised:
        SlaTerms(**arguments)
    assert raised.value.field == field


def test_terms_normalise() -> None:
    terms = SlaTerms(60, 600, (90, 50, 75), pause_reasons=frozenset({"CUSTOMER"}))  # type: ignore[arg-type]
    assert terms.warn_at_percent == (50, 75, 90)
    assert terms.pause_reasons == frozenset({W.CUSTOMER})
    assert terms.warn_level(RES, 75) == timedelta(seconds=450)
    assert SlaTerms(10, 10, (75,)).warn_level(FR, 75) == timedelta(seconds=7.5)


@pytest.mark.parametrize(
    ("pause_reasons", "first_response", "resolution", "stored"),
    [
        pytest.param(None, ALL_WAIT_REASONS, ALL_WAIT_REASONS,
                     ["CUSTOMER", "REVIEW", "THIRD_PARTY"], id="default-all"),
        pytest.param(["CUSTOMER"], {W.CUSTOMER}, {W.CUSTOMER}, ["CUSTOMER"], id="both"),
        pytest.param([], frozenset(), frozenset(), [], id="empty-pauses-nothing"),
        pytest.param({"firstResponse": []}, frozenset(), ALL_WAIT_REASONS,
                     {"firstResponse": [], "resolution": ["CUSTOMER", "REVIEW", "THIRD_PARTY"]},
                     id="per-target"),
        pytest.param({"firstResponse": ["REVIEW"], "resolution": ["CUSTOMER"]}, {W.REVIEW},
                     {W.CUSTOMER}, {"firstResponse": ["REVIEW"], "resolution": ["CUSTOMER"]},
                     id="per-target-both"),
    ],
)
def test_terms_from_json(
    pause_reasons: Any, first_response: frozenset[WaitReason], resolution: frozenset[WaitReason],
    stored: Any,
) -> None:
    terms = SlaTerms.from_json(
        first_response_seconds=60, resolution_seconds=600, warn_at_percent=[75],
        pause_reasons=pause_reasons,
    )
    assert terms.pause_reasons_for(FR) == first_response
    assert terms.pause_reasons_for(RES) == resolution
    assert terms.pause_reasons_json() == stored
    again = SlaTerms.from_json(
        first_response_seconds=60, resolution_seconds=600, warn_at_percent=[75],
        pause_reasons=terms.pause_reasons_json(),
    )
    assert again.pause_reasons_for(FR) == first_response
    assert again.pause_reasons_for(RES) == resolution


@pytest.mark.parametrize(
    "pause_reasons",
    [
        pytest.param(["LUNCH"], id="unknown-reason"),
        pytest.param({"firstReply": []}, id="unknown-target"),
        pytest.param("CUSTOMER", id="string"),
        pytest.param({"resolution": "CUSTOMER"}, id="per-target-string"),
    ],
)
def test_terms_from_bad_json(pause_reasons: Any) -> None:
    with pytest.raises(BadUserInput) as raised:
        SlaTerms.from_json(first_response_seconds=60, resolution_seconds=600,
                           pause_reasons=pause_reasons)
    assert raised.value.field == "pauseReasons"


# --- choosing a policy ------------------------------------------------------------------------

POLICIES = [
    PolicyRow(1, P.HIGH, 100),
    PolicyRow(2, P.HIGH, 10, PolicyConditions(customer_tiers=frozenset({CustomerTier.VIP}))),
    PolicyRow(3, P.HIGH, 20, PolicyConditions(category_ids=frozenset({7}))),
    PolicyRow(4, P.URGENT, 0),
    PolicyRow(5, P.HIGH, 10, PolicyConditions(customer_tiers=frozenset({CustomerTier.VIP}))),
    PolicyRow(
        6, P.LOW, 5,
        PolicyConditions(product_ids=frozenset({3}), sources=frozenset({TicketSource.EMAIL})),
    ),
]


@pytest.mark.parametrize(
    ("priority_", "facts", "expected"),
    [
        pytest.param(P.HIGH, TicketFacts(CustomerTier.VIP, category_id=7), 2,
                     id="most-specific-first-then-lowest-id"),
        pytest.param(P.HIGH, TicketFacts(CustomerTier.STANDARD, category_id=7), 3,
                     id="category"),
        pytest.param(P.HIGH, TicketFacts(CustomerTier.STANDARD, category_id=12, parent_category_id=7), 3,
                     id="a-parent-categorys-policy-holds-for-its-subcategories"),
        pytest.param(P.HIGH, TicketFacts(CustomerTier.STANDARD, category_id=12, parent_category_id=8), 1,
                     id="another-parent-does-not-match"),
        pytest.param(P.HIGH, TicketFacts(CustomerTier.STANDARD, category_id=8, parent_category_id=None), 1,
                     id="no-parent"),
        pytest.param(P.HIGH, TicketFacts(CustomerTier.STANDARD), 1, id="fallback-row"),
        pytest.param(P.HIGH, TicketFacts(), 1, id="unknown-facts-match-only-open-rows"),
        pytest.param(P.URGENT, TicketFacts(CustomerTier.VIP), 4, id="other-priority"),
        pytest.param(P.MEDIUM, TicketFacts(), None, id="no-policy"),
        pytest.param(P.LOW, TicketFacts(product_id=3, source=TicketSource.EMAIL), 6,
                     id="all-conditions-match"),
        pytest.param(P.LOW, TicketFacts(product_id=3, source=TicketSource.CHAT), None,
                     id="one-condition-fails"),
    ],
)
def test_choose_policy(priority_: Priority, facts: TicketFacts, expected: int | None) -> None:
    chosen = choose_policy(POLICIES, priority=priority_, facts=facts)
    assert (chosen.policy_id if chosen else None) == expected


def test_choose_policies_by_priority() -> None:
    chosen = choose_policies_by_priority(POLICIES, facts=TicketFacts(CustomerTier.VIP))
    assert {p: row.policy_id for p, row in chosen.items()} == {P.URGENT: 4, P.HIGH: 2}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(None, PolicyConditions(), id="none"),
        pytest.param({}, PolicyConditions(), id="empty"),
        pytest.param({"customerTier": "VIP", "categoryId": [3, "4"], "productId": 7,
                      "source": ["EMAIL"], "groupId": None},
                     PolicyConditions(customer_tiers=frozenset({CustomerTier.VIP}),
                                      category_ids=frozenset({3, 4}),
                                      product_ids=frozenset({7}),
                                      sources=frozenset({TicketSource.EMAIL})),
                     id="values-and-lists"),
    ],
)
def test_conditions_from_json(data: Any, expected: PolicyConditions) -> None:
    conditions = PolicyConditions.from_json(data)
    assert conditions == expected
    assert PolicyConditions.from_json(conditions.to_json()) == conditions


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"tier": "VIP"}, id="unknown-key"),
        pytest.param({"customerTier": "GOLD"}, id="unknown-tier"),
        pytest.param({"categoryId": []}, id="empty-list"),
        pytest.param({"productId": "abc"}, id="bad-id"),
        pytest.param({"productId": 0}, id="zero-id"),
        pytest.param({"groupId": True}, id="bool-id"),
        pytest.param({"source": "FAX"}, id="unknown-source"),
        pytest.param(["VIP"], id="not-an-object"),
    ],
)
def test_conditions_from_bad_json(data: Any) -> None:
    with pytest.raises(BadUserInput) as raised:
        PolicyConditions.from_json(data)
    assert raised.value.field == "conditions"
