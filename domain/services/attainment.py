"""SLA attainment for any ticket set and period, per target, from the stored SLA state."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from domain.models import Ticket, TicketSlaTarget
from domain.rules.attainment import Attainment, tally


@dataclass(frozen=True)
class AttainmentReport:
    first_response: Attainment
    resolution: Attainment


async def attainment(
    *, tickets: QuerySet[Ticket], created_from: datetime, created_to: datetime
) -> AttainmentReport:
    """Tickets created in [created_from, created_to) among `tickets` (already narrowed to what
    the caller may see and asked for)."""
    ids = Subquery(
        tickets.filter(created_at__gte=created_from, created_at__lt=created_to).values("id")
    )
    states: dict[str, list[str]] = defaultdict(list)
    for kind, state in await TicketSlaTarget.filter(ticket_id__in=ids).values_list("kind", "state"):
        states[str(kind)].append(str(state))
    return AttainmentReport(
        first_response=tally(states["FIRST_RESPONSE"]), resolution=tally(states["RESOLUTION"])
    )
