"""The dashboard's types. Each figure's description says exactly which tickets or targets it
counts: wallboards and supervisors compare them with `queues` and `kpis`."""

from datetime import UTC, date, datetime

import strawberry

from domain.rules.attainment import Attainment
from domain.services.dashboard import Dashboard as LoadedDashboard
from resolvers.context import Info
from schema.enums import WaitReason
from schema.types import Group

_SCOPE = "in scope (the whole desk, the group asked for, or an agent's groups; by the ticket's current group)"


@strawberry.type(description="SLA targets decided during today: met on time, or breached.")
class DashboardTargetAttainment:
    met: int = strawberry.field(
        description="Targets in scope met on time with their clock stopped during today (the "
        "first public agent reply, or the resolution). A resolution met today and reopened since "
        "is not counted: its clock runs again."
    )
    breached: int = strawberry.field(
        description="Targets in scope whose due time passed during today (up to asOf), whether or "
        "not they were met late afterwards."
    )
    met_percent: float | None = strawberry.field(
        description="met / (met + breached) in percent, 2 decimals; null when neither happened today."
    )

    @classmethod
    def from_rule(cls, a: Attainment) -> "DashboardTargetAttainment":
        return cls(met=a.met, breached=a.breached, met_percent=a.met_percent)


@strawberry.type(description="First-response and resolution targets decided during today.")
class DashboardAttainment:
    first_response: DashboardTargetAttainment = strawberry.field(
        description="First-response targets (creation to the first public agent reply)."
    )
    resolution: DashboardTargetAttainment = strawberry.field(
        description="Resolution targets (creation to RESOLVED, resumed by a reopen)."
    )


@strawberry.type
class WaitReasonCount:
    reason: WaitReason = strawberry.field(description="What the tickets are waiting for.")
    count: int = strawberry.field(description="Tickets in scope WAITING for this reason now.")


@strawberry.type(description="Tickets in scope in WAITING now.")
class DashboardWaiting:
    total: int = strawberry.field(description="Tickets in scope whose status is WAITING now.")
    by_reason: list[WaitReasonCount] = strawberry.field(
        description="One entry per wait reason, always all three in order (CUSTOMER, THIRD_PARTY, "
        "REVIEW), zero included; they add up to total."
    )


@strawberry.type(
    description="Today's figures of the help desk. 'Today' is [dayStart, dayEnd): the local calendar "
    "day in timeZone that holds asOf. 'Pending' means status NEW, OPEN or WAITING. Tickets are "
    "counted under their current group. SLA states are read at asOf from each target's last "
    "recomputation, so a due time that passed a moment ago counts even before its timer has run."
)
class Dashboard:
    day: date = strawberry.field(description="Today's local date in timeZone.")
    time_zone: str = strawberry.field(description="The IANA zone today is counted in.")
    day_start: datetime = strawberry.field(
        description="Today's first instant (local midnight, or the DST transition when midnight is skipped)."
    )
    day_end: datetime = strawberry.field(
        description="Tomorrow's first instant (excluded). A DST day lasts 23 or 25 hours."
    )
    as_of: datetime = strawberry.field(description="The server's clock when the figures were read.")
    new_today: int = strawberry.field(
        description=f"Tickets {_SCOPE} created today, whatever their status now."
    )
    resolved_today: int = strawberry.field(
        description=f"Tickets {_SCOPE} that moved to RESOLVED today (from any other status), whatever "
        "their status now; a ticket resolved twice today counts once."
    )
    closed_today: int = strawberry.field(
        description=f"Tickets {_SCOPE} that moved to CLOSED today (from any other status), whatever "
        "their status now; a ticket closed twice today counts once."
    )
    pending: int = strawberry.field(description=f"Tickets {_SCOPE} in NEW, OPEN or WAITING now.")
    waiting: DashboardWaiting = strawberry.field(description="Tickets in scope in WAITING now, per reason.")
    unassigned: int = strawberry.field(description="Pending tickets in scope with no assignee now.")
    urgent_pending: int = strawberry.field(description="Pending tickets in scope with priority URGENT now.")
    overdue: int = strawberry.field(
        description="Pending tickets in scope with at least one SLA target overdue at asOf: its due time "
        "has passed and its clock has not stopped (not yet answered, for first response; not resolved, "
        "for resolution). A target that was breached and then met late (answered late) is no longer "
        "overdue, although its state stays BREACHED; so this can be below queues' breached."
    )
    near_breach: int = strawberry.field(
        description="Pending tickets in scope that are not overdue and have at least one SLA target whose "
        "clock runs and has reached one of its policy's warn thresholds (warnAtPercent) at asOf."
    )
    sla_attainment_today: DashboardAttainment = strawberry.field(
        description="SLA targets of tickets in scope (whatever their status now) decided during today, "
        "up to asOf: met on time today, or breached today. Tickets without an SLA policy have no targets."
    )
    group_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The group asked for with groupId; null for the whole desk or an agent's groups."
    )
    async def group(self, info: Info) -> Group | None:
        return await Group.load(info, self.group_id)

    @classmethod
    def from_loaded(cls, loaded: LoadedDashboard) -> "Dashboard":
        f = loaded.figures
        return cls(
            day=loaded.day.day,
            time_zone=loaded.time_zone,
            day_start=loaded.day.start.astimezone(UTC),
            day_end=loaded.day.end.astimezone(UTC),
            as_of=loaded.as_of.astimezone(UTC),
            new_today=f.new_today,
            resolved_today=f.resolved_today,
            closed_today=f.closed_today,
            pending=f.pending,
            waiting=DashboardWaiting(
                total=f.waiting,
                by_reason=[WaitReasonCount(reason=r, count=n) for r, n in f.waiting_by_reason],
            ),
            unassigned=f.unassigned,
            urgent_pending=f.urgent_pending,
            overdue=f.overdue,
            near_breach=f.near_breach,
            sla_attainment_today=DashboardAttainment(
                first_response=DashboardTargetAttainment.from_rule(f.first_response_today),
                resolution=DashboardTargetAttainment.from_rule(f.resolution_today),
            ),
            group_id=loaded.group_id,
        )
