"""Chat/IM channels: each posts to /hooks/chat/<name>, signing with its own secret. Admins only."""

import re
import secrets
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from domain.errors import BadUserInput, Conflict, NotFound
from domain.models import ChatChannel, Product
from domain.rules import validation
from domain.rules.access import Actor, require_admin

# A path segment of the webhook's URL, and the start of customers' external ids.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SECRET_MIN = 16
SECRET_MAX = 200


@dataclass(frozen=True)
class UpsertedChannel:
    channel: ChatChannel
    # Shown once: in the answer of the call that set it (generated or given), never read back.
    secret: str | None


async def list_channels(*, actor: Actor) -> list[ChatChannel]:
    require_admin(actor, "read chat channels")
    return await ChatChannel.all().order_by("name")


async def upsert_channel(
    *,
    actor: Actor,
    name: str,
    secret: str | None,
    enabled: bool,
    product_id: int | None,
) -> UpsertedChannel:
    """By name: a new channel gets the given secret or a generated one; an existing one keeps
    its secret unless a new one is given. The product is replaced (None: no product)."""
    require_admin(actor, "edit chat channels")
    clean_name = name.strip().lower()
    if not _NAME.match(clean_name):
        raise BadUserInput(
            "name is 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit.",
            field="name",
        )
    new_secret = None
    if secret is not None:
        new_secret = validation.text(secret, field="secret", max_length=SECRET_MAX, min_length=SECRET_MIN)
    if product_id is not None and not await Product.exists(id=product_id):
        raise BadUserInput("No product with that id.", field="productId")
    existing = await ChatChannel.get_or_none(name=clean_name)
    if existing is not None:
        if new_secret is not None:
            existing.secret = new_secret
        existing.enabled = enabled
        existing.product_id = product_id
        await existing.save()
        return UpsertedChannel(existing, new_secret)
    new_secret = new_secret or secrets.token_urlsafe(32)
    try:
        row = await ChatChannel.create(
            name=clean_name, secret=new_secret, enabled=enabled, product_id=product_id
        )
    except IntegrityError:
        raise Conflict("A chat channel with that name was just created; try again.", field="name") from None
    return UpsertedChannel(row, new_secret)


async def delete_channel(*, actor: Actor, name: str) -> None:
    require_admin(actor, "edit chat channels")
    if not await ChatChannel.filter(name=name.strip().lower()).delete():
        raise NotFound("No chat channel with that name.", field="name")
