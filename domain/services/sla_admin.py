"""Administering SLA policies and business calendars. An edit marks every open ticket due for
a re-check, so the sweep recomputes them with the new terms in batches."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.enums import Priority
from domain.errors import BadUserInput, Conflict, NotFound
from domain.models import BusinessCalendar as CalendarRow
from domain.models import Group, SlaPolicy, Ticket
from domain.rules import validation
from domain.rules.access import Actor, require_manager
from domain.rules.calendar import BusinessCalendar
from domain.rules.sla_clock import SlaTerms
from domain.rules.sla_policy_choice import PolicyConditions
from domain.services.sla_checks import ACTIVE


@dataclass(frozen=True)
class PolicyData:
    name: str
    priority: Priority
    first_response_seconds: int
    resolution_seconds: int
    warn_at_percent: list[int]
    pause_reasons: Any  # None: all three pause both targets (see SlaTerms.from_json)
    conditions: dict[str, Any]
    position: int
    calendar_id: int | None
    # On breach: {"groupId", "raisePriority", "notifySupervisor"}; None: no escalation.
    escalation: dict[str, Any] | None = None


async def _escalation(config: dict[str, Any] | None) -> dict[str, Any] | None:
    if not config or not any(config.values()):
        return None
    group_id = config.get("groupId")
    if group_id is not None and not await Group.exists(id=group_id):
        raise BadUserInput("No group with that id.", field="escalation.groupId")
    return {"groupId": group_id, "raisePriority": bool(config.get("raisePriority")),
            "notifySupervisor": bool(config.get("notifySupervisor"))}


async def _recheck_open_tickets(now: datetime) -> int:
    return await Ticket.filter(status__in=ACTIVE).update(sla_next_alert_at=now)


async def upsert_policy(*, actor: Actor, policy_id: int | None, data: PolicyData, now: datetime) -> SlaPolicy:
    require_manager(actor, "edit SLA policies")
    name = validation.text(data.name, field="name", max_length=validation.NAME_MAX)
    calendar = None
    if data.calendar_id is not None:
        row = await CalendarRow.get_or_none(id=data.calendar_id)
        if row is None:
            raise BadUserInput("No business calendar with that id.", field="calendarId")
        calendar = BusinessCalendar.from_json(
            timezone=row.timezone, weekly_hours=row.weekly_hours, holidays=row.holidays
        )
    # Validates targets, thresholds, pause reasons and calendar together, as the clock will.
    SlaTerms.from_json(
        first_response_seconds=data.first_response_seconds,
        resolution_seconds=data.resolution_seconds,
        warn_at_percent=data.warn_at_percent,
        pause_reasons=data.pause_reasons,
        calendar=calendar,
    )
    conditions = PolicyConditions.from_json(data.conditions).to_json()
    fields = {
        "name": name,
        "priority": data.priority,
        "first_response_seconds": data.first_response_seconds,
        "resolution_seconds": data.resolution_seconds,
        "warn_at_percent": sorted(set(data.warn_at_percent)),
        "pause_reasons": data.pause_reasons,
        "conditions": conditions,
        "position": data.position,
        "calendar_id": data.calendar_id,
        "escalation": await _escalation(data.escalation),
    }
    try:
        async with in_transaction():
            if policy_id is None:
                policy = await SlaPolicy.create(**fields)
            else:
                existing = await SlaPolicy.get_or_none(id=policy_id)
                if existing is None:
                    raise NotFound("No SLA policy with that id.", field="id")
                await existing.update_from_dict(fields).save()
                policy = existing
            await _recheck_open_tickets(now)
    except IntegrityError:
        raise Conflict("An SLA policy with that name exists.", field="name") from None
    return policy


async def delete_policy(*, actor: Actor, policy_id: int, now: datetime) -> bool:
    require_manager(actor, "delete SLA policies")
    async with in_transaction():
        deleted = await SlaPolicy.filter(id=policy_id).delete()
        if not deleted:
            raise NotFound("No SLA policy with that id.", field="id")
        await _recheck_open_tickets(now)
    return True


async def upsert_calendar(
    *,
    actor: Actor,
    calendar_id: int | None,
    name: str,
    timezone: str,
    weekly_hours: dict[str, Any],
    holidays: list[str],
    now: datetime,
) -> CalendarRow:
    require_manager(actor, "edit business calendars")
    clean = validation.text(name, field="name", max_length=validation.NAME_MAX)
    parsed = BusinessCalendar.from_json(timezone=timezone, weekly_hours=weekly_hours, holidays=holidays)
    fields: dict[str, Any] = {
        "name": clean,
        "timezone": timezone,
        "weekly_hours": parsed.weekly_hours_json(),
        "holidays": parsed.holidays_json(),
    }
    try:
        async with in_transaction():
            if calendar_id is None:
                row = await CalendarRow.create(**fields)
            else:
                existing = await CalendarRow.get_or_none(id=calendar_id)
                if existing is None:
                    raise NotFound("No business calendar with that id.", field="id")
                await existing.update_from_dict(fields).save()
                row = existing
            await _recheck_open_tickets(now)
    except IntegrityError:
        raise Conflict("A business calendar with that name exists.", field="name") from None
    return row
