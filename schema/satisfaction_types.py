"""The customer's rating of a ticket (the satisfaction survey)."""

from datetime import UTC, datetime

import strawberry

from domain import models


@strawberry.type(description="The customer's rating from the survey sent when the ticket closed.")
class Satisfaction:
    stars: int = strawberry.field(description="1 (poor) to 5 (excellent).")
    comment: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: models.Satisfaction) -> "Satisfaction":
        return cls(stars=row.stars, comment=row.comment, created_at=row.created_at.astimezone(UTC))
