"""The dashboard's definitions: which local day is "today", whose tickets a caller sees, and
what counts as pending, overdue, near breach and attained today.

Pure: the service hands in `now` and the facts it read; nothing here reads a clock or the
database. Facts outside a definition are ignored, so the service may over-fetch safely.

SLA targets are stored as they stood when last recomputed (on every change to the ticket and
when a timer fires). Between a due time or warn threshold passing and its timer running, the
stored state lags; the definitions below read the stored instants against `now`, so a figure
never waits for a timer:
- a target is *overdue* at `now` when its clock has not stopped and its due time has passed:
  stored BREACHED with no `met_at`, or stored RUNNING/NEAR_BREACH with `due_at` < `now`
  (the clock breaches strictly after the due instant). A target answered or resolved late
  stays BREACHED for good, but it is no longer owed, so it is not overdue;
- a target is *near breach* at `now` when it is not overdue, its clock runs and a warn
  threshold is reached: stored NEAR_BREACH, or stored RUNNING with `next_alert_at` <= `now`
  (the next threshold's instant has come). PAUSED and MET targets are neither.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.enums import Priority, Role, TicketStatus, WaitReason
from domain.errors import Forbidden
from domain.rules.access import Actor
from domain.rules.attainment import Attainment
from domain.rules.kpis import Move, local_day, moves_of

PENDING = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING})
# Roles that see the whole desk's figures (reporters included: figures, not tickets).
WHOLE_DESK_READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.REPORTER})
FIRST_RESPONSE = "FIRST_RESPONSE"
RESOLUTION = "RESOLUTION"
_CLOCK_RUNNING = frozenset({"RUNNING", "NEAR_BREACH"})


# --- today -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """A local calendar day as the UTC instants [start, end)."""

    day: date
    start: datetime
    end: datetime
    zone: ZoneInfo

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date in `tz` is `day`.

    Local midnight is that instant unless a DST change skips it (America/Santiago springs
    forward at 24:00): then the day begins at the transition. A repeated midnight (a fall-back
    across it) begins at its first occurrence."""
    midnight = datetime.combine(day, time())
    # fold=0 reads a skipped time with the offset before the change, which lands at or after
    # the transition; a midnight that exists reads back as itself.
    after = midnight.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if after.astimezone(tz).replace(tzinfo=None) == midnight:
        return after
    # Skipped: fold=1 lands before the transition (on the previous day); the transition lies
    # between the two readings. Search it to the second (tz transitions fall on whole seconds).
    before = int(midnight.replace(tzinfo=tz, fold=1).timestamp())
    first = int(after.timestamp())
    while first - before > 1:
        middle = (before + first) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).date() >= day:
            first = middle
        else:
            before = middle
    return datetime.fromtimestamp(first, UTC)


def today(*, now: datetime, tz: ZoneInfo) -> Day:
    """The local day in `tz` that holds `now`: [its first instant, the next day's first)."""
    day = local_day(now, tz)
    return Day(day=day, start=day_start(day, tz), end=day_start(day + timedelta(days=1), tz), zone=tz)


# --- who sees what -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The tickets the figures are over, by their current group."""

    group_ids: frozenset[int] | None  # None: the whole desk, tickets in no group included

    @property
    def empty(self) -> bool:
        return self.group_ids is not None and not self.group_ids


def scope(actor: Actor, group_id: int | None) -> Scope:
    """Admins, supervisors and reporters: the whole desk or the one group asked for. Agents:
    the groups they belong to, or one of them; another group is FORBIDDEN whether it exists
    or not, as with `queues` (an agent is not told which groups exist)."""
    if actor.role in WHOLE_DESK_READERS:
        return Scope(group_ids=None if group_id is None else frozenset({group_id}))
    if actor.role is Role.AGENT:
        if group_id is None:
            return Scope(group_ids=frozenset(actor.group_ids))
        if group_id not in actor.group_ids:
            raise Forbidden("You can see the dashboard of your own groups only.")
        return Scope(group_ids=frozenset({group_id}))
    raise Forbidden("The dashboard is for staff and reporters.")


# --- facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingGroup:
    """How many tickets share a status, wait reason and priority now, and how many of those
    have no assignee."""

    status: TicketStatus
    wait_reason: WaitReason | None
    priority: Priority
    count: int
    unassigned: int


@dataclass(frozen=True)
class TargetFact:
    """One SLA target as last recomputed, with its ticket's status now."""

    ticket_id: int
    ticket_status: TicketStatus
    kind: str  # FIRST_RESPONSE or RESOLUTION
    state: str  # RUNNING, NEAR_BREACH, PAUSED, MET, BREACHED
    due_at: datetime | None
    next_alert_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True)
class StatusChange:
    ticket_id: int
    at: datetime
    before: str | None
    after: str | None


def is_overdue(target: TargetFact, now: datetime) -> bool:
    if target.state == "BREACHED":
        return target.met_at is None
    return target.state in _CLOCK_RUNNING and target.due_at is not None and target.due_at < now


def is_near_breach(target: TargetFact, now: datetime) -> bool:
    if is_overdue(target, now):
        return False
    if target.state == "NEAR_BREACH":
        return True
    return target.state == "RUNNING" and target.next_alert_at is not None and target.next_alert_at <= now


def breached_at(target: TargetFact, now: datetime) -> datetime | None:
    """When the target breached, as of `now`: the stored instant, or the due time that passed
    before the timer ran."""
    if target.state == "BREACHED":
        return target.breached_at
    if target.state in _CLOCK_RUNNING and target.due_at is not None and target.due_at < now:
        return target.due_at
    return None


def decided_on(target: TargetFact, day: Day, now: datetime) -> str | None:
    """How the target was decided during `day`: MET when met on time then, BREACHED when it
    breached then (whether or not it was met late afterwards), else None. A resolution target met
    today and reopened since is no longer met (its clock runs again)."""
    breach = breached_at(target, now)
    if breach is not None:
        return "BREACHED" if day.holds(breach) else None
    if target.state == "MET" and target.met_at is not None and day.holds(target.met_at):
        return "MET"
    return None


# --- figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    new_today: int
    resolved_today: int
    closed_today: int
    pending: int
    waiting: int
    waiting_by_reason: tuple[tuple[WaitReason, int], ...]  # every reason, in enum order
    unassigned: int
    urgent_pending: int
    overdue: int
    near_breach: int
    first_response_today: Attainment  # pending is always 0: only decided targets count
    resolution_today: Attainment


def compute(
    *,
    day: Day,
    now: datetime,
    created_today: int,
    changes: Iterable[StatusChange],
    pending: Iterable[PendingGroup],
    targets: Iterable[TargetFact],
) -> Figures:
    """`created_today` is already counted over [day.start, day.end). `targets` may hold any
    targets, each possibly more than once (it counts once per ticket and kind); those of
    tickets no longer pending count only for attainment."""
    resolved: set[int] = set()
    closed: set[int] = set()
    for change in changes:
        if not day.holds(change.at):
            continue
        kinds = moves_of(change.before, change.after)
        if Move.RESOLVED in kinds:
            resolved.add(change.ticket_id)
        if Move.CLOSED in kinds:
            closed.add(change.ticket_id)

    total = waiting = unassigned = urgent = 0
    by_reason = dict.fromkeys(WaitReason, 0)
    for group in pending:
        if group.status not in PENDING:
            continue
        total += group.count
        unassigned += group.unassigned
        if group.priority is Priority.URGENT:
            urgent += group.count
        if group.status is TicketStatus.WAITING:
            waiting += group.count
            if group.wait_reason is not None:
                by_reason[group.wait_reason] += group.count

    overdue: set[int] = set()
    near: set[int] = set()
    decided: dict[str, list[str]] = {FIRST_RESPONSE: [], RESOLUTION: []}
    unique = {(t.ticket_id, t.kind): t for t in targets}
    for target in unique.values():
        if target.ticket_status in PENDING:
            if is_overdue(target, now):
                overdue.add(target.ticket_id)
            elif is_near_breach(target, now):
                near.add(target.ticket_id)
        outcome = decided_on(target, day, now)
        if outcome is not None and target.kind in decided:
            decided[target.kind].append(outcome)
    return Figures(
        new_today=created_today,
        resolved_today=len(resolved),
        closed_today=len(closed),
        pending=total,
        waiting=waiting,
        waiting_by_reason=tuple(by_reason.items()),
        unassigned=unassigned,
        urgent_pending=urgent,
        overdue=len(overdue),
        # A ticket with one target overdue and the other near breach is overdue only.
        near_breach=len(near - overdue),
        first_response_today=_attainment(decided[FIRST_RESPONSE]),
        resolution_today=_attainment(decided[RESOLUTION]),
    )


def _attainment(outcomes: list[str]) -> Attainment:
    met = sum(1 for o in outcomes if o == "MET")
    return Attainment(met=met, breached=len(outcomes) - met, pending=0)
