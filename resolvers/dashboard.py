"""dashboard: today's figures of the desk, a group, or an agent's groups."""

from typing import Annotated

import strawberry

from domain.services import dashboard
from resolvers.context import Info
from resolvers.ids import parse_optional_id
from schema.dashboard_types import Dashboard


async def dashboard_today(
    info: Info,
    time_zone: Annotated[
        str, strawberry.argument(description="IANA zone (e.g. Europe/Berlin) whose local day is today.")
    ] = "UTC",
    group_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="One group; null: the whole desk (agents: their groups)."),
    ] = None,
) -> Dashboard:
    """Admins, supervisors and reporters: the whole desk or any group; agents: their groups."""
    ctx = info.context
    loaded = await dashboard.dashboard(
        actor=ctx.require_actor(),
        now=ctx.now(),
        time_zone=time_zone,
        group_id=parse_optional_id(group_id, "groupId"),
    )
    return Dashboard.from_loaded(loaded)
