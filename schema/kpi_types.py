"""The KPI report's types. Every figure says which tickets and which instants it counts:
BI tools depend on these meanings."""

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import strawberry

from domain.enums import Priority as DomainPriority
from domain.errors import Forbidden
from domain.rules import kpis
from domain.services.kpis import KpiReport as LoadedReport
from domain.services.kpis import KpiRow as LoadedRow
from resolvers.context import Info
from schema.enums import Priority
from schema.sla_types import AttainmentFigures
from schema.types import Agent, Category, Customer, Group, Product

if TYPE_CHECKING:
    from domain.rules.kpis import Dimension as KpiDimension
else:
    KpiDimension = strawberry.enum(
        kpis.Dimension,
        name="KpiDimension",
        description="How kpis splits its figures into rows. AGENT, GROUP, CUSTOMER, PRODUCT, "
        "CATEGORY and PRIORITY use the ticket's current value (as it is when the report is read); "
        "TOP_CATEGORY is CATEGORY with subcategories counted in their parent's row; "
        "DAY uses the local calendar day, in the report's time zone, of each fact's own instant.",
    )


@strawberry.type(description="Counted SLA seconds (business hours only, pauses excluded).")
class DurationFigures:
    count: int = strawberry.field(description="How many durations the figures are over.")
    mean_seconds: float | None = strawberry.field(description="Rounded to 2 decimals; null when count is 0.")
    median_seconds: float | None = strawberry.field(
        description="The middle value, or the mean of the two middle ones; null when count is 0."
    )
    p90_seconds: int | None = strawberry.field(
        description="Nearest rank: the smallest duration that 90% of the durations do not exceed; "
        "null when count is 0."
    )

    @classmethod
    def from_rule(cls, d: kpis.Durations) -> "DurationFigures":
        return cls(
            count=d.count,
            mean_seconds=d.mean_seconds,
            median_seconds=d.median_seconds,
            p90_seconds=d.p90_seconds,
        )


@strawberry.type
class StarCount:
    stars: int = strawberry.field(description="1 to 5.")
    count: int


@strawberry.type(
    description="Ratings given in [from, to) (by their rating time, whenever the ticket was created "
    "or closed), from the survey sent on close."
)
class SatisfactionFigures:
    count: int = strawberry.field(description="Ratings given in the period.")
    average_stars: float | None = strawberry.field(
        description="Mean stars, 2 decimals; null without ratings."
    )
    satisfied_percent: float | None = strawberry.field(
        description="Share of ratings with 4 or 5 stars (CSAT), in percent, 2 decimals; null without ratings."
    )
    distribution: list[StarCount] = strawberry.field(description="Ratings per star, always 1 to 5 in order.")

    @classmethod
    def from_rule(cls, r: kpis.Ratings) -> "SatisfactionFigures":
        return cls(
            count=r.count,
            average_stars=r.average_stars,
            satisfied_percent=r.satisfied_percent,
            distribution=[StarCount(stars=s, count=n) for s, n in zip(kpis.STARS, r.per_star, strict=True)],
        )


@strawberry.type(
    description="The figures of a row (or the total). Two sets of tickets are used: the *created "
    "cohort* (tickets created in [from, to)) for ticketsCreated, SLA attainment and the SLA times; "
    "and *moves and ratings in [from, to)* (whenever the ticket was created) for ticketsResolved, "
    "ticketsClosed, ticketsReopened and satisfaction. SLA figures are as last recomputed, so "
    "targets still running count as pending."
)
class KpiFigures:
    tickets_created: int = strawberry.field(description="Tickets created in [from, to).")
    tickets_resolved: int = strawberry.field(
        description="Tickets moved to RESOLVED in [from, to), whenever created. A ticket resolved, "
        "reopened and resolved again counts once per row (under DAY once on each day it was resolved, "
        "so day rows can add up to more than the total)."
    )
    tickets_closed: int = strawberry.field(
        description="Tickets moved to CLOSED in [from, to), whenever created; counted like ticketsResolved."
    )
    tickets_reopened: int = strawberry.field(
        description="Tickets moved from RESOLVED or CLOSED back to an open status in [from, to) (by an "
        "agent, a customer's reply or a macro); counted like ticketsResolved."
    )
    first_response: AttainmentFigures = strawberry.field(
        description="First-response SLA targets of the created cohort: met on time, breached, pending "
        "(running, near breach or paused). Tickets without an SLA policy are not counted."
    )
    resolution: AttainmentFigures = strawberry.field(
        description="Resolution SLA targets of the created cohort, as firstResponse. A reopened ticket's "
        "target is pending again until it is resolved again, unless it had breached: breached is for good."
    )
    first_response_time: DurationFigures = strawberry.field(
        description="Counted SLA seconds from creation to the first public agent reply, over the created "
        "cohort's tickets with an SLA policy that have had one (on time or late). As in the SLA rules, a "
        "ticket resolved before any reply counts here with its time to that resolution."
    )
    resolution_time: DurationFigures = strawberry.field(
        description="Counted SLA seconds from creation to resolution, over the created cohort's tickets "
        "with an SLA policy that are resolved (or closed) now (a reopened ticket leaves the set until it "
        "is resolved again; its counted time then includes both stints)."
    )
    satisfaction: SatisfactionFigures

    @classmethod
    def from_rule(cls, f: kpis.Figures) -> "KpiFigures":
        return cls(
            tickets_created=f.tickets_created,
            tickets_resolved=f.tickets_resolved,
            tickets_closed=f.tickets_closed,
            tickets_reopened=f.tickets_reopened,
            first_response=AttainmentFigures.from_rule(f.first_response),
            resolution=AttainmentFigures.from_rule(f.resolution),
            first_response_time=DurationFigures.from_rule(f.first_response_time),
            resolution_time=DurationFigures.from_rule(f.resolution_time),
            satisfaction=SatisfactionFigures.from_rule(f.satisfaction),
        )


_CONTACT_DETAILS = (
    "Agents', groups' and customers' records carry contact details: admins and supervisors only."
)


def _require_manager(info: Info) -> None:
    if not info.context.require_actor().is_manager:
        raise Forbidden(_CONTACT_DETAILS + " Reporters read the row's key and label.")


@strawberry.type(
    description="One value of the grouping dimension that has at least one fact in the period (values "
    "with nothing are left out). The entity fields are null for other dimensions and for the 'none' row."
)
class KpiRow:
    key: str = strawberry.field(
        description="Stable: the agent's, group's, customer's, product's or category's id, or 'none' "
        "(unassigned, no group, no product, uncategorised); the priority (URGENT...); the day (YYYY-MM-DD)."
    )
    label: str = strawberry.field(
        description="For people: the name (or 'Unassigned', 'No group', 'No product', 'Uncategorised'); "
        "the priority's name; the day."
    )
    figures: KpiFigures
    dimension: strawberry.Private[kpis.Dimension]
    value: strawberry.Private[kpis.Value]

    @classmethod
    def from_loaded(cls, dimension: kpis.Dimension, row: LoadedRow) -> "KpiRow":
        return cls(
            key=row.key,
            label=row.label,
            figures=KpiFigures.from_rule(row.figures),
            dimension=dimension,
            value=row.value,
        )

    def _id(self, *dimensions: kpis.Dimension) -> int | None:
        return self.value if self.dimension in dimensions and isinstance(self.value, int) else None

    @strawberry.field(description="The day of a DAY row, in the report's time zone.")
    def day(self) -> date | None:
        return self.value if isinstance(self.value, date) else None

    @strawberry.field(description="The priority of a PRIORITY row.")
    def priority(self) -> Priority | None:
        found = self._id(kpis.Dimension.PRIORITY)
        return DomainPriority(found) if found is not None else None

    @strawberry.field(description="The agent of an AGENT row. " + _CONTACT_DETAILS)
    async def agent(self, info: Info) -> Agent | None:
        if (found := self._id(kpis.Dimension.AGENT)) is None:
            return None
        _require_manager(info)
        row = await info.context.loaders.users.load(found)
        return Agent.from_model(row) if row else None

    @strawberry.field(description="The group of a GROUP row. " + _CONTACT_DETAILS)
    async def group(self, info: Info) -> Group | None:
        if (found := self._id(kpis.Dimension.GROUP)) is None:
            return None
        _require_manager(info)
        return await Group.load(info, found)

    @strawberry.field(description="The customer of a CUSTOMER row. " + _CONTACT_DETAILS)
    async def customer(self, info: Info) -> Customer | None:
        if (found := self._id(kpis.Dimension.CUSTOMER)) is None:
            return None
        _require_manager(info)
        row = await info.context.loaders.customers.load(found)
        return Customer.from_model(row) if row else None

    @strawberry.field(description="The product of a PRODUCT row.")
    async def product(self, info: Info) -> Product | None:
        if (found := self._id(kpis.Dimension.PRODUCT)) is None:
            return None
        return await Product.load(info, found)

    @strawberry.field(description="The category of a CATEGORY or TOP_CATEGORY row.")
    async def category(self, info: Info) -> Category | None:
        if (found := self._id(kpis.Dimension.CATEGORY, kpis.Dimension.TOP_CATEGORY)) is None:
            return None
        return await Category.load(info, found)


@strawberry.type(description="Help-desk KPIs for [from, to), in total and per value of groupBy.")
class KpiReport:
    from_: datetime = strawberry.field(name="from", description="Included.")
    to: datetime = strawberry.field(description="Excluded.")
    group_by: KpiDimension | None
    time_zone: str = strawberry.field(description="The IANA zone DAY rows are counted in.")
    total: KpiFigures = strawberry.field(
        description="Over the whole desk and period. The rows' counts (tickets, met, breached, "
        "pending, durations' and ratings' count) add up to it, except ticketsResolved, ticketsClosed "
        "and ticketsReopened under DAY, where a ticket can count on several days."
    )
    rows: list[KpiRow] = strawberry.field(
        description="Empty without groupBy. DAY rows by day, PRIORITY rows URGENT first, the others by "
        "label (case-insensitive) with the 'none' row last."
    )

    @classmethod
    def from_loaded(cls, loaded: LoadedReport) -> "KpiReport":
        dimension = loaded.dimension
        return cls(
            from_=loaded.period.start.astimezone(UTC),
            to=loaded.period.end.astimezone(UTC),
            group_by=dimension,
            time_zone=loaded.time_zone,
            total=KpiFigures.from_rule(loaded.total),
            rows=[KpiRow.from_loaded(dimension, r) for r in loaded.rows] if dimension is not None else [],
        )
