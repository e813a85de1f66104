"""Public intake: the web form (with its follow link) and chat/IM messages.

Both act for a customer who has no account, so they call tickets.create / add_reply with
no actor, having decided themselves who the customer is and what may be set."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError

from domain.enums import AuthorKind, IntakeOutcome, TicketSource, TicketStatus
from domain.errors import BadUserInput, Conflict, RateLimited
from domain.events import Publisher
from domain.models import ChatChannel, Customer, IntakeReceipt, Message, Product, Ticket, chat_receipts
from domain.rules import follow_tokens, validation
from domain.rules.rate_limit import client_identity, retry_after, window_at
from domain.services import customer_mail, outbox, tickets
from domain.services.customer_mail import CustomerMailConfig

FORM_WINDOW_SECONDS = 3600
CHAT_ID_MAX = 255  # IntakeReceipt.external_id
CONVERSATION_ID_MAX = 190  # "<channel>:<conversation>" fits Ticket.external_thread (255)
CUSTOMER_EXTERNAL_ID_MAX = 120  # Customer.external_id
# Chat senders without an email still need one (the column is required and unique): an
# address under the reserved .invalid domain, which no mail server will ever accept.
CHAT_PLACEHOLDER_DOMAIN = "chat.invalid"


class Counters(Protocol):
    """server.rate_limit.CounterStore: windowed counters, in memory or in Redis."""

    async def hit(self, identity: str, window_index: int, window_seconds: int = ...) -> int: ...


# --- the web form ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class FormInvalid(BadUserInput):
    """Every field's problem at once, so a form can mark them all; `field` is the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = errors


@dataclass(frozen=True)
class FormData:
    email: str
    name: str | None
    subject: str
    description: str
    product_id: int | None


@dataclass(frozen=True)
class SubmittedForm:
    ticket: Ticket
    follow_token: str
    email: str
    known_customer: bool  # the address was a customer's already: the link goes by mail only
    follow_link_mailed: bool  # the link's mail was queued with the ticket


def _text(value: object, *, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadUserInput(f"{field} must be text.", field=field)
    return value


async def validate_form(
    *, email: object, name: object, subject: object, description: object, product_id: object
) -> FormData:
    """Checks every field (the product must exist) and raises FormInvalid with them all."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    checks = {
        "email": lambda: validation.email(_text(email, field="email"), field="email"),
        "name": lambda: validation.optional_text(
            _text(name, field="name"), field="name", max_length=validation.NAME_MAX
        ),
        "subject": lambda: validation.text(
            _text(subject, field="subject"), field="subject", max_length=validation.SUBJECT_MAX
        ),
        "description": lambda: validation.text(
            _text(description, field="description"),
            field="description",
            max_length=validation.DESCRIPTION_MAX,
        ),
        "productId": lambda: (
            None
            if product_id is None or product_id == ""
            else validation.entity_id(
                product_id if isinstance(product_id, int | str) else "", field="productId"
            )
        ),
    }
    for field, check in checks.items():
        try:
            clean[field] = check()
        except BadUserInput as error:
            errors.append(FieldError(field, error.message))
    if clean.get("productId") is not None and not await Product.exists(id=clean["productId"]):
        errors.append(FieldError("productId", "No product with that id."))
    if errors:
        raise FormInvalid(errors)
    return FormData(clean["email"], clean["name"], clean["subject"], clean["description"], clean["productId"])


async def _check_rate(
    *, counters: Counters, identities: list[str], per_hour: int, now: datetime
) -> None:
    if per_hour <= 0:
        return
    moment = now.timestamp()
    window = window_at(moment, FORM_WINDOW_SECONDS)
    # In order, stopping at the first refusal: a flood from other addresses must not use up
    # the quota of the email it names (which would lock the real customer out).
    for identity in identities:
        count = await counters.hit(identity, window.index, FORM_WINDOW_SECONDS)
        wait = retry_after(count, limit=per_hour, window=window, now_seconds=moment)
        if wait is not None:
            raise RateLimited(
                f"Too many submissions; try again in {wait / 60:.0f} minutes.", retry_after_seconds=wait
            )


async def submit_form(
    *,
    email: object,
    name: object,
    subject: object,
    description: object,
    product_id: object,
    client_address: str,
    now: datetime,
    publisher: Publisher,
    counters: Counters,
    per_hour: int,
    classify: bool,
    secret_key: str,
    scope: str = "",
    mail: CustomerMailConfig | None = None,
    queued: list[int] | None = None,
) -> SubmittedForm:
    """A FORM ticket for the customer with that email (created if new), and the token of its
    follow link. Limited to `per_hour` per client address and per email; `scope` keeps the
    counts of desks that share one Redis apart. For an existing customer the link is mailed
    (when `mail` is given): queued in the ticket's transaction, its id appended to `queued`."""
    data = await validate_form(
        email=email, name=name, subject=subject, description=description, product_id=product_id
    )
    await _check_rate(
        counters=counters,
        identities=[
            f"form:{scope}:address:{client_identity(client_address)}",
            f"form:{scope}:email:{data.email}",
        ],
        per_hour=per_hour,
        now=now,
    )
    # Nobody proves an address on a public form. A new address gets its follow link in the
    # answer; an existing customer's only by mail, or anyone could open a ticket in their
    # name and read, through the link, what the desk answers them.
    known_customer = await Customer.exists(email=data.email)
    mails_link = known_customer and mail is not None
    side_writes = (
        (follow_mail_writer(mail, secret_key=secret_key, email=data.email, now=now, queued=queued),)
        if mails_link and mail is not None
        else ()
    )
    ticket = await tickets.create(
        actor=None,
        data=tickets.NewTicket(
            subject=data.subject,
            description=data.description,
            source=TicketSource.FORM,
            customer_email=data.email,
            customer_name=data.name,
            product_id=data.product_id,
        ),
        now=now,
        publisher=publisher,
        classify=classify,
        side_writes=side_writes,
    )
    return SubmittedForm(
        ticket=ticket, follow_token=follow_tokens.issue(secret_key, ticket.id), email=data.email,
        known_customer=known_customer, follow_link_mailed=mails_link,
    )


FOLLOW_KIND = "follow"


def follow_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/follow/{token}"


def follow_mail_writer(
    mail: CustomerMailConfig, *, secret_key: str, email: str, now: datetime, queued: list[int] | None
) -> Callable[[Ticket], Awaitable[None]]:
    """For tickets.create's `side_writes`: the follow link's mail in the ticket's own
    transaction, so a crash cannot leave a known customer's ticket without its link."""

    async def write(ticket: Ticket) -> None:
        link = follow_link(mail.public_url, follow_tokens.issue(secret_key, ticket.id))
        row = await outbox.enqueue(
            to_address=email,
            subject=f"[{ticket.key}] Follow your request",
            body=f"We received your request {ticket.key}: {customer_mail.one_line(ticket.subject)}\n\n"
            f"Follow it here (keep this link private):\n{link}\n",
            kind=FOLLOW_KIND,
            now=now,
            message_domain=mail.message_domain,
            ticket_id=ticket.id,
            reply_to=mail.reply_to,
        )
        if queued is not None:
            queued.append(row.id)

    return write


# --- the follow link -------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMessage:
    author_kind: AuthorKind
    body: str
    created_at: datetime


@dataclass(frozen=True)
class PublicView:
    """What the holder of a follow link sees: never internal notes, agents or events."""

    key: str
    subject: str
    description: str
    status: TicketStatus
    created_at: datetime
    messages: list[PublicMessage]


async def follow(*, token: str, secret_key: str) -> PublicView | None:
    ticket_id = follow_tokens.verify(secret_key, token)
    if ticket_id is None:
        return None
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None:
        return None
    rows = await Message.filter(ticket_id=ticket.id, internal=False).order_by("created_at", "id")
    return PublicView(
        key=ticket.key,
        subject=ticket.subject,
        description=ticket.description,
        status=ticket.status,
        created_at=ticket.created_at,
        messages=[PublicMessage(m.author_kind, m.body, m.created_at) for m in rows],
    )


# --- chat and IM -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChatMessage:
    message_id: str
    text: str
    sender_id: str
    sender_name: str | None
    sender_email: str | None
    conversation_id: str


@dataclass(frozen=True)
class ChatOutcome:
    ticket: Ticket
    message_id: int | None  # the Message row, when the text joined an existing ticket
    duplicate: bool  # a redelivery: nothing was stored
    created: bool  # a new ticket


def _member(data: object, name: str) -> dict[str, Any]:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise BadUserInput(f"{name} must be an object.", field=name)
    return value


def _identifier(holder: dict[str, Any], field: str, max_length: int) -> str:
    value = holder.get(field.rsplit(".", 1)[1])
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # chat platforms send numeric ids too
    if not isinstance(value, str):
        raise BadUserInput(f"{field} must be a string.", field=field)
    return validation.text(value, field=field, max_length=max_length)


def _optional(holder: dict[str, Any], field: str) -> str | None:
    value = holder.get(field.rsplit(".", 1)[1])
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadUserInput(f"{field} must be a string.", field=field)
    return value


def parse_chat_message(data: object) -> ChatMessage:
    """{"message": {"id", "text"}, "sender": {"id", "name", "email"?}, "conversation": {"id"}}."""
    message = _member(data, "message")
    sender = _member(data, "sender")
    conversation = _member(data, "conversation")
    text = _optional(message, "message.text")
    email = _optional(sender, "sender.email")
    return ChatMessage(
        message_id=_identifier(message, "message.id", CHAT_ID_MAX),
        text=validation.text(text or "", field="message.text", max_length=validation.BODY_MAX),
        sender_id=_identifier(sender, "sender.id", CHAT_ID_MAX),
        sender_name=validation.optional_text(
            _optional(sender, "sender.name"), field="sender.name", max_length=validation.NAME_MAX
        ),
        sender_email=validation.email(email, field="sender.email") if email and email.strip() else None,
        conversation_id=_identifier(conversation, "conversation.id", CONVERSATION_ID_MAX),
    )


def _digest(value: str, length: int = 40) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:length]


def chat_customer_external_id(channel: str, sender_id: str) -> str:
    plain = f"{channel}:{sender_id}"
    # Ids too long for the column are hashed: still one customer per sender.
    return plain if len(plain) <= CUSTOMER_EXTERNAL_ID_MAX else f"{channel}:#{_digest(sender_id)}"


def chat_subject(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), text.strip())
    if len(first) <= validation.SUBJECT_MAX:
        return first
    return first[: validation.SUBJECT_MAX - 1].rstrip() + "…"


async def enabled_channel(name: str) -> ChatChannel | None:
    return await ChatChannel.get_or_none(name=name, enabled=True)


async def _duplicate(receipt_channel: str, external_id: str) -> ChatOutcome | None:
    receipt = await IntakeReceipt.get_or_none(channel=receipt_channel, external_id=external_id)
    if receipt is None or receipt.ticket_id is None:
        return None
    ticket = await Ticket.get(id=receipt.ticket_id)
    return ChatOutcome(ticket=ticket, message_id=receipt.message_id, duplicate=True, created=False)


async def chat_message(
    *, channel: ChatChannel, message: ChatMessage, now: datetime, publisher: Publisher, classify: bool,
    _joining: bool = False,
) -> ChatOutcome:
    """A message joins the open ticket of its conversation, or opens one. Each message id is
    taken once: its receipt is unique per channel and written in the transaction of what the
    message became (the reply, or the new ticket), so a concurrent redelivery loses there."""
    receipt_channel = chat_receipts(channel.name)
    seen = await _duplicate(receipt_channel, message.message_id)
    if seen is not None:
        return seen
    # Per sender too: in a group conversation each person's messages go to their own
    # ticket, never onto another customer's (where they would speak as that customer).
    thread = f"{channel.name}:{message.conversation_id}:{message.sender_id}"

    open_ticket = (
        await Ticket.filter(external_thread=thread)
        .exclude(status=TicketStatus.CLOSED)
        .order_by("-id")
        .first()
    )
    if open_ticket is not None:

        async def write_receipt(ticket: Ticket, row: Message) -> None:
            await IntakeReceipt.create(
                channel=receipt_channel,
                external_id=message.message_id,
                outcome=IntakeOutcome.MESSAGE,
                sender=message.sender_email or message.sender_id[:254],
                ticket_id=ticket.id,
                message_id=row.id,
                created_at=now,
            )

        try:
            ticket, row = await tickets.add_reply(
                actor=None,
                ticket_id=open_ticket.id,
                body=message.text,
                internal=False,
                expected_version=None,
                now=now,
                publisher=publisher,
                channel=TicketSource.CHAT,
                message_writes=(write_receipt,),
            )
            return ChatOutcome(ticket=ticket, message_id=row.id, duplicate=False, created=False)
        except IntegrityError:
            # A concurrent delivery of the same message won: its receipt is there now.
            seen = await _duplicate(receipt_channel, message.message_id)
            if seen is None:
                raise
            return seen
        except Conflict:
            # Closed in the meantime: the message opens a new ticket, as it would have.
            if not await Ticket.filter(id=open_ticket.id, status=TicketStatus.CLOSED).exists():
                raise

    product_id = channel.product_id
    if product_id is not None and not await Product.exists(id=product_id):
        product_id = None  # the channel's product was deleted: rules may still find one
    external_id = chat_customer_external_id(channel.name, message.sender_id)
    # A chat widget's email is typed, not proven: it names a customer only when it is not
    # already someone else's, or anyone could chat in a known customer's name (and, with
    # the external id then stuck on that customer, keep doing so).
    email = message.sender_email
    owner = await Customer.get_or_none(email=email) if email else None
    if owner is not None and owner.external_id != external_id:
        email = None
    customer_email = email or f"{_digest(external_id, 32)}@{CHAT_PLACEHOLDER_DOMAIN}"
    customer_name = message.sender_name or f"{channel.name} {message.sender_id}"[: validation.NAME_MAX]
    written_for: list[int] = []
    # One ticket per conversation at a time, also when its first messages arrive together:
    # they share this key (the conversation and how many tickets it has had), so one creates
    # the ticket and the others find it and join it.
    generation = await Ticket.filter(external_thread=thread).count()

    async def write_ticket_receipt(ticket: Ticket) -> None:
        await IntakeReceipt.create(
            channel=receipt_channel,
            external_id=message.message_id,
            outcome=IntakeOutcome.TICKET,
            sender=message.sender_email or message.sender_id[:254],
            ticket_id=ticket.id,
            created_at=now,
        )
        written_for.append(ticket.id)

    try:
        ticket = await tickets.create(
            actor=None,
            data=tickets.NewTicket(
                subject=chat_subject(message.text),
                description=message.text,
                source=TicketSource.CHAT,
                customer_external_id=external_id,
                customer_email=customer_email,
                customer_name=customer_name,
                product_id=product_id,
                external_thread=thread,
                idempotency_key=f"chat:{channel.id}:{_digest(thread)}:{generation}",
            ),
            now=now,
            publisher=publisher,
            classify=classify,
            side_writes=(write_ticket_receipt,),
        )
    except Conflict:
        # Out of retries because the receipt is taken (a concurrent delivery joined the
        # message to a ticket of the conversation instead): that one stands.
        seen = await _duplicate(receipt_channel, message.message_id)
        if seen is None:
            raise
        return seen
    if written_for and written_for[-1] == ticket.id:
        return ChatOutcome(ticket=ticket, message_id=None, duplicate=False, created=True)
    # The ticket came back by its idempotency key: another delivery of this message made it,
    # or another message of the conversation did at the same moment, and this one joins it.
    seen = await _duplicate(receipt_channel, message.message_id)
    if seen is not None:
        return seen
    if _joining:  # joined once already and still no home: let the sender retry
        raise Conflict("The conversation's ticket is busy; deliver the message again.")
    return await chat_message(
        channel=channel, message=message, now=now, publisher=publisher, classify=classify, _joining=True
    )
