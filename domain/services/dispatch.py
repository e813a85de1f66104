"""Dispatch: route a ticket to a group by the routing rules, then hand it to an agent of the
group by the group's strategy, within each agent's capacity; drain a group's queue as
capacity frees up. Every decision is logged as an event naming the rule or strategy and why.

Capacity holds under concurrency (several workers and API processes): an automatic
assignment locks the candidate agents' rows (in id order, so two dispatches never deadlock)
before it counts their load, so two dispatches can never both fill an agent's last slot.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.transactions import in_transaction

from domain.enums import (
    STAFF_ROLES,
    AssignmentStrategy,
    Availability,
    CustomerTier,
    EventKind,
    Priority,
    PriorityOrigin,
    TicketStatus,
    TriageState,
)
from domain.events import Publisher
from domain.models import Customer, Group, GroupMembership, Page, RoutingRule, Ticket, User
from domain.rules import assignment, routing
from domain.services import category_tree
from domain.services.ticket_changes import EventDraft, TicketChange, after_commit, change_ticket, write_events

logger = logging.getLogger("helpdesk.dispatch")

ACTIVE = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING]
DRAIN_LIMIT = 100


# --- routing ---------------------------------------------------------------------------


def rule_spec(row: RoutingRule) -> routing.RoutingRule:
    return routing.RoutingRule(
        id=row.id,
        name=row.name,
        position=row.position,
        enabled=row.enabled,
        category_ids=frozenset(row.category_ids),
        product_ids=frozenset(row.product_ids),
        customer_tiers=frozenset(CustomerTier(t) for t in row.customer_tiers),
        organisations=frozenset(row.organisations),
        sources=frozenset(row.sources),
        priorities=frozenset(Priority[p] for p in row.priorities),
        keywords=tuple(row.keywords),
        group_id=row.group_id or 0,
        set_priority=row.set_priority,
        tags=tuple(row.tags),
    )


async def decide_route(ticket: Ticket) -> routing.RouteDecision:
    """Explicit rules first; then the category's default group; then the desk's default."""
    customer = await Customer.get(id=ticket.customer_id)
    category, parent = await category_tree.with_parent(ticket.category_id)
    subject = routing.RoutingTicket(
        category_id=ticket.category_id,
        parent_category_id=parent.id if parent is not None else None,
        product_id=ticket.product_id,
        customer_tier=customer.tier,
        organisation=customer.organisation,
        source=ticket.source,
        priority=ticket.priority,
        text=f"{ticket.subject}\n{ticket.description}",
    )
    rules = [rule_spec(r) for r in await RoutingRule.filter(enabled=True).order_by("position", "id")]
    decision = routing.route(subject, rules, None)
    if decision.group_id is not None:
        return decision
    if (fallback := category_tree.default_group(category, parent)) is not None:
        group_id, source = fallback
        return routing.RouteDecision(
            group_id=group_id, rule_id=None, rule_name=None,
            reason=f"no rule matched: default group of category {source.name}",
            set_priority=decision.set_priority, tags=decision.tags,
        )
    default = await Group.filter(is_default=True).order_by("id").first()
    return routing.RouteDecision(
        group_id=default.id if default else None, rule_id=None, rule_name=None,
        reason=(
            "no rule matched: the desk's default group" if default else "no rule matched and no default group"
        ),
        set_priority=decision.set_priority, tags=decision.tags,
    )


def _route_change(decision: routing.RouteDecision, why: str) -> Any:
    def decide(ticket: Ticket) -> TicketChange:
        if ticket.status not in ACTIVE or ticket.assignee_id is not None:
            return TicketChange()  # someone is on it: routing never takes a ticket away
        updates: dict[str, object] = {}
        events: list[EventDraft] = []
        tags = sorted(set(ticket.tags or []) | set(decision.tags))
        if tags != sorted(ticket.tags or []):
            updates["tags"] = tags
        if decision.group_id is not None and decision.group_id != ticket.group_id:
            updates["group_id"] = decision.group_id
            # Routing is no person's move: a reroute a correction asked for meanwhile (after
            # this route was decided) stays pending for its own dispatch.
            updates["dispatch_reroute"] = ticket.dispatch_reroute
            events.append(EventDraft(
                kind=EventKind.ASSIGNED,
                before={"groupId": ticket.group_id, "assigneeId": None},
                after={"groupId": decision.group_id, "assigneeId": None, "ruleId": decision.rule_id,
                       "rule": decision.rule_name, "tags": list(decision.tags)},
                note=f"{why}: {decision.reason}",
            ))
        if (decision.set_priority is not None and decision.set_priority is not ticket.priority
                and ticket.priority_origin in (PriorityOrigin.DEFAULT, PriorityOrigin.CLASSIFIER)):
            updates["priority"] = decision.set_priority
            events.append(EventDraft(
                kind=EventKind.PRIORITY_CHANGED,
                before={"priority": ticket.priority.name}, after={"priority": decision.set_priority.name},
                note=f"routing rule {decision.rule_name}",
            ))
        return TicketChange(updates=updates, events=tuple(events))

    return decide


async def route(*, ticket_id: int, now: datetime, publisher: Publisher, why: str = "routed") -> Ticket:
    ticket = await Ticket.get(id=ticket_id)
    decision = await decide_route(ticket)
    result = await change_ticket(
        actor=None, ticket_id=ticket_id, expected_version=None, now=now,
        decide=_route_change(decision, why), publisher=publisher,
    )
    return result.ticket


def marked(now: datetime, *, reroute: bool = False) -> dict[str, Any]:
    """The updates that mark a ticket for dispatch, for the transaction of the change that
    calls for it. Stored in UTC: the mark is matched by equality when it is cleared."""
    return {"dispatch_pending_since": now.astimezone(UTC), "dispatch_reroute": reroute}


def marked_after_move(ticket: Ticket, now: datetime, *, moves_group: bool) -> dict[str, Any]:
    """The mark for a transfer or escalation, which dispatch follows: a reroute that a category
    correction left pending stays pending unless the move itself gives another group."""
    return marked(now, reroute=ticket.dispatch_reroute and not moves_group)


async def dispatch(
    *, ticket_id: int, now: datetime, publisher: Publisher, why: str, reroute: bool = False,
    pages_since: datetime | None = None, page_reason: str = "urgent ticket",
) -> None:
    """Route a ticket that has no group yet (or any unassigned one, with `reroute`), assign
    it within its group, and page the group's on-call when it is urgent. Runs after the
    change that calls for it has committed, which marked the ticket (`marked`) in its own
    transaction; the mark is cleared once this has run. If the process dies first, or this
    fails, the mark stays and `resume_pending` does it again. `pages_since`: pages opened
    since then count as this dispatch's own (a resumed dispatch passes the original mark).
    `page_reason` is what the on-call page says (a resumed dispatch says "urgent ticket")."""
    try:
        ticket = await Ticket.get_or_none(id=ticket_id)
        if ticket is None:
            return
        marked_at = ticket.dispatch_pending_since
        await _dispatch(
            ticket, now=now, publisher=publisher, why=why, reroute=reroute or ticket.dispatch_reroute,
            marked_at=marked_at, pages_since=pages_since or marked_at, page_reason=page_reason,
        )
        if marked_at is not None:
            # Only this mark: a change that marked the ticket again meanwhile keeps its own.
            await Ticket.filter(id=ticket_id, dispatch_pending_since=marked_at).update(
                dispatch_pending_since=None, dispatch_reroute=False
            )
    except Exception:
        logger.exception("dispatching ticket %s failed", ticket_id)


async def _dispatch(
    ticket: Ticket, *, now: datetime, publisher: Publisher, why: str, reroute: bool,
    marked_at: datetime | None, pages_since: datetime | None, page_reason: str,
) -> None:
    from domain.services import paging  # paging changes tickets too: imported late

    if ticket.status not in ACTIVE:
        return
    if ticket.assignee_id is None:
        if ticket.group_id is None or reroute:
            ticket = await route(ticket_id=ticket.id, now=now, publisher=publisher, why=why)
        if ticket.group_id is None:
            return
        group = Group.filter(id=ticket.group_id).first()
        strategy = await group.values_list("assignment_strategy", flat=True)
        # A MANUAL group (the default) takes no automatic assignment: asked before the locking
        # transaction, so intake into such groups pays one read, not two row locks.
        if strategy is not None and AssignmentStrategy(strategy) is not AssignmentStrategy.MANUAL:
            await assign_in_group(ticket_id=ticket.id, now=now, publisher=publisher)
    elif marked_at is None:
        return  # someone has it, and no dispatch of it was cut short
    # An assigned ticket with a mark may be one whose dispatch assigned it and was cut short
    # before the page: an urgent ticket is still paged, once.
    if (ticket.group_id is not None and ticket.priority is Priority.URGENT
            and not await _paged_since(ticket, pages_since)):
        await paging.start(ticket_id=ticket.id, group_id=ticket.group_id, reason=page_reason,
                           now=now, publisher=publisher)


async def _paged_since(ticket: Ticket, since: datetime | None) -> bool:
    """Whether this dispatch already paged before it was cut short: a page that was since
    acknowledged or ran out must not start over when the dispatch is resumed."""
    if since is None:
        return False
    pages = Page.filter(ticket_id=ticket.id, group_id=ticket.group_id, created_at__gte=since)
    return await pages.exists()


# A dispatch younger than this may still be running in the process that marked it (a
# classification batch marks its tickets with the time it started, before encoding them).
RESUME_GRACE = timedelta(seconds=60)
RESUME_LIMIT = 200


async def resume_pending(*, now: datetime, publisher: Publisher, limit: int = RESUME_LIMIT) -> int:
    """Dispatch that a committed change called for but that never ran to its end (the process
    died, the database dropped out): oldest first. Each mark is claimed (moved to `now`) by
    one compare-and-set before its dispatch, so overlapping sweeps never dispatch a ticket
    twice, and a dispatch that fails again waits another grace before its next try."""
    rows = cast(list[tuple[int, datetime]], await Ticket.filter(
        dispatch_pending_since__lte=now - RESUME_GRACE
    ).order_by("dispatch_pending_since", "id").limit(limit).values_list("id", "dispatch_pending_since"))
    resumed = 0
    for ticket_id, marked_at in rows:
        claimed = await Ticket.filter(id=ticket_id, dispatch_pending_since=marked_at).update(
            dispatch_pending_since=now.astimezone(UTC)
        )
        if not claimed:
            continue  # another sweep, or the dispatch itself, got there first
        resumed += 1
        await dispatch(ticket_id=ticket_id, now=now, publisher=publisher, why="dispatch resumed",
                       pages_since=marked_at)
    return resumed


# --- assignment ------------------------------------------------------------------------


async def agent_loads(
    agent_ids: Sequence[int], weights: Any = assignment.DEFAULT_PRIORITY_WEIGHTS
) -> dict[int, int]:
    rows = await Ticket.filter(assignee_id__in=list(agent_ids), status__in=ACTIVE).values_list(
        "assignee_id", "priority"
    )
    loads = dict.fromkeys(agent_ids, 0)
    for agent_id, priority in rows:
        loads[agent_id] += assignment.weight(Priority(priority), weights)
    return loads


async def assign_in_group(*, ticket_id: int, now: datetime, publisher: Publisher) -> int | None:
    """Gives an unassigned ticket to an agent of its group by the group's strategy; returns
    the agent, or None when nobody is eligible (the ticket waits in the group's queue)."""
    async with in_transaction():
        ticket = await Ticket.filter(id=ticket_id).select_for_update().first()
        if ticket is None or ticket.assignee_id is not None or ticket.group_id is None:
            return None
        if ticket.status not in ACTIVE:
            return None
        group = await Group.filter(id=ticket.group_id).select_for_update().first()
        if group is None or group.assignment_strategy is AssignmentStrategy.MANUAL:
            return None
        member_ids = cast(
            list[int], await GroupMembership.filter(group_id=group.id).values_list("user_id", flat=True)
        )
        # Locked in id order: concurrent dispatches to overlapping agents queue here, so each
        # counts the load after the other's assignment.
        agents = await User.filter(
            id__in=member_ids, is_active=True, role__in=list(STAFF_ROLES)
        ).order_by("id").select_for_update()
        loads = await agent_loads([a.id for a in agents])
        candidates = [
            assignment.AgentLoad(
                agent_id=a.id, availability=a.availability, capacity=a.capacity, load=loads[a.id],
                skills=frozenset(str(s).lower() for s in a.skills), last_assigned_at=a.last_assigned_at,
            )
            for a in agents
        ]
        required, broader = await _required_skills(ticket)
        decision = assignment.choose_agent(
            group.assignment_strategy, candidates, priority=ticket.priority,
            required_skills=required, broader_skills=broader, last_agent_id=group.last_assigned_agent_id,
        )
        if decision.agent_id is None:
            return None
        written = await Ticket.filter(id=ticket.id, version=ticket.version).update(
            assignee_id=decision.agent_id, version=ticket.version + 1, updated_at=now
        )
        if not written:
            return None  # changed under us (cannot happen under the row lock; defensive)
        ticket.assignee_id = decision.agent_id
        ticket.version += 1
        ticket.updated_at = now
        await User.filter(id=decision.agent_id).update(last_assigned_at=now)
        await Group.filter(id=group.id).update(last_assigned_agent_id=decision.agent_id)
        activities = await write_events(
            ticket=ticket, actor_id=None, now=now, previous_assignee_id=None,
            drafts=(EventDraft(
                kind=EventKind.ASSIGNED,
                before={"groupId": group.id, "assigneeId": None},
                after={"groupId": group.id, "assigneeId": decision.agent_id,
                       "strategy": decision.strategy.value},
                note=f"{decision.strategy.value.lower().replace('_', ' ')}: {decision.reason}",
            ),),
        )
    await after_commit(ticket=ticket, activities=activities, publisher=publisher)
    return decision.agent_id


async def _required_skills(ticket: Ticket) -> tuple[frozenset[str], dict[str, str]]:
    """Skills are named after categories and products: an agent with skill "billing" takes
    tickets of the category or product called Billing. With it, the broader skill that
    covers each (a subcategory's parent category: "billing" covers "refunds")."""
    names: set[str] = set()
    broader: dict[str, str] = {}
    category, parent = await category_tree.with_parent(ticket.category_id)
    if category is not None:
        names.add(category.name.strip().lower())
        if parent is not None:
            broader[category.name.strip().lower()] = parent.name.strip().lower()
    if ticket.product_id is not None:
        from domain.models import Product

        product = await Product.get_or_none(id=ticket.product_id)
        if product is not None:
            names.add(product.name.strip().lower())
    return frozenset(names), broader


async def drain(*, group_id: int, now: datetime, publisher: Publisher, limit: int = DRAIN_LIMIT) -> int:
    """Assigns the group's waiting tickets, most urgent and oldest first, while anyone has
    capacity; returns how many were assigned."""
    group = await Group.get_or_none(id=group_id)
    if group is None or group.assignment_strategy is AssignmentStrategy.MANUAL:
        return 0
    rows = await Ticket.filter(group_id=group_id, assignee_id__isnull=True, status__in=ACTIVE).values_list(
        "id", "priority", "created_at"
    )
    if not rows or not await _anyone_online(group_id):
        return 0  # the sweep comes every few seconds: an empty or unstaffed queue costs one query
    priorities = {i: Priority(p) for i, p, _ in rows}
    order = assignment.drain_order([(i, Priority(p), c) for i, p, c in rows])
    assigned = 0
    too_heavy: int | None = None  # no agent had room for a ticket this heavy
    for ticket_id in order[:limit]:
        ticket_weight = assignment.weight(priorities[ticket_id])
        if too_heavy is not None and ticket_weight >= too_heavy:
            continue
        if await assign_in_group(ticket_id=ticket_id, now=now, publisher=publisher) is not None:
            assigned += 1
        else:
            too_heavy = ticket_weight if too_heavy is None else min(too_heavy, ticket_weight)
    return assigned


async def _anyone_online(group_id: int) -> bool:
    member_ids = cast(
        list[int], await GroupMembership.filter(group_id=group_id).values_list("user_id", flat=True)
    )
    return await User.filter(id__in=member_ids, is_active=True, availability=Availability.ONLINE).exists()


async def drain_all(*, now: datetime, publisher: Publisher) -> int:
    """The sweep's part of dispatch: catches capacity freed by anything (a resolved ticket,
    an agent coming online, a lost job)."""
    groups = cast(list[int], await Group.exclude(assignment_strategy=AssignmentStrategy.MANUAL)
                  .values_list("id", flat=True))
    total = 0
    for group_id in groups:
        try:
            total += await drain(group_id=group_id, now=now, publisher=publisher)
        except Exception:  # one group's trouble must not stop the others
            logger.exception("draining group %s failed", group_id)
    return total


STRANDED_LIMIT = 500


async def route_stranded(*, now: datetime, publisher: Publisher, why: str) -> int:
    """Tickets left without a group (no rule matched and there was no default group) are
    routed again when that can change: a default group is set, a routing rule is saved.
    Tickets still waiting for the classifier are left to it."""
    stranded = cast(list[int], await Ticket.filter(
        group_id__isnull=True, assignee_id__isnull=True, status__in=ACTIVE,
    ).exclude(triage_state=TriageState.PENDING).order_by("id").limit(STRANDED_LIMIT)
        .values_list("id", flat=True))
    # Marked first: if this process dies halfway, the dispatch sweep routes the rest.
    await Ticket.filter(id__in=stranded, dispatch_pending_since__isnull=True).update(**marked(now))
    for ticket_id in stranded:
        await dispatch(ticket_id=ticket_id, now=now, publisher=publisher, why=why)
    return len(stranded)
