"""SLA use cases: the policy terms of a ticket, recomputing its stored SLA state, and
recording each alert once. Called inside the transaction of every ticket change and by the
timer job; the clock itself is pure (domain/rules/sla_clock.py)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.enums import CustomerTier, EventKind, Priority, TicketStatus, WaitReason
from domain.models import BusinessCalendar as CalendarRow
from domain.models import Customer, SlaPolicy, Ticket, TicketEvent, TicketSlaTarget
from domain.rules.calendar import BusinessCalendar
from domain.rules.sla_clock import (
    Segment,
    SlaAlert,
    SlaTerms,
    StateChange,
    TicketSlaStatus,
    compute_sla,
    segments_from_changes,
)
from domain.rules.sla_policy_choice import (
    PolicyConditions,
    PolicyRow,
    TicketFacts,
    choose_policies_by_priority,
)
from domain.services import category_tree


@dataclass(frozen=True)
class PolicyBook:
    """Every policy with its calendar, loaded once per request, job or sweep."""

    rows: tuple[PolicyRow, ...]
    terms: Mapping[int, SlaTerms]
    policies: Mapping[int, SlaPolicy]
    # Each subcategory's parent: conditions on a category hold for its subcategories.
    category_parents: Mapping[int, int] = field(default_factory=dict)

    def for_ticket(self, facts: TicketFacts) -> tuple[dict[Priority, SlaTerms], dict[Priority, SlaPolicy]]:
        chosen = choose_policies_by_priority(self.rows, facts=facts)
        return (
            {p: self.terms[row.policy_id] for p, row in chosen.items()},
            {p: self.policies[row.policy_id] for p, row in chosen.items()},
        )


def calendar_of(row: CalendarRow | None) -> BusinessCalendar | None:
    if row is None:
        return None
    return BusinessCalendar.from_json(
        timezone=row.timezone, weekly_hours=row.weekly_hours, holidays=row.holidays
    )


def terms_of(policy: SlaPolicy, calendar: BusinessCalendar | None) -> SlaTerms:
    return SlaTerms.from_json(
        first_response_seconds=policy.first_response_seconds,
        resolution_seconds=policy.resolution_seconds,
        warn_at_percent=policy.warn_at_percent,
        pause_reasons=policy.pause_reasons,
        calendar=calendar,
    )


async def load_policy_book() -> PolicyBook:
    policies = await SlaPolicy.all()
    calendars = {c.id: calendar_of(c) for c in await CalendarRow.all()}
    return PolicyBook(
        rows=tuple(
            PolicyRow(
                policy_id=p.id,
                priority=Priority(p.priority),
                position=p.position,
                conditions=PolicyConditions.from_json(p.conditions or {}),
            )
            for p in policies
        ),
        terms={p.id: terms_of(p, calendars.get(p.calendar_id) if p.calendar_id else None) for p in policies},
        policies={p.id: p for p in policies},
        category_parents=await category_tree.parents(),
    )


def facts_of(ticket: Ticket, tier: CustomerTier | None, category_parents: Mapping[int, int]) -> TicketFacts:
    return TicketFacts(
        customer_tier=tier,
        category_id=ticket.category_id,
        parent_category_id=(
            category_parents.get(ticket.category_id) if ticket.category_id is not None else None
        ),
        product_id=ticket.product_id,
        source=ticket.source,
        group_id=ticket.group_id,
    )


def history_of(ticket: Ticket, events: Sequence[TicketEvent]) -> list[StateChange]:
    """The ticket's status, wait reason and priority changes, from its handling log."""
    changes = []
    for event in events:
        after = event.after or {}
        if event.kind is EventKind.STATUS_CHANGED:
            reason = after.get("waitReason")
            changes.append(
                StateChange(
                    at=event.created_at,
                    status=TicketStatus(after["status"]),
                    wait_reason=WaitReason(reason) if reason else None,
                )
            )
        elif event.kind is EventKind.PRIORITY_CHANGED:
            changes.append(StateChange(at=event.created_at, priority=Priority[after["priority"]]))
    return changes


def initial_priority(ticket: Ticket, events: Sequence[TicketEvent]) -> Priority:
    for event in events:
        if event.kind is EventKind.CREATED and event.after and "priority" in event.after:
            return Priority[event.after["priority"]]
    return Priority(ticket.priority)


def segments_of(ticket: Ticket, events: Sequence[TicketEvent]) -> list[Segment]:
    return segments_from_changes(
        created_at=ticket.created_at,
        priority=initial_priority(ticket, events),
        changes=history_of(ticket, events),
    )


@dataclass(frozen=True)
class SlaView:
    """What the clock says of one ticket, with the policy in force."""

    status: TicketSlaStatus | None  # None: no policy applies to the ticket's priority
    policy: SlaPolicy | None
    terms: Mapping[Priority, SlaTerms]


def evaluate(
    *,
    ticket: Ticket,
    events: Sequence[TicketEvent],
    tier: CustomerTier | None,
    book: PolicyBook,
    now: datetime,
) -> SlaView:
    terms, policies = book.for_ticket(facts_of(ticket, tier, book.category_parents))
    current = Priority(ticket.priority)
    if current not in terms:
        return SlaView(status=None, policy=None, terms=terms)
    status = compute_sla(
        segments=segments_of(ticket, events),
        created_at=ticket.created_at,
        first_responded_at=ticket.first_responded_at,
        terms=terms,
        now=now,
    )
    return SlaView(status=status, policy=policies[current], terms=terms)


def alert_after(alert: SlaAlert) -> dict[str, object]:
    return {"target": alert.target.value, "percent": alert.percent, "at": alert.at.isoformat()}


async def refresh(*, ticket: Ticket, book: PolicyBook | None, now: datetime) -> list[TicketEvent]:
    """Recomputes the ticket's stored SLA state and writes the alerts its history calls for
    that are not in its log yet. Runs inside the caller's transaction, with the ticket row
    locked, so two writers never record the same alert (and the unique index would stop
    them if they did). Returns the alert events written."""
    book = book or await load_policy_book()
    events = await TicketEvent.filter(ticket_id=ticket.id).order_by("created_at", "id")
    tier = await Customer.filter(id=ticket.customer_id).values_list("tier", flat=True)
    view = evaluate(
        ticket=ticket,
        events=events,
        tier=CustomerTier(tier[0]) if tier else None,
        book=book,
        now=now,
    )
    status = view.status
    if status is None:
        await TicketSlaTarget.filter(ticket_id=ticket.id).delete()
        await Ticket.filter(id=ticket.id).update(
            sla_state=None, sla_due_at=None, sla_next_alert_at=None, sla_policy_id=None
        )
        return []
    recorded = {e.dedupe_key for e in events if e.dedupe_key}
    written = []
    for alert in status.alerts():
        if alert.dedupe_key in recorded:
            continue
        written.append(
            await TicketEvent.create(
                ticket_id=ticket.id,
                kind=alert.kind,
                after=alert_after(alert),
                note=None,
                assignee_id=ticket.assignee_id,
                previous_assignee_id=ticket.assignee_id,
                dedupe_key=alert.dedupe_key,
                created_at=now,
            )
        )
    for target in status.targets:
        await TicketSlaTarget.update_or_create(
            defaults={
                "state": target.state.value,
                "target_seconds": target.target_seconds,
                "elapsed_seconds": target.elapsed_seconds,
                "due_at": target.due_at,
                "breached_at": target.breached_at,
                "met_at": target.met_at,
                "thresholds_fired": [c.percent for c in target.crossed],
                "next_alert_at": target.next_alert_at,
                "computed_at": now,
            },
            ticket_id=ticket.id,
            kind=target.kind.value,
        )
    await Ticket.filter(id=ticket.id).update(
        sla_state=status.state.value,
        sla_due_at=status.next_due_at,
        sla_next_alert_at=status.next_alert_at,
        sla_policy_id=view.policy.id if view.policy else None,
    )
    ticket.sla_state = status.state.value
    ticket.sla_due_at = status.next_due_at
    ticket.sla_next_alert_at = status.next_alert_at
    return written
