"""Property tests (hypothesis) for business calendars and the SLA clock."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.enums import Priority, TicketStatus, WaitReason
from domain.rules.calendar import (
    BusinessCalendar,
    add_business_seconds,
    add_business_time,
    business_seconds,
    business_time,
    is_business_time,
)
from domain.rules.sla_clock import (
    STOPPED_STATUSES,
    Segment,
    SlaState,
    SlaTargetKind,
    SlaTerms,
    TicketSlaStatus,
    TimelineReason,
    compute_sla,
    sla_timeline,
)

S = TicketStatus
FR = SlaTargetKind.FIRST_RESPONSE
RES = SlaTargetKind.RESOLUTION

CALENDARS: list[BusinessCalendar | None] = [
    None,
    BusinessCalendar.from_json(
        timezone="Europe/Berlin",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
        holidays=["2026-01-06", "2026-04-03", "2026-12-25", "2026-12-28"],
    ),
    BusinessCalendar.from_json(
        timezone="UTC",
        weekly_hours={str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(5)},
    ),
    # Shifts across the DST change hour and up to midnight, every day.
    BusinessCalendar.from_json(
        timezone="Europe/Berlin",
        weekly_hours={str(day): [["01:00", "04:00"], ["22:00", "24:00"]] for day in range(7)},
    ),
    BusinessCalendar.from_json(
        timezone="America/New_York",
        weekly_hours={
            **{str(day): [["08:30", "12:00"], ["12:30", "18:00"]] for day in range(5)},
            "6": [["00:00", "03:00"]],
        },
        holidays=["2026-11-26"],
    ),
    BusinessCalendar.from_json(
        timezone="Australia/Lord_Howe",  # a half-hour DST shift
        weekly_hours={str(day): [["00:00", "24:00"]] for day in range(7)},
    ),
]
calendars = st.sampled_from(CALENDARS)
business_calendars = st.sampled_from([c for c in CALENDARS if c is not None])

# Days near DST changes (Berlin, New York, Lord Howe), holidays, and an ordinary week.
ANCHORS = [
    datetime(2026, 1, 5, tzinfo=UTC),
    datetime(2026, 3, 6, tzinfo=UTC),
    datetime(2026, 3, 27, tzinfo=UTC),
    datetime(2026, 4, 3, tzinfo=UTC),
    datetime(2026, 10, 2, tzinfo=UTC),
    datetime(2026, 10, 23, tzinfo=UTC),
    datetime(2026, 10, 30, tzinfo=UTC),
    datetime(2026, 12, 23, tzinfo=UTC),
]


@st.composite
def instants(draw: st.DrawFn, *, whole_minutes: bool = False) -> datetime:
    anchor = draw(st.sampled_from(ANCHORS))
    if whole_minutes:
        return anchor + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
    return anchor + timedelta(
        seconds=draw(st.integers(0, 5 * 86_400)), microseconds=draw(st.integers(0, 999_999))
    )


def reference_is_business(calendar: BusinessCalendar, at: datetime) -> bool:
    """The definition, instant by instant: the local wall clock is inside a shift."""
    local = at.astimezone(calendar.zone)
    if local.date() in calendar.holidays:
        return False
    wall = local.time().replace(tzinfo=None)
    for start, end in calendar.weekly_hours.get(local.weekday(), ()):
        if start <= wall and (end == end.min or wall < end):
            return True
    return False


# --- calendar -----------------------------------------------------------------------------------


@settings(deadline=None, max_examples=300)
@given(calendars, instants(), st.integers(0, 30 * 86_400))
def test_business_seconds_inverts_add_business_seconds(
    calendar: BusinessCalendar | None, start: datetime, seconds: int
) -> None:
    end = add_business_seconds(calendar, start, seconds)
    assert end >= start
    assert business_seconds(calendar, start, end) == seconds


@settings(deadline=None, max_examples=200)
@given(calendars, instants(), st.integers(0, 10 * 86_400 * 10**6))
def test_business_time_inverts_add_business_time_exactly(
    calendar: BusinessCalendar | None, start: datetime, microseconds: int
) -> None:
    amount = timedelta(microseconds=microseconds)
    end = add_business_time(calendar, start, amount)
    assert business_time(calendar, start, end) == amount
    # The earliest such instant: a moment earlier, less time had elapsed.
    if amount:
        assert business_time(calendar, start, end - timedelta(microseconds=1)) < amount


@settings(deadline=None, max_examples=200)
@given(calendars, instants(), instants(), instants())
def test_business_time_is_additive(
    calendar: BusinessCalendar | None, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    assert business_time(calendar, a, c) == business_time(calendar, a, b) + business_time(
        calendar, b, c
    )
    assert business_time(calendar, a, c) <= c - a


@settings(deadline=None, max_examples=60)
@given(business_calendars, instants(whole_minutes=True), st.integers(0, 2 * 24 * 60))
def test_business_time_matches_the_definition_minute_by_minute(
    calendar: BusinessCalendar, start: datetime, minutes: int
) -> None:
    expected = sum(
        reference_is_business(calendar, start + timedelta(minutes=m)) for m in range(minutes)
    )
    assert business_time(calendar, start, start + timedelta(minutes=minutes)) == timedelta(
        minutes=expected
    )
    probe = start + timedelta(minutes=minutes)
    assert is_business_time(calendar, probe) is reference_is_business(calendar, probe)


# --- histories ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    created_at: datetime
    segments: list[Segment]
    first_responded_at: datetime | None


reasons = st.sampled_from(list(WaitReason))
priorities = st.sampled_from(list(Priority))
reason_sets = st.frozensets(reasons)


@st.composite
def histories(draw: st.DrawFn) -> History:
    created = draw(instants())
    segments = [Segment(created, S.NEW, None, draw(priorities))]
    moment = created
    for _ in range(draw(st.integers(0, 7))):
        moment += timedelta(minutes=draw(st.integers(0, 3000)), seconds=draw(st.integers(0, 59)))
        status = draw(st.sampled_from([S.OPEN, S.OPEN, S.WAITING, S.WAITING, S.RESOLVED, S.CLOSED]))
        reason = draw(reasons) if status is S.WAITING else None
        segments.append(Segment(moment, status, reason, draw(priorities)))
    replied = draw(st.none() | st.integers(0, 10_000))
    first_responded_at = None if replied is None else created + timedelta(minutes=replied)
    return History(created, segments, first_responded_at)


@st.composite
def terms_(draw: st.DrawFn, *, calendar: st.SearchStrategy[BusinessCalendar | None] = calendars
           ) -> SlaTerms:
    return SlaTerms(
        first_response_seconds=draw(st.integers(1, 3 * 86_400)),
        resolution_seconds=draw(st.integers(1, 10 * 86_400)),
        warn_at_percent=tuple(draw(st.sets(st.integers(1, 99), max_size=3))),
        pause_reasons=draw(reason_sets),
        first_response_pause_reasons=draw(st.none() | reason_sets),
        resolution_pause_reasons=draw(st.none() | reason_sets),
        calendar=draw(calendar),
    )


@st.composite
def terms_by_priority(
    draw: st.DrawFn, *, calendar: st.SearchStrategy[BusinessCalendar | None] = calendars
) -> dict[Priority, SlaTerms]:
    return {priority: draw(terms_(calendar=calendar)) for priority in Priority}


def measure(history: History, terms: dict[Priority, SlaTerms], now: datetime) -> TicketSlaStatus:
    return compute_sla(
        segments=history.segments,
        created_at=history.created_at,
        first_responded_at=history.first_responded_at,
        terms=terms,
        now=now,
    )


@settings(deadline=None, max_examples=150)
@given(histories(), terms_by_priority(), st.integers(0, 20_000), st.integers(0, 20_000))
def test_counted_time_never_decreases_as_now_advances(
    history: History, terms: dict[Priority, SlaTerms], first: int, later: int
) -> None:
    now1 = history.created_at + timedelta(minutes=first)
    now2 = now1 + timedelta(minutes=later)
    before, after = measure(history, terms, now1), measure(history, terms, now2)
    for early, late in zip(before.targets, after.targets, strict=True):
        assert early.elapsed <= late.elapsed
        # What happened stays what happened: crossings and breaches are never taken back.
        assert set(early.crossed) <= set(late.crossed)
        if early.breached_at is not None:
            assert late.breached_at == early.breached_at
            assert late.state is SlaState.BREACHED
        # Alerts lie in the past, the next one in the future.
        assert all(c.at < now1 for c in early.crossed)
        assert early.breached_at is None or early.breached_at < now1
        assert early.next_alert_at is None or early.next_alert_at >= now1
        if early.state in (SlaState.RUNNING, SlaState.NEAR_BREACH):
            assert early.due_at is not None and early.due_at >= now1
        assert (early.due_at is None) is (early.state is SlaState.PAUSED)


@st.composite
def paused_variants(draw: st.DrawFn) -> tuple[History, History, datetime]:
    """One history OPEN throughout with priority changes, and the same with a customer wait."""
    created = draw(instants())
    changes = [(created, draw(priorities))]
    for _ in range(draw(st.integers(0, 3))):
        changes.append((changes[-1][0] + timedelta(minutes=draw(st.integers(1, 2000))),
                        draw(priorities)))
    pause_start = created + timedelta(minutes=draw(st.integers(0, 4000)))
    pause_end = pause_start + timedelta(minutes=draw(st.integers(1, 4000)))
    now = pause_end + timedelta(minutes=draw(st.integers(0, 6000)))
    replied = draw(st.none() | st.integers(0, 10_000))
    first_responded_at = None if replied is None else created + timedelta(minutes=replied)

    def priority_at(moment: datetime) -> Priority:
        return [p for start, p in changes if start <= moment][-1]

    base = [Segment(start, S.OPEN, None, p) for start, p in changes]
    moments = sorted({created, pause_start, pause_end, *(start for start, _ in changes)})
    variant = [
        Segment(
            moment,
            S.WAITING if pause_start <= moment < pause_end else S.OPEN,
            WaitReason.CUSTOMER if pause_start <= moment < pause_end else None,
            priority_at(moment),
        )
        for moment in moments
    ]
    return (
        History(created, base, first_responded_at),
        History(created, variant, first_responded_at),
        now,
    )


@settings(deadline=None, max_examples=150)
@given(paused_variants(), terms_by_priority(calendar=calendars))
def test_a_pause_never_moves_a_due_time_earlier(
    variants: tuple[History, History, datetime], terms: dict[Priority, SlaTerms]
) -> None:
    base, paused, now = variants
    # Both targets pause for a customer wait under every policy.
    terms = {
        p: SlaTerms(t.first_response_seconds, t.resolution_seconds, t.warn_at_percent,
                    calendar=t.calendar)
        for p, t in terms.items()
    }
    without, with_pause = measure(base, terms, now), measure(paused, terms, now)
    for plain, delayed in zip(without.targets, with_pause.targets, strict=True):
        assert plain.due_at is not None and delayed.due_at is not None
        assert delayed.due_at >= plain.due_at
        assert delayed.elapsed <= plain.elapsed
        assert delayed.remaining_seconds >= plain.remaining_seconds
        if delayed.breached_at is not None:
            assert plain.breached_at is not None and plain.breached_at <= delayed.breached_at


@settings(deadline=None, max_examples=200)
@given(histories(), terms_by_priority(calendar=st.just(None)), st.integers(0, 20_000))
def test_on_a_24_7_calendar_counted_time_is_wall_time_minus_pauses(
    history: History, terms: dict[Priority, SlaTerms], minutes: int
) -> None:
    now = history.created_at + timedelta(minutes=minutes)
    status = measure(history, terms, now)
    segments = history.segments
    first_stop = min(
        [s.start for s in segments if s.status in STOPPED_STATUSES]
        + ([history.first_responded_at] if history.first_responded_at else []),
        default=None,
    )
    for target in (FR, RES):
        expected = timedelta(0)
        for index, segment in enumerate(segments):
            start = segment.start
            end = segments[index + 1].start if index + 1 < len(segments) else now
            end = min(end, now)
            if target is FR and first_stop is not None:
                end = min(end, first_stop)
            if end <= start or segment.status in STOPPED_STATUSES:
                continue
            reasons_ = terms[segment.priority].pause_reasons_for(target)
            if segment.status is S.WAITING and segment.wait_reason in reasons_:
                continue
            expected += end - start
        measured = status.first_response if target is FR else status.resolution
        assert measured.elapsed == expected


@settings(deadline=None, max_examples=100)
@given(histories(), terms_by_priority(), st.integers(0, 20_000), st.sampled_from([FR, RES]))
def test_timeline_covers_the_life_and_its_counting_time_is_the_elapsed_time(
    history: History, terms: dict[Priority, SlaTerms], minutes: int, target: SlaTargetKind
) -> None:
    now = history.created_at + timedelta(minutes=minutes)
    timeline = sla_timeline(
        segments=history.segments,
        created_at=history.created_at,
        first_responded_at=history.first_responded_at,
        terms=terms,
        now=now,
        target=target,
    )
    status = measure(history, terms, now)
    measured = status.first_response if target is FR else status.resolution
    counting = sum(
        (i.end - i.start for i in timeline if i.reason is TimelineReason.COUNTING), timedelta(0)
    )
    assert counting == measured.elapsed
    if now > history.created_at:
        assert timeline[0].start == history.created_at and timeline[-1].end == now
    for earlier, later in pairwise(timeline):
        assert earlier.end == later.start
        assert (earlier.reason, earlier.priority, earlier.wait_reason) != (
            later.reason, later.priority, later.wait_reason
        )
    assert all((i.wait_reason is not None) is (i.reason is TimelineReason.PAUSED)
               for i in timeline)


def test_reference_sanity() -> None:
    office = CALENDARS[1]
    assert office is not None
    assert date(2026, 12, 25) in office.holidays
    assert reference_is_business(office, datetime(2026, 1, 5, 9, tzinfo=UTC))
    assert not reference_is_business(office, datetime(2026, 1, 6, 9, tzinfo=UTC))
