"""Types of the classifier's data: priority examples and rules, and its measured accuracy."""

from datetime import datetime

import strawberry

from domain import enums, models
from domain.services.triage import AccuracyReport
from schema.enums import CustomerTier, Priority


@strawberry.type(description="A text that shows how urgent a ticket is.")
class PriorityExample:
    id: strawberry.ID
    priority: Priority
    text: str

    @classmethod
    def from_model(cls, row: models.PriorityExample) -> "PriorityExample":
        return cls(id=strawberry.ID(str(row.id)), priority=enums.Priority(row.priority), text=row.text)


@strawberry.type(description="Raises the suggested priority when all its conditions hold.")
class PriorityRule:
    id: strawberry.ID
    name: str
    position: int
    enabled: bool
    customer_tiers: list[CustomerTier]
    keywords: list[str]
    raise_levels: int
    minimum_priority: Priority | None

    @classmethod
    def from_model(cls, row: models.PriorityRule) -> "PriorityRule":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            position=row.position,
            enabled=row.enabled,
            customer_tiers=[enums.CustomerTier(t) for t in row.customer_tiers],
            keywords=list(row.keywords),
            raise_levels=row.raise_levels,
            minimum_priority=enums.Priority(row.minimum_priority) if row.minimum_priority else None,
        )


@strawberry.type(description="How often the classifier's category was right, over tickets whose "
                 "category a person has confirmed (set it, or resolved the ticket with it).")
class ClassifierAccuracy:
    created_from: datetime
    created_to: datetime
    classified: int
    confirmed: int
    correct: int
    accuracy: float | None = strawberry.field(description="correct / confirmed; null with none confirmed.")
    auto_routed: int = strawberry.field(description="Classified above the threshold, with no review.")

    @classmethod
    def from_report(
        cls, report: AccuracyReport, created_from: datetime, created_to: datetime
    ) -> "ClassifierAccuracy":
        return cls(
            created_from=created_from,
            created_to=created_to,
            classified=report.classified,
            confirmed=report.confirmed,
            correct=report.correct,
            accuracy=report.accuracy,
            auto_routed=report.auto_routed,
        )
