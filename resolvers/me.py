"""Who am I."""

from resolvers.context import Info
from schema.types import User


async def me(info: Info) -> User | None:
    """Anonymous callers get null; a bad token is an UNAUTHENTICATED error."""
    if info.context.user is None:
        if info.context.bad_credentials:
            info.context.require_actor()
        return None
    return User.from_model(info.context.user)
