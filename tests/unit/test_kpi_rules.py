"""KPI arithmetic, table-driven: durations, ratings, status moves, periods and rows (including
day buckets across a DST change)."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.enums import Role
from domain.errors import BadUserInput, Forbidden
from domain.rules.access import Actor
from domain.rules.kpis import (
    CreatedTicket,
    Dimension,
    Move,
    Rating,
    StatusMove,
    TargetFact,
    compute,
    durations,
    local_day,
    moves_of,
    period,
    ratings,
    require_kpi_reader,
    row_order,
)

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


MARCH = period(start=T0, end=datetime(2026, 4, 1, tzinfo=UTC), time_zone="UTC")


@pytest.mark.parametrize(
    ("values", "count", "mean", "median", "p90"),
    [
        ([], 0, None, None, None),
        ([7], 1, 7.0, 7.0, 7),
        ([10, 20], 2, 15.0, 15.0, 20),
        ([30, 10, 20], 3, 20.0, 20.0, 30),
        ([1, 2, 4, 100], 4, 26.75, 3.0, 100),
        ([1, 1, 2], 3, 1.33, 1.0, 2),
        (list(range(1, 11)), 10, 5.5, 5.5, 9),  # nearest rank: ceil(0.9 * 10) = 9th value
        (list(range(1, 21)), 20, 10.5, 10.5, 18),
        (list(range(1, 71)), 70, 35.5, 35.5, 63),  # 0.9 * 70 is 63.000...01 in floats
    ],
)
def test_durations(
    values: list[int], count: int, mean: float | None, median: float | None, p90: int | None
) -> None:
    d = durations(values)
    assert (d.count, d.mean_seconds, d.median_seconds, d.p90_seconds) == (count, mean, median, p90)


@pytest.mark.parametrize(
    ("stars", "count", "average", "per_star", "satisfied"),
    [
        ([], 0, None, (0, 0, 0, 0, 0), None),
        ([5], 1, 5.0, (0, 0, 0, 0, 1), 100.0),
        ([1, 2, 3], 3, 2.0, (1, 1, 1, 0, 0), 0.0),
        ([4, 5, 3], 3, 4.0, (0, 0, 1, 1, 1), 66.67),
        ([5, 4, 4, 1], 4, 3.5, (1, 0, 0, 2, 1), 75.0),
    ],
)
def test_ratings(
    stars: list[int], count: int, average: float | None, per_star: tuple[int, ...], satisfied: float | None
) -> None:
    r = ratings(stars)
    assert (r.count, r.average_stars, r.per_star, r.satisfied_percent) == (
        count,
        average,
        per_star,
        satisfied,
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("OPEN", "RESOLVED", {Move.RESOLVED}),
        ("NEW", "RESOLVED", {Move.RESOLVED}),
        ("RESOLVED", "CLOSED", {Move.CLOSED}),
        ("OPEN", "CLOSED", {Move.CLOSED}),
        ("RESOLVED", "OPEN", {Move.REOPENED}),
        ("CLOSED", "OPEN", {Move.REOPENED}),
        ("OPEN", "WAITING", set()),
        ("WAITING", "OPEN", set()),
        ("NEW", "OPEN", set()),
        (None, None, set()),
    ],
)
def test_moves_of(before: str | None, after: str | None, expected: set[Move]) -> None:
    assert moves_of(before, after) == expected


@pytest.mark.parametrize(
    ("start", "end", "zone", "field"),
    [
        (at(1), at(1), "UTC", "to"),
        (at(2), at(1), "UTC", "to"),
        (at(0), at(366, 0.001), "UTC", "to"),
        (datetime(2026, 3, 1), at(1), "UTC", "from"),
        (at(0), datetime(2026, 3, 2), "UTC", "to"),
        (at(0), at(1), "Mars/Olympus", "timeZone"),
        (at(0), at(1), "", "timeZone"),
        (at(0), at(1), "../../etc/passwd", "timeZone"),
    ],
)
def test_bad_periods_name_the_argument(start: datetime, end: datetime, zone: str, field: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        period(start=start, end=end, time_zone=zone)
    assert raised.value.field == field


def test_a_period_is_kept_in_utc_whatever_offset_it_was_given_in() -> None:
    """The bounds go to SQL; SQLite compares datetimes as text, so they must be UTC like the
    stored instants (2026-03-01T05:30+05:30 is after 2026-03-01T03:00+00:00 as text)."""
    kolkata = timezone(timedelta(hours=5, minutes=30))
    span = period(
        start=at(0).astimezone(kolkata), end=at(1).astimezone(timezone(-timedelta(hours=5))), time_zone="UTC"
    )
    assert (span.start, span.end) == (at(0), at(1))
    assert span.start.utcoffset() == span.end.utcoffset() == timedelta(0)


def test_a_bound_without_a_utc_instant_is_bad_input() -> None:
    first = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))  # 0000-12-31T23:00Z
    with pytest.raises(BadUserInput) as raised:
        period(start=first, end=first + timedelta(days=1), time_zone="UTC")
    assert raised.value.field == "from"


def test_a_period_of_exactly_366_days_in_a_zone_is_accepted() -> None:
    span = period(start=at(0), end=at(366), time_zone=" Europe/Berlin ")
    assert span.zone.key == "Europe/Berlin" and span.holds(at(0)) and not span.holds(at(366))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.SUPERVISOR, True),
        (Role.REPORTER, True),
        (Role.AGENT, False),
        (Role.CUSTOMER, False),
    ],
)
def test_kpi_readers(role: Role, allowed: bool) -> None:
    actor = Actor(user_id=1, role=role)
    if allowed:
        require_kpi_reader(actor)
    else:
        with pytest.raises(Forbidden):
            require_kpi_reader(actor)


# Europe/Berlin moves from +01:00 to +02:00 at 2026-03-29 01:00 UTC, and back at 2026-10-25
# 01:00 UTC: the local day ends at 22:00 UTC in summer and 23:00 UTC in winter.
@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), date(2026, 3, 28)),  # 23:59 CET
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), date(2026, 3, 29)),  # 00:00 CET
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), date(2026, 3, 29)),  # 01:59 CET, just before
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), date(2026, 3, 29)),  # 03:00 CEST
        (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), date(2026, 3, 29)),  # 23:59 CEST
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), date(2026, 3, 30)),  # 00:00 CEST
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), date(2026, 10, 25)),  # 00:00 CEST
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), date(2026, 10, 25)),  # 23:59 CET (25-hour day)
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 26)),
    ],
)
def test_local_day_across_dst(instant: datetime, day: date) -> None:
    assert local_day(instant, BERLIN) == day


def fr(state: str, seconds: int, reached: bool) -> TargetFact:
    return TargetFact(state=state, elapsed_seconds=seconds, reached=reached)


def test_day_rows_in_berlin_across_the_spring_change() -> None:
    span = period(
        start=datetime(2026, 3, 27, 23, tzinfo=UTC),
        end=datetime(2026, 3, 30, 22, tzinfo=UTC),
        time_zone="Europe/Berlin",
    )
    created = [
        CreatedTicket(1, datetime(2026, 3, 28, 22, 30, tzinfo=UTC), None),  # 23:30 on the 28th
        CreatedTicket(2, datetime(2026, 3, 28, 23, 30, tzinfo=UTC), None),  # 00:30 on the 29th
        CreatedTicket(3, datetime(2026, 3, 29, 21, 30, tzinfo=UTC), None),  # 23:30 on the 29th
        CreatedTicket(4, datetime(2026, 3, 29, 22, 30, tzinfo=UTC), None),  # 00:30 on the 30th
        CreatedTicket(5, datetime(2026, 3, 27, 22, 59, tzinfo=UTC), None),  # before the period
    ]
    moves = [
        StatusMove(1, datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "OPEN", "RESOLVED", None),  # the 29th
        StatusMove(1, datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "RESOLVED", "OPEN", None),  # the 30th
        StatusMove(1, datetime(2026, 3, 29, 23, 0, tzinfo=UTC), "OPEN", "RESOLVED", None),  # the 30th
    ]
    report = compute(period=span, dimension=Dimension.DAY, created=created, moves=moves, ratings_given=[])
    assert {d: f.tickets_created for d, f in report.rows.items()} == {
        date(2026, 3, 28): 1,
        date(2026, 3, 29): 2,
        date(2026, 3, 30): 1,
    }
    assert {d: (f.tickets_resolved, f.tickets_reopened) for d, f in report.rows.items()} == {
        date(2026, 3, 28): (0, 0),
        date(2026, 3, 29): (1, 0),
        date(2026, 3, 30): (1, 1),
    }
    # a ticket resolved on two days counts on both, once in the total
    assert (report.total.tickets_created, report.total.tickets_resolved, report.total.tickets_reopened) == (
        4,
        1,
        1,
    )


def test_rows_by_dimension_value_with_sla_and_ratings() -> None:
    created = [
        CreatedTicket(1, at(1), 10, fr("MET", 60, True), fr("MET", 600, True)),
        CreatedTicket(2, at(2), 10, fr("BREACHED", 400, True), fr("RUNNING", 900, False)),
        CreatedTicket(3, at(3), 10, fr("BREACHED", 7200, False), fr("BREACHED", 9000, False)),
        CreatedTicket(4, at(4), None, fr("PAUSED", 5, False), fr("PAUSED", 5, False)),
        CreatedTicket(5, at(5), 20),  # no SLA policy: counted as created only
        CreatedTicket(6, at(40), 20, fr("MET", 1, True), fr("MET", 1, True)),  # outside March
    ]
    moves = [
        StatusMove(1, at(1, 1), "OPEN", "RESOLVED", 10),
        StatusMove(1, at(1, 2), "RESOLVED", "CLOSED", 10),
        StatusMove(9, at(2), "OPEN", "RESOLVED", 20),  # created before the period
        StatusMove(9, at(3), "RESOLVED", "OPEN", 20),
        StatusMove(9, at(4), "OPEN", "RESOLVED", 20),  # resolved twice: one ticket
        StatusMove(2, at(5), "OPEN", "WAITING", 10),  # not a counted move
        StatusMove(8, at(-1), "OPEN", "RESOLVED", 20),  # before the period
    ]
    rated = [Rating(1, at(2), 5, 10), Rating(9, at(5), 2, 20), Rating(7, at(45), 1, 20)]
    report = compute(
        period=MARCH, dimension=Dimension.AGENT, created=created, moves=moves, ratings_given=rated
    )
    assert set(report.rows) == {10, 20, None}
    ten, twenty, none = report.rows[10], report.rows[20], report.rows[None]
    assert (ten.tickets_created, ten.tickets_resolved, ten.tickets_closed, ten.tickets_reopened) == (
        3,
        1,
        1,
        0,
    )
    assert (ten.first_response.met, ten.first_response.breached, ten.first_response.pending) == (1, 2, 0)
    assert ten.first_response.met_percent == 33.33
    assert (ten.resolution.met, ten.resolution.breached, ten.resolution.pending) == (1, 1, 1)
    # times over the targets whose clock stopped, met on time or late
    assert (ten.first_response_time.count, ten.first_response_time.median_seconds) == (2, 230.0)
    assert (ten.resolution_time.count, ten.resolution_time.mean_seconds) == (1, 600.0)
    assert (ten.satisfaction.count, ten.satisfaction.average_stars) == (1, 5.0)
    assert (twenty.tickets_created, twenty.tickets_resolved, twenty.tickets_reopened) == (1, 1, 1)
    assert (twenty.first_response.met, twenty.first_response.breached, twenty.first_response.pending) == (
        0,
        0,
        0,
    )
    assert twenty.first_response.met_percent is None and twenty.first_response_time.mean_seconds is None
    assert twenty.satisfaction.per_star == (0, 1, 0, 0, 0)
    assert (none.tickets_created, none.first_response.pending, none.first_response_time.count) == (1, 1, 0)
    total = report.total
    assert (total.tickets_created, total.tickets_resolved, total.tickets_closed) == (5, 2, 1)
    assert (
        total.satisfaction.count,
        total.satisfaction.average_stars,
        total.satisfaction.satisfied_percent,
    ) == (
        2,
        3.5,
        50.0,
    )
    assert total.first_response_time.mean_seconds == 230.0


def test_no_grouping_gives_the_total_only_and_an_empty_period_gives_zeros() -> None:
    created = [CreatedTicket(1, at(1), 10, fr("MET", 60, True), None)]
    report = compute(period=MARCH, dimension=None, created=created, moves=[], ratings_given=[])
    assert report.rows == {} and report.total.tickets_created == 1
    empty = compute(period=MARCH, dimension=Dimension.GROUP, created=[], moves=[], ratings_given=[])
    assert empty.rows == {}
    zero = empty.total
    assert (zero.tickets_created, zero.tickets_resolved, zero.first_response.met_percent) == (0, 0, None)
    assert (
        zero.satisfaction.count,
        zero.satisfaction.average_stars,
        zero.resolution_time.median_seconds,
    ) == (
        0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("dimension", "rows", "expected"),
    [
        (Dimension.AGENT, [(None, "Unassigned"), (2, "bea"), (1, "Ann"), (3, "Carl")], [1, 2, 3, None]),
        (Dimension.PRODUCT, [(5, "Zed"), (None, "No product"), (4, "Alpha")], [4, 5, None]),
        (Dimension.PRIORITY, [(4, "Low"), (1, "Urgent"), (3, "Medium")], [1, 3, 4]),
        (
            Dimension.DAY,
            [(date(2026, 3, 2), "2026-03-02"), (date(2025, 12, 31), "2025-12-31"), (date(2026, 3, 1), "x")],
            [date(2025, 12, 31), date(2026, 3, 1), date(2026, 3, 2)],
        ),
    ],
)
def test_row_order(dimension: Dimension, rows: list[tuple[object, str]], expected: list[object]) -> None:
    ordered = sorted(rows, key=lambda r: row_order(dimension, r[0], r[1]))
    assert [v for v, _ in ordered] == expected
