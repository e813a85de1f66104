"""Input types. Ids arrive as strings and are checked by the resolvers."""

import strawberry

from schema.enums import CustomerTier, Priority, Role, TicketSource, TicketStatus


@strawberry.input
class TicketFilter:
    status: list[TicketStatus] | None = None
    priority: list[Priority] | None = None
    source: list[TicketSource] | None = None
    group_id: list[strawberry.ID] | None = None
    assignee_id: list[strawberry.ID] | None = None
    unassigned: bool | None = None
    customer_id: strawberry.ID | None = None
    product_id: strawberry.ID | None = None
    category_id: strawberry.ID | None = None
    text: str | None = strawberry.field(
        default=None, description="Matches the key, the subject or the description."
    )


@strawberry.input
class CreateTicketInput:
    subject: str
    description: str
    source: TicketSource = TicketSource.API  # type: ignore[assignment]
    customer_id: strawberry.ID | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    product_id: strawberry.ID | None = None
    category_id: strawberry.ID | None = None
    group_id: strawberry.ID | None = None
    priority: Priority | None = strawberry.field(
        default=None, description="Omitted: the classifier's suggestion."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first ticket."
    )


@strawberry.input
class CreateGroupInput:
    name: str
    description: str | None = None
    email: str | None = None


@strawberry.input
class UpdateGroupInput:
    id: strawberry.ID
    name: str | None = None
    description: str | None = None


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    role: Role
    group_ids: list[strawberry.ID] | None = None


@strawberry.input
class UpdateUserInput:
    id: strawberry.ID
    name: str | None = None
    role: Role | None = None
    is_active: bool | None = None


@strawberry.input
class CustomerInput:
    name: str | None = None
    email: str | None = None
    organisation: str | None = None
    tier: CustomerTier | None = None
    external_id: str | None = None
    phone: str | None = None


@strawberry.input
class ProductInput:
    name: str | None = None
    product_line: str | None = None
    description: str | None = None


@strawberry.input
class CreateCategoryInput:
    name: str
    description: str | None = None
    examples: list[str] = strawberry.field(default_factory=list)
    default_group_id: strawberry.ID | None = None


@strawberry.input
class UpdateCategoryInput:
    id: strawberry.ID
    name: str | None = None
    description: str | None = None
    default_group_id: strawberry.ID | None = strawberry.UNSET  # type: ignore[assignment]
