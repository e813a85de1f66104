"""Open tickets for the SLA timer benchmark, written with COPY.

Every ticket is a NEW ticket under the default 24/7 policies. Its stored SLA state (the ticket's
sla_* columns, its two ticket_sla_targets rows and the alerts already crossed) is what the real
clock (`compute_sla`) says at a chosen instant: the same figures `sla.refresh` would have
written, without paying for 100k ORM round trips. `verify_sample` checks that claim against
`sla.evaluate` on rows read back through the ORM.
"""

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import asyncpg

from domain.enums import CustomerTier, EventKind, Priority, TicketSource, TicketStatus
from domain.models import Ticket, TicketEvent
from domain.rules.sla_clock import (
    SlaAlert,
    SlaTargetKind,
    SlaTerms,
    TicketSlaStatus,
    compute_sla,
    segments_from_changes,
)
from domain.rules.sla_policy_choice import TicketFacts
from domain.services import sla

CUSTOMERS = 50
SOURCE = TicketSource.EMAIL

TICKET_COLUMNS = (
    "id", "subject", "description", "source", "status", "wait_reason", "priority",
    "idempotency_key", "created_at", "updated_at", "first_responded_at", "resolved_at",
    "closed_at", "version", "assignee_id", "category_id", "created_by_id", "customer_id",
    "group_id", "product_id", "sla_policy_id", "sla_state", "sla_due_at", "sla_next_alert_at",
)
EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "before", "after", "note", "dedupe_key", "created_at")
TARGET_COLUMNS = (
    "ticket_id", "kind", "state", "target_seconds", "elapsed_seconds", "due_at", "breached_at",
    "met_at", "thresholds_fired", "next_alert_at", "computed_at",
)


@dataclass(frozen=True)
class Moment:
    """One SLA moment of a ticket: a warn threshold or a due time, as counted time since
    creation (the default policies are 24/7, so counted time is wall time)."""

    target: SlaTargetKind
    percent: int | None  # None: the due time, where the alert is the breach
    offset: timedelta

    @property
    def dedupe_key(self) -> str:
        kind = EventKind.SLA_BREACHED if self.percent is None else EventKind.SLA_NEAR_BREACH
        # Built by the clock's own class so the key can never drift from what refresh writes.
        return SlaAlert(self.target, kind, datetime.min, self.percent).dedupe_key


def moments_of(terms: SlaTerms) -> list[Moment]:
    moments = []
    for kind in SlaTargetKind:
        moments += [Moment(kind, p, terms.warn_level(kind, p)) for p in terms.warn_at_percent]
        moments.append(Moment(kind, None, terms.target(kind)))
    return sorted(moments, key=lambda m: m.offset)


@dataclass(frozen=True)
class Policies:
    """The terms and policy id in force for each priority (default policies, no conditions)."""

    terms: dict[Priority, SlaTerms]
    policy_ids: dict[Priority, int]

    def moments(self, priority: Priority) -> list[Moment]:
        return moments_of(self.terms[priority])

    def min_gap(self, priority: Priority) -> timedelta:
        """The shortest time between two moments of a ticket of this priority."""
        offsets = [m.offset for m in self.moments(priority)]
        return min(b - a for a, b in pairwise(offsets))


async def load_policies() -> Policies:
    book = await sla.load_policy_book()
    facts = TicketFacts(
        customer_tier=CustomerTier.STANDARD, category_id=None, product_id=None,
        source=SOURCE, group_id=None,
    )
    terms, policies = book.for_ticket(facts)
    return Policies(terms=terms, policy_ids={p: policy.id for p, policy in policies.items()})


@dataclass
class Rows:
    """What one load writes; ids are explicit so that the caller knows them up front."""

    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    targets: list[tuple[Any, ...]] = field(default_factory=list)
    next_alerts: list[tuple[int, datetime]] = field(default_factory=list)  # what to schedule

    def __len__(self) -> int:
        return len(self.tickets)


def status_of(policies: Policies, priority: Priority, created_at: datetime, now: datetime) -> TicketSlaStatus:
    """The real clock, on the history of a ticket created NEW and never touched since."""
    return compute_sla(
        segments=segments_from_changes(created_at=created_at, priority=priority),
        created_at=created_at,
        first_responded_at=None,
        terms=policies.terms,
        now=now,
    )


def add_ticket(
    rows: Rows,
    *,
    ticket_id: int,
    priority: Priority,
    created_at: datetime,
    computed_at: datetime,
    policies: Policies,
    rng: random.Random,
) -> TicketSlaStatus:
    """Appends one ticket as `sla.refresh` at `computed_at` would have left it: the columns,
    both target rows and every alert crossed by then (each recorded at its own instant)."""
    status = status_of(policies, priority, created_at, computed_at)
    rows.tickets.append((
        ticket_id, f"SLA bench ticket {ticket_id}", "Staggered deadline.", SOURCE.value,
        TicketStatus.NEW.value, None, int(priority), None, created_at, created_at, None, None,
        None, 1, None, None, None, rng.randint(1, CUSTOMERS), None, None,
        policies.policy_ids[priority], status.state.value, status.next_due_at, status.next_alert_at,
    ))
    created = {"status": TicketStatus.NEW.value, "priority": priority.name, "source": SOURCE.value,
               "groupId": None}
    rows.events.append((ticket_id, None, EventKind.CREATED.value, None, json.dumps(created), None,
                        None, created_at))
    for alert in status.alerts():
        rows.events.append((ticket_id, None, alert.kind.value, None, json.dumps(sla.alert_after(alert)),
                            None, alert.dedupe_key, alert.at))
    for target in status.targets:
        rows.targets.append((
            ticket_id, target.kind.value, target.state.value, target.target_seconds,
            target.elapsed_seconds, target.due_at, target.breached_at, target.met_at,
            json.dumps([c.percent for c in target.crossed]), target.next_alert_at, computed_at,
        ))
    if status.next_alert_at is not None:
        rows.next_alerts.append((ticket_id, status.next_alert_at))
    return status


async def create_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_dsn: str, name: str) -> None:
    # FORCE: a worker killed mid-job may still hold a connection.
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def load_customers(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO customers (id, name, email, tier, created_at) VALUES ($1, $2, $3, $4, now())",
            [(i, f"Customer {i}", f"c{i}@bench.test", CustomerTier.STANDARD.value)
             for i in range(1, CUSTOMERS + 1)],
        )
    finally:
        await conn.close()


async def copy_rows(url: str, rows: Rows, *, analyze: bool) -> None:
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.copy_records_to_table("tickets", records=rows.tickets, columns=list(TICKET_COLUMNS))
            # Ticket ids are the bench's own (it is the only writer of tickets): move that
            # sequence past them. Events and targets draw from their sequences, which are never
            # set back: a running worker draws from them concurrently.
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets))"
            )
            for table, columns, records in (("ticket_events", EVENT_COLUMNS, rows.events),
                                            ("ticket_sla_targets", TARGET_COLUMNS, rows.targets)):
                await conn.copy_records_to_table(table, records=records, columns=list(columns))
        if analyze:
            # Fresh statistics, as on a database that has been running a while.
            await conn.execute("VACUUM ANALYZE tickets, ticket_events, ticket_sla_targets")
    finally:
        await conn.close()


async def verify_sample(ticket_ids: Sequence[int], now: datetime) -> None:
    """The copied state equals what the application computes from the same rows."""
    book = await sla.load_policy_book()
    for ticket_id in ticket_ids:
        ticket = await Ticket.get(id=ticket_id)
        events = await TicketEvent.filter(ticket_id=ticket_id).order_by("created_at", "id")
        view = sla.evaluate(ticket=ticket, events=events, tier=CustomerTier.STANDARD, book=book, now=now)
        assert view.status is not None, f"ticket {ticket_id}: no policy applies"
        stored = (ticket.sla_state, ticket.sla_next_alert_at, ticket.sla_due_at)
        computed = (view.status.state.value, view.status.next_alert_at, view.status.next_due_at)
        assert stored == computed, f"ticket {ticket_id}: stored {stored} != computed {computed}"
        recorded = {e.dedupe_key for e in events if e.dedupe_key}
        expected = {a.dedupe_key for a in view.status.alerts()}
        assert recorded == expected, f"ticket {ticket_id}: alerts {recorded} != {expected}"
