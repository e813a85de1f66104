"""On-call paging: an urgent ticket calls whoever is on call for its group, then the next
person in the chain each time an acknowledgement does not come in time; the group's
supervisors close the chain. Steps are decided by the pure rules in domain/rules/oncall.py;
the sweep advances pages whose time is up."""

from datetime import datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from domain.enums import EventKind, Role
from domain.errors import Forbidden, NotFound
from domain.events import PageNotification, Publisher, QueuedNotices
from domain.models import GroupMembership, OnCallOverride, OnCallSchedule, Page, Ticket, User
from domain.rules import oncall
from domain.rules.access import Actor
from domain.services.ticket_changes import EventDraft, after_commit, write_events

DEFAULT_ACK_TIMEOUT = timedelta(minutes=5)


def schedule_of(row: OnCallSchedule, overrides: list[OnCallOverride]) -> oncall.Schedule:
    return oncall.Schedule(
        rotation=oncall.Rotation(
            participants=tuple(int(u) for u in row.participants),
            starts_at=row.starts_at,
            shift=timedelta(seconds=row.shift_seconds),
            time_zone=row.time_zone,
        ),
        overrides=tuple(oncall.Override(o.user_id, o.starts_at, o.ends_at) for o in overrides),
    )


async def load_schedule(group_id: int) -> tuple[OnCallSchedule, oncall.Schedule] | None:
    row = await OnCallSchedule.get_or_none(group_id=group_id)
    if row is None:
        return None
    overrides = await OnCallOverride.filter(schedule_id=row.id).order_by("starts_at", "id")
    return row, schedule_of(row, overrides)


async def supervisors(group_id: int) -> list[int]:
    members = cast(
        list[int], await GroupMembership.filter(group_id=group_id).values_list("user_id", flat=True)
    )
    return cast(list[int], await User.filter(id__in=members, role=Role.SUPERVISOR, is_active=True)
                .order_by("id").values_list("id", flat=True))


async def on_call_now(group_id: int, now: datetime) -> int | None:
    loaded = await load_schedule(group_id)
    return oncall.on_call_at(loaded[1], now) if loaded else None


async def open_page(
    *, ticket_id: int, group_id: int, reason: str, now: datetime, supervisors_only: bool = False,
) -> tuple[Page | None, bool]:
    """Writes a page for the ticket and group, in the caller's transaction, which must hold
    the ticket's row lock (so two callers cannot both find no page and open one each). One
    open page per ticket and group: an open one is returned instead, with False. It is due at
    once, so if the caller's process dies before `advance`, the sweep notifies the first
    person. `supervisors_only` pages just the group's supervisors (an SLA breach)."""
    open_one = await Page.filter(
        ticket_id=ticket_id, group_id=group_id, acknowledged_at__isnull=True, exhausted=False
    ).first()
    if open_one is not None:
        return open_one, False
    extra = await supervisors(group_id)
    if supervisors_only:
        chain = extra
    else:
        loaded = await load_schedule(group_id)
        if loaded is None:
            return None, False  # the group keeps no on-call rotation: nobody is paged
        chain = list(oncall.escalation_chain(loaded[1], now, extra=extra))
    if not chain:
        return None, False
    page = await Page.create(ticket_id=ticket_id, group_id=group_id, reason=reason, chain=chain,
                             notified=[], next_check_at=now, created_at=now)
    return page, True


async def start(
    *, ticket_id: int, group_id: int, reason: str, now: datetime, publisher: Publisher,
    supervisors_only: bool = False,
) -> Page | None:
    """Opens a page (`open_page`) and notifies its first person; the group's supervisors
    close the chain."""
    async with in_transaction():
        if await Ticket.filter(id=ticket_id).select_for_update().first() is None:
            return None
        page, opened = await open_page(ticket_id=ticket_id, group_id=group_id, reason=reason, now=now,
                                       supervisors_only=supervisors_only)
    if page is None or not opened:
        return page
    await advance(page_id=page.id, now=now, publisher=publisher)
    return await Page.get(id=page.id)


async def advance(*, page_id: int, now: datetime, publisher: Publisher) -> None:
    """One step: notify the next person if the last one's time is up; idempotent."""
    queued = QueuedNotices()
    async with in_transaction():
        first = await Page.get_or_none(id=page_id)
        if first is None:
            return
        # The ticket first, then the page: the same order as every ticket change.
        ticket = await Ticket.filter(id=first.ticket_id).select_for_update().first()
        page = await Page.filter(id=page_id).select_for_update().first()
        if ticket is None or page is None or page.acknowledged_at is not None or page.exhausted:
            return
        loaded = await load_schedule(page.group_id)
        timeout = timedelta(seconds=loaded[0].ack_timeout_seconds) if loaded else DEFAULT_ACK_TIMEOUT
        state = oncall.PageState(
            chain=tuple(page.chain),
            notified=tuple((int(u), datetime.fromisoformat(at)) for u, at in page.notified),
        )
        step = oncall.page_step(state, now=now, ack_timeout=timeout)
        drafts: list[EventDraft] = []
        if step.notify is not None:
            user = await User.get(id=step.notify)
            page.notified = [*page.notified, [user.id, now.isoformat()]]
            drafts.append(EventDraft(
                kind=EventKind.PAGED, after={"pageId": page.id, "userId": user.id, "reason": page.reason},
                note=f"paged {user.name} ({page.reason})",
            ))
            notification = PageNotification(
                page_id=page.id, ticket_id=ticket.id, ticket_key=ticket.key, subject=ticket.subject,
                priority=ticket.priority.name, group_id=page.group_id, user_id=user.id,
                user_email=user.email, reason=page.reason, at=now,
                webhook_url=loaded[0].webhook_url if loaded else None,
            )
            queued = await publisher.write_page_notices(notification)
        if step.exhausted:
            page.exhausted = True
            drafts.append(EventDraft(kind=EventKind.PAGE_EXHAUSTED, after={"pageId": page.id},
                                     note="nobody in the on-call chain acknowledged"))
        page.next_check_at = step.next_check_at
        await page.save(update_fields=["notified", "exhausted", "next_check_at"])
        activities = await write_events(ticket=ticket, actor_id=None, drafts=tuple(drafts), now=now,
                                        previous_assignee_id=ticket.assignee_id)
    await after_commit(ticket=ticket, activities=activities, publisher=publisher)
    publisher.send_page_notices(queued, now)


async def acknowledge(*, actor: Actor, page_id: int, now: datetime, publisher: Publisher) -> Page:
    """Whoever is in the chain (or a manager) takes the page; a second acknowledgement is a
    no-op that reports who took it."""
    first = await Page.get_or_none(id=page_id)
    if first is None:
        raise NotFound("No page with that id.", field="pageId")
    if actor.user_id not in first.chain and not actor.is_manager:
        raise Forbidden("Only the people in this page's chain may acknowledge it.")
    async with in_transaction():
        ticket = await Ticket.filter(id=first.ticket_id).select_for_update().first()
        page = await Page.filter(id=page_id).select_for_update().first()
        assert ticket is not None and page is not None
        if page.acknowledged_at is not None:
            return page
        page.acknowledged_by_id = actor.user_id
        page.acknowledged_at = now
        page.next_check_at = None
        await page.save(update_fields=["acknowledged_by_id", "acknowledged_at", "next_check_at"])
        user = await User.get(id=actor.user_id)
        activities = await write_events(
            ticket=ticket, actor_id=actor.user_id, now=now, previous_assignee_id=ticket.assignee_id,
            drafts=(EventDraft(kind=EventKind.PAGE_ACKNOWLEDGED, after={"pageId": page.id, "userId": user.id},
                               note=f"acknowledged by {user.name}"),),
        )
    await after_commit(ticket=ticket, activities=activities, publisher=publisher)
    return page


async def advance_due(*, now: datetime, publisher: Publisher, limit: int = 200) -> int:
    """The sweep's part: pages whose acknowledgement time is up move on down the chain."""
    due = cast(list[int], await Page.filter(
        next_check_at__lte=now, acknowledged_at__isnull=True, exhausted=False
    ).order_by("next_check_at").limit(limit).values_list("id", flat=True))
    for page_id in due:
        await advance(page_id=page_id, now=now, publisher=publisher)
    return len(due)
