"""The classifier's queries and mutations: check access, call the triage service, map."""

from datetime import datetime

import strawberry

from domain.enums import Priority, Role
from domain.errors import BadUserInput, Forbidden
from domain.models import PriorityExample as PriorityExampleModel
from domain.models import PriorityRule as PriorityRuleModel
from domain.models import Ticket as TicketModel
from domain.rules import validation
from domain.rules.access import require_manager
from domain.services import tickets, triage
from resolvers.context import Info
from resolvers.ids import parse_id, parse_optional_id
from schema.enums import CustomerTier
from schema.inputs import PriorityRuleInput
from schema.triage_types import ClassifierAccuracy, PriorityExample, PriorityRule
from schema.types import Classification, Ticket


async def classify(info: Info, text: str) -> Classification:
    ctx = info.context
    verdict = await triage.preview(
        actor=ctx.require_actor(),
        models=ctx.services.triage_models,
        text=text,
        threshold=ctx.services.triage_threshold,
    )
    return Classification.from_verdict(verdict)


async def triage_review(info: Info, first: int = 50) -> list[Ticket]:
    rows = await triage.review_queue(info.context.require_actor()).limit(validation.page_size(first))
    return [Ticket.from_model(r) for r in rows]


async def classifier_accuracy(
    info: Info, created_from: datetime, created_to: datetime
) -> ClassifierAccuracy:
    """Staff see it over the tickets they may see; reporters (BI tools) over the whole desk."""
    actor = info.context.require_actor()
    if actor.role is Role.REPORTER:
        scope = TicketModel.all()
    elif actor.is_staff:
        scope = tickets.visible_tickets(actor)
    else:
        raise Forbidden("Only staff and reporters read the classifier's accuracy.")
    if created_to <= created_from:
        raise BadUserInput("createdTo must be after createdFrom.", field="createdTo")
    report = await triage.accuracy(tickets=scope, created_from=created_from, created_to=created_to)
    return ClassifierAccuracy.from_report(report, created_from, created_to)


async def priority_examples(info: Info) -> list[PriorityExample]:
    require_manager(info.context.require_actor(), "read priority examples")
    rows = await PriorityExampleModel.all().order_by("priority", "id")
    return [PriorityExample.from_model(r) for r in rows]


async def priority_rules(info: Info) -> list[PriorityRule]:
    require_manager(info.context.require_actor(), "read priority rules")
    rows = await PriorityRuleModel.all().order_by("position", "id")
    return [PriorityRule.from_model(r) for r in rows]


# --- mutations -------------------------------------------------------------------------


async def add_priority_examples(info: Info, priority: Priority, examples: list[str]) -> list[PriorityExample]:
    rows = await triage.add_priority_examples(
        actor=info.context.require_actor(), priority=Priority(priority), examples=examples
    )
    return [PriorityExample.from_model(r) for r in rows]


async def remove_priority_example(info: Info, example_id: strawberry.ID) -> bool:
    await triage.remove_priority_example(
        actor=info.context.require_actor(), example_id=parse_id(example_id, "exampleId")
    )
    return True


async def upsert_priority_rule(info: Info, input: PriorityRuleInput) -> PriorityRule:
    data = triage.RuleData(
        name=input.name,
        position=input.position,
        enabled=input.enabled,
        customer_tiers=[CustomerTier(t) for t in input.customer_tiers],
        keywords=input.keywords,
        raise_levels=input.raise_levels,
        minimum_priority=Priority(input.minimum_priority) if input.minimum_priority is not None else None,
    )
    row = await triage.upsert_priority_rule(
        actor=info.context.require_actor(), rule_id=parse_optional_id(input.id, "id"), data=data
    )
    return PriorityRule.from_model(row)


async def delete_priority_rule(info: Info, id: strawberry.ID) -> bool:
    await triage.delete_priority_rule(actor=info.context.require_actor(), rule_id=parse_id(id, "id"))
    return True
