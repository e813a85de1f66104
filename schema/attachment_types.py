"""Files on tickets, downloaded at their `url` with the caller's Bearer token."""

from datetime import UTC, datetime

import strawberry

from domain import models
from resolvers.context import Info


@strawberry.type(description="A file on a ticket. Download it from `url` with your Bearer token.")
class Attachment:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int = strawberry.field(description="In bytes.")
    created_at: datetime
    message_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Attachment) -> "Attachment":
        return cls(
            id=strawberry.ID(str(row.id)),
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            created_at=row.created_at.astimezone(UTC),
            message_id=row.message_id,
        )

    @strawberry.field(description="GET it with 'Authorization: Bearer <token>'.")
    def url(self, info: Info) -> str:
        settings = info.context.services.settings
        base = settings.public_url.rstrip("/") if settings is not None else ""
        return f"{base}/attachments/{self.id}"

    @strawberry.field(description="Not yet on a message: uploaded for a reply still to be sent.")
    def pending(self) -> bool:
        return self.message_id is None
