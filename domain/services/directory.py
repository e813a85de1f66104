"""Admin use cases for the desk's directory: groups and membership, users, customers,
products, categories."""

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain.enums import STAFF_ROLES, CustomerTier, Role
from domain.errors import BadUserInput, Conflict, NotFound
from domain.models import (
    Category,
    CategoryExample,
    Customer,
    Group,
    GroupMembership,
    Product,
    Ticket,
    User,
)
from domain.rules import validation
from domain.rules.access import Actor, require_admin, require_manager
from domain.services.sla_checks import ACTIVE as SLA_ACTIVE
from domain.services.triage_models import bump_generation

UNSET = object()
M = TypeVar("M", bound=Model)


async def _get(model: type[M], entity_id: int, field: str) -> M:
    row = await model.get_or_none(id=entity_id)
    if row is None:
        raise NotFound(f"No {field.removesuffix('Id')} with that id.", field=field)
    return row


# --- groups ----------------------------------------------------------------------------


async def create_group(*, actor: Actor, name: str, description: str | None, email: str | None) -> Group:
    require_admin(actor, "create groups")
    clean = validation.text(name, field="name", max_length=validation.NAME_MAX)
    address = validation.email(email, field="email") if email else None
    try:
        return await Group.create(name=clean, description=description or "", email=address)
    except IntegrityError:
        raise Conflict("A group with that name exists.", field="name") from None


async def update_group(*, actor: Actor, group_id: int, name: str | None, description: str | None) -> Group:
    require_admin(actor, "edit groups")
    group = await _get(Group, group_id, "groupId")
    if name is not None:
        group.name = validation.text(name, field="name", max_length=validation.NAME_MAX)
    if description is not None:
        group.description = description
    try:
        await group.save()
    except IntegrityError:
        raise Conflict("A group with that name exists.", field="name") from None
    return group


async def set_membership(*, actor: Actor, group_id: int, user_id: int, member: bool) -> Group:
    require_manager(actor, "change group membership")
    group = await _get(Group, group_id, "groupId")
    user = await _get(User, user_id, "userId")
    if member:
        if user.role not in STAFF_ROLES:
            raise BadUserInput("Only staff can join groups.", field="userId")
        await GroupMembership.get_or_create(group_id=group_id, user_id=user_id)
    else:
        await GroupMembership.filter(group_id=group_id, user_id=user_id).delete()
    return group


# --- users -----------------------------------------------------------------------------


async def create_user(*, actor: Actor, email: str, name: str, role: Role) -> User:
    require_admin(actor, "create users")
    address = validation.email(email)
    clean = validation.text(name, field="name", max_length=validation.NAME_MAX)
    try:
        return await User.create(email=address, name=clean, role=role)
    except IntegrityError:
        raise Conflict("A user with that email exists.", field="email") from None


async def update_user(
    *, actor: Actor, user_id: int, name: str | None, role: Role | None, is_active: bool | None
) -> User:
    require_admin(actor, "edit users")
    user = await _get(User, user_id, "userId")
    if user.id == actor.user_id and (role not in (None, Role.ADMIN) or is_active is False):
        raise BadUserInput("Admins cannot demote or deactivate themselves.", field="role")
    if name is not None:
        user.name = validation.text(name, field="name", max_length=validation.NAME_MAX)
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    await user.save()
    return user


# --- customers -------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerData:
    name: str | None = None
    email: str | None = None
    organisation: str | None = None
    tier: CustomerTier | None = None
    external_id: str | None = None
    phone: str | None = None


async def create_customer(*, actor: Actor, data: CustomerData) -> Customer:
    require_manager(actor, "create customers")
    if data.email is None or data.name is None:
        raise BadUserInput("A customer needs a name and an email.", field="email")
    try:
        return await Customer.create(
            name=validation.text(data.name, field="name", max_length=validation.NAME_MAX),
            email=validation.email(data.email),
            organisation=validation.optional_text(
                data.organisation, field="organisation", max_length=validation.NAME_MAX
            ),
            tier=data.tier or CustomerTier.STANDARD,
            external_id=validation.optional_text(
                data.external_id, field="externalId", max_length=validation.NAME_MAX
            ),
            phone=validation.optional_text(data.phone, field="phone", max_length=40),
        )
    except IntegrityError:
        raise Conflict("A customer with that email or external id exists.", field="email") from None


async def update_customer(*, actor: Actor, customer_id: int, data: CustomerData) -> Customer:
    require_manager(actor, "edit customers")
    customer = await _get(Customer, customer_id, "customerId")
    if data.name is not None:
        customer.name = validation.text(data.name, field="name", max_length=validation.NAME_MAX)
    if data.email is not None:
        customer.email = validation.email(data.email)
    if data.organisation is not None:
        customer.organisation = validation.optional_text(
            data.organisation, field="organisation", max_length=validation.NAME_MAX
        )
    if data.tier is not None:
        customer.tier = data.tier
    if data.external_id is not None:
        customer.external_id = validation.optional_text(
            data.external_id, field="externalId", max_length=validation.NAME_MAX
        )
    if data.phone is not None:
        customer.phone = validation.optional_text(data.phone, field="phone", max_length=40)
    try:
        await customer.save()
    except IntegrityError:
        raise Conflict("A customer with that email or external id exists.", field="email") from None
    return customer


async def link_customer_login(*, customer: Customer) -> User:
    """Gives a customer a CUSTOMER user so they can sign in and see their own tickets."""
    if customer.user_id is not None:
        return await User.get(id=customer.user_id)
    user = await User.get_or_none(email=customer.email)
    if user is None:
        user = await User.create(email=customer.email, name=customer.name, role=Role.CUSTOMER)
    customer.user = user
    await customer.save(update_fields=["user_id"])
    return user


# --- products --------------------------------------------------------------------------


async def create_product(
    *, actor: Actor, name: str, product_line: str | None, description: str | None
) -> Product:
    require_manager(actor, "create products")
    try:
        return await Product.create(
            name=validation.text(name, field="name", max_length=validation.NAME_MAX),
            product_line=validation.optional_text(
                product_line, field="productLine", max_length=validation.NAME_MAX
            ),
            description=description or "",
        )
    except IntegrityError:
        raise Conflict("A product with that name exists.", field="name") from None


async def update_product(
    *,
    actor: Actor,
    product_id: int,
    name: str | None,
    product_line: str | None,
    description: str | None,
) -> Product:
    require_manager(actor, "edit products")
    product = await _get(Product, product_id, "productId")
    if name is not None:
        product.name = validation.text(name, field="name", max_length=validation.NAME_MAX)
    if product_line is not None:
        product.product_line = validation.optional_text(
            product_line, field="productLine", max_length=validation.NAME_MAX
        )
    if description is not None:
        product.description = description
    try:
        await product.save()
    except IntegrityError:
        raise Conflict("A product with that name exists.", field="name") from None
    return product


# --- categories ------------------------------------------------------------------------


def _examples(texts: list[str]) -> list[str]:
    cleaned = [validation.text(t, field="examples", max_length=validation.EXAMPLE_MAX) for t in texts]
    return list(dict.fromkeys(cleaned))  # duplicates teach nothing


async def create_category(
    *,
    actor: Actor,
    name: str,
    description: str | None,
    examples: list[str],
    default_group_id: int | None,
    parent_id: int | None = None,
) -> Category:
    require_manager(actor, "create categories")
    clean = validation.text(name, field="name", max_length=validation.NAME_MAX)
    texts = _examples(examples)
    if default_group_id is not None:
        await _get(Group, default_group_id, "defaultGroupId")
    try:
        async with in_transaction():
            if parent_id is not None:
                await _top_level_parent(parent_id)
            category = await Category.create(
                name=clean, description=description or "", default_group_id=default_group_id,
                parent_id=parent_id,
            )
            await CategoryExample.bulk_create(
                [CategoryExample(category_id=category.id, text=t) for t in texts]
            )
            if texts:
                await bump_generation()
    except IntegrityError:
        raise Conflict("A category with that name exists.", field="name") from None
    return category


async def update_category(
    *,
    actor: Actor,
    category_id: int,
    name: str | None,
    description: str | None,
    now: datetime,
    default_group_id: int | None | object = UNSET,
    parent_id: int | None | object = UNSET,
) -> Category:
    """`parent_id` None makes the category top-level again; UNSET leaves it. A new parent
    marks the category's open tickets due for an SLA re-check at `now`: the parent's policy
    conditions hold for them from then on."""
    require_manager(actor, "edit categories")
    clean_name = None if name is None else validation.text(name, field="name", max_length=validation.NAME_MAX)
    if default_group_id is not UNSET and default_group_id is not None:
        assert isinstance(default_group_id, int)
        await _get(Group, default_group_id, "defaultGroupId")
    new_parent = parent_id if isinstance(parent_id, int) else None
    try:
        async with in_transaction():
            # The row (and a new parent's) read again under lock, both in one statement in id
            # order: an edit made meanwhile by another admin is not written back stale, and
            # two crossing re-parentings queue instead of deadlocking.
            ids = sorted({category_id} | ({new_parent} if new_parent is not None else set()))
            locked = {c.id: c for c in await Category.filter(id__in=ids).order_by("id").select_for_update()}
            category = locked.get(category_id)
            if category is None:
                raise NotFound("No category with that id.", field="categoryId")
            if clean_name is not None:
                category.name = clean_name
            if description is not None:
                category.description = description
            if default_group_id is not UNSET:
                category.default_group_id = cast(int | None, default_group_id)
            if parent_id is not UNSET and parent_id != category.parent_id:
                parent_row = locked.get(new_parent) if new_parent is not None else None
                await _set_parent(category, new_parent, parent_row)
                await Ticket.filter(category_id=category.id, status__in=SLA_ACTIVE).update(
                    sla_next_alert_at=now
                )
            await category.save()
    except IntegrityError:
        raise Conflict("A category with that name exists.", field="name") from None
    return category


async def _top_level_parent(parent_id: int) -> Category:
    """The parent a subcategory may have: an existing top-level category. Locked, so that
    it cannot become a subcategory itself while this one is written under it."""
    parent = await Category.filter(id=parent_id).select_for_update().first()
    return _checked_parent(parent)


def _checked_parent(parent: Category | None) -> Category:
    if parent is None:
        raise BadUserInput("No category with that id.", field="parentId")
    if parent.parent_id is not None:
        raise BadUserInput("Categories have two levels: a subcategory's parent must be a top-level "
                           "category.", field="parentId")
    return parent


async def _set_parent(category: Category, parent_id: int | None, parent: Category | None) -> None:
    """`parent` is the row of `parent_id`, locked by the caller with the category's own."""
    if parent_id is not None:
        if parent_id == category.id:
            raise BadUserInput("A category cannot be its own parent.", field="parentId")
        _checked_parent(parent)
        # A subcategory created under this one meanwhile locked it as its parent: it is
        # either seen here or waits until this one has a parent, and is then refused.
        if await Category.exists(parent_id=category.id):
            raise BadUserInput("This category has subcategories, so it stays top-level.", field="parentId")
    category.parent_id = parent_id
    # Retrained: the classifier rolls subcategories up into their parents.
    await bump_generation()


async def add_category_examples(*, actor: Actor, category_id: int, examples: list[str]) -> Category:
    require_manager(actor, "edit category examples")
    category = await _get(Category, category_id, "categoryId")
    known = set(await CategoryExample.filter(category_id=category_id).values_list("text", flat=True))
    new = [t for t in _examples(examples) if t not in known]
    if new:
        async with in_transaction():
            await CategoryExample.bulk_create([CategoryExample(category_id=category_id, text=t) for t in new])
            await bump_generation()
    return category


async def remove_category_example(*, actor: Actor, example_id: int) -> Category:
    require_manager(actor, "edit category examples")
    example = await _get(CategoryExample, example_id, "exampleId")
    category = await Category.get(id=example.category_id)
    async with in_transaction():
        await example.delete()
        await bump_generation()
    return category
