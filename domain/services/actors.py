"""Turns a signed-in user into the Actor the access rules reason about."""

from domain.models import Customer, GroupMembership, User
from domain.rules.access import Actor


async def load_actor(user: User) -> Actor:
    group_ids = await GroupMembership.filter(user_id=user.id).values_list("group_id", flat=True)
    customer_ids = await Customer.filter(user_id=user.id).values_list("id", flat=True)
    return Actor(
        user_id=user.id,
        role=user.role,
        group_ids=frozenset(int(g) for g in group_ids),
        customer_ids=frozenset(int(c) for c in customer_ids),
    )
