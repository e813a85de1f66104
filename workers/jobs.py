"""arq jobs: a few lines each, calling the services."""

from typing import Any

from domain.services import sla_checks
from resolvers.context import utc_now


async def sla_check(ctx: dict[str, Any], ticket_id: int) -> None:
    await sla_checks.check(ticket_id=ticket_id, now=utc_now(), publisher=ctx["publisher"])


async def sla_sweep(ctx: dict[str, Any]) -> int:
    return await sla_checks.sweep(now=utc_now(), publisher=ctx["publisher"])
