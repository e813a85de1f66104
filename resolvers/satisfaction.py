"""rateTicket: public, the survey link's token is the permission."""

from domain.services import satisfaction
from resolvers.context import Info
from schema.satisfaction_types import Satisfaction


async def rate_ticket(info: Info, token: str, stars: int, comment: str | None = None) -> Satisfaction:
    ctx = info.context
    row = await satisfaction.rate(
        token=token,
        stars=stars,
        comment=comment,
        secret_key=ctx.services.settings.secret_key if ctx.services.settings is not None else "",
        now=ctx.now(),
        publisher=ctx.services.publisher,
    )
    return Satisfaction.from_model(row)
