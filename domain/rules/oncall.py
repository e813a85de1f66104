"""On-call: who is on call at an instant, when that may change, and whom to page in what order.

A rotation hands over every `shift`, participant 0 first at `starts_at`, then in turn order,
round and round. Shifts of whole days follow the wall clock of the rotation's time zone: a
daily 09:00 hand-over in Europe/Berlin stays at 09:00 local across daylight saving changes, so
the shift that spans a change lasts 23 or 25 hours. Shorter (or not whole-day) shifts are fixed
durations, because "every 12 hours" means elapsed time to the person holding the pager.

On a day whose hand-over wall time does not exist (the spring-forward gap) the hand-over
happens at the instant that wall time would be under the offset before the change (02:30 in
Berlin becomes 03:30 CEST); at a wall time that occurs twice it happens at the first.

Overrides replace the rotation while they last, `[starts_at, ends_at)`; when several cover an
instant the later-starting one wins (the most specific arrangement, usually the newest), and
among equal starts the one listed later. Overrides apply even outside the rotation (before it
starts or when it has nobody in it): they are explicit arrangements made by a person.

Paging walks an escalation chain one person at a time: notify, wait `ack_timeout`, notify the
next, until someone acknowledges or the chain is exhausted. `page_step` is the whole decision;
the service stores the state and calls it again at `next_check_at`.

All instants must be timezone-aware; results are in UTC.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = timedelta(days=1)
_ZERO = timedelta(0)


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Rotation:
    participants: tuple[int, ...]  # user ids in turn order; one may appear more than once
    starts_at: datetime  # aware: participant 0 takes over here
    shift: timedelta
    time_zone: str = "UTC"  # IANA; only matters for whole-day shifts

    def __post_init__(self) -> None:
        _utc(self.starts_at, "starts_at")
        if self.shift <= _ZERO:
            raise ValueError(f"shift must be positive, got {self.shift!r}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {self.time_zone!r}") from None

    @property
    def follows_wall_clock(self) -> bool:
        return self.shift % DAY == _ZERO


@dataclass(frozen=True)
class Override:
    user_id: int
    starts_at: datetime
    ends_at: datetime  # exclusive; an override that ends before it starts covers nothing

    def __post_init__(self) -> None:
        _utc(self.starts_at, "starts_at")
        _utc(self.ends_at, "ends_at")

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Schedule:
    rotation: Rotation
    overrides: tuple[Override, ...] = ()


# --- the rotation's hand-overs -------------------------------------------------------------------


def _handover(rotation: Rotation, index: int) -> datetime:
    """The instant shift number `index` starts (0 is `starts_at` exactly)."""
    start = rotation.starts_at.astimezone(UTC)
    if index == 0:
        return start
    if not rotation.follows_wall_clock:
        return start + rotation.shift * index
    zone = ZoneInfo(rotation.time_zone)
    wall = rotation.starts_at.astimezone(zone).replace(tzinfo=None) + rotation.shift * index
    # fold=0 (the default of a fresh replace) picks the first of a repeated wall time and the
    # pre-change offset for a skipped one.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _shift_index(rotation: Rotation, at: datetime) -> int | None:
    """The number of the shift containing `at` (UTC), None before the rotation starts."""
    start = rotation.starts_at.astimezone(UTC)
    if at < start:
        return None
    if not rotation.follows_wall_clock:
        return (at - start) // rotation.shift
    zone = ZoneInfo(rotation.time_zone)
    wall_at = at.astimezone(zone).replace(tzinfo=None)
    wall_start = rotation.starts_at.astimezone(zone).replace(tzinfo=None)
    # The wall-clock estimate is off by at most one shift around an offset change; the exact
    # hand-over instants settle it. Taking the last hand-over not after `at` also skips a shift
    # of zero length (a zone that dropped a whole day).
    index = max(0, (wall_at - wall_start) // rotation.shift)
    while _handover(rotation, index + 1) <= at:
        index += 1
    while index > 0 and _handover(rotation, index) > at:
        index -= 1
    return index


def _rotation_index(rotation: Rotation, at: datetime) -> int | None:
    """The position in `participants` of whoever the rotation puts on call at `at`."""
    if not rotation.participants:
        return None
    index = _shift_index(rotation, at)
    return None if index is None else index % len(rotation.participants)


def _covering_override(schedule: Schedule, at: datetime) -> Override | None:
    covering = [(o.starts_at.astimezone(UTC), n, o) for n, o in enumerate(schedule.overrides) if o.covers(at)]
    return max(covering, key=lambda c: (c[0], c[1]))[2] if covering else None


# --- public ---------------------------------------------------------------------------------------


def on_call_at(schedule: Schedule, at: datetime) -> int | None:
    """The user on call at `at`: an override's user, else the rotation's; None when neither
    (before the rotation starts, or it has no participants, and no override covers)."""
    at = _utc(at, "at")
    override = _covering_override(schedule, at)
    if override is not None:
        return override.user_id
    rotation = schedule.rotation
    index = _rotation_index(rotation, at)
    return None if index is None else rotation.participants[index]


def next_handover(schedule: Schedule, after: datetime) -> datetime | None:
    """The first instant strictly after `after` at which the on-call user may change: the next
    shift boundary or override start or end. The user may stay the same there (a one-person
    rotation, an override for whoever is on call anyway); on_call_at is constant until then.
    None when nothing is ever going to change."""
    after = _utc(after, "after")
    candidates: list[datetime] = []
    rotation = schedule.rotation
    if rotation.participants:
        index = _shift_index(rotation, after)
        candidates.append(_handover(rotation, 0 if index is None else index + 1))
    for override in schedule.overrides:
        if override.ends_at <= override.starts_at:
            continue  # covers nothing, so its edges change nothing
        for edge in (override.starts_at.astimezone(UTC), override.ends_at.astimezone(UTC)):
            if edge > after:
                candidates.append(edge)
    return min(candidates) if candidates else None


def escalation_chain(schedule: Schedule, at: datetime, *, extra: Sequence[int] = ()) -> tuple[int, ...]:
    """Whom to page, in order: whoever is on call (an override's user first), then the rotation
    from the person it has on call now, in turn order, then `extra` (e.g. the supervisors).
    Each user appears once, at their first place."""
    at = _utc(at, "at")
    order: list[int] = []
    override = _covering_override(schedule, at)
    if override is not None:
        order.append(override.user_id)
    participants = schedule.rotation.participants
    # Before the rotation starts nobody holds a turn: the chain starts with the first in turn.
    current = _rotation_index(schedule.rotation, at) or 0
    order.extend(participants[current:] + participants[:current])
    order.extend(extra)
    return tuple(dict.fromkeys(order))


@dataclass(frozen=True)
class PageState:
    chain: tuple[int, ...]
    notified: tuple[tuple[int, datetime], ...]  # (user, when), in the order they were notified
    acknowledged_by: int | None = None


@dataclass(frozen=True)
class PageStep:
    notify: int | None  # the user to notify now
    next_check_at: datetime | None  # when to call page_step again; None: the page is over
    exhausted: bool  # everyone in the chain was notified, timed out, and nobody acknowledged


def page_step(state: PageState, *, now: datetime, ack_timeout: timedelta) -> PageStep:
    """The next step of a page. When it says `notify`, the service notifies that user and
    appends `(user, now)` to `notified` (with this same `now`, so the timeout runs from there)."""
    now = _utc(now, "now")
    if ack_timeout < _ZERO:
        raise ValueError(f"ack_timeout must not be negative, got {ack_timeout!r}")
    if state.acknowledged_by is not None:
        return PageStep(notify=None, next_check_at=None, exhausted=False)
    if state.notified:
        deadline = _utc(state.notified[-1][1], "notified at") + ack_timeout
        if now < deadline:
            return PageStep(notify=None, next_check_at=deadline, exhausted=False)
    # By who has been notified rather than by count, so a chain recomputed mid-page (the
    # on-call person changed) neither pages anyone twice nor skips a newcomer.
    done = {user for user, _ in state.notified}
    following = next((user for user in state.chain if user not in done), None)
    if following is None:
        return PageStep(notify=None, next_check_at=None, exhausted=True)
    return PageStep(notify=following, next_check_at=now + ack_timeout, exhausted=False)
