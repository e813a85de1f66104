from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules.oncall import (
    Override,
    PageState,
    PageStep,
    Rotation,
    Schedule,
    escalation_chain,
    next_handover,
    on_call_at,
    page_step,
)

BERLIN = ZoneInfo("Europe/Berlin")
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


DAILY = Schedule(Rotation((1, 2, 3), utc(2026, 3, 2, 9), DAY))
WEEKLY = Schedule(Rotation((10, 20, 30), utc(2026, 1, 5, 9), 7 * DAY))  # Mondays 09:00 UTC
# Daily at 09:00 Berlin time; 2026 changes to summer time on 29 March and back on 25 October.
BERLIN_DAILY = Schedule(Rotation((1, 2, 3), datetime(2026, 3, 27, 9, tzinfo=BERLIN), DAY, "Europe/Berlin"))
BERLIN_TWICE_DAILY = Schedule(Rotation((1, 2), datetime(2026, 3, 28, 9, tzinfo=BERLIN), 12 * HOUR, "Europe/Berlin"))
# 02:30 does not exist on 29 March and happens twice on 25 October.
BERLIN_NIGHT = Schedule(Rotation((1, 2), datetime(2026, 3, 27, 2, 30, tzinfo=BERLIN), DAY, "Europe/Berlin"))


@pytest.mark.parametrize(
    ("schedule", "at", "expected"),
    [
        (DAILY, utc(2026, 3, 2, 8, 59, 59), None),  # before the rotation starts
        (DAILY, utc(2026, 3, 2, 9), 1),
        (DAILY, utc(2026, 3, 3, 8, 59, 59), 1),
        (DAILY, utc(2026, 3, 3, 9), 2),
        (DAILY, utc(2026, 3, 4, 9), 3),
        (DAILY, utc(2026, 3, 5, 9), 1),  # round and round
        (DAILY, utc(2026, 4, 1, 12), 1),  # shift 30, so participant 30 % 3
        (DAILY, datetime(2026, 3, 3, 10, tzinfo=BERLIN), 2),  # any zone for the instant
        (WEEKLY, utc(2026, 1, 12, 8, 59, 59), 10),
        (WEEKLY, utc(2026, 1, 12, 9), 20),
        (WEEKLY, utc(2026, 1, 25, 23), 30),
        (WEEKLY, utc(2026, 1, 26, 9), 10),
        # Spring forward: 09:00 CET is 08:00 UTC on the 28th, 09:00 CEST is 07:00 UTC on the 29th.
        (BERLIN_DAILY, utc(2026, 3, 28, 8) - SECOND, 1),
        (BERLIN_DAILY, utc(2026, 3, 28, 8), 2),
        (BERLIN_DAILY, utc(2026, 3, 29, 7) - SECOND, 2),
        (BERLIN_DAILY, utc(2026, 3, 29, 7), 3),
        (BERLIN_DAILY, utc(2026, 3, 30, 7), 1),
        # Fall back: 09:00 CEST on the 24th is 07:00 UTC, 09:00 CET on the 25th is 08:00 UTC.
        (BERLIN_DAILY, utc(2026, 10, 24, 7) - SECOND, 1),
        (BERLIN_DAILY, utc(2026, 10, 24, 7), 2),
        (BERLIN_DAILY, utc(2026, 10, 25, 8) - SECOND, 2),  # 09:00 CEST would have been an hour ago
        (BERLIN_DAILY, utc(2026, 10, 25, 8), 3),
        # Twelve-hour shifts are fixed durations: they drift by an hour in local time.
        (BERLIN_TWICE_DAILY, utc(2026, 3, 28, 20) - SECOND, 1),
        (BERLIN_TWICE_DAILY, utc(2026, 3, 28, 20), 2),
        (BERLIN_TWICE_DAILY, utc(2026, 3, 29, 8) - SECOND, 2),  # 09:59:59 CEST
        (BERLIN_TWICE_DAILY, utc(2026, 3, 29, 8), 1),
        # A hand-over in the gap happens an hour later by the clock; in the repeated hour, the first time.
        (BERLIN_NIGHT, utc(2026, 3, 29, 1, 30) - SECOND, 2),
        (BERLIN_NIGHT, utc(2026, 3, 29, 1, 30), 1),
        (BERLIN_NIGHT, utc(2026, 10, 25, 0, 30) - SECOND, 2),
        (BERLIN_NIGHT, utc(2026, 10, 25, 0, 30), 1),
        (Schedule(Rotation((), utc(2026, 1, 1), DAY)), utc(2026, 6, 1), None),
    ],
)
def test_on_call_at(schedule: Schedule, at: datetime, expected: int | None) -> None:
    assert on_call_at(schedule, at) == expected


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        (DAILY, utc(2026, 1, 1), utc(2026, 3, 2, 9)),  # the start
        (DAILY, utc(2026, 3, 2, 9), utc(2026, 3, 3, 9)),  # strictly after
        (DAILY, utc(2026, 3, 3, 9) - SECOND, utc(2026, 3, 3, 9)),
        (WEEKLY, utc(2026, 1, 13), utc(2026, 1, 19, 9)),
        (BERLIN_DAILY, utc(2026, 3, 28, 12), utc(2026, 3, 29, 7)),  # a 23-hour shift
        (BERLIN_DAILY, utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)),
        (BERLIN_DAILY, utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),  # a 25-hour shift
        (BERLIN_DAILY, datetime(2026, 10, 25, 8, 59, tzinfo=BERLIN), utc(2026, 10, 25, 8)),
        (BERLIN_TWICE_DAILY, utc(2026, 3, 29, 1), utc(2026, 3, 29, 8)),
        (BERLIN_NIGHT, utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),
        (Schedule(Rotation((), utc(2026, 1, 1), DAY)), utc(2026, 6, 1), None),
    ],
)
def test_next_handover(schedule: Schedule, after: datetime, expected: datetime | None) -> None:
    assert next_handover(schedule, after) == expected


# Rotation 1, 2, 3 daily at 09:00 UTC from 2 March: on the 3rd user 2 is on call.
SICK = Override(7, utc(2026, 3, 3, 12), utc(2026, 3, 3, 18))
SWAP = Override(8, utc(2026, 3, 3, 14), utc(2026, 3, 3, 16))  # inside SICK: starts later, wins
EARLY = Override(9, utc(2026, 3, 1), utc(2026, 3, 2, 12))  # before the rotation starts
OVERRIDDEN = Schedule(DAILY.rotation, (SWAP, SICK, EARLY))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 3, 12) - SECOND, 2),
        (utc(2026, 3, 3, 12), 7),
        (utc(2026, 3, 3, 14) - SECOND, 7),
        (utc(2026, 3, 3, 14), 8),
        (utc(2026, 3, 3, 16) - SECOND, 8),
        (utc(2026, 3, 3, 16), 7),  # the inner one ended, the outer one still covers
        (utc(2026, 3, 3, 18), 2),  # both ended
        (utc(2026, 3, 1, 12), 9),  # an override applies even before the rotation starts
        (utc(2026, 3, 2, 12), 1),
    ],
)
def test_overrides(at: datetime, expected: int) -> None:
    assert on_call_at(OVERRIDDEN, at) == expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (utc(2026, 3, 3, 9), utc(2026, 3, 3, 12)),
        (utc(2026, 3, 3, 12), utc(2026, 3, 3, 14)),
        (utc(2026, 3, 3, 15), utc(2026, 3, 3, 16)),
        (utc(2026, 3, 3, 16), utc(2026, 3, 3, 18)),
        (utc(2026, 3, 3, 18), utc(2026, 3, 4, 9)),
        (utc(2026, 2, 1), utc(2026, 3, 1)),
        (utc(2026, 3, 1), utc(2026, 3, 2, 9)),
    ],
)
def test_next_handover_with_overrides(after: datetime, expected: datetime) -> None:
    assert next_handover(OVERRIDDEN, after) == expected


def test_overrides_tie_and_empty() -> None:
    same_start = (Override(5, utc(2026, 3, 3, 12), utc(2026, 3, 3, 13)), Override(6, utc(2026, 3, 3, 12), utc(2026, 3, 3, 14)))
    assert on_call_at(Schedule(DAILY.rotation, same_start), utc(2026, 3, 3, 12, 30)) == 6  # the one listed later
    backwards = Schedule(DAILY.rotation, (Override(5, utc(2026, 3, 3, 13), utc(2026, 3, 3, 12)),))
    assert on_call_at(backwards, utc(2026, 3, 3, 12, 30)) == 2
    assert next_handover(backwards, utc(2026, 3, 3, 10)) == utc(2026, 3, 4, 9)
    only_overrides = Schedule(Rotation((), utc(2026, 1, 1), DAY), (SICK,))
    assert on_call_at(only_overrides, utc(2026, 3, 3, 13)) == 7
    assert next_handover(only_overrides, utc(2026, 3, 3, 13)) == utc(2026, 3, 3, 18)
    assert next_handover(only_overrides, utc(2026, 3, 3, 18)) is None


@pytest.mark.parametrize(
    ("schedule", "at", "extra", "expected"),
    [
        (DAILY, utc(2026, 3, 3, 10), (), (2, 3, 1)),
        (DAILY, utc(2026, 3, 4, 10), (100, 101), (3, 1, 2, 100, 101)),
        (DAILY, utc(2026, 1, 1), (100,), (1, 2, 3, 100)),  # before the start: in turn order
        (DAILY, utc(2026, 3, 3, 10), (3, 100, 2, 100), (2, 3, 1, 100)),  # a supervisor on the rotation too
        (OVERRIDDEN, utc(2026, 3, 3, 13), (100,), (7, 2, 3, 1, 100)),  # the override, then the rotation
        (Schedule(DAILY.rotation, (Override(3, utc(2026, 3, 3, 12), utc(2026, 3, 3, 18)),)), utc(2026, 3, 3, 13), (), (3, 2, 1)),
        (Schedule(Rotation((1, 2, 1, 3), utc(2026, 3, 2, 9), DAY)), utc(2026, 3, 4, 10), (), (1, 3, 2)),
        (Schedule(Rotation((), utc(2026, 1, 1), DAY)), utc(2026, 3, 3), (100,), (100,)),
    ],
)
def test_escalation_chain(schedule: Schedule, at: datetime, extra: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert escalation_chain(schedule, at, extra=extra) == expected


T0 = utc(2026, 3, 3, 2)
TIMEOUT = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("state", "now", "expected"),
    [
        (PageState((1, 2, 3), ()), T0, PageStep(1, T0 + TIMEOUT, False)),
        (PageState((1, 2, 3), ((1, T0),)), T0 + TIMEOUT - SECOND, PageStep(None, T0 + TIMEOUT, False)),
        (PageState((1, 2, 3), ((1, T0),)), T0 + TIMEOUT, PageStep(2, T0 + 2 * TIMEOUT, False)),
        (PageState((1, 2, 3), ((1, T0),)), T0 + HOUR, PageStep(2, T0 + HOUR + TIMEOUT, False)),  # a late check
        (PageState((1, 2, 3), ((1, T0), (2, T0 + TIMEOUT))), T0 + 2 * TIMEOUT, PageStep(3, T0 + 3 * TIMEOUT, False)),
        (PageState((1, 2, 3), ((1, T0),), acknowledged_by=1), T0 + HOUR, PageStep(None, None, False)),
        (PageState((1, 2, 3), ((1, T0), (2, T0)), acknowledged_by=2), T0, PageStep(None, None, False)),
        # The last one notified still has time: not exhausted yet.
        (PageState((1, 2), ((1, T0), (2, T0 + TIMEOUT))), T0 + 2 * TIMEOUT - SECOND, PageStep(None, T0 + 2 * TIMEOUT, False)),
        (PageState((1, 2), ((1, T0), (2, T0 + TIMEOUT))), T0 + 2 * TIMEOUT, PageStep(None, None, True)),
        (PageState((), ()), T0, PageStep(None, None, True)),
        # A chain recomputed mid-page: nobody twice, newcomers not skipped.
        (PageState((4, 1, 2), ((1, T0),)), T0 + TIMEOUT, PageStep(4, T0 + 2 * TIMEOUT, False)),
    ],
)
def test_page_step(state: PageState, now: datetime, expected: PageStep) -> None:
    assert page_step(state, now=now, ack_timeout=TIMEOUT) == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: Rotation((1,), datetime(2026, 1, 1), DAY),  # naive
        lambda: Rotation((1,), utc(2026, 1, 1), timedelta(0)),
        lambda: Rotation((1,), utc(2026, 1, 1), DAY, "Mars/Olympus"),
        lambda: Override(1, datetime(2026, 1, 1), utc(2026, 1, 2)),
        lambda: on_call_at(DAILY, datetime(2026, 3, 3)),
        lambda: page_step(PageState((1,), ()), now=T0, ack_timeout=-SECOND),
    ],
)
def test_invalid_input(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        make()


# --- properties ---------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
SHIFTS = [DAY, 7 * DAY, 2 * DAY, 12 * HOUR, 8 * HOUR, timedelta(minutes=90), timedelta(hours=36)]
BASE = utc(2026, 1, 1)
instants = st.integers(0, 2 * 365 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    rotation = Rotation(
        participants=tuple(draw(st.lists(st.integers(1, 9), max_size=4))),
        starts_at=draw(instants),
        shift=draw(st.sampled_from(SHIFTS)),
        time_zone=draw(st.sampled_from(ZONES)),
    )
    overrides = draw(
        st.lists(
            st.builds(
                lambda user, start, length: Override(user, start, start + timedelta(hours=length)),
                st.integers(50, 59),
                instants,
                st.integers(-2, 200),
            ),
            max_size=3,
        )
    )
    return Schedule(rotation, tuple(overrides))


@settings(max_examples=300)
@given(schedule=schedules(), after=instants, fractions=st.lists(st.floats(0, 1), max_size=5))
def test_on_call_is_constant_until_the_next_handover(schedule: Schedule, after: datetime, fractions: list[float]) -> None:
    who = on_call_at(schedule, after)
    allowed = set(schedule.rotation.participants) | {o.user_id for o in schedule.overrides}
    assert who is None or who in allowed
    if who is None:
        assert after < schedule.rotation.starts_at or not schedule.rotation.participants
    handover = next_handover(schedule, after)
    if handover is None:
        assert not schedule.rotation.participants
        probes = [after + timedelta(days=400 * f) for f in fractions]
    else:
        assert handover > after
        span = handover - after - timedelta(microseconds=1)
        probes = [after + span * f for f in fractions] + [handover - timedelta(microseconds=1)]
    for probe in probes:
        assert on_call_at(schedule, probe) == who


@given(schedule=schedules(), at=instants, extra=st.lists(st.integers(1, 12), max_size=3))
def test_escalation_chain_starts_with_whoever_is_on_call(schedule: Schedule, at: datetime, extra: list[int]) -> None:
    chain = escalation_chain(schedule, at, extra=extra)
    assert len(chain) == len(set(chain))
    assert set(chain) >= set(schedule.rotation.participants) | set(extra)
    who = on_call_at(schedule, at)
    if who is not None:
        assert chain[0] == who


@given(
    chain=st.lists(st.integers(1, 6), unique=True, max_size=5),
    checks=st.lists(st.integers(0, 20), max_size=15),
)
def test_paging_notifies_each_once_in_order_until_exhausted(chain: list[int], checks: list[int]) -> None:
    state = PageState(tuple(chain), ())
    now = T0
    for minutes in [*checks, 10**4]:
        step = page_step(state, now=now, ack_timeout=TIMEOUT)
        if step.notify is not None:
            state = PageState(state.chain, (*state.notified, (step.notify, now)))
        assert step.next_check_at is None or step.next_check_at > now
        now += timedelta(minutes=minutes)
    notified = [user for user, _ in state.notified]
    assert notified == chain[: len(notified)]
    # Enough time passed at the end for everyone to have been tried, if the checks kept coming.
    while not (step := page_step(state, now=now, ack_timeout=TIMEOUT)).exhausted:
        assert step.notify is not None
        state = PageState(state.chain, (*state.notified, (step.notify, now)))
        now += TIMEOUT
    assert [user for user, _ in state.notified] == chain


@given(
    zone=st.sampled_from(ZONES),
    days=st.integers(1, 3),
    start=instants,
    after=instants,
)
def test_whole_day_handovers_keep_the_local_wall_time(zone: str, days: int, start: datetime, after: datetime) -> None:
    local = ZoneInfo(zone)
    schedule = Schedule(Rotation((1, 2), start, days * DAY, zone))
    handover = next_handover(schedule, after)
    assert handover is not None
    wall = handover.astimezone(local)
    wanted = start.astimezone(local)
    # Equal unless the wanted wall time fell into a gap that day (then it is pushed later).
    assert (wall.hour, wall.minute) == (wanted.hour, wanted.minute) or wall.utcoffset() != wanted.utcoffset()
