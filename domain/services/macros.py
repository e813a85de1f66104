"""Macros: saved action lists, and applying one to a ticket as a single change (one
transaction, one version bump, every step's event and a MACRO_APPLIED event)."""

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from tortoise.exceptions import IntegrityError

from domain.enums import STAFF_ROLES, AuthorKind, EventKind, TicketStatus
from domain.errors import BadUserInput, Conflict, NotFound
from domain.events import Publisher
from domain.models import Customer, Group, GroupMembership, Macro, Product, ReplyTemplate, Ticket, User
from domain.rules import macros as rules
from domain.rules import templates, validation
from domain.rules.access import Actor, require_manager, require_staff
from domain.services import dispatch
from domain.services.ticket_changes import (
    EventDraft,
    MessageDraft,
    MessageWrite,
    TicketChange,
    change_ticket,
)

logger = logging.getLogger("helpdesk.macros")

NAME_MAX = 120
DESCRIPTION_MAX = 2_000


async def list_macros(*, actor: Actor) -> list[Macro]:
    require_staff(actor, "read macros")
    return await Macro.all().order_by("name", "id")


async def _directory(actions: Sequence[rules.Action]) -> rules.Directory:
    """The groups and agents the steps name, as they are now."""
    group_ids = {a.group_id for a in actions if a.group_id is not None}
    agent_ids = {a.agent_id for a in actions if a.agent_id is not None}
    members: dict[int, set[int]] = defaultdict(set)
    existing = cast(list[int], await Group.filter(id__in=group_ids).values_list("id", flat=True)) \
        if group_ids else []
    agents = cast(
        list[int],
        await User.filter(id__in=agent_ids, is_active=True, role__in=list(STAFF_ROLES)).values_list(
            "id", flat=True
        ),
    ) if agent_ids else []
    agent_groups: dict[int, set[int]] = {a: set() for a in agents}
    if existing or agents:
        for group_id, user_id in await GroupMembership.filter(
            group_id__in=existing or [0]
        ).values_list("group_id", "user_id"):
            members[group_id].add(user_id)
        for group_id, user_id in await GroupMembership.filter(
            user_id__in=agents or [0]
        ).values_list("group_id", "user_id"):
            agent_groups[user_id].add(group_id)
    return rules.Directory(
        group_members={g: frozenset(members.get(g, set())) for g in existing},
        agent_groups={a: frozenset(gs) for a, gs in agent_groups.items()},
    )


async def _check_references(actions: Sequence[rules.Action]) -> None:
    directory = await _directory(actions)
    template_ids = {a.template_id for a in actions if a.template_id is not None}
    found = set(
        cast(list[int], await ReplyTemplate.filter(id__in=template_ids).values_list("id", flat=True))
    ) if template_ids else set()
    for index, action in enumerate(actions):
        problem = None
        if action.group_id is not None and action.group_id not in directory.group_members:
            problem = "no group with that id."
        elif action.agent_id is not None and action.agent_id not in directory.agent_groups:
            problem = "no active agent with that id."
        elif action.template_id is not None and action.template_id not in found:
            problem = "no reply template with that id."
        if problem:
            raise BadUserInput(f"{rules.label(index, action.type)}: {problem}", field=f"actions[{index}]")


async def upsert(
    *, actor: Actor, macro_id: int | None, name: str, description: str, actions: Sequence[Mapping[str, Any]]
) -> Macro:
    require_manager(actor, "edit macros")
    name = validation.text(name, field="name", max_length=NAME_MAX)
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise BadUserInput(f"description must be at most {DESCRIPTION_MAX} characters.", field="description")
    parsed = rules.parse_actions(actions)
    await _check_references(parsed)
    stored = [a.to_json() for a in parsed]
    try:
        if macro_id is None:
            return await Macro.create(name=name, description=description, actions=stored)
        row = await Macro.get_or_none(id=macro_id)
        if row is None:
            raise NotFound("No macro with that id.", field="id")
        row.name, row.description, row.actions = name, description, stored
        await row.save()
        return row
    except IntegrityError:
        raise Conflict("A macro with that name exists.", field="name") from None


async def delete(*, actor: Actor, macro_id: int) -> None:
    require_manager(actor, "delete macros")
    if not await Macro.filter(id=macro_id).delete():
        raise NotFound("No macro with that id.", field="id")


def _state(ticket: Ticket) -> rules.TicketState:
    return rules.TicketState(
        status=ticket.status,
        wait_reason=ticket.wait_reason,
        priority=ticket.priority,
        group_id=ticket.group_id,
        assignee_id=ticket.assignee_id,
        tags=tuple(sorted(ticket.tags or [])),
        first_responded=ticket.first_responded_at is not None,
        has_category=ticket.category_id is not None,
    )


async def apply(
    *,
    actor: Actor,
    macro_id: int,
    ticket_id: int,
    expected_version: int | None,
    now: datetime,
    publisher: Publisher,
    message_writes: Sequence[MessageWrite] = (),
    side_writes: Sequence[Callable[[Ticket], Awaitable[None]]] = (),
) -> Ticket:
    """Every step on the state the previous ones left, all written at once or not at all.
    A templated reply is rendered for the ticket as it is at that step, signed by the actor;
    `message_writes` belong to that reply (the mail that carries it), `side_writes` to the
    change (the survey a closing sends; it checks the status it finds)."""
    require_staff(actor, "apply macros")
    macro = await Macro.get_or_none(id=macro_id)
    if macro is None:
        raise NotFound("No macro with that id.", field="macroId")
    actions = rules.parse_actions(macro.actions or [])
    directory = await _directory(actions)
    reply_template = next((a for a in actions if a.type is rules.ActionType.REPLY), None)
    body: str | None = None
    if reply_template is not None:
        row = await ReplyTemplate.get_or_none(id=reply_template.template_id)
        if row is None:
            index = actions.index(reply_template)
            raise BadUserInput(f"{rules.label(index, rules.ActionType.REPLY)}: the reply template "
                               "was deleted.", field=f"actions[{index}]")
        body = row.body
    # Names the reply may mention, read before the ticket is locked (they are not the ticket's).
    ticket_now = await Ticket.get_or_none(id=ticket_id)
    customer = await Customer.get_or_none(id=ticket_now.customer_id) if ticket_now else None
    product = await Product.get_or_none(id=ticket_now.product_id) \
        if ticket_now and ticket_now.product_id else None
    named_groups = {a.group_id for a in actions if a.group_id is not None}
    if ticket_now is not None and ticket_now.group_id is not None:
        named_groups.add(ticket_now.group_id)
    group_names = dict(
        cast(list[tuple[int, str]], await Group.filter(id__in=named_groups).values_list("id", "name"))
    ) if body is not None and named_groups else {}
    agent = await User.get_or_none(id=actor.user_id)

    def decide(ticket: Ticket) -> TicketChange:
        planned = rules.plan(actions, _state(ticket), directory, now)
        message = None
        if planned.reply is not None and body is not None:
            state = planned.reply.state
            text = templates.render(body, templates.values(
                customer_name=customer.name if customer else None,
                customer_email=customer.email if customer else None,
                ticket_key=ticket.key,
                ticket_subject=ticket.subject,
                ticket_status=state.status.value,
                ticket_priority=state.priority.name,
                agent_name=agent.name if agent else None,
                group_name=group_names.get(state.group_id) if state.group_id is not None else None,
                product_name=product.name if product else None,
            )).strip()
            if not text:
                raise BadUserInput("The macro's reply renders empty for this ticket.", field="macroId")
            message = MessageDraft(
                text[: validation.BODY_MAX], planned.reply.internal, AuthorKind.AGENT, ticket.source
            )
        before_tags = sorted(ticket.tags or [])
        after_tags = list(planned.state.tags)
        applied = EventDraft(
            kind=EventKind.MACRO_APPLIED,
            before={"tags": before_tags} if after_tags != before_tags else None,
            after={"macroId": str(macro.id), "name": macro.name, "actions": len(actions),
                   **({"tags": after_tags} if after_tags != before_tags else {})},
            note=macro.name,
        )
        return TicketChange(
            updates=planned.updates,
            events=(applied, *(EventDraft(e.kind, e.before, e.after, e.note) for e in planned.events)),
            message=message,
            message_writes=tuple(message_writes) if message is not None else (),
            side_writes=tuple(side_writes),
        )

    result = await change_ticket(
        actor=actor, ticket_id=ticket_id, expected_version=expected_version, now=now,
        decide=decide, publisher=publisher,
    )
    ticket = result.ticket
    finished = ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and (
        ticket_now is None or ticket_now.status is not ticket.status
    )
    if finished and ticket.group_id is not None and ticket.assignee_id is not None:
        # As when resolved by hand: the assignee has room again, so the queue moves up now.
        try:
            await dispatch.drain(group_id=ticket.group_id, now=now, publisher=publisher)
        except Exception:
            logger.exception("draining group %s failed", ticket.group_id)
    return ticket
