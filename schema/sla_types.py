"""SLA types: figures are computed live from the ticket's history at read time."""

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from domain import enums, models
from domain.rules.attainment import Attainment
from domain.rules.sla_clock import SlaTargetKind as TargetKind
from domain.rules.sla_clock import SlaTargetStatus, TicketSlaStatus, sla_timeline
from domain.services.sla import SlaView, segments_of
from resolvers.context import Info
from schema.enums import Priority, WaitReason


@strawberry.enum
class SlaState(Enum):
    RUNNING = "RUNNING"
    NEAR_BREACH = "NEAR_BREACH"
    BREACHED = "BREACHED"
    PAUSED = "PAUSED"
    MET = "MET"


@strawberry.enum
class SlaTargetKind(Enum):
    FIRST_RESPONSE = "FIRST_RESPONSE"
    RESOLUTION = "RESOLUTION"


@strawberry.enum
class SlaTimelineReason(Enum):
    COUNTING = "COUNTING"
    PAUSED = "PAUSED"
    OUTSIDE_BUSINESS_HOURS = "OUTSIDE_BUSINESS_HOURS"
    STOPPED = "STOPPED"


@strawberry.type
class BusinessCalendar:
    id: strawberry.ID
    name: str
    timezone: str
    weekly_hours: JSON = strawberry.field(description='{"0": [["09:00", "17:00"]]}: Monday is 0')
    holidays: list[str]

    @classmethod
    def from_model(cls, row: models.BusinessCalendar) -> "BusinessCalendar":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            timezone=row.timezone,
            weekly_hours=JSON(row.weekly_hours),
            holidays=list(row.holidays),
        )


@strawberry.type
class SlaPolicy:
    id: strawberry.ID
    name: str
    priority: Priority
    first_response_seconds: int
    resolution_seconds: int
    warn_at_percent: list[int]
    pause_reasons: JSON | None = strawberry.field(description="null: every wait reason pauses both targets")
    conditions: JSON
    position: int
    escalation: JSON | None = strawberry.field(
        description='On breach: {"groupId", "raisePriority", "notifySupervisor"}; null: nothing.'
    )
    calendar_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.SlaPolicy) -> "SlaPolicy":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            priority=enums.Priority(row.priority),
            first_response_seconds=row.first_response_seconds,
            resolution_seconds=row.resolution_seconds,
            warn_at_percent=list(row.warn_at_percent),
            pause_reasons=row.pause_reasons,
            conditions=JSON(row.conditions or {}),
            position=row.position,
            escalation=JSON(row.escalation) if row.escalation else None,
            calendar_id=row.calendar_id,
        )

    @strawberry.field(description="null: 24/7")
    async def calendar(self, info: Info) -> BusinessCalendar | None:
        if self.calendar_id is None:
            return None
        row = await info.context.loaders.calendars.load(self.calendar_id)
        return BusinessCalendar.from_model(row) if row else None


@strawberry.type
class SlaTarget:
    state: SlaState
    due_at: datetime | None = strawberry.field(description="null while paused")
    elapsed_seconds: int = strawberry.field(description="counted time only")
    remaining_seconds: int | None = strawberry.field(description="negative once breached")
    breached_at: datetime | None
    met_at: datetime | None
    target_seconds: int
    thresholds_reached: list[int]

    @classmethod
    def from_status(cls, status: SlaTargetStatus) -> "SlaTarget":
        return cls(
            state=SlaState(status.state.value),
            due_at=status.due_at,
            elapsed_seconds=status.elapsed_seconds,
            remaining_seconds=status.remaining_seconds,
            breached_at=status.breached_at,
            met_at=status.met_at,
            target_seconds=status.target_seconds,
            thresholds_reached=[c.percent for c in status.crossed],
        )


@strawberry.type
class SlaTimelineInterval:
    start: datetime
    end: datetime
    seconds: int
    reason: SlaTimelineReason
    priority: Priority
    wait_reason: WaitReason | None


@strawberry.type
class TicketSla:
    state: SlaState
    first_response: SlaTarget | None
    resolution: SlaTarget | None
    view: strawberry.Private[SlaView]
    ticket: strawberry.Private[models.Ticket]
    events: strawberry.Private[list[models.TicketEvent]]
    now: strawberry.Private[datetime]

    @classmethod
    def from_view(
        cls, view: SlaView, ticket: models.Ticket, events: list[models.TicketEvent], now: datetime
    ) -> "TicketSla":
        status: TicketSlaStatus | None = view.status
        if status is None:  # no policy covers this priority: nothing can breach
            return cls(
                state=SlaState.RUNNING,
                first_response=None,
                resolution=None,
                view=view,
                ticket=ticket,
                events=events,
                now=now,
            )
        return cls(
            state=SlaState(status.state.value),
            first_response=SlaTarget.from_status(status.first_response),
            resolution=SlaTarget.from_status(status.resolution),
            view=view,
            ticket=ticket,
            events=events,
            now=now,
        )

    @strawberry.field
    def policy(self) -> SlaPolicy | None:
        return SlaPolicy.from_model(self.view.policy) if self.view.policy else None

    @strawberry.field(description="Why each stretch of time did or did not count.")
    def timeline(
        self, target: Annotated[SlaTargetKind, strawberry.argument()] = SlaTargetKind.RESOLUTION
    ) -> list[SlaTimelineInterval]:
        if self.view.status is None:
            return []
        intervals = sla_timeline(
            segments=segments_of(self.ticket, self.events),
            created_at=self.ticket.created_at,
            first_responded_at=self.ticket.first_responded_at,
            terms=self.view.terms,
            now=self.now,
            target=TargetKind(target.value),
        )
        return [
            SlaTimelineInterval(
                start=i.start,
                end=i.end,
                seconds=i.seconds,
                reason=SlaTimelineReason(i.reason.value),
                priority=i.priority,
                wait_reason=i.wait_reason,
            )
            for i in intervals
        ]


@strawberry.type
class AttainmentFigures:
    met: int
    breached: int
    pending: int = strawberry.field(description="not decided yet: running, near breach, paused")
    met_percent: float | None = strawberry.field(description="met / (met + breached); null if none")

    @classmethod
    def from_rule(cls, figures: "Attainment") -> "AttainmentFigures":
        return cls(met=figures.met, breached=figures.breached, pending=figures.pending,
                   met_percent=figures.met_percent)


@strawberry.type
class SlaAttainment:
    first_response: AttainmentFigures
    resolution: AttainmentFigures
