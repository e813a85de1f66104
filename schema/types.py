"""Object types. Relations are followed through the request's DataLoaders."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from domain import enums, models
from domain.rules.access import can_see_event
from domain.rules.attachment_access import may_see_attachment
from domain.rules.triage_decision import Verdict
from domain.services import sla
from resolvers.context import Info
from resolvers.loaders import load_many
from schema.attachment_types import Attachment
from schema.enums import (
    AssignmentStrategy,
    AuthorKind,
    Availability,
    CustomerTier,
    Priority,
    Role,
    TicketEventKind,
    TicketSource,
    TicketStatus,
    WaitReason,
)
from schema.permissions import StaffOnly
from schema.satisfaction_types import Satisfaction
from schema.sla_types import TicketSla

if TYPE_CHECKING:
    from strawberry.dataloader import DataLoader

    from schema.knowledge_types import ArticleSuggestion
    from schema.presence_types import TicketPresence


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


R = TypeVar("R")
T = TypeVar("T")


async def _loaded(loader: "DataLoader[int, R | None]", key: int | None, make: Callable[[R], T]) -> T | None:
    """The row through the request's loader (one query for a whole page), made into its
    type; None when there is no key or no row."""
    if key is None:
        return None
    row = await loader.load(key)
    return make(row) if row else None


@strawberry.type
class Group:
    id: strawberry.ID
    name: str
    description: str
    email: str | None = strawberry.field(permission_classes=[StaffOnly])
    assignment_strategy: AssignmentStrategy
    is_default: bool = strawberry.field(description="Takes the tickets no routing rule claims.")
    escalation_group_id: strawberry.Private[int | None]

    @classmethod
    async def load(cls, info: Info, group_id: int | None) -> "Group | None":
        return await _loaded(info.context.loaders.groups, group_id, cls.from_model)

    @classmethod
    def from_model(cls, row: models.Group) -> "Group":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            description=row.description,
            email=row.email,
            assignment_strategy=row.assignment_strategy,
            is_default=row.is_default,
            escalation_group_id=row.escalation_group_id,
        )

    @strawberry.field(description="The next tier: where escalateTicket sends the group's tickets.")
    async def escalation_group(self, info: Info) -> "Group | None":
        return await Group.load(info, self.escalation_group_id)

    @strawberry.field(permission_classes=[StaffOnly])
    async def members(self, info: Info) -> list["Agent"]:
        ids = await info.context.loaders.member_ids_by_group.load(int(self.id))
        return [Agent.from_model(u) for u in await load_many(info.context.loaders.users, ids)]


@strawberry.type(description="A staff member: admin, supervisor, agent or reporter.")
class Agent:
    id: strawberry.ID
    name: str
    email: str = strawberry.field(permission_classes=[StaffOnly])
    role: Role
    is_active: bool = strawberry.field(permission_classes=[StaffOnly])
    availability: Availability = strawberry.field(
        description="Only ONLINE agents get new work.", permission_classes=[StaffOnly]
    )
    capacity: int = strawberry.field(
        description="Most priority-weighted points of open work.", permission_classes=[StaffOnly]
    )
    skills: list[str] = strawberry.field(permission_classes=[StaffOnly])

    @classmethod
    def from_model(cls, row: models.User) -> "Agent":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            email=row.email,
            role=row.role,
            is_active=row.is_active,
            availability=row.availability,
            capacity=row.capacity,
            skills=list(row.skills or []),
        )

    @strawberry.field(permission_classes=[StaffOnly])
    async def groups(self, info: Info) -> list[Group]:
        ids = await info.context.loaders.group_ids_by_user.load(int(self.id))
        return [Group.from_model(g) for g in await load_many(info.context.loaders.groups, ids)]


@strawberry.type(description="The signed-in user.")
class User:
    id: strawberry.ID
    name: str
    email: str
    role: Role

    @classmethod
    def from_model(cls, row: models.User) -> "User":
        return cls(id=strawberry.ID(str(row.id)), name=row.name, email=row.email, role=row.role)

    @strawberry.field
    async def groups(self, info: Info) -> list[Group]:
        ids = await info.context.loaders.group_ids_by_user.load(int(self.id))
        return [Group.from_model(g) for g in await load_many(info.context.loaders.groups, ids)]


@strawberry.type
class Customer:
    id: strawberry.ID
    name: str
    email: str
    organisation: str | None
    tier: CustomerTier
    external_id: str | None
    phone: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: models.Customer) -> "Customer":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            email=row.email,
            organisation=row.organisation,
            tier=row.tier,
            external_id=row.external_id,
            phone=row.phone,
            created_at=utc(row.created_at),
        )


@strawberry.type
class Product:
    id: strawberry.ID
    name: str
    product_line: str | None
    description: str

    @classmethod
    async def load(cls, info: Info, product_id: int | None) -> "Product | None":
        return await _loaded(info.context.loaders.products, product_id, cls.from_model)

    @classmethod
    def from_model(cls, row: models.Product) -> "Product":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            product_line=row.product_line,
            description=row.description,
        )


@strawberry.type
class CategoryExample:
    id: strawberry.ID
    text: str


@strawberry.type
class Category:
    id: strawberry.ID
    name: str
    description: str
    default_group_id: strawberry.Private[int | None]
    parent_id: strawberry.Private[int | None]

    @classmethod
    async def load(cls, info: Info, category_id: int | None) -> "Category | None":
        return await _loaded(info.context.loaders.categories, category_id, cls.from_model)

    @classmethod
    def from_model(cls, row: models.Category) -> "Category":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            description=row.description,
            default_group_id=row.default_group_id,
            parent_id=row.parent_id,
        )

    @strawberry.field(description="The top-level category this is a subcategory of.")
    async def parent(self, info: Info) -> "Category | None":
        return await Category.load(info, self.parent_id)

    @strawberry.field(description="Its subcategories, by name.")
    async def subcategories(self, info: Info) -> list["Category"]:
        rows = await info.context.loaders.subcategories.load(int(self.id))
        return [Category.from_model(r) for r in rows]

    @strawberry.field(
        permission_classes=[StaffOnly],
        description="Where the category's tickets go without a routing rule (staff only).",
    )
    async def default_group(self, info: Info) -> Group | None:
        return await Group.load(info, self.default_group_id)

    @strawberry.field
    async def examples(self, info: Info) -> list[CategoryExample]:
        actor = info.context.require_actor()
        if not actor.is_staff:
            return []
        rows = await info.context.loaders.examples_by_category.load(int(self.id))
        return [CategoryExample(id=strawberry.ID(str(r.id)), text=r.text) for r in rows]


@strawberry.type(description="What the classifier said of a text or ticket.")
class Classification:
    suggested_priority: Priority
    confidence: float = strawberry.field(description="Calibrated: the chance that the category is right.")
    needs_review: bool = strawberry.field(description="Below the confidence threshold: a person decides.")
    model: str
    reasons: list[str] = strawberry.field(description="Why this priority: learned, then each rule.")
    rolled_up: bool = strawberry.field(description=(
        "The category is the parent of subcategories the classifier was unsure between: sure of "
        "the parent, it set that."))
    category_id: strawberry.Private[int | None]

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> "Classification":
        return cls(
            suggested_priority=enums.Priority(verdict.suggested_priority),
            confidence=verdict.confidence,
            needs_review=verdict.needs_review,
            model=verdict.model,
            reasons=list(verdict.reasons),
            rolled_up=verdict.rolled_up,
            category_id=verdict.category_id,
        )

    @strawberry.field(description="The best category, even when it needs review.")
    async def category(self, info: Info) -> Category | None:
        return await Category.load(info, self.category_id)


@strawberry.type
class Message:
    id: strawberry.ID
    body: str
    internal: bool
    author_kind: AuthorKind
    channel: TicketSource
    created_at: datetime
    ticket_id: strawberry.Private[int]
    author_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Message) -> "Message":
        return cls(
            id=strawberry.ID(str(row.id)),
            body=row.body,
            internal=row.internal,
            author_kind=row.author_kind,
            channel=row.channel,
            created_at=utc(row.created_at),
            ticket_id=row.ticket_id,
            author_id=row.author_id,
        )

    @strawberry.field(description="Who wrote it; null for system messages.")
    async def author_name(self, info: Info) -> str | None:
        if self.author_id is None:
            return None
        row = await info.context.loaders.users.load(self.author_id)
        return row.name if row else None

    @strawberry.field(description="Files sent with this message.")
    async def attachments(self, info: Info) -> list[Attachment]:
        actor = info.context.require_actor()
        if self.internal and not actor.is_staff:
            return []
        rows = await info.context.loaders.attachments_by_message.load(int(self.id))
        return [Attachment.from_model(r) for r in rows]

    @strawberry.field
    async def ticket(self, info: Info) -> Annotated["Ticket", strawberry.lazy("schema.types")]:
        from domain.services import tickets

        row = await tickets.get(actor=info.context.require_actor(), ticket_id=self.ticket_id)
        return Ticket.from_model(row)


@strawberry.type(description="One line of the handling and dispatch log.")
class TicketEvent:
    id: strawberry.ID
    kind: TicketEventKind
    before: JSON | None
    after: JSON | None
    note: str | None
    created_at: datetime
    ticket_id: strawberry.ID
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.TicketEvent) -> "TicketEvent":
        return cls(
            id=strawberry.ID(str(row.id)),
            ticket_id=strawberry.ID(str(row.ticket_id)),
            kind=row.kind,
            before=cast(JSON | None, row.before),
            after=cast(JSON | None, row.after),
            note=row.note,
            created_at=utc(row.created_at),
            actor_id=row.actor_id,
        )

    @strawberry.field
    async def actor(self, info: Info) -> Agent | None:
        if self.actor_id is None:
            return None
        row = await info.context.loaders.users.load(self.actor_id)
        return Agent.from_model(row) if row else None


@strawberry.type
class Ticket:
    id: strawberry.ID
    key: str
    subject: str
    description: str
    source: TicketSource
    status: TicketStatus
    wait_reason: WaitReason | None
    priority: Priority
    created_at: datetime
    updated_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    customer_id: strawberry.Private[int]
    product_id: strawberry.Private[int | None]
    category_id: strawberry.Private[int | None]
    group_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]
    row: strawberry.Private[models.Ticket]
    preloaded: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_model(cls, row: models.Ticket, preload: Sequence[str] = ()) -> "Ticket":
        return cls(
            id=strawberry.ID(str(row.id)),
            key=row.key,
            subject=row.subject,
            description=row.description,
            source=row.source,
            status=row.status,
            wait_reason=row.wait_reason,
            priority=enums.Priority(row.priority),
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
            first_responded_at=utc_or_none(row.first_responded_at),
            resolved_at=utc_or_none(row.resolved_at),
            closed_at=utc_or_none(row.closed_at),
            version=row.version,
            customer_id=row.customer_id,
            product_id=row.product_id,
            category_id=row.category_id,
            group_id=row.group_id,
            assignee_id=row.assignee_id,
            row=row,
            preloaded={name: getattr(row, name) for name in preload},
        )

    # customer, group and assignee come preloaded (joined) in ticket lists that select them:
    # answered without an await per row, which is most of a page's CPU (see bench/).
    # Elsewhere they return the DataLoader coroutine, which graphql-core awaits.

    @strawberry.field
    def customer(self, info: Info) -> Customer:
        if "customer" in self.preloaded:
            return Customer.from_model(self.preloaded["customer"])
        return self._load_customer(info)  # type: ignore[return-value]

    async def _load_customer(self, info: Info) -> Customer:
        row = await info.context.loaders.customers.load(self.customer_id)
        assert row is not None  # the foreign key is RESTRICT: a ticket always has one
        return Customer.from_model(row)

    @strawberry.field
    async def product(self, info: Info) -> Product | None:
        return await Product.load(info, self.product_id)

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        return await Category.load(info, self.category_id)

    @strawberry.field(description="What the classifier said, kept after a person changes it (staff only).")
    def classification(self, info: Info) -> Classification | None:
        actor = info.context.actor
        if actor is None or not actor.is_staff or self.row.classification is None:
            return None
        return Classification.from_verdict(Verdict.from_json(self.row.classification))

    @strawberry.field(description="In the triage review queue until someone sets the category.")
    def needs_review(self) -> bool:
        return self.row.needs_review

    @strawberry.field(description="Labels set by routing rules.")
    def tags(self) -> list[str]:
        return list(self.row.tags or [])

    @strawberry.field
    def group(self, info: Info) -> Group | None:
        if self.group_id is None:
            return None
        if "group" in self.preloaded:
            return Group.from_model(self.preloaded["group"])
        return Group.load(info, self.group_id)  # type: ignore[return-value]

    @strawberry.field
    def assignee(self, info: Info) -> Agent | None:
        if self.assignee_id is None:
            return None
        if "assignee" in self.preloaded:
            return Agent.from_model(self.preloaded["assignee"])
        return self._load_assignee(info, self.assignee_id)  # type: ignore[return-value]

    async def _load_assignee(self, info: Info, user_id: int) -> Agent | None:
        row = await info.context.loaders.users.load(user_id)
        return Agent.from_model(row) if row else None

    @strawberry.field(description="First-response and resolution targets, live at read time.")
    async def sla(self, info: Info) -> TicketSla:
        loaders = info.context.loaders
        events = await loaders.events_by_ticket.load(int(self.id))
        customer = await loaders.customers.load(self.customer_id)
        now = info.context.now()
        view = sla.evaluate(ticket=self.row, events=events, tier=customer.tier if customer else None,
                            book=await loaders.policy_book.get(), now=now)
        return TicketSla.from_view(view, self.row, events, now)

    @strawberry.field(description="Agents viewing or replying right now (staff only).")
    async def presence(
        self, info: Info
    ) -> list[Annotated["TicketPresence", strawberry.lazy("schema.presence_types")]]:
        from domain.services import presence as presence_service
        from schema.presence_types import TicketPresence

        ctx = info.context
        entries = await presence_service.on_ticket(actor=ctx.require_actor(), ticket_id=int(self.id),
                                                   store=ctx.services.presence, now=ctx.now())
        return [TicketPresence.from_rule(e) for e in entries]

    @strawberry.field(description="Customers see public replies only.")
    async def messages(self, info: Info) -> list[Message]:
        actor = info.context.require_actor()
        rows = await info.context.loaders.messages_by_ticket.load(int(self.id))
        return [Message.from_model(r) for r in rows if actor.is_staff or not r.internal]

    @strawberry.field(
        description="Files on the ticket, oldest first. Customers see those of public messages "
        "and their own uploads."
    )
    async def attachments(self, info: Info) -> list[Attachment]:
        actor = info.context.require_actor()
        loaders = info.context.loaders
        rows = await loaders.attachments_by_ticket.load(int(self.id))
        if actor.is_staff or not rows:
            return [Attachment.from_model(r) for r in rows]
        internal = {m.id for m in await loaders.messages_by_ticket.load(int(self.id)) if m.internal}
        return [
            Attachment.from_model(r)
            for r in rows
            if may_see_attachment(actor, uploaded_by_id=r.uploaded_by_id, on_message=r.message_id is not None,
                                  message_internal=r.message_id in internal)
        ]

    @strawberry.field(
        description="The handling and dispatch log, oldest first. Customers see the creation, "
        "status changes and replies only."
    )
    async def events(self, info: Info) -> list[TicketEvent]:
        actor = info.context.require_actor()
        rows = await info.context.loaders.events_by_ticket.load(int(self.id))
        return [TicketEvent.from_model(r) for r in rows if can_see_event(actor, r.kind)]

    @strawberry.field(description="The customer's rating, from the survey sent on close.")
    async def satisfaction(self, info: Info) -> Satisfaction | None:
        row = await info.context.loaders.satisfaction_by_ticket.load(int(self.id))
        return Satisfaction.from_model(row) if row else None

    @strawberry.field(
        description="Published knowledge-base articles like the ticket's subject and description, "
        "best first (articles of another product left out). Staff get public and internal ones, "
        "the ticket's customer public ones."
    )
    async def suggested_articles(
        self, info: Info, first: int | None = 3
    ) -> list[Annotated["ArticleSuggestion", strawberry.lazy("schema.knowledge_types")]]:
        from resolvers.knowledge import ticket_suggestions

        return await ticket_suggestions(info, self.row, 3 if first is None else first)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class TicketEdge:
    node: Ticket
    # Encoded only when selected: most pages never ask for per-row cursors.
    make_cursor: strawberry.Private[Callable[[], str]]

    @strawberry.field
    def cursor(self) -> str:
        return self.make_cursor()


@strawberry.type
class TicketConnection:
    edges: list[TicketEdge]
    page_info: PageInfo
    # Counting every matching row is most of a page's database time: only when asked.
    count_query: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count_query()

    @strawberry.field
    def nodes(self) -> list[Ticket]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="The caller's own work, URGENT first, then the oldest.")
class Workbench:
    last_event_id: strawberry.ID | None = strawberry.field(
        description="The newest event's id when the lists were read: subscribe with `since` set "
        "to it and nothing that happens in between is missed."
    )
    pending: list[Ticket] = strawberry.field(description="Assigned to me, not yet started (NEW).")
    in_progress: list[Ticket] = strawberry.field(description="Assigned to me and OPEN.")
    waiting: list[Ticket] = strawberry.field(description="Assigned to me and WAITING.")
    unassigned_in_my_groups: list[Ticket]
    near_breach: list[Ticket] = strawberry.field(
        description="Assigned to me, NEAR_BREACH or BREACHED, the soonest due first."
    )
