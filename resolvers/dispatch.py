"""Dispatch queries and mutations: check access, call the services, map to schema types."""

from datetime import datetime

import strawberry

from domain.enums import AssignmentStrategy, Availability, CustomerTier, Priority, TicketSource
from domain.models import OnCallOverride as OverrideModel
from domain.models import OnCallSchedule as ScheduleModel
from domain.models import Page as PageModel
from domain.models import RoutingRule as RoutingRuleModel
from domain.rules.access import require_manager, require_staff
from domain.services import dispatch_admin, escalation, paging
from resolvers.context import Info
from resolvers.ids import parse_id, parse_ids, parse_optional_id
from schema.dispatch_types import OnCallOverride, OnCallSchedule, Page, RoutingRule
from schema.inputs import OnCallScheduleInput, RoutingRuleInput
from schema.types import Agent, Group, Ticket

PAGE_LIST_LIMIT = 200


async def routing_rules(info: Info) -> list[RoutingRule]:
    require_manager(info.context.require_actor(), "read routing rules")
    return [RoutingRule.from_model(r) for r in await RoutingRuleModel.all().order_by("position", "id")]


async def on_call_schedule(info: Info, group_id: strawberry.ID) -> OnCallSchedule | None:
    require_staff(info.context.require_actor(), "read on-call schedules")
    row = await ScheduleModel.get_or_none(group_id=parse_id(group_id, "groupId"))
    if row is None:
        return None
    overrides = await OverrideModel.filter(schedule_id=row.id).order_by("starts_at", "id")
    return OnCallSchedule.from_model(row, overrides)


async def pages(info: Info, open_only: bool = True) -> list[Page]:
    """Managers see every page; others the pages they are in the chain of."""
    actor = info.context.require_actor()
    require_staff(actor, "read pages")
    query = PageModel.all()
    if open_only:
        query = query.filter(acknowledged_at__isnull=True, exhausted=False)
    rows = await query.order_by("-created_at", "-id").limit(PAGE_LIST_LIMIT)
    if not actor.is_manager:
        rows = [r for r in rows if actor.user_id in r.chain]
    return [Page.from_model(r) for r in rows]


# --- mutations -------------------------------------------------------------------------


async def set_availability(
    info: Info, availability: Availability, user_id: strawberry.ID | None = None
) -> Agent:
    ctx = info.context
    row = await dispatch_admin.set_availability(
        actor=ctx.require_actor(), user_id=parse_optional_id(user_id, "userId"),
        availability=Availability(availability), now=ctx.now(), publisher=ctx.services.publisher,
    )
    return Agent.from_model(row)


async def update_agent_dispatch(
    info: Info, user_id: strawberry.ID, capacity: int | None = None, skills: list[str] | None = None
) -> Agent:
    ctx = info.context
    row = await dispatch_admin.update_agent_dispatch(
        actor=ctx.require_actor(), user_id=parse_id(user_id, "userId"), capacity=capacity, skills=skills,
        now=ctx.now(), publisher=ctx.services.publisher,
    )
    return Agent.from_model(row)


async def update_group_dispatch(
    info: Info,
    group_id: strawberry.ID,
    strategy: AssignmentStrategy | None = None,
    escalation_group_id: strawberry.ID | None = strawberry.UNSET,
    is_default: bool | None = None,
) -> Group:
    ctx = info.context
    kwargs = {}
    if escalation_group_id is not strawberry.UNSET:
        kwargs["escalation_group_id"] = parse_optional_id(escalation_group_id, "escalationGroupId")
    row = await dispatch_admin.update_group_dispatch(
        actor=ctx.require_actor(), group_id=parse_id(group_id, "groupId"),
        strategy=AssignmentStrategy(strategy) if strategy is not None else None, is_default=is_default,
        now=ctx.now(), publisher=ctx.services.publisher, **kwargs,
    )
    return Group.from_model(row)


async def upsert_routing_rule(info: Info, input: RoutingRuleInput) -> RoutingRule:
    data = dispatch_admin.RoutingRuleData(
        name=input.name,
        position=input.position,
        enabled=input.enabled,
        group_id=parse_optional_id(input.group_id, "groupId"),
        category_ids=parse_ids(input.category_ids, "categoryIds") or [],
        product_ids=parse_ids(input.product_ids, "productIds") or [],
        customer_tiers=[CustomerTier(t) for t in input.customer_tiers],
        organisations=list(input.organisations),
        sources=[TicketSource(s) for s in input.sources],
        priorities=[Priority(p) for p in input.priorities],
        keywords=list(input.keywords),
        set_priority=Priority(input.set_priority) if input.set_priority is not None else None,
        tags=list(input.tags),
    )
    row = await dispatch_admin.upsert_routing_rule(
        actor=info.context.require_actor(), rule_id=parse_optional_id(input.id, "id"), data=data,
        now=info.context.now(), publisher=info.context.services.publisher,
    )
    return RoutingRule.from_model(row)


async def delete_routing_rule(info: Info, id: strawberry.ID) -> bool:
    await dispatch_admin.delete_routing_rule(actor=info.context.require_actor(), rule_id=parse_id(id, "id"))
    return True


async def upsert_on_call_schedule(info: Info, input: OnCallScheduleInput) -> OnCallSchedule:
    row = await dispatch_admin.upsert_schedule(
        actor=info.context.require_actor(),
        group_id=parse_id(input.group_id, "groupId"),
        data=dispatch_admin.ScheduleData(
            participants=parse_ids(input.participant_ids, "participantIds") or [],
            starts_at=input.starts_at,
            shift_seconds=input.shift_seconds,
            time_zone=input.time_zone,
            ack_timeout_seconds=input.ack_timeout_seconds,
            webhook_url=input.webhook_url,
        ),
    )
    overrides = await OverrideModel.filter(schedule_id=row.id).order_by("starts_at", "id")
    return OnCallSchedule.from_model(row, overrides)


async def add_on_call_override(
    info: Info, group_id: strawberry.ID, user_id: strawberry.ID, starts_at: datetime, ends_at: datetime
) -> OnCallOverride:
    row = await dispatch_admin.add_override(
        actor=info.context.require_actor(), group_id=parse_id(group_id, "groupId"),
        user_id=parse_id(user_id, "userId"), starts_at=starts_at, ends_at=ends_at,
    )
    return OnCallOverride(id=strawberry.ID(str(row.id)), starts_at=row.starts_at, ends_at=row.ends_at,
                          user_id=row.user_id)


async def remove_on_call_override(info: Info, id: strawberry.ID) -> bool:
    await dispatch_admin.remove_override(actor=info.context.require_actor(), override_id=parse_id(id, "id"))
    return True


async def acknowledge_page(info: Info, page_id: strawberry.ID) -> Page:
    ctx = info.context
    row = await paging.acknowledge(actor=ctx.require_actor(), page_id=parse_id(page_id, "pageId"),
                                   now=ctx.now(), publisher=ctx.services.publisher)
    return Page.from_model(row)


async def transfer_ticket(
    info: Info,
    ticket_id: strawberry.ID,
    reason: str,
    group_id: strawberry.ID | None = None,
    agent_id: strawberry.ID | None = None,
    expected_version: int | None = None,
) -> Ticket:
    ctx = info.context
    row = await escalation.transfer(
        actor=ctx.require_actor(), ticket_id=parse_id(ticket_id, "ticketId"),
        group_id=parse_optional_id(group_id, "groupId"), agent_id=parse_optional_id(agent_id, "agentId"),
        reason=reason, expected_version=expected_version, now=ctx.now(), publisher=ctx.services.publisher,
    )
    return Ticket.from_model(row)


async def escalate_ticket(
    info: Info,
    ticket_id: strawberry.ID,
    note: str | None = None,
    raise_priority: bool = False,
    expected_version: int | None = None,
) -> Ticket:
    ctx = info.context
    row = await escalation.escalate(
        actor=ctx.require_actor(), ticket_id=parse_id(ticket_id, "ticketId"), note=note,
        raise_priority=raise_priority, expected_version=expected_version, now=ctx.now(),
        publisher=ctx.services.publisher,
    )
    return Ticket.from_model(row)
