"""Dispatch settings: agents' availability, capacity and skills; groups' strategies and
tiers; routing rules; on-call schedules and overrides. Validated here, stored as data."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.enums import STAFF_ROLES, AssignmentStrategy, Availability, CustomerTier, Priority, TicketSource
from domain.errors import BadUserInput, Conflict, Forbidden, NotFound
from domain.events import Publisher
from domain.models import (
    Category,
    Group,
    GroupMembership,
    OnCallOverride,
    OnCallSchedule,
    Product,
    RoutingRule,
    User,
)
from domain.rules import oncall, validation
from domain.rules.access import Actor, require_manager, require_staff
from domain.services import dispatch

MAX_CAPACITY = 1000


async def _staff(user_id: int, field: str) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None or user.role not in STAFF_ROLES:
        raise BadUserInput("No staff member with that id.", field=field)
    return user


async def _group(group_id: int, field: str = "groupId") -> Group:
    group = await Group.get_or_none(id=group_id)
    if group is None:
        raise NotFound("No group with that id.", field=field)
    return group


async def _groups_of(user_id: int) -> list[int]:
    return cast(list[int], await GroupMembership.filter(user_id=user_id).values_list("group_id", flat=True))


# --- agents ----------------------------------------------------------------------------


async def set_availability(
    *, actor: Actor, user_id: int | None, availability: Availability, now: datetime, publisher: Publisher
) -> User:
    """Agents set their own; managers anyone's. Coming online takes waiting work at once."""
    require_staff(actor, "set availability")
    target = user_id if user_id is not None else actor.user_id
    if target != actor.user_id and not actor.is_manager:
        raise Forbidden("Only admins and supervisors set someone else's availability.")
    user = await _staff(target, "userId")
    user.availability = availability
    await user.save(update_fields=["availability"])
    if availability is Availability.ONLINE:
        for group_id in await _groups_of(user.id):
            await dispatch.drain(group_id=group_id, now=now, publisher=publisher)
    return user


async def update_agent_dispatch(
    *, actor: Actor, user_id: int, capacity: int | None, skills: list[str] | None,
    now: datetime, publisher: Publisher,
) -> User:
    require_manager(actor, "set agents' capacity and skills")
    user = await _staff(user_id, "userId")
    if capacity is not None:
        if not 0 <= capacity <= MAX_CAPACITY:
            raise BadUserInput(f"capacity is 0 to {MAX_CAPACITY} points.", field="capacity")
        user.capacity = capacity
    if skills is not None:
        user.skills = sorted({validation.text(s, field="skills", max_length=80).lower() for s in skills})
    await user.save(update_fields=["capacity", "skills"])
    for group_id in await _groups_of(user.id):
        await dispatch.drain(group_id=group_id, now=now, publisher=publisher)
    return user


# --- groups ----------------------------------------------------------------------------


_UNSET: Any = object()


async def update_group_dispatch(
    *, actor: Actor, group_id: int, strategy: AssignmentStrategy | None,
    escalation_group_id: int | None | Any = _UNSET, is_default: bool | None = None,
    now: datetime, publisher: Publisher,
) -> Group:
    require_manager(actor, "change a group's dispatch")
    group = await _group(group_id)
    if strategy is not None:
        group.assignment_strategy = strategy
    if escalation_group_id is not _UNSET:
        if escalation_group_id is not None:
            if escalation_group_id == group.id:
                raise BadUserInput("A group cannot escalate to itself.", field="escalationGroupId")
            await _group(escalation_group_id, "escalationGroupId")
        group.escalation_group_id = escalation_group_id
    async with in_transaction():
        if is_default:
            await Group.filter(is_default=True).exclude(id=group.id).update(is_default=False)
        if is_default is not None:
            group.is_default = is_default
        await group.save()
    await dispatch.drain(group_id=group.id, now=now, publisher=publisher)
    if is_default:
        await dispatch.route_stranded(now=now, publisher=publisher, why="a default group was set")
    return group


# --- routing rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingRuleData:
    name: str
    position: int
    enabled: bool
    group_id: int | None
    category_ids: list[int]
    product_ids: list[int]
    customer_tiers: list[CustomerTier]
    organisations: list[str]
    sources: list[TicketSource]
    priorities: list[Priority]
    keywords: list[str]
    set_priority: Priority | None
    tags: list[str]


async def upsert_routing_rule(
    *, actor: Actor, rule_id: int | None, data: RoutingRuleData, now: datetime, publisher: Publisher
) -> RoutingRule:
    require_manager(actor, "edit routing rules")
    name = validation.text(data.name, field="name", max_length=validation.NAME_MAX)
    if data.group_id is None and data.set_priority is None and not data.tags:
        raise BadUserInput("A rule needs an effect: a group, a priority or tags.", field="groupId")
    if data.group_id is not None:
        await _group(data.group_id)
    for cid in data.category_ids:
        if not await Category.exists(id=cid):
            raise BadUserInput("No category with that id.", field="categoryIds")
    for pid in data.product_ids:
        if not await Product.exists(id=pid):
            raise BadUserInput("No product with that id.", field="productIds")
    fields: dict[str, Any] = {
        "name": name, "position": data.position, "enabled": data.enabled, "group_id": data.group_id,
        "category_ids": sorted(set(data.category_ids)), "product_ids": sorted(set(data.product_ids)),
        "customer_tiers": sorted({t.value for t in data.customer_tiers}),
        "organisations": sorted(
            {validation.text(o, field="organisations", max_length=120) for o in data.organisations}
        ),
        "sources": sorted({s.value for s in data.sources}),
        "priorities": sorted({p.name for p in data.priorities}),
        "keywords": list(dict.fromkeys(validation.text(k, field="keywords", max_length=80).lower()
                                       for k in data.keywords)),
        "set_priority": data.set_priority,
        "tags": list(
            dict.fromkeys(validation.text(t, field="tags", max_length=40).lower() for t in data.tags)
        ),
    }
    try:
        if rule_id is None:
            rule = await RoutingRule.create(**fields)
        else:
            found = await RoutingRule.get_or_none(id=rule_id)
            if found is None:
                raise NotFound("No routing rule with that id.", field="id")
            rule = found
            await rule.update_from_dict(fields).save()
    except IntegrityError:
        raise Conflict("A routing rule with that name exists.", field="name") from None
    if rule.enabled:
        await dispatch.route_stranded(now=now, publisher=publisher, why=f"routing rule {rule.name!r} saved")
    return rule


async def delete_routing_rule(*, actor: Actor, rule_id: int) -> None:
    require_manager(actor, "edit routing rules")
    if not await RoutingRule.filter(id=rule_id).delete():
        raise NotFound("No routing rule with that id.", field="id")


# --- on-call ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleData:
    participants: list[int]
    starts_at: datetime
    shift_seconds: int
    time_zone: str
    ack_timeout_seconds: int
    webhook_url: str | None


async def upsert_schedule(*, actor: Actor, group_id: int, data: ScheduleData) -> OnCallSchedule:
    require_manager(actor, "edit on-call schedules")
    group = await _group(group_id)
    members = set(await _groups_members(group.id))
    if not data.participants:
        raise BadUserInput("An on-call rotation needs at least one participant.", field="participants")
    for user_id in data.participants:
        if user_id not in members:
            raise BadUserInput("Every participant must be a member of the group.", field="participants")
    if not 60 <= data.shift_seconds <= 90 * 86400:
        raise BadUserInput("shiftSeconds is one minute to 90 days.", field="shiftSeconds")
    if not 1 <= data.ack_timeout_seconds <= 86400:
        raise BadUserInput("ackTimeoutSeconds is 1 second to a day.", field="ackTimeoutSeconds")
    if data.starts_at.tzinfo is None:
        raise BadUserInput("startsAt needs a time zone offset.", field="startsAt")
    try:
        oncall.Rotation(tuple(data.participants), data.starts_at, timedelta(seconds=data.shift_seconds),
                        data.time_zone)
    except ValueError:
        raise BadUserInput(f"Unknown time zone {data.time_zone!r}.", field="timeZone") from None
    url = data.webhook_url
    if url is not None and not url.startswith(("http://", "https://")):
        raise BadUserInput("webhookUrl must be an http(s) URL.", field="webhookUrl")
    fields: dict[str, Any] = {
        "participants": list(data.participants), "starts_at": data.starts_at,
        "shift_seconds": data.shift_seconds, "time_zone": data.time_zone,
        "ack_timeout_seconds": data.ack_timeout_seconds, "webhook_url": url,
    }
    schedule, created = await OnCallSchedule.get_or_create(group_id=group.id, defaults=fields)
    if not created:
        await schedule.update_from_dict(fields).save()
    return schedule


async def _groups_members(group_id: int) -> list[int]:
    return cast(list[int], await GroupMembership.filter(group_id=group_id).values_list("user_id", flat=True))


async def add_override(
    *, actor: Actor, group_id: int, user_id: int, starts_at: datetime, ends_at: datetime
) -> OnCallOverride:
    require_manager(actor, "edit on-call schedules")
    schedule = await OnCallSchedule.get_or_none(group_id=group_id)
    if schedule is None:
        raise BadUserInput("The group has no on-call schedule yet.", field="groupId")
    await _staff(user_id, "userId")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise BadUserInput("Times need a time zone offset.", field="startsAt")
    if ends_at <= starts_at:
        raise BadUserInput("endsAt must be after startsAt.", field="endsAt")
    return await OnCallOverride.create(schedule_id=schedule.id, user_id=user_id, starts_at=starts_at,
                                       ends_at=ends_at)


async def remove_override(*, actor: Actor, override_id: int) -> None:
    require_manager(actor, "edit on-call schedules")
    if not await OnCallOverride.filter(id=override_id).delete():
        raise NotFound("No override with that id.", field="id")
