"""The SLA clock: from a ticket's history, where each target stands at `now`. Pure.

Inputs
  A ticket's history is a list of `Segment`s: from its `start` until the next segment's start
  (the last one until `now`) the ticket had that status, wait reason and priority. The first
  segment is taken to start at `createdAt`. `segments_from_changes` builds the list from the
  ticket's initial state and its logged changes.

  The policy terms come per priority (`Mapping[Priority, SlaTerms]`, or one `SlaTerms` for all):
  a priority change re-applies the new priority's policy. A priority without terms in the
  mapping is measured with the terms of the current priority, which must be present.

Rules
  * First response runs from `createdAt` until `firstRespondedAt` (the first public agent reply).
    A ticket resolved before any reply meets its first-response target at that resolution, and
    a reopen does not restart it.
  * Resolution runs from `createdAt` until the ticket is RESOLVED (or CLOSED). A reopen resumes
    it where it stopped: counted time is kept.
  * Only counted time moves a clock. Time does not count while the ticket is WAITING for one of
    the target's pause reasons (by default all three pause both targets; a policy may pause each
    target for its own reasons), nor outside the business hours of the calendar of the policy in
    force at that time. Time WAITING for any other reason counts.
  * At every instant the target in force is the one of the priority in force. A target is
    BREACHED at the first instant its counted time reaches the target in force, provided that
    instant is strictly before the clock stopped and strictly before `now` ("passing the due
    time"). A priority change whose target is already used up breaches at the change itself.
    BREACHED is for good: a later reply, resolution or downgrade does not undo it.
  * Warn thresholds work the same way: threshold p% is crossed at the first instant counted time
    reaches p% of the target in force. Each percent is crossed once per target (the instant is
    kept even if a downgrade later puts the ticket back below it). Thresholds reached at or after
    the breach instant are not recorded: the breach alert supersedes them.
  * A target met exactly at its due instant is on time.

Outputs (`SlaTargetStatus`)
  * state, by precedence: BREACHED (ever breached, even if met later), MET (the clock is stopped
    and was on time), PAUSED (the current segment pauses this target), NEAR_BREACH (counted time
    has reached at least one warn threshold of the target in force), RUNNING.
  * The target in force for the reported numbers is the current priority's; for a met target,
    the priority in force when it was met (a met target's numbers are frozen when it stops).
  * elapsed: counted time. remaining = target - elapsed, negative once breached past due.
  * met_at: when the clock stopped (reply or resolution); also reported for a target that was
    met after its breach (its state stays BREACHED). After a reopen, resolution's met_at is None
    until the next resolution.
  * due_at: None exactly while PAUSED; for BREACHED the instant of the breach; for MET the
    instant the target would have been reached had the clock kept counting from met_at (so the
    margin is visible); else the instant the target will be reached if nothing changes.
  * next_alert_at: for RUNNING/NEAR_BREACH, the earliest future instant at which a not yet
    crossed threshold of the target in force or the due time is reached if nothing changes;
    None while paused, met or breached.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from domain.enums import EventKind, Priority, TicketStatus, WaitReason
from domain.errors import BadUserInput
from domain.rules.calendar import (
    ZERO,
    BusinessCalendar,
    add_business_time,
    business_intervals,
    business_time,
)

_SECOND = timedelta(seconds=1)


class SlaState(StrEnum):
    RUNNING = "RUNNING"
    NEAR_BREACH = "NEAR_BREACH"
    BREACHED = "BREACHED"
    PAUSED = "PAUSED"
    MET = "MET"


# How urgent a state is when a ticket's targets are summed up into one state.
_STATE_RANK = {
    SlaState.MET: 0,
    SlaState.PAUSED: 1,
    SlaState.RUNNING: 2,
    SlaState.NEAR_BREACH: 3,
    SlaState.BREACHED: 4,
}


class SlaTargetKind(StrEnum):
    FIRST_RESPONSE = "FIRST_RESPONSE"
    RESOLUTION = "RESOLUTION"


class TimelineReason(StrEnum):
    COUNTING = "COUNTING"
    PAUSED = "PAUSED"  # waiting for a reason the policy pauses for; the interval has the reason
    OUTSIDE_BUSINESS_HOURS = "OUTSIDE_BUSINESS_HOURS"
    STOPPED = "STOPPED"  # the target is met: replied (first response), resolved or closed


ALL_WAIT_REASONS: frozenset[WaitReason] = frozenset(WaitReason)
STOPPED_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
MAX_TARGET_SECONDS = 10 * 365 * 86_400  # ten years; the arithmetic walks the calendar by day


# --- policy terms -------------------------------------------------------------------------------


def _target_seconds(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadUserInput(f"{field} must be a whole number of seconds.", field=field)
    if not 1 <= value <= MAX_TARGET_SECONDS:
        raise BadUserInput(
            f"{field} must be between 1 second and {MAX_TARGET_SECONDS} seconds (ten years).",
            field=field,
        )
    return value


def _wait_reasons(values: Any, field: str) -> frozenset[WaitReason]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise BadUserInput(f"{field} must be a list of wait reasons.", field=field)
    reasons = set()
    for value in values:
        try:
            reasons.add(WaitReason(value))
        except ValueError:
            raise BadUserInput(
                f"{value!r} is not a wait reason; use "
                f"{', '.join(reason.value for reason in WaitReason)}.",
                field=field,
            ) from None
    return frozenset(reasons)


@dataclass(frozen=True)
class SlaTerms:
    """The timing terms of one SLA policy. Invalid values raise `BadUserInput`.

    `pause_reasons` pause both targets unless a target has its own `*_pause_reasons`.
    """

    first_response_seconds: int
    resolution_seconds: int
    warn_at_percent: tuple[int, ...] = ()
    pause_reasons: frozenset[WaitReason] = ALL_WAIT_REASONS
    first_response_pause_reasons: frozenset[WaitReason] | None = None
    resolution_pause_reasons: frozenset[WaitReason] | None = None
    calendar: BusinessCalendar | None = None

    def __post_init__(self) -> None:
        _target_seconds(self.first_response_seconds, "firstResponseSeconds")
        _target_seconds(self.resolution_seconds, "resolutionSeconds")
        if isinstance(self.warn_at_percent, str | bytes) or not isinstance(
            self.warn_at_percent, Iterable
        ):
            raise BadUserInput("warnAtPercent must be a list of percentages.",
                               field="warnAtPercent")
        percents = list(self.warn_at_percent)
        for percent in percents:
            if isinstance(percent, bool) or not isinstance(percent, int) or not 0 < percent < 100:
                raise BadUserInput(
                    f"warnAtPercent values must be whole numbers from 1 to 99, not {percent!r}.",
                    field="warnAtPercent",
                )
        if len(set(percents)) != len(percents):
            raise BadUserInput("warnAtPercent lists a percentage twice.", field="warnAtPercent")
        object.__setattr__(self, "warn_at_percent", tuple(sorted(percents)))
        object.__setattr__(self, "pause_reasons", _wait_reasons(self.pause_reasons, "pauseReasons"))
        for name in ("first_response_pause_reasons", "resolution_pause_reasons"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _wait_reasons(value, "pauseReasons"))
        if self.calendar is not None and not isinstance(self.calendar, BusinessCalendar):
            raise BadUserInput("calendar must be a business calendar or none (24/7).",
                               field="calendar")

    def target_seconds(self, kind: SlaTargetKind) -> int:
        if kind is SlaTargetKind.FIRST_RESPONSE:
            return self.first_response_seconds
        return self.resolution_seconds

    def target(self, kind: SlaTargetKind) -> timedelta:
        return timedelta(seconds=self.target_seconds(kind))

    def warn_level(self, kind: SlaTargetKind, percent: int) -> timedelta:
        """`percent`% of the target, exact to the microsecond."""
        return timedelta(microseconds=self.target_seconds(kind) * percent * 10_000)

    def pause_reasons_for(self, kind: SlaTargetKind) -> frozenset[WaitReason]:
        own = (
            self.first_response_pause_reasons
            if kind is SlaTargetKind.FIRST_RESPONSE
            else self.resolution_pause_reasons
        )
        return self.pause_reasons if own is None else own

    def pauses(
        self, kind: SlaTargetKind, status: TicketStatus, wait_reason: WaitReason | None
    ) -> bool:
        return (
            status is TicketStatus.WAITING
            and wait_reason is not None
            and wait_reason in self.pause_reasons_for(kind)
        )

    @classmethod
    def from_json(
        cls,
        *,
        first_response_seconds: int,
        resolution_seconds: int,
        warn_at_percent: Any = (),
        pause_reasons: Any = None,
        calendar: BusinessCalendar | None = None,
    ) -> "SlaTerms":
        """From the columns of the SlaPolicy table.

        `pause_reasons`: null for the default (all three pause both targets), a list such as
        `["CUSTOMER"]` for both targets (an empty list pauses nothing), or per target
        `{"firstResponse": [...], "resolution": [...]}` (a missing key means all three).
        """
        if warn_at_percent is None:
            warn_at_percent = ()
        if pause_reasons is None:
            return cls(first_response_seconds, resolution_seconds, warn_at_percent,
                       calendar=calendar)
        if isinstance(pause_reasons, Mapping):
            unknown = sorted(set(pause_reasons) - {"firstResponse", "resolution"})
            if unknown:
                raise BadUserInput(
                    f"pauseReasons has an unknown target {unknown[0]!r}; use firstResponse "
                    "and resolution.",
                    field="pauseReasons",
                )
            first = pause_reasons.get("firstResponse")
            resolution = pause_reasons.get("resolution")
            return cls(
                first_response_seconds,
                resolution_seconds,
                warn_at_percent,
                first_response_pause_reasons=(
                    None if first is None else _wait_reasons(first, "pauseReasons")
                ),
                resolution_pause_reasons=(
                    None if resolution is None else _wait_reasons(resolution, "pauseReasons")
                ),
                calendar=calendar,
            )
        return cls(
            first_response_seconds,
            resolution_seconds,
            warn_at_percent,
            pause_reasons=_wait_reasons(pause_reasons, "pauseReasons"),
            calendar=calendar,
        )

    def pause_reasons_json(self) -> list[str] | dict[str, list[str]]:
        """What `from_json` reads back."""
        if self.first_response_pause_reasons is None and self.resolution_pause_reasons is None:
            return sorted(reason.value for reason in self.pause_reasons)
        return {
            "firstResponse": sorted(
                r.value for r in self.pause_reasons_for(SlaTargetKind.FIRST_RESPONSE)
            ),
            "resolution": sorted(r.value for r in self.pause_reasons_for(SlaTargetKind.RESOLUTION)),
        }


# --- history ------------------------------------------------------------------------------------


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value


def _utc(value: datetime, name: str) -> datetime:
    return _aware(value, name).astimezone(UTC)


@dataclass(frozen=True)
class Segment:
    """From `start` until the next segment's start the ticket was in this state."""

    start: datetime
    status: TicketStatus
    wait_reason: WaitReason | None
    priority: Priority

    def __post_init__(self) -> None:
        _aware(self.start, "Segment.start")
        if self.status is TicketStatus.WAITING and self.wait_reason is None:
            raise ValueError("a WAITING segment needs its wait reason")
        if self.status is not TicketStatus.WAITING and self.wait_reason is not None:
            object.__setattr__(self, "wait_reason", None)


@dataclass(frozen=True)
class StateChange:
    """One logged change: a new status (with its wait reason), a new wait reason, a priority."""

    at: datetime
    status: TicketStatus | None = None
    wait_reason: WaitReason | None = None
    priority: Priority | None = None


def segments_from_changes(
    *,
    created_at: datetime,
    priority: Priority,
    status: TicketStatus = TicketStatus.NEW,
    wait_reason: WaitReason | None = None,
    changes: Iterable[StateChange] = (),
) -> list[Segment]:
    """The segments of a ticket created in the given state and changed as logged.

    Changes are applied in time order (ties in the given order); changes at the same instant
    make one segment, and a change that alters nothing makes none.
    """
    segments = [Segment(created_at, status, wait_reason, priority)]
    for change in sorted(changes, key=lambda item: _aware(item.at, "StateChange.at")):
        current = segments[-1]
        new_status, new_reason = current.status, current.wait_reason
        if change.status is not None:
            new_status, new_reason = change.status, change.wait_reason
        elif change.wait_reason is not None:
            new_reason = change.wait_reason
        if new_status is not TicketStatus.WAITING:
            new_reason = None
        new_priority = change.priority if change.priority is not None else current.priority
        at = max(change.at, created_at)
        following = Segment(at, new_status, new_reason, new_priority)
        if at == current.start:
            segments[-1] = following
        elif (new_status, new_reason, new_priority) != (
            current.status, current.wait_reason, current.priority
        ):
            segments.append(following)
    return _drop_repeats(segments)


def _drop_repeats(segments: list[Segment]) -> list[Segment]:
    kept: list[Segment] = []
    for segment in segments:
        if kept and (segment.status, segment.wait_reason, segment.priority) == (
            kept[-1].status, kept[-1].wait_reason, kept[-1].priority
        ):
            continue
        kept.append(segment)
    return kept


@dataclass(frozen=True)
class _Window:
    start: datetime
    end: datetime
    segment: Segment
    stopped: bool


@dataclass(frozen=True)
class _History:
    created_at: datetime
    now: datetime  # never before created_at
    segments: tuple[Segment, ...]
    starts: tuple[datetime, ...]  # effective starts: the first is created_at
    current: Segment  # the segment in force at `now`
    current_index: int
    first_response_stop: datetime | None  # first reply or first resolution, whichever first


def _history(
    segments: Sequence[Segment],
    created_at: datetime,
    first_responded_at: datetime | None,
    now: datetime,
) -> _History:
    if not segments:
        raise ValueError("an SLA clock needs at least one segment")
    created_at = _utc(created_at, "created_at")
    now = _utc(now, "now")
    for earlier, later in pairwise(segments):
        if later.start < earlier.start:
            raise ValueError("segments must be in time order")
    now = max(now, created_at)
    starts = [created_at] + [max(_utc(s.start, "start"), created_at) for s in segments[1:]]
    current_index = 0
    for index, start in enumerate(starts):
        if start <= now:
            current_index = index
    stop: datetime | None = None
    if first_responded_at is not None:
        stop = max(_utc(first_responded_at, "first_responded_at"), created_at)
    for segment, start in zip(segments, starts, strict=True):
        if segment.status in STOPPED_STATUSES:
            stop = start if stop is None else min(stop, start)
            break
    return _History(
        created_at=created_at,
        now=now,
        segments=tuple(segments),
        starts=tuple(starts),
        current=segments[current_index],
        current_index=current_index,
        first_response_stop=stop,
    )


def _windows(history: _History, kind: SlaTargetKind) -> list[_Window]:
    """The history cut into windows up to `now`, each with the state in force."""
    windows: list[_Window] = []
    stop = history.first_response_stop if kind is SlaTargetKind.FIRST_RESPONSE else None
    count = len(history.segments)
    for index, segment in enumerate(history.segments):
        start = history.starts[index]
        end = history.starts[index + 1] if index + 1 < count else history.now
        end = min(end, history.now)
        pieces = [(start, end)]
        if stop is not None and start < stop < end:
            pieces = [(start, stop), (stop, end)]
        for low, high in pieces:
            if low >= high:
                continue
            if kind is SlaTargetKind.FIRST_RESPONSE:
                stopped = stop is not None and low >= stop
            else:
                stopped = segment.status in STOPPED_STATUSES
            windows.append(_Window(low, high, segment, stopped))
    return windows


def _met_at(history: _History, kind: SlaTargetKind) -> datetime | None:
    if kind is SlaTargetKind.FIRST_RESPONSE:
        stop = history.first_response_stop
        return stop if stop is not None and stop <= history.now else None
    if history.current.status not in STOPPED_STATUSES:
        return None
    index = history.current_index
    while index > 0 and history.segments[index - 1].status in STOPPED_STATUSES:
        index -= 1
    return history.starts[index]


class _Lookup:
    def __init__(self, terms: "SlaTerms | Mapping[Priority, SlaTerms]", current: Priority) -> None:
        if isinstance(terms, SlaTerms):
            self._single: SlaTerms | None = terms
            self._by_priority: Mapping[Priority, SlaTerms] = {}
            return
        if current not in terms:
            raise ValueError(f"no SLA terms for the current priority {current.name}")
        self._single = None
        self._by_priority = terms
        self._fallback = terms[current]

    def __call__(self, priority: Priority) -> SlaTerms:
        if self._single is not None:
            return self._single
        return self._by_priority.get(priority, self._fallback)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdCrossing:
    percent: int
    at: datetime


@dataclass(frozen=True)
class SlaAlert:
    """One alert the ticket's history calls for; `dedupe_key` is unique per ticket."""

    target: SlaTargetKind
    kind: EventKind  # SLA_NEAR_BREACH or SLA_BREACHED
    at: datetime
    percent: int | None  # the threshold of a near-breach alert

    @property
    def dedupe_key(self) -> str:
        suffix = "BREACHED" if self.percent is None else f"NEAR_BREACH:{self.percent}"
        return f"sla:{self.target.value}:{suffix}"


@dataclass(frozen=True)
class SlaTargetStatus:
    kind: SlaTargetKind
    state: SlaState
    priority: Priority  # whose policy is in force for the numbers below
    target_seconds: int
    elapsed: timedelta  # counted time, exact
    due_at: datetime | None
    breached_at: datetime | None
    met_at: datetime | None
    crossed: tuple[ThresholdCrossing, ...]  # in time order
    next_alert_at: datetime | None

    @property
    def elapsed_seconds(self) -> int:
        return self.elapsed // _SECOND

    @property
    def remaining_seconds(self) -> int:
        return self.target_seconds - self.elapsed_seconds

    def alerts(self) -> list[SlaAlert]:
        alerts = [
            SlaAlert(self.kind, EventKind.SLA_NEAR_BREACH, item.at, item.percent)
            for item in self.crossed
        ]
        if self.breached_at is not None:
            alerts.append(SlaAlert(self.kind, EventKind.SLA_BREACHED, self.breached_at, None))
        return alerts


@dataclass(frozen=True)
class TicketSlaStatus:
    first_response: SlaTargetStatus
    resolution: SlaTargetStatus

    @property
    def targets(self) -> tuple[SlaTargetStatus, SlaTargetStatus]:
        return self.first_response, self.resolution

    @property
    def state(self) -> SlaState:
        """The most urgent of the two: BREACHED > NEAR_BREACH > RUNNING > PAUSED > MET."""
        return max((target.state for target in self.targets), key=_STATE_RANK.__getitem__)

    @property
    def next_alert_at(self) -> datetime | None:
        moments = [t.next_alert_at for t in self.targets if t.next_alert_at is not None]
        return min(moments, default=None)

    @property
    def next_due_at(self) -> datetime | None:
        """The earliest due time of a target still running (for sorting work by urgency)."""
        moments = [
            t.due_at
            for t in self.targets
            if t.due_at is not None and t.state is not SlaState.MET
        ]
        return min(moments, default=None)

    def alerts(self) -> list[SlaAlert]:
        """Every alert crossed so far, oldest first: the caller writes each once by dedupe key."""
        return sorted(
            (*self.first_response.alerts(), *self.resolution.alerts()), key=lambda a: a.at
        )


# --- the clock ----------------------------------------------------------------------------------


def _reached_at(
    window: _Window,
    calendar: BusinessCalendar | None,
    counting: bool,
    span: timedelta,
    elapsed: timedelta,
    level: timedelta,
) -> datetime | None:
    """When within the window counted time reaches `level`, if strictly before its end."""
    needed = level - elapsed
    if needed <= ZERO:
        return window.start
    if not counting or needed > span:
        return None
    instant = add_business_time(calendar, window.start, needed)
    return instant if instant < window.end else None


def _measure_target(
    history: _History, kind: SlaTargetKind, lookup: _Lookup
) -> SlaTargetStatus:
    elapsed = ZERO
    crossings: dict[int, datetime] = {}
    breached_at: datetime | None = None
    in_force = history.current
    for window in _windows(history, kind):
        if window.stopped:
            continue
        segment = window.segment
        in_force = segment
        terms = lookup(segment.priority)
        counting = not terms.pauses(kind, segment.status, segment.wait_reason)
        span = business_time(terms.calendar, window.start, window.end) if counting else ZERO
        if breached_at is None:
            breached_at = _reached_at(
                window, terms.calendar, counting, span, elapsed, terms.target(kind)
            )
            for percent in terms.warn_at_percent:
                if percent in crossings:
                    continue
                level = terms.warn_level(kind, percent)
                at = _reached_at(window, terms.calendar, counting, span, elapsed, level)
                if at is not None and (breached_at is None or at < breached_at):
                    crossings[percent] = at
        elapsed += span

    met_at = _met_at(history, kind)
    if met_at is None:
        in_force = history.current
    terms = lookup(in_force.priority)
    target = terms.target(kind)
    remaining = max(target - elapsed, ZERO)
    calendar = terms.calendar
    due_at: datetime | None
    next_alert_at: datetime | None = None
    if breached_at is not None:
        state, due_at = SlaState.BREACHED, breached_at
    elif met_at is not None:
        state, due_at = SlaState.MET, add_business_time(calendar, met_at, remaining)
    elif terms.pauses(kind, history.current.status, history.current.wait_reason):
        state, due_at = SlaState.PAUSED, None
    else:
        near = any(
            percent in crossings and elapsed >= terms.warn_level(kind, percent)
            for percent in terms.warn_at_percent
        )
        state = SlaState.NEAR_BREACH if near else SlaState.RUNNING
        due_at = add_business_time(calendar, history.now, remaining)
        pending = [
            terms.warn_level(kind, percent)
            for percent in terms.warn_at_percent
            if percent not in crossings
        ]
        nearest = min([*pending, target])
        next_alert_at = add_business_time(calendar, history.now, max(nearest - elapsed, ZERO))
    return SlaTargetStatus(
        kind=kind,
        state=state,
        priority=in_force.priority,
        target_seconds=terms.target_seconds(kind),
        elapsed=elapsed,
        due_at=due_at,
        breached_at=breached_at,
        met_at=met_at,
        crossed=tuple(
            ThresholdCrossing(percent, at)
            for percent, at in sorted(crossings.items(), key=lambda item: (item[1], item[0]))
        ),
        next_alert_at=next_alert_at,
    )


def compute_sla(
    *,
    segments: Sequence[Segment],
    created_at: datetime,
    first_responded_at: datetime | None,
    terms: SlaTerms | Mapping[Priority, SlaTerms],
    now: datetime,
) -> TicketSlaStatus:
    """Where the first-response and resolution targets stand at `now` (see the module doc).

    `now` before `created_at` is taken as `created_at`. Raises ValueError for a malformed
    history (no segments, out of order, naive datetimes) or missing terms for the current
    priority.
    """
    history = _history(segments, created_at, first_responded_at, now)
    lookup = _Lookup(terms, history.current.priority)
    return TicketSlaStatus(
        first_response=_measure_target(history, SlaTargetKind.FIRST_RESPONSE, lookup),
        resolution=_measure_target(history, SlaTargetKind.RESOLUTION, lookup),
    )


# --- timeline -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineInterval:
    start: datetime
    end: datetime
    reason: TimelineReason
    priority: Priority
    wait_reason: WaitReason | None = None  # set for PAUSED

    @property
    def seconds(self) -> int:
        return (self.end - self.start) // _SECOND


def sla_timeline(
    *,
    segments: Sequence[Segment],
    created_at: datetime,
    first_responded_at: datetime | None,
    terms: SlaTerms | Mapping[Priority, SlaTerms],
    now: datetime,
    target: SlaTargetKind = SlaTargetKind.RESOLUTION,
) -> list[TimelineInterval]:
    """From `createdAt` to `now`, why each stretch of time did or did not count for `target`.

    Consecutive intervals with the same reason, wait reason and priority are merged; the
    COUNTING intervals add up to the target's elapsed time.
    """
    history = _history(segments, created_at, first_responded_at, now)
    lookup = _Lookup(terms, history.current.priority)
    intervals: list[TimelineInterval] = []

    def add(start: datetime, end: datetime, reason: TimelineReason, segment: Segment) -> None:
        wait_reason = segment.wait_reason if reason is TimelineReason.PAUSED else None
        if intervals:
            last = intervals[-1]
            if (last.end, last.reason, last.priority, last.wait_reason) == (
                start, reason, segment.priority, wait_reason
            ):
                intervals[-1] = TimelineInterval(
                    last.start, end, reason, segment.priority, wait_reason
                )
                return
        intervals.append(TimelineInterval(start, end, reason, segment.priority, wait_reason))

    for window in _windows(history, target):
        segment = window.segment
        terms_in_force = lookup(segment.priority)
        if window.stopped:
            add(window.start, window.end, TimelineReason.STOPPED, segment)
        elif terms_in_force.pauses(target, segment.status, segment.wait_reason):
            add(window.start, window.end, TimelineReason.PAUSED, segment)
        else:
            cursor = window.start
            for low, high in business_intervals(terms_in_force.calendar, window.start, window.end):
                if cursor < low:
                    add(cursor, low, TimelineReason.OUTSIDE_BUSINESS_HOURS, segment)
                add(low, high, TimelineReason.COUNTING, segment)
                cursor = high
            if cursor < window.end:
                add(cursor, window.end, TimelineReason.OUTSIDE_BUSINESS_HOURS, segment)
    return intervals
