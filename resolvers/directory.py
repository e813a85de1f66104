"""Queries and admin mutations for groups, users, customers, products and categories."""

import strawberry
from tortoise.expressions import Q

from domain.enums import STAFF_ROLES, Role
from domain.errors import BadUserInput, Forbidden
from domain.models import Category as CategoryModel
from domain.models import Customer as CustomerModel
from domain.models import Group as GroupModel
from domain.models import Product as ProductModel
from domain.models import User as UserModel
from domain.rules import validation
from domain.rules.access import require_manager, require_staff
from domain.services import directory, tokens
from domain.services.directory import UNSET, CustomerData
from resolvers.context import Info
from resolvers.ids import parse_id, parse_optional_id
from schema.inputs import (
    CreateCategoryInput,
    CreateGroupInput,
    CreateUserInput,
    CustomerInput,
    ProductInput,
    UpdateCategoryInput,
    UpdateGroupInput,
    UpdateUserInput,
)
from schema.types import Agent, Category, Customer, Group, Product

LIST_MAX = 200


async def groups(info: Info) -> list[Group]:
    require_staff(info.context.require_actor(), "list groups")
    return [Group.from_model(g) for g in await GroupModel.all().order_by("name")]


async def agents(info: Info, group_id: strawberry.ID | None = None) -> list[Agent]:
    require_staff(info.context.require_actor(), "list agents")
    query = UserModel.filter(role__in=list(STAFF_ROLES))
    if (gid := parse_optional_id(group_id, "groupId")) is not None:
        query = query.filter(memberships__group_id=gid)
    return [Agent.from_model(u) for u in await query.order_by("name")]


async def customers(info: Info, search: str | None = None, first: int = 50) -> list[Customer]:
    require_staff(info.context.require_actor(), "list customers")
    query = CustomerModel.all()
    if search:
        text = validation.text(search, field="search", max_length=200)
        query = query.filter(
            Q(name__icontains=text) | Q(email__icontains=text) | Q(organisation__icontains=text)
        )
    rows = await query.order_by("name", "id").limit(validation.page_size(first, maximum=LIST_MAX))
    return [Customer.from_model(c) for c in rows]


async def customer(info: Info, id: strawberry.ID) -> Customer | None:
    require_staff(info.context.require_actor(), "read customers")
    row = await CustomerModel.get_or_none(id=parse_id(id, "id"))
    return Customer.from_model(row) if row else None


async def products(info: Info) -> list[Product]:
    info.context.require_actor()
    return [Product.from_model(p) for p in await ProductModel.all().order_by("name")]


async def categories(info: Info) -> list[Category]:
    info.context.require_actor()
    return [Category.from_model(c) for c in await CategoryModel.all().order_by("name")]


# --- mutations -------------------------------------------------------------------------


async def create_group(info: Info, input: CreateGroupInput) -> Group:
    row = await directory.create_group(
        actor=info.context.require_actor(),
        name=input.name,
        description=input.description,
        email=input.email,
    )
    return Group.from_model(row)


async def update_group(info: Info, input: UpdateGroupInput) -> Group:
    row = await directory.update_group(
        actor=info.context.require_actor(),
        group_id=parse_id(input.id, "id"),
        name=input.name,
        description=input.description,
    )
    return Group.from_model(row)


async def add_group_member(info: Info, group_id: strawberry.ID, user_id: strawberry.ID) -> Group:
    row = await directory.set_membership(
        actor=info.context.require_actor(),
        group_id=parse_id(group_id, "groupId"),
        user_id=parse_id(user_id, "userId"),
        member=True,
    )
    return Group.from_model(row)


async def remove_group_member(info: Info, group_id: strawberry.ID, user_id: strawberry.ID) -> Group:
    row = await directory.set_membership(
        actor=info.context.require_actor(),
        group_id=parse_id(group_id, "groupId"),
        user_id=parse_id(user_id, "userId"),
        member=False,
    )
    return Group.from_model(row)


async def create_user(info: Info, input: CreateUserInput) -> Agent:
    actor = info.context.require_actor()
    group_ids = [parse_id(g, "groupIds") for g in input.group_ids or []]
    for gid in group_ids:  # check before creating, so a bad group leaves no user behind
        if not await GroupModel.exists(id=gid):
            raise BadUserInput("No group with that id.", field="groupIds")
    row = await directory.create_user(actor=actor, email=input.email, name=input.name, role=Role(input.role))
    for gid in group_ids:
        await directory.set_membership(actor=actor, group_id=gid, user_id=row.id, member=True)
    return Agent.from_model(row)


async def update_user(info: Info, input: UpdateUserInput) -> Agent:
    row = await directory.update_user(
        actor=info.context.require_actor(),
        user_id=parse_id(input.id, "id"),
        name=input.name,
        role=Role(input.role) if input.role is not None else None,
        is_active=input.is_active,
    )
    return Agent.from_model(row)


def _customer_data(input: CustomerInput) -> CustomerData:
    return CustomerData(
        name=input.name,
        email=input.email,
        organisation=input.organisation,
        tier=input.tier,
        external_id=input.external_id,
        phone=input.phone,  # type: ignore[arg-type]
    )


async def create_customer(info: Info, input: CustomerInput) -> Customer:
    row = await directory.create_customer(actor=info.context.require_actor(), data=_customer_data(input))
    return Customer.from_model(row)


async def update_customer(info: Info, id: strawberry.ID, input: CustomerInput) -> Customer:
    row = await directory.update_customer(
        actor=info.context.require_actor(),
        customer_id=parse_id(id, "id"),
        data=_customer_data(input),
    )
    return Customer.from_model(row)


async def create_product(info: Info, input: ProductInput) -> Product:
    if input.name is None:
        raise BadUserInput("A product needs a name.", field="name")
    row = await directory.create_product(
        actor=info.context.require_actor(),
        name=input.name,
        product_line=input.product_line,
        description=input.description,
    )
    return Product.from_model(row)


async def update_product(info: Info, id: strawberry.ID, input: ProductInput) -> Product:
    row = await directory.update_product(
        actor=info.context.require_actor(),
        product_id=parse_id(id, "id"),
        name=input.name,
        product_line=input.product_line,
        description=input.description,
    )
    return Product.from_model(row)


async def create_category(info: Info, input: CreateCategoryInput) -> Category:
    row = await directory.create_category(
        actor=info.context.require_actor(),
        name=input.name,
        description=input.description,
        examples=input.examples,
        default_group_id=parse_optional_id(input.default_group_id, "defaultGroupId"),
        parent_id=parse_optional_id(input.parent_id, "parentId"),
    )
    return Category.from_model(row)


async def update_category(info: Info, input: UpdateCategoryInput) -> Category:
    group: int | None | object = UNSET
    if input.default_group_id is not strawberry.UNSET:
        group = parse_optional_id(input.default_group_id, "defaultGroupId")
    parent: int | None | object = UNSET
    if input.parent_id is not strawberry.UNSET:
        parent = parse_optional_id(input.parent_id, "parentId")
    row = await directory.update_category(
        actor=info.context.require_actor(),
        category_id=parse_id(input.id, "id"),
        name=input.name,
        description=input.description,
        default_group_id=group,
        parent_id=parent,
        now=info.context.now(),
    )
    return Category.from_model(row)


async def add_category_examples(info: Info, category_id: strawberry.ID, examples: list[str]) -> Category:
    row = await directory.add_category_examples(
        actor=info.context.require_actor(),
        category_id=parse_id(category_id, "categoryId"),
        examples=examples,
    )
    return Category.from_model(row)


async def remove_category_example(info: Info, example_id: strawberry.ID) -> Category:
    row = await directory.remove_category_example(
        actor=info.context.require_actor(), example_id=parse_id(example_id, "exampleId")
    )
    return Category.from_model(row)


def require_manager_of(info: Info) -> None:
    require_manager(info.context.require_actor(), "do that")


async def issue_api_token(info: Info, user_id: strawberry.ID, name: str = "api") -> str:
    actor = info.context.require_actor()
    return await tokens.issue_for(actor_role=actor.role, user_id=parse_id(user_id, "userId"), name=name)


async def revoke_api_tokens(info: Info, user_id: strawberry.ID) -> int:
    ctx = info.context
    actor = ctx.require_actor()
    return await tokens.revoke_all(actor_role=actor.role, user_id=parse_id(user_id, "userId"), now=ctx.now())


async def issue_customer_token(info: Info, customer_id: strawberry.ID, name: str = "portal") -> str:
    """For a customer portal that signs customers in itself: gives the customer a login
    (role CUSTOMER) if they have none, and a token for it."""
    actor = info.context.require_actor()
    customer_row = await CustomerModel.get_or_none(id=parse_id(customer_id, "customerId"))
    if customer_row is None:
        raise BadUserInput("No customer with that id.", field="customerId")
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only admins may issue API tokens.")
    user = await directory.link_customer_login(customer=customer_row)
    return await tokens.issue_for(actor_role=actor.role, user_id=user.id, name=name)
