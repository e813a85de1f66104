"""Ticket queries and mutations: check access, call a service, map to schema types."""

from contextlib import suppress
from datetime import UTC, datetime
from functools import partial

import strawberry
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from domain.enums import Priority, TicketStatus, WaitReason
from domain.errors import BadUserInput, DomainError
from domain.models import Category as CategoryModel
from domain.models import Ticket as TicketModel
from domain.models import TicketEvent
from domain.rules import validation
from domain.services import ticket_attachments, tickets
from resolvers.context import Info
from resolvers.customer_mail import OutgoingMail
from resolvers.ids import parse_id, parse_ids, parse_optional_id
from resolvers.pagination import after_filter, encode_cursor, order_by
from schema.inputs import CreateTicketInput, TicketFilter
from schema.types import Message, PageInfo, Ticket, TicketConnection, TicketEdge, Workbench


async def ticket(info: Info, id: strawberry.ID | None = None, key: str | None = None) -> Ticket | None:
    actor = info.context.require_actor()
    if (id is None) == (key is None):
        raise BadUserInput("Give exactly one of id and key.", field="id")
    if id is not None:
        row = await tickets.get(actor=actor, ticket_id=parse_id(id, "id"))
    else:
        assert key is not None
        row = await tickets.get_by_key(actor=actor, key=key)
    return Ticket.from_model(row)


def _apply_filter(query: QuerySet[TicketModel], f: TicketFilter) -> QuerySet[TicketModel]:
    if f.status:
        query = query.filter(status__in=list(f.status))
    if f.priority:
        query = query.filter(priority__in=list(f.priority))
    if f.source:
        query = query.filter(source__in=list(f.source))
    if (groups := parse_ids(f.group_id, "filter.groupId")) is not None:
        query = query.filter(group_id__in=groups)
    if (assignees := parse_ids(f.assignee_id, "filter.assigneeId")) is not None:
        query = query.filter(assignee_id__in=assignees)
    if f.unassigned is not None:
        query = query.filter(assignee_id__isnull=f.unassigned)
    if (customer := parse_optional_id(f.customer_id, "filter.customerId")) is not None:
        query = query.filter(customer_id=customer)
    if (product := parse_optional_id(f.product_id, "filter.productId")) is not None:
        query = query.filter(product_id=product)
    if (category := parse_optional_id(f.category_id, "filter.categoryId")) is not None:
        # A parent category's tickets include its subcategories'.
        subcategories = Subquery(CategoryModel.filter(parent_id=category).values("id"))
        query = query.filter(Q(category_id=category) | Q(category_id__in=subcategories))
    if f.sla_state:
        query = query.filter(sla_state__in=[s.value for s in f.sla_state])
    if f.needs_review is not None:
        query = query.filter(needs_review=f.needs_review)
    if f.text:
        text = validation.text(f.text, field="filter.text", max_length=200)
        match = Q(subject__icontains=text) | Q(description__icontains=text)
        with suppress(DomainError):  # not a key: a plain text search
            match |= Q(id=validation.ticket_key_number(text, prefix="HD"))
        query = query.filter(match)
    return query


async def ticket_list(
    info: Info,
    filter: TicketFilter | None = None,
    first: int = 50,
    after: str | None = None,
    order: str = "CREATED_AT_DESC",
) -> TicketConnection:
    actor = info.context.require_actor()
    limit = validation.page_size(first)
    query = tickets.visible_tickets(actor)
    if filter is not None:
        query = _apply_filter(query, filter)
    count_query = query.count
    if after is not None:
        query = query.filter(after_filter(order, after))
    joined = selected_relations(info)
    page_query = query.order_by(*order_by(order)).limit(limit + 1)
    rows = await (page_query.select_related(*joined) if joined else page_query)
    page = rows[:limit]
    edges = [
        TicketEdge(node=Ticket.from_model(r, joined), make_cursor=partial(encode_cursor, order, r))
        for r in page
    ]
    return TicketConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > limit, end_cursor=encode_cursor(order, page[-1]) if page else None
        ),
        count_query=count_query,
    )


JOINABLE = ("customer", "assignee", "group")


def selected_relations(info: Info) -> list[str]:
    """Which of the ticket's to-one relations the query selects under edges.node or nodes."""
    wanted: set[str] = set()
    for connection in info.selected_fields:
        for field in connection.selections:
            nodes = []
            if getattr(field, "name", None) == "nodes":
                nodes = [field]
            elif getattr(field, "name", None) == "edges":
                nodes = [f for f in getattr(field, "selections", []) if getattr(f, "name", None) == "node"]
            for node in nodes:
                names = {str(getattr(f, "name", "")) for f in getattr(node, "selections", [])}
                wanted |= names & set(JOINABLE)
    return sorted(wanted)


WORKBENCH_LIMIT = 200


async def workbench(info: Info) -> Workbench:
    actor = info.context.require_actor()
    mine = tickets.visible_tickets(actor).filter(assignee_id=actor.user_id)

    async def listing(query: QuerySet[TicketModel]) -> list[Ticket]:
        rows = await query.order_by("priority", "sla_due_at", "created_at", "id").limit(WORKBENCH_LIMIT)
        return [Ticket.from_model(r) for r in sorted(rows, key=by_urgency)]

    # Read before the lists: an event after it is replayed by `since`, never lost between.
    newest = await TicketEvent.all().order_by("-id").first().values_list("id", flat=True)
    return Workbench(
        last_event_id=strawberry.ID(str(newest)) if newest is not None else None,
        pending=await listing(mine.filter(status=TicketStatus.NEW)),
        in_progress=await listing(mine.filter(status=TicketStatus.OPEN)),
        waiting=await listing(mine.filter(status=TicketStatus.WAITING)),
        unassigned_in_my_groups=await listing(
            TicketModel.filter(group_id__in=list(actor.group_ids), assignee_id__isnull=True,
                               status__in=tickets.ACTIVE_STATUSES)
        ),
        near_breach=await listing(
            mine.filter(status__in=tickets.ACTIVE_STATUSES, sla_state__in=["NEAR_BREACH", "BREACHED"])
        ),
    )


def by_urgency(row: TicketModel) -> tuple[bool, datetime, int]:
    """URGENT pinned first, then by the next due time (none due, as when paused, last)."""
    due = row.sla_due_at or datetime.max.replace(tzinfo=UTC)
    return (row.priority is not Priority.URGENT, due, row.id)


# --- mutations -------------------------------------------------------------------------


async def create_ticket(info: Info, input: CreateTicketInput) -> Ticket:
    ctx = info.context
    data = tickets.NewTicket(
        subject=input.subject,
        description=input.description,
        source=input.source,  # type: ignore[arg-type]
        customer_id=parse_optional_id(input.customer_id, "customerId"),
        customer_email=input.customer_email,
        customer_name=input.customer_name,
        customer_external_id=input.customer_external_id,
        product_id=parse_optional_id(input.product_id, "productId"),
        category_id=parse_optional_id(input.category_id, "categoryId"),
        group_id=parse_optional_id(input.group_id, "groupId"),
        priority=Priority(input.priority) if input.priority is not None else None,
        idempotency_key=input.idempotency_key,
    )
    row = await tickets.create(
        actor=ctx.require_actor(),
        data=data,
        now=ctx.now(),
        publisher=ctx.services.publisher,
        classify=ctx.services.triage_enabled,
    )
    return Ticket.from_model(row)


async def assign_ticket(
    info: Info,
    ticket_id: strawberry.ID,
    agent_id: strawberry.ID | None = None,
    group_id: strawberry.ID | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    ctx = info.context
    row = await tickets.assign(
        actor=ctx.require_actor(),
        ticket_id=parse_id(ticket_id, "ticketId"),
        agent_id=parse_optional_id(agent_id, "agentId"),
        group_id=parse_optional_id(group_id, "groupId"),
        note=note,
        expected_version=expected_version,
        now=ctx.now(),
        publisher=ctx.services.publisher,
    )
    return Ticket.from_model(row)


async def unassign_ticket(
    info: Info, ticket_id: strawberry.ID, expected_version: int | None = None
) -> Ticket:
    ctx = info.context
    row = await tickets.unassign(
        actor=ctx.require_actor(),
        ticket_id=parse_id(ticket_id, "ticketId"),
        expected_version=expected_version,
        now=ctx.now(),
        publisher=ctx.services.publisher,
    )
    return Ticket.from_model(row)


async def add_reply(
    info: Info,
    ticket_id: strawberry.ID,
    body: str,
    internal: bool | None = False,
    expected_version: int | None = None,
    attachment_ids: list[strawberry.ID] | None = None,
) -> Message:
    ctx = info.context
    now = ctx.now()
    mail = OutgoingMail(ctx.services, now)
    actor = ctx.require_actor()
    # The uploads are linked before the mail is written, so the mail can carry them.
    links = [
        ticket_attachments.link_to_message(
            attachment_ids=parse_ids(attachment_ids, "attachmentIds") or [], uploader_id=actor.user_id
        )
    ] if attachment_ids else []
    _ticket, message = await tickets.add_reply(
        actor=actor,
        ticket_id=parse_id(ticket_id, "ticketId"),
        body=body,
        internal=bool(internal),
        expected_version=expected_version,
        now=now,
        publisher=ctx.services.publisher,
        message_writes=[*links, *mail.reply_writes()],
    )
    mail.send_queued()
    return Message.from_model(message)


async def set_waiting(
    info: Info, ticket_id: strawberry.ID, reason: WaitReason, expected_version: int | None = None
) -> Ticket:
    ctx = info.context
    row = await tickets.set_waiting(
        actor=ctx.require_actor(),
        ticket_id=parse_id(ticket_id, "ticketId"),
        reason=WaitReason(reason),
        expected_version=expected_version,
        now=ctx.now(),
        publisher=ctx.services.publisher,
    )
    return Ticket.from_model(row)


async def set_priority(
    info: Info, ticket_id: strawberry.ID, priority: Priority, expected_version: int | None = None
) -> Ticket:
    ctx = info.context
    row = await tickets.set_priority(
        actor=ctx.require_actor(),
        ticket_id=parse_id(ticket_id, "ticketId"),
        priority=Priority(priority),
        expected_version=expected_version,
        now=ctx.now(),
        publisher=ctx.services.publisher,
    )
    return Ticket.from_model(row)


async def set_category(
    info: Info,
    ticket_id: strawberry.ID,
    category_id: strawberry.ID | None,
    expected_version: int | None = None,
) -> Ticket:
    ctx = info.context
    row = await tickets.set_category(
        actor=ctx.require_actor(),
        ticket_id=parse_id(ticket_id, "ticketId"),
        category_id=parse_optional_id(category_id, "categoryId"),
        expected_version=expected_version,
        now=ctx.now(),
        publisher=ctx.services.publisher,
        learn_from_corrections=ctx.services.learn_from_corrections,
    )
    return Ticket.from_model(row)


def _simple(service_fn):  # type: ignore[no-untyped-def]
    """resume/resolve/close/reopen share one shape: a ticket id and an optional version."""

    async def resolver(info: Info, ticket_id: strawberry.ID, expected_version: int | None = None) -> Ticket:
        ctx = info.context
        row = await service_fn(
            actor=ctx.require_actor(),
            ticket_id=parse_id(ticket_id, "ticketId"),
            expected_version=expected_version,
            now=ctx.now(),
            publisher=ctx.services.publisher,
        )
        return Ticket.from_model(row)

    return resolver


resume = _simple(tickets.resume)
resolve_ticket = _simple(tickets.resolve)


async def close_ticket(info: Info, ticket_id: strawberry.ID, expected_version: int | None = None) -> Ticket:
    ctx = info.context
    now = ctx.now()
    mail = OutgoingMail(ctx.services, now)  # the satisfaction survey
    row = await tickets.close(
        actor=ctx.require_actor(),
        ticket_id=parse_id(ticket_id, "ticketId"),
        expected_version=expected_version,
        now=now,
        publisher=ctx.services.publisher,
        side_writes=mail.close_writes(),
    )
    mail.send_queued()
    return Ticket.from_model(row)


reopen_ticket = _simple(tickets.reopen)
