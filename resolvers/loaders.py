"""DataLoaders, one set per request: a relation is fetched in one query per list, not per row."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from domain.models import (
    Attachment,
    BusinessCalendar,
    Category,
    CategoryExample,
    Customer,
    Group,
    GroupMembership,
    Message,
    Product,
    Satisfaction,
    Ticket,
    TicketEvent,
    User,
)
from domain.services.sla import PolicyBook, load_policy_book

M = TypeVar("M", bound=Model)


def _by_id(model: type[M]) -> Callable[[list[int]], Awaitable[list[M | None]]]:
    async def load(ids: list[int]) -> list[M | None]:
        rows = {row.pk: row for row in await model.filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return load


def _children(
    model: type[M], parent: str, order: str = "id", extra: Callable[[M], bool] | None = None
) -> Callable[[list[int]], Awaitable[list[list[M]]]]:
    async def load(parent_ids: list[int]) -> list[list[M]]:
        grouped: dict[int, list[M]] = defaultdict(list)
        for row in await model.filter(**{f"{parent}__in": parent_ids}).order_by(order, "id"):
            grouped[getattr(row, parent)].append(row)
        return [grouped.get(i, []) for i in parent_ids]

    return load


async def _satisfaction_of_tickets(ticket_ids: list[int]) -> list[Satisfaction | None]:
    rows = {row.ticket_id: row for row in await Satisfaction.filter(ticket_id__in=ticket_ids)}
    return [rows.get(i) for i in ticket_ids]


async def _groups_of_users(user_ids: list[int]) -> list[list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for user_id, group_id in await GroupMembership.filter(user_id__in=user_ids).values_list(
        "user_id", "group_id"
    ):
        grouped[user_id].append(group_id)
    return [sorted(grouped.get(i, [])) for i in user_ids]


async def _members_of_groups(group_ids: list[int]) -> list[list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for group_id, user_id in await GroupMembership.filter(group_id__in=group_ids).values_list(
        "group_id", "user_id"
    ):
        grouped[group_id].append(user_id)
    return [sorted(grouped.get(i, [])) for i in group_ids]


class PolicyBookLoader:
    """The SLA policies and calendars, read once per request."""

    def __init__(self) -> None:
        self._book: PolicyBook | None = None

    async def get(self) -> PolicyBook:
        if self._book is None:
            self._book = await load_policy_book()
        return self._book


@dataclass
class Loaders:
    users: DataLoader[int, User | None] = field(default_factory=lambda: DataLoader(_by_id(User)))
    customers: DataLoader[int, Customer | None] = field(default_factory=lambda: DataLoader(_by_id(Customer)))
    groups: DataLoader[int, Group | None] = field(default_factory=lambda: DataLoader(_by_id(Group)))
    products: DataLoader[int, Product | None] = field(default_factory=lambda: DataLoader(_by_id(Product)))
    categories: DataLoader[int, Category | None] = field(default_factory=lambda: DataLoader(_by_id(Category)))
    tickets: DataLoader[int, Ticket | None] = field(default_factory=lambda: DataLoader(_by_id(Ticket)))
    messages_by_ticket: DataLoader[int, list[Message]] = field(
        default_factory=lambda: DataLoader(_children(Message, "ticket_id", "created_at"))
    )
    events_by_ticket: DataLoader[int, list[TicketEvent]] = field(
        default_factory=lambda: DataLoader(_children(TicketEvent, "ticket_id", "created_at"))
    )
    attachments_by_ticket: DataLoader[int, list[Attachment]] = field(
        default_factory=lambda: DataLoader(_children(Attachment, "ticket_id", "created_at"))
    )
    attachments_by_message: DataLoader[int, list[Attachment]] = field(
        default_factory=lambda: DataLoader(_children(Attachment, "message_id", "created_at"))
    )
    satisfaction_by_ticket: DataLoader[int, Satisfaction | None] = field(
        default_factory=lambda: DataLoader(_satisfaction_of_tickets)
    )
    examples_by_category: DataLoader[int, list[CategoryExample]] = field(
        default_factory=lambda: DataLoader(_children(CategoryExample, "category_id"))
    )
    subcategories: DataLoader[int, list[Category]] = field(
        default_factory=lambda: DataLoader(_children(Category, "parent_id", "name"))
    )
    group_ids_by_user: DataLoader[int, list[int]] = field(
        default_factory=lambda: DataLoader(_groups_of_users)
    )
    member_ids_by_group: DataLoader[int, list[int]] = field(
        default_factory=lambda: DataLoader(_members_of_groups)
    )
    policy_book: PolicyBookLoader = field(default_factory=PolicyBookLoader)
    calendars: DataLoader[int, BusinessCalendar | None] = field(
        default_factory=lambda: DataLoader(_by_id(BusinessCalendar))
    )


async def load_many(loader: DataLoader[int, M | None], ids: Sequence[int]) -> list[M]:
    return [row for row in await loader.load_many(list(ids)) if row is not None]
