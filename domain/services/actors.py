"""Turns a signed-in user into the Actor the access rules reason about."""

from typing import cast

from domain.models import Customer, GroupMembership, User
from domain.rules.access import Actor


async def load_actor(user: User) -> Actor:
    group_ids = cast(
        list[int], await GroupMembership.filter(user_id=user.id).values_list("group_id", flat=True)
    )
    customer_ids = cast(list[int], await Customer.filter(user_id=user.id).values_list("id", flat=True))
    return Actor(
        user_id=user.id,
        role=user.role,
        group_ids=frozenset(group_ids),
        customer_ids=frozenset(customer_ids),
    )
