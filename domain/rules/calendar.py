"""Business calendars: weekly hours, holidays and an IANA time zone. Pure: instants are arguments.

Meaning of business time: an instant is business time when the wall clock of the calendar's
time zone shows a weekday time inside one of that weekday's shifts and the local date is not a
holiday. Shifts are half-open, `[start, end)`; an end of 00:00 (written "24:00" in JSON) means
midnight at the end of the day. Overnight shifts are written as two shifts on two days.

Daylight saving time follows from that definition: on a spring-forward day the local hours that
do not exist are not business time (a 01:00-04:00 shift in Europe/Berlin lasts two hours), on a
fall-back day the repeated local hour counts twice (the same shift lasts four hours), and a
09:00-17:00 day is eight hours long on either change day, only shifted in UTC.

`calendar=None` everywhere means 24/7: business time is wall time.

The arithmetic walks the calendar a day at a time (never per second or minute), so its cost is
proportional to the number of days spanned.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import BadUserInput

DAY = timedelta(days=1)
ZERO = timedelta(0)
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)
_MIDNIGHT = time(0, 0)
END_OF_DAY_JSON = "24:00"

# An unbounded search (add_business_time) gives up after this long without any business time:
# only a calendar whose holidays cover years can get there.
_MAX_IDLE = timedelta(days=3660)

Shift = tuple[time, time]


def _seconds_of_day(value: time) -> timedelta:
    return timedelta(
        hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
    )


def _end_of_shift(value: time) -> timedelta:
    """An end of 00:00 is midnight at the end of the day."""
    return DAY if value == _MIDNIGHT else _seconds_of_day(value)


def _format_time(value: time) -> str:
    if value.second or value.microsecond:
        return value.isoformat()
    return value.strftime("%H:%M")


def _load_zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise BadUserInput("timezone must be an IANA time zone name such as Europe/Berlin.",
                           field="timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadUserInput(
            f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin.", field="timezone"
        ) from None


def _utc(value: datetime, name: str = "instant") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly hours per weekday (Monday is 0), holidays (local dates) and an IANA time zone.

    Shifts are normalised on construction: sorted, touching shifts merged, weekdays without
    shifts left out. Invalid input raises `BadUserInput`.
    """

    timezone: str
    weekly_hours: Mapping[int, Sequence[Shift]]
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _spans: tuple[tuple[tuple[timedelta, timedelta], ...], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        zone = _load_zone(self.timezone)
        normalized: dict[int, tuple[Shift, ...]] = {}
        spans: list[tuple[tuple[timedelta, timedelta], ...]] = [() for _ in range(7)]
        for weekday, shifts in self.weekly_hours.items():
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise BadUserInput(
                    f"Weekday {weekday!r} is not valid: use 0 (Monday) to 6 (Sunday).",
                    field="weeklyHours",
                )
            day_spans = _validate_shifts(weekday, shifts)
            if day_spans:
                spans[weekday] = day_spans
                normalized[weekday] = tuple(
                    (_time_of(start), _time_of(end)) for start, end in day_spans
                )
        if not normalized:
            raise BadUserInput(
                "A business calendar needs at least one shift in the week.", field="weeklyHours"
            )
        holidays = frozenset(self.holidays)
        for holiday in holidays:
            if not isinstance(holiday, date) or isinstance(holiday, datetime):
                raise BadUserInput(f"Holiday {holiday!r} is not a date.", field="holidays")
        object.__setattr__(self, "weekly_hours", dict(sorted(normalized.items())))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_spans", tuple(spans))

    def __hash__(self) -> int:
        return hash((self.timezone, tuple(self.weekly_hours.items()), self.holidays))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def shifts_on(self, day: date) -> tuple[tuple[timedelta, timedelta], ...]:
        """The business spans of a local date as offsets from local midnight (none on holidays)."""
        if day in self.holidays:
            return ()
        return self._spans[day.weekday()]

    # --- JSON, in the shape the BusinessCalendar table stores ---------------------------------

    @classmethod
    def from_json(
        cls, *, timezone: str, weekly_hours: Mapping[str, Any], holidays: Iterable[Any] = ()
    ) -> "BusinessCalendar":
        """`weekly_hours` like `{"0": [["09:00", "12:00"], ["13:00", "17:00"]]}`, Monday "0";
        `holidays` like `["2026-12-25"]`. An end of "24:00" means the end of the day."""
        if not isinstance(weekly_hours, Mapping):
            raise BadUserInput(
                'weeklyHours must map weekdays to shifts, e.g. {"0": [["09:00", "17:00"]]}.',
                field="weeklyHours",
            )
        parsed: dict[int, list[Shift]] = {}
        for key, shifts in weekly_hours.items():
            weekday = _parse_weekday(key)
            if not isinstance(shifts, list | tuple):
                raise BadUserInput(
                    f"The shifts of weekday {key} must be a list of [start, end] pairs.",
                    field="weeklyHours",
                )
            day: list[Shift] = []
            for shift in shifts:
                if not isinstance(shift, list | tuple) or len(shift) != 2:
                    raise BadUserInput(
                        f"Shift {shift!r} of weekday {key} must be a [start, end] pair.",
                        field="weeklyHours",
                    )
                day.append((_parse_time(shift[0], end=False), _parse_time(shift[1], end=True)))
            if weekday in parsed:
                raise BadUserInput(f"Weekday {weekday} is given twice.", field="weeklyHours")
            parsed[weekday] = day
        if isinstance(holidays, str | bytes) or not isinstance(holidays, Iterable):
            raise BadUserInput('holidays must be a list of dates like "2026-12-25".',
                               field="holidays")
        return cls(
            timezone=timezone,
            weekly_hours=parsed,
            holidays=frozenset(_parse_date(value) for value in holidays),
        )

    def weekly_hours_json(self) -> dict[str, list[list[str]]]:
        return {
            str(weekday): [
                [_format_time(start), END_OF_DAY_JSON if end == _MIDNIGHT else _format_time(end)]
                for start, end in shifts
            ]
            for weekday, shifts in self.weekly_hours.items()
        }

    def holidays_json(self) -> list[str]:
        return sorted(day.isoformat() for day in self.holidays)

    def to_json(self) -> dict[str, Any]:
        """`BusinessCalendar.from_json(**calendar.to_json())` gives the calendar back."""
        return {
            "timezone": self.timezone,
            "weekly_hours": self.weekly_hours_json(),
            "holidays": self.holidays_json(),
        }


def _time_of(offset: timedelta) -> time:
    if offset >= DAY:
        return _MIDNIGHT
    return (datetime.min + offset).time()


def _validate_shifts(
    weekday: int, shifts: Sequence[Shift]
) -> tuple[tuple[timedelta, timedelta], ...]:
    spans: list[tuple[timedelta, timedelta]] = []
    for shift in shifts:
        if not isinstance(shift, tuple | list) or len(shift) != 2:
            raise BadUserInput(f"Shift {shift!r} of weekday {weekday} must be a (start, end) pair.",
                               field="weeklyHours")
        start, end = shift
        if not isinstance(start, time) or not isinstance(end, time):
            raise BadUserInput(f"Shift {shift!r} of weekday {weekday} must hold two times.",
                               field="weeklyHours")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise BadUserInput("Shift times are local wall-clock times, without a time zone.",
                               field="weeklyHours")
        begin, finish = _seconds_of_day(start), _end_of_shift(end)
        if finish <= begin:
            raise BadUserInput(
                f"Shift {_format_time(start)}-{_format_time(end)} of weekday {weekday} ends "
                "before it starts; split a shift over midnight into two days.",
                field="weeklyHours",
            )
        spans.append((begin, finish))
    spans.sort()
    merged: list[tuple[timedelta, timedelta]] = []
    for begin, finish in spans:
        if merged and begin < merged[-1][1]:
            raise BadUserInput(
                f"Shifts of weekday {weekday} overlap around {_format_time(_time_of(begin))}.",
                field="weeklyHours",
            )
        if merged and begin == merged[-1][1]:
            merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))
    return tuple(merged)


def _parse_weekday(key: Any) -> int:
    text = str(key).strip()
    if isinstance(key, bool) or not text.isdigit() or not 0 <= int(text) <= 6:
        raise BadUserInput(f"Weekday {key!r} is not valid: use 0 (Monday) to 6 (Sunday).",
                           field="weeklyHours")
    return int(text)


def _parse_time(value: Any, *, end: bool) -> time:
    if isinstance(value, str):
        text = value.strip()
        if end and text in (END_OF_DAY_JSON, "24:00:00"):
            return _MIDNIGHT
        try:
            parsed = time.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None and len(text) >= 5:
            return parsed
    raise BadUserInput(f"{value!r} is not a time like 09:00.", field="weeklyHours")


def _parse_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadUserInput(f"Holiday {value!r} is not a date like 2026-12-25.", field="holidays")


# --- arithmetic ---------------------------------------------------------------------------------


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _next_transition(zone: ZoneInfo, low: datetime, high: datetime, offset: timedelta) -> datetime:
    """The first instant in (low, high] whose UTC offset differs from `offset` (one exists)."""
    while high - low > _MICROSECOND:
        middle = low + (high - low) // 2
        if _offset(zone, middle) == offset:
            low = middle
        else:
            high = middle
    return high


def _raw_intervals(
    calendar: BusinessCalendar, start: datetime, end: datetime | None
) -> Iterator[tuple[datetime, datetime]]:
    """Business intervals (UTC, ordered, disjoint, maybe touching) within [start, end).

    Walks UTC pieces of at most a day over which the zone's offset is constant; within a piece
    local wall time is UTC plus that offset, so each local day's shifts map to one interval.
    """
    zone = calendar.zone
    cursor = start
    last_found = start
    while end is None or cursor < end:
        piece_end = cursor + DAY
        if end is not None and piece_end > end:
            piece_end = end
        offset = _offset(zone, cursor)
        if _offset(zone, piece_end) != offset:
            piece_end = _next_transition(zone, cursor, piece_end, offset)
        local_start = (cursor + offset).replace(tzinfo=None)
        local_end = (piece_end + offset).replace(tzinfo=None)
        day = local_start.date()
        midnight = datetime.combine(day, _MIDNIGHT)
        while midnight < local_end:
            for begin, finish in calendar.shifts_on(day):
                low = max(midnight + begin, local_start)
                high = min(midnight + finish, local_end)
                if low < high:
                    last_found = piece_end
                    yield (low - offset).replace(tzinfo=UTC), (high - offset).replace(tzinfo=UTC)
            day += DAY
            midnight += DAY
        cursor = piece_end
        if end is None and cursor - last_found > _MAX_IDLE:
            raise BadUserInput(
                f"The calendar has no business hours within {_MAX_IDLE.days} days after "
                f"{last_found.isoformat()}.",
                field="holidays",
            )


def business_intervals(
    calendar: BusinessCalendar | None, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The business intervals within [start, end), in UTC, ordered, touching ones merged."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return
    if calendar is None:
        yield start, end
        return
    pending: tuple[datetime, datetime] | None = None
    for low, high in _raw_intervals(calendar, start, end):
        if pending is not None and pending[1] == low:
            pending = (pending[0], high)
            continue
        if pending is not None:
            yield pending
        pending = (low, high)
    if pending is not None:
        yield pending


def business_time(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> timedelta:
    """Exact business time between two instants; zero when `end` is not after `start`."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return ZERO
    if calendar is None:
        return end - start
    total = ZERO
    for low, high in _raw_intervals(calendar, start, end):
        total += high - low
    return total


def business_seconds(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> int:
    """Whole business seconds between two instants (rounded down)."""
    return business_time(calendar, start, end) // _SECOND


def add_business_time(
    calendar: BusinessCalendar | None, start: datetime, amount: timedelta
) -> datetime:
    """The earliest instant at which `amount` of business time has elapsed since `start`.

    The inverse of `business_time`: `business_time(c, a, add_business_time(c, a, n)) == n`.
    A zero amount gives `start` itself.
    """
    start = _utc(start, "start")
    if amount < ZERO:
        raise ValueError(f"amount must not be negative, got {amount}")
    if amount == ZERO:
        return start
    if calendar is None:
        return start + amount
    remaining = amount
    for low, high in _raw_intervals(calendar, start, None):
        if remaining <= high - low:
            return low + remaining
        remaining -= high - low
    raise AssertionError("unreachable: the interval search is unbounded")  # pragma: no cover


def add_business_seconds(
    calendar: BusinessCalendar | None, start: datetime, seconds: int
) -> datetime:
    return add_business_time(calendar, start, timedelta(seconds=seconds))


def next_business_moment(calendar: BusinessCalendar | None, at: datetime) -> datetime:
    """`at` itself during business hours, else the next opening."""
    at = _utc(at, "at")
    if calendar is None:
        return at
    for low, _high in _raw_intervals(calendar, at, None):
        return low
    raise AssertionError("unreachable: the interval search is unbounded")  # pragma: no cover


def is_business_time(calendar: BusinessCalendar | None, at: datetime) -> bool:
    """Whether the calendar's wall clock at `at` shows business hours (see the module doc)."""
    at = _utc(at, "at")
    if calendar is None:
        return True
    local = at.astimezone(calendar.zone).replace(tzinfo=None)
    since_midnight = local - datetime.combine(local.date(), _MIDNIGHT)
    return any(
        begin <= since_midnight < finish for begin, finish in calendar.shifts_on(local.date())
    )
