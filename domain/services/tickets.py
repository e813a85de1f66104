"""Ticket use cases. Keyword-only, `now` passed in; each writes its change and its event in
one transaction (see ticket_changes) and publishes after commit."""

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.enums import (
    STAFF_ROLES,
    AuthorKind,
    EventKind,
    Priority,
    PriorityOrigin,
    Role,
    TicketSource,
    TriageState,
    WaitReason,
)
from domain.enums import TicketStatus as S
from domain.errors import BadUserInput, Conflict, Forbidden, NotFound
from domain.events import Publisher
from domain.models import Category, Customer, GroupMembership, Message, Product, Ticket, User
from domain.models import Group as GroupModel
from domain.rules import transitions, validation
from domain.rules.access import Actor, require_staff, require_ticket_reader
from domain.services import dispatch, product_rules, triage
from domain.services.ticket_changes import (
    ChangeResult,
    EventDraft,
    MessageDraft,
    MessageWrite,
    TicketChange,
    after_commit,
    change_ticket,
    ensure_visible,
    write_events,
)

logger = logging.getLogger("helpdesk.tickets")

MAX_CREATE_ATTEMPTS = 3
EXTERNAL_ID_MAX = 120  # Customer.external_id's column
ACTIVE_STATUSES = [S.NEW, S.OPEN, S.WAITING]


@dataclass(frozen=True)
class NewTicket:
    subject: str
    description: str
    source: TicketSource = TicketSource.API
    customer_id: int | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    product_id: int | None = None
    category_id: int | None = None
    group_id: int | None = None
    priority: Priority | None = None
    idempotency_key: str | None = None
    # The customer's id in the caller's own system (chat user, CRM), beside or instead of email.
    customer_external_id: str | None = None
    # The address the customer wrote to (mail intake): product rules may match on it.
    recipient: str | None = None
    # The outside conversation ("<channel>:<conversation>") whose later messages join it.
    external_thread: str | None = None


# --- reading ---------------------------------------------------------------------------


def visible_tickets(actor: Actor) -> QuerySet[Ticket]:
    require_ticket_reader(actor)
    if actor.sees_all_tickets:
        return Ticket.all()
    if actor.role is Role.AGENT:
        return Ticket.filter(Q(group_id__in=list(actor.group_ids)) | Q(assignee_id=actor.user_id))
    return Ticket.filter(customer_id__in=list(actor.customer_ids))


async def get(*, actor: Actor, ticket_id: int) -> Ticket:
    require_ticket_reader(actor)
    return ensure_visible(actor, await Ticket.get_or_none(id=ticket_id))


async def get_by_key(*, actor: Actor, key: str) -> Ticket:
    number = validation.ticket_key_number(key, prefix="HD")
    return await get(actor=actor, ticket_id=number)


# --- creating --------------------------------------------------------------------------


async def _resolve_customer_id(
    actor: Actor | None, data: NewTicket
) -> tuple[int | None, str | None, str | None]:
    """The existing customer's id, or the email of one to create inside the transaction; and
    the external id to give the customer (a new one, or an existing one that has none)."""
    if actor is not None and actor.role is Role.CUSTOMER:
        if not actor.customer_ids:
            raise Forbidden("This account has no customer profile.")
        own = min(actor.customer_ids)
        if data.customer_id is not None and data.customer_id not in actor.customer_ids:
            raise Forbidden("Customers open tickets for themselves only.")
        return (data.customer_id or own), None, None
    if data.customer_id is not None:
        if not await Customer.exists(id=data.customer_id):
            raise BadUserInput("No customer with that id.", field="customerId")
        return data.customer_id, None, None
    external_id = validation.optional_text(
        data.customer_external_id, field="customerExternalId", max_length=EXTERNAL_ID_MAX
    )
    if external_id is not None:
        linked = await Customer.get_or_none(external_id=external_id)
        if linked is not None:
            return linked.id, None, None
        if data.customer_email is None:
            raise BadUserInput(
                "No customer with that external id; give customerEmail to create one.",
                field="customerExternalId",
            )
    if data.customer_email is None:
        raise BadUserInput("Give customerId or customerEmail.", field="customerEmail")
    email = validation.email(data.customer_email, field="customerEmail")
    existing = await Customer.get_or_none(email=email)
    return (existing.id, None, external_id) if existing else (None, email, external_id)


async def _check_reference(model: type[Model], value: int | None, field: str) -> None:
    if value is not None and not await model.exists(id=value):
        raise BadUserInput(f"No {field.removesuffix('Id')} with that id.", field=field)


async def create(
    *,
    actor: Actor | None,
    data: NewTicket,
    now: datetime,
    publisher: Publisher,
    classify: bool = True,
    side_writes: Sequence[Callable[[Ticket], Awaitable[None]]] = (),
) -> Ticket:
    """`classify`: queue the ticket for the classifier (off when the desk runs without triage).

    `side_writes` run after the ticket row in its transaction (an intake's receipt, so a
    redelivery sees the ticket and its receipt together or neither). A unique violation
    there is a lost race like any other: the next attempt finds the winner's ticket by the
    idempotency key, without running them again.

    `actor` None is the desk's own intake (mail, web form, chat) writing for a customer who
    has no account: the caller has decided who the customer is and what may be set."""
    if actor is not None and actor.role is Role.REPORTER:
        raise Forbidden("Reporters cannot open tickets.")
    subject = validation.text(data.subject, field="subject", max_length=validation.SUBJECT_MAX)
    description = validation.text(
        data.description, field="description", max_length=validation.DESCRIPTION_MAX
    )
    customer_name = validation.optional_text(
        data.customer_name, field="customerName", max_length=validation.NAME_MAX
    )
    scoped_key = None
    if data.idempotency_key is not None:
        key = validation.text(
            data.idempotency_key, field="idempotencyKey", max_length=validation.IDEMPOTENCY_KEY_MAX
        )
        scoped_key = f"{actor.user_id if actor is not None else 'intake'}:{key}"
    if actor is not None and actor.role is Role.CUSTOMER and (
        data.group_id is not None or data.category_id is not None or data.priority is not None
    ):
        # Triage is the desk's: otherwise every customer would be URGENT.
        raise Forbidden("Customers cannot choose the group, category or priority.")
    await _check_reference(Product, data.product_id, "productId")
    await _check_reference(Category, data.category_id, "categoryId")
    await _check_reference(GroupModel, data.group_id, "groupId")

    for _attempt in range(MAX_CREATE_ATTEMPTS):
        if scoped_key is not None:
            existing = await Ticket.get_or_none(idempotency_key=scoped_key)
            if existing is not None:
                return existing
        customer_id, new_email, external_id = await _resolve_customer_id(actor, data)
        # Without a group, dispatch routes the ticket: routing rules first, then its category's
        # default group (a subcategory's, else its parent's), then the desk's default.
        group_id = data.group_id
        product_id = data.product_id
        if product_id is None:
            product_id = await product_rules.product_for(
                recipient=data.recipient, customer_id=customer_id, customer_email=new_email,
                subject=subject, description=description,
            )
        try:
            async with in_transaction():
                if customer_id is None and new_email is not None:
                    customer = await Customer.create(
                        email=new_email, name=customer_name or new_email.split("@")[0],
                        external_id=external_id,
                    )
                    customer_id = customer.id
                elif external_id is not None:
                    await Customer.filter(id=customer_id, external_id__isnull=True).update(
                        external_id=external_id
                    )
                ticket = await Ticket.create(
                    subject=subject,
                    description=description,
                    source=data.source,
                    priority=data.priority or Priority.MEDIUM,
                    priority_origin=(
                        PriorityOrigin.DEFAULT if data.priority is None else PriorityOrigin.CREATOR
                    ),
                    triage_state=TriageState.PENDING if classify else TriageState.SKIPPED,
                    category_confirmed=data.category_id is not None,
                    customer_id=customer_id,
                    product_id=product_id,
                    category_id=data.category_id,
                    group_id=group_id,
                    created_by_id=actor.user_id if actor is not None else None,
                    idempotency_key=scoped_key,
                    external_thread=data.external_thread,
                    # With triage, the classification marks it when it hands the ticket on.
                    **({} if classify else dispatch.marked(now)),
                    created_at=now,
                    updated_at=now,
                )
                for side_write in side_writes:
                    await side_write(ticket)
                activities = await write_events(
                    ticket=ticket,
                    actor_id=actor.user_id if actor is not None else None,
                    drafts=(
                        EventDraft(
                            kind=EventKind.CREATED,
                            after={
                                "status": ticket.status.value,
                                "priority": ticket.priority.name,
                                "source": ticket.source.value,
                                "groupId": group_id,
                            },
                        ),
                    ),
                    now=now,
                    previous_assignee_id=None,
                )
        except IntegrityError:
            # Lost a race on the idempotency key or on a new customer's email or external
            # id: the other writer's row is there now, so the next attempt finds it.
            continue
        await after_commit(ticket=ticket, activities=activities, publisher=publisher)
        if classify:
            try:
                await publisher.schedule_classification(ticket.id)
            except Exception:  # the classification sweep picks up pending tickets
                logger.warning("queueing ticket %s for classification failed", ticket.id, exc_info=True)
        else:  # with triage, dispatch follows the classification
            await dispatch.dispatch(ticket_id=ticket.id, now=now, publisher=publisher, why="created")
            # The caller sees where dispatch put it, not the row as first written.
            ticket = await Ticket.get_or_none(id=ticket.id) or ticket
        return ticket
    raise Conflict("The ticket could not be created because of concurrent changes; try again.")


# --- changing --------------------------------------------------------------------------


def _not_closed(ticket: Ticket) -> None:
    if not transitions.is_editable(ticket.status):
        raise Conflict("The ticket is closed; reopen it first.")


def _status_events(
    ticket: Ticket, target: S, reason: WaitReason | None, note: str | None = None
) -> tuple[dict[str, object], EventDraft]:
    change = transitions.transition(
        ticket.status, target, wait_reason=reason, previous_wait_reason=ticket.wait_reason
    )
    updates: dict[str, object] = {"status": change.status, "wait_reason": change.wait_reason}
    event = EventDraft(
        kind=EventKind.STATUS_CHANGED,
        before={"status": ticket.status.value, "waitReason": _name(ticket.wait_reason)},
        after={"status": change.status.value, "waitReason": _name(change.wait_reason)},
        note=note,
    )
    return updates, event


def _name(value: WaitReason | None) -> str | None:
    return value.value if value is not None else None


async def assign(
    *,
    actor: Actor,
    ticket_id: int,
    agent_id: int | None,
    group_id: int | None,
    note: str | None,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
    kind: EventKind = EventKind.ASSIGNED,
    then_dispatch: bool = False,
) -> Ticket:
    """`kind` TRANSFERRED logs a transfer (with its reason as the note). `then_dispatch`: the
    caller dispatches the ticket once this commits, so the change marks it for that."""
    require_staff(actor, "assign tickets")
    if agent_id is None and group_id is None:
        raise BadUserInput("Give agentId, groupId or both.", field="agentId")
    note = validation.optional_text(note, field="note", max_length=validation.NOTE_MAX)
    agent_groups: set[int] = set()
    if agent_id is not None:
        agent = await User.get_or_none(id=agent_id)
        if agent is None or agent.role not in STAFF_ROLES or not agent.is_active:
            raise BadUserInput("No active agent with that id.", field="agentId")
        agent_groups = set(
            cast(list[int], await GroupMembership.filter(user_id=agent_id).values_list("group_id", flat=True))
        )
    await _check_reference(GroupModel, group_id, "groupId")

    async def _members(gid: int) -> set[int]:
        return set(
            cast(list[int], await GroupMembership.filter(group_id=gid).values_list("user_id", flat=True))
        )

    target_group_members = await _members(group_id) if group_id is not None else None

    def decide(ticket: Ticket) -> TicketChange:
        _not_closed(ticket)
        new_group = group_id if group_id is not None else ticket.group_id
        new_agent = agent_id if agent_id is not None else ticket.assignee_id
        if agent_id is not None and new_group is not None and new_group not in agent_groups:
            raise BadUserInput("That agent is not a member of the ticket's group.", field="agentId")
        if agent_id is None and target_group_members is not None and new_agent not in target_group_members:
            new_agent = None  # moving to a group the assignee is not in leaves it unassigned
        before = {"groupId": ticket.group_id, "assigneeId": ticket.assignee_id}
        after = {"groupId": new_group, "assigneeId": new_agent}
        if before == after:
            return TicketChange()
        updates: dict[str, object] = {"group_id": new_group, "assignee_id": new_agent}
        if then_dispatch and new_group is not None:
            updates |= dispatch.marked_after_move(ticket, now, moves_group=new_group != ticket.group_id)
        return TicketChange(
            updates=updates,
            events=(EventDraft(kind=kind, before=before, after=after, note=note),),
        )

    return (
        await change_ticket(
            actor=actor,
            ticket_id=ticket_id,
            expected_version=expected_version,
            now=now,
            decide=decide,
            publisher=publisher,
        )
    ).ticket


async def unassign(
    *,
    actor: Actor,
    ticket_id: int,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    require_staff(actor, "unassign tickets")

    def decide(ticket: Ticket) -> TicketChange:
        _not_closed(ticket)
        if ticket.assignee_id is None:
            return TicketChange()
        return TicketChange(
            updates={"assignee_id": None},
            events=(
                EventDraft(
                    kind=EventKind.ASSIGNED,
                    before={"groupId": ticket.group_id, "assigneeId": ticket.assignee_id},
                    after={"groupId": ticket.group_id, "assigneeId": None},
                ),
            ),
        )

    return (
        await change_ticket(
            actor=actor,
            ticket_id=ticket_id,
            expected_version=expected_version,
            now=now,
            decide=decide,
            publisher=publisher,
        )
    ).ticket


async def add_reply(
    *,
    actor: Actor | None,
    ticket_id: int,
    body: str,
    internal: bool,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
    channel: TicketSource | None = None,
    email_message_id: str | None = None,
    message_writes: Sequence[MessageWrite] = (),
) -> tuple[Ticket, Message]:
    """A public agent reply meets first response; any agent message, note or reply, opens a
    NEW ticket (an agent has started on it). A customer's reply resumes a ticket waiting on
    them and reopens a resolved one.

    `channel` is where a customer's message came from (API when not said; an agent's reply
    goes out on the ticket's own channel). `message_writes` run after the message row, in
    its transaction: attachments linked to it, the mail that carries it to the customer.

    `actor` None is the ticket's customer writing through an outside channel (a mail reply,
    a chat message) that the caller has matched to this ticket."""
    staff = actor is not None and actor.is_staff
    if actor is not None and actor.role is Role.REPORTER:
        raise Forbidden("Reporters cannot reply.")
    if internal and not staff:
        raise Forbidden("Only agents write internal notes.")
    text = validation.text(body, field="body", max_length=validation.BODY_MAX)

    def decide(ticket: Ticket) -> TicketChange:
        if ticket.status is S.CLOSED:
            raise Conflict("The ticket is closed; reopen it or open a new one.")
        updates: dict[str, object] = {}
        events: list[EventDraft] = []
        if staff:
            draft = MessageDraft(text, internal, AuthorKind.AGENT, ticket.source)
            events.append(EventDraft(kind=EventKind.NOTE_ADDED if internal else EventKind.REPLIED))
            if not internal and ticket.first_responded_at is None:
                updates["first_responded_at"] = now
                events.append(EventDraft(kind=EventKind.FIRST_RESPONSE, after={"at": now.isoformat()}))
            if ticket.status is S.NEW:
                status_updates, event = _status_events(ticket, S.OPEN, None, "agent replied")
                updates.update(status_updates)
                events.append(event)
        else:
            draft = MessageDraft(
                text, False, AuthorKind.CUSTOMER, channel or TicketSource.API, email_message_id
            )
            events.append(EventDraft(kind=EventKind.REPLIED))
            if ticket.status is S.WAITING and ticket.wait_reason is WaitReason.CUSTOMER:
                status_updates, event = _status_events(ticket, S.OPEN, None, "customer replied")
                updates.update(status_updates)
                events.append(event)
            elif ticket.status is S.RESOLVED:
                status_updates, event = _status_events(ticket, S.OPEN, None, "customer replied")
                updates.update(status_updates, resolved_at=None)
                events.append(event)
        return TicketChange(
            updates=updates, events=tuple(events), message=draft, message_writes=tuple(message_writes)
        )

    result: ChangeResult = await change_ticket(
        actor=actor,
        ticket_id=ticket_id,
        expected_version=expected_version,
        now=now,
        decide=decide,
        publisher=publisher,
    )
    assert result.message is not None
    return result.ticket, result.message


async def _move(
    *,
    actor: Actor,
    ticket_id: int,
    target: S,
    reason: WaitReason | None,
    extra: dict[str, object] | None,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
    only_from: S | None = None,
    side_writes: Sequence[Callable[[Ticket], Awaitable[None]]] = (),
) -> Ticket:
    require_staff(actor, "change a ticket's status")

    def decide(ticket: Ticket) -> TicketChange:
        if only_from is not None and ticket.status is not only_from:
            raise Conflict(f"Only a {only_from.value} ticket can do that, not a {ticket.status.value} one.")
        updates, event = _status_events(ticket, target, reason)
        if target in (S.RESOLVED, S.CLOSED) and ticket.category_id is not None:
            # Whoever finishes the ticket stands by its category: it counts as confirmed
            # when the classifier's accuracy is measured.
            updates["category_confirmed"] = True
        return TicketChange(
            updates={**updates, **(extra or {})}, events=(event,), side_writes=tuple(side_writes)
        )

    ticket = (
        await change_ticket(
            actor=actor,
            ticket_id=ticket_id,
            expected_version=expected_version,
            now=now,
            decide=decide,
            publisher=publisher,
        )
    ).ticket
    if target in (S.RESOLVED, S.CLOSED) and ticket.group_id is not None and ticket.assignee_id is not None:
        # The assignee has room again: the group's queue moves up now rather than at the sweep.
        try:
            await dispatch.drain(group_id=ticket.group_id, now=now, publisher=publisher)
        except Exception:
            logger.exception("draining group %s failed", ticket.group_id)
    return ticket


async def set_waiting(
    *,
    actor: Actor,
    ticket_id: int,
    reason: WaitReason,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    return await _move(
        actor=actor,
        ticket_id=ticket_id,
        target=S.WAITING,
        reason=reason,
        extra=None,
        expected_version=expected_version,
        now=now,
        publisher=publisher,
    )


async def resume(
    *,
    actor: Actor,
    ticket_id: int,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    return await _move(
        actor=actor,
        ticket_id=ticket_id,
        target=S.OPEN,
        reason=None,
        extra=None,
        expected_version=expected_version,
        now=now,
        publisher=publisher,
        only_from=S.WAITING,
    )


async def resolve(
    *,
    actor: Actor,
    ticket_id: int,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    return await _move(
        actor=actor,
        ticket_id=ticket_id,
        target=S.RESOLVED,
        reason=None,
        extra={"resolved_at": now},
        expected_version=expected_version,
        now=now,
        publisher=publisher,
    )


async def close(
    *,
    actor: Actor,
    ticket_id: int,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
    side_writes: Sequence[Callable[[Ticket], Awaitable[None]]] = (),
) -> Ticket:
    """`side_writes` run in the closing transaction (the satisfaction survey's mail)."""
    return await _move(
        actor=actor,
        ticket_id=ticket_id,
        target=S.CLOSED,
        reason=None,
        extra={"closed_at": now},
        expected_version=expected_version,
        now=now,
        publisher=publisher,
        side_writes=side_writes,
    )


async def reopen(
    *,
    actor: Actor,
    ticket_id: int,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    """Staff reopen any ticket they see; a customer reopens their own."""
    if actor.role is Role.REPORTER:
        raise Forbidden("Reporters cannot reopen tickets.")

    def decide(ticket: Ticket) -> TicketChange:
        target = transitions.reopen_target(ticket.status)
        updates, event = _status_events(ticket, target, None, "reopened")
        return TicketChange(updates={**updates, "resolved_at": None, "closed_at": None}, events=(event,))

    return (
        await change_ticket(
            actor=actor,
            ticket_id=ticket_id,
            expected_version=expected_version,
            now=now,
            decide=decide,
            publisher=publisher,
        )
    ).ticket


async def set_priority(
    *,
    actor: Actor,
    ticket_id: int,
    priority: Priority,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
) -> Ticket:
    require_staff(actor, "change priorities")

    def decide(ticket: Ticket) -> TicketChange:
        _not_closed(ticket)
        if ticket.priority is priority:
            return TicketChange()
        return TicketChange(
            updates={"priority": priority, "priority_origin": PriorityOrigin.AGENT},
            events=(
                EventDraft(
                    kind=EventKind.PRIORITY_CHANGED,
                    before={"priority": ticket.priority.name},
                    after={"priority": priority.name},
                ),
            ),
        )

    return (
        await change_ticket(
            actor=actor,
            ticket_id=ticket_id,
            expected_version=expected_version,
            now=now,
            decide=decide,
            publisher=publisher,
        )
    ).ticket


async def set_category(
    *,
    actor: Actor,
    ticket_id: int,
    category_id: int | None,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
    learn_from_corrections: bool = True,
) -> Ticket:
    """A person's category: it takes the ticket out of the review queue, counts as the
    truth for the classifier's accuracy and, when it corrects the classifier, becomes an
    example of the category (`learn_from_corrections`)."""
    require_staff(actor, "change categories")
    if category_id is not None and not await Category.exists(id=category_id):
        raise NotFound("No category with that id.", field="categoryId")

    def decide(ticket: Ticket) -> TicketChange:
        _not_closed(ticket)
        confirmed = category_id is not None
        unchanged = ticket.category_id == category_id and ticket.category_confirmed == confirmed
        if unchanged and not ticket.needs_review:
            return TicketChange()
        corrects_model = (
            category_id is not None
            and ticket.classified_category_id is not None
            and ticket.classified_category_id != category_id
        )
        updates: dict[str, object] = {
            "category_id": category_id, "category_confirmed": confirmed, "needs_review": False,
        }
        if ticket.assignee_id is None:  # routed again once committed, see below
            updates |= dispatch.marked(now, reroute=True)
        return TicketChange(
            updates=updates,
            events=(
                EventDraft(
                    kind=EventKind.CATEGORY_CHANGED,
                    before={"categoryId": ticket.category_id},
                    after={"categoryId": category_id},
                    note="confirmed" if ticket.category_id == category_id else None,
                ),
            ),
            side_writes=(
                (triage.learn_correction(ticket.id, category_id),)
                if corrects_model and learn_from_corrections and category_id is not None
                else ()
            ),
        )

    result = await change_ticket(
        actor=actor,
        ticket_id=ticket_id,
        expected_version=expected_version,
        now=now,
        decide=decide,
        publisher=publisher,
    )
    if result.activities and result.ticket.assignee_id is None:
        # A corrected category may belong to another group's work: route it again.
        await dispatch.dispatch(ticket_id=ticket_id, now=now, publisher=publisher,
                                why="category corrected", reroute=True)
    return result.ticket
