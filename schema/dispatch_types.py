"""Types of dispatch: routing rules, on-call schedules and overrides, pages."""

from datetime import UTC, datetime

import strawberry

from domain import enums, models
from domain.rules import oncall
from resolvers.context import Info
from resolvers.loaders import load_many
from schema.enums import CustomerTier, Priority, TicketSource
from schema.types import Agent, Group, Ticket


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


@strawberry.type(description="Ordered routing: the first enabled rule whose conditions all hold routes "
                 "the ticket to its group. Empty lists are conditions not used.")
class RoutingRule:
    id: strawberry.ID
    name: str
    position: int
    enabled: bool
    category_ids: list[strawberry.ID]
    product_ids: list[strawberry.ID]
    customer_tiers: list[CustomerTier]
    organisations: list[str]
    sources: list[TicketSource]
    priorities: list[Priority]
    keywords: list[str]
    set_priority: Priority | None
    tags: list[str]
    group_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.RoutingRule) -> "RoutingRule":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            position=row.position,
            enabled=row.enabled,
            category_ids=[strawberry.ID(str(i)) for i in row.category_ids],
            product_ids=[strawberry.ID(str(i)) for i in row.product_ids],
            customer_tiers=[enums.CustomerTier(t) for t in row.customer_tiers],
            organisations=list(row.organisations),
            sources=[enums.TicketSource(s) for s in row.sources],
            priorities=[enums.Priority[p] for p in row.priorities],
            keywords=list(row.keywords),
            set_priority=enums.Priority(row.set_priority) if row.set_priority else None,
            tags=list(row.tags),
            group_id=row.group_id,
        )

    @strawberry.field
    async def group(self, info: Info) -> Group | None:
        return await Group.load(info, self.group_id)


@strawberry.type
class OnCallOverride:
    id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    user_id: strawberry.Private[int]

    @strawberry.field
    async def agent(self, info: Info) -> Agent | None:
        row = await info.context.loaders.users.load(self.user_id)
        return Agent.from_model(row) if row else None


@strawberry.type(description="A group's rotation: participants take turns of shiftSeconds; whole-day "
                 "shifts hand over at the same local time in timeZone.")
class OnCallSchedule:
    id: strawberry.ID
    starts_at: datetime
    shift_seconds: int
    time_zone: str
    ack_timeout_seconds: int
    webhook_url: str | None
    participant_ids: strawberry.Private[list[int]]
    rules: strawberry.Private[oncall.Schedule]
    override_rows: strawberry.Private[list[models.OnCallOverride]]

    @classmethod
    def from_model(
        cls, row: models.OnCallSchedule, overrides: list[models.OnCallOverride]
    ) -> "OnCallSchedule":
        from domain.services.paging import schedule_of

        return cls(
            id=strawberry.ID(str(row.id)),
            starts_at=_utc(row.starts_at),
            shift_seconds=row.shift_seconds,
            time_zone=row.time_zone,
            ack_timeout_seconds=row.ack_timeout_seconds,
            webhook_url=row.webhook_url,
            participant_ids=[int(u) for u in row.participants],
            rules=schedule_of(row, overrides),
            override_rows=overrides,
        )

    @strawberry.field(description="In turn order.")
    async def participants(self, info: Info) -> list[Agent]:
        rows = await load_many(info.context.loaders.users, self.participant_ids)
        return [Agent.from_model(u) for u in rows]

    @strawberry.field
    def overrides(self) -> list[OnCallOverride]:
        return [
            OnCallOverride(id=strawberry.ID(str(o.id)), starts_at=_utc(o.starts_at), ends_at=_utc(o.ends_at),
                           user_id=o.user_id)
            for o in self.override_rows
        ]

    @strawberry.field(description="Who is on call at `at` (default: now).")
    async def on_call(self, info: Info, at: datetime | None = None) -> Agent | None:
        user_id = oncall.on_call_at(self.rules, at or info.context.now())
        if user_id is None:
            return None
        row = await info.context.loaders.users.load(user_id)
        return Agent.from_model(row) if row else None

    @strawberry.field(description="The next moment the person on call may change.")
    def next_handover(self, info: Info, after: datetime | None = None) -> datetime | None:
        return oncall.next_handover(self.rules, after or info.context.now())


@strawberry.type
class PageCall:
    at: datetime
    user_id: strawberry.Private[int]

    @strawberry.field
    async def agent(self, info: Info) -> Agent | None:
        row = await info.context.loaders.users.load(self.user_id)
        return Agent.from_model(row) if row else None


@strawberry.type(description="An on-call page: who was called, in order, until someone acknowledged.")
class Page:
    id: strawberry.ID
    reason: str
    created_at: datetime
    acknowledged_at: datetime | None
    exhausted: bool = strawberry.field(description="Everyone in the chain was called; nobody answered.")
    next_check_at: datetime | None
    calls: list[PageCall]
    chain_ids: strawberry.Private[list[int]]
    ticket_row: strawberry.Private[models.Ticket | None]
    ticket_id: strawberry.Private[int]
    acknowledged_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Page) -> "Page":
        return cls(
            id=strawberry.ID(str(row.id)),
            reason=row.reason,
            created_at=_utc(row.created_at),
            acknowledged_at=_utc(row.acknowledged_at) if row.acknowledged_at else None,
            exhausted=row.exhausted,
            next_check_at=_utc(row.next_check_at) if row.next_check_at else None,
            calls=[PageCall(at=_utc(datetime.fromisoformat(at)), user_id=int(u)) for u, at in row.notified],
            chain_ids=[int(u) for u in row.chain],
            ticket_row=None,
            ticket_id=row.ticket_id,
            acknowledged_by_id=row.acknowledged_by_id,
        )

    @strawberry.field(description="Everyone who would be called, in order.")
    async def chain(self, info: Info) -> list[Agent]:
        return [Agent.from_model(u) for u in await load_many(info.context.loaders.users, self.chain_ids)]

    @strawberry.field
    async def acknowledged_by(self, info: Info) -> Agent | None:
        if self.acknowledged_by_id is None:
            return None
        row = await info.context.loaders.users.load(self.acknowledged_by_id)
        return Agent.from_model(row) if row else None

    @strawberry.field
    async def ticket(self, info: Info) -> Ticket | None:
        row = await info.context.loaders.tickets.load(self.ticket_id)
        return Ticket.from_model(row) if row else None

