"""Input types. Ids arrive as strings and are checked by the resolvers."""

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from schema.enums import CustomerTier, Priority, Role, TicketSource, TicketStatus, WaitReason
from schema.sla_types import SlaState


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
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="A parent category takes in its subcategories' tickets."
    )
    text: str | None = strawberry.field(
        default=None, description="Matches the key, the subject or the description."
    )
    sla_state: list[SlaState] | None = strawberry.field(
        default=None, description="Overdue tickets are BREACHED."
    )
    needs_review: bool | None = strawberry.field(
        default=None, description="In the triage review queue: classified below the confidence threshold."
    )


@strawberry.input
class CreateTicketInput:
    subject: str
    description: str
    source: TicketSource = TicketSource.API  # type: ignore[assignment]
    customer_id: strawberry.ID | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    customer_external_id: str | None = strawberry.field(
        default=None,
        description="The customer's id in your own system: links to the customer who has it, "
        "else to the one with customerEmail (which then gets it), else creates one with both.",
    )
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omitted: the first matching product rule's, if any."
    )
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
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Makes it a subcategory of this top-level category."
    )


@strawberry.input
class UpdateCategoryInput:
    id: strawberry.ID
    name: str | None = None
    description: str | None = None
    default_group_id: strawberry.ID | None = strawberry.UNSET  # type: ignore[assignment]
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A top-level category's id, or null to make it top-level."
    )


@strawberry.input
class SlaConditionsInput:
    customer_tiers: list[CustomerTier] | None = None
    category_ids: list[strawberry.ID] | None = None
    product_ids: list[strawberry.ID] | None = None
    sources: list[TicketSource] | None = None
    group_ids: list[strawberry.ID] | None = None


@strawberry.input
class SlaPolicyInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omitted: a new policy.")
    name: str
    priority: Priority
    first_response_seconds: int
    resolution_seconds: int
    warn_at_percent: list[int] = strawberry.field(default_factory=lambda: [75, 90])
    pause_reasons: list[WaitReason] | None = strawberry.field(
        default=None, description="Wait reasons that pause both targets; null: all three."
    )
    first_response_pause_reasons: list[WaitReason] | None = None
    resolution_pause_reasons: list[WaitReason] | None = None
    conditions: SlaConditionsInput | None = strawberry.field(
        default=None, description="More specific matches; all given must hold."
    )
    position: int = strawberry.field(default=100, description="Lower wins among matches.")
    calendar_id: strawberry.ID | None = strawberry.field(default=None, description="null: 24/7")
    escalation: "SlaEscalationInput | None" = strawberry.field(
        default=None, description="What a breach does to the ticket; null: nothing."
    )


@strawberry.input(description="Automatic escalation when a target is breached (once per target).")
class SlaEscalationInput:
    group_id: strawberry.ID | None = strawberry.field(default=None, description="Move the ticket here.")
    raise_priority: bool = strawberry.field(default=False, description="One level towards URGENT.")
    notify_supervisor: bool = strawberry.field(default=False, description="Page the group's supervisors.")


@strawberry.input
class BusinessCalendarInput:
    id: strawberry.ID | None = None
    name: str
    timezone: str = "UTC"
    weekly_hours: JSON = strawberry.field(description='{"0": [["09:00", "17:00"]]}: Monday is 0')
    holidays: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class PriorityRuleInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omitted: a new rule.")
    name: str
    position: int = 0
    enabled: bool = True
    customer_tiers: list[CustomerTier] = strawberry.field(default_factory=list)
    keywords: list[str] = strawberry.field(
        default_factory=list, description="Whole words or phrases, any case; one is enough."
    )
    raise_levels: int = strawberry.field(default=0, description="Levels towards URGENT, 0 to 3.")
    minimum_priority: Priority | None = None


@strawberry.input
class RoutingRuleInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omitted: a new rule.")
    name: str
    position: int = 100
    enabled: bool = True
    group_id: strawberry.ID | None = strawberry.field(default=None, description="Where matching tickets go.")
    category_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    product_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    customer_tiers: list[CustomerTier] = strawberry.field(default_factory=list)
    organisations: list[str] = strawberry.field(default_factory=list)
    sources: list[TicketSource] = strawberry.field(default_factory=list)
    priorities: list[Priority] = strawberry.field(default_factory=list)
    keywords: list[str] = strawberry.field(default_factory=list, description="Any one, whole words.")
    set_priority: Priority | None = strawberry.field(
        default=None, description="Applied unless a person chose the priority."
    )
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class OnCallScheduleInput:
    group_id: strawberry.ID
    participant_ids: list[strawberry.ID] = strawberry.field(description="Members, in turn order.")
    starts_at: datetime = strawberry.field(description="The first hand-over: participant 1 takes over.")
    shift_seconds: int = 86400
    time_zone: str = "UTC"
    ack_timeout_seconds: int = strawberry.field(
        default=300, description="Without an acknowledgement by then, the next person is paged."
    )
    webhook_url: str | None = strawberry.field(
        default=None, description="POSTed a JSON page, signed with HMAC-SHA256 (X-Helpdesk-Signature)."
    )
