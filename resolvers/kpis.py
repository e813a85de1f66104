"""kpis: help-desk KPIs for BI tools, supervisors and admins."""

from datetime import datetime
from typing import Annotated

import strawberry

from domain.services import kpis
from resolvers.context import Info
from schema.kpi_types import KpiDimension, KpiReport


async def kpis_report(
    info: Info,
    from_: Annotated[datetime, strawberry.argument(name="from", description="Included; with an offset.")],
    to: Annotated[datetime, strawberry.argument(description="Excluded; at most 366 days after from.")],
    group_by: Annotated[
        KpiDimension | None, strawberry.argument(description="Null: the total only, no rows.")
    ] = None,
    time_zone: Annotated[
        str, strawberry.argument(description="IANA zone (e.g. Europe/Berlin) for DAY rows.")
    ] = "UTC",
) -> KpiReport:
    """Admins, supervisors and reporters; the whole desk."""
    loaded = await kpis.report(
        actor=info.context.require_actor(), start=from_, end=to, dimension=group_by, time_zone=time_zone
    )
    return KpiReport.from_loaded(loaded)
