"""Mail to the ticket's customer: an agent's public reply goes out by mail, queued in the
outbox in the reply's own transaction (no reply without its mail, no mail for a reply that
rolled back), threaded into the customer's conversation by Message-ID."""

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from domain.enums import AuthorKind, IntakeOutcome
from domain.models import EMAIL_RECEIPTS, Customer, IntakeReceipt, Message, Ticket
from domain.services import outbox
from domain.services.ticket_changes import MessageWrite

# Mail clients thread by References; a long conversation keeps its root and the latest.
REFERENCES_MAX = 20
# The outbox's In-Reply-To column; a longer id is still named in References.
IN_REPLY_TO_MAX = 200
EMAIL_CHANNEL = EMAIL_RECEIPTS


@dataclass(frozen=True)
class CustomerMailConfig:
    """Built from the settings by the entry point; None there means no mail goes out."""

    # Right-hand side of the Message-IDs the desk makes.
    message_domain: str
    # The desk's own address: the customer's answer comes back to the desk's intake.
    reply_to: str
    # Base of the links in mail (survey), without a trailing slash.
    public_url: str


@dataclass(frozen=True)
class Thread:
    # The customer's latest mail on the ticket, which this mail answers.
    in_reply_to: str | None
    # The conversation's Message-IDs, oldest first, bounded.
    references: tuple[str, ...]

    @property
    def references_header(self) -> str | None:
        return " ".join(self.references) or None


def _bracketed(value: str | None) -> str | None:
    """A Message-ID as headers carry it, or None for anything that would break a header."""
    if not value:
        return None
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 250 or any(c.isspace() or ord(c) < 33 for c in cleaned):
        return None
    return cleaned if cleaned.startswith("<") else f"<{cleaned}>"


async def thread_of(ticket_id: int, *, exclude_message_id: int | None = None) -> Thread:
    """The ticket's mail conversation: the mail that opened it (its intake receipt), then
    every public message that came in or went out as mail."""
    receipts = await IntakeReceipt.filter(channel=EMAIL_CHANNEL, ticket_id=ticket_id).exclude(
        outcome=IntakeOutcome.IGNORED
    ).order_by("created_at", "id").values_list("external_id", "created_at")
    query = Message.filter(ticket_id=ticket_id, internal=False, email_message_id__isnull=False)
    if exclude_message_id is not None:
        query = query.exclude(id=exclude_message_id)
    messages = await query.order_by("created_at", "id").values_list(
        "email_message_id", "author_kind", "created_at"
    )
    # (when, inbound first on a tie, id, from the customer)
    entries: list[tuple[datetime, int, str, bool]] = []
    for external_id, at in cast(list[tuple[str, datetime]], receipts):
        if (mid := _bracketed(external_id)) is not None:
            entries.append((at, 0, mid, True))
    for email_id, kind, at in cast(list[tuple[str, AuthorKind, datetime]], messages):
        if (mid := _bracketed(email_id)) is not None:
            entries.append((at, 1, mid, AuthorKind(kind) is AuthorKind.CUSTOMER))
    entries.sort(key=lambda e: (e[0], e[1]))
    ordered: list[str] = []
    for _at, _order, mid, _inbound in entries:
        if mid not in ordered:
            ordered.append(mid)
    if len(ordered) > REFERENCES_MAX:
        ordered = [ordered[0], *ordered[-(REFERENCES_MAX - 1):]]
    answered = next((mid for _at, _order, mid, inbound in reversed(entries) if inbound), None)
    if answered is not None and len(answered) > IN_REPLY_TO_MAX:
        answered = None
    return Thread(in_reply_to=answered, references=tuple(ordered))


async def customer_address(ticket: Ticket) -> str | None:
    """Where mail to the ticket's customer goes; None when there is nowhere to send it."""
    emails = cast(list[str], await Customer.filter(id=ticket.customer_id).values_list("email", flat=True))
    email = emails[0] if emails else None
    if not email or "@" not in email:
        return None
    # Customers known only by an outside id (chat) may carry a reserved placeholder address.
    if email.lower().rstrip(".").endswith((".invalid", "@invalid")):
        return None
    return email


def one_line(text: str) -> str:
    """Header-safe: a subject with line breaks would be refused by the mail library."""
    return " ".join(text.split())


def tagged_subject(ticket: Ticket, *, answering: bool) -> str:
    subject = f"[{ticket.key}] {one_line(ticket.subject)}"
    return f"Re: {subject}" if answering else subject


def reply_body(ticket: Ticket, text: str) -> str:
    return (
        f"{text}\n\n"
        "-- \n"
        f"{ticket.key}: {one_line(ticket.subject)}\n"
        f"To answer, reply to this mail and keep [{ticket.key}] in the subject: "
        "your answer is added to the ticket.\n"
    )


def reply_mail_writer(config: CustomerMailConfig, queued: list[int] | None = None) -> MessageWrite:
    """For tickets.add_reply's `message_writes`: an agent's public reply is queued as a mail
    to the customer, its Message-ID stored on the message (the customer's answer names it).
    The ids of the queued mails are appended to `queued`, to be kicked after the commit."""

    async def write(ticket: Ticket, message: Message) -> None:
        if message.internal or message.author_kind is not AuthorKind.AGENT:
            return
        address = await customer_address(ticket)
        if address is None:
            return
        thread = await thread_of(ticket.id, exclude_message_id=message.id)
        message_id = outbox.new_message_id(config.message_domain)
        await Message.filter(id=message.id).update(email_message_id=message_id)
        message.email_message_id = message_id
        row = await outbox.enqueue(
            to_address=address,
            subject=tagged_subject(ticket, answering=thread.in_reply_to is not None),
            body=reply_body(ticket, message.body),
            kind=outbox.REPLY_KIND,
            now=message.created_at,
            message_domain=config.message_domain,
            ticket_id=ticket.id,
            in_reply_to=thread.in_reply_to,
            references=thread.references_header,
            reply_to=config.reply_to,
            message_id=message_id,
        )
        if queued is not None:
            queued.append(row.id)

    return write
