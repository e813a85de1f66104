"""Domain events published after commit, and the channel names they travel on."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.enums import EventKind

# Every channel name lives here: subscribers and publishers must agree on them.
ALL_TICKETS_CHANNEL = "helpdesk:tickets"


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
    previous_group_id: int | None = None  # a transfer changes two groups' queues

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


@dataclass(frozen=True)
class PageNotification:
    """What goes out (live event, signed webhook) when someone is paged."""

    page_id: int
    ticket_id: int
    ticket_key: str
    subject: str
    priority: str
    group_id: int
    user_id: int
    user_email: str
    reason: str
    at: datetime
    webhook_url: str | None


@dataclass(frozen=True)
class QueuedNotices:
    """The outbox rows (mail, webhook calls) a page step wrote in its transaction."""

    mail_ids: tuple[int, ...] = ()
    webhook_ids: tuple[int, ...] = ()


class Publisher(Protocol):
    """What a use case does after its transaction commits, and the notices it writes inside it."""

    async def publish(self, activities: list[TicketActivity]) -> None: ...

    async def schedule_sla_check(self, ticket_id: int, at: datetime) -> None:
        """Re-checks the ticket's SLA at `at` (its next threshold or due time)."""

    async def schedule_classification(self, ticket_id: int) -> None:
        """Queues the new ticket for the classifier (batched with whatever else is queued)."""

    async def write_page_notices(self, notification: PageNotification) -> QueuedNotices:
        """Inside the page step's transaction: the paged person's mail and the schedule's
        signed webhook call as outbox rows, so the step and its notices commit together."""

    def send_page_notices(self, queued: QueuedNotices, now: datetime) -> None:
        """After the commit: sends what `write_page_notices` wrote, at once (the sweeps retry)."""


class NullPublisher:
    """For the CLI (demo data, restore): nobody listens there, and the server's sweep picks
    up any SLA moment that falls due later."""

    async def publish(self, activities: list[TicketActivity]) -> None:
        return None

    async def schedule_sla_check(self, ticket_id: int, at: datetime) -> None:
        return None

    async def schedule_classification(self, ticket_id: int) -> None:
        return None  # pending tickets are classified by the server's sweep when it starts

    async def write_page_notices(self, notification: PageNotification) -> QueuedNotices:
        return QueuedNotices()  # the CLI sends no mail and calls no webhook

    def send_page_notices(self, queued: QueuedNotices, now: datetime) -> None:
        return None
