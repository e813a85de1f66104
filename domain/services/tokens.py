"""API tokens: random, shown once, stored as SHA-256."""

import hashlib
import secrets
from datetime import datetime

from domain.enums import Role
from domain.errors import Forbidden, NotFound
from domain.models import ApiToken, User
from domain.rules import validation

TOKEN_PREFIX = "hd_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(*, user: User, name: str = "") -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.create(user=user, name=name, token_hash=hash_token(token))
    return token


async def authenticate(*, token: str, now: datetime) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = await ApiToken.get_or_none(token_hash=hash_token(token), revoked_at=None).select_related("user")
    if row is None or not row.user.is_active:
        return None
    return row.user


async def ensure_user(*, email: str, role: Role, name: str | None) -> User:
    """The CLI's `token create`: creates the user if missing; an existing user keeps its role."""
    address = validation.email(email)
    user = await User.get_or_none(email=address)
    if user is None:
        user = await User.create(email=address, role=role, name=name or address.split("@")[0])
    return user


async def issue_for(*, actor_role: Role, user_id: int, name: str) -> str:
    """Admins issue tokens for others: BI tools and integrations have no shell."""
    if actor_role is not Role.ADMIN:
        raise Forbidden("Only admins may issue API tokens.")
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("No user with that id.", field="userId")
    return await issue(user=user, name=validation.text(name, field="name", max_length=120))


async def revoke_all(*, actor_role: Role, user_id: int, now: datetime) -> int:
    if actor_role is not Role.ADMIN:
        raise Forbidden("Only admins may revoke API tokens.")
    return await ApiToken.filter(user_id=user_id, revoked_at=None).update(revoked_at=now)
