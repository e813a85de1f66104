"""Attachments of tickets: uploading, linking an upload to the reply that carries it, and
finding a file for someone allowed to download it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from domain.enums import Role, TicketStatus
from domain.errors import BadUserInput, Conflict, Forbidden, NotFound
from domain.models import Attachment, Message, Ticket
from domain.rules.access import Actor, can_view_ticket
from domain.rules.attachment_access import may_see_attachment
from domain.services import tickets
from domain.services.attachments import AttachmentStore
from domain.services.ticket_changes import MessageWrite

MAX_PER_REPLY = 20
# An upload that no reply carried within this long was abandoned (a closed tab, a discarded
# draft): its row goes, and its file when nothing else has the same content.
UNSENT_KEPT = timedelta(hours=24)


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str
    data: bytes


async def ticket_for_upload(*, actor: Actor, ticket_id: int) -> Ticket:
    """The ticket, if the actor may add files to it (checked before the body is read)."""
    if actor.role is Role.REPORTER:
        raise Forbidden("Reporters cannot add files.")
    ticket = await tickets.get(actor=actor, ticket_id=ticket_id)
    if ticket.status is TicketStatus.CLOSED:
        raise Conflict("The ticket is closed; reopen it first.", field="ticketId")
    return ticket


async def upload(
    *, actor: Actor, ticket_id: int, files: Sequence[Upload], store: AttachmentStore, now: datetime
) -> list[Attachment]:
    """All files or none. They belong to no message until a reply carries them."""
    ticket = await ticket_for_upload(actor=actor, ticket_id=ticket_id)
    if not files:
        raise BadUserInput("Send one or more files in the field 'file'.", field="file")
    async with in_transaction():
        return [
            await store.save(
                ticket_id=ticket.id, message_id=None, filename=f.filename, content_type=f.content_type,
                data=f.data, uploaded_by_id=actor.user_id, now=now,
            )
            for f in files
        ]


def link_to_message(*, attachment_ids: Sequence[int], uploader_id: int) -> MessageWrite:
    """A write for add_reply's transaction: the uploads become the new message's. Only the
    caller's own uploads to this ticket that no message carries yet; otherwise the whole
    reply is refused. The conditional update is the check, so two replies racing for one
    upload cannot both have it."""
    ids = list(dict.fromkeys(attachment_ids))
    if len(ids) > MAX_PER_REPLY:
        raise BadUserInput(f"At most {MAX_PER_REPLY} attachments per reply.", field="attachmentIds")

    async def write(ticket: Ticket, message: Message) -> None:
        linked = await Attachment.filter(
            id__in=ids, ticket_id=ticket.id, message_id__isnull=True, uploaded_by_id=uploader_id
        ).update(message_id=message.id)
        if linked != len(ids):
            raise BadUserInput(
                "attachmentIds: each must be your own upload to this ticket, not yet on a message.",
                field="attachmentIds",
            )

    return write


async def readable(*, actor: Actor, attachment_id: int) -> Attachment:
    """The attachment, if the actor may download it; NotFound otherwise, so that an id
    reveals nothing."""
    missing = NotFound("No such attachment.", field="id")
    row = await Attachment.get_or_none(id=attachment_id)
    if row is None:
        raise missing
    ticket = await Ticket.get_or_none(id=row.ticket_id)
    if ticket is None or not can_view_ticket(
        actor, group_id=ticket.group_id, assignee_id=ticket.assignee_id, customer_id=ticket.customer_id
    ):
        raise missing
    internal = False
    if row.message_id is not None and not actor.is_staff:
        message = await Message.get_or_none(id=row.message_id)
        internal = message is None or message.internal
    if not may_see_attachment(
        actor, uploaded_by_id=row.uploaded_by_id, on_message=row.message_id is not None,
        message_internal=internal,
    ):
        raise missing
    return row


async def forget_unsent(*, store: AttachmentStore, now: datetime, kept: timedelta = UNSENT_KEPT) -> int:
    """Removes uploads no reply carried in time. A mail's files have no uploader and stay:
    they belong to the ticket the mail opened."""
    stale = Attachment.filter(
        message_id__isnull=True, uploaded_by_id__isnull=False, created_at__lt=now - kept
    )
    rows = cast(list[tuple[int, str]], await stale.limit(500).values_list("id", "sha256"))
    if not rows:
        return 0
    await Attachment.filter(id__in=[row_id for row_id, _ in rows], message_id__isnull=True).delete()
    await store.remove_unreferenced({digest for _, digest in rows})
    return len(rows)
