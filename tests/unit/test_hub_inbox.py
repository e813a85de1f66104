from datetime import UTC, datetime

from domain.enums import EventKind
from domain.events import TicketActivity
from server.hub import Inbox, Overflow, Resync


def activity(event_id: int) -> TicketActivity:
    return TicketActivity(event_id=event_id, ticket_id=1, kind=EventKind.REPLIED, at=datetime.now(UTC),
                          customer_id=1, group_id=None, assignee_id=None)


def test_a_full_inbox_ends_with_one_overflow_and_takes_nothing_more() -> None:
    inbox = Inbox(size=3)
    for i in range(10):
        inbox.offer(activity(i))
    items = [inbox.queue.get_nowait() for _ in range(inbox.queue.qsize())]
    assert [getattr(i, "event_id", None) for i in items[:3]] == [0, 1, 2]
    assert isinstance(items[3], Overflow) and len(items) == 4
    inbox.offer(Resync())
    assert inbox.queue.empty()
