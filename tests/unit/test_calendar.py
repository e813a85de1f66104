"""Business calendars: table tests with explicit instants, no clock reads."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import BadUserInput
from domain.rules.calendar import (
    BusinessCalendar,
    add_business_seconds,
    add_business_time,
    business_intervals,
    business_seconds,
    business_time,
    is_business_time,
    next_business_moment,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = 3600

WEEKDAYS_9_TO_5 = {str(day): [["09:00", "17:00"]] for day in range(5)}
EVERY_DAY_9_TO_5 = {str(day): [["09:00", "17:00"]] for day in range(7)}

# Berlin office: Monday to Friday 09:00-17:00, closed on Christmas Day (a Friday in 2026).
OFFICE = BusinessCalendar.from_json(
    timezone="Europe/Berlin", weekly_hours=WEEKDAYS_9_TO_5, holidays=["2026-12-25"]
)
# Split shifts in UTC: 09:00-12:00 and 13:00-17:00 on weekdays.
SPLIT = BusinessCalendar.from_json(
    timezone="UTC",
    weekly_hours={str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(5)},
)
# Every day 09:00-17:00 in Berlin: the DST change days (Sundays) are business days.
BERLIN_DAILY = BusinessCalendar.from_json(timezone="Europe/Berlin", weekly_hours=EVERY_DAY_9_TO_5)
# Shifts around the DST change hour (02:00-03:00 local).
BERLIN_NIGHT = BusinessCalendar.from_json(
    timezone="Europe/Berlin", weekly_hours={str(day): [["01:00", "04:00"]] for day in range(7)}
)
BERLIN_LATE_NIGHT = BusinessCalendar.from_json(
    timezone="Europe/Berlin", weekly_hours={str(day): [["02:30", "05:00"]] for day in range(7)}
)
BERLIN_ALWAYS = BusinessCalendar.from_json(
    timezone="Europe/Berlin", weekly_hours={str(day): [["00:00", "24:00"]] for day in range(7)}
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
           ) -> datetime:
    """A Berlin wall-clock time, as the UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN).astimezone(UTC)


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        pytest.param(OFFICE, berlin(2026, 1, 12, 10), berlin(2026, 1, 12, 12), 2 * H, id="same-day"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 7), berlin(2026, 1, 12, 20), 8 * H,
                     id="before-opening-to-after-closing"),
        pytest.param(OFFICE, berlin(2026, 1, 9, 16), berlin(2026, 1, 12, 10), 2 * H,
                     id="across-weekend"),
        pytest.param(OFFICE, berlin(2026, 1, 10, 10), berlin(2026, 1, 11, 22), 0,
                     id="weekend-only"),
        pytest.param(OFFICE, berlin(2026, 1, 5), berlin(2026, 1, 12), 40 * H, id="whole-week"),
        pytest.param(OFFICE, berlin(2026, 12, 24, 16), berlin(2026, 12, 28, 10), 2 * H,
                     id="across-holiday-and-weekend"),
        pytest.param(OFFICE, berlin(2026, 12, 25, 9), berlin(2026, 12, 25, 17), 0, id="holiday"),
        pytest.param(OFFICE, berlin(2026, 1, 1), berlin(2027, 1, 1), (261 - 1) * 8 * H,
                     id="whole-year-minus-christmas"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 12), berlin(2026, 1, 12, 10), 0,
                     id="end-before-start"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 10, 0, 0), berlin(2026, 1, 12, 10, 0, 59), 59,
                     id="seconds"),
        pytest.param(SPLIT, utc(2026, 1, 12, 11), utc(2026, 1, 12, 14), 2 * H,
                     id="split-over-lunch"),
        pytest.param(SPLIT, utc(2026, 1, 12, 12), utc(2026, 1, 12, 13), 0, id="split-lunch-only"),
        pytest.param(SPLIT, utc(2026, 1, 12), utc(2026, 1, 13), 7 * H, id="split-whole-day"),
        pytest.param(None, utc(2026, 1, 9, 16), utc(2026, 1, 12, 16), 72 * H, id="24/7"),
        pytest.param(BERLIN_DAILY, berlin(2026, 3, 29), berlin(2026, 3, 30), 8 * H,
                     id="dst-spring-day-is-8h"),
        pytest.param(BERLIN_DAILY, berlin(2026, 10, 25), berlin(2026, 10, 26), 8 * H,
                     id="dst-autumn-day-is-8h"),
        pytest.param(BERLIN_DAILY, berlin(2026, 3, 28, 16), berlin(2026, 3, 29, 10), 2 * H,
                     id="dst-spring-overnight"),
        pytest.param(BERLIN_NIGHT, berlin(2026, 3, 29), berlin(2026, 3, 30), 2 * H,
                     id="dst-spring-missing-hour-not-counted"),
        pytest.param(BERLIN_NIGHT, berlin(2026, 10, 25), berlin(2026, 10, 26), 4 * H,
                     id="dst-autumn-repeated-hour-counted-twice"),
        pytest.param(BERLIN_LATE_NIGHT, utc(2026, 10, 24, 20), utc(2026, 10, 25, 20), 3 * H,
                     id="dst-autumn-shift-starting-in-repeated-hour"),
        pytest.param(BERLIN_ALWAYS, berlin(2026, 3, 29), berlin(2026, 3, 30), 23 * H,
                     id="dst-spring-local-day-is-23h"),
        pytest.param(BERLIN_ALWAYS, berlin(2026, 10, 25), berlin(2026, 10, 26), 25 * H,
                     id="dst-autumn-local-day-is-25h"),
    ],
)
def test_business_seconds(
    calendar: BusinessCalendar | None, start: datetime, end: datetime, expected: int
) -> None:
    assert business_seconds(calendar, start, end) == expected


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        pytest.param(BERLIN_DAILY, berlin(2026, 3, 28), berlin(2026, 3, 30),
                     [(utc(2026, 3, 28, 8), utc(2026, 3, 28, 16)),
                      (utc(2026, 3, 29, 7), utc(2026, 3, 29, 15))],
                     id="dst-spring-same-local-hours-earlier-utc"),
        pytest.param(BERLIN_DAILY, berlin(2026, 10, 24), berlin(2026, 10, 26),
                     [(utc(2026, 10, 24, 7), utc(2026, 10, 24, 15)),
                      (utc(2026, 10, 25, 8), utc(2026, 10, 25, 16))],
                     id="dst-autumn-same-local-hours-later-utc"),
        pytest.param(BERLIN_LATE_NIGHT, utc(2026, 10, 24, 20), utc(2026, 10, 25, 20),
                     [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1)),
                      (utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 4))],
                     id="dst-autumn-wall-clock-in-shift-twice"),
        pytest.param(BERLIN_NIGHT, utc(2026, 3, 28, 20), utc(2026, 3, 29, 20),
                     [(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))],
                     id="dst-spring-shift-around-gap-is-contiguous"),
        pytest.param(SPLIT, utc(2026, 1, 12, 10), utc(2026, 1, 12, 14),
                     [(utc(2026, 1, 12, 10), utc(2026, 1, 12, 12)),
                      (utc(2026, 1, 12, 13), utc(2026, 1, 12, 14))],
                     id="split-clipped"),
        pytest.param(BERLIN_ALWAYS, berlin(2026, 1, 5), berlin(2026, 1, 8),
                     [(berlin(2026, 1, 5), berlin(2026, 1, 8))], id="touching-days-merged"),
        pytest.param(None, utc(2026, 1, 5), utc(2026, 1, 6), [(utc(2026, 1, 5), utc(2026, 1, 6))],
                     id="24/7"),
    ],
)
def test_business_intervals(
    calendar: BusinessCalendar | None,
    start: datetime,
    end: datetime,
    expected: list[tuple[datetime, datetime]],
) -> None:
    assert list(business_intervals(calendar, start, end)) == expected


@pytest.mark.parametrize(
    ("calendar", "start", "seconds", "expected"),
    [
        pytest.param(OFFICE, berlin(2026, 1, 12, 10), 2 * H, berlin(2026, 1, 12, 12),
                     id="same-day"),
        pytest.param(OFFICE, berlin(2026, 1, 9, 16, 30), H, berlin(2026, 1, 12, 9, 30),
                     id="over-weekend"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 16), H, berlin(2026, 1, 12, 17),
                     id="exactly-at-closing-is-closing"),
        pytest.param(OFFICE, berlin(2026, 1, 10, 10), H, berlin(2026, 1, 12, 10),
                     id="start-on-weekend"),
        pytest.param(OFFICE, berlin(2026, 12, 24, 16), 2 * H, berlin(2026, 12, 28, 10),
                     id="over-holiday-and-weekend"),
        pytest.param(OFFICE, berlin(2026, 1, 5, 9), 40 * H, berlin(2026, 1, 9, 17),
                     id="one-week"),
        pytest.param(OFFICE, berlin(2026, 1, 5, 9), 40 * H + 1, berlin(2026, 1, 12, 9, 0, 1),
                     id="one-week-and-a-second"),
        pytest.param(OFFICE, berlin(2026, 1, 10, 10), 0, berlin(2026, 1, 10, 10),
                     id="zero-is-start"),
        pytest.param(SPLIT, utc(2026, 1, 12, 11, 30), H, utc(2026, 1, 12, 13, 30),
                     id="split-over-lunch"),
        pytest.param(SPLIT, utc(2026, 1, 12, 11, 30), 30 * 60, utc(2026, 1, 12, 12),
                     id="split-earliest-instant"),
        pytest.param(BERLIN_DAILY, berlin(2026, 3, 28, 16, 30), H, utc(2026, 3, 29, 7, 30),
                     id="dst-spring"),
        pytest.param(BERLIN_DAILY, berlin(2026, 10, 24, 16, 30), H, utc(2026, 10, 25, 8, 30),
                     id="dst-autumn"),
        pytest.param(BERLIN_NIGHT, berlin(2026, 3, 29, 1, 30), H, utc(2026, 3, 29, 1, 30),
                     id="dst-spring-jumps-the-gap"),
        pytest.param(None, utc(2026, 1, 10, 10), 90_000, utc(2026, 1, 11, 11), id="24/7"),
    ],
)
def test_add_business_seconds(
    calendar: BusinessCalendar | None, start: datetime, seconds: int, expected: datetime
) -> None:
    assert add_business_seconds(calendar, start, seconds) == expected
    assert business_seconds(calendar, start, expected) == seconds


def test_add_business_time_is_exact_to_the_microsecond() -> None:
    start = berlin(2026, 1, 9, 16, 59, 59)
    amount = timedelta(seconds=1, microseconds=250)
    end = add_business_time(OFFICE, start, amount)
    assert end == berlin(2026, 1, 12, 9) + timedelta(microseconds=250)
    assert business_time(OFFICE, start, end) == amount


def test_add_business_time_rejects_negative_amounts() -> None:
    with pytest.raises(ValueError):
        add_business_time(OFFICE, berlin(2026, 1, 12, 10), timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("calendar", "at", "expected"),
    [
        pytest.param(OFFICE, berlin(2026, 1, 12, 10), berlin(2026, 1, 12, 10), id="open"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 9), berlin(2026, 1, 12, 9), id="at-opening"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 17), berlin(2026, 1, 13, 9), id="at-closing"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 7), berlin(2026, 1, 12, 9), id="early"),
        pytest.param(OFFICE, berlin(2026, 1, 9, 18), berlin(2026, 1, 12, 9), id="friday-night"),
        pytest.param(OFFICE, berlin(2026, 12, 24, 18), berlin(2026, 12, 28, 9), id="holiday"),
        pytest.param(SPLIT, utc(2026, 1, 12, 12, 15), utc(2026, 1, 12, 13), id="lunch"),
        pytest.param(None, utc(2026, 1, 10, 3), utc(2026, 1, 10, 3), id="24/7"),
    ],
)
def test_next_business_moment(
    calendar: BusinessCalendar | None, at: datetime, expected: datetime
) -> None:
    assert next_business_moment(calendar, at) == expected
    assert is_business_time(calendar, at) is (at == expected)


@pytest.mark.parametrize(
    ("calendar", "at", "expected"),
    [
        pytest.param(BERLIN_LATE_NIGHT, utc(2026, 10, 25, 0, 45), True, id="first-02:45"),
        pytest.param(BERLIN_LATE_NIGHT, utc(2026, 10, 25, 1, 15), False, id="second-02:15"),
        pytest.param(BERLIN_LATE_NIGHT, utc(2026, 10, 25, 1, 45), True, id="second-02:45"),
        pytest.param(OFFICE, berlin(2026, 1, 12, 16, 59, 59), True, id="last-second"),
        pytest.param(BERLIN_ALWAYS, berlin(2026, 1, 12, 23, 59, 59), True, id="until-midnight"),
    ],
)
def test_is_business_time(calendar: BusinessCalendar, at: datetime, expected: bool) -> None:
    assert is_business_time(calendar, at) is expected


def test_json_round_trip_and_normalisation() -> None:
    calendar = BusinessCalendar.from_json(
        timezone="Europe/Berlin",
        weekly_hours={
            "0": [["13:00", "17:00"], ["09:00", "12:00"]],
            "4": [["09:00", "12:00"], ["12:00", "15:30"]],  # touching: merged
            "5": [["22:00", "24:00"]],
            "6": [],
        },
        holidays=["2026-12-25", "2026-12-26"],
    )
    assert calendar.weekly_hours == {
        0: ((time(9), time(12)), (time(13), time(17))),
        4: ((time(9), time(15, 30)),),
        5: ((time(22), time(0)),),
    }
    assert calendar.holidays == frozenset({date(2026, 12, 25), date(2026, 12, 26)})
    assert calendar.to_json() == {
        "timezone": "Europe/Berlin",
        "weekly_hours": {
            "0": [["09:00", "12:00"], ["13:00", "17:00"]],
            "4": [["09:00", "15:30"]],
            "5": [["22:00", "24:00"]],
        },
        "holidays": ["2026-12-25", "2026-12-26"],
    }
    again = BusinessCalendar.from_json(**calendar.to_json())
    assert again == calendar
    assert hash(again) == hash(calendar)


def test_constructed_directly() -> None:
    calendar = BusinessCalendar(
        timezone="America/New_York",
        weekly_hours={0: [(time(9), time(17))]},
        holidays=frozenset({date(2026, 1, 19)}),
    )
    monday = datetime(2026, 1, 12, 9, tzinfo=ZoneInfo("America/New_York"))
    assert business_seconds(calendar, monday, monday + timedelta(days=15)) == 16 * H  # 12th and 26th


def test_naive_instants_are_rejected() -> None:
    with pytest.raises(ValueError):
        business_seconds(OFFICE, datetime(2026, 1, 12, 9), utc(2026, 1, 13))


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        pytest.param({"timezone": "Mars/Olympus_Mons"}, "timezone", "Unknown time zone",
                     id="unknown-zone"),
        pytest.param({"timezone": ""}, "timezone", "IANA", id="empty-zone"),
        pytest.param({"timezone": "../../etc/passwd"}, "timezone", "Unknown time zone",
                     id="path-as-zone"),
        pytest.param({"weekly_hours": {"0": [["17:00", "09:00"]]}}, "weeklyHours",
                     "ends before it starts", id="end-before-start"),
        pytest.param({"weekly_hours": {"0": [["09:00", "09:00"]]}}, "weeklyHours",
                     "ends before it starts", id="empty-shift"),
        pytest.param({"weekly_hours": {"0": [["09:00", "13:00"], ["12:00", "17:00"]]}},
                     "weeklyHours", "overlap", id="overlapping-shifts"),
        pytest.param({"weekly_hours": {"7": [["09:00", "17:00"]]}}, "weeklyHours", "Weekday",
                     id="weekday-7"),
        pytest.param({"weekly_hours": {"monday": [["09:00", "17:00"]]}}, "weeklyHours",
                     "Weekday", id="weekday-name"),
        pytest.param({"weekly_hours": {"0": [["9am", "17:00"]]}}, "weeklyHours",
                     "not a time", id="bad-time"),
        pytest.param({"weekly_hours": {"0": [["24:00", "24:00"]]}}, "weeklyHours",
                     "not a time", id="24:00-as-start"),
        pytest.param({"weekly_hours": {"0": [["09:00"]]}}, "weeklyHours", "pair",
                     id="half-a-shift"),
        pytest.param({"weekly_hours": {"0": "09:00-17:00"}}, "weeklyHours", "list",
                     id="shift-as-string"),
        pytest.param({"weekly_hours": [["09:00", "17:00"]]}, "weeklyHours", "map",
                     id="not-a-mapping"),
        pytest.param({"weekly_hours": {}}, "weeklyHours", "at least one shift", id="no-hours"),
        pytest.param({"weekly_hours": {"0": []}}, "weeklyHours", "at least one shift",
                     id="only-empty-days"),
        pytest.param({"holidays": ["2026-13-01"]}, "holidays", "not a date", id="bad-holiday"),
        pytest.param({"holidays": "2026-12-25"}, "holidays", "list", id="holidays-as-string"),
    ],
)
def test_invalid_calendars(kwargs: dict[str, object], field: str, message: str) -> None:
    arguments: dict[str, object] = {
        "timezone": "Europe/Berlin",
        "weekly_hours": WEEKDAYS_9_TO_5,
        "holidays": [],
    }
    arguments.update(kwargs)
    with pytest.raises(BadUserInput) as raised:
        BusinessCalendar.from_json(**arguments)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert message in raised.value.message


@pytest.mark.parametrize(
    ("weekly_hours", "message"),
    [
        pytest.param({0: [(time(17), time(9))]}, "ends before it starts", id="end-before-start"),
        pytest.param({0: [(time(9), time(13)), (time(12), time(17))]}, "overlap", id="overlap"),
        pytest.param({True: [(time(9), time(17))]}, "Weekday", id="bool-weekday"),
        pytest.param({0: [("09:00", "17:00")]}, "two times", id="strings-not-times"),
        pytest.param({0: [(time(9, tzinfo=UTC), time(17))]}, "without a time zone",
                     id="aware-time"),
    ],
)
def test_invalid_direct_construction(weekly_hours: dict[int, list[tuple[object, object]]],
                                     message: str) -> None:
    with pytest.raises(BadUserInput, match=message):
        BusinessCalendar(timezone="UTC", weekly_hours=weekly_hours)  # type: ignore[arg-type]
