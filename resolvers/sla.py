"""SLA policies and business calendars."""

from datetime import datetime
from typing import Any, cast

import strawberry

from domain.enums import Priority, Role
from domain.errors import BadUserInput, Forbidden
from domain.models import BusinessCalendar as CalendarModel
from domain.models import SlaPolicy as PolicyModel
from domain.models import Ticket as TicketModel
from domain.rules.access import require_staff
from domain.services import attainment, sla_admin, tickets
from resolvers.context import Info
from resolvers.ids import parse_id, parse_ids, parse_optional_id
from schema.inputs import BusinessCalendarInput, SlaPolicyInput
from schema.sla_types import AttainmentFigures, BusinessCalendar, SlaAttainment, SlaPolicy


async def sla_policies(info: Info) -> list[SlaPolicy]:
    require_staff(info.context.require_actor(), "read SLA policies")
    rows = await PolicyModel.all().order_by("priority", "position", "id")
    return [SlaPolicy.from_model(r) for r in rows]


async def business_calendars(info: Info) -> list[BusinessCalendar]:
    require_staff(info.context.require_actor(), "read business calendars")
    return [BusinessCalendar.from_model(r) for r in await CalendarModel.all().order_by("name")]


def _pause_reasons(input: SlaPolicyInput) -> Any:
    per_target = input.first_response_pause_reasons is not None or input.resolution_pause_reasons is not None
    if per_target:
        result = {}
        if input.first_response_pause_reasons is not None:
            result["firstResponse"] = [r.value for r in input.first_response_pause_reasons]
        if input.resolution_pause_reasons is not None:
            result["resolution"] = [r.value for r in input.resolution_pause_reasons]
        return result
    return None if input.pause_reasons is None else [r.value for r in input.pause_reasons]


def _conditions(input: SlaPolicyInput) -> dict[str, Any]:
    c = input.conditions
    if c is None:
        return {}
    raw = {
        "customerTier": [t.value for t in c.customer_tiers] if c.customer_tiers is not None else None,
        "categoryId": parse_ids(c.category_ids, "conditions.categoryIds"),
        "productId": parse_ids(c.product_ids, "conditions.productIds"),
        "source": [s.value for s in c.sources] if c.sources is not None else None,
        "groupId": parse_ids(c.group_ids, "conditions.groupIds"),
    }
    return {k: v for k, v in raw.items() if v is not None}


async def upsert_sla_policy(info: Info, input: SlaPolicyInput) -> SlaPolicy:
    ctx = info.context
    row = await sla_admin.upsert_policy(
        actor=ctx.require_actor(),
        policy_id=parse_optional_id(input.id, "id"),
        data=sla_admin.PolicyData(
            name=input.name,
            priority=Priority(input.priority),
            first_response_seconds=input.first_response_seconds,
            resolution_seconds=input.resolution_seconds,
            warn_at_percent=list(input.warn_at_percent),
            pause_reasons=_pause_reasons(input),
            conditions=_conditions(input),
            position=input.position,
            calendar_id=parse_optional_id(input.calendar_id, "calendarId"),
            escalation=(
                {
                    "groupId": parse_optional_id(input.escalation.group_id, "escalation.groupId"),
                    "raisePriority": input.escalation.raise_priority,
                    "notifySupervisor": input.escalation.notify_supervisor,
                }
                if input.escalation is not None
                else None
            ),
        ),
        now=ctx.now(),
    )
    return SlaPolicy.from_model(row)


async def delete_sla_policy(info: Info, id: strawberry.ID) -> bool:
    ctx = info.context
    return await sla_admin.delete_policy(
        actor=ctx.require_actor(), policy_id=parse_id(id, "id"), now=ctx.now()
    )


async def upsert_business_calendar(info: Info, input: BusinessCalendarInput) -> BusinessCalendar:
    ctx = info.context
    row = await sla_admin.upsert_calendar(
        actor=ctx.require_actor(),
        calendar_id=parse_optional_id(input.id, "id"),
        name=input.name,
        timezone=input.timezone,
        weekly_hours=cast(dict[str, Any], input.weekly_hours),
        holidays=list(input.holidays),
        now=ctx.now(),
    )
    return BusinessCalendar.from_model(row)


async def sla_attainment(
    info: Info, created_from: datetime, created_to: datetime, group_id: strawberry.ID | None = None
) -> SlaAttainment:
    """Staff see it for the tickets they may see; reporters (BI tools) for the whole desk."""
    actor = info.context.require_actor()
    if actor.role is Role.REPORTER:
        scope = TicketModel.all()
    else:
        scope = tickets.visible_tickets(actor)
        if not actor.is_staff:
            raise Forbidden("Only staff and reporters read SLA attainment.")
    if (gid := parse_optional_id(group_id, "groupId")) is not None:
        scope = scope.filter(group_id=gid)
    if created_to <= created_from:
        raise BadUserInput("createdTo must be after createdFrom.", field="createdTo")
    report = await attainment.attainment(tickets=scope, created_from=created_from, created_to=created_to)
    return SlaAttainment(
        first_response=AttainmentFigures.from_rule(report.first_response),
        resolution=AttainmentFigures.from_rule(report.resolution),
    )
