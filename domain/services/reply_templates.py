"""Reply templates: canned replies with `{{ variables }}`, checked when saved and rendered
for a ticket by the agent who uses them."""

from tortoise.exceptions import IntegrityError

from domain.errors import Conflict, NotFound
from domain.models import Customer, Group, Macro, Product, ReplyTemplate, Ticket, User
from domain.rules import templates, validation
from domain.rules.access import Actor, require_manager, require_staff
from domain.rules.macros import ActionType
from domain.services import tickets

NAME_MAX = 120


async def list_templates(*, actor: Actor) -> list[ReplyTemplate]:
    require_staff(actor, "read reply templates")
    return await ReplyTemplate.all().order_by("name", "id")


async def upsert(*, actor: Actor, template_id: int | None, name: str, body: str) -> ReplyTemplate:
    require_manager(actor, "edit reply templates")
    name = validation.text(name, field="name", max_length=NAME_MAX)
    body = validation.text(body, field="body", max_length=validation.BODY_MAX)
    templates.variables_in(body, field="body")
    try:
        if template_id is None:
            return await ReplyTemplate.create(name=name, body=body)
        row = await ReplyTemplate.get_or_none(id=template_id)
        if row is None:
            raise NotFound("No reply template with that id.", field="id")
        row.name, row.body = name, body
        await row.save()
        return row
    except IntegrityError:
        raise Conflict("A reply template with that name exists.", field="name") from None


async def delete(*, actor: Actor, template_id: int) -> None:
    require_manager(actor, "delete reply templates")
    # A check, not a lock: a macro saved at this very moment is caught when applied (its
    # reply step then names the missing template).
    for macro in await Macro.all():
        if any(
            a.get("type") == ActionType.REPLY.value and a.get("templateId") == template_id
            for a in macro.actions or []
        ):
            raise Conflict(f"The macro {macro.name!r} uses this template; change it first.", field="id")
    if not await ReplyTemplate.filter(id=template_id).delete():
        raise NotFound("No reply template with that id.", field="id")


async def values_for(ticket: Ticket, agent_id: int | None) -> dict[str, str | None]:
    customer = await Customer.get_or_none(id=ticket.customer_id)
    group = await Group.get_or_none(id=ticket.group_id) if ticket.group_id is not None else None
    product = await Product.get_or_none(id=ticket.product_id) if ticket.product_id is not None else None
    agent = await User.get_or_none(id=agent_id) if agent_id is not None else None
    return templates.values(
        customer_name=customer.name if customer else None,
        customer_email=customer.email if customer else None,
        ticket_key=ticket.key,
        ticket_subject=ticket.subject,
        ticket_status=ticket.status.value,
        ticket_priority=ticket.priority.name,
        agent_name=agent.name if agent else None,
        group_name=group.name if group else None,
        product_name=product.name if product else None,
    )


async def render(*, actor: Actor, template_id: int, ticket_id: int) -> str:
    """The template filled in for the ticket, as the actor would send it."""
    require_staff(actor, "use reply templates")
    ticket = await tickets.get(actor=actor, ticket_id=ticket_id)
    row = await ReplyTemplate.get_or_none(id=template_id)
    if row is None:
        raise NotFound("No reply template with that id.", field="templateId")
    return templates.render(row.body, await values_for(ticket, actor.user_id))
