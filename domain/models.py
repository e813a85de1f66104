"""What is stored. Identical on SQLite and PostgreSQL; the schema comes from migrations."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.enums import (
    AssignmentStrategy,
    AuthorKind,
    Availability,
    CustomerTier,
    EventKind,
    ExampleSource,
    IntakeOutcome,
    Priority,
    PriorityOrigin,
    Role,
    TicketSource,
    TicketStatus,
    TriageState,
    WaitReason,
)
from domain.rules.knowledge import ArticleFormat, ArticleStatus, ArticleVisibility

TICKET_KEY_PREFIX = "HD"


class User(Model):
    # Staff (admins, supervisors, agents, reporters) and customers who sign in.

    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120)
    role = fields.CharEnumField(Role, max_length=16, db_index=True)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Dispatch: only ONLINE agents get new work, up to `capacity` priority-weighted points.
    availability = fields.CharEnumField(Availability, max_length=16, default=Availability.OFFLINE)
    capacity = fields.IntField(default=10)
    skills: Any = fields.JSONField(default=list)  # lower-case names matched to category and product
    last_assigned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"


class ApiToken(Model):
    # Only the SHA-256 of a token is stored; the token itself is shown once.

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: int
    name = fields.CharField(max_length=120, default="")
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"


class Group(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    description = fields.TextField(default="")
    email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Dispatch: how the group's queue is handed out, and where tickets go on escalation.
    assignment_strategy = fields.CharEnumField(
        AssignmentStrategy, max_length=16, default=AssignmentStrategy.MANUAL
    )
    escalation_group: fields.ForeignKeyNullableRelation["Group"] = fields.ForeignKeyField(
        "models.Group", related_name="escalated_from", null=True, on_delete=fields.SET_NULL
    )
    escalation_group_id: int | None
    # The catch-all: tickets no routing rule claims (at most one group).
    is_default = fields.BooleanField(default=False)
    last_assigned_agent_id = fields.BigIntField(null=True)  # the round-robin turn

    class Meta:
        table = "groups"


class GroupMembership(Model):
    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="memberships", on_delete=fields.CASCADE
    )
    group_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="memberships", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_memberships"
        unique_together = (("group", "user"),)


class Customer(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120)
    email = fields.CharField(max_length=254, unique=True)
    organisation = fields.CharField(max_length=120, null=True, db_index=True)
    tier = fields.CharEnumField(CustomerTier, max_length=16, default=CustomerTier.STANDARD)
    external_id = fields.CharField(max_length=120, null=True, unique=True)
    phone = fields.CharField(max_length=40, null=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="customer_profiles", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customers"


class Product(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    product_line = fields.CharField(max_length=120, null=True)
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "products"


class Category(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    description = fields.TextField(default="")
    default_group: fields.ForeignKeyNullableRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="default_for_categories", null=True, on_delete=fields.SET_NULL
    )
    default_group_id: int | None
    # Two levels, as agents think of them ("Billing" > "Refunds"): a subcategory's parent is
    # a top-level category. Rules, policies and the default group of a parent hold for its
    # subcategories, and the classifier falls back to the parent when the subcategory is unsure.
    parent: fields.ForeignKeyNullableRelation["Category"] = fields.ForeignKeyField(
        "models.Category", related_name="subcategories", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "categories"


class CategoryExample(Model):
    # Example texts a category is learned from.

    id = fields.BigIntField(primary_key=True)
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="examples", on_delete=fields.CASCADE
    )
    category_id: int
    text = fields.TextField()
    source = fields.CharEnumField(ExampleSource, max_length=16, default=ExampleSource.SEED)
    # A correction's ticket: correcting the same ticket again moves its example.
    ticket_id = fields.BigIntField(null=True, db_index=True)
    # The embedding is cached here (float32 bytes) with the fingerprint of what made it, so
    # processes only encode examples that are new or were made by another model.
    embedding = fields.BinaryField(null=True)
    embedding_model = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "category_examples"


class PriorityExample(Model):
    # Texts that show how urgent a ticket is, learned per priority.

    id = fields.BigIntField(primary_key=True)
    priority = fields.IntEnumField(Priority, db_index=True)
    text = fields.TextField()
    embedding = fields.BinaryField(null=True)
    embedding_model = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "priority_examples"


class PriorityRule(Model):
    # Data, not code: a rule raises the suggested priority when its condition holds.
    # Conditions (all given ones must hold): customer tiers, keywords in subject or text.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    position = fields.IntField(default=0)
    enabled = fields.BooleanField(default=True)
    customer_tiers: Any = fields.JSONField(default=list)
    keywords: Any = fields.JSONField(default=list)
    raise_levels = fields.IntField(default=0)
    minimum_priority = fields.IntEnumField(Priority, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "priority_rules"


class TriageGeneration(Model):
    # One row: bumped whenever examples change, so every process knows to retrain.

    id = fields.IntField(primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "triage_generation"


class BusinessCalendar(Model):
    # Weekly hours per weekday, holidays and an IANA time zone (meaning: the SLA engine).

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    timezone = fields.CharField(max_length=64, default="UTC")
    # {"0": [["09:00", "17:00"]], ...}: Monday is 0; split shifts are several pairs.
    weekly_hours: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    holidays: fields.JSONField[list[str]] = fields.JSONField(default=list)  # ["2026-12-25", ...]
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "business_calendars"


class SlaPolicy(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    priority = fields.IntEnumField(Priority, db_index=True)
    first_response_seconds = fields.IntField()
    resolution_seconds = fields.IntField()
    warn_at_percent: fields.JSONField[list[int]] = fields.JSONField(default=list)
    # Wait reasons that stop the clocks: null means all three pause both targets; a list
    # applies to both; {"firstResponse": [...], "resolution": [...]} sets each.
    pause_reasons: fields.JSONField[Any] = fields.JSONField(null=True)
    # More specific matches (tier, category, product), checked after the priority.
    conditions: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    position = fields.IntField(default=0)  # lower wins among matching policies
    # On breach: {"groupId": move to, "raisePriority": bool, "notifySupervisor": bool}; null: none.
    escalation: Any = fields.JSONField(null=True)
    calendar: fields.ForeignKeyNullableRelation[BusinessCalendar] = fields.ForeignKeyField(
        "models.BusinessCalendar", related_name="policies", null=True, on_delete=fields.SET_NULL
    )
    calendar_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "sla_policies"


class Ticket(Model):
    id = fields.BigIntField(primary_key=True)
    subject = fields.CharField(max_length=200)
    description = fields.TextField()
    source = fields.CharEnumField(TicketSource, max_length=16)
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.NEW)
    wait_reason = fields.CharEnumField(WaitReason, max_length=16, null=True)
    priority = fields.IntEnumField(Priority, default=Priority.MEDIUM)
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    category_id: int | None
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tickets", on_delete=fields.RESTRICT
    )
    customer_id: int
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    product_id: int | None
    group: fields.ForeignKeyNullableRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    group_id: int | None
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="assigned_tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_tickets", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    sla_policy: fields.ForeignKeyNullableRelation[SlaPolicy] = fields.ForeignKeyField(
        "models.SlaPolicy", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    sla_policy_id: int | None
    # Scoped to the creator ("<user id>:<key>") so two clients cannot collide.
    idempotency_key = fields.CharField(max_length=140, null=True, unique=True)
    # Denormalised from ticket_sla_targets for filtering, sorting by urgency and the sweep.
    sla_state = fields.CharField(max_length=16, null=True, db_index=True)
    sla_due_at = fields.DatetimeField(null=True, db_index=True)
    sla_next_alert_at = fields.DatetimeField(null=True, db_index=True)
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField(db_index=True)
    first_responded_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)
    priority_origin = fields.CharEnumField(PriorityOrigin, max_length=16, default=PriorityOrigin.DEFAULT)
    triage_state = fields.CharEnumField(TriageState, max_length=16, default=TriageState.SKIPPED,
                                        db_index=True)
    # Below the confidence threshold: listed for supervisors until someone sets the category.
    needs_review = fields.BooleanField(default=False, db_index=True)
    # What the classifier said (kept after a human changes it), and whether a human has
    # confirmed or corrected the category since: the two make the classifier's accuracy.
    classification: Any = fields.JSONField(null=True)
    classified_category_id = fields.BigIntField(null=True)
    category_confirmed = fields.BooleanField(default=False)
    tags: Any = fields.JSONField(default=list)
    # The outside conversation the ticket belongs to ("<channel>:<conversation id>" for chat):
    # later messages of that conversation go to its open ticket.
    external_thread = fields.CharField(max_length=255, null=True, db_index=True)
    # Set in the transaction of a change that calls for dispatch (a ticket created without
    # triage, a classification, a corrected category) and cleared once dispatch has run: a
    # process that dies in between leaves the mark, and the dispatch sweep finishes the job
    # (routing, assignment, and the on-call page of an urgent ticket).
    dispatch_pending_since = fields.DatetimeField(null=True, db_index=True)
    # Route again even if it has a group (a corrected category). db_default: the column is
    # added to tables that hold tickets already.
    dispatch_reroute = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "tickets"
        indexes = (("status", "priority"), ("group_id", "status"), ("assignee_id", "status"))

    @property
    def key(self) -> str:
        return f"{TICKET_KEY_PREFIX}-{self.id}"


class Message(Model):
    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    ticket_id: int
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    author_kind = fields.CharEnumField(AuthorKind, max_length=16)
    internal = fields.BooleanField(default=False)
    channel = fields.CharEnumField(TicketSource, max_length=16)
    body = fields.TextField()
    created_at = fields.DatetimeField(db_index=True)
    # The RFC 5322 Message-ID this message came in with or went out with: replies name it in
    # In-Reply-To/References, and that is how they find their ticket.
    email_message_id = fields.CharField(max_length=255, null=True, db_index=True)

    class Meta:
        table = "messages"


class TicketEvent(Model):
    # The handling and dispatch log: who did what, when, with before and after.

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    ticket_id: int
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ticket_events", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    kind = fields.CharEnumField(EventKind, max_length=32)
    before: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    after: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    note = fields.TextField(null=True)
    # Whose work the ticket was just before and just after this event, so a replay for an
    # agent's workbench selects exactly what the live stream delivered at the time.
    assignee_id = fields.BigIntField(null=True, db_index=True)
    previous_assignee_id = fields.BigIntField(null=True, db_index=True)
    # Events that must be written once (an SLA alert) carry a key; the unique index enforces it.
    dedupe_key = fields.CharField(max_length=120, null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "ticket_events"
        unique_together = (("ticket", "dedupe_key"),)


class TicketSlaTarget(Model):
    # Where one SLA target of a ticket stood when it was last recomputed (by a change to the
    # ticket, a policy edit or a timer). Reads compute the live figures from the history.
    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="sla_targets", on_delete=fields.CASCADE
    )
    ticket_id: int
    kind = fields.CharField(max_length=16)  # FIRST_RESPONSE or RESOLUTION
    state = fields.CharField(max_length=16, db_index=True)
    target_seconds = fields.IntField()
    elapsed_seconds = fields.IntField()
    due_at = fields.DatetimeField(null=True)
    breached_at = fields.DatetimeField(null=True, db_index=True)
    met_at = fields.DatetimeField(null=True)
    thresholds_fired: fields.JSONField[list[int]] = fields.JSONField(default=list)
    next_alert_at = fields.DatetimeField(null=True, db_index=True)
    computed_at = fields.DatetimeField()

    class Meta:
        table = "ticket_sla_targets"
        unique_together = (("ticket", "kind"),)
        # The dashboard reads the targets met during one day.
        indexes = (("met_at",),)


class RoutingRule(Model):
    # Ordered and data, not code: the first enabled rule whose conditions all hold routes a
    # ticket to its group. Condition lists are empty when not used.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    position = fields.IntField(default=0)
    enabled = fields.BooleanField(default=True)
    category_ids: Any = fields.JSONField(default=list)
    product_ids: Any = fields.JSONField(default=list)
    customer_tiers: Any = fields.JSONField(default=list)
    organisations: Any = fields.JSONField(default=list)
    sources: Any = fields.JSONField(default=list)
    priorities: Any = fields.JSONField(default=list)
    keywords: Any = fields.JSONField(default=list)
    group: fields.ForeignKeyNullableRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="routing_rules", null=True, on_delete=fields.CASCADE
    )
    group_id: int | None
    set_priority = fields.IntEnumField(Priority, null=True)
    tags: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "routing_rules"


class OnCallSchedule(Model):
    # One rotation per group: participants take turns of `shift_seconds`, handing over at the
    # same local time when the shift is whole days.

    id = fields.BigIntField(primary_key=True)
    group: fields.OneToOneRelation[Group] = fields.OneToOneField(
        "models.Group", related_name="on_call", on_delete=fields.CASCADE
    )
    group_id: int
    participants: Any = fields.JSONField(default=list)  # user ids in turn order
    starts_at = fields.DatetimeField()
    shift_seconds = fields.IntField(default=86400)
    time_zone = fields.CharField(max_length=64, default="UTC")
    ack_timeout_seconds = fields.IntField(default=300)
    webhook_url = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "on_call_schedules"


class OnCallOverride(Model):
    id = fields.BigIntField(primary_key=True)
    schedule: fields.ForeignKeyRelation[OnCallSchedule] = fields.ForeignKeyField(
        "models.OnCallSchedule", related_name="overrides", on_delete=fields.CASCADE
    )
    schedule_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="on_call_overrides", on_delete=fields.CASCADE
    )
    user_id: int
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()

    class Meta:
        table = "on_call_overrides"


class Page(Model):
    # An urgent ticket's call to whoever is on call, walking the escalation chain until
    # someone acknowledges. `next_check_at` is when the current person's time runs out.

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="pages", on_delete=fields.CASCADE
    )
    ticket_id: int
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="pages", on_delete=fields.CASCADE
    )
    group_id: int
    reason = fields.CharField(max_length=200)
    chain: Any = fields.JSONField(default=list)
    notified: Any = fields.JSONField(default=list)  # [[user id, ISO time], ...] in order
    acknowledged_by_id = fields.BigIntField(null=True)
    acknowledged_at = fields.DatetimeField(null=True)
    exhausted = fields.BooleanField(default=False)
    next_check_at = fields.DatetimeField(null=True, db_index=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "pages"


class OutboxMail(Model):
    # Mail waits here until the SMTP server takes it: a down server delays mail, never loses it.
    # `next_attempt_at` is null once sent; a sender claims a mail by moving it forward.

    id = fields.BigIntField(primary_key=True)
    to_address = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=300)
    body = fields.TextField()
    message_id = fields.CharField(max_length=200, unique=True)
    in_reply_to = fields.CharField(max_length=200, null=True)
    # The whole thread's Message-IDs, space separated, so mail clients thread the answer.
    references = fields.TextField(null=True)
    reply_to = fields.CharField(max_length=254, null=True)
    kind = fields.CharField(max_length=32)
    ticket_id = fields.BigIntField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    sent_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "outbox_mail"


# IntakeReceipt.channel of inbound mail, and of a chat channel's messages.
EMAIL_RECEIPTS = "email"


def chat_receipts(channel_name: str) -> str:
    return f"chat:{channel_name}"


class IntakeReceipt(Model):
    # Every item that came in from outside, by its origin's own id (a mail's Message-ID, a
    # chat message's id): a redelivery finds its receipt and changes nothing.

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=80)  # "email", "chat:<channel name>"
    external_id = fields.CharField(max_length=255)
    outcome = fields.CharEnumField(IntakeOutcome, max_length=16)
    reason = fields.TextField(null=True)  # why IGNORED (auto-reply, bounce, ...)
    sender = fields.CharField(max_length=254, null=True)
    ticket_id = fields.BigIntField(null=True, db_index=True)
    message_id = fields.BigIntField(null=True)  # the Message row it became
    created_at = fields.DatetimeField()

    class Meta:
        table = "intake_receipts"
        unique_together = (("channel", "external_id"),)


class Attachment(Model):
    # A file on a ticket, stored under the attachments directory by its content hash.

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="attachments", on_delete=fields.CASCADE
    )
    ticket_id: int
    # Null until the reply that carries it is sent (an upload comes before its message).
    message: fields.ForeignKeyNullableRelation[Message] = fields.ForeignKeyField(
        "models.Message", related_name="attachments", null=True, on_delete=fields.SET_NULL
    )
    message_id: int | None
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=127)
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64, db_index=True)
    uploaded_by_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "attachments"


class ChatChannel(Model):
    # A chat or IM integration posting to /hooks/chat/<name>, signed with its secret.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    secret = fields.CharField(max_length=200)
    enabled = fields.BooleanField(default=True)
    product_id = fields.BigIntField(null=True)  # tickets from this channel are about it
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "chat_channels"


class ProductRule(Model):
    # Links a new ticket to a product when its creator named none: by the address it was
    # sent to, the sender's domain, or words in its text. Ordered; the first match wins.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    position = fields.IntField(default=0)
    enabled = fields.BooleanField(default=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="rules", on_delete=fields.CASCADE
    )
    product_id: int
    recipient = fields.CharField(max_length=254, null=True)
    sender_domain = fields.CharField(max_length=254, null=True)
    keywords: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "product_rules"


class ReplyTemplate(Model):
    # A canned reply; variables in it (the customer's name, the ticket key, the agent's name)
    # are filled in when it is used.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "reply_templates"


class Macro(Model):
    # A named list of actions (status, wait reason, priority, group, a templated reply,
    # tags) applied to a ticket in one transaction.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    description = fields.TextField(default="")
    actions: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "macros"


class Satisfaction(Model):
    # The customer's rating of a closed ticket, from the survey link: one per ticket.

    id = fields.BigIntField(primary_key=True)
    ticket: fields.OneToOneRelation[Ticket] = fields.OneToOneField(
        "models.Ticket", related_name="satisfaction", on_delete=fields.CASCADE
    )
    ticket_id: int
    stars = fields.IntField()
    comment = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "satisfaction"


class WebhookDelivery(Model):
    # Outgoing webhook calls wait here like mail in the outbox: a receiver that is down, or a
    # restart of the sender, delays a call, never loses it. `next_attempt_at` is null once
    # delivered or given up; a sender claims a call by moving it forward.

    id = fields.BigIntField(primary_key=True)
    url = fields.CharField(max_length=500)
    body = fields.TextField()
    kind = fields.CharField(max_length=32)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    delivered_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_deliveries"


class Article(Model):
    # The knowledge base: answers agents reuse and customers read in the help center. An
    # article's embedding is stored with the model it came from, so a change of model is
    # noticed and the article re-encoded on use.

    id = fields.BigIntField(primary_key=True)
    title = fields.CharField(max_length=200)
    body = fields.TextField()  # stored as given: leading spaces start a Markdown code block
    format = fields.CharEnumField(ArticleFormat, max_length=16, default=ArticleFormat.MARKDOWN)
    status = fields.CharEnumField(ArticleStatus, max_length=16, default=ArticleStatus.DRAFT, db_index=True)
    visibility = fields.CharEnumField(ArticleVisibility, max_length=16, default=ArticleVisibility.PUBLIC)
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="articles", null=True, on_delete=fields.SET_NULL
    )
    product_id: int | None
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="articles", null=True, on_delete=fields.SET_NULL
    )
    category_id: int | None
    tags: Any = fields.JSONField(default=list)
    # "|tag-a|tag-b|": one tag is found by a substring match on both databases.
    tag_index = fields.TextField(default="")
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="articles", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    version = fields.IntField(default=1)
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField(db_index=True)
    embedding = fields.BinaryField(null=True)
    embedding_model = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "articles"
        indexes = (("status", "visibility"),)
