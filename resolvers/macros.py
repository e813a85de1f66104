"""Reply templates and macros: check access, call the services, map to schema types."""

import strawberry

from domain.services import macros, reply_templates
from resolvers.context import Info
from resolvers.customer_mail import OutgoingMail
from resolvers.ids import parse_id, parse_optional_id
from schema.macro_types import Macro, MacroInput, ReplyTemplate, ReplyTemplateInput
from schema.types import Ticket


async def reply_templates_list(info: Info) -> list[ReplyTemplate]:
    rows = await reply_templates.list_templates(actor=info.context.require_actor())
    return [ReplyTemplate.from_model(r) for r in rows]


async def render_reply_template(info: Info, template_id: strawberry.ID, ticket_id: strawberry.ID) -> str:
    return await reply_templates.render(
        actor=info.context.require_actor(),
        template_id=parse_id(template_id, "templateId"),
        ticket_id=parse_id(ticket_id, "ticketId"),
    )


async def upsert_reply_template(info: Info, input: ReplyTemplateInput) -> ReplyTemplate:
    row = await reply_templates.upsert(
        actor=info.context.require_actor(),
        template_id=parse_optional_id(input.id, "id"),
        name=input.name,
        body=input.body,
    )
    return ReplyTemplate.from_model(row)


async def delete_reply_template(info: Info, id: strawberry.ID) -> bool:
    await reply_templates.delete(actor=info.context.require_actor(), template_id=parse_id(id, "id"))
    return True


async def macro_list(info: Info) -> list[Macro]:
    return [Macro.from_model(r) for r in await macros.list_macros(actor=info.context.require_actor())]


async def upsert_macro(info: Info, input: MacroInput) -> Macro:
    row = await macros.upsert(
        actor=info.context.require_actor(),
        macro_id=parse_optional_id(input.id, "id"),
        name=input.name,
        description=input.description,
        actions=[a.to_raw() for a in input.actions],
    )
    return Macro.from_model(row)


async def delete_macro(info: Info, id: strawberry.ID) -> bool:
    await macros.delete(actor=info.context.require_actor(), macro_id=parse_id(id, "id"))
    return True


async def apply_macro(
    info: Info, ticket_id: strawberry.ID, macro_id: strawberry.ID, expected_version: int | None = None
) -> Ticket:
    ctx = info.context
    now = ctx.now()
    mail = OutgoingMail(ctx.services, now)  # a public reply goes to the customer as addReply's
    row = await macros.apply(
        actor=ctx.require_actor(),
        macro_id=parse_id(macro_id, "macroId"),
        ticket_id=parse_id(ticket_id, "ticketId"),
        expected_version=expected_version,
        now=now,
        publisher=ctx.services.publisher,
        message_writes=list(mail.reply_writes()),
        side_writes=mail.close_writes(),  # a macro that closes sends the survey as closeTicket does
    )
    mail.send_queued()
    return Ticket.from_model(row)
