"""Domain events published after commit, and the channel names they travel on."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.enums import EventKind

# Every channel name lives here: subscribers and publishers must agree on them.
ALL_TICKETS_CHANNEL = "helpdesk:tickets"


def ticket_channel(ticket_id: int) -> str:
    return f"helpdesk:ticket:{ticket_id}"


@dataclass(frozen=True)
class TicketActivity:
    """A logged change of a ticket: the row in ticket_events plus who should hear of it."""

    event_id: int
    ticket_id: int
    kind: EventKind
    at: datetime
    customer_id: int
    group_id: int | None
    assignee_id: int | None
    previous_assignee_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TicketActivity":
        return cls(
            **{
                **data,
                "kind": EventKind(data["kind"]),
                "at": datetime.fromisoformat(data["at"]),
            }
        )


class Publisher(Protocol):
    async def publish(self, activities: list[TicketActivity]) -> None: ...


class NullPublisher:
    """For the CLI (demo data, restore): nobody is listening there."""

    async def publish(self, activities: list[TicketActivity]) -> None:
        return None
