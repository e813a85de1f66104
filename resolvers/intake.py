"""Public intake over GraphQL (submitTicket, followTicket: no token needed) and the admin
operations for product rules and chat channels."""

from dataclasses import dataclass

import strawberry

from domain.services import chat_channels, intake, product_rules
from resolvers.context import AppServices, Info
from resolvers.customer_mail import OutgoingMail
from resolvers.ids import parse_id, parse_optional_id
from schema.intake_types import (
    ChatChannel,
    ChatChannelInput,
    FollowedTicket,
    ProductRule,
    ProductRuleInput,
    SubmittedTicket,
    SubmitTicketInput,
)


def follow_url(services: AppServices, token: str) -> str:
    return intake.follow_link(services.settings.public_url, token)


@dataclass(frozen=True)
class FormAnswer:
    key: str
    follow_url: str | None  # None for an address that was a customer's already
    follow_link_mailed: bool


def answer(services: AppServices, submitted: intake.SubmittedForm) -> FormAnswer:
    """The follow link in the answer for a new address; an existing customer's went by mail."""
    if not submitted.known_customer:
        return FormAnswer(submitted.ticket.key, follow_url(services, submitted.follow_token), False)
    return FormAnswer(submitted.ticket.key, None, submitted.follow_link_mailed)


async def submit_form(
    services: AppServices,
    *,
    client_address: str,
    email: object,
    name: object,
    subject: object,
    description: object,
    product_id: object,
) -> intake.SubmittedForm:
    """The web form's one path, for POST /forms/ticket and submitTicket alike: they share
    the rate limit. `client_address` is the request's client as the ASGI server reports it;
    X-Forwarded-For is never read here. uvicorn rewrites the client from that header only
    for peers it trusts (FORWARDED_ALLOW_IPS, by default 127.0.0.1 and ::1): a proxy on
    another host must be trusted explicitly there, or every visitor counts as the proxy."""
    settings = services.settings
    now = services.clock()
    outgoing = OutgoingMail(services, now)
    submitted = await intake.submit_form(
        email=email,
        name=name,
        subject=subject,
        description=description,
        product_id=product_id,
        client_address=client_address,
        now=now,
        publisher=services.publisher,
        counters=services.counters,
        per_hour=settings.form_rate_per_hour,
        classify=services.triage_enabled,
        secret_key=settings.secret_key,
        scope=settings.queue_name,  # desks sharing one Redis keep their counts apart
        mail=outgoing.config,
        queued=outgoing.queued,
    )
    outgoing.send_queued()
    return submitted


async def submit_ticket(info: Info, input: SubmitTicketInput) -> SubmittedTicket:
    ctx = info.context
    submitted = await submit_form(
        ctx.services,
        client_address=ctx.client_host,
        email=input.email,
        name=input.name,
        subject=input.subject,
        description=input.description,
        product_id=input.product_id,
    )
    answered = answer(ctx.services, submitted)
    return SubmittedTicket(
        key=answered.key, follow_url=answered.follow_url, follow_link_mailed=answered.follow_link_mailed
    )


async def follow_ticket(info: Info, token: str) -> FollowedTicket | None:
    view = await intake.follow(token=token, secret_key=info.context.services.settings.secret_key)
    return FollowedTicket.from_view(view) if view is not None else None


# --- administration --------------------------------------------------------------------


async def product_rule_list(info: Info) -> list[ProductRule]:
    rows = await product_rules.list_rules(actor=info.context.require_actor())
    return [ProductRule.from_model(r) for r in rows]


async def upsert_product_rule(info: Info, input: ProductRuleInput) -> ProductRule:
    data = product_rules.RuleData(
        name=input.name,
        product_id=parse_id(input.product_id, "productId"),
        position=input.position,
        enabled=input.enabled,
        recipient=input.recipient,
        sender_domain=input.sender_domain,
        keywords=tuple(input.keywords),
    )
    row = await product_rules.upsert_rule(
        actor=info.context.require_actor(), rule_id=parse_optional_id(input.id, "id"), data=data
    )
    return ProductRule.from_model(row)


async def delete_product_rule(info: Info, id: strawberry.ID) -> bool:
    await product_rules.delete_rule(actor=info.context.require_actor(), rule_id=parse_id(id, "id"))
    return True


async def chat_channel_list(info: Info) -> list[ChatChannel]:
    rows = await chat_channels.list_channels(actor=info.context.require_actor())
    return [ChatChannel.from_model(r) for r in rows]


async def upsert_chat_channel(info: Info, input: ChatChannelInput) -> ChatChannel:
    result = await chat_channels.upsert_channel(
        actor=info.context.require_actor(),
        name=input.name,
        secret=input.secret,
        enabled=input.enabled,
        product_id=parse_optional_id(input.product_id, "productId"),
    )
    return ChatChannel.from_model(result.channel, result.secret)


async def delete_chat_channel(info: Info, name: str) -> bool:
    await chat_channels.delete_channel(actor=info.context.require_actor(), name=name)
    return True
