"""What subscriptions deliver. Every item has an increasing `eventId`: pass the last one
you saw as `since` when you subscribe again, and nothing is missed or repeated."""

from datetime import datetime
from typing import Annotated

import strawberry

from domain.enums import EventKind
from resolvers.subscriptions import Delivery
from schema.sla_types import SlaTargetKind
from schema.types import Message, Ticket, TicketEvent, utc


@strawberry.interface
class TicketActivityItem:
    event_id: strawberry.ID
    at: datetime
    ticket: Ticket


@strawberry.type
class TicketAssigned(TicketActivityItem):
    previous_assignee_id: strawberry.ID | None


@strawberry.type
class TicketUpdated(TicketActivityItem):
    event: TicketEvent


@strawberry.type
class MessageAdded(TicketActivityItem):
    message: Message


@strawberry.type
class SlaNearBreach(TicketActivityItem):
    target: SlaTargetKind
    percent: int


@strawberry.type
class SlaBreached(TicketActivityItem):
    target: SlaTargetKind


WorkbenchEvent = Annotated[
    TicketAssigned | TicketUpdated | MessageAdded | SlaNearBreach | SlaBreached,
    strawberry.union("WorkbenchEvent"),
]
SlaAlert = Annotated[SlaNearBreach | SlaBreached, strawberry.union("SlaAlert")]


def _common(item: Delivery) -> dict[str, object]:
    return {"event_id": strawberry.ID(str(item.event.id)), "at": utc(item.event.created_at),
            "ticket": Ticket.from_model(item.ticket)}


def to_alert(item: Delivery) -> SlaNearBreach | SlaBreached:
    after = item.event.after or {}
    target = SlaTargetKind(after.get("target", "RESOLUTION"))
    if item.event.kind is EventKind.SLA_NEAR_BREACH:
        return SlaNearBreach(**_common(item), target=target, percent=int(after.get("percent") or 0))  # type: ignore[arg-type]
    return SlaBreached(**_common(item), target=target)  # type: ignore[arg-type]


def to_workbench_event(
    item: Delivery,
) -> TicketAssigned | TicketUpdated | MessageAdded | SlaNearBreach | SlaBreached:
    kind = item.event.kind
    if item.message is not None:
        return MessageAdded(**_common(item), message=Message.from_model(item.message))  # type: ignore[arg-type]
    if kind in (EventKind.SLA_NEAR_BREACH, EventKind.SLA_BREACHED):
        return to_alert(item)
    if kind is EventKind.ASSIGNED:
        previous = (item.event.before or {}).get("assigneeId")
        return TicketAssigned(**_common(item),  # type: ignore[arg-type]
                              previous_assignee_id=strawberry.ID(str(previous)) if previous else None)
    return TicketUpdated(**_common(item), event=TicketEvent.from_model(item.event))  # type: ignore[arg-type]
