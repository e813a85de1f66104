"""Abandoned uploads go after a day; what a reply carried, what a mail brought, and a file
another row still names stay. Against a real database of this run's backend."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.enums import AuthorKind, Role, TicketSource
from domain.models import Attachment, Customer, Message, Ticket, User
from domain.rules.attachment_policy import AttachmentPolicy
from domain.services.attachments import AttachmentStore
from domain.services.ticket_attachments import UNSENT_KEPT, forget_unsent

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
OLD = NOW - UNSENT_KEPT - timedelta(minutes=1)


@pytest.fixture
def store(database: None, tmp_path: Path) -> AttachmentStore:
    return AttachmentStore(tmp_path / "files", AttachmentPolicy(max_bytes=1000, types=("text/plain",)))


async def test_abandoned_uploads_are_removed_and_the_rest_kept(store: AttachmentStore) -> None:
    agent = await User.create(email="a@desk.test", name="A", role=Role.AGENT)
    customer = await Customer.create(email="c@example.com", name="C")
    ticket = await Ticket.create(subject="s", description="d", source=TicketSource.EMAIL,
                                 customer_id=customer.id, created_at=OLD, updated_at=OLD)
    message = await Message.create(ticket_id=ticket.id, author_id=agent.id, author_kind=AuthorKind.AGENT,
                                   channel=TicketSource.EMAIL, body="b", created_at=OLD)

    async def saved(data: bytes, *, message_id: int | None, by: int | None, at: datetime) -> Attachment:
        return await store.save(ticket_id=ticket.id, message_id=message_id, filename="f.txt",
                                content_type="text/plain", data=data, uploaded_by_id=by, now=at)

    abandoned = await saved(b"abandoned", message_id=None, by=agent.id, at=OLD)
    shared_old = await saved(b"shared", message_id=None, by=agent.id, at=OLD)
    shared_sent = await saved(b"shared", message_id=message.id, by=agent.id, at=OLD)
    sent = await saved(b"sent", message_id=message.id, by=agent.id, at=OLD)
    from_mail = await saved(b"from a mail", message_id=None, by=None, at=OLD)
    recent = await saved(b"still drafting", message_id=None, by=agent.id, at=NOW - timedelta(hours=1))

    assert await forget_unsent(store=store, now=NOW) == 2
    left = set(await Attachment.all().values_list("id", flat=True))
    assert left == {shared_sent.id, sent.id, from_mail.id, recent.id}
    assert abandoned.id not in left and shared_old.id not in left
    assert not store.path_of(abandoned.sha256).exists()
    assert store.path_of(shared_sent.sha256).exists()  # the sent row still names it
    assert await forget_unsent(store=store, now=NOW) == 0
