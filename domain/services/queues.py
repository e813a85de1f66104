"""Group queues: what is waiting in each group, from the indexed ticket columns."""

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count, Min

from domain.enums import Role
from domain.errors import Forbidden
from domain.models import Group, Ticket
from domain.rules.access import Actor
from domain.services.sla_checks import ACTIVE


@dataclass(frozen=True)
class QueueFigures:
    group_id: int
    new: int = 0
    open: int = 0
    waiting: int = 0
    unassigned: int = 0
    near_breach: int = 0
    breached: int = 0
    oldest_due_at: datetime | None = None


async def visible_group_ids(actor: Actor, only: int | None = None) -> list[int]:
    if actor.role is Role.CUSTOMER:
        raise Forbidden("Queues are for staff.")
    if actor.role is Role.AGENT:
        ids = sorted(actor.group_ids)
    else:
        ids = [g for g in await Group.all().order_by("name").values_list("id", flat=True)]  # type: ignore[misc]
    if only is not None:
        if only not in ids:
            raise Forbidden("You cannot see that group's queue.")
        return [only]
    return ids


async def figures(*, group_ids: list[int]) -> list[QueueFigures]:
    """Four grouped queries, whatever the number of tickets or groups."""
    if not group_ids:
        return []
    active = Ticket.filter(group_id__in=group_ids, status__in=ACTIVE)
    counts: dict[int, dict[str, object]] = {g: {} for g in group_ids}
    for row in (
        await active.annotate(n=Count("id")).group_by("group_id", "status").values("group_id", "status", "n")
    ):
        counts[row["group_id"]][str(getattr(row["status"], "value", row["status"])).lower()] = row["n"]
    for row in (
        await active.filter(assignee_id__isnull=True)
        .annotate(n=Count("id"))
        .group_by("group_id")
        .values("group_id", "n")
    ):
        counts[row["group_id"]]["unassigned"] = row["n"]
    for row in (
        await active.filter(sla_state__in=["NEAR_BREACH", "BREACHED"])
        .annotate(n=Count("id"))
        .group_by("group_id", "sla_state")
        .values("group_id", "sla_state", "n")
    ):
        counts[row["group_id"]][row["sla_state"].lower()] = row["n"]
    for row in await active.annotate(due=Min("sla_due_at")).group_by("group_id").values("group_id", "due"):
        counts[row["group_id"]]["oldest_due_at"] = row["due"]
    return [QueueFigures(group_id=g, **counts[g]) for g in group_ids]  # type: ignore[arg-type]
