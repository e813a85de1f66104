"""Types of the public intake (web form, follow link) and of its administration (product
rules, chat channels)."""

from datetime import datetime

import strawberry

from domain import models
from domain.services.intake import PublicView
from resolvers.context import Info
from schema.enums import AuthorKind, TicketStatus
from schema.types import Product


@strawberry.input(description="The public web form: no token needed.")
class SubmitTicketInput:
    email: str
    subject: str
    description: str
    name: str | None = None
    product_id: strawberry.ID | None = None


@strawberry.type(description="A submitted form: the ticket's key and the customer's follow link.")
class SubmittedTicket:
    key: str
    follow_url: str | None = strawberry.field(
        description="Shows the ticket's status and public messages to whoever holds it; keep it private. "
        "Null when the email was already a customer's: the link then goes to that address by mail."
    )
    follow_link_mailed: bool = strawberry.field(
        description="The follow link was mailed to the address instead (an existing customer)."
    )


@strawberry.type
class FollowedMessage:
    author_kind: AuthorKind
    body: str
    created_at: datetime


@strawberry.type(description="A ticket as its follow link shows it: public messages only.")
class FollowedTicket:
    key: str
    subject: str
    description: str
    status: TicketStatus
    created_at: datetime
    messages: list[FollowedMessage]

    @classmethod
    def from_view(cls, view: PublicView) -> "FollowedTicket":
        return cls(
            key=view.key,
            subject=view.subject,
            description=view.description,
            status=view.status,  # type: ignore[arg-type]
            created_at=view.created_at,
            messages=[
                FollowedMessage(author_kind=m.author_kind, body=m.body, created_at=m.created_at)  # type: ignore[arg-type]
                for m in view.messages
            ],
        )


@strawberry.input
class ProductRuleInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omitted: a new rule.")
    name: str
    product_id: strawberry.ID
    position: int = strawberry.field(default=0, description="Lower first; the first match wins.")
    enabled: bool = True
    recipient: str | None = strawberry.field(
        default=None, description="The address the customer wrote to (mail), any case."
    )
    sender_domain: str | None = strawberry.field(
        default=None, description="The domain of the customer's email, e.g. example.com."
    )
    keywords: list[str] = strawberry.field(
        default_factory=list, description="Whole words or phrases in subject or description; one is enough."
    )


@strawberry.type(
    description="Sets the product of a new ticket that names none, when all its conditions hold."
)
class ProductRule:
    id: strawberry.ID
    name: str
    position: int
    enabled: bool
    recipient: str | None
    sender_domain: str | None
    keywords: list[str]
    product_id: strawberry.ID

    @strawberry.field
    async def product(self, info: Info) -> Product | None:
        return await Product.load(info, int(self.product_id))

    @classmethod
    def from_model(cls, row: models.ProductRule) -> "ProductRule":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            position=row.position,
            enabled=row.enabled,
            recipient=row.recipient,
            sender_domain=row.sender_domain,
            keywords=list(row.keywords or []),
            product_id=strawberry.ID(str(row.product_id)),
        )


@strawberry.input
class ChatChannelInput:
    name: str = strawberry.field(description="The webhook is POST /hooks/chat/<name>.")
    secret: str | None = strawberry.field(
        default=None,
        description="Omitted: a new channel gets a generated one, an existing one keeps its own.",
    )
    enabled: bool = True
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="Tickets from this channel are about this product."
    )


@strawberry.type(description="A chat or IM integration posting signed messages to /hooks/chat/<name>.")
class ChatChannel:
    id: strawberry.ID
    name: str
    enabled: bool
    product_id: strawberry.ID | None
    secret: str | None = strawberry.field(
        description="Only in the answer of the call that set it; sign requests with it "
        "(X-Helpdesk-Timestamp, X-Helpdesk-Signature: sha256=HMAC(secret, timestamp.body))."
    )
    webhook_path: str

    @classmethod
    def from_model(cls, row: models.ChatChannel, secret: str | None = None) -> "ChatChannel":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            enabled=row.enabled,
            product_id=strawberry.ID(str(row.product_id)) if row.product_id is not None else None,
            secret=secret,
            webhook_path=f"/hooks/chat/{row.name}",
        )
