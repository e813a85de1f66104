"""A page step and its notices (the paged person's mail, the schedule's webhook call) commit
together: a step whose notices cannot be written leaves no trace, so the next sweep pages
that person again instead of leaving a PAGED entry nobody was told about."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.enums import EventKind, Role, TicketSource
from domain.events import NullPublisher, PageNotification, QueuedNotices
from domain.models import Customer, Group, OnCallSchedule, OutboxMail, Page, Ticket, TicketEvent, User
from domain.services import outbox, paging

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class MailingPublisher(NullPublisher):
    """Writes the page mail as the app's publisher does; `fail` breaks the write after it."""

    def __init__(self, *, fail: bool) -> None:
        self.fail = fail
        self.sent: list[QueuedNotices] = []

    async def write_page_notices(self, notification: PageNotification) -> QueuedNotices:
        row = await outbox.enqueue(
            to_address=notification.user_email, subject=f"Paged: {notification.ticket_key}", body="b",
            kind="page", now=notification.at, message_domain="desk.test", ticket_id=notification.ticket_id,
        )
        if self.fail:
            raise RuntimeError("the webhook row could not be written")
        return QueuedNotices(mail_ids=(row.id,))

    def send_page_notices(self, queued: QueuedNotices, now: datetime) -> None:
        self.sent.append(queued)


async def on_call_desk() -> tuple[Ticket, User]:
    group = await Group.create(name="Ops")
    person = await User.create(email="oncall@desk.test", name="On Call", role=Role.AGENT)
    await OnCallSchedule.create(group=group, participants=[person.id], starts_at=NOW - timedelta(days=1))
    customer = await Customer.create(email="c@example.com", name="C")
    ticket = await Ticket.create(subject="Down", description="All down", source=TicketSource.API,
                                 customer=customer, group=group, created_at=NOW, updated_at=NOW)
    return ticket, person


async def test_a_page_step_whose_notices_fail_leaves_no_trace(database: None) -> None:
    ticket, person = await on_call_desk()
    failing = MailingPublisher(fail=True)
    with pytest.raises(RuntimeError):
        await paging.start(ticket_id=ticket.id, group_id=ticket.group_id, reason="urgent ticket",
                           now=NOW, publisher=failing)
    page = await Page.get(ticket_id=ticket.id)
    assert page.notified == []
    assert not await TicketEvent.exists(ticket_id=ticket.id, kind=EventKind.PAGED)
    assert not await OutboxMail.exists(ticket_id=ticket.id)
    assert failing.sent == []

    # The sweep's next step pages the same person, this time with the mail beside the entry.
    working = MailingPublisher(fail=False)
    assert await paging.advance_due(now=NOW + timedelta(seconds=1), publisher=working) == 1
    page = await Page.get(id=page.id)
    assert [user_id for user_id, _at in page.notified] == [person.id]
    assert await TicketEvent.filter(ticket_id=ticket.id, kind=EventKind.PAGED).count() == 1
    mails = await OutboxMail.filter(ticket_id=ticket.id)
    assert [m.to_address for m in mails] == ["oncall@desk.test"]
    assert working.sent == [QueuedNotices(mail_ids=(mails[0].id,))]
