"""Bearer tokens: `Authorization: Bearer <token>` on HTTP."""

from domain.services import tokens
from domain.services.actors import load_actor
from resolvers.context import RequestContext


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""  # present but malformed: treated as a bad token, not as anonymous
    return value.strip()


async def authenticate(ctx: RequestContext, header: str | None) -> None:
    token = bearer_token(header)
    if token is None:
        return
    user = await tokens.authenticate(token=token, now=ctx.now()) if token else None
    if user is None:
        ctx.bad_credentials = True
        return
    ctx.user = user
    ctx.actor = await load_actor(user)
