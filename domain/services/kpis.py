"""The KPI report: reads the facts of a period, column by column, and hands them to the rules.

Four fact queries whatever the period holds: the tickets created in it, their SLA targets,
the status changes in it, the ratings in it (each with its ticket's dimension column through
a join). Then the names of the rows' agents, groups...: one query per 900 distinct ids.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from tortoise.models import Model

from domain.enums import EventKind, Priority
from domain.models import (
    Category,
    Customer,
    Group,
    Product,
    Satisfaction,
    Ticket,
    TicketEvent,
    TicketSlaTarget,
    User,
)
from domain.rules import kpis
from domain.rules.access import Actor
from domain.rules.kpis import Dimension, Figures, Period
from domain.services import category_tree

# The ticket column each dimension groups by (DAY groups by the fact's own instant).
_COLUMN: dict[Dimension, str] = {
    Dimension.AGENT: "assignee_id",
    Dimension.GROUP: "group_id",
    Dimension.CUSTOMER: "customer_id",
    Dimension.PRODUCT: "product_id",
    Dimension.CATEGORY: "category_id",
    Dimension.TOP_CATEGORY: "category_id",  # mapped to the parent once read
    Dimension.PRIORITY: "priority",
}
# Where a row's name comes from, and what the "none" row is called.
_NAMES: dict[Dimension, tuple[type[Model], str]] = {
    Dimension.AGENT: (User, "Unassigned"),
    Dimension.GROUP: (Group, "No group"),
    Dimension.CUSTOMER: (Customer, "No customer"),
    Dimension.PRODUCT: (Product, "No product"),
    Dimension.CATEGORY: (Category, "Uncategorised"),
    Dimension.TOP_CATEGORY: (Category, "Uncategorised"),
}
NONE_KEY = "none"
# Ids per name query: far below SQLite's bound on query parameters.
_CHUNK = 900


@dataclass(frozen=True)
class KpiRow:
    key: str  # the entity id, "none", the priority name or the ISO day
    label: str
    value: kpis.Value  # the id, None, the priority rank or the day
    figures: Figures


@dataclass(frozen=True)
class KpiReport:
    period: Period
    time_zone: str
    dimension: Dimension | None
    total: Figures
    rows: list[KpiRow]


async def report(
    *, actor: Actor, start: datetime, end: datetime, dimension: Dimension | None, time_zone: str
) -> KpiReport:
    kpis.require_kpi_reader(actor)
    span = kpis.period(start=start, end=end, time_zone=time_zone)
    column = _COLUMN.get(dimension) if dimension is not None else None
    created = await _created(span, column)
    moves = await _moves(span, column)
    ratings = await _ratings(span, column)
    if dimension is Dimension.TOP_CATEGORY:
        parents = await category_tree.parents()

        def top(value: kpis.Value) -> kpis.Value:
            return parents.get(value, value) if isinstance(value, int) else value

        created = [replace(c, value=top(c.value)) for c in created]
        moves = [replace(m, value=top(m.value)) for m in moves]
        ratings = [replace(r, value=top(r.value)) for r in ratings]
    computed = kpis.compute(
        period=span, dimension=dimension, created=created, moves=moves, ratings_given=ratings
    )
    rows = await _rows(dimension, computed.rows) if dimension is not None else []
    return KpiReport(
        period=span, time_zone=span.zone.key, dimension=dimension, total=computed.total, rows=rows
    )


def _value(row: dict[str, Any], name: str | None) -> kpis.Value:
    if name is None:
        return None
    raw = row[name]
    # Priority comes back as its enum or its stored rank depending on the path read.
    return int(raw) if name.endswith("priority") and raw is not None else raw


def _json(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str | bytes):
        raw = json.loads(raw)
    return raw if isinstance(raw, dict) else {}


async def _created(span: Period, column: str | None) -> list[kpis.CreatedTicket]:
    in_period = {"created_at__gte": span.start, "created_at__lt": span.end}
    tickets = await Ticket.filter(**in_period).values("id", "created_at", *([column] if column else []))
    targets: dict[tuple[int, str], kpis.TargetFact] = {}
    for t in await TicketSlaTarget.filter(
        ticket__created_at__gte=span.start, ticket__created_at__lt=span.end
    ).values("ticket_id", "kind", "state", "elapsed_seconds", "met_at"):
        targets[(t["ticket_id"], str(t["kind"]))] = kpis.TargetFact(
            state=str(t["state"]), elapsed_seconds=int(t["elapsed_seconds"]), reached=t["met_at"] is not None
        )
    return [
        kpis.CreatedTicket(
            ticket_id=t["id"],
            created_at=t["created_at"],
            value=_value(t, column),
            first_response=targets.get((t["id"], "FIRST_RESPONSE")),
            resolution=targets.get((t["id"], "RESOLUTION")),
        )
        for t in tickets
    ]


async def _moves(span: Period, column: str | None) -> list[kpis.StatusMove]:
    joined = f"ticket__{column}" if column else None
    rows = await TicketEvent.filter(
        kind=EventKind.STATUS_CHANGED, created_at__gte=span.start, created_at__lt=span.end
    ).values("ticket_id", "created_at", "before", "after", *([joined] if joined else []))
    return [
        kpis.StatusMove(
            ticket_id=r["ticket_id"],
            at=r["created_at"],
            before=_json(r["before"]).get("status"),
            after=_json(r["after"]).get("status"),
            value=_value(r, joined),
        )
        for r in rows
    ]


async def _ratings(span: Period, column: str | None) -> list[kpis.Rating]:
    joined = f"ticket__{column}" if column else None
    rows = await Satisfaction.filter(created_at__gte=span.start, created_at__lt=span.end).values(
        "ticket_id", "created_at", "stars", *([joined] if joined else [])
    )
    return [
        kpis.Rating(
            ticket_id=r["ticket_id"], at=r["created_at"], stars=int(r["stars"]), value=_value(r, joined)
        )
        for r in rows
    ]


async def _names(model: type[Model], ids: Sequence[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        for r in await model.filter(id__in=ids[i : i + _CHUNK]).values("id", "name"):
            names[int(r["id"])] = str(r["name"])
    return names


def _day_or_priority(dimension: Dimension, value: kpis.Value) -> tuple[str, str]:
    if isinstance(value, date):
        return value.isoformat(), value.isoformat()
    if dimension is Dimension.PRIORITY and isinstance(value, int):
        name = Priority(value).name
        return name, name.title()
    return NONE_KEY, "None"


async def _rows(dimension: Dimension, figures: dict[kpis.Value, Figures]) -> list[KpiRow]:
    found: list[KpiRow] = []
    if dimension in _NAMES:
        model, none_label = _NAMES[dimension]
        names = await _names(model, sorted(v for v in figures if isinstance(v, int)))
        for value, f in figures.items():
            if value is None:
                found.append(KpiRow(key=NONE_KEY, label=none_label, value=None, figures=f))
            else:
                assert isinstance(value, int)
                # A row deleted between the reads still gets a row, named by its id.
                found.append(
                    KpiRow(key=str(value), label=names.get(value, f"#{value}"), value=value, figures=f)
                )
    else:
        for value, f in figures.items():
            key, label = _day_or_priority(dimension, value)
            found.append(KpiRow(key=key, label=label, value=value, figures=f))
    found.sort(key=lambda r: kpis.row_order(dimension, r.value, r.label))
    return found
