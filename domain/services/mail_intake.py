"""Inbound mail: a new ticket, a reply on a ticket, or nothing (with the reason), exactly
once per Message-ID.

Exactly once: the receipt is written in the same transaction as what the mail became (the
reply's message, or the new ticket's files), so a crash leaves either all of it or nothing
of it, and a redelivery after a crash does the work instead of being ignored. A new ticket
is created before its receipt under an idempotency key made from the Message-ID, so a crash
between the two cannot open it twice."""

import asyncio
import hashlib
import logging
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.enums import IntakeOutcome, TicketSource
from domain.enums import TicketStatus as S
from domain.errors import BadUserInput, Conflict
from domain.events import Publisher
from domain.mail.parse import InboundMail, MailAttachment, parse
from domain.mail.quotes import split_reply
from domain.models import (
    EMAIL_RECEIPTS,
    TICKET_KEY_PREFIX,
    Customer,
    IntakeReceipt,
    Message,
    OutboxMail,
    Ticket,
)
from domain.rules import validation
from domain.rules.attachment_policy import AttachmentPolicy, safe_filename
from domain.rules.mail_intake import (
    compose_text,
    is_automatic,
    sender_failed_authentication,
    thread_ids,
    ticket_number_in_subject,
)
from domain.services import tickets
from domain.services.attachments import AttachmentStore

logger = logging.getLogger("helpdesk.mail")

CHANNEL = EMAIL_RECEIPTS
TICKET = IntakeOutcome.TICKET
MESSAGE = IntakeOutcome.MESSAGE
IGNORED = IntakeOutcome.IGNORED
NO_SUBJECT = "(no subject)"
FULL_TEXT_NAME = "mail-text.txt"
# A reply stored without its quoted history keeps the whole mail's text in this file.
ORIGINAL_TEXT_NAME = "original-message.txt"
# Room kept for the notes that threading adds to the text (the longest names two keys and
# an address).
THREADING_NOTE_ROOM = 500
_SENDER_MAX = 254


@dataclass(frozen=True)
class _File:
    filename: str
    content_type: str
    data: bytes


async def receive(
    *,
    raw: bytes,
    envelope_sender: str | None,
    recipients: list[str],
    now: datetime,
    publisher: Publisher,
    attachments: AttachmentStore,
    classify: bool,
    desk_addresses: Sequence[str] = (),
    strip_quotes: bool = True,
) -> IntakeReceipt:
    """`envelope_sender`: SMTP MAIL FROM ("" for the null sender of bounces, None unknown).
    `desk_addresses`: the desk's own (its address, its mail's From); mail from them is a
    loop and is ignored. `strip_quotes`: a reply on a ticket is stored without the history
    its mail client quoted (domain/mail/quotes.py), the whole text kept as a file on it."""
    # Off the event loop: a mail of many parts takes seconds to parse, and the API shares
    # this loop.
    mail = await asyncio.to_thread(parse, raw)
    existing = await IntakeReceipt.get_or_none(channel=CHANNEL, external_id=mail.message_id)
    if existing is not None:
        return existing

    reason = is_automatic(mail, envelope_sender=envelope_sender)
    own = {address.strip().lower() for address in desk_addresses}
    if reason is None and mail.from_address in own:
        reason = "sent from the desk's own address"
    if reason is not None:
        return await _ignore(mail, reason, envelope_sender, now)
    sender = _sender(mail, envelope_sender)
    if sender is None:
        return await _ignore(mail, "no valid From address", envelope_sender, now)

    files, notes = _screen(mail.attachments, attachments.policy)
    # A new ticket keeps the mail's whole text (a forwarded conversation is its content).
    whole, whole_notes = _whole_text(mail.text, notes, attachments.policy)
    opening_notes = [*notes, *whole_notes]
    recipient = (recipients[0] if recipients else None) or (mail.to[0] if mail.to else None)
    opening = _Opening(mail, sender, recipient, [*files, *whole], now, publisher, attachments, classify)

    if await Ticket.exists(idempotency_key=opening.scoped_key):
        # An earlier delivery opened the ticket and died before its receipt: finish that.
        return await opening.open(opening_notes)

    ticket = await _thread_ticket(mail, sender)
    if ticket is not None:
        customer_email = await _customer_email(ticket)
        if customer_email != sender:
            note = (
                f"This mail answers {ticket.key}, but {sender} is not that ticket's customer, "
                "so it opened a ticket of its own."
            )
            return await opening.open([note, *opening_notes])
        if ticket.status is not S.CLOSED:
            body, body_files, body_notes = _reply_text(mail.text, notes, attachments.policy, strip_quotes)
            try:
                return await _reply(
                    mail,
                    ticket,
                    sender,
                    body,
                    [*files, *body_files],
                    [*notes, *body_notes],
                    now,
                    publisher,
                    attachments,
                )
            except Conflict:
                pass  # closed while we were reading: a follow-up ticket after all
        return await opening.open([f"Follow-up to {ticket.key}, which is closed.", *opening_notes])
    return await opening.open(opening_notes)


# --- deciding ------------------------------------------------------------------------------


def _sender(mail: InboundMail, envelope_sender: str | None) -> str | None:
    """The From address; a mail without a usable one is answered to its envelope sender."""
    for candidate in (mail.from_address, envelope_sender):
        try:
            return validation.email(candidate or "", field="from")
        except BadUserInput:
            continue
    return None


def _screen(items: Sequence[MailAttachment], policy: AttachmentPolicy) -> tuple[list[_File], list[str]]:
    """The files the desk keeps, and a note for each it does not: a file never costs the
    mail that carried it."""
    kept: list[_File] = []
    notes: list[str] = []
    for number, item in enumerate(items, start=1):
        kind = item.content_type or "application/octet-stream"
        fallback = f"attachment-{number}{mimetypes.guess_extension(kind) or ''}"
        name = safe_filename(item.filename, fallback=fallback)
        try:
            policy.check(filename=name, content_type=kind, size=len(item.data))
        except BadUserInput as error:
            why = error.message if name in error.message else f"{name!r}: {error.message}"
            notes.append(f"Attachment not kept: {why}")
            continue
        kept.append(_File(name, kind, item.data))
    return kept, notes


def _whole_text(text: str, notes: Sequence[str], policy: AttachmentPolicy) -> tuple[list[_File], list[str]]:
    """The text as a file when it is too long for a description or a message (so it is
    never only cut)."""
    # The limit leaves room for the notes threading may add below (a follow-up's, a
    # stranger's), so a text that fits here is never cut there without its file.
    limit = min(validation.BODY_MAX, validation.DESCRIPTION_MAX) - THREADING_NOTE_ROOM
    if not compose_text(text, notes, limit=limit).cut:
        return [], []
    return _screen([MailAttachment(FULL_TEXT_NAME, "text/plain", text.encode())], policy)


def _reply_text(
    text: str, notes: Sequence[str], policy: AttachmentPolicy, strip_quotes: bool
) -> tuple[str, list[_File], list[str]]:
    """A reply's message text, and the files and notes that go with it: without the quoted
    history when there is one, the whole text then kept as a file on the message.

    A file rather than an internal note: it belongs to the very message it completes, is
    listed and served with it (to staff, and to the customer who wrote it), and keeps the
    timeline, first-response and notification rules free of a second, machine-made message."""
    if strip_quotes:
        split = split_reply(text)
        if split.cut:
            kept, refused = _screen([MailAttachment(ORIGINAL_TEXT_NAME, "text/plain", text.encode())], policy)
            if kept:
                # The file holds the whole mail, so a new part still too long for a
                # message needs no second copy.
                return split.new, kept, []
            # The desk's policy refuses the file (its size or text/plain): a message that
            # repeats the thread is better than one whose history is nowhere.
            logger.info("quoted history kept in the message: %s", "; ".join(refused))
    files, more_notes = _whole_text(text, notes, policy)
    return text, files, more_notes


async def _thread_ticket(mail: InboundMail, sender: str) -> Ticket | None:
    """The ticket the mail answers: by the Message-IDs it names (a message on a ticket, mail
    the desk sent about one, an earlier mail that became one), else by the ticket key in its
    subject when the sender is that ticket's customer."""
    for ident in thread_ids(mail):
        forms = [ident, ident[1:-1]]  # senders that stored the id without brackets
        for found in (
            Message.filter(email_message_id__in=forms).order_by("id"),
            OutboxMail.filter(message_id__in=forms, ticket_id__isnull=False).order_by("id"),
            IntakeReceipt.filter(channel=CHANNEL, external_id__in=forms, ticket_id__isnull=False),
        ):
            ticket_ids = cast(list[int], await found.limit(1).values_list("ticket_id", flat=True))
            if ticket_ids:
                ticket = await Ticket.get_or_none(id=ticket_ids[0])
                if ticket is not None:
                    return ticket
    if sender_failed_authentication(mail):
        return None  # a forged From with a known key would write on the customer's ticket
    number = ticket_number_in_subject(mail.subject, prefix=TICKET_KEY_PREFIX)
    if number is None or number >= 2**63:
        return None
    ticket = await Ticket.get_or_none(id=number)
    if ticket is not None and await _customer_email(ticket) == sender:
        return ticket
    return None


async def _customer_email(ticket: Ticket) -> str:
    emails = cast(list[str], await Customer.filter(id=ticket.customer_id).values_list("email", flat=True))
    return emails[0].strip().lower() if emails else ""


# --- writing -------------------------------------------------------------------------------


async def _winner(mail: InboundMail) -> IntakeReceipt:
    """Another delivery of the same mail wrote its receipt first: its outcome stands."""
    return await IntakeReceipt.get(channel=CHANNEL, external_id=mail.message_id)


async def _ignore(
    mail: InboundMail, reason: str, envelope_sender: str | None, now: datetime
) -> IntakeReceipt:
    logger.info("mail %s ignored: %s", mail.message_id, reason)
    try:
        return await IntakeReceipt.create(
            channel=CHANNEL,
            external_id=mail.message_id,
            outcome=IGNORED,
            reason=reason,
            sender=(mail.from_address or envelope_sender or "")[:_SENDER_MAX] or None,
            created_at=now,
        )
    except IntegrityError:
        return await _winner(mail)


async def _save_files(
    store: AttachmentStore, files: Sequence[_File], ticket_id: int, message_id: int | None, now: datetime
) -> None:
    for item in files:
        await store.save(
            ticket_id=ticket_id, message_id=message_id, filename=item.filename,
            content_type=item.content_type, data=item.data, uploaded_by_id=None, now=now,
        )


async def _reply(
    mail: InboundMail,
    ticket: Ticket,
    sender: str,
    text: str,
    files: Sequence[_File],
    notes: Sequence[str],
    now: datetime,
    publisher: Publisher,
    store: AttachmentStore,
) -> IntakeReceipt:
    written: list[IntakeReceipt] = []

    async def write_receipt(ticket: Ticket, message: Message) -> None:
        # First, so a duplicate delivery fails before it writes any file row.
        written.append(await IntakeReceipt.create(
            channel=CHANNEL, external_id=mail.message_id, outcome=MESSAGE, sender=sender,
            ticket_id=ticket.id, message_id=message.id, created_at=now,
        ))

    async def write_files(ticket: Ticket, message: Message) -> None:
        await _save_files(store, files, ticket.id, message.id, now)

    try:
        await tickets.add_reply(
            actor=None,
            ticket_id=ticket.id,
            body=compose_text(text, notes, limit=validation.BODY_MAX).text,
            internal=False,
            expected_version=None,
            now=now,
            publisher=publisher,
            channel=TicketSource.EMAIL,
            email_message_id=mail.message_id,
            message_writes=(write_receipt, write_files),
        )
    except IntegrityError:
        return await _winner(mail)
    logger.info("mail %s added to %s", mail.message_id, ticket.key)
    return written[0]


class _Opening:
    """A new ticket from the mail, with its files and receipt."""

    def __init__(
        self,
        mail: InboundMail,
        sender: str,
        recipient: str | None,
        files: Sequence[_File],
        now: datetime,
        publisher: Publisher,
        store: AttachmentStore,
        classify: bool,
    ) -> None:
        self.mail = mail
        self.sender = sender
        self.recipient = recipient
        self.files = files
        self.now = now
        self.publisher = publisher
        self.store = store
        self.classify = classify
        digest = hashlib.sha256(mail.message_id.encode("utf-8")).hexdigest()[:48]
        self.key = f"mail:{digest}"
        self.scoped_key = f"intake:{self.key}"  # how tickets.create stores a key without actor

    async def open(self, notes: Sequence[str]) -> IntakeReceipt:
        mail = self.mail
        name = (mail.from_name or "").strip()[: validation.NAME_MAX].strip()
        ticket = await tickets.create(
            actor=None,
            data=tickets.NewTicket(
                subject=(mail.subject.strip()[: validation.SUBJECT_MAX].strip() or NO_SUBJECT),
                description=compose_text(mail.text, notes, limit=validation.DESCRIPTION_MAX).text,
                source=TicketSource.EMAIL,
                customer_email=self.sender,
                customer_name=name if name and name.lower() != self.sender else None,
                idempotency_key=self.key,
                recipient=self.recipient[:254] if self.recipient else None,
            ),
            now=self.now,
            publisher=self.publisher,
            classify=self.classify,
        )
        try:
            async with in_transaction():
                receipt = await IntakeReceipt.create(
                    channel=CHANNEL, external_id=mail.message_id, outcome=TICKET, sender=self.sender,
                    ticket_id=ticket.id, message_id=None, created_at=self.now,
                )
                await _save_files(self.store, self.files, ticket.id, None, self.now)
        except IntegrityError:
            return await _winner(mail)
        logger.info("mail %s opened %s", mail.message_id, ticket.key)
        return receipt
