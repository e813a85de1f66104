"""KPI arithmetic for BI users: which facts count in which row, and the figures of a row.

Pure: the service hands in facts it read (tickets created in the period with their SLA
targets, status moves and ratings in the period), each carrying its ticket's value in the
chosen dimension; nothing here reads a clock or the database.

Meanings (the schema's docstrings repeat them for API users):
- a ticket is counted under its *current* agent, group, customer, product, category and
  priority, as they are when the report is read, not as they were at the event;
- under DAY, each fact goes to the local calendar day (in the report's time zone) of its own
  instant: creation for created tickets and their SLA figures, the move for
  resolved/closed/reopened, the rating for satisfaction.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.enums import Role
from domain.errors import BadUserInput, Forbidden
from domain.rules.access import Actor
from domain.rules.attainment import Attainment, tally

MAX_SPAN = timedelta(days=366)
STARS = (1, 2, 3, 4, 5)
SATISFIED_STARS = frozenset({4, 5})  # the usual CSAT definition: 4 or 5 of 5
KPI_READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.REPORTER})

# A row's value in its dimension: an entity id (None: unassigned, no product...), a priority
# rank, or a local day.
Value = Hashable


class Dimension(str, Enum):
    AGENT = "AGENT"
    GROUP = "GROUP"
    CUSTOMER = "CUSTOMER"
    PRODUCT = "PRODUCT"
    CATEGORY = "CATEGORY"
    TOP_CATEGORY = "TOP_CATEGORY"  # subcategories counted in their parent's row
    PRIORITY = "PRIORITY"
    DAY = "DAY"


def require_kpi_reader(actor: Actor) -> None:
    """KPIs cover the whole desk, so only those who may see the whole desk's figures read
    them: agents see only their groups' tickets, and customers their own."""
    if actor.role not in KPI_READERS:
        raise Forbidden("Only admins, supervisors and reporters read KPIs.")


@dataclass(frozen=True)
class Period:
    """[start, end), both in UTC (the database compares them with stored UTC instants; SQLite
    compares the text, so an offset of +05:30 would move the bound); days are counted in `zone`."""

    start: datetime
    end: datetime
    zone: ZoneInfo

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end


def period(*, start: datetime, end: datetime, time_zone: str) -> Period:
    """Validates the report's arguments; errors name the GraphQL argument."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise BadUserInput("from needs a UTC offset (e.g. 2026-03-01T00:00:00Z).", field="from")
    if end.tzinfo is None or end.utcoffset() is None:
        raise BadUserInput("to needs a UTC offset (e.g. 2026-04-01T00:00:00Z).", field="to")
    if end <= start:
        raise BadUserInput("to must be after from.", field="to")
    if end - start > MAX_SPAN:
        raise BadUserInput(f"The period may span at most {MAX_SPAN.days} days.", field="to")
    try:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
    except OverflowError:  # year 1 at +01:00 or year 9999 at -01:00: no UTC instant
        raise BadUserInput("from and to must lie within years 1 to 9999 in UTC.", field="from") from None
    return Period(start=start, end=end, zone=zone(time_zone))


def zone(name: str) -> ZoneInfo:
    cleaned = name.strip()
    # ZoneInfo also accepts file paths relative to the tz database; only plain IANA names
    # (Area/Location, UTC) are time zones a caller means.
    if not cleaned or cleaned.startswith(("/", ".")) or ".." in cleaned:
        raise BadUserInput(f"Unknown time zone {name!r}.", field="timeZone")
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadUserInput(f"Unknown time zone {name!r} (use an IANA name).", field="timeZone") from None


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


# --- facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetFact:
    """One SLA target of a ticket as last recomputed."""

    state: str  # RUNNING, NEAR_BREACH, PAUSED, MET, BREACHED
    elapsed_seconds: int  # counted time (business hours, no pauses); frozen once reached
    reached: bool  # the clock stopped (reply, resolution), on time or late


@dataclass(frozen=True)
class CreatedTicket:
    ticket_id: int
    created_at: datetime
    value: Value
    first_response: TargetFact | None = None  # None: the ticket has no SLA policy
    resolution: TargetFact | None = None


class Move(str, Enum):
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"


_DONE = frozenset({"RESOLVED", "CLOSED"})


def moves_of(before: str | None, after: str | None) -> frozenset[Move]:
    """What a status change counts as: entering RESOLVED or CLOSED, or leaving them for an
    open status (a reopen). RESOLVED -> CLOSED is a close only."""
    found: set[Move] = set()
    if after == "RESOLVED" and before != "RESOLVED":
        found.add(Move.RESOLVED)
    if after == "CLOSED" and before != "CLOSED":
        found.add(Move.CLOSED)
    if before in _DONE and after is not None and after not in _DONE:
        found.add(Move.REOPENED)
    return frozenset(found)


@dataclass(frozen=True)
class StatusMove:
    ticket_id: int
    at: datetime
    before: str | None
    after: str | None
    value: Value


@dataclass(frozen=True)
class Rating:
    ticket_id: int
    at: datetime
    stars: int
    value: Value


# --- figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    count: int
    mean_seconds: float | None  # rounded to 2 decimals
    median_seconds: float | None  # the middle value, or the mean of the two middle ones
    p90_seconds: int | None  # nearest rank: the smallest value >= 90 % of the values


def durations(values: Sequence[int]) -> Durations:
    if not values:
        return Durations(count=0, mean_seconds=None, median_seconds=None, p90_seconds=None)
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    median = float(ordered[middle]) if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    rank = -(-9 * n // 10)  # nearest rank, 1-based: ceil(0.9 n) in integers (0.9 * 70 > 63.0)
    return Durations(
        count=n,
        mean_seconds=round(sum(ordered) / n, 2),
        median_seconds=median,
        p90_seconds=ordered[rank - 1],
    )


@dataclass(frozen=True)
class Ratings:
    count: int
    average_stars: float | None  # rounded to 2 decimals; None without ratings
    per_star: tuple[int, int, int, int, int]  # ratings with 1, 2, 3, 4, 5 stars
    satisfied_percent: float | None  # share of 4 and 5 stars, rounded to 2 decimals


def ratings(stars: Sequence[int]) -> Ratings:
    counts = tuple(sum(1 for s in stars if s == n) for n in STARS)
    if not stars:
        return Ratings(count=0, average_stars=None, per_star=(0, 0, 0, 0, 0), satisfied_percent=None)
    satisfied = sum(1 for s in stars if s in SATISFIED_STARS)
    return Ratings(
        count=len(stars),
        average_stars=round(sum(stars) / len(stars), 2),
        per_star=(counts[0], counts[1], counts[2], counts[3], counts[4]),
        satisfied_percent=round(100 * satisfied / len(stars), 2),
    )


@dataclass(frozen=True)
class Figures:
    tickets_created: int
    tickets_resolved: int
    tickets_closed: int
    tickets_reopened: int
    first_response: Attainment
    resolution: Attainment
    first_response_time: Durations
    resolution_time: Durations
    satisfaction: Ratings


@dataclass
class _Bucket:
    """What one row (or the total) has collected. Sets of ticket ids: a ticket resolved twice
    within one row's scope counts once there."""

    created: int = 0
    resolved: set[int] = field(default_factory=set)
    closed: set[int] = field(default_factory=set)
    reopened: set[int] = field(default_factory=set)
    first_response_states: list[str] = field(default_factory=list)
    resolution_states: list[str] = field(default_factory=list)
    first_response_seconds: list[int] = field(default_factory=list)
    resolution_seconds: list[int] = field(default_factory=list)
    stars: list[int] = field(default_factory=list)

    def add_created(self, ticket: CreatedTicket) -> None:
        self.created += 1
        for target, states, seconds in (
            (ticket.first_response, self.first_response_states, self.first_response_seconds),
            (ticket.resolution, self.resolution_states, self.resolution_seconds),
        ):
            if target is None:
                continue
            states.append(target.state)
            if target.reached:
                seconds.append(target.elapsed_seconds)

    def add_move(self, ticket_id: int, kinds: frozenset[Move]) -> None:
        if Move.RESOLVED in kinds:
            self.resolved.add(ticket_id)
        if Move.CLOSED in kinds:
            self.closed.add(ticket_id)
        if Move.REOPENED in kinds:
            self.reopened.add(ticket_id)

    def figures(self) -> Figures:
        return Figures(
            tickets_created=self.created,
            tickets_resolved=len(self.resolved),
            tickets_closed=len(self.closed),
            tickets_reopened=len(self.reopened),
            first_response=tally(self.first_response_states),
            resolution=tally(self.resolution_states),
            first_response_time=durations(self.first_response_seconds),
            resolution_time=durations(self.resolution_seconds),
            satisfaction=ratings(self.stars),
        )


@dataclass(frozen=True)
class Report:
    total: Figures
    rows: dict[Value, Figures]  # unordered; values with no fact in the period are absent


def row_value(dimension: Dimension, ticket_value: Value, at: datetime, tz: ZoneInfo) -> Value:
    """The row a fact falls in: its ticket's value, or under DAY the local day of the fact."""
    return local_day(at, tz) if dimension is Dimension.DAY else ticket_value


def compute(
    *,
    period: Period,
    dimension: Dimension | None,
    created: Iterable[CreatedTicket],
    moves: Iterable[StatusMove],
    ratings_given: Iterable[Rating],
) -> Report:
    """Facts outside the period are ignored, so callers may over-fetch safely."""
    total = _Bucket()
    rows: dict[Value, _Bucket] = {}

    def buckets(value: Value, at: datetime) -> tuple[_Bucket, ...]:
        if dimension is None:
            return (total,)
        key = row_value(dimension, value, at, period.zone)
        return total, rows.setdefault(key, _Bucket())

    for ticket in created:
        if period.holds(ticket.created_at):
            for bucket in buckets(ticket.value, ticket.created_at):
                bucket.add_created(ticket)
    for move in moves:
        kinds = moves_of(move.before, move.after)
        if kinds and period.holds(move.at):
            for bucket in buckets(move.value, move.at):
                bucket.add_move(move.ticket_id, kinds)
    for rating in ratings_given:
        if period.holds(rating.at):
            for bucket in buckets(rating.value, rating.at):
                bucket.stars.append(rating.stars)
    return Report(total=total.figures(), rows={k: b.figures() for k, b in rows.items()})


def row_order(dimension: Dimension, value: Value, label: str) -> tuple[int, str, str]:
    """How rows are listed: DAY by day and PRIORITY by urgency (URGENT first); the others by
    label, case-insensitively, with the "none" row (unassigned, no product...) last."""
    if dimension is Dimension.DAY or dimension is Dimension.PRIORITY:
        return (0, "", str(value) if not isinstance(value, int) else f"{value:04d}")
    return (1 if value is None else 0, label.casefold(), str(value))
