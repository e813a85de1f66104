"""Today's dashboard: reads the facts of a scope at `now` and hands them to the rules.

At most six queries whatever the desk holds (a group lookup, a count, two grouped or narrowed
reads of tickets and SLA targets, today's status changes, today's decided targets): rows come
back per status/reason/priority combination, per target in trouble or decided today, and per
status change today, never per ticket on the desk.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

from domain.enums import EventKind, Priority, TicketStatus, WaitReason
from domain.errors import NotFound
from domain.models import Group, Ticket, TicketEvent, TicketSlaTarget
from domain.rules import dashboard as rules
from domain.rules.access import Actor
from domain.rules.dashboard import Day, Figures, Scope
from domain.rules.kpis import zone

M = TypeVar("M", bound=Model)
_PENDING = sorted(s.value for s in rules.PENDING)
_TARGET_FIELDS = ("ticket_id", "kind", "state", "due_at", "next_alert_at", "met_at", "breached_at")


@dataclass(frozen=True)
class Dashboard:
    day: Day
    as_of: datetime
    time_zone: str
    group_id: int | None
    figures: Figures


async def dashboard(*, actor: Actor, now: datetime, time_zone: str, group_id: int | None) -> Dashboard:
    # Access first: a caller who may not read the dashboard learns nothing from its arguments.
    scope = rules.scope(actor, group_id)
    tz = zone(time_zone)
    if (
        group_id is not None
        and actor.role in rules.WHOLE_DESK_READERS
        and not await Group.exists(id=group_id)
    ):
        raise NotFound(f"No group with id {group_id}.", field="groupId")
    day = rules.today(now=now, tz=tz)
    if scope.empty:  # an agent in no group: nothing to read
        figures = rules.compute(day=day, now=now, created_today=0, changes=(), pending=(), targets=())
    else:
        figures = rules.compute(
            day=day,
            now=now,
            created_today=await _scoped(Ticket, scope, "group_id")
            .filter(created_at__gte=day.start, created_at__lt=day.end)
            .count(),
            changes=await _changes(scope, day),
            pending=await _pending(scope),
            targets=[*await _troubled(scope, now), *await _decided(scope, day)],
        )
    return Dashboard(day=day, as_of=now, time_zone=tz.key, group_id=group_id, figures=figures)


def _scoped(model: type[M], scope: Scope, column: str) -> QuerySet[M]:
    query = model.all()
    if scope.group_ids is not None:
        query = query.filter(**{f"{column}__in": sorted(scope.group_ids)})
    return query


def _status(raw: Any) -> str | None:
    # The log's before/after come back as dicts or as JSON text depending on the backend.
    if isinstance(raw, str | bytes):
        raw = json.loads(raw)
    value = raw.get("status") if isinstance(raw, dict) else None
    return str(value) if value is not None else None


async def _changes(scope: Scope, day: Day) -> list[rules.StatusChange]:
    rows = (
        await _scoped(TicketEvent, scope, "ticket__group_id")
        .filter(kind=EventKind.STATUS_CHANGED, created_at__gte=day.start, created_at__lt=day.end)
        .values("ticket_id", "created_at", "before", "after")
    )
    return [
        rules.StatusChange(
            ticket_id=int(r["ticket_id"]),
            at=r["created_at"],
            before=_status(r["before"]),
            after=_status(r["after"]),
        )
        for r in rows
    ]


def _enum_value(raw: Any) -> str:
    return str(getattr(raw, "value", raw))


async def _pending(scope: Scope) -> list[rules.PendingGroup]:
    rows = (
        await _scoped(Ticket, scope, "group_id")
        .filter(status__in=_PENDING)
        .annotate(n=Count("id"), unassigned=Count("id", _filter=Q(assignee_id__isnull=True)))
        .group_by("status", "wait_reason", "priority")
        .values("status", "wait_reason", "priority", "n", "unassigned")
    )
    return [
        rules.PendingGroup(
            status=TicketStatus(_enum_value(r["status"])),
            wait_reason=WaitReason(_enum_value(r["wait_reason"])) if r["wait_reason"] is not None else None,
            priority=Priority(int(r["priority"])),
            count=int(r["n"]),
            unassigned=int(r["unassigned"] or 0),
        )
        for r in rows
    ]


def _facts(rows: list[dict[str, Any]]) -> list[rules.TargetFact]:
    return [
        rules.TargetFact(
            ticket_id=int(r["ticket_id"]),
            ticket_status=TicketStatus(_enum_value(r["ticket__status"])),
            kind=str(r["kind"]),
            state=str(r["state"]),
            due_at=r["due_at"],
            next_alert_at=r["next_alert_at"],
            met_at=r["met_at"],
            breached_at=r["breached_at"],
        )
        for r in rows
    ]


async def _troubled(scope: Scope, now: datetime) -> list[rules.TargetFact]:
    """Targets of pending tickets that may be overdue or near breach: a superset of what the
    rules count (a running target past due has next_alert_at <= due_at < now). A breached
    target met late (a first response answered late) is neither, so it is not read: on a busy
    desk that is most of the open backlog (`_decided` reads it if it breached today)."""
    rows = (
        await _scoped(TicketSlaTarget, scope, "ticket__group_id")
        .filter(ticket__status__in=_PENDING)
        .filter(
            Q(state="BREACHED", met_at__isnull=True)
            | Q(state="NEAR_BREACH")
            | Q(next_alert_at__lte=now)
        )
        .values(*_TARGET_FIELDS, "ticket__status")
    )
    return _facts(rows)


async def _decided(scope: Scope, day: Day) -> list[rules.TargetFact]:
    """Targets that may have been met or breached today, whatever their ticket's status now: a
    superset of what the rules count. A target read by both reads counts once (the rules key
    targets by ticket and kind)."""
    start, end = day.start, day.end
    rows = (
        await _scoped(TicketSlaTarget, scope, "ticket__group_id")
        .filter(
            Q(met_at__gte=start, met_at__lt=end)
            | Q(breached_at__gte=start, breached_at__lt=end)
            | Q(state__in=["RUNNING", "NEAR_BREACH"], due_at__gte=start, due_at__lt=end)
        )
        .values(*_TARGET_FIELDS, "ticket__status")
    )
    return _facts(rows)
